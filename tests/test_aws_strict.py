"""The strict layer raises what AWS raises, and stops once the dependency is gone."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws.calls import CallLog, is_read_only, record_calls
from localaws.seed import EXAMPLE_AMI, TRIVY_NAME, create_bucket, seed_trivy_leftovers
from localaws.strict import StrictRules, install_strict_rules

REGION = "eu-central-1"


@pytest.fixture
def aws_region() -> str:
    """The shared `aws` fixture (tests/conftest.py) in REGION."""
    return REGION


@pytest.fixture
def rules(aws: boto3.Session) -> StrictRules:
    return install_strict_rules(aws)


def code_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return str(err.value.response["Error"]["Code"])


def vpc_exists(ec2: Any, vpc: str) -> bool:
    return bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"])


def vpc_with_subnet(ec2: Any) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return vpc, subnet


# --- EC2 -------------------------------------------------------------------------------------


def test_vpc_with_attached_gateway_is_refused_until_detached(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    assert code_of(ec2.delete_vpc, VpcId=vpc) == "DependencyViolation"
    assert code_of(ec2.delete_internet_gateway, InternetGatewayId=igw) == "DependencyViolation"

    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.delete_vpc(VpcId=vpc)
    assert not ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Vpcs"]
    assert [(r.operation, r.code) for r in rules.refusals] == [
        ("DeleteVpc", "DependencyViolation"),
        ("DeleteInternetGateway", "DependencyViolation"),
    ]


def test_plain_moto_would_delete_that_vpc(aws: boto3.Session) -> None:
    # Why the layer exists: with the DeleteVpc rule off, moto deletes a VPC whose gateway is
    # still attached.
    rules = install_strict_rules(aws, disabled={"DeleteVpc"})
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)
    assert not vpc_exists(ec2, vpc)
    assert rules.refusals == []


def test_unknown_rule_name_is_rejected(aws: boto3.Session) -> None:
    with pytest.raises(ValueError, match="DeleteVcp"):
        install_strict_rules(aws, disabled={"DeleteVcp"})


def _add_security_group(ec2: Any, vpc: str) -> tuple[str, Any]:
    sg = ec2.create_security_group(GroupName="extra", Description="x", VpcId=vpc)["GroupId"]
    return sg, lambda: ec2.delete_security_group(GroupId=sg)


def _add_route_table(ec2: Any, vpc: str) -> tuple[str, Any]:
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    return rt, lambda: ec2.delete_route_table(RouteTableId=rt)


def _add_subnet(ec2: Any, vpc: str) -> tuple[str, Any]:
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.9.0/24")["Subnet"]["SubnetId"]
    return sn, lambda: ec2.delete_subnet(SubnetId=sn)


def _add_egress_only_gateway(ec2: Any, vpc: str) -> tuple[str, Any]:
    gw = ec2.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"]
    return gw, lambda: ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=gw)


def _add_carrier_gateway(ec2: Any, vpc: str) -> tuple[str, Any]:
    gw = ec2.create_carrier_gateway(VpcId=vpc)["CarrierGateway"]["CarrierGatewayId"]
    return gw, lambda: ec2.delete_carrier_gateway(CarrierGatewayId=gw)


def _add_security_group_association(ec2: Any, vpc: str) -> tuple[str, Any]:
    other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="shared", Description="x", VpcId=other)["GroupId"]
    ec2.associate_security_group_vpc(GroupId=sg, VpcId=vpc)
    return sg, lambda: ec2.disassociate_security_group_vpc(GroupId=sg, VpcId=vpc)


@pytest.mark.parametrize("add", [_add_security_group, _add_route_table, _add_subnet,
                                 _add_egress_only_gateway, _add_carrier_gateway,
                                 _add_security_group_association])
def test_vpc_with_a_dependency_is_refused_until_it_is_gone(
    aws: boto3.Session, rules: StrictRules, add: Any
) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    _, remove = add(ec2, vpc)
    assert code_of(ec2.delete_vpc, VpcId=vpc) == "DependencyViolation"
    assert vpc_exists(ec2, vpc)
    remove()
    ec2.delete_vpc(VpcId=vpc)
    assert not vpc_exists(ec2, vpc)
    assert [r.operation for r in rules.refusals] == ["DeleteVpc"]


def test_subnet_and_vpc_with_an_eni_are_refused_until_it_is_deleted(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2 = aws.client("ec2")
    vpc, subnet = vpc_with_subnet(ec2)
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]

    assert code_of(ec2.delete_subnet, SubnetId=subnet) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=eni)  # available, not in use
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert not vpc_exists(ec2, vpc)
    assert [r.operation for r in rules.refusals] == ["DeleteSubnet"]


def test_default_security_group_cannot_be_deleted(aws: boto3.Session, rules: StrictRules) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert code_of(ec2.delete_security_group, GroupId=default) == "CannotDelete"
    ec2.delete_vpc(VpcId=vpc)  # the default group goes with its VPC
    assert not vpc_exists(ec2, vpc)
    assert not ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [default]}])[
        "SecurityGroups"]


def test_security_group_in_use_by_an_eni_or_a_rule_is_refused(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2 = aws.client("ec2")
    vpc, subnet = vpc_with_subnet(ec2)
    sg = ec2.create_security_group(GroupName="used", Description="x", VpcId=vpc)["GroupId"]
    other = ec2.create_security_group(GroupName="other", Description="x", VpcId=vpc)["GroupId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[sg])["NetworkInterface"][
        "NetworkInterfaceId"
    ]
    assert code_of(ec2.delete_security_group, GroupId=sg) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_security_group(GroupId=sg)

    ec2.authorize_security_group_ingress(
        GroupId=other,
        IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": other}]}],
    )
    referrer = ec2.create_security_group(GroupName="ref", Description="x", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=referrer,
        IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": other}]}],
    )
    assert code_of(ec2.delete_security_group, GroupId=other) == "DependencyViolation"
    ec2.delete_security_group(GroupId=referrer)
    ec2.delete_security_group(GroupId=other)  # a rule pointing at itself does not block


def test_route_table_with_association_or_main_is_refused(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2 = aws.client("ec2")
    vpc, subnet = vpc_with_subnet(ec2)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    assoc = ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)["AssociationId"]
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]["RouteTableId"]

    assert code_of(ec2.delete_route_table, RouteTableId=rt) == "DependencyViolation"
    assert code_of(ec2.delete_route_table, RouteTableId=main) == "DependencyViolation"
    ec2.disassociate_route_table(AssociationId=assoc)
    ec2.delete_route_table(RouteTableId=rt)


def test_eni_attached_to_an_instance_is_in_use(aws: boto3.Session, rules: StrictRules) -> None:
    ec2 = aws.client("ec2")
    _, subnet = vpc_with_subnet(ec2)
    ec2.run_instances(ImageId=EXAMPLE_AMI, MinCount=1, MaxCount=1, SubnetId=subnet)
    eni = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])[
        "NetworkInterfaces"
    ][0]["NetworkInterfaceId"]
    assert (
        code_of(ec2.delete_network_interface, NetworkInterfaceId=eni)
        == "InvalidNetworkInterface.InUse"
    )


# --- ECS and the Fargate ENI -----------------------------------------------------------------


def eni_ids(ec2: Any, subnet: str) -> set[str]:
    found = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])
    return {e["NetworkInterfaceId"] for e in found["NetworkInterfaces"]}


def test_stopped_task_releases_its_eni_only_after_a_while(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, tasks=1, objects=0, multipart_upload=False)
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    (eni,) = ids.task_eni_ids
    assert code_of(ec2.delete_network_interface, NetworkInterfaceId=eni) == (
        "InvalidNetworkInterface.InUse"
    )

    ecs.stop_task(cluster=TRIVY_NAME, task=ids.task_arns[0])
    assert eni_ids(ec2, ids.subnet_id) == {eni}  # first look: still there
    assert code_of(ec2.delete_subnet, SubnetId=ids.subnet_id) == "DependencyViolation"
    assert eni_ids(ec2, ids.subnet_id) == set()  # second look: released
    assert rules.pending_eni_releases[(ids.account, REGION)] == {}


def test_task_eni_is_described_by_its_ecs_attachment_like_aws(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, tasks=1, objects=0, multipart_upload=False)
    other = aws.client("ec2").create_network_interface(SubnetId=ids.subnet_id, Description="x")
    (task,) = aws.client("ecs").describe_tasks(cluster=TRIVY_NAME, tasks=ids.task_arns)["tasks"]
    (attachment,) = task["attachments"]

    found = aws.client("ec2").describe_network_interfaces(
        Filters=[{"Name": "subnet-id", "Values": [ids.subnet_id]}])["NetworkInterfaces"]

    descriptions = {e["NetworkInterfaceId"]: e["Description"] for e in found}
    assert descriptions == {
        ids.task_eni_ids[0]: f"arn:aws:ecs:{REGION}:{ids.account}:attachment/{attachment['id']}",
        other["NetworkInterface"]["NetworkInterfaceId"]: "x",
    }


def test_eni_release_delay_is_configurable(aws: boto3.Session) -> None:
    install_strict_rules(aws, eni_release_after=0)
    ids = seed_trivy_leftovers(aws, REGION, tasks=1, objects=0, multipart_upload=False)
    ec2 = aws.client("ec2")
    aws.client("ecs").stop_task(cluster=TRIVY_NAME, task=ids.task_arns[0])
    assert eni_ids(ec2, ids.subnet_id) == set()


def test_cluster_is_refused_while_services_then_tasks_remain(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, service=True, tasks=2, objects=0)
    ecs = aws.client("ecs")
    service = ids.service_arns[0]

    assert code_of(ecs.delete_cluster, cluster=TRIVY_NAME) == "ClusterContainsServicesException"
    assert code_of(ecs.delete_service, cluster=TRIVY_NAME, service=service) == (
        "InvalidParameterException"
    )
    with pytest.raises(ecs.exceptions.ClusterContainsServicesException):
        ecs.delete_cluster(cluster=TRIVY_NAME)

    ecs.delete_service(cluster=TRIVY_NAME, service=service, force=True)
    # The scheduler stopped the service's tasks; their ENIs go after a while.
    tasks = ecs.describe_tasks(cluster=TRIVY_NAME, tasks=ids.task_arns)["tasks"]
    assert {t["desiredStatus"] for t in tasks} == {"STOPPED"}
    assert set(rules.pending_eni_releases[(ids.account, REGION)]) == set(ids.task_eni_ids)
    ecs.delete_cluster(cluster=TRIVY_NAME)

    assert code_of(ecs.delete_cluster, cluster=TRIVY_NAME) == "ClusterNotFoundException"
    assert ecs.list_clusters()["clusterArns"] == []


def test_cluster_is_refused_while_a_standalone_task_runs(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, tasks=1, objects=0, multipart_upload=False)
    ecs = aws.client("ecs")
    assert code_of(ecs.delete_cluster, cluster=TRIVY_NAME) == "ClusterContainsTasksException"
    ecs.stop_task(cluster=TRIVY_NAME, task=ids.task_arns[0])
    ecs.delete_cluster(cluster=ids.cluster_arn)


def test_scaling_a_service_to_zero_stops_its_tasks(aws: boto3.Session, rules: StrictRules) -> None:
    ids = seed_trivy_leftovers(aws, REGION, service=True, tasks=1, objects=0)
    ecs = aws.client("ecs")
    ecs.update_service(cluster=TRIVY_NAME, service=ids.service_arns[0], desiredCount=0)
    # The scheduler stops the service's tasks at once; their ENIs go after a while.
    tasks = ecs.describe_tasks(cluster=TRIVY_NAME, tasks=ids.task_arns)["tasks"]
    assert len(tasks) == 1
    assert {t["desiredStatus"] for t in tasks} == {"STOPPED"}
    assert set(rules.pending_eni_releases[(ids.account, REGION)]) == set(ids.task_eni_ids)
    ecs.delete_service(cluster=TRIVY_NAME, service=ids.service_arns[0])  # no force needed now
    ecs.delete_cluster(cluster=TRIVY_NAME)
    assert ecs.list_clusters()["clusterArns"] == []


def test_cluster_is_refused_while_container_instances_are_registered(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    ecs.create_cluster(clusterName="c")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI, MinCount=1, MaxCount=1)["Instances"][0]
    document = json.dumps({"instanceId": instance["InstanceId"], "region": REGION})
    arn = ecs.register_container_instance(cluster="c", instanceIdentityDocument=document)[
        "containerInstance"
    ]["containerInstanceArn"]
    assert code_of(ecs.delete_cluster, cluster="c") == "ClusterContainsContainerInstancesException"
    ecs.deregister_container_instance(cluster="c", containerInstance=arn)
    ecs.delete_cluster(cluster="c")


# --- S3 --------------------------------------------------------------------------------------


def test_bucket_is_refused_until_every_version_and_marker_is_gone(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, objects=3, versions_per_object=2)
    s3 = aws.client("s3")
    (bucket,) = ids.buckets
    assert code_of(s3.delete_bucket, Bucket=bucket) == "BucketNotEmpty"

    listing = s3.list_object_versions(Bucket=bucket)
    versions = listing.get("Versions", [])
    markers = listing.get("DeleteMarkers", [])
    assert (len(versions), len(markers)) == (6, 1)
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]},
    )
    # Only the delete marker is left, and it still blocks the bucket.
    assert code_of(s3.delete_bucket, Bucket=bucket) == "BucketNotEmpty"
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in markers]},
    )
    s3.delete_bucket(Bucket=bucket)


def test_delete_objects_accepts_1000_keys_and_refuses_1001(
    aws: boto3.Session, rules: StrictRules
) -> None:
    s3 = aws.client("s3")
    create_bucket(s3, "many-keys", REGION)
    keys: list[Any] = [{"Key": f"k{i}"} for i in range(1001)]
    too_many: Any = {"Objects": keys}
    assert code_of(s3.delete_objects, Bucket="many-keys", Delete=too_many) == "MalformedXML"
    s3.delete_objects(Bucket="many-keys", Delete={"Objects": keys[:1000]})


# --- Injected failures and the full order ----------------------------------------------------


def test_injected_failure_is_raised_the_given_number_of_times(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    rules.fail_next("DeleteVpc", times=2)
    assert code_of(ec2.delete_vpc, VpcId=vpc) == "DependencyViolation"
    assert code_of(ec2.delete_vpc, VpcId=vpc) == "DependencyViolation"
    ec2.delete_vpc(VpcId=vpc)
    assert len(rules.refused("DeleteVpc")) == 2


def test_the_documented_order_deletes_everything_without_a_refusal(
    aws: boto3.Session, rules: StrictRules
) -> None:
    ids = seed_trivy_leftovers(aws, REGION, service=True, tasks=1, objects=2)
    ec2, ecs, s3 = aws.client("ec2"), aws.client("ecs"), aws.client("s3")

    # Wrong order first: everything the scanner left blocks something.
    assert code_of(ec2.delete_vpc, VpcId=ids.vpc_id) == "DependencyViolation"
    assert code_of(ec2.delete_subnet, SubnetId=ids.subnet_id) == "DependencyViolation"
    refused_wrong_order = len(rules.refusals)

    for service in ids.service_arns:
        ecs.delete_service(cluster=TRIVY_NAME, service=service, force=True)
    for task in ids.task_arns:
        ecs.stop_task(cluster=TRIVY_NAME, task=task)
    ecs.delete_cluster(cluster=TRIVY_NAME)
    looks = 1
    while eni_ids(ec2, ids.subnet_id):  # each look is time passing
        looks += 1
        assert looks <= 5, "the stopped task's ENI was never released"
    ec2.detach_internet_gateway(InternetGatewayId=ids.internet_gateway_id, VpcId=ids.vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=ids.internet_gateway_id)
    ec2.disassociate_route_table(AssociationId=ids.route_table_association_id)
    ec2.delete_route_table(RouteTableId=ids.route_table_id)
    ec2.delete_subnet(SubnetId=ids.subnet_id)
    ec2.delete_vpc(VpcId=ids.vpc_id)
    for bucket in ids.buckets:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            objects: list[Any] = [
                {"Key": o["Key"], "VersionId": o["VersionId"]}
                for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if objects:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        s3.delete_bucket(Bucket=bucket)

    assert len(rules.refusals) == refused_wrong_order
    assert not ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [ids.vpc_id]}])["Vpcs"]


# --- The call recorder ----------------------------------------------------------------------


def test_recorder_sees_refused_calls_and_classifies_them(aws: boto3.Session) -> None:
    log: CallLog = record_calls(aws)
    install_strict_rules(aws)
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")
    ec2.describe_vpcs()
    aws.client("sts").get_caller_identity()
    code_of(ec2.delete_vpc, VpcId=vpc)

    assert log.operations() == [
        "CreateVpc",
        "CreateSubnet",
        "DescribeVpcs",
        "GetCallerIdentity",
        "DeleteVpc",
    ]
    assert [c.operation for c in log.mutating()] == ["CreateVpc", "CreateSubnet", "DeleteVpc"]
    assert log.of("DeleteVpc")[0].params == {"VpcId": vpc}
    assert log.of("DeleteVpc")[0].region == REGION


@pytest.mark.parametrize(
    ("service", "operation", "read_only"),
    [
        ("s3", "HeadBucket", True),
        ("s3", "GetBucketLocation", True),
        ("ecs", "ListTasks", True),
        ("sts", "AssumeRole", True),
        ("ec2", "DescribeVpcs", True),
        ("s3", "DeleteObjects", False),
        ("ecs", "StopTask", False),
        ("ec2", "DetachInternetGateway", False),
        ("iam", "AssumeRole", False),
    ],
)
def test_read_only_classification(service: str, operation: str, read_only: bool) -> None:
    assert is_read_only(service, operation) is read_only


def _delete_page_by_page(s3: Any, bucket: str) -> int:
    """List a page of versions, delete it, list the next page from the markers."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 2}
    ):
        objects: list[Any] = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
            deleted += len(objects)
    return deleted


@pytest.mark.parametrize(("disabled", "deleted"), [((), 7), (("ListObjectVersions",), 2)])
def test_version_listing_resumes_after_deleted_markers_like_aws(
    aws: boto3.Session, disabled: tuple[str, ...], deleted: int
) -> None:
    install_strict_rules(aws, disabled=disabled)
    ids = seed_trivy_leftovers(aws, REGION, objects=3, versions_per_object=2)
    s3 = aws.client("s3")
    # 6 versions + 1 delete marker. Plain moto loses its place once the marker version is
    # deleted and ends the listing after the first page.
    assert _delete_page_by_page(s3, ids.buckets[0]) == deleted
