#!/usr/bin/env python3
"""usage: python3 scripts/dev.py COMMAND [ARGS...]

Developer entry point that works on a fresh machine with only Python 3.11+.

    python3 scripts/dev.py demo      # moto server, Trivy leftovers + look-alikes, plan/apply/plan
    python3 scripts/dev.py test      # ruff, mypy and the whole pytest suite
    python3 scripts/dev.py sandbox   # moto server with the Trivy leftovers until Ctrl-C
                                     # (--port N, --tasks N)
    python3 scripts/dev.py preview Pulumi.<stack>.yaml [--output table|json]
                                     # offline preview of a stack (python -m stacks.offline)
    python3 scripts/dev.py mutate    # safety-mutation check before a release (minutes; --help)
    python3 scripts/dev.py mutate --auto [MODULE...]
                                     # mutmut on the safety modules (--auto --help)

Each command first makes sure `.venv` exists and holds the project with its dev extras; the
install is redone only when pyproject.toml changes (a hash is kept inside the venv). It installs
with uv (several times faster than pip; a `uv` on PATH, or one pip-installed into `.venv`) and
falls back to pip when uv cannot be had or fails.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dev-install-stamp"


@contextmanager
def _timed(what: str, report: list[str]) -> Iterator[None]:
    """Append `what`'s wall time and CPU time to `report`. CPU time (user + system of the
    finished child processes) is the figure to compare: other work on the machine stretches
    the wall time, hardly the CPU time."""
    wall, before = time.monotonic(), os.times()
    yield
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    report.append(f"{what} {time.monotonic() - wall:.1f} s ({cpu:.1f} s CPU)")


def _peak_memory() -> str:
    try:
        import resource
    except ImportError:  # Windows
        return ""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return f"; largest process {peak / 1024:.0f} MB" if sys.platform == "linux" else ""


def _run(*cmd: str | Path) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def _install_step(*cmd: str | Path) -> int:
    """An install command, all its output on stderr: stdout stays the command's own (JSON)."""
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, stdout=sys.stderr.fileno())


def _uv() -> Path | None:
    """A uv to install with: one on PATH, or one pip puts into .venv; None if neither works."""
    on_path = shutil.which("uv")
    if on_path:
        return Path(on_path)
    local = BIN / ("uv.exe" if os.name == "nt" else "uv")
    if not local.exists() and _install_step(PYTHON, "-m", "pip", "install", "--quiet", "uv") != 0:
        return None
    return local if local.exists() else None


