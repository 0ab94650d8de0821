"""scripts/ holds thin entry points: each answers --help with its usage, exit 0, and does
nothing else; the sandbox serves the Trivy scenario to a hand-run defender-migrate."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))
COMMAND = Path(sys.executable).parent / "defender-migrate"


def test_scripts_are_not_a_package_anyone_imports() -> None:
    assert not (ROOT / "scripts" / "__init__.py").exists()
    pattern = re.compile(r"^\s*(from scripts[ .]|import scripts\b)", re.MULTILINE)
    code = [p for d in ("migrate", "stacks", "localaws", "scripts", "tests")
            for p in (ROOT / d).rglob("*.py")]
    assert [str(p) for p in code if pattern.search(p.read_text())] == []


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_answers_help_and_does_nothing_else(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(script), "--help"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.lstrip().startswith("usage:")
    # Nothing ran: no command echoed by dev.py, no server started, nothing written here.
    assert not [line for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert "moto server at" not in done.stdout
    assert list(tmp_path.iterdir()) == []


def _read_until_ready(process: subprocess.Popen[str], deadline: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line.startswith("sandbox ready"):
            return lines
    raise AssertionError("the sandbox did not get ready:\n" + "\n".join(lines))


@pytest.mark.e2e
def test_sandbox_serves_the_scenario_to_a_hand_run_plan_and_stops_on_ctrl_c(
        tmp_path: Path) -> None:
    # Through dev.py, as the README says, in its own process group like a terminal job, and
    # with SIGINT ignored as a shell starts background jobs: Ctrl-C must still stop it.
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "dev.py"), "sandbox", "--tasks", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )
    try:
        lines = _read_until_ready(process, time.monotonic() + 240)
        shell = [line.strip() for line in lines if line.strip().startswith(("export ", "unset "))]
        assert shell[0].startswith("unset AWS_PROFILE")
        # What a user pastes into another shell, then the command the sandbox suggests.
        script = "\n".join([*shell, "defender-migrate -o json trivy plan --detailed-exitcode"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_PROFILE"] = "someone-elses-profile"  # unset by the printed lines
        plan = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True,
                              check=False, timeout=300, cwd=tmp_path)
        assert plan.returncode == 2, plan.stderr  # leftovers found
        document = json.loads(plan.stdout)
        deletes = {(r["region"], r["kind"]) for r in document["resources"]
                   if r["action"] == "delete"}
        for region in ("us-east-1", "eu-central-1"):
            assert {(region, "s3-bucket"), (region, "ecs-cluster"), (region, "ecs-task"),
                    (region, "vpc")} <= deletes
        assert any(r["action"] == "keep" for r in document["resources"])

        # The README's interruption scenario: apply waits for ECS to release the task ENIs and
        # gives up; the sandbox plays ECS catching up; apply again finishes.
        release = f"{sys.executable} {ROOT / 'scripts' / 'sandbox.py'} release-enis"
        script = "\n".join([
            *shell, "defender-migrate trivy apply --yes --eni-timeout 1 >/dev/null; "
            "echo first=$?", release, "defender-migrate trivy apply --yes >/dev/null; "
            "echo second=$?"])
        runs = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True,
                              check=False, timeout=300, cwd=tmp_path)
        assert "first=1" in runs.stdout, runs.stderr
        assert "ECS released 2 ENI(s) of stopped tasks" in runs.stdout, runs.stderr
        assert "second=0" in runs.stdout, runs.stderr

        # Ctrl-C reaches every process of the foreground group: dev.py and the sandbox.
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert "sandbox stopped." in out
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
