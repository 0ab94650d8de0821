"""Seed the retired Trivy scanner's AWS leftovers, and look-alikes that must survive.

Works against any boto3 Session: moto in-process (`moto.mock_aws`) or a moto server reached
through `AWS_ENDPOINT_URL`. The fingerprint follows docs/reference.md §4: buckets
named `defender-for-containers-va...`, the ECS cluster `defender-for-containers-va`, and a VPC
10.0.0.0/16 tagged `name`=`defender-for-containers-va` with subnet 10.0.1.0/24, an attached
internet gateway, a route table 0.0.0.0/0 -> igw associated to the subnet, and the default
security group holding one all-inbound rule, all carrying the same tag.

Used by the tests, `scripts/demo.py` and `scripts/bench_migrate.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from migrate import fingerprint
from migrate.fingerprint import CONTAINERS_AUDIENCE, OIDC_ISSUER

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import TagSpecificationTypeDef
    from mypy_boto3_s3 import S3Client

TRIVY_NAME = "defender-for-containers-va"
TRIVY_VPC_CIDR = "10.0.0.0/16"
TRIVY_SUBNET_CIDR = "10.0.1.0/24"
LOOKALIKE_BUCKETS = (
    "defender-for-containers-vault-logs",
    "defender-for-containers-vax",
    "my-defender-for-containers-va",
)
TASK_FAMILY = TRIVY_NAME
# Defender for Cloud's OIDC trust (docs/reference.md §3): Microsoft's published values, taken
# from migrate (their one home; tests/test_contract_facts.py pins them to the vendored contract),
# so the seeded world and the tool cannot drift apart. The thumbprint only the seed and stacks use.
OIDC_THUMBPRINT = "626d44e704d1ceabe3bf0d53397464ac8080142c"
IMAGE_ASSESSMENT_ROLE = fingerprint.IMAGE_ASSESSMENT_ROLE
# The retired scanner's IAM (docs/reference.md §4), as each onboarding named it.
TRIVY_IAM_NAMES = {
    "cloudformation": ("DefenderForContainersVaRole", "DefenderForContainersVaTaskRole"),
    "terraform": ("azuredefender-containers-va", "azuredefender-containers-va-task"),
}
TRIVY_POLICY_NAMES = (
    "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment",
    "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment_Task",
)
# An AMI that moto knows (looking one up with DescribeImages costs seconds in moto).
EXAMPLE_AMI = "ami-12c6146b"


@dataclass
class TrivyIds:
    """What `seed_trivy_leftovers` created in one account and region."""

    account: str
    region: str
    buckets: list[str]
    cluster_arn: str
    vpc_id: str
    subnet_id: str
    internet_gateway_id: str
    route_table_id: str
    route_table_association_id: str
    main_route_table_id: str
    security_group_id: str
    service_arns: list[str] = field(default_factory=list)
    task_arns: list[str] = field(default_factory=list)
    task_eni_ids: list[str] = field(default_factory=list)
    object_versions: int = 0
    delete_markers: int = 0
    multipart_upload_ids: list[str] = field(default_factory=list)


@dataclass
class LookalikeIds:
    """What `seed_lookalikes` created: every one of these must survive a migration."""

    account: str
    region: str
    untagged_vpc_id: str
    other_cidr_vpc_id: str
    buckets: list[str]
    cluster_arn: str
    task_definition_arn: str
    role_name: str | None
    log_group_name: str
    stack_id: str | None


def account_of(session: boto3.Session) -> str:
    return session.client("sts").get_caller_identity()["Account"]


def create_bucket(s3: S3Client, name: str, region: str, *, object_lock: bool = False) -> None:
    # us-east-1 is the one region that refuses an explicit LocationConstraint.
    if region == "us-east-1":
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
    else:
        s3.create_bucket(
            Bucket=name,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
            ObjectLockEnabledForBucket=object_lock,
        )


def trivy_tags(resource_type: str, tag_key: str) -> list[TagSpecificationTypeDef]:
    return [
        {
            "ResourceType": resource_type,  # type: ignore[typeddict-item]
            "Tags": [{"Key": tag_key, "Value": TRIVY_NAME}],
        }
    ]


def fill_versioned_bucket(
    s3: S3Client, bucket: str, *, objects: int, versions_per_object: int = 2,
    in_process: str | None = None,
) -> tuple[int, int]:
    """Put `objects` keys with `versions_per_object` versions each, then delete every other key
    (a delete marker on top of its versions). Returns (object versions, delete markers).

    in_process: the account whose in-process moto backend gets the same writes directly (moto
    in this process, or a server thread of it): a thousand objects in milliseconds instead of a
    thousand requests."""
    put: Callable[[str, bytes], object]
    delete: Callable[[str], object]
    if in_process is None:
        def put(key: str, body: bytes) -> object:
            return s3.put_object(Bucket=bucket, Key=key, Body=body)

        def delete(key: str) -> object:
            return s3.delete_object(Bucket=bucket, Key=key)
    else:
        from moto.s3.models import s3_backends

        backend = s3_backends[in_process]["aws"]

        def put(key: str, body: bytes) -> object:
            return backend.put_object(bucket, key, body)

        def delete(key: str) -> object:
            return backend.delete_object(bucket, key)
    versions = markers = 0
    for i in range(objects):
        key = f"scans/{i:06d}.json"
        for v in range(versions_per_object):
            put(key, json.dumps({"scan": i, "v": v}).encode())
            versions += 1
        if i % 2 == 1:
            delete(key)
            markers += 1
    return versions, markers


def _trivy_vpc(ec2: EC2Client, tag_key: str) -> tuple[str, str, str, str, str, str, str]:
    vpc_id = ec2.create_vpc(CidrBlock=TRIVY_VPC_CIDR, TagSpecifications=trivy_tags("vpc", tag_key))[
        "Vpc"
    ]["VpcId"]
    # Fargate tasks need DNS hostnames (moto cannot place an awsvpc task without them either).
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet_id = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock=TRIVY_SUBNET_CIDR, TagSpecifications=trivy_tags("subnet", tag_key)
    )["Subnet"]["SubnetId"]
    igw_id = ec2.create_internet_gateway(TagSpecifications=trivy_tags("internet-gateway", tag_key))[
        "InternetGateway"
    ]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    rt_id = ec2.create_route_table(
        VpcId=vpc_id, TagSpecifications=trivy_tags("route-table", tag_key)
    )["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assoc_id = ec2.associate_route_table(RouteTableId=rt_id, SubnetId=subnet_id)["AssociationId"]
    main_rt = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]
    sg = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]
    sg_id = sg["GroupId"]
    # The scanner's default group holds exactly one inbound rule, open to everything.
    if sg.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=sg_id, IpPermissions=sg["IpPermissions"])
    ec2.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    ec2.create_tags(Resources=[sg_id], Tags=[{"Key": tag_key, "Value": TRIVY_NAME}])
    return vpc_id, subnet_id, igw_id, rt_id, assoc_id, main_rt, sg_id


def seed_trivy_leftovers(
    session: boto3.Session,
    region: str,
    *,
    bucket_names: Sequence[str] | None = None,
    objects: int = 6,
    versions_per_object: int = 2,
    multipart_upload: bool = True,
    tag_key: str = "name",
    service: bool = False,
    tasks: int = 0,
    mdvm_onboarded: bool = True,
    objects_in_process: bool = False,
) -> TrivyIds:
    """Create the scanner's leftovers in `region`.

    bucket_names: default one bucket `defender-for-containers-va-<account>-<region>` (S3 names
    are global, so two regions need two names). `tasks` runs that many Fargate awsvpc tasks in
    the subnet (each holds an ENI, in use); `service` adds a service (desiredCount=tasks or 1)
    whose tasks are the ones run here (group `service:<name>`). `mdvm_onboarded`: also create
    the MDVM image-assessment role (the README's order: the connector first, then the clean-up).
    `objects_in_process`: write the objects straight into this process's moto backend (see
    fill_versioned_bucket), for buckets of thousands.
    """
    account = account_of(session)
    s3 = session.client("s3", region_name=region)
    ec2 = session.client("ec2", region_name=region)
    ecs = session.client("ecs", region_name=region)
    if mdvm_onboarded:
        seed_mdvm_onboarding(session)

    names = list(bucket_names) if bucket_names is not None else [f"{TRIVY_NAME}-{account}-{region}"]
    versions = markers = 0
    uploads: list[str] = []
    for name in names:
        create_bucket(s3, name, region)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        v, m = fill_versioned_bucket(
            s3, name, objects=objects, versions_per_object=versions_per_object,
            in_process=account if objects_in_process else None,
        )
        versions += v
        markers += m
        if multipart_upload:
            uploads.append(
                s3.create_multipart_upload(Bucket=name, Key="scans/partial.tar")["UploadId"]
            )

    vpc_id, subnet_id, igw_id, rt_id, assoc_id, main_rt, sg_id = _trivy_vpc(ec2, tag_key)

    cluster_arn = ecs.create_cluster(clusterName=TRIVY_NAME)["cluster"]["clusterArn"]
    ids = TrivyIds(
        account=account,
        region=region,
        buckets=names,
        cluster_arn=cluster_arn,
        vpc_id=vpc_id,
        subnet_id=subnet_id,
        internet_gateway_id=igw_id,
        route_table_id=rt_id,
        route_table_association_id=assoc_id,
        main_route_table_id=main_rt,
        security_group_id=sg_id,
        object_versions=versions,
        delete_markers=markers,
        multipart_upload_ids=uploads,
    )
    if service or tasks:
        network = {
            "awsvpcConfiguration": {
                "subnets": [subnet_id],
                "securityGroups": [sg_id],
                "assignPublicIp": "ENABLED",
            }
        }
        task_def = ecs.register_task_definition(
            family=TASK_FAMILY,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {
                    "name": "scanner",
                    "image": "aquasec/trivy:0.50.0",
                    "essential": True,
                    "cpu": 256,
                    "memory": 512,
                }
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        group = f"family:{TASK_FAMILY}"  # what ECS records for a task run by hand
        if service:
            svc = ecs.create_service(
                cluster=TRIVY_NAME,
                serviceName=f"{TRIVY_NAME}-scanner",
                taskDefinition=task_def,
                desiredCount=max(tasks, 1),
                launchType="FARGATE",
                networkConfiguration=network,  # type: ignore[arg-type]
            )["service"]
            ids.service_arns.append(svc["serviceArn"])
            group = f"service:{svc['serviceName']}"
        if tasks:
            run = ecs.run_task(
                cluster=TRIVY_NAME,
                taskDefinition=task_def,
                count=tasks,
                launchType="FARGATE",
                networkConfiguration=network,  # type: ignore[arg-type]
                group=group,
            )
            for task in run["tasks"]:
                ids.task_arns.append(task["taskArn"])
                for attachment in task.get("attachments", []):
                    for detail in attachment.get("details", []):
                        if detail.get("name") == "networkInterfaceId":
                            ids.task_eni_ids.append(detail["value"])
    return ids


def seed_lookalikes(
    session: boto3.Session,
    region: str,
    *,
    bucket_names: Sequence[str] = LOOKALIKE_BUCKETS,
    stack: bool = True,
) -> LookalikeIds:
    """Create things that look related but must never be deleted.

    S3 and IAM names are global: when seeding a second region pass `bucket_names=()` or other
    names; the IAM role is created once per account (an existing one is reused).
    """
    account = account_of(session)
    ec2 = session.client("ec2", region_name=region)
    s3 = session.client("s3", region_name=region)
    ecs = session.client("ecs", region_name=region)
    iam = session.client("iam", region_name=region)
    logs = session.client("logs", region_name=region)

    untagged = ec2.create_vpc(CidrBlock=TRIVY_VPC_CIDR)["Vpc"]["VpcId"]
    other_cidr = ec2.create_vpc(
        CidrBlock="10.1.0.0/16", TagSpecifications=trivy_tags("vpc", "name")
    )["Vpc"]["VpcId"]
    for name in bucket_names:
        create_bucket(s3, name, region)
        s3.put_object(Bucket=name, Key="keep.txt", Body=b"not the scanner's")
    cluster_arn = ecs.create_cluster(clusterName=f"{TRIVY_NAME}-prod")["cluster"]["clusterArn"]
    task_def = ecs.register_task_definition(
        family=TASK_FAMILY,
        containerDefinitions=[{"name": "scanner", "image": "aquasec/trivy:0.50.0", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    role_name: str | None = f"{TRIVY_NAME}-task-role"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        iam.create_role(RoleName=str(role_name), AssumeRolePolicyDocument=json.dumps(trust))
    except ClientError as err:
        if err.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
    log_group = f"/ecs/{TRIVY_NAME}"
    logs.create_log_group(logGroupName=log_group)
    stack_id: str | None = None
    if stack:
        template = {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        }
        stack_id = session.client("cloudformation", region_name=region).create_stack(
            StackName=f"{TRIVY_NAME}-onboarding", TemplateBody=json.dumps(template)
        )["StackId"]
    return LookalikeIds(
        account=account,
        region=region,
        untagged_vpc_id=untagged,
        other_cidr_vpc_id=other_cidr,
        buckets=list(bucket_names),
        cluster_arn=cluster_arn,
        task_definition_arn=task_def,
        role_name=role_name,
        log_group_name=log_group,
        stack_id=stack_id,
    )


def _exists_ok(call: Any) -> None:
    try:
        call()
    except ClientError as err:
        if err.response["Error"]["Code"] != "EntityAlreadyExists":
            raise


def oidc_trust(account: str, audience: str = CONTAINERS_AUDIENCE) -> dict[str, Any]:
    """The trust Defender's connector roles have (stacks/aws_connector/policies.py)."""
    issuer = OIDC_ISSUER
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{account}:oidc-provider/{issuer}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {f"{issuer}:aud": audience},
                    "StringLike": {"sts:RoleSessionName": "MicrosoftDefenderForClouds_*"},
                },
            }
        ],
    }


