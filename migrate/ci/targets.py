"""Turn the repository's migration variables into `defender-migrate trivy plan` targeting options.

    python scripts/migrate_targets.py > targets.txt          # one option or value per line
    mapfile -t targets < targets.txt
    defender-migrate --output json trivy plan "${targets[@]}" --detailed-exitcode --out plan.json

Read from the environment (GitHub repository or environment variables):
  MIGRATE_REGIONS       comma-separated regions, or `all`; empty: the tool's default regions
  MIGRATE_ACCOUNTS      comma-separated 12-digit account IDs to reach through MIGRATE_ROLE_NAME
  MIGRATE_ORGANIZATION  `true`: every active account of the AWS Organization
  MIGRATE_ROLE_NAME     role assumed in each account (needed with either of the two above)
Neither accounts nor organization: only the account of the workflow's own credentials.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping, Sequence

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ROLE_NAME = re.compile(r"^[\w+=,.@/-]{1,64}$")
TRUE, FALSE = {"true", "yes", "1"}, {"false", "no", "0", ""}


class TargetsError(Exception):
    """A variable is set wrongly; the message names it."""


def _items(value: str) -> list[str]:
    return [item for item in re.split(r"[\s,]+", value) if item]


def targets(env: Mapping[str, str]) -> list[str]:
    def get(name: str) -> str:
        return env.get(name, "").strip()

    return [*_regions(get("MIGRATE_REGIONS")),
            *_accounts(get("MIGRATE_ORGANIZATION").lower(), _items(get("MIGRATE_ACCOUNTS")),
                       get("MIGRATE_ROLE_NAME"))]


def _regions(regions: str) -> list[str]:
    if regions.lower() == "all":
        return ["--all-regions"]
    if not regions:
        return []
    bad = [r for r in _items(regions) if not REGION.match(r)]
    if bad:
        raise TargetsError(
            f"MIGRATE_REGIONS: {', '.join(bad)} is not a region name "
            "(expected e.g. us-east-1,eu-central-1 or all)"
        )
    return ["--regions", ",".join(_items(regions))]


def _accounts(organization: str, accounts: list[str], role: str) -> list[str]:
    if organization not in TRUE | FALSE:
        raise TargetsError(f"MIGRATE_ORGANIZATION: {organization!r} is neither true nor false")
    if organization in TRUE and accounts:
        raise TargetsError(
            "MIGRATE_ACCOUNTS and MIGRATE_ORGANIZATION=true exclude each other; set only one"
        )
    if role and not ROLE_NAME.match(role):
        raise TargetsError(f"MIGRATE_ROLE_NAME: {role!r} is not an IAM role name")
    if not (organization in TRUE or accounts):
        if role:
            raise TargetsError(
                "MIGRATE_ROLE_NAME is set but neither MIGRATE_ACCOUNTS nor "
                "MIGRATE_ORGANIZATION=true is: set one, or unset the role name"
            )
        return []
    if not role:
        raise TargetsError(
            "MIGRATE_ROLE_NAME: needed to reach other accounts "
            "(the role assumed in each of them)"
        )
    bad = [a for a in accounts if not ACCOUNT_ID.match(a)]
    if bad:
        raise TargetsError(f"MIGRATE_ACCOUNTS: {', '.join(bad)} is not a 12-digit AWS account ID")
    where = ["--accounts", ",".join(accounts)] if accounts else ["--organization"]
    return [*where, "--role-name", role]


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="migrate_targets.py",
        description=__doc__.split("\n\n")[0],
        epilog="Reads MIGRATE_REGIONS, MIGRATE_ACCOUNTS, MIGRATE_ORGANIZATION and "
        "MIGRATE_ROLE_NAME from the environment and prints one option or value per line.",
    ).parse_args(argv)
    try:
        args = targets(os.environ)
    except TargetsError as exc:
        # The `::error::` prefix makes GitHub Actions show the line as an annotation.
        prefix = "::error::" if os.environ.get("GITHUB_ACTIONS") == "true" else ""
        print(f"{prefix}migrate_targets.py: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{arg}\n" for arg in args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
