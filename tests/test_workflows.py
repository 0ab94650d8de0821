"""The GitHub Actions workflows: schema-valid, and the promises of issue #5 hold.

A careless edit (dropping the PR comment, the OIDC permission, a plan flag, the approval gate)
must fail here rather than in a pull request weeks later.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("tests", "preview", "up", "migrate-plan")
# `uses: owner/repo@<commit SHA> # vX.Y.Z`: the commit is what runs, the comment what it is.
PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})"
                 r" # (?P<version>v\d+\.\d+\.\d+)$")
USES = re.compile(r"^\s*(?:-\s+)?uses:")
# docs/reference.md §8 could not resolve azure/login's newest tag: it keeps its earlier pin.
UNRESOLVED = {"azure/login": ("a457da9ea143d694b1b9c7c869ebb04ebe844ef5", "v2.3.0")}
STACK_PATHS = ["stacks/**", "Pulumi*.yaml", "pyproject.toml"]


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text())
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # PyYAML reads YAML 1.1, where the bare key `on` is the boolean True.
    on = workflow["on"] if "on" in workflow else workflow[True]  # type: ignore[index]
    assert isinstance(on, dict)
    return on


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def one_step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    found = steps_using(job, action)
    assert len(found) == 1, f"expected one {action} step, found {len(found)}"
    return found[0]


def step_named(job: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in job["steps"] if s.get("name") == name]
    assert len(found) == 1, f"expected one step named {name!r}"
    return found[0]


def all_steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name in NAMES:
        for job_id, job in load(name)["jobs"].items():
            for step in job.get("steps", []):
                yield name, job_id, step


def test_the_four_workflows_exist_and_nothing_else() -> None:
    assert sorted(p.stem for p in WORKFLOWS.glob("*.y*ml")) == sorted(NAMES)


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_are_valid_against_the_github_workflow_schema() -> None:
    result = _check_jsonschema(*(WORKFLOWS / f"{name}.yml" for name in NAMES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    # Proves the check above can fail: a typo'd permission value is not a workflow.
    text = (WORKFLOWS / "preview.yml").read_text().replace("id-token: write", "id-token: admin")
    broken = tmp_path / "preview.yml"
    broken.write_text(text)
    assert _check_jsonschema(broken).returncode != 0


def pin_problems(text: str) -> list[str]:
    """Lines with `uses:` that are not `owner/repo@<40-hex SHA> # vX.Y.Z`."""
    return [line.strip() for line in text.splitlines() if USES.match(line) and not PIN.match(line)]


def pins() -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for name in NAMES:
        for line in (WORKFLOWS / f"{name}.yml").read_text().splitlines():
            match = PIN.match(line)
            if match:
                found.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    return found


def verified_pins() -> dict[str, tuple[str, str]]:
    """The table of docs/reference.md §8: action -> (commit, tag)."""
    text = (ROOT / "docs" / "reference.md").read_text()
    section = text[text.index("## 8."):]
    rows = re.findall(r"^\| `([\w./-]+)` \| (v\d+\.\d+\.\d+) \| `([0-9a-f]{40})` \|",
                      section, re.MULTILINE)
    return {action: (sha, version) for action, version, sha in rows}


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    for name in NAMES:
        assert pin_problems((WORKFLOWS / f"{name}.yml").read_text()) == [], name


def test_the_pin_check_rejects_tags_short_shas_and_missing_versions() -> None:
    bad = """
      - uses: pulumi/actions@v7
      - uses: actions/checkout@3d3c42e # v7.0.1
        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
