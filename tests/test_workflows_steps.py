"""Run the workflows' own shell steps, as GitHub's runner does, against a recording fake command.

The fake `defender-migrate` stands in for the real one only to observe the workflow's glue: the
exact arguments it passes, how it treats each exit code, and what it hands to the next step.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPTS = ("list_stacks.py", "migrate_targets.py", "plan_summary.py", "gcp_oidc_credentials.py")
# What those entry points import. The stack list and the Google sign-in run before anything is
# installed: only their own modules. The migrate-plan jobs install the project first (their
# python has its dependencies), and the summary reads plans through migrate.document.
MODULES = ("stacks/__init__.py", "stacks/ci/__init__.py", "stacks/ci/stack_files.py",
           "stacks/ci/gcp_credentials.py", "devtools/__init__.py", "devtools/venv.py")
PACKAGES = ("migrate",)

FAKE = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_ARGV"], "a") as f:
        f.write(json.dumps(args) + "\\n")
    doc = json.dumps({{"format": "defender-migrate/plan", "version": 1, "resources": []}})
    if "--out" in args:
        with open(args[args.index("--out") + 1], "w") as f:
            f.write(doc)
    print(doc)
    sys.exit(int(os.environ.get("FAKE_RC", "0")))
    """
)


def step(workflow: str, job: str, name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / f"{workflow}.yml").read_text())
    found: list[dict[str, Any]] = [s for s in data["jobs"][job]["steps"] if s.get("name") == name]
    assert len(found) == 1, f"{workflow}/{job}: expected one step named {name!r}"
    return found[0]


