"""The project's layout promises (issue #2, foundation)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_pulumi_project_runs_the_stacks_program_from_the_venv() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "defender-containers"
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == ".venv"
    assert project["main"].rstrip("/") == "stacks"
    assert (ROOT / "stacks" / "__main__.py").is_file()


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = "python3 scripts/dev.py test"
    assert command in readme
    assert any(line.strip() == f"exec {command}" for line in ci.splitlines())


def test_python_dash_m_migrate_is_the_same_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "migrate", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "defender-migrate, version 0.1.0"
