"""The project's layout promises (issue #2, foundation)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
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


CODE_DIRS = ("migrate", "stacks", "localaws", "scripts", "tests")
# mypy skips the providers' top-level __init__ (pyproject.toml); code that used its attributes
# (`azure_native.authorization.X`, `aws.iam.Role`, `gcp.iam.WorkloadIdentityPool`) would
# silently be typed Any.
PROVIDERS = "(pulumi_azure_native|pulumi_aws|pulumi_gcp)"
BARE_PROVIDER_IMPORT = re.compile(rf"^\s*import {PROVIDERS}\b", re.MULTILINE)
BARE_PROVIDER_FROM = re.compile(
    rf"^\s*from {PROVIDERS} import ([^\n(]+|\([^)]*\))", re.MULTILINE
)


def _python_files() -> list[Path]:
    return [p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py")]


def test_provider_sdks_are_imported_by_submodule_so_mypy_checks_them() -> None:
    offenders = []
    for path in _python_files():
        text = path.read_text()
        offenders += [f"{path}: {m.group(0).strip()}" for m in BARE_PROVIDER_IMPORT.finditer(text)]
        for m in BARE_PROVIDER_FROM.finditer(text):
            # Names imported from the top level must be submodules (lower case), not classes.
            names = [n.strip().split(" as ")[0] for n in m.group(2).strip("()").split(",")]
            for n in filter(None, names):
                if not n.islower():
                    offenders.append(f"{path}: from {m.group(1)} import {n}")
    assert offenders == []


def test_nothing_outside_tests_imports_from_tests() -> None:
    pattern = re.compile(r"^\s*(from tests[ .]|import tests\b)", re.MULTILINE)
    offenders = [
        str(p) for p in _python_files() if "tests" not in p.relative_to(ROOT).parts[:1]
        and pattern.search(p.read_text())
    ]
    assert offenders == []


def test_mypy_skips_the_top_level_init_of_every_provider_sdk_the_code_uses() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    skipped = {module for override in config["tool"]["mypy"]["overrides"]
               if override.get("follow_imports") == "skip" for module in override["module"]}
    assert set(PROVIDERS.strip("()").split("|")) <= skipped


def test_ci_helpers_are_imported_by_no_product_code_and_the_stacks_ones_need_no_install() -> None:
    # README "Where CI helpers live": migrate/ci and stacks/ci serve the workflows only.
    uses_ci = re.compile(r"^\s*(from (migrate|stacks)(\.ci\b| import ci\b)|import (migrate|"
                         r"stacks)\.ci\b)", re.MULTILINE)
    product = [p for package in ("migrate", "stacks") for p in (ROOT / package).rglob("*.py")
               if p.relative_to(ROOT / package).parts[0] != "ci"]
    assert product
    assert [str(p) for p in product if uses_ci.search(p.read_text())] == []
    # The stack matrix and the Google sign-in run before the project is installed.
    imported = re.compile(r"^(?:from|import) ([\w.]+)", re.MULTILINE)
    for module in (ROOT / "stacks" / "ci").glob("*.py"):
        tops = {name.split(".")[0] for name in imported.findall(module.read_text())}
        assert tops <= set(sys.stdlib_module_names) | {"__future__"}, module.name
