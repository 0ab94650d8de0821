#!/usr/bin/env python3
"""Turn the repository's MIGRATE_* variables into defender-migrate targeting options.

The logic lives in `migrate.ci.targets`; this is its command-line entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from migrate.ci.targets import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
