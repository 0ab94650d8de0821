"""`localaws.seed` produces the Trivy fingerprint (docs/reference.md §4) and its look-alikes."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from localaws.seed import (
    TRIVY_NAME,
    create_bucket,
    fill_versioned_bucket,
    seed_lookalikes,
    seed_object_lock_bucket,
    seed_trivy_leftovers,
)
from localaws.variants import (
    add_foreign_eni,
    add_instance,
    add_nat_gateway,
    add_untagged_subnet,
    add_vpc_endpoint,
)

TAG = {"Key": "name", "Value": TRIVY_NAME}


def one(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_leftovers_match_the_fingerprint(aws: boto3.Session, region: str) -> None:
    ids = seed_trivy_leftovers(aws, region, objects=4, versions_per_object=3)
    ec2 = aws.client("ec2", region_name=region)

    vpc = one(ec2.describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"])
    assert (vpc["CidrBlock"], vpc["IsDefault"], vpc["Tags"]) == ("10.0.0.0/16", False, [TAG])

    subnet = one(
        ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [ids.vpc_id]}])["Subnets"]
    )
    assert (subnet["SubnetId"], subnet["CidrBlock"], subnet["Tags"]) == (
        ids.subnet_id,
        "10.0.1.0/24",
        [TAG],
    )

    igw = one(
        ec2.describe_internet_gateways(InternetGatewayIds=[ids.internet_gateway_id])[
            "InternetGateways"
        ]
    )
    assert igw["Attachments"] == [{"State": "available", "VpcId": ids.vpc_id}]
    assert igw["Tags"] == [TAG]

    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [ids.vpc_id]}])[
        "RouteTables"
    ]
    assert {t["RouteTableId"] for t in tables} == {ids.route_table_id, ids.main_route_table_id}
    table = next(t for t in tables if t["RouteTableId"] == ids.route_table_id)
    routes = {(r["DestinationCidrBlock"], r["GatewayId"]) for r in table["Routes"]}
    assert routes == {("10.0.0.0/16", "local"), ("0.0.0.0/0", ids.internet_gateway_id)}
    assert [(a["SubnetId"], a["Main"]) for a in table["Associations"]] == [(ids.subnet_id, False)]
    assert table["Tags"] == [TAG]

    group = one(
        ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [ids.vpc_id]}])[
            "SecurityGroups"
        ]
    )
    assert (group["GroupId"], group["GroupName"], group["Tags"]) == (
        ids.security_group_id,
        "default",
        [TAG],
    )
    rule = one(group["IpPermissions"])
    assert (rule["IpProtocol"], rule["IpRanges"]) == ("-1", [{"CidrIp": "0.0.0.0/0"}])

    ecs = aws.client("ecs", region_name=region)
    cluster = one(ecs.describe_clusters(clusters=[TRIVY_NAME])["clusters"])
    assert (cluster["clusterArn"], cluster["status"]) == (ids.cluster_arn, "ACTIVE")


def test_buckets_are_versioned_with_versions_markers_and_an_upload(aws: boto3.Session) -> None:
    ids = seed_trivy_leftovers(aws, "eu-central-1", objects=4, versions_per_object=3)
    s3 = aws.client("s3")
    bucket = one(ids.buckets)
    assert bucket == f"{TRIVY_NAME}-123456789012-eu-central-1"
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == "eu-central-1"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    listing = s3.list_object_versions(Bucket=bucket)
    assert len(listing["Versions"]) == ids.object_versions == 12
    assert len(listing["DeleteMarkers"]) == ids.delete_markers == 2
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [u["UploadId"] for u in uploads] == ids.multipart_upload_ids


def test_tag_key_and_bucket_names_are_configurable(aws: boto3.Session) -> None:
    names = [f"{TRIVY_NAME}1", f"{TRIVY_NAME}.logs"]
    ids = seed_trivy_leftovers(aws, "us-east-1", tag_key="Name", bucket_names=names, objects=0)
    vpc = one(aws.client("ec2").describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"])
    assert vpc["Tags"] == [{"Key": "Name", "Value": TRIVY_NAME}]
    listed = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert set(names) <= listed


def test_service_and_tasks_hold_enis_in_the_trivy_subnet(aws: boto3.Session) -> None:
    ids = seed_trivy_leftovers(aws, "us-east-1", service=True, tasks=2, objects=0)
    ecs = aws.client("ecs")
    service = one(ecs.describe_services(cluster=TRIVY_NAME, services=ids.service_arns)["services"])
    assert service["desiredCount"] == 2
    tasks = ecs.describe_tasks(cluster=TRIVY_NAME, tasks=ids.task_arns)["tasks"]
    assert {t["group"] for t in tasks} == {f"service:{service['serviceName']}"}
    enis = aws.client("ec2").describe_network_interfaces(NetworkInterfaceIds=ids.task_eni_ids)[
        "NetworkInterfaces"
    ]
    assert len(enis) == 2
    assert {(e["SubnetId"], e["Status"]) for e in enis} == {(ids.subnet_id, "in-use")}


def test_lookalikes_exist_and_differ_from_the_fingerprint(aws: boto3.Session) -> None:
    ids = seed_lookalikes(aws, "eu-central-1")
    ec2 = aws.client("ec2", region_name="eu-central-1")
    vpcs = {
        v["VpcId"]: v
        for v in ec2.describe_vpcs(VpcIds=[ids.untagged_vpc_id, ids.other_cidr_vpc_id])["Vpcs"]
    }
    assert vpcs[ids.untagged_vpc_id]["CidrBlock"] == "10.0.0.0/16"
    assert not vpcs[ids.untagged_vpc_id].get("Tags")
    assert vpcs[ids.other_cidr_vpc_id]["CidrBlock"] == "10.1.0.0/16"
    assert vpcs[ids.other_cidr_vpc_id]["Tags"] == [TAG]
    listed = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert {"defender-for-containers-vault-logs", "defender-for-containers-vax"} <= listed
    ecs = aws.client("ecs", region_name="eu-central-1")
    assert ecs.list_clusters()["clusterArns"] == [ids.cluster_arn]
    assert ids.cluster_arn.endswith(f"/{TRIVY_NAME}-prod")
    assert ecs.list_task_definitions(familyPrefix=TRIVY_NAME)["taskDefinitionArns"] == [
        ids.task_definition_arn
    ]
    assert aws.client("iam").get_role(RoleName=str(ids.role_name))["Role"]["RoleName"]
    groups = aws.client("logs", region_name="eu-central-1").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == [ids.log_group_name]
    stacks = aws.client("cloudformation", region_name="eu-central-1").describe_stacks()
    assert [s["StackId"] for s in stacks["Stacks"]] == [ids.stack_id]

    # A second region: S3 and IAM names are global, so pass other bucket names.
    second = seed_lookalikes(aws, "us-east-1", bucket_names=(), stack=False)
    assert second.role_name == ids.role_name


def test_variants_put_foreign_things_into_the_trivy_vpc(aws: boto3.Session) -> None:
    ids = seed_trivy_leftovers(aws, "us-east-1", objects=0, multipart_upload=False)
    ec2 = aws.client("ec2")
    instance = add_instance(aws, ids)
    nat = add_nat_gateway(aws, ids)
    endpoint = add_vpc_endpoint(aws, ids)
    subnet = add_untagged_subnet(aws, ids)
    eni = add_foreign_eni(aws, ids)
    in_vpc: list[Any] = [{"Name": "vpc-id", "Values": [ids.vpc_id]}]
    reservations = ec2.describe_instances(Filters=in_vpc)["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [instance]
    # botocore's model names this parameter `Filter`; boto3-stubs 1.43 says `Filters`.
    nats = ec2.describe_nat_gateways(Filter=in_vpc)["NatGateways"]  # type: ignore[call-arg]
    assert [n["NatGatewayId"] for n in nats] == [nat]
    endpoints = ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in endpoints] == [endpoint]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    assert {s["SubnetId"] for s in subnets} == {ids.subnet_id, subnet}
    assert not next(s for s in subnets if s["SubnetId"] == subnet).get("Tags")
    enis = ec2.describe_network_interfaces(Filters=in_vpc)["NetworkInterfaces"]
    assert eni in {e["NetworkInterfaceId"] for e in enis}


def test_object_lock_bucket_keeps_a_retained_object(aws: boto3.Session) -> None:
    bucket = seed_object_lock_bucket(aws, "eu-central-1")
    s3 = aws.client("s3")
    config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert config["ObjectLockEnabled"] == "Enabled"
    assert config["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_objects_written_in_process_list_like_those_put_through_the_api(
        aws: boto3.Session) -> None:
    # The big-bucket tests seed in process; what the command lists must not differ.
    s3 = aws.client("s3", region_name="us-east-1")
    listings = []
    for name, in_process in (("through-api", None), ("in-process", "123456789012")):
        create_bucket(s3, name, "us-east-1")
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        counts = fill_versioned_bucket(s3, name, objects=5, versions_per_object=2,
                                       in_process=in_process)
        page = s3.list_object_versions(Bucket=name)
        listings.append((counts,
                         sorted((v["Key"], v["IsLatest"], v["Size"]) for v in page["Versions"]),
                         sorted((m["Key"], m["IsLatest"]) for m in page["DeleteMarkers"])))
    assert listings[0] == listings[1]
    assert listings[0][0] == (10, 2)
