"""Plan files are validated against the published JSON Schema, and everything written passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from jsonschema import Draft202012Validator

from localaws import seed
from migrate.document import schema
from migrate.errors import EXIT_USAGE
from migrate.kinds import KINDS, LOOKALIKE_KINDS
from tests.migrate.conftest import Harness

REGION = "us-east-1"
SCHEMA_FILE = Path(__file__).parents[2] / "migrate" / "schema" / "plan.schema.json"


def _valid(doc: dict[str, Any]) -> None:
    errors = [f"{e.json_path}: {e.message}" for e in
              Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).iter_errors(doc)]
    assert errors == []


def test_the_published_schema_is_what_the_tool_uses() -> None:
    Draft202012Validator.check_schema(schema())
    assert schema() == json.loads(SCHEMA_FILE.read_text())
    kinds = schema()["$defs"]["resource"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(KINDS) | LOOKALIKE_KINDS


def test_every_document_the_tool_writes_validates(aws: boto3.Session, harness: Harness,
                                                  tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, REGION, tasks=1)
    seed.seed_lookalikes(aws, REGION)
    seed.seed_trivy_iam(aws)
    out = tmp_path / "plan.json"
    planned, printed = harness.json("trivy", "plan", "--regions", REGION, "--out", str(out))
    assert planned.exit_code == 0, planned.stderr
    _valid(printed)
    _valid(json.loads(out.read_text()))
    kinds = {r["kind"] for r in printed["resources"]}
    assert {"iam-role", "iam-policy", "network-interface", "ecs-task-definition"} <= kinds
    applied, doc = harness.json("trivy", "apply", str(out), "--yes")
    assert applied.exit_code == 0, applied.stderr
    _valid(doc)
    assert {r.get("status") for r in doc["resources"] if r["action"] == "delete"} == {"deleted"}


def _plan(harness: Harness, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "plan.json"
    assert harness.run("trivy", "plan", "--regions", REGION, "--out", str(out)).exit_code == 0
    return out, json.loads(out.read_text())


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d["resources"][0].update(kind="ec2-instance"), "$.resources[0].kind"),
    (lambda d: d["resources"][0].update(kind="iam-role"), "$.resources[0].region"),
    (lambda d: d["resources"][0].update(region="mars-1"), "$.resources[0].region"),
    (lambda d: d["resources"][0].update(region="us-mars-1"), "unknown region 'us-mars-1'"),
    (lambda d: d["resources"][0].update(action="destroy"), "$.resources[0].action"),
    (lambda d: d["resources"][0].pop("id"), "missing required field id"),
    (lambda d: d["targets"].update(accounts=["12345"]), "$.targets.accounts[0]"),
    (lambda d: d["targets"].update(regions=["mars-1"]), "$.targets.regions[0]"),
    (lambda d: d.update(resources=[{**d["resources"][0], "kind": "iam-role", "region": "global",
                                    "id": "Admin"}]), "not one of the retired scanner's roles"),
])
def test_bad_plan_files_exit_3_with_the_json_path(aws: boto3.Session, harness: Harness,
                                                  tmp_path: Path, edit: Any,
                                                  needle: str) -> None:
    seed.seed_trivy_leftovers(aws, REGION)
    path, doc = _plan(harness, tmp_path)
    edit(doc)
    path.write_text(json.dumps(doc))
    harness.reset_calls()

    result = harness.run("trivy", "apply", str(path), "--yes")

    assert result.exit_code == EXIT_USAGE, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr
    assert harness.calls == []  # refused before any AWS call


@pytest.mark.parametrize(("args", "needle"), [
    (["trivy", "plan", "--out", "/no/such/dir/p.json"], "directory /no/such/dir does not exist"),
    (["trivy", "plan", "--out", "/"], "is a directory"),
    (["trivy", "apply", "--yes", "--audit-log", "/no/such/dir/a.jsonl"], "does not exist"),
    (["trivy", "plan", "--organization"], "--organization needs --role-name"),
])
def test_bad_input_is_refused_before_any_aws_call(aws: boto3.Session, harness: Harness,
                                                  args: list[str], needle: str) -> None:
    result = harness.run(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert harness.calls == []
