"""What a new user sees: the prompt names the accounts, progress names where, -v shows calls,
tables keep IDs whole, an interrupted bucket says how far it got."""

from __future__ import annotations

import io
import json

import boto3
import pytest
from rich.console import Console

from localaws import seed
from migrate import render
from migrate.app import App
from migrate.model import Action, Resource
from tests.migrate.conftest import ACCOUNT, Harness, by_key

REGION = "us-east-1"


def test_prompt_shows_the_account_ids_to_type(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(aws, REGION)
    result = harness.run("trivy", "apply", "--regions", REGION, input="\n")
    assert result.exit_code == 1
    assert f"will be deleted in account(s) {ACCOUNT}. Type the account ID(s)" in result.stderr


def test_progress_lines_name_account_and_region(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION)
    result = harness.run("trivy", "apply", "--yes", "--regions", REGION)
    assert result.exit_code == 0, result.stderr
    assert f"{ACCOUNT}/{REGION}: deleted vpc {ids.vpc_id}" in result.stderr


def test_verbose_shows_each_api_call_and_its_result(aws: boto3.Session,
                                                    harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION)
    quiet = harness.run("trivy", "plan", "--regions", REGION)
    assert " api " not in quiet.stderr
    harness.rules.fail_next("DeleteVpc", times=1)
    loud = harness.run("-v", "trivy", "apply", "--yes", "--regions", REGION)
    assert loud.exit_code == 0, loud.stderr
    assert f"api {REGION} ec2:DeleteVpc VpcId={ids.vpc_id} -> DependencyViolation" in loud.stderr
    assert f"api {REGION} ec2:DeleteVpc VpcId={ids.vpc_id} -> ok (HTTP 200)" in loud.stderr


def test_ids_never_wrap_the_reason_folds() -> None:
    task = ("arn:aws:ecs:us-east-1:123456789012:task/defender-for-containers-va/"
            "0123456789abcdef0123456789abcdef")
    rows = [Resource(ACCOUNT, REGION, "ecs-task", task, Action.DELETE, "in the Trivy cluster " * 8,
                     order=1),
            Resource(ACCOUNT, "global", "iam-policy",
                     "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment_Task",
                     Action.DELETE, "customer-managed policy of the retired scanner " * 3,
                     order=1)]
    out = io.StringIO()
    render.tables(Console(file=out, width=140), rows, [], applied=False)
    text = out.getvalue()
    assert "0123456789abcdef0123456789abcdef" in text
    assert "MicrosoftDefenderForCloud_Containers_Vulnerability_Assessment_Task" in text
    assert sum("in the Trivy cluster" in line for line in text.splitlines()) > 1  # folded


def test_tables_in_a_log_are_120_columns_unless_columns_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Under pytest stdout and stderr are not terminals, as in a CI log.
    monkeypatch.delenv("COLUMNS", raising=False)
    assert (App().out.width, App().err.width) == (120, 120)
    monkeypatch.setenv("COLUMNS", "90")
    assert (App().out.width, App().err.width) == (90, 90)


def test_interrupted_bucket_says_how_many_objects_went(aws: boto3.Session,
                                                       harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, objects=1500, versions_per_object=1,
                                    objects_in_process=True)
    original = harness.hook

    def hook(session: boto3.Session) -> None:
        original(session)

        def ctrl_c(**_: object) -> None:  # Ctrl-C after the first batch of 1000
            if harness.app is not None:
                harness.app.stop.set()
        session.events.register("after-call.s3.DeleteObjects", ctrl_c)

    harness.hook = hook  # type: ignore[method-assign]
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION,
                               "--concurrency", "1")

    assert result.exit_code == 130
    row = by_key(doc)[("s3-bucket", ids.buckets[0])]
    assert row["status"] == "skipped"
    assert "1,000 objects deleted" in row["error"]
    assert row["details"]["objects_deleted"] == 1000
    assert json.dumps(doc)  # the document is still complete
