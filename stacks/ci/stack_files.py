"""Print the project's Pulumi stacks as a JSON list, for a GitHub Actions matrix.

    echo "stacks=$(python scripts/list_stacks.py)" >> "$GITHUB_OUTPUT"

A stack is a committed `Pulumi.<stack>.yaml` next to `Pulumi.yaml`: adding one to the repository
is what puts it under CI preview and `pulumi up`, so the list cannot drift from the code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml$")


def stacks(root: Path) -> list[str]:
    """Stack names from `Pulumi.<stack>.yaml` files in `root`, sorted."""
    if not (root / "Pulumi.yaml").is_file():
        raise FileNotFoundError(f"{root / 'Pulumi.yaml'} not found: not a Pulumi project directory")
    found = (STACK_FILE.match(path.name) for path in root.iterdir() if path.is_file())
    return sorted(match["stack"] for match in found if match)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="list_stacks.py", description="Print the Pulumi stacks as a JSON list."
    )
    parser.add_argument(
        "root",
        nargs="?",
        type=Path,
        default=ROOT,
        help="the Pulumi project directory (default: the repository root)",
    )
    args = parser.parse_args(argv)
    try:
        names = stacks(args.root)
    except FileNotFoundError as exc:
        print(f"list_stacks.py: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(names, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
