"""scripts/ holds thin entry points: each answers --help with its usage, exit 0, and does
nothing else; the sandbox serves the Trivy scenario to a hand-run defender-migrate."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "scripts").glob("*.py"))
COMMAND = Path(sys.executable).parent / "defender-migrate"
# Options a script's --help must show (was tests/test_bench_org.py's own --help run).
HELP_MENTIONS = {"bench_org.py": ("--accounts", "--latency")}


def test_scripts_are_not_a_package_anyone_imports() -> None:
    assert not (ROOT / "scripts" / "__init__.py").exists()
    pattern = re.compile(r"^\s*(from scripts[ .]|import scripts\b)", re.MULTILINE)
    code = [p for d in ("migrate", "stacks", "localaws", "scripts", "tests")
            for p in (ROOT / d).rglob("*.py")]
    assert [str(p) for p in code if pattern.search(p.read_text())] == []


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A python3 with none of the project's packages, as on a fresh machine (the system
    python3 of this one may have some, of other versions)."""
    home = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True,
                   timeout=120)
    python = home / "bin" / "python"
    done = subprocess.run([str(python), "-c", "import boto3"], capture_output=True, check=False)
    assert done.returncode != 0  # really bare
    return python


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_answers_help_and_does_nothing_else(
        script: Path, bare_python: Path, tmp_path: Path) -> None:
    # Under a python3 without the project's packages (the README's `python3`): those that need
    # them run themselves again with .venv's python.
    assert (ROOT / ".venv" / "bin" / "python").exists(), "run the tests through scripts/dev.py"
    done = subprocess.run([str(bare_python), str(script), "--help"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.lstrip().startswith("usage:")
    for option in HELP_MENTIONS.get(script.name, ()):
        assert option in done.stdout
    # Nothing ran: no command echoed by dev.py, no server started, nothing written here.
    assert not [line for line in done.stdout.splitlines() if line.startswith("+ ")]
    assert "moto server at" not in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_dev_py_names_an_unknown_command(bare_python: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(bare_python), str(ROOT / "scripts" / "dev.py"), "nosuchcmd"],
                          cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert done.stdout.lstrip().startswith("usage:")
    assert done.stderr.splitlines() == [
        "dev.py: error: unknown command 'nosuchcmd'; the commands are test, demo, sandbox, "
        "preview, mutate"]


def test_without_a_venv_a_script_says_in_one_line_how_to_run_it(
        bare_python: Path, tmp_path: Path) -> None:
    # A fresh clone: the script and devtools, no .venv yet.
    (tmp_path / "scripts").mkdir()
    (tmp_path / "devtools").mkdir()
    for name in ("scripts/sandbox.py", "devtools/__init__.py", "devtools/venv.py"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    done = subprocess.run([str(bare_python), "scripts/sandbox.py", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "sandbox.py needs the project's .venv (No module named 'localaws'), which does not "
        "exist yet: run `python3 scripts/dev.py test` (or any dev.py command) to make it, then "
        "`.venv/bin/python scripts/sandbox.py`"]


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


def _dev_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                results: dict[str, int]) -> tuple[Any, list[str]]:
    """scripts/dev.py loaded as a module, its commands recorded instead of run."""
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    ran: list[str] = []

    def run(*cmd: str | Path) -> int:
        line = " ".join(str(c) for c in cmd)
        ran.append(line)
        return next((rc for word, rc in results.items() if word in line), 0)

    monkeypatch.setattr(dev, "_run", run)
    monkeypatch.setattr(dev, "_install_step", run)
    monkeypatch.setattr(dev, "BIN", tmp_path)
    return dev, ran


def test_dev_py_keeps_stdout_for_the_command_while_it_installs(
        capfd: pytest.CaptureFixture[str]) -> None:
    """A reinstall (after pyproject.toml changed) must not spoil `dev.py preview -o json`'s
    stdout: the install commands and their output go to stderr."""
    spec = importlib.util.spec_from_file_location("dev_stdout", ROOT / "scripts" / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    assert dev._install_step(sys.executable, "-c", "print('installed 3 packages')") == 0
    out, err = capfd.readouterr()
    assert out == ""
    assert "installed 3 packages" in err
    assert err.startswith("+ ")


def test_dev_py_installs_with_uv_and_falls_back_to_pip(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    # uv on PATH: the install is uv's alone.
    dev, ran = _dev_module(monkeypatch, tmp_path, {})
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/opt/bin/uv")
    assert dev._install()
    assert len(ran) == 1
    assert ran[0].startswith("/opt/bin/uv pip install --python ")
    assert ran[0].endswith("[dev]")

    # No uv anywhere and pip cannot get it: pip installs the project.
    dev, ran = _dev_module(monkeypatch, tmp_path, {"install --quiet uv": 1})
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    assert dev._install()
    assert [line.split(" -m ", 1)[1] for line in ran] == [
        "pip install --quiet uv", "pip install --quiet --upgrade pip",
        f"pip install --quiet -e {ROOT}[dev]"]

    # uv is had but fails: pip tries; when pip fails too, the install failed.
    dev, ran = _dev_module(monkeypatch, tmp_path, {"uv pip install": 1, "-e ": 1})
    monkeypatch.setattr(dev.shutil, "which", lambda name: "/opt/bin/uv")
    assert not dev._install()
    assert [line.split(" ")[0].rsplit("/", 1)[1] for line in ran] == ["uv", "python", "python"]
    assert ran[-1].endswith(f"-e {ROOT}[dev]")


def test_dev_py_test_ends_with_pytests_counts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """mypy's output and the timing line follow pytest's summary; the last line must still be
    the test counts, read from pytest's JUnit XML (what a CI log is judged by)."""
    dev, _ = _dev_module(monkeypatch, tmp_path, {})

    def pytest_run(*cmd: str | Path) -> int:
        junit = next((str(c).removeprefix("--junitxml=") for c in cmd
                      if str(c).startswith("--junitxml=")), None)
        if junit is None:  # ruff
            return 0
        Path(junit).write_text(
            '<testsuites><testsuite errors="1" failures="2" skipped="3" tests="10"/>'
            '<testsuite errors="0" failures="0" skipped="0" tests="5"/></testsuites>')
        return 1

    monkeypatch.setattr(dev, "_run", pytest_run)
    monkeypatch.setattr(dev, "PYTHON", Path(sys.executable))
    monkeypatch.setattr(dev, "ROOT", tmp_path)  # mypy finds nothing to check there
    assert dev.test([]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "tests: 9 passed, 3 failed, 3 skipped"
    assert dev.tests_line(tmp_path / "missing.xml") is None
