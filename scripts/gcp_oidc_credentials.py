#!/usr/bin/env python3
"""Write a Google credential file for GitHub Actions' OIDC token and print its path.

The logic lives in `stacks.ci.gcp_credentials`; this is its command-line entry point.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stacks.ci.gcp_credentials import CredentialsError, write


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="gcp_oidc_credentials.py",
        description="Write a workload identity federation credential file for the GitHub "
        "Actions OIDC token (env: GCP_WORKLOAD_IDENTITY_PROVIDER, GCP_SERVICE_ACCOUNT, and the "
        "runner's ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) and print its path.",
    )
    parser.add_argument("--out", type=Path, required=True, help="the file to write (mode 0600)")
    args = parser.parse_args(argv)
    try:
        print(write(args.out, os.environ))
    except CredentialsError as exc:
        print(f"gcp_oidc_credentials.py: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
