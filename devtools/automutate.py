"""Automatic mutation testing of the safety modules with mutmut: finds what no one listed.

`devtools/mutate.py` breaks the rules someone thought of; this breaks every comparison, boolean
operator, constant and call argument inside the functions of a safety module (mutmut 3 mutates
function bodies, not module-level constants: those are in the curated list) and runs, for each
mutant, only the fast tests that guard that module (`MODULE_TESTS`), and of those only the tests
that reach the mutated function (mutmut records which test calls what). Every survivor must be
killed by a new test or listed, with the reason it changes no behaviour, in
`devtools/equivalent_mutants.toml`.

Each module runs on its own copy of the tree (never the working tree), one module at a time,
with a time box: a module whose run does not finish in time reports what it checked. The copy is
temporary, or with `--keep` kept in `.automutate/` so that the next run re-tests only what was
not killed (and every mutant of a function whose code changed), after learning afresh which
test reaches which function: a 2-core machine cannot afford to re-run a module's hundreds of
killed mutants after each new test.
Run it with `python3 scripts/dev.py mutate --auto [MODULE...]` (see `--help`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from devtools.mutate import IGNORED, copy_tree

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "devtools" / "equivalent_mutants.toml"
KEEP_DIR = ".automutate"  # under the root; git and copy_tree ignore it
# In a kept copy: the mutmut config its verdicts were reached with (see `keep_verdicts`).
KEPT_CONFIG = "automutate-config.toml"
# mutmut's "killed", "caught by type check" and "timeout" (SIGXCPU) exit codes (mutmut/stats.py)
_KILLED_EXIT_CODES = (1, 3, 37, 36, 24, -24, 152, 255)

_T = "tests/migrate/"
RULES_FP = f"{_T}test_rules_fingerprint.py"
PROPS = f"{_T}test_properties_matchers.py"
RULES_IAM = f"{_T}test_rules_iam.py"
REFUSALS = f"{_T}test_rules_refusals.py"
RULES_CLI = f"{_T}test_rules_cli.py"
S3_ECS = f"{_T}test_rules_s3_ecs.py"
EXECUTOR = f"{_T}test_rules_executor.py"
GONE = f"{_T}test_rules_gone.py"
STACK_TESTS = ("tests/stacks/test_rules_connector_documents.py",
               "tests/stacks/test_aws_policies.py", "tests/stacks/test_aws_connector.py",
               "tests/stacks/test_aws_contract.py")

# Module -> the tests that guard it: the pure rule tables first (milliseconds per mutant), then
# the fewest moto-backed files that reach the functions needing AWS. A moto file costs seconds
# per test for every mutant that survives it and for mutmut's two full runs of the selection
# (stats, then clean): a module whose rules all have pure tests runs without any.
MODULE_TESTS: dict[str, tuple[str, ...]] = {
    "migrate/fingerprint.py": (RULES_FP, PROPS),
    "migrate/document.py": (REFUSALS,),
    "migrate/readiness.py": (REFUSALS,),
    # The scanner-trust rules (moved out of kinds/iam.py by issue 19) and the run's context.
    "migrate/trust.py": (RULES_IAM, PROPS, REFUSALS),
    # Ctx's audit, unknown-outcome, Ctrl-C and retry rules, all pure: no moto file needed.
    "migrate/context.py": (f"{_T}test_rules_context.py", EXECUTOR, GONE),
    "migrate/targeting.py": (f"{_T}test_rules_targeting.py", REFUSALS),
    "migrate/kinds/iam.py": (RULES_IAM, GONE, PROPS),
    # Discovery's calls and the VPC kinds' deletes, pure (test_rules_vpc_deletion.py): no moto
    # file needed. The checks over listed answers (issue 19's split) in vpc_checks.py, reached
    # in milliseconds through canned answers.
    "migrate/kinds/vpc.py": (f"{_T}test_rules_vpc_deletion.py", f"{_T}test_rules_vpc.py", GONE),
    "migrate/kinds/vpc_checks.py": (f"{_T}test_rules_vpc.py", RULES_FP, PROPS,
                                    f"{_T}test_eni_release.py"),
    # Emptying and deleting a bucket, pure (test_rules_s3_emptying.py): no moto file needed.
    "migrate/kinds/s3.py": (S3_ECS, f"{_T}test_rules_s3_emptying.py", GONE),
    "migrate/kinds/ecs.py": (S3_ECS, f"{_T}test_rules_ecs_deletion.py", GONE),
    "migrate/kinds/lookalikes.py": (f"{_T}test_rules_lookalikes.py",),
    "migrate/kinds/base.py": (EXECUTOR, GONE),
    # How apply runs its units, pure (test_rules_executor_run.py): no moto file needed.
    "migrate/executor.py": (EXECUTOR, f"{_T}test_rules_executor_run.py"),
    "stacks/aws_connector/policies.py": STACK_TESTS,
    "stacks/aws_connector/roles.py": STACK_TESTS,
}

# What the copy needs besides the package being mutated (tests/ and pyproject.toml always go).
ALSO_COPY = ("migrate", "stacks", "localaws", "devtools", "scripts", "docs", "examples",
             "Pulumi.yaml", "README.md")
_RESULT_LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")
_FUNCTION = re.compile(r"\.x(?:_|ǁ)(?P<function>.+)__mutmut_\d+$")


@dataclass(frozen=True)
class Equivalent:
    module: str
    function: str
    change: str  # the mutant's changed lines, "-old" then "+new", indentation stripped
    reason: str


@dataclass
class ModuleResult:
    module: str
    statuses: Counter[str] = field(default_factory=Counter)
    equivalent: list[str] = field(default_factory=list)
    unexplained: list[tuple[str, str, str]] = field(default_factory=list)  # name, status, diff
    seconds: float = 0.0
    finished: bool = True
    error: str = ""

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


def function_of(mutant: str) -> str:
    """`migrate.kinds.vpc.xǁVpcǁdelete__mutmut_3` -> `Vpc.delete`."""
    found = _FUNCTION.search(mutant)
    return found["function"].replace("ǁ", ".") if found else mutant


def change_of(diff: str) -> str:
    """The changed lines of a unified diff, without indentation: what identifies a mutant
    across runs (its number shifts when the function gains code)."""
    lines = [ln for ln in diff.splitlines()
             if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    return "\n".join(ln[0] + ln[1:].strip() for ln in lines)


def load_equivalents(path: Path = EQUIVALENTS) -> list[Equivalent]:
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = [Equivalent(e["module"], e["function"], change_of(e["change"]), e["reason"].strip())
             for e in data.get("equivalent", [])]
    missing = [f"{e.module} {e.function}" for e in found if not e.reason]
    if missing:
        raise ValueError(f"{path}: an equivalent mutant needs its reason: {', '.join(missing)}")
    return found


def mutmut_config(module: str, tests: Sequence[str]) -> str:
    package = module.split("/", 1)[0]
    also = [p for p in ALSO_COPY if p != package]
    quoted = ", ".join(f'"{t}"' for t in tests)
    return (
        "\n[tool.mutmut]\n"
        f'source_paths = ["{package}"]\n'
        f'only_mutate = ["{module}"]\n'
        f"also_copy = [{', '.join(repr(p).replace(chr(39), chr(34)) for p in also)}]\n"
        f"pytest_add_cli_args_test_selection = [{quoted}]\n"
        # Hypothesis's plugin is not needed by the stack tests, and importing it under the
        # fork server trips CPython 3.11's AST recursion check.
        f"pytest_add_cli_args = {_pytest_args(package)}\n"
        "use_git_change_detection = false\n"
        # Pulumi's gRPC threads do not survive a fork of the process that ran the tests (a
        # forked worker hangs): the stack modules fork from a clean server process instead.
        f'process_isolation = "{"forkserver" if package == "stacks" else "fork"}"\n'
    )


def _pytest_args(package: str) -> str:
    # devtools.mutmut_order: each mutant's tests in MODULE_TESTS order, pure rule tables first.
    args = ["-p", "no:cacheprovider", "-p", "devtools.mutmut_order",
            *(["-p", "no:hypothesispytest"] if package == "stacks" else [])]
    return "[" + ", ".join(f'"{a}"' for a in args) + "]"


Runner = Callable[[Sequence[str], Path, float], tuple[int, str, bool]]


def run_command(cmd: Sequence[str], cwd: Path, timeout: float) -> tuple[int, str, bool]:
    """(exit code, output, finished in time); a run over its time box is stopped whole."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as proc:
        try:
            out, _ = proc.communicate(timeout=timeout)
            return proc.returncode, out, True
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                out, _ = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, _ = proc.communicate()
            return -1, out, False


