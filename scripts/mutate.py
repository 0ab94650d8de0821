#!/usr/bin/env python3
"""Safety-mutation checks (`python3 scripts/dev.py mutate --help`): the curated list
(devtools/mutate.py), or with `--auto` the automatic run of mutmut (devtools/automutate.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools import automutate, mutate

if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["--auto"]:
        sys.exit(automutate.main(args[1:]))
    sys.exit(mutate.main(args))
