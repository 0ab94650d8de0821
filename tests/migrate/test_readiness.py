"""The clean-up waits for MDVM: accounts without the image-assessment role are refused."""

from __future__ import annotations

import json

import boto3

from localaws import seed
from tests.conftest import OTHER, ROLE, assumed
from tests.migrate.conftest import ACCOUNT, Harness

REGION = "us-east-1"


def _vpc_exists(aws: boto3.Session, vpc_id: str) -> bool:
    return bool(aws.client("ec2", region_name=REGION).describe_vpcs(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"])


def test_plan_shows_readiness_per_account(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, REGION, mdvm_onboarded=False, objects=0)
    _, doc = harness.json("trivy", "plan", "--regions", REGION)
    state = doc["readiness"][ACCOUNT]
    assert (state["ready"], state["role"]) == (False, "MDCContainersImageAssessmentRole")
    table = harness.run("trivy", "plan", "--regions", REGION)
    assert f"account {ACCOUNT}: NOT ready" in table.stdout
    assert "deploy the connector with image assessment first" in table.stdout

    seed.seed_mdvm_onboarding(aws)
    _, doc = harness.json("trivy", "plan", "--regions", REGION)
    assert doc["readiness"][ACCOUNT]["ready"] is True


def test_apply_refuses_an_account_that_is_not_ready(aws: boto3.Session,
                                                     harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, mdvm_onboarded=False, objects=0)

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == 1
    assert f"account {ACCOUNT} is not ready" in result.stderr
    assert "deploy the connector with image assessment first: see README" in result.stderr
    assert {r["status"] for r in doc["resources"] if r["action"] == "delete"} == {"skipped"}
    assert harness.mutating() == []
    assert _vpc_exists(aws, ids.vpc_id)

    skipped, _ = harness.json("trivy", "apply", "--yes", "--regions", REGION,
                              "--skip-readiness-check")
    assert skipped.exit_code == 0, skipped.stderr
    assert not _vpc_exists(aws, ids.vpc_id)


def test_a_role_without_defenders_trust_is_not_ready(aws: boto3.Session,
                                                     harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, REGION, mdvm_onboarded=False, objects=0)
    aws.client("iam").create_role(RoleName="MDCContainersImageAssessmentRole",
                                  AssumeRolePolicyDocument=json.dumps(
                                      seed.service_trust("ec2.amazonaws.com")))
    _, doc = harness.json("trivy", "plan", "--regions", REGION)
    assert doc["readiness"][ACCOUNT]["ready"] is False
    assert "exists but it trusts" in doc["readiness"][ACCOUNT]["reason"]


def test_the_role_name_is_configurable(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, REGION, mdvm_onboarded=False, objects=0)
    seed.seed_mdvm_onboarding(aws, role_name="CustomImageAssessment")
    _, doc = harness.json("trivy", "plan", "--regions", REGION,
                          "--image-assessment-role", "CustomImageAssessment")
    state = doc["readiness"][ACCOUNT]
    assert (state["ready"], state["role"]) == (True, "CustomImageAssessment")


def test_ready_accounts_are_cleaned_while_others_are_refused(
        aws: boto3.Session, harness: Harness) -> None:
    mine = seed.seed_trivy_leftovers(aws, REGION, objects=0)
    theirs = seed.seed_trivy_leftovers(assumed(OTHER), REGION, mdvm_onboarded=False, objects=0)

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION, "--accounts",
                               f"{ACCOUNT},{OTHER}", "--role-name", ROLE)

    assert result.exit_code == 1
    assert doc["readiness"][OTHER]["ready"] is False
    assert doc["readiness"][ACCOUNT]["ready"] is True
    statuses = {(r["account"], r["status"]) for r in doc["resources"] if r["action"] == "delete"}
    assert statuses == {(ACCOUNT, "deleted"), (OTHER, "skipped")}
    assert not _vpc_exists(aws, mine.vpc_id)
    assert assumed(OTHER).client("ec2").describe_vpcs(VpcIds=[theirs.vpc_id])["Vpcs"]
