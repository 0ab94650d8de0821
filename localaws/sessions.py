"""boto3 sessions for the local tooling (seeding, sandbox, benches) on one shared botocore loader.

botocore gives every session its own loader: a process that makes many sessions (one per
account it assumes, one per seeding step) parsed EC2's model, megabytes of JSON, again for each.
The command shares one loader between its sessions (migrate.aws.share_loader); the tooling
uses the same one.
"""

from __future__ import annotations

from typing import Any

import boto3

from migrate.aws import share_loader


def shared_session(**kwargs: Any) -> boto3.Session:
    """A fresh boto3 Session (own credentials, region and event handlers; `kwargs` as for
    boto3.Session) that reuses the process's parsed service models."""
    return share_loader(boto3.Session(**kwargs))
