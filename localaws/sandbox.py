"""The sandbox: a moto server with the Trivy scenario that stays up for hand-run commands.

`python3 scripts/dev.py sandbox` seeds localaws/scenario.py into a moto server on 127.0.0.1,
prints the shell lines that point `defender-migrate` (or the AWS CLI) at it, and serves until
Ctrl-C (or SIGTERM), then stops the server and exits 0. The state lives in memory only.

`python3 scripts/dev.py sandbox release-enis`, run in a shell pointed at the sandbox, plays ECS
catching up: the ENIs of tasks that no longer run are released (moto never releases them), so an
apply that waited for them (the interruption scenario of the README) can be run to the end.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

import boto3

from localaws.scenario import REGIONS, seed_scenario
from localaws.sessions import shared_session

# Credentials and profiles from the user's shell would win over the sandbox's otherwise.
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
READY = "sandbox ready"


def export_lines(env: Mapping[str, str], bin_dir: Path) -> list[str]:
    """Shell lines for a POSIX shell that point boto3-based tools at the sandbox."""
    aws = {k: v for k, v in sorted(env.items()) if k.startswith("AWS_") and k != "AWS_CA_BUNDLE"}
    return [
        f"unset {' '.join(UNSET)}",
        *(f"export {key}={shlex.quote(value)}" for key, value in aws.items()),
        f"export PATH={shlex.quote(str(bin_dir))}:\"$PATH\"",
    ]


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(port: int, tasks: int, bin_dir: Path) -> int:
    # Imported here: moto's server takes seconds to import, and `release-enis` needs none of it.
    from localaws.server import local_aws_environment, moto_server

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # A shell starts background jobs with SIGINT ignored, and Python keeps it ignored: the
    # sandbox exists to run until Ctrl-C, so it takes SIGINT back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="defender-migrate-sandbox-") as tmp,
            moto_server(port) as endpoint,
        ):
            env = local_aws_environment(endpoint, Path(tmp))
            os.environ.clear()
            os.environ.update(env)
            print(f"moto server at {endpoint}; seeding the Trivy leftovers and look-alikes ...",
                  flush=True)
            scenario = seed_scenario(shared_session(), tasks=tasks)
            print("\n".join(scenario.describe()))
            print("\nIn another shell, point defender-migrate at the sandbox:\n")
            print("\n".join(f"  {line}" for line in export_lines(env, bin_dir)))
            print("  defender-migrate trivy plan\n")
            print("An apply waiting for ECS to release task ENIs (--tasks) finishes after, in "
                  "that shell:\n  python3 scripts/dev.py sandbox release-enis\n")
            print(f"{READY}: Ctrl-C stops the server (everything in it is lost).", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("\nsandbox stopped.", flush=True)
    return 0


def _running_task_enis(ecs: Any) -> set[str]:
    found: set[str] = set()
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_tasks(cluster=cluster, desiredStatus="RUNNING")["taskArns"]
        for start in range(0, len(arns), 100):
            for task in ecs.describe_tasks(cluster=cluster, tasks=arns[start:start + 100])[
                    "tasks"]:
                if task.get("lastStatus") == "STOPPED":
                    continue
                found |= {d["value"] for att in task.get("attachments", [])
                          for d in att.get("details", []) if d.get("name") == "networkInterfaceId"}
    return found


def release_enis(session: boto3.Session, regions: Sequence[str] = REGIONS) -> list[str]:
    """What ECS does a while after a task stops: its ENI goes. Returns the released ENIs."""
    released: list[str] = []
    for region in regions:
        ec2 = session.client("ec2", region_name=region)
        running = _running_task_enis(session.client("ecs", region_name=region))
        for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]:
            ours = str(eni.get("Description", "")).startswith("arn:aws:ecs:")
            if ours and eni["NetworkInterfaceId"] not in running:
                ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
                released.append(eni["NetworkInterfaceId"])
    return released


def release(env: Mapping[str, str]) -> int:
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    if urlparse(endpoint).hostname not in ("127.0.0.1", "localhost"):
        print("error: AWS_ENDPOINT_URL does not point at a local sandbox "
              f"({endpoint or 'not set'}): paste the export lines the sandbox printed first",
              file=sys.stderr)
        return 3
    released = release_enis(shared_session())
    print(f"ECS released {len(released)} ENI(s) of stopped tasks"
          + (f": {', '.join(released)}" if released else ""))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sandbox.py",
        description="Start a local moto server seeded with the Trivy scanner's leftovers and "
        "look-alikes, print the environment to point defender-migrate at it, and serve until "
        "Ctrl-C.",
    )
    parser.add_argument("command", nargs="?", choices=("serve", "release-enis"),
                        default="serve", help="serve (default): start the sandbox; "
                        "release-enis: in a shell pointed at a running sandbox, release the "
                        "ENIs of stopped ECS tasks, as ECS does a while after they stop")
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--tasks", type=int, default=0, metavar="N",
                        help="run N Fargate tasks in each region's Trivy cluster (default 0)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port} is not a TCP port (0-65535)")
    if args.tasks < 0:
        parser.error("--tasks must be 0 or more")
    if args.command == "release-enis":
        return release(os.environ)
    return serve(args.port, args.tasks, Path(sys.executable).parent)
