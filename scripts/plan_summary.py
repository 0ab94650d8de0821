#!/usr/bin/env python3
"""Render a defender-migrate JSON plan or apply result as Markdown for a CI job summary.

The logic lives in `migrate.ci.plan_summary`; this is its command-line entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from migrate.ci.plan_summary import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
