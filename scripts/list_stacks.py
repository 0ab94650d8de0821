#!/usr/bin/env python3
"""Print the project's Pulumi stacks (committed Pulumi.<stack>.yaml files) as a JSON list.

The logic lives in `stacks.ci.stack_files`; this is its command-line entry point.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from stacks.ci.stack_files import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
