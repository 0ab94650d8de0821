"""The global options and the apply-only ones, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from localaws import seed
from tests.migrate.conftest import ACCOUNT, Harness, by_key


def test_profile_from_the_shared_config_is_used(aws: boto3.Session, harness: Harness,
                                                monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    creds = tmp_path / "credentials"
    creds.write_text("[auditor]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result, doc = harness.json("--profile", "auditor", "trivy", "plan", "--regions", "us-east-1")

    assert result.exit_code == 0, result.stderr
    assert doc["targets"]["accounts"] == [ACCOUNT]
    assert any(r["kind"] == "vpc" and r["action"] == "delete" for r in doc["resources"])


def test_verbose_shows_work_in_progress(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    quiet = harness.run("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert "[1/" in quiet.stderr  # per-resource progress lines, even without -v
    seed.seed_trivy_leftovers(aws, "us-east-1", bucket_names=["defender-for-containers-va-2"])
    loud = harness.run("-v", "trivy", "apply", "--yes", "--regions", "us-east-1")
    assert loud.exit_code == 0, loud.output
    assert "emptying s3://defender-for-containers-va-2" in loud.stderr


def test_eni_still_in_use_fails_after_the_timeout_with_advice(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", tasks=1)
    harness.rules.eni_release_after = 10_000  # ECS is slow to release the task's ENI today

    result = harness.run("-o", "json", "trivy", "apply", "--yes", "--regions", "us-east-1",
                         "--eni-timeout", "0.05")

    assert result.exit_code == 1
    row = by_key(json.loads(result.stdout))[("network-interface", ids.task_eni_ids[0])]
    assert row["status"] == "failed"
    assert "still in use after 0s" in row["error"]
    assert "run apply again later" in row["error"]
    assert aws.client("ec2").describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]


def test_all_regions_scans_every_enabled_region(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, "ap-southeast-2")
    result, doc = harness.json("trivy", "plan", "--all-regions", "--concurrency", "16")
    assert result.exit_code == 0, result.stderr
    assert "ap-southeast-2" in doc["targets"]["regions"]
    assert {r["region"] for r in doc["resources"] if r["action"] == "delete"} == {
        "ap-southeast-2"}
