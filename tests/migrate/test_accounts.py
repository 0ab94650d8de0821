"""Several accounts: assumed roles, AWS Organizations, and the plan file's account check."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from localaws import seed
from migrate.aws import known_regions
from migrate.targeting import resolve_regions
from tests.conftest import OTHER, ROLE, assumed
from tests.migrate.conftest import ACCOUNT, Harness


def test_accounts_are_reached_through_the_role(aws: boto3.Session, harness: Harness,
                                               tmp_path: Path) -> None:
    own = seed.seed_trivy_leftovers(aws, "us-east-1")
    other = seed.seed_trivy_leftovers(assumed(OTHER), "us-east-1")
    plan = tmp_path / "plan.json"

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1", "--accounts",
                               f"{ACCOUNT},{OTHER}", "--role-name", ROLE, "--out", str(plan))

    assert result.exit_code == 0, result.stderr
    vpcs = {(r["account"], r["id"]) for r in doc["resources"] if r["kind"] == "vpc"}
    assert vpcs == {(ACCOUNT, own.vpc_id), (OTHER, other.vpc_id)}
    assert doc["targets"]["role_name"] == ROLE
    assumes = [c for c in harness.calls if c.operation == "AssumeRole"]
    assert {c.params["RoleArn"] for c in assumes} == {f"arn:aws:iam::{OTHER}:role/{ROLE}"}

    applied = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")
    assert applied.exit_code == 0, applied.stderr
    statuses = {(r["account"], r["kind"]): r["status"]
                for r in json.loads(applied.stdout)["resources"] if r["action"] == "delete"}
    assert statuses[(OTHER, "vpc")] == "deleted"
    assert statuses[(ACCOUNT, "vpc")] == "deleted"
    assert not assumed(OTHER).client("ec2").describe_vpcs(
        Filters=[{"Name": "tag:name", "Values": ["defender-for-containers-va"]}])["Vpcs"]


def test_organization_lists_active_accounts(aws: boto3.Session, harness: Harness) -> None:
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    created = org.create_account(AccountName="member", Email="m@example.com")
    member = created["CreateAccountStatus"]["AccountId"]
    other = seed.seed_trivy_leftovers(assumed(member), "us-east-1")

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1", "--organization",
                               "--role-name", ROLE)

    assert result.exit_code == 0, result.stderr
    assert set(doc["targets"]["accounts"]) == {ACCOUNT, member}
    assert (member, other.vpc_id) in {(r["account"], r["id"]) for r in doc["resources"]}


def test_all_regions_asks_ec2_for_the_enabled_regions(aws: boto3.Session) -> None:
    regions = resolve_regions(aws, None, True)
    assert {"us-east-1", "eu-central-1", "ap-southeast-2"} <= set(regions)
    assert set(regions) <= known_regions()
    assert resolve_regions(aws, None, False) == ["us-east-1", "eu-central-1"]