"""
    assert len(pin_problems(bad)) == 4


def test_pins_are_the_verified_newest_releases_and_agree_across_workflows() -> None:
    verified = verified_pins()
    assert len(verified) == 6
    used = pins()
    for action, found in used.items():
        assert len(found) == 1, f"{action} is pinned to different commits: {found}"
        expected = verified.get(action) or UNRESOLVED[action]
        assert found == {expected}, action
    # Every verified action the workflows need is used (none silently dropped).
    assert set(verified) <= set(used)


def test_dependabot_keeps_actions_and_python_dependencies_current() -> None:
    path = ROOT / ".github" / "dependabot.yml"
    config = yaml.safe_load(path.read_text())
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(ecosystems) == {"github-actions", "pip"}
    assert all(u["directory"] == "/" for u in ecosystems.values())
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.dependabot",
         str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_permissions_are_empty_by_default_and_least_per_job() -> None:
    expected = {
        ("tests", "test"): {"contents": "read"},
        ("preview", "stacks"): {"contents": "read"},
        ("preview", "preview"): {"contents": "read", "id-token": "write", "pull-requests": "write"},
        ("preview", "offline-preview"): {"contents": "read"},
        ("up", "stacks"): {"contents": "read"},
        ("up", "up"): {"contents": "read", "id-token": "write"},
        ("migrate-plan", "plan"): {"contents": "read", "id-token": "write"},
        ("migrate-plan", "apply"): {"contents": "read", "id-token": "write"},
    }
    actual = {}
    for name in NAMES:
        workflow = load(name)
        assert workflow["permissions"] == {}, name
        for job_id, job in workflow["jobs"].items():
            actual[(name, job_id)] = job["permissions"]
    assert actual == expected


def test_no_long_lived_cloud_credentials() -> None:
    forbidden = {
        "aws-access-key-id",
        "aws-secret-access-key",
        "aws-session-token",
        "creds",
        "client-secret",
    }
    for name, job_id, step in all_steps():
        assert not forbidden & set(step.get("with", {})), f"{name}/{job_id}: {step}"
        for env_name in step.get("env", {}):
            assert not env_name.startswith(("AWS_ACCESS_KEY", "AWS_SECRET", "ARM_CLIENT_SECRET"))
    for name in NAMES:
        text = (WORKFLOWS / f"{name}.yml").read_text()
        assert not re.search(r"secrets\.(AWS_|AZURE_|ARM_)", text), name


def test_checkouts_do_not_keep_the_token() -> None:
    checkouts = [s for _, _, s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


# --- tests ------------------------------------------------------------------------------------


def test_tests_workflow_runs_the_readme_command_on_each_supported_python() -> None:
    workflow = load("tests")
    assert set(triggers(workflow)) == {"push", "pull_request"}
    job = workflow["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    setup = one_step_using(job, "actions/setup-python")
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"
    runs = [s["run"].strip() for s in job["steps"] if "run" in s]
    assert runs == ["python3 scripts/dev.py test"]
    assert "python3 scripts/dev.py test" in (ROOT / "README.md").read_text()


# --- preview / up -----------------------------------------------------------------------------


def _stack_job_contract(workflow: dict[str, Any], job_id: str) -> dict[str, Any]:
    lister = workflow["jobs"]["stacks"]
    assert any(
        "scripts/list_stacks.py" in s.get("run", "") and "GITHUB_OUTPUT" in s["run"]
        for s in lister["steps"]
    )
    job = workflow["jobs"][job_id]
    assert job["needs"] == "stacks"
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert "needs.stacks.outputs.stacks != '[]'" in job["if"]
    install = " ".join(s.get("run", "") for s in job["steps"])
    assert "python -m venv .venv" in install
    assert '.venv/bin/python -m pip install -e ".[stacks]"' in install
    azure = one_step_using(job, "azure/login")["with"]
    assert set(azure) == {"client-id", "tenant-id", "subscription-id"}
    assert job["env"]["ARM_USE_OIDC"] == "true"
    aws = one_step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    pulumi = one_step_using(job, "pulumi/actions")
    assert "matrix.stack" in pulumi["with"]["stack-name"]
    assert pulumi["with"]["refresh"] is True
    assert pulumi["with"]["diff"] is True
    # Credentials first, then Pulumi.
    order = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert order.index("pulumi/actions") > order.index("azure/login")
    assert order.index("pulumi/actions") > order.index("aws-actions/configure-aws-credentials")
    return pulumi


def test_preview_runs_on_pull_requests_touching_the_stacks() -> None:
    on = triggers(load("preview"))
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["paths"] == STACK_PATHS


def test_preview_comments_the_preview_of_every_stack_on_the_pull_request() -> None:
    workflow = load("preview")
    pulumi = _stack_job_contract(workflow, "preview")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    assert workflow["jobs"]["preview"]["permissions"]["id-token"] == "write"
    assert workflow["jobs"]["preview"]["permissions"]["pull-requests"] == "write"


def test_a_new_push_cancels_the_running_preview() -> None:
    concurrency = load("preview")["concurrency"]
    assert concurrency["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in concurrency["group"]


def test_up_runs_after_merge_to_main_for_the_same_stacks_behind_an_environment() -> None:
    workflow = load("up")
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert on["push"]["paths"] == STACK_PATHS
    pulumi = _stack_job_contract(workflow, "up")
    assert pulumi["with"]["command"] == "up"
    job = workflow["jobs"]["up"]
    assert job["environment"] == "pulumi-${{ matrix.stack }}"
    assert job["concurrency"]["cancel-in-progress"] is False
    assert "matrix.stack" in job["concurrency"]["group"]
    preview = load("preview")["jobs"]["preview"]
    assert (
        one_step_using(preview, "pulumi/actions")["with"]["stack-name"]
        == pulumi["with"]["stack-name"]
    )


# --- migrate-plan -----------------------------------------------------------------------------


def test_migrate_plan_is_manual_and_scheduled_with_an_apply_switch() -> None:
    on = triggers(load("migrate-plan"))
    assert set(on) == {"schedule", "workflow_dispatch"}
    assert on["schedule"][0]["cron"]
    apply_input = on["workflow_dispatch"]["inputs"]["apply"]
    assert apply_input["type"] == "boolean"
    assert apply_input["default"] is False
    assert load("migrate-plan")["concurrency"]["cancel-in-progress"] is False


def test_plan_job_runs_the_plan_with_the_contracted_flags() -> None:
    job = load("migrate-plan")["jobs"]["plan"]
    assert job["permissions"]["id-token"] == "write"
    aws = one_step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.MIGRATE_PLAN_ROLE_ARN }}"
    run = step_named(job, "defender-migrate trivy plan")["run"]
    command = next(line.strip() for line in run.splitlines() if "defender-migrate" in line)
    assert command.startswith("defender-migrate --output json trivy plan ")
    assert "--detailed-exitcode" in command.split()
    assert "--out plan.json" in command
    assert '"${targets[@]}"' in command
    for variable in (
        "MIGRATE_REGIONS",
        "MIGRATE_ACCOUNTS",
        "MIGRATE_ORGANIZATION",
        "MIGRATE_ROLE_NAME",
    ):
        assert job["env"][variable] == f"${{{{ vars.{variable} }}}}"


def test_plan_job_uploads_the_plan_and_writes_the_job_summary() -> None:
    job = load("migrate-plan")["jobs"]["plan"]
    upload = one_step_using(job, "actions/upload-artifact")
    assert upload["with"]["name"] == "trivy-plan"
    assert upload["with"]["path"] == "plan.json"
    assert "!cancelled()" in upload["if"]
    summary = step_named(job, "Summary")
    assert summary["run"].strip() == (
        'python scripts/plan_summary.py plan.json >> "$GITHUB_STEP_SUMMARY"'
    )
    assert "!cancelled()" in summary["if"]
    assert job["outputs"]["exit-code"] == "${{ steps.plan.outputs.exit-code }}"
    names = [s.get("name") for s in job["steps"]]
    assert names.index("Verdict") == len(names) - 1


def test_migrate_jobs_install_the_project_before_their_helper_scripts() -> None:
    # scripts/plan_summary.py reads the document through migrate.document (jsonschema and the
    # rest of the package's dependencies): it runs only after the install step.
    jobs = load("migrate-plan")["jobs"]
    for job, helpers in (("plan", ("Targets from the repository variables", "Summary")),
                         ("apply", ("Summary",))):
        names = [s.get("name") for s in jobs[job]["steps"]]
        assert step_named(jobs[job], "Install defender-migrate")["run"] == (
            "python -m pip install .")
        for helper in helpers:
            assert names.index("Install defender-migrate") < names.index(helper), (job, helper)


def test_apply_job_consumes_that_plan_behind_an_approval() -> None:
    workflow = load("migrate-plan")
    job = workflow["jobs"]["apply"]
    assert job["needs"] == "plan"
    assert job["environment"] == "trivy-cleanup"
    condition = " ".join(job["if"].split())
    for part in (
        "!cancelled()",
        "github.event_name == 'workflow_dispatch'",
        "inputs.apply",
        "needs.plan.outputs.exit-code == '2'",
    ):
        assert part in condition
    download = one_step_using(job, "actions/download-artifact")
    plan_upload = one_step_using(workflow["jobs"]["plan"], "actions/upload-artifact")
    assert download["with"]["name"] == plan_upload["with"]["name"]
    check = step_named(job, "Check it is the plan the plan job wrote")
    assert check["env"]["SHA256"] == "${{ needs.plan.outputs.sha256 }}"
    aws = one_step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.MIGRATE_APPLY_ROLE_ARN }}"
    run = step_named(job, "defender-migrate trivy apply")["run"]
    command = next(line.strip() for line in run.splitlines() if "defender-migrate" in line)
    assert command.startswith("defender-migrate --output json trivy apply plan.json --yes ")
    assert "--audit-log defender-migrate-audit.jsonl" in command
    assert command.endswith("> apply.json")
    upload = one_step_using(job, "actions/upload-artifact")["with"]
    assert upload["path"].split() == ["apply.json", "defender-migrate-audit.jsonl"]
    assert "!cancelled()" in one_step_using(job, "actions/upload-artifact")["if"]
    order = [s.get("name") or s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert order.index("Check it is the plan the plan job wrote") < order.index(
        "defender-migrate trivy apply"
    )


@pytest.mark.parametrize("name", NAMES)
def test_jobs_have_timeouts(name: str) -> None:
    for job_id, job in load(name)["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{name}/{job_id}"


def test_forks_get_the_offline_preview_and_nothing_that_needs_secrets() -> None:
    jobs = load("preview")["jobs"]
    fork = "github.event.pull_request.head.repo.full_name != github.repository"
    own = "github.event.pull_request.head.repo.full_name == github.repository"
    assert own in jobs["preview"]["if"]
    assert fork not in jobs["preview"]["if"]
    offline = jobs["offline-preview"]
    assert fork in offline["if"]
    assert "needs.stacks.outputs.stacks != '[]'" in offline["if"]
    assert offline["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    text = yaml.safe_dump(offline)
    assert "secrets." not in text
    assert "vars." not in text
    assert [s for s in offline["steps"] if "azure/login" in s.get("uses", "")
            or "configure-aws-credentials" in s.get("uses", "")] == []
    run = step_named(offline, "Offline preview")["run"]
    assert 'python -m stacks.offline "Pulumi.$STACK.yaml"' in run
    assert "GITHUB_STEP_SUMMARY" in run
