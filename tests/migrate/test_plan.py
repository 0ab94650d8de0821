"""`trivy plan`: finds exactly the fingerprint, in deletion order, and never mutates."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ec2.models import ec2_backends

from localaws import seed, variants
from localaws.calls import CallLog, record_calls
from localaws.strict import new_session
from migrate.aws import Account, SessionFactory
from migrate.context import Ctx, ReadOnlyViolation
from tests.conftest import moto_environment
from tests.migrate.conftest import ACCOUNT, Harness, by_key, deletes


def test_plan_lists_leftovers_in_dependency_order_and_keeps_lookalikes(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", service=True, tasks=1)
    look = seed.seed_lookalikes(aws, "us-east-1")

    result, doc = harness.json("trivy", "plan")

    assert result.exit_code == 0, result.output
    assert [k for k, _ in deletes(doc, "us-east-1")] == [
        "s3-bucket", "ecs-service", "ecs-task", "ecs-cluster", "network-interface",
        "internet-gateway", "route-table", "subnet", "vpc",
    ]
    planned = by_key(doc)
    assert planned[("vpc", ids.vpc_id)]["action"] == "delete"
    assert planned[("subnet", ids.subnet_id)]["parent"] == ids.vpc_id
    assert planned[("network-interface", ids.task_eni_ids[0])]["action"] == "delete"
    assert planned[("s3-bucket", ids.buckets[0])]["region"] == "us-east-1"
    for kind, id_ in [("vpc", look.other_cidr_vpc_id),
                      ("ecs-cluster", "defender-for-containers-va-prod"),
                      ("s3-bucket", "defender-for-containers-vault-logs"),
                      ("ecs-task-definition", "defender-for-containers-va"),
                      ("log-group", look.log_group_name)]:
        assert planned[(kind, id_)]["action"] == "keep", (kind, id_)
        assert planned[(kind, id_)]["reason"]
    # The CIDR rule itself, not a side effect of its local route looking foreign.
    assert planned[("vpc", look.other_cidr_vpc_id)]["reason"] == (
        "tagged like the Trivy VPC but its CIDR is 10.1.0.0/16, not 10.0.0.0/16")
    assert ("vpc", look.untagged_vpc_id) not in planned  # an ordinary VPC is none of our business
    assert ("s3-bucket", "my-defender-for-containers-va") not in planned
    assert {r["account"] for r in doc["resources"]} == {ACCOUNT}
    assert doc["summary"]["delete"] == len(deletes(doc))


def test_plan_makes_no_mutating_call(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1", service=True, tasks=1)
    seed.seed_trivy_leftovers(aws, "eu-central-1")
    seed.seed_lookalikes(aws, "us-east-1")

    result = harness.run("trivy", "plan", "--regions", "us-east-1,eu-central-1")

    assert result.exit_code == 0, result.output
    assert len(harness.calls) > 20  # the recorder saw the scan
    assert harness.mutating() == []


@pytest.mark.parametrize("name", [
    "defender-for-containers-va", "defender-for-containers-va-123456789012",
    "defender-for-containers-va.logs", "defender-for-containers-va1",
])
def test_trivy_bucket_names_match(aws: boto3.Session, harness: Harness, name: str) -> None:
    aws.client("s3").create_bucket(Bucket=name)
    _, doc = harness.json("trivy", "plan")
    assert by_key(doc)[("s3-bucket", name)]["action"] == "delete"


@pytest.mark.parametrize("name", [
    "defender-for-containers-vault", "defender-for-containers-vax", "defender-for-containers-v",
    "defender-for-containers-va_x",
])
def test_lookalike_bucket_names_are_kept(aws: boto3.Session, harness: Harness, name: str) -> None:
    aws.client("s3").create_bucket(Bucket=name)
    _, doc = harness.json("trivy", "plan")
    row = by_key(doc)[("s3-bucket", name)]
    assert row["action"] == "keep"
    assert "not a Trivy bucket" in row["reason"]


def test_bucket_outside_selected_regions_is_kept_with_reason(
        aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "eu-central-1")
    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1")
    assert result.exit_code == 0
    (row,) = [r for r in doc["resources"] if r["kind"] == "s3-bucket"]
    assert (row["action"], row["region"]) == ("keep", "eu-central-1")
    assert "outside the selected regions" in row["reason"]
    assert not any(r["region"] == "eu-central-1" and r["kind"] == "vpc" for r in doc["resources"])


def test_object_lock_bucket_is_kept(aws: boto3.Session, harness: Harness) -> None:
    name = seed.seed_object_lock_bucket(aws, "us-east-1")
    _, doc = harness.json("trivy", "plan")
    row = by_key(doc)[("s3-bucket", name)]
    assert row["action"] == "keep"
    assert "Object Lock" in row["reason"]


def test_capitalised_name_tag_matches_too(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", tag_key="Name")
    _, doc = harness.json("trivy", "plan")
    assert by_key(doc)[("vpc", ids.vpc_id)]["action"] == "delete"


# Each way a Trivy-shaped VPC can hold something the scanner did not create, one per region of
# one shared world: the cases are independent (a VPC and what it holds are regional; the hosted
# zone is named after its VPC), so one seeding and one plan serve all of them, where 29 worlds
# and 29 plans cost 20 s of CPU. Each case still checks its own VPC, alone in its region.
FOREIGN_CASES = [
    pytest.param(variants.add_instance, "EC2 instance", id="instance"),
    pytest.param(variants.add_nat_gateway, "NAT gateway", id="nat-gateway"),
    pytest.param(variants.add_vpc_endpoint, "VPC endpoint", id="vpc-endpoint"),
    pytest.param(variants.add_untagged_subnet, "subnet", id="untagged-subnet"),
    pytest.param(variants.add_tagged_subnet_other_cidr, "not the Trivy subnet",
                 id="tagged-subnet-other-cidr"),
    pytest.param(variants.untag_subnet, "not the Trivy subnet", id="trivy-subnet-untagged"),
    pytest.param(variants.retag_subnet_in_other_case, "not the Trivy subnet",
                 id="trivy-subnet-tag-other-case"),
    pytest.param(variants.retag_subnet_with_other_key, "not the Trivy subnet",
                 id="trivy-subnet-tag-other-key"),
    pytest.param(variants.add_foreign_eni, "network interface", id="foreign-eni"),
    pytest.param(variants.add_other_cluster_task, "network interface", id="other-cluster-task-eni"),
    pytest.param(variants.add_peering, "VPC peering connection", id="peering"),
    pytest.param(variants.add_transit_gateway_attachment, "transit gateway attachment",
                 id="transit-gateway"),
    pytest.param(variants.add_vpn_gateway, "VPN gateway", id="vpn-gateway"),
    pytest.param(variants.add_network_acl, "network ACL", id="network-acl"),
    pytest.param(variants.add_load_balancer, "load balancer", id="load-balancer"),
    pytest.param(variants.add_classic_load_balancer, "classic load balancer",
                 id="classic-load-balancer"),
    pytest.param(variants.untag_internet_gateway, "untagged internet gateway",
                 id="untagged-internet-gateway"),
    pytest.param(variants.add_untagged_route_table, "untagged route table",
                 id="untagged-route-table"),
    pytest.param(variants.add_untagged_security_group, "security group",
                 id="untagged-security-group"),
    pytest.param(variants.add_blackhole_default_route, "the scanner did not create",
                 id="foreign-default-route"),
    pytest.param(variants.add_route_to_other_network, "the scanner did not create",
                 id="route-to-other-network"),
    pytest.param(variants.add_secondary_cidr, "the scanner did not create", id="secondary-cidr"),
    # Attachments without an ENI of their own (issue 16, docs/reference.md §4a).
    pytest.param(variants.add_egress_only_gateway, "egress-only internet gateway",
                 id="egress-only-gateway"),
    pytest.param(variants.add_carrier_gateway, "carrier gateway", id="carrier-gateway"),
    pytest.param(variants.add_flow_log, "flow log", id="flow-log"),
    pytest.param(variants.add_ipv6_cidr, "IPv6 CIDR block", id="ipv6-cidr"),
    pytest.param(variants.add_lattice_association, "VPC Lattice service network association",
                 id="lattice-association"),
    pytest.param(variants.add_private_hosted_zone, "Route 53 private hosted zone",
                 id="private-hosted-zone"),
    pytest.param(variants.add_security_group_association, "security group association",
                 id="security-group-association"),
]
# Well-established regions (moto knows their zones); us-east-1 first, where VPC Lattice is.
FOREIGN_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "eu-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "sa-east-1", "me-south-1", "af-south-1", "ap-east-1", "me-central-1",
    "eu-central-2", "eu-south-2", "ap-south-2", "ap-southeast-4", "ca-west-1", "mx-central-1",
)


@dataclass(frozen=True)
class ForeignWorld:
    exit_code: int
    doc: dict[str, Any]
    placed: dict[str, tuple[seed.TrivyIds, str]]  # case id -> the VPC's leftovers, foreign id


@pytest.fixture(scope="module")
def foreign_world(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> ForeignWorld:
    """The selected cases' Trivy leftovers and foreign resources, each in its region, and one
    plan of those regions; moto is stopped again before any other test runs. Only the cases
    this run selected are seeded: `dev.py mutate --only` runs one case, and builds one."""
    assert len(FOREIGN_REGIONS) >= len(FOREIGN_CASES)
    test = test_vpc_holding_foreign_resources_is_kept_whole.__name__
    selected = {item.callspec.id for item in request.session.items
                if getattr(item, "originalname", "") == test and hasattr(item, "callspec")}
    chosen = [(case, region) for case, region in zip(FOREIGN_CASES, FOREIGN_REGIONS, strict=False)
              if case.id in selected]
    with pytest.MonkeyPatch.context() as monkeypatch:
        moto_environment(monkeypatch, tmp_path_factory.mktemp("foreign"), "us-east-1")
        with mock_aws():
            session = new_session("us-east-1")
            placed = {}
            for case, region in chosen:
                ids = seed.seed_trivy_leftovers(session, region)
                add: Callable[[boto3.Session, seed.TrivyIds], str] = case.values[0]  # type: ignore[assignment]
                placed[str(case.id)] = (ids, add(session, ids))
            regions = ",".join(region for _, region in chosen)
            result, doc = Harness().json("trivy", "plan", "--detailed-exitcode",
                                         "--regions", regions)
    return ForeignWorld(result.exit_code, doc, placed)


@pytest.mark.parametrize(("case", "what"),
                         [pytest.param(c.id, c.values[1], id=c.id) for c in FOREIGN_CASES])
def test_vpc_holding_foreign_resources_is_kept_whole(
        foreign_world: ForeignWorld, case: str, what: str) -> None:
    ids, foreign_id = foreign_world.placed[case]
    doc = foreign_world.doc

    rows = by_key(doc)
    assert rows[("vpc", ids.vpc_id)]["action"] == "keep"
    assert what in rows[("vpc", ids.vpc_id)]["reason"]
    assert foreign_id in rows[("vpc", ids.vpc_id)]["reason"]
    inside = [r for r in doc["resources"] if r["parent"] == ids.vpc_id]
    assert inside
    assert all(r["action"] == "keep" for r in inside)
    # the bucket and cluster are independent of the VPC and still go
    assert foreign_world.exit_code == 2
    assert {k for k, _ in deletes(doc, ids.region)} == {"s3-bucket", "ecs-cluster"}
    assert {k for k, _ in deletes(doc)} == {"s3-bucket", "ecs-cluster"}


@pytest.mark.parametrize(("operation", "code"), [
    ("ListServiceNetworkVpcAssociations", "AccessDeniedException"),
    ("DescribeCarrierGateways", "UnauthorizedOperation"),
    ("DescribeSecurityGroupVpcAssociations", "InvalidAction"),
])
def test_vpc_whose_attachments_cannot_be_listed_is_kept_whole(
        aws: boto3.Session, harness: Harness, operation: str, code: str) -> None:
    """A read-only policy that predates a service cannot rule its attachments out: safe side."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    harness.rules.fail_next(operation, code, status=403)

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1")

    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("vpc", ids.vpc_id)]
    assert row["action"] == "keep"
    assert f"could not be listed ({code})" in row["reason"]
    assert {k for k, _ in deletes(doc)} == {"s3-bucket", "ecs-cluster"}


