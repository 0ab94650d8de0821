"""Rules whose outcome is an exit code or a status, driven through the CLI (CliRunner, moto):
the refusals of targeting, MDVM readiness on an unreadable role, `--detailed-exitcode` with a
scan error, S3 errors that are not "gone", and the IAM-last rule of `apply`.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from localaws import seed, variants
from migrate.errors import EXIT_CHANGES, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tests.conftest import OTHER, ROLE
from tests.migrate.conftest import ACCOUNT, Harness, by_key

REGION = "us-east-1"


@pytest.mark.parametrize("args", [
    ["--accounts", ","],
    ["--accounts", ""],
    ["--accounts", " , "],
    ["--accounts", "12345678901"],
    ["--accounts", f"{ACCOUNT},{OTHER}"],                     # another account, no role
    ["--accounts", ACCOUNT, "--organization", "--role-name", ROLE],
    ["--organization"],                                       # no role
    ["--role-name", ROLE],                                    # role without accounts
    ["--regions", ","],
    ["--regions", "us-middle-1"],
    ["--regions", REGION, "--all-regions"],
], ids=["accounts-comma", "accounts-empty", "accounts-blank", "accounts-11-digits",
        "other-account-without-role", "accounts-and-organization", "organization-without-role",
        "role-without-accounts", "regions-comma", "unknown-region", "regions-and-all-regions"])
def test_rule_targeting_refusals_exit_3(aws: boto3.Session, harness: Harness,
                                        args: list[str]) -> None:
    """Rule "targeting refusals": bad or conflicting targeting is exit 3 with one line, and
    never falls back to a default (`--accounts ,` is not "my own account")."""
    result = harness.run("trivy", "plan", *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not [c for c in harness.calls if c.service not in ("sts",)]


def test_rule_targeting_own_account_needs_no_role(aws: boto3.Session, harness: Harness) -> None:
    """Rule "targeting refusals": naming only the caller's own account needs no role."""
    result, doc = harness.json("trivy", "plan", "--regions", REGION, "--accounts", ACCOUNT)
    assert result.exit_code == EXIT_OK, result.stderr
    assert doc["targets"]["accounts"] == [ACCOUNT]


def test_rule_organization_never_targets_closed_accounts(aws: boto3.Session,
                                                         harness: Harness) -> None:
    """Rule "--organization targets ACTIVE accounts only", through ListAccounts."""
    org = aws.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="m", Email="m@example.com")[
        "CreateAccountStatus"]["AccountId"]
    closed = org.create_account(AccountName="c", Email="c@example.com")[
        "CreateAccountStatus"]["AccountId"]
    org.close_account(AccountId=closed)
    statuses = {a["Id"]: a["Status"] for a in org.list_accounts()["Accounts"]}
    assert statuses[closed] != "ACTIVE"

    result, doc = harness.json("trivy", "plan", "--regions", REGION, "--organization",
                               "--role-name", ROLE)

    assert result.exit_code == EXIT_OK, result.stderr
    assert set(doc["targets"]["accounts"]) == {ACCOUNT, member}


def test_rule_readiness_access_denied_is_not_ready(aws: boto3.Session, harness: Harness,
                                                  tmp_path: Path) -> None:
    """Rule "MDVM readiness": AccessDenied reading the image-assessment role is not "ready",
    and apply refuses the account (nothing deleted, exit 1). Applying a plan file reads the
    role again with GetRole (the file's readiness may be out of date)."""
    ids = seed.seed_trivy_leftovers(aws, REGION, objects=0)  # MDVM onboarded, trusted role
    plan = tmp_path / "plan.json"
    assert harness.run("trivy", "plan", "--regions", REGION, "--out",
                       str(plan)).exit_code == EXIT_OK
    assert json.loads(plan.read_text(encoding="utf-8"))["readiness"][ACCOUNT]["ready"] is True
    harness.rules.fail_next("GetRole", "AccessDenied", times=100, status=403,
                            message="not authorized to perform iam:GetRole")

    result, doc = harness.json("trivy", "apply", "--yes", str(plan))

    assert result.exit_code == EXIT_FAILED
    state = doc["readiness"][ACCOUNT]
    assert state["ready"] is False
    assert "AccessDenied" in state["reason"]
    assert harness.mutating() == []
    assert aws.client("ec2", region_name=REGION).describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]


