#!/usr/bin/env python3
"""Safety-mutation check (`python3 scripts/dev.py mutate --help`); logic in devtools/mutate.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools.mutate import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
