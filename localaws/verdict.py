"""The demo's verdict: after `trivy apply`, every leftover is gone and every look-alike stays.

Checked with plain boto3 calls against the (moto) endpoint, independently of `defender-migrate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import ClientError

from localaws.seed import TRIVY_NAME, LookalikeIds, TrivyIds


@dataclass
class Verdict:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check(self, what: str, ok: bool) -> None:
        (self.passed if ok else self.failed).append(what)


def _gone(call: Callable[[], object], *codes: str) -> bool:
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] in codes
    return False


def _vpc_exists(session: boto3.Session, region: str, vpc_id: str) -> bool:
    ec2 = session.client("ec2", region_name=region)
    return bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"])


def _cluster_active(session: boto3.Session, region: str, cluster: str) -> bool:
    found = session.client("ecs", region_name=region).describe_clusters(clusters=[cluster])
    return any(c["status"] == "ACTIVE" for c in found["clusters"])


def check_leftovers_gone(session: boto3.Session, ids: TrivyIds, verdict: Verdict) -> None:
    ec2 = session.client("ec2", region_name=ids.region)
    s3 = session.client("s3", region_name=ids.region)
    where = ids.region
    for bucket in ids.buckets:
        gone = _gone(lambda b=bucket: s3.head_bucket(Bucket=b), "404", "NoSuchBucket")  # type: ignore[misc]
        verdict.check(f"{where}: bucket {bucket} deleted", gone)
    verdict.check(
        f"{where}: ECS cluster {TRIVY_NAME} deleted",
        not _cluster_active(session, ids.region, TRIVY_NAME),
    )
    verdict.check(f"{where}: VPC {ids.vpc_id} deleted", not _vpc_exists(session, where, ids.vpc_id))
    verdict.check(
        f"{where}: subnet {ids.subnet_id} deleted",
        _gone(lambda: ec2.describe_subnets(SubnetIds=[ids.subnet_id]), "InvalidSubnetID.NotFound"),
    )
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "internet-gateway-id", "Values": [ids.internet_gateway_id]}]
    )["InternetGateways"]
    verdict.check(f"{where}: internet gateway {ids.internet_gateway_id} deleted", not igws)
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "route-table-id", "Values": [ids.route_table_id]}]
    )["RouteTables"]
    verdict.check(f"{where}: route table {ids.route_table_id} deleted", not tables)


def check_lookalikes_kept(session: boto3.Session, ids: LookalikeIds, verdict: Verdict) -> None:
    where = ids.region
    s3 = session.client("s3", region_name=where)
    verdict.check(
        f"{where}: untagged 10.0.0.0/16 VPC {ids.untagged_vpc_id} kept",
        _vpc_exists(session, where, ids.untagged_vpc_id),
    )
    verdict.check(
        f"{where}: tagged 10.1.0.0/16 VPC {ids.other_cidr_vpc_id} kept",
        _vpc_exists(session, where, ids.other_cidr_vpc_id),
    )
    for bucket in ids.buckets:
        objects = s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
        verdict.check(f"{where}: bucket {bucket} kept with its object", objects == 1)
    verdict.check(
        f"{where}: ECS cluster {TRIVY_NAME}-prod kept",
        _cluster_active(session, where, f"{TRIVY_NAME}-prod"),
    )
    families = session.client("ecs", region_name=where).list_task_definitions(
        familyPrefix=TRIVY_NAME
    )["taskDefinitionArns"]
    verdict.check(
        f"{where}: task definition {TRIVY_NAME} kept", ids.task_definition_arn in families
    )
    groups = session.client("logs", region_name=where).describe_log_groups(
        logGroupNamePrefix=ids.log_group_name
    )["logGroups"]
    verdict.check(f"{where}: log group {ids.log_group_name} kept", bool(groups))
    if ids.role_name:
        role = session.client("iam").get_role(RoleName=ids.role_name)["Role"]["RoleName"]
        verdict.check(f"IAM role {ids.role_name} kept", role == ids.role_name)
    if ids.stack_id:
        stacks = session.client("cloudformation", region_name=where).describe_stacks(
            StackName=ids.stack_id
        )["Stacks"]
        verdict.check(f"{where}: CloudFormation stack kept", bool(stacks))