def test_rule_readiness_listing_denied_is_not_ready(aws: boto3.Session,
                                                    harness: Harness) -> None:
    """Rule "MDVM readiness": plan and apply read the role from the account's ListRoles
    listing (issue 16); AccessDenied on that listing never makes the account ready: its scan
    fails with the error, apply deletes nothing there (exit 1)."""
    ids = seed.seed_trivy_leftovers(aws, REGION, objects=0)  # MDVM onboarded, trusted role
    harness.rules.fail_next("ListRoles", "AccessDenied", times=100, status=403,
                            message="not authorized to perform iam:ListRoles")

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION)

    assert result.exit_code == EXIT_FAILED
    assert ACCOUNT not in doc["readiness"]  # never "ready": the account is not scanned
    assert [(e["account"], "AccessDenied" in e["error"], "ListRoles" in e["error"])
            for e in doc["errors"]] == [(ACCOUNT, True, True)]
    assert doc["summary"]["accounts_failed"] == 1
    assert {r["status"] for r in doc["resources"]} == {"skipped"}
    assert harness.mutating() == []
    assert aws.client("ec2", region_name=REGION).describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]


def test_rule_detailed_exitcode_never_hides_a_scan_error(aws: boto3.Session,
                                                         harness: Harness) -> None:
    """Rule "plan exit codes": with --detailed-exitcode a scan error is exit 1, whether or not
    something else would be deleted (never 0 "clean", never 2)."""
    harness.rules.fail_next("ListClusters", "AccessDeniedException", times=100)
    assert harness.run("trivy", "plan", "--regions", REGION,
                       "--detailed-exitcode").exit_code == EXIT_FAILED
    seed.seed_trivy_leftovers(aws, REGION, objects=0)
    assert harness.run("trivy", "plan", "--regions", REGION,
                       "--detailed-exitcode").exit_code == EXIT_FAILED
    harness.rules.clear_injections()
    assert harness.run("trivy", "plan", "--regions", REGION,
                       "--detailed-exitcode").exit_code == EXIT_CHANGES


@pytest.mark.parametrize(("operation", "code", "status"), [
    ("HeadBucket", "403", 403),
    ("HeadBucket", "AccessDenied", 403),
    ("HeadBucket", "500", 500),
], ids=["head-403", "head-access-denied", "head-500"])
def test_rule_bucket_error_is_not_gone(aws: boto3.Session, harness: Harness, tmp_path: Path,
                                       operation: str, code: str, status: int) -> None:
    """Rule "gone means 404": a bucket AWS refuses to show (403) or fails on is never taken as
    already gone: it fails, the bucket stays, exit 1."""
    s3 = aws.client("s3", region_name=REGION)
    seed.create_bucket(s3, "defender-for-containers-va-1", REGION)
    seed.seed_mdvm_onboarding(aws)
    plan = tmp_path / "plan.json"
    assert harness.run("trivy", "plan", "--regions", REGION, "--out",
                       str(plan)).exit_code == EXIT_OK
    harness.rules.fail_next(operation, code, times=100, status=status)

    result = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")

    assert result.exit_code == EXIT_FAILED
    row = by_key(json.loads(result.stdout))[("s3-bucket", "defender-for-containers-va-1")]
    assert row["status"] == "failed", (row, result.stderr)
    assert "defender-for-containers-va-1" in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_rule_bucket_location_denied_is_a_scan_error(aws: boto3.Session,
                                                     harness: Harness) -> None:
    """Rule "gone means 404": AccessDenied on GetBucketLocation is an error, not "no bucket"."""
    seed.create_bucket(aws.client("s3", region_name=REGION), "defender-for-containers-va-1",
                       REGION)
    harness.rules.fail_next("GetBucketLocation", "AccessDenied", times=100, status=403)
    result, doc = harness.json("trivy", "plan", "--regions", REGION)
    assert result.exit_code == EXIT_FAILED
    assert "AccessDenied" in doc["errors"][0]["error"]


def test_rule_iam_waits_for_a_skipped_regional_resource(aws: boto3.Session, harness: Harness,
                                                        tmp_path: Path) -> None:
    """Rule "IAM last": the scanner's roles are not deleted while a regional resource of the
    account was skipped (no longer matching), not only when one failed."""
    ids = seed.seed_trivy_leftovers(aws, REGION, objects=0)
    trivy = seed.seed_trivy_iam(aws)
    plan = tmp_path / "plan.json"
    assert harness.run("trivy", "plan", "--regions", REGION, "--out",
                       str(plan)).exit_code == EXIT_OK
    variants.add_instance(aws, ids)  # the VPC is someone's now: its chain is skipped

    result = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")

    assert result.exit_code == EXIT_FAILED
    rows = by_key(json.loads(result.stdout))
    assert rows[("vpc", ids.vpc_id)]["status"] == "skipped"
    assert not [r for r in rows.values() if r["status"] == "failed"]
    for role in (trivy.va_role, trivy.task_role):
        assert rows[("iam-role", role)]["status"] == "skipped"
        assert "were not deleted" in rows[("iam-role", role)]["error"]
    assert not [c for c in harness.mutating() if c.service == "iam"]
