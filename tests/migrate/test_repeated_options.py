"""An option given twice is never silently dropped (issue 16): list options accumulate, and a
single-value option given twice is refused (exit 3, one line) before any AWS call."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from localaws import seed
from migrate.errors import EXIT_USAGE
from tests.conftest import OTHER, ROLE, assumed
from tests.migrate.conftest import ACCOUNT, Harness
from tests.migrate.test_cli_errors import one_error_line


def test_repeated_regions_and_accounts_accumulate(aws: boto3.Session, harness: Harness) -> None:
    east = seed.seed_trivy_leftovers(aws, "us-east-1", objects=0)
    central = seed.seed_trivy_leftovers(aws, "eu-central-1", objects=0)
    other = seed.seed_trivy_leftovers(assumed(OTHER), "us-east-1", objects=0)

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1", "--regions",
                               "eu-central-1", "--accounts", ACCOUNT, "--accounts", OTHER,
                               "--role-name", ROLE)

    assert result.exit_code == 0, result.stderr
    assert doc["targets"]["regions"] == ["us-east-1", "eu-central-1"]
    assert doc["targets"]["accounts"] == [ACCOUNT, OTHER]
    vpcs = {(r["account"], r["id"]) for r in doc["resources"] if r["kind"] == "vpc"}
    assert vpcs == {(ACCOUNT, east.vpc_id), (ACCOUNT, central.vpc_id), (OTHER, other.vpc_id)}


@pytest.mark.parametrize("args", [
    ["trivy", "plan", "--role-name", "A", "--role-name", "B", "--accounts", ACCOUNT],
    ["trivy", "plan", "--out", "a.json", "--out", "b.json"],
    ["trivy", "plan", "--concurrency", "2", "--concurrency", "4"],
    ["trivy", "plan", "--image-assessment-role", "A", "--image-assessment-role", "B"],
    ["trivy", "apply", "--yes", "--audit-log", "a.jsonl", "--audit-log", "b.jsonl"],
    ["trivy", "apply", "--yes", "--eni-timeout", "1", "--eni-timeout", "2"],
    ["--profile", "a", "--profile", "b", "trivy", "plan"],
    ["--output", "table", "-o", "table", "trivy", "plan"],
])
def test_a_single_value_option_given_twice_is_refused(
        aws: boto3.Session, harness: Harness, tmp_path: Path, args: list[str]) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1", objects=0)

    result = harness.run(*args)

    assert result.exit_code == EXIT_USAGE, result.output
    option = next(a for a in args if (a.startswith("--") and args.count(a) == 2) or a == "-o")
    option = "--output" if option == "-o" else option
    assert one_error_line(result.stderr).startswith(f"error: {option} given 2 times (")
    assert "give it once" in result.stderr
    assert harness.calls == []
    assert not list(tmp_path.glob("*.json*"))
