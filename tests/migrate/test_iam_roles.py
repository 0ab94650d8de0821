"""The retired scanner's IAM roles and policies: deleted only on exact name AND trust, last."""

from __future__ import annotations

import json

import boto3
import pytest

from localaws import seed
from tests.migrate.conftest import Harness, by_key

REGION = "us-east-1"


def _roles(aws: boto3.Session) -> set[str]:
    return {r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]}


def _policies(aws: boto3.Session) -> set[str]:
    return {p["PolicyName"] for p in aws.client("iam").list_policies(Scope="Local")["Policies"]}


@pytest.mark.parametrize("naming", ["cloudformation", "terraform"])
def test_scanner_roles_and_policies_go_after_the_vpc(aws: boto3.Session, harness: Harness,
                                                     naming: str) -> None:
    seed.seed_trivy_leftovers(aws, REGION, objects=0)
    trivy = seed.seed_trivy_iam(aws, naming, instance_profile=True)

    _, plan = harness.json("trivy", "plan", "--regions", REGION)
    rows = by_key(plan)
    for name in (trivy.va_role, trivy.task_role):
        assert rows[("iam-role", name)]["action"] == "delete"
        assert rows[("iam-role", name)]["region"] == "global"
        assert "last used never" in rows[("iam-role", name)]["reason"]
    for name in seed.TRIVY_POLICY_NAMES:
        assert rows[("iam-policy", name)]["action"] == "delete"

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == 0, result.stderr
    assert {r["status"] for r in doc["resources"] if r["kind"].startswith("iam")} == {"deleted"}
    assert not {trivy.va_role, trivy.task_role} & _roles(aws)
    assert not set(seed.TRIVY_POLICY_NAMES) & _policies(aws)
    assert seed.IMAGE_ASSESSMENT_ROLE in _roles(aws)  # MDVM's role is never touched
    calls = harness.mutating()
    ops = [c.operation for c in calls]
    task_role_deleted = next(i for i, c in enumerate(calls) if c.operation == "DeleteRole"
                             and c.params["RoleName"] == trivy.task_role)
    assert ops.index("DeleteVpc") < ops.index("DetachRolePolicy")
    assert ops.index("RemoveRoleFromInstanceProfile") < task_role_deleted
    assert ops.index("DeleteRolePolicy") < task_role_deleted
    assert max(i for i, op in enumerate(ops) if op == "DeleteRole") < ops.index("DeletePolicy")
    assert not harness.rules.refused(code="DeleteConflict")


def test_a_role_with_the_name_but_another_trust_is_a_lookalike(aws: boto3.Session,
                                                               harness: Harness) -> None:
    iam = aws.client("iam")
    iam.create_role(RoleName="DefenderForContainersVaTaskRole", AssumeRolePolicyDocument=json.dumps(
        seed.service_trust("ec2.amazonaws.com")))
    iam.create_role(RoleName="DefenderForContainersVaRole", AssumeRolePolicyDocument=json.dumps(
        seed.oidc_trust(seed.account_of(aws), audience="api://4d8bed1f-eee7-4d8e-b0dc-"
                        "8462049a4479")))  # the CSPM audience, not the containers one
    both = seed.service_trust("ecs-tasks.amazonaws.com")
    both["Statement"].append({"Effect": "Allow", "Action": "sts:AssumeRole",
                              "Principal": {"AWS": "arn:aws:iam::999999999999:root"}})
    iam.create_role(RoleName="azuredefender-containers-va-task",
                    AssumeRolePolicyDocument=json.dumps(both))

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == 0, result.stderr
    rows = by_key(doc)
    for name in ("DefenderForContainersVaTaskRole", "DefenderForContainersVaRole",
                 "azuredefender-containers-va-task"):
        assert rows[("iam-role", name)]["action"] == "keep"
        assert "not deleted" in rows[("iam-role", name)]["reason"]
    assert "audience" in rows[("iam-role", "DefenderForContainersVaRole")]["reason"]
    assert {"DefenderForContainersVaTaskRole", "DefenderForContainersVaRole",
            "azuredefender-containers-va-task"} <= _roles(aws)
    assert not [c for c in harness.mutating() if c.service == "iam"]


def test_policy_attached_to_something_else_stays(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_mdvm_onboarding(aws)
    trivy = seed.seed_trivy_iam(aws)
    aws.client("iam").create_user(UserName="ops")
    aws.client("iam").attach_user_policy(UserName="ops", PolicyArn=trivy.policy_arns[0])

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("iam-policy", seed.TRIVY_POLICY_NAMES[0])]
    assert row["action"] == "keep"
    assert "user ops" in row["reason"]
    assert seed.TRIVY_POLICY_NAMES[0] in _policies(aws)
    assert seed.TRIVY_POLICY_NAMES[1] not in _policies(aws)


def test_role_named_by_a_kept_task_definition_stays(aws: boto3.Session,
                                                    harness: Harness) -> None:
    seed.seed_mdvm_onboarding(aws)
    trivy = seed.seed_trivy_iam(aws)
    arn = f"arn:aws:iam::{seed.account_of(aws)}:role/{trivy.task_role}"
    aws.client("ecs", region_name=REGION).register_task_definition(
        family="defender-for-containers-va-scan", taskRoleArn=arn,
        containerDefinitions=[{"name": "scan", "image": "aquasec/trivy", "memory": 256}])

    _, doc = harness.json("trivy", "plan", "--regions", REGION)

    rows = by_key(doc)
    assert rows[("iam-role", trivy.task_role)]["action"] == "keep"
    assert "task definition defender-for-containers-va-scan:1 in us-east-1" in rows[
        ("iam-role", trivy.task_role)]["reason"]
    assert rows[("iam-policy", seed.TRIVY_POLICY_NAMES[1])]["action"] == "keep"
    assert rows[("iam-role", trivy.va_role)]["action"] == "delete"


def test_roles_wait_until_every_chain_of_the_account_is_gone(aws: boto3.Session,
                                                             harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, objects=0)
    trivy = seed.seed_trivy_iam(aws)
    harness.rules.fail_next("DeleteSubnet", times=100)

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == 1
    row = by_key(doc)[("iam-role", trivy.task_role)]
    assert row["status"] == "skipped"
    assert f"subnet {ids.subnet_id}" in row["error"]
    assert {trivy.va_role, trivy.task_role} <= _roles(aws)
    assert not [c for c in harness.mutating() if c.service == "iam"]
