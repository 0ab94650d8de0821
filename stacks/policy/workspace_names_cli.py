"""Print the names of Defender's default resource group and workspace per subscription and region.

    python scripts/default_workspace_names.py -s <sub-id> [-s ...] -r westeurope [-r ...]
        [--format table|json|tag-policy]

`tag-policy` prints the conditions to add to a tag policy's `policyRule.if.allOf` so that it
does not block the sensor's default workspace (see README, Troubleshooting). Exit status 2 for
a bad argument, such as a region without a Defender short code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence

from stacks.policy.default_workspace import (
    UnknownRegionError,
    default_workspaces,
    tag_policy_exclusions,
)

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _subscription(value: str) -> str:
    if not _GUID.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a subscription ID (a GUID)")
    return value.lower()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Names of Defender for Containers' default resource group and Log Analytics "
        "workspace (built-in policy 64def556), per subscription and region."
    )
    parser.add_argument("-s", "--subscription", action="append", required=True,
                        type=_subscription, help="subscription ID; repeat for several")
    parser.add_argument("-r", "--region", action="append", required=True,
                        help="region name such as westeurope; repeat for several")
    parser.add_argument("--format", choices=("table", "json", "tag-policy"), default="table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        found = default_workspaces(args.subscription, args.region)
    except UnknownRegionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([
            {"subscriptionId": w.subscription_id, "region": w.region, "code": w.code,
             "resourceGroup": w.resource_group, "workspace": w.workspace,
             "resourceGroupId": w.resource_group_id, "workspaceId": w.workspace_id}
            for w in found
        ], indent=2))
    elif args.format == "tag-policy":
        print("Add these conditions to policyRule.if.allOf of the tag policy:", file=sys.stderr)
        print(json.dumps(tag_policy_exclusions(found), indent=2))
    else:
        rows = [("subscription", "region", "code", "resource group", "workspace")] + [
            (w.subscription_id, w.region, w.code, w.resource_group, w.workspace) for w in found
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
                  .rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
