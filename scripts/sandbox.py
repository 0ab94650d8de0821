#!/usr/bin/env python3
"""Sandbox: a local moto server with the Trivy leftovers, for running defender-migrate by hand.

    python3 scripts/dev.py sandbox [--port N] [--tasks N]
    python3 scripts/dev.py sandbox release-enis   # in the shell pointed at it: ECS catches up

The logic lives in localaws/sandbox.py; run it with `.venv/bin/python scripts/sandbox.py` or
through dev.py, which prepares `.venv` first.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.venv import project_venv  # noqa: E402

with project_venv(__file__):  # another python3 than .venv's: run again in .venv
    from localaws.sandbox import main

if __name__ == "__main__":
    sys.exit(main())
