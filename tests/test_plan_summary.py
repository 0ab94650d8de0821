"""migrate/ci/plan_summary.py: the Markdown job summary of a defender-migrate plan or apply
result."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from migrate.ci import plan_summary

ROOT = Path(__file__).resolve().parent.parent
A1, A2 = "111111111111", "222222222222"


def _res(
    account: str,
    region: str,
    kind: str,
    rid: str,
    action: str,
    reason: str,
    order: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "account": account,
        "region": region,
        "kind": kind,
        "id": rid,
        "action": action,
        "reason": reason,
        "order": order,
        "parent": None,
        "details": {},
    }
    item.update(extra)
    return item


PLAN: dict[str, Any] = {
    "format": "defender-migrate/plan",
    "version": 1,
    "command": "plan",
    "created": "2026-11-28T12:00:00Z",
    "targets": {
        "regions": ["us-east-1", "eu-central-1"],
        "accounts": [A1, A2],
        "role_name": "OrganizationAccountAccessRole",
    },
    "summary": {"delete": 5, "keep": 3},
    "errors": [
        {
            "account": A2,
            "region": "eu-central-1",
            "error": "AccessDenied on ec2:DescribeVpcs | check the role's policy",
        }
    ],
    # Deliberately not in deletion order: the summary must sort by `order`.
    "resources": [
        _res(
            A1,
            "us-east-1",
            "vpc",
            "vpc-0abc",
            "delete",
            "tag name=defender-for-containers-va, CIDR 10.0.0.0/16",
            9,
        ),
        _res(
            A1,
            "us-east-1",
            "s3-bucket",
            "defender-for-containers-va-123",
            "delete",
            "name starts with defender-for-containers-va",
            1,
        ),
        _res(
            A1,
            "us-east-1",
            "internet-gateway",
            "igw-0def",
            "delete",
            "attached to the Trivy VPC",
            6,
        ),
        _res(
            A1,
            "us-east-1",
            "s3-bucket",
            "defender-for-containers-vault-logs",
            "keep",
            "name only looks like the scanner's",
        ),
        _res(
            A1,
            "us-east-1",
            "ecs-cluster",
            "defender-for-containers-va",
            "delete",
            "cluster name",
            3,
        ),
        _res(
            A1,
            "eu-central-1",
            "iam-role",
            "DefenderForContainersVaRole",
            "keep",
            "look-alike: IAM roles are never deleted; remove it by hand if unused",
        ),
        _res(A2, "us-east-1", "subnet", "subnet-0aa", "delete", "10.0.1.0/24 in the Trivy VPC", 7),
        _res(
            A2,
            "us-east-1",
            "vpc",
            "vpc-0bbb",
            "keep",
            "holds an EC2 instance the scanner did not create\nnothing in it is deleted",
        ),
    ],
}


def _apply_doc() -> dict[str, Any]:
    doc = copy.deepcopy(PLAN)
    doc["command"] = "apply"
    doc["errors"] = []
    statuses = {
        "vpc-0abc": ("failed", "DependencyViolation: vpc-0abc has dependencies"),
        "igw-0def": ("already-gone", None),
    }
    for item in doc["resources"]:
        if item["action"] == "delete":
            item["status"], item["error"] = statuses.get(item["id"], ("deleted", None))
        else:
            item["status"], item["error"] = "skipped", None
    doc["summary"] = {"delete": 5, "keep": 3, "deleted": 3, "already-gone": 1, "failed": 1}
    return doc


def _write(tmp_path: Path, doc: Any, name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def sections(markdown: str) -> dict[str, list[dict[str, str]]]:
    """Each `###` heading with its table rows as dicts keyed by the table's header."""
    out: dict[str, list[dict[str, str]]] = {}
    heading, header = None, None
    for line in markdown.splitlines():
        if line.startswith("### "):
            heading, header = line[4:], None
            out[heading] = []
        elif heading and line.startswith("|") and not line.startswith("|---"):
            if header is None:
                header = _cells(line)
            else:
                out[heading].append(dict(zip(header, _cells(line), strict=True)))
    return out


