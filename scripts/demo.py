#!/usr/bin/env python3
"""Demo: `defender-migrate` against a local moto server, nothing leaves this machine.

Starts a moto server on 127.0.0.1, seeds the retired Trivy scanner's leftovers in us-east-1 and
eu-central-1 plus look-alikes that must survive, runs the installed command
(`defender-migrate trivy plan`, `trivy apply --yes`, `trivy plan` again), then checks with boto3
that every leftover is gone and every look-alike is still there. Exit 1 when a check fails.

Run it with `python3 scripts/dev.py demo` (which prepares `.venv`), or `.venv/bin/python
scripts/demo.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

from localaws.seed import (  # noqa: E402
    TRIVY_NAME,
    LookalikeIds,
    TrivyIds,
    seed_lookalikes,
    seed_trivy_leftovers,
)
from localaws.server import local_aws_environment, moto_server  # noqa: E402

REGIONS = ("us-east-1", "eu-central-1")
COMMAND = Path(sys.executable).parent / "defender-migrate"


def banner(text: str) -> None:
    print(f"\n{'=' * 100}\n{text}\n{'=' * 100}", flush=True)


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> int:
    banner("$ defender-migrate " + " ".join(args))
    rc = subprocess.call([str(COMMAND), *args], env=env, cwd=cwd)
    print(f"(exit code {rc})", flush=True)
    return rc


@dataclass
class Verdict:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check(self, what: str, ok: bool) -> None:
        (self.passed if ok else self.failed).append(what)


def _gone(call: Callable[[], object], *codes: str) -> bool:
    try:
        call()
    except ClientError as err:
        return err.response["Error"]["Code"] in codes
    return False


def _vpc_exists(session: boto3.Session, region: str, vpc_id: str) -> bool:
    ec2 = session.client("ec2", region_name=region)
    return bool(ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"])


def _cluster_active(session: boto3.Session, region: str, cluster: str) -> bool:
    found = session.client("ecs", region_name=region).describe_clusters(clusters=[cluster])
    return any(c["status"] == "ACTIVE" for c in found["clusters"])


def check_leftovers_gone(session: boto3.Session, ids: TrivyIds, verdict: Verdict) -> None:
    ec2 = session.client("ec2", region_name=ids.region)
    s3 = session.client("s3", region_name=ids.region)
    where = ids.region
    for bucket in ids.buckets:
        gone = _gone(lambda b=bucket: s3.head_bucket(Bucket=b), "404", "NoSuchBucket")  # type: ignore[misc]
        verdict.check(f"{where}: bucket {bucket} deleted", gone)
    verdict.check(
        f"{where}: ECS cluster {TRIVY_NAME} deleted",
        not _cluster_active(session, ids.region, TRIVY_NAME),
    )
    verdict.check(f"{where}: VPC {ids.vpc_id} deleted", not _vpc_exists(session, where, ids.vpc_id))
    verdict.check(
        f"{where}: subnet {ids.subnet_id} deleted",
        _gone(lambda: ec2.describe_subnets(SubnetIds=[ids.subnet_id]), "InvalidSubnetID.NotFound"),
    )
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "internet-gateway-id", "Values": [ids.internet_gateway_id]}]
    )["InternetGateways"]
    verdict.check(f"{where}: internet gateway {ids.internet_gateway_id} deleted", not igws)
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "route-table-id", "Values": [ids.route_table_id]}]
    )["RouteTables"]
    verdict.check(f"{where}: route table {ids.route_table_id} deleted", not tables)


def check_lookalikes_kept(session: boto3.Session, ids: LookalikeIds, verdict: Verdict) -> None:
    where = ids.region
    s3 = session.client("s3", region_name=where)
    verdict.check(
        f"{where}: untagged 10.0.0.0/16 VPC {ids.untagged_vpc_id} kept",
        _vpc_exists(session, where, ids.untagged_vpc_id),
    )
    verdict.check(
        f"{where}: tagged 10.1.0.0/16 VPC {ids.other_cidr_vpc_id} kept",
        _vpc_exists(session, where, ids.other_cidr_vpc_id),
    )
    for bucket in ids.buckets:
        objects = s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0)
        verdict.check(f"{where}: bucket {bucket} kept with its object", objects == 1)
    verdict.check(
        f"{where}: ECS cluster {TRIVY_NAME}-prod kept",
        _cluster_active(session, where, f"{TRIVY_NAME}-prod"),
    )
    families = session.client("ecs", region_name=where).list_task_definitions(
        familyPrefix=TRIVY_NAME
    )["taskDefinitionArns"]
    verdict.check(
        f"{where}: task definition {TRIVY_NAME} kept", ids.task_definition_arn in families
    )
    groups = session.client("logs", region_name=where).describe_log_groups(
        logGroupNamePrefix=ids.log_group_name
    )["logGroups"]
    verdict.check(f"{where}: log group {ids.log_group_name} kept", bool(groups))
    if ids.role_name:
        role = session.client("iam").get_role(RoleName=ids.role_name)["Role"]["RoleName"]
        verdict.check(f"IAM role {ids.role_name} kept", role == ids.role_name)
    if ids.stack_id:
        stacks = session.client("cloudformation", region_name=where).describe_stacks(
            StackName=ids.stack_id
        )["Stacks"]
        verdict.check(f"{where}: CloudFormation stack kept", bool(stacks))


def main() -> int:
    if not COMMAND.exists():
        print(f"{COMMAND} is missing: run `python3 scripts/dev.py demo` to install the project.")
        return 1
    with tempfile.TemporaryDirectory(prefix="defender-migrate-demo-") as tmp:
        workdir = Path(tmp)
        with moto_server() as endpoint:
            env = local_aws_environment(endpoint, workdir)
            os.environ.clear()
            os.environ.update(env)
            session = boto3.Session()
            banner(f"moto server at {endpoint}: seeding the Trivy leftovers and look-alikes")
            leftovers = [seed_trivy_leftovers(session, region) for region in REGIONS]
            lookalikes = [
                seed_lookalikes(session, REGIONS[0]),
                # S3 and IAM names are global: the second region gets VPCs, a cluster, etc.
                seed_lookalikes(session, REGIONS[1], bucket_names=(), stack=True),
            ]
            for ids in leftovers:
                print(
                    f"  {ids.region}: bucket(s) {', '.join(ids.buckets)} "
                    f"({ids.object_versions} versions, {ids.delete_markers} delete markers, "
                    f"{len(ids.multipart_upload_ids)} unfinished upload), cluster {TRIVY_NAME}, "
                    f"VPC {ids.vpc_id} with subnet, internet gateway, route table"
                )
            print(
                "  look-alikes: untagged 10.0.0.0/16 VPCs, tagged 10.1.0.0/16 VPCs, buckets "
                "defender-for-containers-vault-logs/-vax, my-defender-for-containers-va, "
                f"clusters {TRIVY_NAME}-prod, task definition, IAM role, log groups, stacks"
            )

            codes = [
                run_cli(["trivy", "plan"], env, workdir),
                run_cli(
                    ["trivy", "apply", "--yes", "--audit-log", str(workdir / "audit.jsonl")],
                    env,
                    workdir,
                ),
                run_cli(["trivy", "plan", "--detailed-exitcode"], env, workdir),
            ]

            verdict = Verdict()
            verdict.check("plan exited 0", codes[0] == 0)
            verdict.check("apply --yes exited 0", codes[1] == 0)
            verdict.check("the second plan has nothing to delete (exit 0)", codes[2] == 0)
            for leftover in leftovers:
                check_leftovers_gone(session, leftover, verdict)
            for lookalike in lookalikes:
                check_lookalikes_kept(session, lookalike, verdict)

    banner("Verdict")
    for line in verdict.failed:
        print(f"  FAIL  {line}")
    print(f"  {len(verdict.passed)} checks passed, {len(verdict.failed)} failed.")
    if verdict.failed:
        print("  The demo FAILED: see the lines above.")
        return 1
    print("  Only the Trivy leftovers went; every look-alike is still there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
