"""`trivy plan`: finds exactly the fingerprint, in deletion order, and never mutates."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from localaws import seed
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
    assert "10.1.0.0/16" in planned[("vpc", look.other_cidr_vpc_id)]["reason"]
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


@pytest.mark.parametrize(("add", "what"), [
    (seed.add_instance, "EC2 instance"),
    (seed.add_nat_gateway, "NAT gateway"),
    (seed.add_vpc_endpoint, "VPC endpoint"),
    (seed.add_untagged_subnet, "subnet"),
    (seed.add_foreign_eni, "network interface"),
])
def test_vpc_holding_foreign_resources_is_kept_whole(
        aws: boto3.Session, harness: Harness, add: object, what: str) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    foreign_id = add(aws, ids)  # type: ignore[operator]

    result, doc = harness.json("trivy", "plan", "--detailed-exitcode")

    rows = by_key(doc)
    assert rows[("vpc", ids.vpc_id)]["action"] == "keep"
    assert what in rows[("vpc", ids.vpc_id)]["reason"]
    assert foreign_id in rows[("vpc", ids.vpc_id)]["reason"]
    inside = [r for r in doc["resources"] if r["parent"] == ids.vpc_id]
    assert inside
    assert all(r["action"] == "keep" for r in inside)
    # the bucket and cluster are independent of the VPC and still go
    assert result.exit_code == 2
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
