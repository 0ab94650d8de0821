#!/usr/bin/env python3
"""Benchmark `defender-migrate trivy apply` against a local moto server, and compare with awscli.

    .venv/bin/python scripts/bench_migrate.py [--versions 20000] [--skip-awscli]

The logic lives in `localaws.bench_migrate` (what it seeds, runs and prints); this is its
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
    from localaws.bench_migrate import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
