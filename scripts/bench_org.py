#!/usr/bin/env python3
"""Benchmark `defender-migrate` on an AWS Organization: cost per account, projected to 1,000.

    .venv/bin/python scripts/bench_org.py [--accounts 50] [--latency 0.05] [--leftovers 0.1]

The logic lives in `localaws.bench_org` (what it seeds, runs, measures and prints); this is its
command-line entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.venv import project_venv  # noqa: E402

with project_venv(__file__):  # another python3 than .venv's: run again in .venv
    from localaws.bench_org import main

if __name__ == "__main__":
    sys.exit(main())