def refresh_kept_copy(root: Path, copy: Path) -> Path:
    """Make `copy` the working tree again, keeping only mutmut's `mutants/` (its results) and
    the config they were reached with; mutmut regenerates what changed itself."""
    copy.mkdir(parents=True, exist_ok=True)
    for entry in copy.iterdir():
        if entry.name in ("mutants", KEPT_CONFIG):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.copytree(root, copy, symlinks=True, dirs_exist_ok=True, ignore=IGNORED)
    return copy


def forget_unkilled(copy: Path) -> int:
    """Mark every mutant not killed in an earlier run as not checked, so that this run tests it
    again with the current tests (a new test may kill it); killed mutants of unchanged functions
    stay killed. Returns how many were reset."""
    reset = 0
    for meta in (copy / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes = data.get("exit_code_by_key", {})
        for key, code in codes.items():
            if code is not None and code not in _KILLED_EXIT_CODES:
                codes[key] = None
                reset += 1
        meta.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return reset


def forget_test_map(copy: Path) -> bool:
    """Drop mutmut's record of which test reaches which function (`mutmut-stats.json`), so that
    this run learns it again from every selected test. mutmut re-learns it only for tests it has
    not seen: when a change makes an existing test reach a function it did not reach before (a
    new helper, a call moved out of import time), that function's mutants would be judged by the
    old map, "no tests", and never tested. The verdicts stay in the `.meta` files, which mutmut
    keeps for functions whose code did not change, and without a map it does not apply its
    config-change reset: killed mutants stay killed, only the map is re-learned (one run of the
    selection, seconds for the pure rule tables; `keep_verdicts` does that reset instead).
    Returns whether there was one."""
    stats = copy / "mutants" / "mutmut-stats.json"
    if not stats.is_file():
        return False
    stats.unlink()
    return True


def keep_verdicts(copy: Path, config: str) -> bool:
    """Prepare a kept copy's verdicts for a run with `config`: the killed ones stay, the rest
    and the test map are forgotten. A copy whose verdicts were reached with other tests or
    pytest options (or with an unknown config) starts afresh: a mutant killed only by a test no
    longer selected must be tested again. Returns whether the verdicts were kept."""
    last = copy / KEPT_CONFIG
    same = last.is_file() and last.read_text(encoding="utf-8") == config
    if same:
        forget_unkilled(copy)
        forget_test_map(copy)
    else:
        shutil.rmtree(copy / "mutants", ignore_errors=True)
    last.write_text(config, encoding="utf-8")
    return same


def mutate_module(root: Path, module: str, tests: Sequence[str], equivalents: list[Equivalent],
                  *, time_box: float, children: int, runner: Runner = run_command,
                  say: Callable[[str], None] | None = None, keep: bool = False) -> ModuleResult:
    result = ModuleResult(module)
    mutmut = [sys.executable, "-m", "mutmut"]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="automutate-") as tmp:
        config = mutmut_config(module, tests)
        if keep:
            copy = refresh_kept_copy(root, root / KEEP_DIR / module.replace("/", "_"))
            keep_verdicts(copy, config)
        else:
            copy = copy_tree(root, Path(tmp))
        with (copy / "pyproject.toml").open("a", encoding="utf-8") as conf:
            conf.write(config)
        code, out, result.finished = runner([*mutmut, "run", "--max-children", str(children)],
                                            copy, time_box)
        if result.finished and code != 0:
            result.error = f"mutmut run failed (exit {code}): {out.strip()[-1500:]}"
            result.seconds = time.monotonic() - started
            (say or _say)(format_result(result))
            return result
        _, listing, _ = runner([*mutmut, "results", "--all", "true"], copy, 120)
        for line in listing.splitlines():
            found = _RESULT_LINE.match(line)
            if not found:
                continue
            name, status = found["name"], found["status"].strip()
            result.statuses[status] += 1
            # A timeout is a mutant the tests caught looping: mutmut stops it after 30 times
            # (plus 15 s) the time its tests took on the unmutated code, measured in the same
            # run, so a busy machine alone does not make one.
            if status in ("killed", "caught by type check", "timeout", "not checked"):
                continue
            _, shown, _ = runner([*mutmut, "show", name], copy, 120)
            change = change_of(shown)
            function = function_of(name)
            if status == "survived" and any(
                    e.module == module and e.function == function and e.change == change
                    for e in equivalents):
                result.equivalent.append(name)
            else:
                result.unexplained.append((name, status, shown.strip()))
    result.seconds = time.monotonic() - started
    (say or _say)(format_result(result))
    return result


