"""Safety-mutation check: break one deletion rule at a time and make sure a test notices.

Each `Mutation` replaces one exact piece of a source file (it must occur exactly once: a
mutation that no longer matches the code is stale, an error, never a pass). The whole check
works on a copy of the tree in a temporary directory, never on the working tree: the copy is
checked unmutated first (its selected tests must pass, else every mutation would look killed),
then each mutation is applied alone, its tests run with `pytest -x`, and the file restored.

Run it with `python3 scripts/dev.py mutate` (see `--help`); the curated list is
`devtools.mutations.MUTATIONS`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# What the copy leaves out: environments, VCS data and caches (big, and never read by tests).
IGNORED = shutil.ignore_patterns(".venv*", ".git", "__pycache__", ".pytest_cache",
                                 ".mypy_cache", ".ruff_cache", "*.egg-info", "node_modules",
                                 ".automutate")
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-rfE",
               "--no-header")
TIMEOUT_SECONDS = 900
_FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)")

Runner = Callable[[Path, Sequence[str]], "TestRun"]


@dataclass(frozen=True)
class Mutation:
    """One rule broken on purpose: `old` becomes `new` in `path` (relative to the root)."""

    name: str
    rule: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


@dataclass(frozen=True)
class TestRun:
    passed: bool
    first_failure: str
    output: str


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    killed: bool
    first_failure: str
    seconds: float


class StaleMutation(Exception):
    """A mutation's text is not found exactly once: the list no longer matches the code."""


def check_applicable(root: Path, mutations: Sequence[Mutation]) -> None:
    """Every mutation must match exactly once and change something; names must be unique."""
    problems: list[str] = []
    seen: set[str] = set()
    for m in mutations:
        if m.name in seen:
            problems.append(f"{m.name}: duplicate name")
        seen.add(m.name)
        target = root / m.path
        if not target.is_file():
            problems.append(f"{m.name}: {m.path} does not exist")
            continue
        count = target.read_text(encoding="utf-8").count(m.old)
        if count != 1:
            problems.append(f"{m.name}: the text to replace occurs {count} times in {m.path} "
                            "(must be exactly once); update the mutation to the current code")
        if m.old == m.new:
            problems.append(f"{m.name}: old and new are the same")
        if not m.tests:
            problems.append(f"{m.name}: no tests selected")
    if problems:
        raise StaleMutation("\n".join(problems))


def first_failure(output: str) -> str:
    for line in output.splitlines():
        found = _FAILED_LINE.match(line.strip())
        if found:
            return found.group(1)
    tail = [line for line in output.splitlines() if line.strip()]
    return tail[-1] if tail else "(no output)"


def run_pytest(root: Path, tests: Sequence[str]) -> TestRun:
    env = dict(os.environ)
    # The copy's code must win over the editable install of the working tree.
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
            cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
            check=False)
    except subprocess.TimeoutExpired:
        return TestRun(False, f"(timed out after {TIMEOUT_SECONDS}s)", "")
    output = done.stdout + done.stderr
    return TestRun(done.returncode == 0, "" if done.returncode == 0 else first_failure(output),
                   output)


def copy_tree(root: Path, into: Path) -> Path:
    copy = into / "tree"
    shutil.copytree(root, copy, ignore=IGNORED, symlinks=True)
    return copy


def check_imports_copy(copy: Path, packages: Sequence[str]) -> None:
    """Refuse to go on if the copy's tests would import the working tree's code instead."""
    env = dict(os.environ, PYTHONPATH=str(copy))
    for package in packages:
        found = subprocess.run(
            [sys.executable, "-c", f"import {package}; print({package}.__file__)"],
            cwd=copy, env=env, capture_output=True, text=True, check=False).stdout.strip()
        if not found or not Path(found).resolve().is_relative_to(copy.resolve()):
            raise RuntimeError(f"in the copy, `import {package}` loads {found or 'nothing'}, "
                               f"not the copy under {copy}: the mutations would not be tested")


def _say(line: str) -> None:
    print(line, flush=True)  # progress shows as it happens, also when piped to a log


def run_mutations(root: Path, mutations: Sequence[Mutation], *,
                  runner: Runner = run_pytest, say: Callable[[str], None] = _say,
                  packages: Sequence[str] = ()) -> list[Outcome]:
    """Baseline, then each mutation alone on a temporary copy of `root`."""
    check_applicable(root, mutations)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        copy = copy_tree(root, Path(tmp))
        check_imports_copy(copy, packages)
        selected = list(dict.fromkeys(t for m in mutations for t in m.tests))
        start = time.monotonic()
        baseline = runner(copy, selected)
        if not baseline.passed:
            raise RuntimeError("the selected tests fail on the unmutated copy "
                               f"(first: {baseline.first_failure}); fix them first\n"
                               + baseline.output[-3000:])
        say(f"baseline: {len(selected)} test selections pass unmutated "
            f"({time.monotonic() - start:.0f}s)")
        for m in mutations:
            target = copy / m.path
            original = target.read_text(encoding="utf-8")
            target.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
            start = time.monotonic()
            try:
                run = runner(copy, m.tests)
            finally:
                target.write_text(original, encoding="utf-8")
            outcome = Outcome(m, not run.passed, run.first_failure, time.monotonic() - start)
            outcomes.append(outcome)
            say(format_outcome(outcome))
    return outcomes


def format_outcome(o: Outcome) -> str:
    verdict = "KILLED  " if o.killed else "SURVIVED"
    by = f"by {o.first_failure}" if o.killed else f"tests still pass: {' '.join(o.mutation.tests)}"
    return f"{verdict} {o.mutation.name:<38} {o.seconds:5.1f}s  {by}"


def main(argv: Sequence[str] | None = None, *, root: Path | None = None,
         mutations: Sequence[Mutation] | None = None, packages: Sequence[str] | None = None,
         runner: Runner = run_pytest) -> int:
    from devtools import mutations as curated

    parser = argparse.ArgumentParser(
        prog="scripts/dev.py mutate",
        description="Break each deletion and trust rule in turn, on a temporary copy of the tree "
                    "(never the working tree), and check that a test fails. Prints KILLED or "
                    "SURVIVED per mutation with the first failing test; exits 1 on any survivor, "
                    "2 on a stale mutation or a failing baseline. Takes minutes: run it before a "
                    "release, not in CI.")
    parser.add_argument("--list", action="store_true", help="print the mutations and exit")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="run only this mutation (repeatable)")
    args = parser.parse_args(argv)
    root = root or Path(__file__).resolve().parent.parent
    chosen = list(mutations if mutations is not None else curated.MUTATIONS)
    if args.only:
        unknown = set(args.only) - {m.name for m in chosen}
        if unknown:
            print(f"error: no mutation named {', '.join(sorted(unknown))}; see --list",
                  file=sys.stderr)
            return 2
        chosen = [m for m in chosen if m.name in args.only]
    if args.list:
        for m in chosen:
            print(f"{m.name:<38} {m.path}: {m.rule}")
        return 0
    started = time.monotonic()
    try:
        outcomes = run_mutations(
            root, chosen, runner=runner,
            packages=curated.PACKAGES if packages is None else packages)
    except StaleMutation as exc:
        print(f"error: stale mutations:\n{exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    survivors = [o for o in outcomes if not o.killed]
    print(f"{len(outcomes)} mutations: {len(outcomes) - len(survivors)} killed, "
          f"{len(survivors)} survived; total {time.monotonic() - started:.0f}s")
    return 1 if survivors else 0
