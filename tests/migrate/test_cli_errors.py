"""Every expected failure is one line on stderr with a documented exit code, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from localaws import seed, variants
from migrate.errors import EXIT_FAILED, EXIT_USAGE
from tests.migrate.conftest import ACCOUNT, Harness


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(("args", "needle"), [
    (["--regions", "us-east-9"], "unknown region us-east-9"),
    (["--regions", ","], "--regions needs at least one region"),
    (["--regions", "us-east-1", "--all-regions"], "not both"),
    (["--accounts", "12345"], "12-digit"),
    (["--accounts", "111111111111"], "need --role-name"),
    (["--role-name", "Audit"], "--role-name goes with --accounts"),
    (["--accounts", "111111111111", "--organization", "--role-name", "R"], "not both"),
    (["--concurrency", "0"], "--concurrency"),
    (["--bogus"], "No such option"),
])
def test_bad_input_exits_3_with_one_line(aws: boto3.Session, harness: Harness, args: list[str],
                                         needle: str) -> None:
    result = harness.run("trivy", "plan", *args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert needle in one_error_line(result.stderr)
    assert result.stderr.strip().count("\n") == 0, result.stderr  # no usage block either


def test_no_arguments_show_the_commands_not_a_traceback() -> None:
    # As a user runs it (the CliRunner takes another path): it crashed, reading `-o json` from
    # no arguments at all.
    result = subprocess.run([sys.executable, "-m", "migrate"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert "Commands:" in result.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["--eni-timeout", "x"], "'x' is not a valid number of seconds; see '"),
    (["--eni-timeout", "-1"], "-1.0 is not in the range x>=0"),
    (["--concurrency", "65"], "65 is not in the range 1<=x<=64"),
])
def test_bad_option_values_of_apply_are_one_line_too(aws: boto3.Session, harness: Harness,
                                                     args: list[str], needle: str) -> None:
    result = harness.run("trivy", "apply", *args)
    assert result.exit_code == EXIT_USAGE
    line = one_error_line(result.stderr)
    assert needle in line
    assert line.endswith(" trivy apply --help'")  # where to read about it
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert harness.calls == []


def test_eni_timeout_help_shows_its_default_plainly(harness: Harness) -> None:
    result = harness.run("trivy", "apply", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "[default: 600] [x>=0]" in text
    assert "(600)" not in text


def test_unknown_profile(aws: boto3.Session, harness: Harness) -> None:
    result = harness.run("--profile", "nope", "trivy", "plan")
    assert result.exit_code == EXIT_USAGE
    assert "unknown AWS profile 'nope'" in one_error_line(result.stderr)


def test_no_credentials(aws: boto3.Session, harness: Harness,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = harness.run("trivy", "plan")
    assert result.exit_code == EXIT_FAILED
    assert "no AWS credentials found" in one_error_line(result.stderr)


def test_access_denied_while_scanning_is_one_line_per_region(
        aws: boto3.Session, harness: Harness) -> None:
    harness.rules.fail_next("ListClusters", "AccessDeniedException", times=1,
                            message="User is not authorized to perform ecs:ListClusters")
    result = harness.run("trivy", "plan", "--regions", "us-east-1")
    assert result.exit_code == EXIT_FAILED
    line = one_error_line(result.stdout + result.stderr)
    assert f"{ACCOUNT}/us-east-1" in line
    assert "not authorized" in line


def test_apply_refuses_when_the_scan_failed(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    harness.rules.fail_next("DescribeVpcs", "UnauthorizedOperation", times=1)
    result = harness.run("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert result.exit_code == EXIT_FAILED
    assert "nothing deleted" in result.stderr
    assert harness.mutating() == []


def _plan(harness: Harness, tmp_path: Path) -> Path:
    out = tmp_path / "plan.json"
    assert harness.run("trivy", "plan", "--regions", "us-east-1", "--out", str(out)).exit_code == 0
    return out


@pytest.mark.parametrize(("content", "needle"), [
    ("not json", "not JSON"),
    ('{"format": "something-else"}', "no \"format\""),
    ('{"format": "defender-migrate/plan", "version": 99}', "version 99"),
    ('{"format": "defender-migrate/plan", "version": 1, "command": "apply"}', "not a plan"),
    ('{"format": "defender-migrate/plan", "version": 1, "command": "plan"}', "missing"),
])
def test_bad_plan_file(aws: boto3.Session, harness: Harness, tmp_path: Path, content: str,
                       needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = harness.run("trivy", "apply", str(bad), "--yes")
    assert result.exit_code == EXIT_USAGE
    assert needle in one_error_line(result.stderr)


def test_missing_plan_file(aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    result = harness.run("trivy", "apply", str(tmp_path / "nope.json"))
    assert result.exit_code == EXIT_USAGE
    assert "cannot read plan file" in one_error_line(result.stderr)


def test_plan_file_and_targeting_together(aws: boto3.Session, harness: Harness,
                                          tmp_path: Path) -> None:
    plan = _plan(harness, tmp_path)
    result = harness.run("trivy", "apply", str(plan), "--regions", "us-east-1")
    assert result.exit_code == EXIT_USAGE
    assert "not both" in one_error_line(result.stderr)


def test_plan_file_for_another_account_is_refused(aws: boto3.Session, harness: Harness,
                                                  tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    plan = _plan(harness, tmp_path)
    doc = json.loads(plan.read_text())
    doc["targets"]["accounts"] = ["999999999999"]
    for res in doc["resources"]:
        res["account"] = "999999999999"
    plan.write_text(json.dumps(doc))
    harness.reset_calls()
    result = harness.run("trivy", "apply", str(plan), "--yes")
    assert result.exit_code == EXIT_FAILED
    line = one_error_line(result.stderr)
    # Refused for the credentials themselves, not by a later gate (readiness) that would also
    # stop a plan for an unreachable account.
    assert (f"the plan file is for account 999999999999 but the credentials are for account "
            f"{ACCOUNT}") in line
    assert harness.mutating() == []


def test_plan_file_deletes_only_what_it_lists(aws: boto3.Session, harness: Harness,
                                              tmp_path: Path) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    plan = _plan(harness, tmp_path)
    aws.client("s3").create_bucket(Bucket="defender-for-containers-va-new")
    gone_first = ids.route_table_id
    ec2 = aws.client("ec2", region_name="us-east-1")
    ec2.disassociate_route_table(AssociationId=ids.route_table_association_id)
    ec2.delete_route_table(RouteTableId=gone_first)

    result = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")

    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = {(r["kind"], r["id"]): r for r in doc["resources"]}
    assert rows[("route-table", gone_first)]["status"] == "already-gone"
    assert ("s3-bucket", "defender-for-containers-va-new") not in rows  # made after the plan
    assert "defender-for-containers-va-new" in {
        b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert rows[("vpc", ids.vpc_id)]["status"] == "deleted"


def test_plan_file_resource_that_no_longer_matches_is_skipped(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    plan = _plan(harness, tmp_path)
    instance = variants.add_instance(aws, ids)  # someone started using the VPC since the plan

    result = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")

    assert result.exit_code == EXIT_FAILED
    rows = {(r["kind"], r["id"]): r for r in json.loads(result.stdout)["resources"]}
    assert rows[("vpc", ids.vpc_id)]["status"] == "skipped"
    assert instance in rows[("vpc", ids.vpc_id)]["error"]
    assert rows[("subnet", ids.subnet_id)]["status"] == "skipped"
    assert aws.client("ec2", region_name="us-east-1").describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]


def test_help_teaches(harness: Harness, aws: boto3.Session) -> None:
    top = harness.run("--help")
    assert top.exit_code == 0
    assert "Exit codes" in top.stdout
    plan_help = harness.run("trivy", "plan", "--help")
    for option in ("--regions", "--all-regions", "--accounts", "--organization", "--role-name",
                   "--out", "--detailed-exitcode"):
        assert option in plan_help.stdout
    apply_help = harness.run("trivy", "apply", "--help")
    for option in ("PLAN_FILE", "--yes", "--audit-log", "--eni-timeout"):
        assert option in apply_help.stdout


def test_plan_file_edited_to_delete_another_cluster_is_refused(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    plan = _plan(harness, tmp_path)
    doc = json.loads(plan.read_text())
    (cluster,) = [r for r in doc["resources"] if r["kind"] == "ecs-cluster"]
    cluster["id"] = "production"
    plan.write_text(json.dumps(doc))
    harness.reset_calls()
    result = harness.run("trivy", "apply", str(plan), "--yes")
    assert result.exit_code == EXIT_USAGE
    assert "not the Trivy cluster" in one_error_line(result.stderr)
    assert harness.mutating() == []


def test_plan_file_resource_outside_its_targets_is_refused(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """A hand-edited plan cannot slip in a resource of an account it does not target."""
    seed.seed_trivy_leftovers(aws, "us-east-1")
    plan = _plan(harness, tmp_path)
    doc = json.loads(plan.read_text())
    assert doc["targets"]["accounts"] == [ACCOUNT]
    (vpc,) = [r for r in doc["resources"] if r["kind"] == "vpc"]
    vpc["account"] = "999999999999"
    plan.write_text(json.dumps(doc))
    harness.reset_calls()

    result = harness.run("trivy", "apply", str(plan), "--yes")

    assert result.exit_code == EXIT_USAGE
    line = one_error_line(result.stderr)
    assert f"resource {vpc['id']} is in account 999999999999, not among its targets" in line
    assert harness.mutating() == []
