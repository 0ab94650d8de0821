"""The real-account seeding (localaws/real_account.py) that the demo, sandbox and tests share,
and the sandbox's "ECS released the ENIs"."""

from __future__ import annotations

import boto3
import pytest

from localaws.real_account import check_real_account
from localaws.sandbox import release, release_enis
from localaws.scenario import seed_scenario
from localaws.seed import seed_trivy_leftovers
from localaws.verdict import Verdict
from tests.migrate.conftest import Harness, by_key


def test_the_real_account_scenario_plans_and_applies_as_expected(
        aws: boto3.Session, harness: Harness) -> None:
    scenario = seed_scenario(aws)
    real = scenario.real
    assert real is not None
    assert {v.holder for v in real.kept_vpcs} == {"egress-only internet gateway",
                                                  "carrier gateway"}

    _, plan = harness.json("trivy", "plan")

    rows = by_key(plan)
    for vpc in real.kept_vpcs:
        row = rows[("vpc", vpc.vpc_id)]
        assert row["action"] == "keep"
        assert f"{vpc.holder} {vpc.holder_id}" in row["reason"]
        assert rows[("internet-gateway", vpc.internet_gateway_id)]["action"] == "keep"
    for group in real.trivy_security_groups.values():
        assert rows[("security-group", group)]["action"] == "delete"
    assert plan["readiness"][real.account]["ready"] is True
    # Used roles are planned with their last-used date; a role another team's task definition
    # names is kept with that reason, and the policy it holds with it.
    va_role, task_role = real.scanner_iam_deleted[0], real.scanner_iam_kept[0]
    assert rows[("iam-role", va_role)]["action"] == "delete"
    assert rows[("iam-role", va_role)]["details"]["last_used"]
    kept_role = rows[("iam-role", task_role)]
    assert kept_role["action"] == "keep"
    family_revision = next(iter(real.foreign_task_definitions)).rsplit("/", 1)[-1]
    assert f"task definition {family_revision} in us-east-1 names it" in kept_role["reason"]

    result, _ = harness.json("trivy", "apply", "--yes")
    assert result.exit_code == 0, result.stderr
    verdict = Verdict()
    check_real_account(aws, real, verdict)
    assert verdict.failed == []
    assert len(verdict.passed) == (3 * len(real.kept_vpcs) + len(real.trivy_security_groups)
                                   + len(real.scanner_iam_deleted) + len(real.scanner_iam_kept)
                                   + len(real.foreign_task_definitions))
    assert (len(real.scanner_iam_deleted), len(real.scanner_iam_kept)) == (2, 2)


def test_release_enis_releases_only_the_enis_of_stopped_tasks(aws: boto3.Session) -> None:
    ids = seed_trivy_leftovers(aws, "us-east-1", tasks=2)
    ecs = aws.client("ecs", region_name="us-east-1")
    ecs.stop_task(cluster=ids.cluster_arn, task=ids.task_arns[0])
    ec2 = aws.client("ec2", region_name="us-east-1")

    released = release_enis(aws, ["us-east-1"])

    assert released == [ids.task_eni_ids[0]]
    left = {e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces()[
        "NetworkInterfaces"]}
    assert ids.task_eni_ids[1] in left
    assert ids.task_eni_ids[0] not in left
    assert release_enis(aws, ["us-east-1"]) == []


def test_release_enis_refuses_an_endpoint_that_is_not_a_local_sandbox(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert release({"AWS_ENDPOINT_URL": "https://ec2.us-east-1.amazonaws.com"}) == 3
    assert "paste the export lines the sandbox printed" in capsys.readouterr().err
    assert release({}) == 3
