#!/usr/bin/env python3
"""Print Defender's default resource group and workspace names per subscription and region.

The logic lives in `stacks.policy.workspace_names_cli`; this is its command-line entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stacks.policy.workspace_names_cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