def _render(
    tmp_path: Path, doc: Any, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    rc = plan_summary.main([str(_write(tmp_path, doc)), *args])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def test_plan_groups_per_account_and_region_deletes_in_order_then_keeps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, err = _render(tmp_path, PLAN, capsys=capsys)
    assert (rc, err) == (0, "")
    groups = sections(out)
    us1 = groups[f"Account {A1} · us-east-1"]
    assert [(r["#"], r["action"], r["id"]) for r in us1] == [
        ("1", "delete", "`defender-for-containers-va-123`"),
        ("2", "delete", "`defender-for-containers-va`"),
        ("3", "delete", "`igw-0def`"),
        ("4", "delete", "`vpc-0abc`"),
        ("", "keep", "`defender-for-containers-vault-logs`"),
    ]
    assert us1[-1]["reason"] == "name only looks like the scanner's"
    assert [r["id"] for r in groups[f"Account {A2} · us-east-1"]] == ["`subnet-0aa`", "`vpc-0bbb`"]
    eu1 = groups[f"Account {A1} · eu-central-1"]
    assert eu1 == [
        {
            "#": "",
            "action": "keep",
            "kind": "iam-role",
            "id": "`DefenderForContainersVaRole`",
            "reason": "look-alike: IAM roles are never deleted; remove it by hand if unused",
        }
    ]
    # Plans have no status/error columns.
    assert "status" not in us1[0]


def test_plan_headline_counts_and_groups_with_deletes_come_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _render(tmp_path, PLAN, capsys=capsys)
    assert out.startswith("## Trivy scanner leftovers: plan\n")
    assert "**5 to delete**, 3 kept, **1 error** (2 accounts) · created 2026-11-28T12:00:00Z" in out
    headings = [line[4:] for line in out.splitlines() if line.startswith("### ")]
    assert headings == [
        "Errors",
        f"Account {A1} · us-east-1",
        f"Account {A2} · us-east-1",
        f"Account {A1} · eu-central-1",
    ]


def test_errors_and_multiline_reasons_stay_inside_their_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _render(tmp_path, PLAN, capsys=capsys)
    groups = sections(out)
    assert groups["Errors"] == [
        {
            "account": A2,
            "region": "eu-central-1",
            "error": "AccessDenied on ec2:DescribeVpcs | check the role's policy",
        }
    ]
    kept_vpc = groups[f"Account {A2} · us-east-1"][1]
    assert kept_vpc["reason"] == (
        "holds an EC2 instance the scanner did not create nothing in it is deleted"
    )


def test_apply_result_shows_status_and_error_per_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out, _ = _render(tmp_path, _apply_doc(), capsys=capsys)
    assert rc == 0
    assert out.startswith("## Trivy scanner leftovers: apply\n")
    assert "3 deleted, 1 already-gone, 1 failed, 3 kept (2 accounts)" in out
    rows = {r["id"]: r for r in sections(out)[f"Account {A1} · us-east-1"]}
    assert rows["`vpc-0abc`"]["status"] == "failed"
    assert rows["`vpc-0abc`"]["error"] == "DependencyViolation: vpc-0abc has dependencies"
    assert rows["`igw-0def`"]["status"] == "already-gone"
    assert rows["`defender-for-containers-va-123`"]["status"] == "deleted"
    assert rows["`defender-for-containers-vault-logs`"]["status"] == "skipped"
    assert "Errors" not in sections(out)


def test_missing_optional_fields_are_tolerated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = {
        "format": "defender-migrate/plan",
        "version": 1,
        "resources": [
            {
                "account": A1,
                "region": "us-east-1",
                "kind": "vpc",
                "id": "vpc-1",
                "action": "delete",
            },
            {
                "account": A1,
                "region": "us-east-1",
                "kind": "s3-bucket",
                "id": "b-1",
                "action": "delete",
                "order": 2,
            },
            {
                "account": A1,
                "region": "us-east-1",
                "kind": "subnet",
                "id": "subnet-1",
                "action": "delete",
                "order": 1,
                "reason": None,
            },
        ],
    }
    rc, out, err = _render(tmp_path, doc, capsys=capsys)
    assert (rc, err) == (0, "")
    rows = sections(out)[f"Account {A1} · us-east-1"]
    # Resources without an order come after those with one.
    assert [r["id"] for r in rows] == ["`subnet-1`", "`b-1`", "`vpc-1`"]
    assert "**3 to delete**, 0 kept (1 account)" in out
    assert "created" not in out


def test_nothing_found_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {
        "format": "defender-migrate/plan",
        "version": 1,
        "command": "plan",
        "summary": {"delete": 0, "keep": 0},
        "errors": [],
        "resources": [],
    }
    rc, out, _ = _render(tmp_path, doc, capsys=capsys)
    assert rc == 0
    assert "nothing to delete, 0 kept (0 accounts)" in out
    assert "No Trivy scanner resources or look-alikes were found." in out


def test_title_option_replaces_the_heading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _render(tmp_path, PLAN, "--title", "Nightly plan", capsys=capsys)
    assert out.startswith("## Nightly plan\n")


def test_large_documents_are_cut_at_a_group_boundary_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = copy.deepcopy(PLAN)
    doc["errors"] = []
    doc["resources"] = [
        _res(
            f"{n:012d}",
            "us-east-1",
            "s3-bucket",
            f"defender-for-containers-va-{n}",
            "delete",
            "name starts with defender-for-containers-va",
            1,
        )
        for n in range(200)
    ]
    full = plan_summary.render(plan_summary.parse(doc))
    rc, out, _ = _render(tmp_path, doc, "--max-bytes", "4000", capsys=capsys)
    assert rc == 0
    assert len(out.encode()) < 4500 < len(full.encode())
    shown = len([line for line in out.splitlines() if line.startswith("### Account")])
    assert 0 < shown < 200
    assert f"_{200 - shown} more account/region groups not shown" in out
    # Every group shown is complete: its one row made it.
    assert len(sections(out)) == shown
    assert all(len(rows) == 1 for rows in sections(out).values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not json", "not JSON (line 1, column 1"),
        ("[1, 2]", "not a defender-migrate plan (the document is not a JSON object)"),
        (json.dumps({"resources": []}), "format is missing"),
        (
            json.dumps({"format": "terraform-plan", "version": 1, "resources": []}),
            "format is 'terraform-plan'",
        ),
        (
            json.dumps({"format": "defender-migrate/plan", "version": 7, "resources": []}),
            "plan version 7 is not supported (supported: 1)",
        ),
        (
            json.dumps({"format": "defender-migrate/plan", "version": 1, "resources": {}}),
            "'resources' is not a list",
        ),
        (
            json.dumps(
                {
                    "format": "defender-migrate/plan",
                    "version": 1,
                    "resources": [{"account": A1, "region": "us-east-1", "kind": "vpc"}],
                }
            ),
            "resources[0] lacks id, action",
        ),
        (
            json.dumps({"format": "defender-migrate/plan", "version": 1, "resources": ["vpc-1"]}),
            "resources[0] is not an object",
        ),
        (
            json.dumps({"format": "defender-migrate/plan", "version": 1, "resources": [
                {"account": A1, "region": "us-east-1", "kind": "vpc", "id": "vpc-1",
                 "action": "destroy"}]}),
            "resources[0]: 'destroy' is not a valid Action",
        ),
        (
            json.dumps({"format": "defender-migrate/plan", "version": 1, "resources": [
                {"account": A1, "region": "us-east-1", "kind": "vpc", "id": "vpc-1",
                 "action": "delete", "status": "exploded"}]}),
            "resources[0]: 'exploded' is not a valid Status",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    rc, out, err = _render(tmp_path, content, capsys=capsys)
    assert rc == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"plan_summary.py: error: {tmp_path / 'plan.json'}: ")
    assert message in err


def test_text_that_is_not_utf8_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b'\xff{"format": "defender-migrate/plan"}')
    assert plan_summary.main([str(path)]) == 1
    assert capsys.readouterr().err == (
        f"plan_summary.py: error: {path}: not JSON (not UTF-8 text: invalid start byte at "
        "byte 0); was defender-migrate run with --output json?\n")


def test_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = plan_summary.main([str(tmp_path / "absent.json")])
    err = capsys.readouterr().err
    assert rc == 1
    assert err == f"plan_summary.py: error: {tmp_path / 'absent.json'}: file not found\n"


def test_runs_as_a_script_as_the_workflow_calls_it(tmp_path: Path) -> None:
    plan = _write(tmp_path, PLAN)
    ok = subprocess.run(
        [sys.executable, "scripts/plan_summary.py", str(plan)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert f"### Account {A1} · us-east-1" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "scripts/plan_summary.py", str(_write(tmp_path, "{"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1


def test_reads_the_documents_defender_migrate_itself_builds() -> None:
    # The tool's own document builder: a change of its format or version fails here first.
    from migrate import document
    from migrate.model import FORMAT, VERSION, Action, Resource, ScanError, Status, Targets

    assert plan_summary.PLAN_FORMAT == FORMAT
    assert VERSION in plan_summary.SUPPORTED_VERSIONS
    targets = Targets(["us-east-1"], [A1], None)
    resources = [
        Resource(A1, "us-east-1", "vpc", "vpc-0abc", Action.DELETE, "tagged, 10.0.0.0/16", order=9),
        Resource(
            A1,
            "us-east-1",
            "ecs-cluster",
            "defender-for-containers-va",
            Action.DELETE,
            "cluster name",
            order=3,
        ),
        Resource(A1, "global", "iam-role", "TrivyRole", Action.KEEP, "look-alike"),
    ]
    errors = [ScanError(A1, "eu-central-1", "AccessDenied")]
    plan = plan_summary.render(
        plan_summary.parse(
            json.loads(json.dumps(document.build("plan", targets, resources, errors)))
        )
    )
    rows = sections(plan)[f"Account {A1} · us-east-1"]
    assert [r["id"] for r in rows] == ["`defender-for-containers-va`", "`vpc-0abc`"]
    assert sections(plan)["Errors"][0]["error"] == "AccessDenied"

    resources[0].status, resources[0].error = Status.FAILED, "DependencyViolation"
    resources[1].status = Status.DELETED
    resources[2].status = Status.SKIPPED
    applied = plan_summary.render(
        plan_summary.parse(json.loads(json.dumps(document.build("apply", targets, resources, []))))
    )
    assert "1 deleted, 1 failed, 1 kept (1 account)" in applied
    rows = sections(applied)[f"Account {A1} · us-east-1"]
    assert [(r["status"], r["error"]) for r in rows] == [
        ("deleted", ""),
        ("failed", "DependencyViolation"),
    ]
