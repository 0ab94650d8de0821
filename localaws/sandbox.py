"""The sandbox: a moto server with the Trivy scenario that stays up for hand-run commands.

`python3 scripts/dev.py sandbox` seeds localaws/scenario.py into a moto server on 127.0.0.1,
prints the shell lines that point `defender-migrate` (or the AWS CLI) at it, and serves until
Ctrl-C (or SIGTERM), then stops the server and exits 0. The state lives in memory only.
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

import boto3

from localaws.scenario import seed_scenario
from localaws.server import local_aws_environment, moto_server

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
            scenario = seed_scenario(boto3.Session(), tasks=tasks)
            print("\n".join(scenario.describe()))
            print("\nIn another shell, point defender-migrate at the sandbox:\n")
            print("\n".join(f"  {line}" for line in export_lines(env, bin_dir)))
            print("  defender-migrate trivy plan\n")
            print(f"{READY}: Ctrl-C stops the server (everything in it is lost).", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("\nsandbox stopped.", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sandbox.py",
        description="Start a local moto server seeded with the Trivy scanner's leftovers and "
        "look-alikes, print the environment to point defender-migrate at it, and serve until "
        "Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--tasks", type=int, default=0, metavar="N",
                        help="run N Fargate tasks in each region's Trivy cluster (default 0)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port} is not a TCP port (0-65535)")
    if args.tasks < 0:
        parser.error("--tasks must be 0 or more")
    return serve(args.port, args.tasks, Path(sys.executable).parent)
