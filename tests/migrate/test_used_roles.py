"""The scanner's IAM as it is in a real account (issue 16): roles that have been used, and task
definitions of other teams that still name a scanner role."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.utils import parse_timestamp as botocore_parse_timestamp

from localaws import seed
from localaws.used_roles import register_task_definition, seed_used_scanner_iam, use_role
from migrate.aws import Account, parse_timestamp
from migrate.context import Ctx
from tests.migrate.conftest import Harness, by_key

REGION = "us-east-1"
OTHER_REGION = "eu-central-1"


def _roles(aws: boto3.Session) -> set[str]:
    return {r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]}


def _policies(aws: boto3.Session) -> set[str]:
    return {p["PolicyName"] for p in aws.client("iam").list_policies(Scope="Local")["Policies"]}


def test_plan_shows_when_a_used_role_was_last_used(aws: boto3.Session,
                                                   harness: Harness) -> None:
    seed.seed_mdvm_onboarding(aws)
    used = seed_used_scanner_iam(aws, REGION)

    result, doc = harness.json("trivy", "plan", "--regions", REGION)

    assert result.exit_code == 0, result.stderr
    rows = by_key(doc)
    for name, when in used.last_used.items():
        day = when.astimezone(UTC).date().isoformat()
        assert rows[("iam-role", name)]["action"] == "delete"
        assert rows[("iam-role", name)]["details"]["last_used"] == day
        assert f"last used {day}" in rows[("iam-role", name)]["reason"]
    table = harness.run("trivy", "plan", "--regions", REGION)
    assert table.exit_code == 0, table.stderr


@pytest.mark.parametrize("value", [
    "2026-11-30T09:00:00Z", "2026-11-30T09:00:00.123Z", "2026-11-30T09:00:00.123456+00:00",
    "2026-11-30T09:00:00", "2026-11-30", "Mon, 30 Nov 2026 09:00:00 GMT", 1764493200,
    1764493200.25, "1764493200", "1764493200.5", "20261130",
])
def test_timestamps_parse_as_botocore_would(value: str | int | float) -> None:
    # botocore takes numbers too (its stubs say str): JSON protocols send epoch numbers.
    assert parse_timestamp(value) == botocore_parse_timestamp(value)  # type: ignore[arg-type]


def test_the_shared_clients_return_datetimes(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_mdvm_onboarding(aws)
    use_role(aws, seed.IMAGE_ASSESSMENT_ROLE, REGION)
    app = harness.make_app()
    account = Account(seed.account_of(aws), app.factory)
    with account.active():
        role = Ctx(account, REGION).iam().get_role(RoleName=seed.IMAGE_ASSESSMENT_ROLE)
    assert isinstance(role["Role"]["CreateDate"], datetime)
    assert isinstance(role["Role"]["RoleLastUsed"]["LastUsedDate"], datetime)


@pytest.mark.parametrize("how", ["task-role-arn", "execution-role", "short-name", "other-region"])
def test_a_role_named_by_another_teams_task_definition_is_kept(
        aws: boto3.Session, harness: Harness, how: str) -> None:
    seed.seed_mdvm_onboarding(aws)
    used = seed_used_scanner_iam(aws, REGION)
    where = OTHER_REGION if how == "other-region" else REGION
    register_task_definition(aws, where, used.iam.task_role,
                             as_execution_role=how == "execution-role",
                             short_name=how == "short-name")

    result, doc = harness.json("trivy", "apply", "--yes", "--regions",
                               f"{REGION},{OTHER_REGION}")

    assert result.exit_code == 0, result.stderr
    rows = by_key(doc)
    role = rows[("iam-role", used.iam.task_role)]
    assert role["action"] == "keep"
    assert f"task definition payments-api:1 in {where}" in role["reason"]
    assert rows[("iam-policy", seed.TRIVY_POLICY_NAMES[1])]["action"] == "keep"
    assert rows[("iam-role", used.iam.va_role)]["status"] == "deleted"
    assert used.iam.task_role in _roles(aws)
    assert seed.TRIVY_POLICY_NAMES[1] in _policies(aws)
    assert used.iam.va_role not in _roles(aws)


def test_a_task_definition_registered_after_the_plan_keeps_the_role_at_apply(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    seed.seed_mdvm_onboarding(aws)
    used = seed_used_scanner_iam(aws, REGION)
    plan_file = tmp_path / "trivy.plan.json"
    planned = harness.run("trivy", "plan", "--regions", f"{REGION},{OTHER_REGION}", "--out",
                          str(plan_file))
    assert planned.exit_code == 0, planned.stderr
    register_task_definition(aws, OTHER_REGION, used.iam.task_role)

    result, doc = harness.json("trivy", "apply", "--yes", str(plan_file))

    assert result.exit_code == 1
    row = by_key(doc)[("iam-role", used.iam.task_role)]
    assert row["status"] == "skipped"
    assert f"task definition payments-api:1 in {OTHER_REGION}" in row["error"]
    assert by_key(doc)[("iam-policy", seed.TRIVY_POLICY_NAMES[1])]["status"] == "skipped"
    assert used.iam.task_role in _roles(aws)
    assert seed.TRIVY_POLICY_NAMES[1] in _policies(aws)
    assert used.iam.va_role not in _roles(aws)
    assert not [c for c in harness.mutating() if c.params.get("RoleName") == used.iam.task_role]


def _plan_calls(harness: Harness) -> Counter[str]:
    harness.reset_calls()
    result = harness.run("trivy", "plan", "--regions", f"{REGION},{OTHER_REGION}")
    assert result.exit_code == 0, result.stderr
    return Counter(c.operation for c in harness.calls)


def test_task_definitions_are_read_only_in_accounts_with_a_role_to_delete(
        aws: boto3.Session, harness: Harness) -> None:
    seed.seed_mdvm_onboarding(aws)
    for region in (REGION, OTHER_REGION):
        for family in ("web", "worker"):
            aws.client("ecs", region_name=region).register_task_definition(
                family=family, containerDefinitions=[{"name": "a", "image": "x", "memory": 64}])
    # A role with the scanner's name but another trust is not a candidate either.
    aws.client("iam").create_role(
        RoleName="DefenderForContainersVaTaskRole",
        AssumeRolePolicyDocument=json.dumps(seed.service_trust("ec2.amazonaws.com")))

    none = _plan_calls(harness)
    assert none["ListTaskDefinitions"] == none["DescribeTaskDefinition"] == 0
    assert none["GetRole"] == 1  # the look-alike's last use

    aws.client("iam").delete_role(RoleName="DefenderForContainersVaTaskRole")
    seed_used_scanner_iam(aws, REGION)
    some = _plan_calls(harness)
    assert some["ListTaskDefinitions"] == 2
    assert some["DescribeTaskDefinition"] == 4
    assert some["GetRole"] == 2


def test_readiness_from_the_listing_looks_for_the_role_by_name(aws: boto3.Session,
                                                                harness: Harness) -> None:
    # The scanner's VA role trusts Defender's OIDC provider for the containers audience too:
    # only the image-assessment role's own name makes an account ready.
    seed_used_scanner_iam(aws, REGION)

    _, doc = harness.json("trivy", "plan", "--regions", REGION)

    (state,) = doc["readiness"].values()
    assert state["ready"] is False
    assert "no IAM role MDCContainersImageAssessmentRole" in state["reason"]
