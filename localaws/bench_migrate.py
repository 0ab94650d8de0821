"""Benchmark `defender-migrate trivy apply` against a local moto server, and compare with awscli.

    .venv/bin/python scripts/bench_migrate.py [--versions 20000] [--skip-awscli]   (the entry point)

Seeds the Trivy leftovers in us-east-1 and eu-central-1; the us-east-1 bucket is versioned and
holds --versions object versions. Runs the installed `defender-migrate trivy apply --yes` and
prints its wall time, objects deleted per second and API calls per 1000 objects (requests are
counted at the server). Then removes an unversioned bucket with the same number of objects with
`aws s3 rm --recursive` + `aws s3 rb` (awscli cannot remove versions), using awscli from its own
virtualenv `.venv-awscli` (created here with pip on first use: awscli pins botocore, so it must
never go into `.venv`).

The objects are written straight into the server's in-process moto backend: seeding is not
what is measured, and 20,000 PUTs through HTTP would take minutes on a small machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import dataclass
from pathlib import Path

import boto3

from localaws.bulk import fill_in_process
from localaws.seed import create_bucket, seed_trivy_leftovers
from localaws.server import CountingApp, counting_moto_server, local_aws_environment

ROOT = Path(__file__).resolve().parent.parent
COMMAND = Path(sys.executable).parent / "defender-migrate"
AWSCLI_VENV = ROOT / ".venv-awscli"
AWS = AWSCLI_VENV / ("Scripts" if os.name == "nt" else "bin") / "aws"
REGIONS = ("us-east-1", "eu-central-1")
COPY_BUCKET = "bench-unversioned-copy"


@dataclass
class Result:
    name: str
    seconds: float
    objects: int
    requests: int
    delete_objects_calls: int

    def row(self) -> str:
        per_second = self.objects / self.seconds if self.seconds else float("inf")
        per_thousand = self.requests / (self.objects / 1000) if self.objects else float("nan")
        return (
            f"{self.name:<44} {self.seconds:>8.2f} s {per_second:>10,.0f} obj/s "
            f"{per_thousand:>10.1f} calls/1000 obj  ({self.requests} requests, "
            f"{self.delete_objects_calls} DeleteObjects)"
        )


def run_apply(env: dict[str, str], workdir: Path, app: CountingApp, expected: int) -> Result:
    app.take()
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(COMMAND),
            "-o",
            "json",
            "trivy",
            "apply",
            "--yes",
            "--regions",
            ",".join(REGIONS),
            "--audit-log",
            str(workdir / "audit.jsonl"),
        ],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    counts = app.take()
    if done.returncode != 0:
        sys.exit(f"defender-migrate apply failed ({done.returncode}):\n{done.stderr[-3000:]}")
    document = json.loads(done.stdout)
    statuses = {r.get("status") for r in document["resources"] if r["action"] == "delete"}
    deleted = sum(
        int(r.get("details", {}).get("objects_deleted", 0))
        for r in document["resources"]
        if r["kind"] == "s3-bucket" and r["action"] == "delete"
    )
    if statuses != {"deleted"} or deleted != expected:
        sys.exit(
            f"apply did not delete everything: statuses {statuses}, {deleted}/{expected} objects"
        )
    return Result(
        "defender-migrate trivy apply (versioned)",
        seconds,
        deleted,
        counts["total"],
        counts["s3:DeleteObjects"],
    )


def ensure_awscli() -> None:
    if AWS.exists():
        return
    print(f"creating {AWSCLI_VENV} with awscli (first run only) ...", flush=True)
    venv.EnvBuilder(with_pip=True).create(AWSCLI_VENV)
    pip = AWSCLI_VENV / ("Scripts" if os.name == "nt" else "bin") / "pip"
    subprocess.run([str(pip), "install", "--quiet", "awscli"], check=True)


def run_awscli(env: dict[str, str], endpoint: str, app: CountingApp, objects: int) -> Result:
    app.take()
    started = time.perf_counter()
    for args in (
        ["s3", "rm", f"s3://{COPY_BUCKET}", "--recursive", "--only-show-errors"],
        ["s3", "rb", f"s3://{COPY_BUCKET}"],
    ):
        subprocess.run(
            [str(AWS), "--endpoint-url", endpoint, *args],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    seconds = time.perf_counter() - started
    counts = app.take()
    return Result(
        "aws s3 rm --recursive + aws s3 rb (unversioned)",
        seconds,
        objects,
        counts["total"],
        counts["s3:DeleteObjects"],
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--versions",
        type=int,
        default=20_000,
        help="object versions in the versioned Trivy bucket (default 20000)",
    )
    parser.add_argument("--skip-awscli", action="store_true", help="no awscli comparison")
    args = parser.parse_args(argv)
    if not COMMAND.exists():
        sys.exit(f"{COMMAND} is missing: run `python3 scripts/dev.py test` once to install it")

    with (
        tempfile.TemporaryDirectory(prefix="bench-migrate-") as tmp,
        counting_moto_server() as (endpoint, app),
    ):
        workdir = Path(tmp)
        env = local_aws_environment(endpoint, workdir)
        os.environ.update(env)
        session = boto3.Session()
        print(f"moto server at {endpoint}; seeding {len(REGIONS)} regions ...", flush=True)
        leftovers = [
            seed_trivy_leftovers(session, region, objects=0, multipart_upload=False)
            for region in REGIONS
        ]
        big = leftovers[0]
        total = fill_in_process(big.account, big.buckets[0], args.versions)
        create_bucket(session.client("s3"), COPY_BUCKET, "us-east-1")
        fill_in_process(big.account, COPY_BUCKET, args.versions)
        print(
            f"  {big.buckets[0]}: {total} object versions (versioned); "
            f"{COPY_BUCKET}: {args.versions} objects (unversioned copy for awscli)",
            flush=True,
        )

        results = [run_apply(env, workdir, app, total)]
        if not args.skip_awscli:
            ensure_awscli()
            results.append(run_awscli(env, endpoint, app, args.versions))

    print(
        f"\n{args.versions} objects, moto server on this machine ({os.cpu_count()} CPUs); "
        "defender-migrate also scanned and deleted the rest of 2 regions' leftovers:"
    )
    for result in results:
        print("  " + result.row())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