def test_detailed_exitcode_is_2_with_leftovers_and_0_without(
        aws: boto3.Session, harness: Harness) -> None:
    seed.seed_lookalikes(aws, "us-east-1")
    assert harness.run("trivy", "plan", "--detailed-exitcode").exit_code == 0
    seed.seed_trivy_leftovers(aws, "us-east-1")
    assert harness.run("trivy", "plan", "--detailed-exitcode").exit_code == 2
    assert harness.run("trivy", "plan").exit_code == 0


def test_out_writes_the_json_document(aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    out = tmp_path / "trivy.plan.json"
    result, doc = harness.json("trivy", "plan", "--out", str(out))
    saved = json.loads(out.read_text())
    assert saved["resources"] == doc["resources"]
    assert saved["format"] == "defender-migrate/plan"
    assert saved["command"] == "plan"
    assert saved["targets"] == {"regions": ["us-east-1", "eu-central-1"], "accounts": [ACCOUNT],
                                "role_name": None}
    assert f"trivy apply {out}" in result.stderr


def test_table_output_shows_order_and_reasons(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    seed.seed_lookalikes(aws, "us-east-1")
    result = harness.run("trivy", "plan")
    assert result.exit_code == 0
    assert f"account {ACCOUNT} · us-east-1" in result.stdout
    assert ids.vpc_id in result.stdout
    assert "defender-for-containers-va-prod" in result.stdout
    assert "Plan: 6 to delete" in result.stdout


def test_results_do_not_depend_on_concurrency(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1", service=True, tasks=2)
    seed.seed_trivy_leftovers(aws, "eu-central-1")
    seed.seed_lookalikes(aws, "us-east-1")
    seed.seed_lookalikes(aws, "eu-central-1", bucket_names=())
    _, one = harness.json("trivy", "plan", "--concurrency", "1")
    _, many = harness.json("trivy", "plan", "--concurrency", "16")
    assert one["resources"] == many["resources"]
    assert len(one["resources"]) > 20


def test_default_vpc_is_never_deleted(aws: boto3.Session, harness: Harness) -> None:
    # AWS's default VPCs are 172.31.0.0/16, so this one is made default in moto itself: the
    # rule has to hold even for a default VPC that matches everything else.
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    ec2_backends[ACCOUNT]["us-east-1"].vpcs[ids.vpc_id].is_default = True
    assert aws.client("ec2", region_name="us-east-1").describe_vpcs(
        VpcIds=[ids.vpc_id])["Vpcs"][0]["IsDefault"]

    _, doc = harness.json("trivy", "plan", "--regions", "us-east-1")

    row = by_key(doc)[("vpc", ids.vpc_id)]
    assert (row["action"], row["reason"]) == ("keep", "the default VPC is never deleted")
    assert not [r for r in doc["resources"] if r["parent"] == ids.vpc_id
                and r["action"] == "delete"]


def test_mutating_call_while_planning_is_refused(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    logs: list[CallLog] = []
    factory = SessionFactory(hook=lambda session: logs.append(record_calls(session)))
    ctx = Ctx(Account(ACCOUNT, factory), "us-east-1")  # audit None: planning

    with pytest.raises(ReadOnlyViolation, match="ec2:DeleteVpc attempted while planning"):
        ctx.audited(ctx.ec2().delete_vpc, ids.vpc_id, VpcId=ids.vpc_id)

    assert [c for log in logs for c in log] == []
    assert aws.client("ec2", region_name="us-east-1").describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]
