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
install is redone only when pyproject.toml changes (a hash is kept inside the venv).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".dev-install-stamp"


def _run(*cmd: str | Path) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs under whatever python3 the user has
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    steps = [
        (PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip"),
        (PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"),
    ]
    for step in steps:
        if _run(*step) != 0:
            sys.exit("installing the project into .venv failed (see pip's output above)")
    STAMP.write_text(wanted + "\n")


def test(extra: list[str]) -> int:
    checks = [
        (PYTHON, "-m", "ruff", "check", "."),
        (PYTHON, "-m", "mypy"),
    ]
    failed = [" ".join(str(c) for c in check[2:4]) for check in checks if _run(*check) != 0]
    rc = _run(PYTHON, "-m", "pytest", "-n", "2", *extra)
    if failed:
        print(f"FAILED checks: {', '.join(failed)}", flush=True)
        return 1
    return rc


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
        return 2
    ensure_venv()
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