class Runner:
    """A workspace like the runner's: the repository's scripts, a fake command, GITHUB_OUTPUT."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        (workspace / "scripts").mkdir()
        for script in SCRIPTS:
            shutil.copy(ROOT / "scripts" / script, workspace / "scripts" / script)
        for module in MODULES:
            (workspace / module).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / module, workspace / module)
        for package in PACKAGES:
            shutil.copytree(ROOT / package, workspace / package,
                            ignore=shutil.ignore_patterns("__pycache__"))
        bin_dir = workspace / "_bin"
        bin_dir.mkdir()
        fake = bin_dir / "defender-migrate"
        fake.write_text(FAKE.format(python=sys.executable))
        fake.chmod(0o755)
        for alias in ("python", "python3"):
            (bin_dir / alias).symlink_to(sys.executable)
        self.argv_log = workspace / "_argv.jsonl"
        self.output = workspace / "_github_output"
        self.summary = workspace / "_step_summary"
        self.path = f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin"

    def run(
        self, workflow: str, job: str, name: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        spec = step(workflow, job, name)
        # GitHub's default shell for `run` on Linux runners.
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", spec["run"]],
            cwd=self.workspace,
            capture_output=True,
            text=True,
            check=False,
            env={
                "PATH": self.path,
                "GITHUB_OUTPUT": str(self.output),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "FAKE_ARGV": str(self.argv_log),
                "GITHUB_ACTIONS": "true",
                **(env or {}),
            },
        )

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.argv_log.read_text().splitlines()]

    def outputs(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in self.output.read_text().splitlines())
        return dict(pairs)


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(tmp_path)


def test_stack_list_step_outputs_each_committed_stack_file(runner: Runner) -> None:
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml"):
        (runner.workspace / name).write_text("{}\n")
    for workflow in ("preview", "up"):
        runner.output.write_text("")
        result = runner.run(
            workflow, "stacks", "One matrix entry per committed Pulumi.<stack>.yaml"
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(runner.outputs()["stacks"]) == ["dev", "prod"]


@pytest.mark.parametrize("rc", [0, 1, 2, 3, 130])
def test_plan_step_passes_targets_and_flags_and_records_the_exit_code(
    runner: Runner, rc: int
) -> None:
    targets = runner.run(
        "migrate-plan",
        "plan",
        "Targets from the repository variables",
        env={
            "MIGRATE_REGIONS": "us-east-1, eu-central-1",
            "MIGRATE_ACCOUNTS": "111111111111,222222222222",
            "MIGRATE_ROLE_NAME": "TrivyCleanup",
        },
    )
    assert targets.returncode == 0, targets.stderr
    result = runner.run(
        "migrate-plan", "plan", "defender-migrate trivy plan", env={"FAKE_RC": str(rc)}
    )
    # The step itself never fails: the verdict comes after the summary and the upload.
    assert result.returncode == 0, result.stderr
    assert runner.calls() == [
        [
            "--output",
            "json",
            "trivy",
            "plan",
            "--regions",
            "us-east-1,eu-central-1",
            "--accounts",
            "111111111111,222222222222",
            "--role-name",
            "TrivyCleanup",
            "--detailed-exitcode",
            "--out",
            "plan.json",
        ]
    ]
    plan = (runner.workspace / "plan.json").read_bytes()
    assert runner.outputs() == {"exit-code": str(rc), "sha256": hashlib.sha256(plan).hexdigest()}


def test_plan_step_without_targeting_variables_passes_no_empty_argument(runner: Runner) -> None:
    targets = runner.run("migrate-plan", "plan", "Targets from the repository variables")
    assert targets.returncode == 0
    assert runner.run("migrate-plan", "plan", "defender-migrate trivy plan").returncode == 0
    assert runner.calls() == [
        ["--output", "json", "trivy", "plan", "--detailed-exitcode", "--out", "plan.json"]
    ]


def test_bad_targeting_variables_stop_the_job_with_an_annotation(runner: Runner) -> None:
    result = runner.run(
        "migrate-plan",
        "plan",
        "Targets from the repository variables",
        env={"MIGRATE_ACCOUNTS": "111111111111"},
    )
    assert result.returncode != 0
    assert result.stderr.startswith("::error::migrate_targets.py: MIGRATE_ROLE_NAME: ")


def test_summary_step_appends_the_markdown_to_the_job_summary(runner: Runner) -> None:
    (runner.workspace / "plan.json").write_text(
        json.dumps(
            {
                "format": "defender-migrate/plan",
                "version": 1,
                "command": "plan",
                "resources": [
                    {
                        "account": "111111111111",
                        "region": "us-east-1",
                        "kind": "vpc",
                        "id": "vpc-1",
                        "action": "delete",
                        "reason": "tagged",
                        "order": 9,
                    }
                ],
            }
        )
    )
    runner.summary.write_text("earlier step\n")
    result = runner.run("migrate-plan", "plan", "Summary")
    assert result.returncode == 0, result.stderr
    text = runner.summary.read_text()
    assert text.startswith("earlier step\n## Trivy scanner leftovers: plan\n")
    assert "| 1 | delete | vpc | `vpc-1` | tagged |" in text


@pytest.mark.parametrize(
    ("rc", "apply", "fails", "message"),
    [
        ("0", "false", False, "nothing to delete"),
        ("2", "false", True, "run this workflow with 'apply' to delete them"),
        ("2", "true", True, "the apply job waits for approval in the trivy-cleanup environment"),
        ("1", "false", True, "plan failed (exit code 1)"),
        ("3", "true", True, "plan failed (exit code 3)"),
        ("", "false", True, "plan failed (exit code )"),
    ],
)
def test_plan_verdict_fails_when_leftovers_exist_or_on_error(
    runner: Runner, rc: str, apply: str, fails: bool, message: str
) -> None:
    result = runner.run("migrate-plan", "plan", "Verdict", env={"RC": rc, "APPLY": apply})
    assert (result.returncode != 0) == fails
    assert message in result.stdout
    if fails:
        assert result.stdout.startswith("::error::")


def test_apply_refuses_a_plan_that_is_not_the_one_planned(runner: Runner) -> None:
    plan = runner.workspace / "plan.json"
    plan.write_text('{"format": "defender-migrate/plan"}')
    good = hashlib.sha256(plan.read_bytes()).hexdigest()
    name = "Check it is the plan the plan job wrote"
    assert runner.run("migrate-plan", "apply", name, env={"SHA256": good}).returncode == 0
    plan.write_text('{"format": "defender-migrate/plan", "tampered": true}')
    assert runner.run("migrate-plan", "apply", name, env={"SHA256": good}).returncode != 0
    plan.unlink()
    assert runner.run("migrate-plan", "apply", name, env={"SHA256": good}).returncode != 0


@pytest.mark.parametrize("rc", [0, 1, 130])
def test_apply_step_runs_the_plan_file_and_keeps_its_json(runner: Runner, rc: int) -> None:
    result = runner.run(
        "migrate-plan", "apply", "defender-migrate trivy apply", env={"FAKE_RC": str(rc)}
    )
    assert result.returncode == 0, result.stderr
    assert runner.calls() == [
        [
            "--output",
            "json",
            "trivy",
            "apply",
            "plan.json",
            "--yes",
            "--audit-log",
            "defender-migrate-audit.jsonl",
        ]
    ]
    assert json.loads((runner.workspace / "apply.json").read_text())["format"] == (
        "defender-migrate/plan"
    )
    assert runner.outputs() == {"exit-code": str(rc)}
    verdict = runner.run("migrate-plan", "apply", "Verdict", env={"RC": str(rc)})
    assert (verdict.returncode != 0) == (rc != 0)


def with_checkout_of_stacks(runner: Runner) -> None:
    """The job checks out the repository: the whole Pulumi program, not just stack_files.py."""
    shutil.copytree(ROOT / "stacks", runner.workspace / "stacks", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))


# The step after "Install the project": a python that has the project's dependencies.
INSTALLED = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin{os.pathsep}/bin"}


@pytest.mark.parametrize("example", ["aws-account", "policy-management-group", "gcp-project"])
def test_offline_preview_step_puts_the_rendering_in_the_summary(runner: Runner,
                                                                example: str) -> None:
    with_checkout_of_stacks(runner)
    shutil.copy(ROOT / "examples" / f"Pulumi.{example}.yaml", runner.workspace / "Pulumi.fork.yaml")
    result = runner.run("preview", "offline-preview", "Offline preview",
                        env={"STACK": "fork", **INSTALLED})
    assert result.returncode == 0, result.stderr
    summary = runner.summary.read_text()
    assert summary.startswith("## Offline preview of `fork`\n")
    assert "Offline preview of stack 'fork' (Pulumi.fork.yaml)" in summary
    assert summary.rstrip().endswith("```")
    kind = {"aws": "defender:aws:Connector", "gcp": "defender:gcp:GcpConnector"}.get(
        example[:3], "defender:policy:ContainersPolicy")
    assert f"{kind}  " in summary


def test_offline_preview_step_fails_on_bad_config_naming_the_key(runner: Runner) -> None:
    with_checkout_of_stacks(runner)
    (runner.workspace / "Pulumi.fork.yaml").write_text(
        "config:\n  defender-containers:aws:\n    accountId: '1234'\n")
    result = runner.run("preview", "offline-preview", "Offline preview",
                        env={"STACK": "fork", **INSTALLED})
    assert result.returncode == 1
    assert "error: defender-containers:aws.accountId: must be a 12-digit" in result.stderr


PROVIDER_NAME = ("projects/123456789012/locations/global/workloadIdentityPools/github/"
                 "providers/github-actions")


@pytest.mark.parametrize("workflow", ["preview", "up"])
def test_google_sign_in_step_points_the_gcp_provider_at_a_keyless_credential_file(
        runner: Runner, workflow: str) -> None:
    temp = runner.workspace / "runner-temp"
    temp.mkdir()
    github_env = runner.workspace / "github-env"
    job = "preview" if workflow == "preview" else "up"
    spec = step(workflow, job, "Sign in to Google Cloud (OIDC)")
    assert spec["if"] == "vars.GCP_WORKLOAD_IDENTITY_PROVIDER != ''"
    result = runner.run(workflow, job, "Sign in to Google Cloud (OIDC)", env={
        "RUNNER_TEMP": str(temp), "GITHUB_ENV": str(github_env),
        "GCP_WORKLOAD_IDENTITY_PROVIDER": PROVIDER_NAME,
        "GCP_SERVICE_ACCOUNT": "pulumi@ci-project.iam.gserviceaccount.com",
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/req?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer"})
    assert result.returncode == 0, result.stderr
    path = temp / "gcp-credentials.json"
    assert github_env.read_text() == f"GOOGLE_APPLICATION_CREDENTIALS={path}\n"
    assert path.stat().st_mode & 0o777 == 0o600
    document = json.loads(path.read_text())
    assert document["type"] == "external_account"
    assert document["audience"] == f"//iam.googleapis.com/{PROVIDER_NAME}"
    assert document["service_account_impersonation_url"].endswith(
        "/serviceAccounts/pulumi@ci-project.iam.gserviceaccount.com:generateAccessToken")
    assert document["credential_source"]["url"] == (
        "https://token.actions.example/req?api-version=2.0&audience="
        "https%3A%2F%2Fiam.googleapis.com%2F" + PROVIDER_NAME.replace("/", "%2F"))
    assert document["credential_source"]["headers"] == {"Authorization": "Bearer runner-bearer"}
    # Before Pulumi runs, in the same job as the other sign-ins.
    steps = yaml.safe_load((WORKFLOWS / f"{workflow}.yml").read_text())["jobs"][job]["steps"]
    names = [s.get("name", "") for s in steps]
    assert names.index("Sign in to Google Cloud (OIDC)") < names.index(f"pulumi {workflow}")


@pytest.mark.parametrize(("env", "problem"), [
    ({"GCP_WORKLOAD_IDENTITY_PROVIDER": "github-actions"}, "GCP_WORKLOAD_IDENTITY_PROVIDER is"),
    ({"GCP_SERVICE_ACCOUNT": "pulumi"}, "GCP_SERVICE_ACCOUNT is 'pulumi'"),
    ({"ACTIONS_ID_TOKEN_REQUEST_TOKEN": ""}, "id-token: write"),
])
def test_google_sign_in_step_fails_in_one_line_naming_what_is_missing(
        runner: Runner, env: dict[str, str], problem: str) -> None:
    good = {"GCP_WORKLOAD_IDENTITY_PROVIDER": PROVIDER_NAME,
            "GCP_SERVICE_ACCOUNT": "pulumi@ci-project.iam.gserviceaccount.com",
            "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/req?x=1",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer"}
    result = runner.run("preview", "preview", "Sign in to Google Cloud (OIDC)", env={
        "RUNNER_TEMP": str(runner.workspace), "GITHUB_ENV": "/dev/null",
        **good, **env})
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("gcp_oidc_credentials.py: error: ")
    assert problem in line
    assert not (runner.workspace / "gcp-credentials.json").exists()
