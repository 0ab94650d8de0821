#!/usr/bin/env python3
"""Render a defender-migrate JSON plan or apply result as Markdown for a CI job summary.

The logic lives in `migrate.ci.plan_summary`; this is its command-line entry point. It reads
the document through `migrate.document`: CI installs the project first; elsewhere it runs
itself again with .venv's python.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.venv import project_venv  # noqa: E402

with project_venv(__file__):  # another python3 than .venv's, without the project: run again
    from migrate.ci.plan_summary import main

if __name__ == "__main__":
    sys.exit(main())
