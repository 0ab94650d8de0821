"""The README's commands that need no cloud work as written: each one below is run exactly as
the README shows it (placeholders like `<sub-id>` filled in), and must still appear verbatim in
a code block of README.md, so README drift fails CI. Commands that need AWS run against moto in
tests/test_scripts.py (sandbox) and tests/test_e2e_server.py; `dev.py test` is CI itself."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
SUB = "11111111-2222-3333-4444-555555555555"


def code_lines() -> list[str]:
    """Every line of the README's code blocks, with its trailing comment removed."""
    lines = []
    for block in re.findall(r"^\s*```(?:bash|text)\n(.*?)^\s*```", README, re.S | re.M):
        for line in block.splitlines():
            lines.append(re.sub(r"\s+#.*$", "", line).strip())
    return lines


def inline_commands() -> list[str]:
    return re.findall(r"`([^`\n]+)`", README)


@dataclass(frozen=True)
class Command:
    text: str  # as in the README
    check: Callable[[subprocess.CompletedProcess[str]], None]
    fill: tuple[tuple[str, str], ...] = ()
    stack_file_here: bool = False  # run it where a copied Pulumi.dev.yaml lies, not in ROOT


def _table(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert "Offline preview of stack" in done.stdout
    assert "MDCContainersImageAssessmentRole" in done.stdout


def _json(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["format"] == "defender-containers/offline-preview"


def _usage(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert done.stdout.lstrip().startswith("usage:")


def _mutations(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert "default-vpc-allowed" in done.stdout


def _workspaces(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr
    assert f"DefaultWorkspace-{SUB}-WEU" in done.stdout


COMMANDS = [
    Command("python3 scripts/dev.py --help", _usage),
    Command("python3 scripts/dev.py preview examples/Pulumi.aws-account.yaml --output json",
            _json),
    Command(".venv/bin/python -m stacks.offline examples/Pulumi.aws-account.yaml", _table),
    # Step 3 of the walkthrough: the copied stack file, previewed where it lies.
    Command("python3 scripts/dev.py preview Pulumi.dev.yaml", _table, stack_file_here=True),
    Command("python3 scripts/dev.py mutate --list", _mutations),
    Command(".venv/bin/python scripts/default_workspace_names.py -s <sub-id> -s <sub-id> "
            "-r westeurope -r eastus", _workspaces, fill=(("<sub-id>", SUB),)),
]


def test_every_command_here_is_in_the_readme() -> None:
    shown = set(code_lines()) | set(inline_commands())
    assert [c.text for c in COMMANDS if c.text not in shown] == []


def test_every_offline_preview_command_of_the_readme_is_run_here() -> None:
    previews = {line for line in code_lines()
                if line.startswith(("python3 scripts/dev.py preview", ".venv/bin/python -m "
                                    "stacks.offline"))}
    # The table form of dev.py preview is the same program as the stacks.offline line.
    run = {c.text for c in COMMANDS} | {
        "python3 scripts/dev.py preview examples/Pulumi.aws-account.yaml"}
    assert previews <= run


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.text.split(" ", 2)[-1][:50])
def test_readme_command_works_as_written(command: Command, tmp_path: Path) -> None:
    text = command.text
    for placeholder, value in command.fill:
        text = text.replace(placeholder, value)
    cwd = ROOT
    if command.stack_file_here:
        # `cp examples/Pulumi.aws-account.yaml Pulumi.dev.yaml`, in a copy of the layout so the
        # repository root is left alone.
        assert "cp examples/Pulumi.aws-account.yaml Pulumi.dev.yaml" in code_lines()
        cwd = tmp_path
        shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
        (tmp_path / ".venv").symlink_to(ROOT / ".venv")
        shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
        shutil.copy(ROOT / "examples" / "Pulumi.aws-account.yaml", tmp_path / "Pulumi.dev.yaml")
    argv = text.split()
    if argv[0] == "python3":
        argv[0] = sys.executable  # any python3 3.11+; dev.py then uses .venv
    else:
        argv[0] = str(cwd / argv[0])
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=300)
    command.check(done)