def _install() -> bool:
    uv = _uv()
    if uv is not None:
        # --python: into .venv whatever venv the caller has active.
        if _install_step(uv, "pip", "install", "--python", PYTHON, "-e", f"{ROOT}[dev]") == 0:
            return True
        print("uv could not install the project; trying pip (slower)", file=sys.stderr, flush=True)
    else:
        print("uv could not be had; installing with pip (slower)", file=sys.stderr, flush=True)
    steps = [
        (PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"),
        (PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"),
    ]
    return all(_install_step(*step) == 0 for step in steps)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs under whatever python3 the user has
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    report: list[str] = []
    with _timed("install", report):
        if not PYTHON.exists():
            print(f"creating virtual environment in {VENV}", file=sys.stderr, flush=True)
            # With pip: it bootstraps uv, and it is the fallback.
            venv.EnvBuilder(with_pip=True).create(VENV)
        if not _install():
            sys.exit("installing the project into .venv failed (see the output above)")
    STAMP.write_text(wanted + "\n")
    print(f"timing: {report[0]}", file=sys.stderr, flush=True)


def _reap(child: subprocess.Popen[str]) -> tuple[int, float]:
    """Wait for `child`; its exit code and its CPU time (user + system, its children too)."""
    if not hasattr(os, "wait4"):  # Windows
        return child.wait(), 0.0
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_utime + usage.ru_stime


def test(extra: list[str]) -> int:
    report: list[str] = []
    failed = []
    with _timed("ruff", report):
        if _run(PYTHON, "-m", "ruff", "check", ".") != 0:
            failed.append("ruff")
    # mypy (one core, about 35 s with an empty cache) runs beside the tests, in the gaps their
    # two workers leave (start-up, the last slow tests); its output follows pytest's.
    mypy_cmd = [str(PYTHON), "-m", "mypy"]
    print("+", " ".join(mypy_cmd), "(beside pytest, its output below)", flush=True)
    with tempfile.TemporaryFile("w+") as mypy_out, tempfile.TemporaryDirectory() as results:
        junit = Path(results) / "pytest.xml"
        started = time.monotonic()
        mypy = subprocess.Popen(mypy_cmd, cwd=ROOT, stdout=mypy_out, stderr=subprocess.STDOUT,
                                text=True)
        try:
            with _timed("pytest", report):
                # worksteal: a worker that runs out of tests takes some of the other's.
                rc = _run(PYTHON, "-m", "pytest", "-n", "2", "--dist", "worksteal",
                          f"--junitxml={junit}", *extra)
        finally:
            mypy_rc, mypy_cpu = _reap(mypy)
        report.append(f"mypy {time.monotonic() - started:.1f} s ({mypy_cpu:.1f} s CPU)")
        mypy_out.seek(0)
        print("+ mypy:", flush=True)
        print(mypy_out.read(), end="", flush=True)
        if mypy_rc != 0:
            failed.append("mypy")
        print(f"timing: {', '.join(report)}{_peak_memory()}", flush=True)
        if failed:
            print(f"FAILED checks: {', '.join(failed)}", flush=True)
        # mypy's output and the timing come after pytest's summary: repeat its counts last, as
        # the line a CI log (or a reader) looks for at the end.
        closing = tests_line(junit)
        if closing:
            print(closing, flush=True)
    return 1 if failed else rc


def tests_line(junit: Path) -> str | None:
    """'tests: N passed, N failed[, N skipped]' from pytest's JUnit XML, None without one."""
    try:
        suites = ElementTree.parse(junit).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites.iter("testsuite"):
        for key in counts:
            counts[key] += int(suite.get(key, "0"))
    failed = counts["failures"] + counts["errors"]
    passed = counts["tests"] - failed - counts["skipped"]
    line = f"tests: {passed} passed, {failed} failed"
    return f"{line}, {counts['skipped']} skipped" if counts["skipped"] else line


def demo(extra: list[str]) -> int:
    return _run(PYTHON, ROOT / "scripts" / "demo.py", *extra)


def _wait_through_ctrl_c(*cmd: str | Path) -> int:
    """Run a command that handles Ctrl-C itself: this process waits for it to wind down
    (subprocess.call would kill it a quarter second after the interrupt)."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    child = subprocess.Popen([str(c) for c in cmd], cwd=ROOT)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def sandbox(extra: list[str]) -> int:
    return _wait_through_ctrl_c(PYTHON, ROOT / "scripts" / "sandbox.py", *extra)


def preview(extra: list[str]) -> int:
    # No cwd=ROOT: the stack file is named relative to where the user is.
    return subprocess.call([str(PYTHON), "-m", "stacks.offline", *extra])


def mutate(extra: list[str]) -> int:
    return _run(PYTHON, ROOT / "scripts" / "mutate.py", *extra)


def main(argv: list[str]) -> int:
    commands = {"test": test, "demo": demo, "sandbox": sandbox, "preview": preview,
                "mutate": mutate}
    if argv[:1] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if not argv or argv[0] not in commands:
        print(__doc__)
        if argv:
            print(f"dev.py: error: unknown command {argv[0]!r}; the commands are "
                  f"{', '.join(commands)}", file=sys.stderr)
        return 2
    # uv, unlike pip, does not compile the packages' bytecode at install (that took most of
    # pip's time: the Pulumi SDKs are hundreds of MB of Python). Python caches what is really
    # imported on first use, unless PYTHONDONTWRITEBYTECODE is set: then every test process and
    # every command run by the tests would compile the same modules again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    ensure_venv()
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