def _say(line: str) -> None:
    print(line, flush=True)  # one module at a time, also when piped to a log


def format_result(r: ModuleResult) -> str:
    if r.error:
        return f"ERROR    {r.module}: {r.error}"
    counts = ", ".join(f"{n} {s}" for s, n in sorted(r.statuses.items()))
    head = (f"{'DONE   ' if r.finished else 'PARTIAL'}  {r.module}: {r.total} mutants ({counts}); "
            f"{len(r.equivalent)} listed equivalent, {len(r.unexplained)} unexplained; "
            f"{r.seconds:.0f}s")
    if not r.finished:
        head += " (time box reached: 'not checked' mutants were not run)"
    lines = [head]
    for name, status, diff in r.unexplained:
        lines.append(f"  {status.upper()} {name}  ({function_of(name)})")
        lines += [f"    {ln}" for ln in diff.splitlines()
                  if ln[:1] in "-+" and not ln.startswith(("---", "+++"))]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, *, root: Path = ROOT,
         runner: Runner = run_command) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/dev.py mutate --auto",
        description="Mutate every function of each safety module with mutmut, one module at a "
                    "time on a temporary copy, running only that module's guarding tests. "
                    "Exit 0 when every surviving mutant is listed as equivalent, 1 on an "
                    "unexplained survivor (or a module not finished in its time box), 2 when "
                    "mutmut cannot run.")
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules to mutate (default: all): {', '.join(MODULE_TESTS)}")
    parser.add_argument("--time-box", type=float, default=1800, metavar="SECONDS",
                        help="stop a module's run after this long (default 1800)")
    parser.add_argument("--children", type=int, default=2,
                        help="mutants tested at once (default 2: a 2-core machine)")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep each module's copy in {KEEP_DIR}/ and re-test only the "
                             "mutants not killed before (and those of changed functions), "
                             "after learning again which test reaches which function; every "
                             "mutant afresh when the module's test files changed, or without it")
    parser.add_argument("--list", action="store_true", help="print modules and their tests")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in MODULE_TESTS]
    if unknown:
        print(f"error: not a safety module: {', '.join(unknown)}; see --list", file=sys.stderr)
        return 2
    chosen = args.modules or list(MODULE_TESTS)
    if args.list:
        for module in chosen:
            print(f"{module}: {' '.join(MODULE_TESTS[module])}")
        return 0
    try:
        equivalents = load_equivalents()
    except (ValueError, KeyError, tomllib.TOMLDecodeError) as exc:
        print(f"error: {EQUIVALENTS}: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    results = [mutate_module(root, m, MODULE_TESTS[m], equivalents, time_box=args.time_box,
                             children=args.children, runner=runner, keep=args.keep)
               for m in chosen]
    total: Counter[str] = sum((r.statuses for r in results), Counter())
    print(f"{len(results)} modules, {sum(r.total for r in results)} mutants: "
          f"{total['killed']} killed, {sum(len(r.equivalent) for r in results)} listed "
          f"equivalent, {sum(len(r.unexplained) for r in results)} unexplained; "
          f"total {time.monotonic() - started:.0f}s")
    if any(r.error for r in results):
        return 2
    return 1 if any(r.unexplained or not r.finished for r in results) else 0