def service_trust(service: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
        ],
    }


def seed_mdvm_onboarding(session: boto3.Session, role_name: str = IMAGE_ASSESSMENT_ROLE) -> str:
    """What the connector with image assessment on creates: Defender's OIDC provider and the
    image-assessment role trusting it (containers audience). Idempotent; returns the role ARN."""
    account = account_of(session)
    iam = session.client("iam")
    _exists_ok(lambda: iam.create_open_id_connect_provider(
        Url=f"https://{OIDC_ISSUER}",
        ClientIDList=[CONTAINERS_AUDIENCE],
        ThumbprintList=[OIDC_THUMBPRINT],
    ))
    _exists_ok(lambda: iam.create_role(
        RoleName=role_name, AssumeRolePolicyDocument=json.dumps(oidc_trust(account))))
    return f"arn:aws:iam::{account}:role/{role_name}"


@dataclass
class TrivyIam:
    va_role: str
    task_role: str
    policy_arns: list[str]
    instance_profile: str | None = None


def seed_trivy_iam(
    session: boto3.Session,
    naming: str = "cloudformation",
    *,
    policies: bool = True,
    inline_policy: bool = True,
    instance_profile: bool = False,
) -> TrivyIam:
    """The retired scanner's two roles (VA role trusting Defender's OIDC provider for the
    containers audience, task role trusting ECS tasks), with the customer-managed policies
    attached, an inline policy and optionally an instance profile holding the task role."""
    account = account_of(session)
    iam = session.client("iam")
    va_name, task_name = TRIVY_IAM_NAMES[naming]
    iam.create_role(RoleName=va_name, AssumeRolePolicyDocument=json.dumps(oidc_trust(account)))
    iam.create_role(RoleName=task_name,
                    AssumeRolePolicyDocument=json.dumps(service_trust("ecs-tasks.amazonaws.com")))
    arns: list[str] = []
    if policies:
        for role, policy in zip((va_name, task_name), TRIVY_POLICY_NAMES, strict=True):
            document = {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:*",
                "Resource": "arn:aws:s3:::defender-for-containers*"}]}
            arn = iam.create_policy(PolicyName=policy, PolicyDocument=json.dumps(document))[
                "Policy"]["Arn"]
            # A second version, as an updated onboarding leaves: DeletePolicy needs it gone.
            iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document),
                                      SetAsDefault=True)
            iam.attach_role_policy(RoleName=role, PolicyArn=arn)
            arns.append(arn)
    if inline_policy:
        iam.put_role_policy(RoleName=task_name, PolicyName="ecr-read", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}))
    profile = None
    if instance_profile:
        profile = f"{task_name}-profile"
        iam.create_instance_profile(InstanceProfileName=profile)
        iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=task_name)
    return TrivyIam(va_name, task_name, arns, profile)


def seed_object_lock_bucket(session: boto3.Session, region: str, name: str | None = None) -> str:
    """A scanner-named bucket with Object Lock on and a retained object: report, never bypass."""
    account = account_of(session)
    bucket = name or f"{TRIVY_NAME}-{account}-{region}-locked"
    s3 = session.client("s3", region_name=region)
    create_bucket(s3, bucket, region, object_lock=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    s3.put_object(Bucket=bucket, Key="locked.json", Body=b"{}")
    return bucket
