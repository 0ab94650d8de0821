"""Let a script of scripts/ that needs the dev extras (moto, boto3) run under any python3.

Standard library only: this runs under whatever interpreter the user typed, before the
script's own imports.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@contextmanager
def project_venv(script: str) -> Iterator[None]:
    """Wrap a script's project imports: if one fails, run the script again with `.venv`'s
    python (same arguments); without `.venv`, say in one line how to get it (exit 2)."""
    try:
        yield
    except ImportError as exc:
        path = Path(script).resolve()
        in_venv = Path(sys.prefix).resolve() == VENV.resolve()
        if VENV_PYTHON.exists() and not in_venv:
            sys.stdout.flush()
            os.execv(VENV_PYTHON, [str(VENV_PYTHON), str(path), *sys.argv[1:]])
        where = "is missing it" if in_venv else "does not exist yet"
        print(f"{path.name} needs the project's .venv ({exc}), which {where}: run "
              f"`python3 scripts/dev.py test` (or any dev.py command) to make it, then "
              f"`.venv/bin/python scripts/{path.name}`", file=sys.stderr)
        sys.exit(2)
