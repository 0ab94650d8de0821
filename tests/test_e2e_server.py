"""The installed `defender-migrate` as a subprocess against a moto server (issue #2, Tests)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws.seed import (
    TRIVY_NAME,
    LookalikeIds,
    TrivyIds,
    seed_lookalikes,
    seed_trivy_leftovers,
)
from localaws.server import local_aws_environment, moto_server
from localaws.strict import new_session

pytestmark = pytest.mark.e2e

COMMAND = Path(sys.executable).parent / "defender-migrate"
REGIONS = ("us-east-1", "eu-central-1")


@dataclass
class Server:
    env: dict[str, str]
    workdir: Path
    session: boto3.Session

    def run(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(COMMAND), *args],
            check=False,
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            input=input,
            timeout=120,
        )

    def json(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        done = self.run("-o", "json", *args)
        assert "Traceback" not in done.stderr, done.stderr
        return done, json.loads(done.stdout)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Server]:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is not installed: pip install -e . into this environment")
    with moto_server() as endpoint:
        env = local_aws_environment(endpoint, tmp_path)
        for name in [k for k in os.environ if k.startswith("AWS_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        try:
            yield Server(env=env, workdir=tmp_path, session=new_session("us-east-1"))
        finally:
            # The server shares this process's moto backends: leave nothing to other tests.
            request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
            urllib.request.urlopen(request, timeout=10).close()


def seed(server: Server) -> tuple[list[TrivyIds], list[LookalikeIds]]:
    leftovers = [seed_trivy_leftovers(server.session, r, objects=3) for r in REGIONS]
    lookalikes = [
        seed_lookalikes(server.session, REGIONS[0]),
        seed_lookalikes(server.session, REGIONS[1], bucket_names=(), stack=False),
    ]
    return leftovers, lookalikes


def expected_deletes(leftovers: list[TrivyIds]) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    for ids in leftovers:
        found |= {
            (ids.region, "s3-bucket", ids.buckets[0]),
            (ids.region, "ecs-cluster", TRIVY_NAME),
            (ids.region, "vpc", ids.vpc_id),
            (ids.region, "subnet", ids.subnet_id),
            (ids.region, "internet-gateway", ids.internet_gateway_id),
            (ids.region, "route-table", ids.route_table_id),
        }
    return found


def rows(doc: dict[str, Any], action: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(r["region"], r["kind"], r["id"]): r for r in doc["resources"] if r["action"] == action}


def assert_lookalikes_survived(session: boto3.Session, lookalikes: list[LookalikeIds]) -> None:
    for ids in lookalikes:
        ec2 = session.client("ec2", region_name=ids.region)
        vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
        assert {ids.untagged_vpc_id, ids.other_cidr_vpc_id} <= vpcs
        s3 = session.client("s3", region_name=ids.region)
        for bucket in ids.buckets:
            assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
        ecs = session.client("ecs", region_name=ids.region)
        (cluster,) = ecs.describe_clusters(clusters=[ids.cluster_arn])["clusters"]
        assert cluster["status"] == "ACTIVE"
        assert ecs.describe_task_definition(taskDefinition=ids.task_definition_arn)
        logs = session.client("logs", region_name=ids.region)
        assert logs.describe_log_groups(logGroupNamePrefix=ids.log_group_name)["logGroups"]
    assert session.client("iam").get_role(RoleName=f"{TRIVY_NAME}-task-role")


def test_plan_file_foreign_account_apply_rerun_and_decoys(server: Server) -> None:
    leftovers, lookalikes = seed(server)
    plan_file = server.workdir / "trivy.plan.json"

    done, plan = server.json("trivy", "plan", "--out", str(plan_file), "--detailed-exitcode")
    assert done.returncode == 2, done.stderr
    assert set(rows(plan, "delete")) == expected_deletes(leftovers)
    kept = rows(plan, "keep")
    assert ("us-east-1", "s3-bucket", "defender-for-containers-vault-logs") in kept
    assert ("eu-central-1", "ecs-cluster", f"{TRIVY_NAME}-prod") in kept
    assert ("us-east-1", "vpc", lookalikes[0].other_cidr_vpc_id) in kept
    assert not kept.keys() & expected_deletes(leftovers)
    assert json.loads(plan_file.read_text())["resources"] == plan["resources"]

    # A plan made for another account is refused, and nothing is touched.
    foreign = json.loads(plan_file.read_text())
    for resource in foreign["resources"]:
        resource["account"] = "210987654321"
    foreign["targets"]["accounts"] = ["210987654321"]
    foreign_file = server.workdir / "foreign.plan.json"
    foreign_file.write_text(json.dumps(foreign))
    done = server.run("trivy", "apply", str(foreign_file), "--yes")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "210987654321" in done.stderr
    ec2 = server.session.client("ec2", region_name=REGIONS[0])
    assert leftovers[0].vpc_id in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}

    audit = server.workdir / "audit.jsonl"
    done, applied = server.json(
        "trivy", "apply", str(plan_file), "--yes", "--audit-log", str(audit)
    )
    assert done.returncode == 0, done.stderr
    statuses = {key: r["status"] for key, r in rows(applied, "delete").items()}
    assert statuses == dict.fromkeys(expected_deletes(leftovers), "deleted")
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {r["operation"] for r in records} >= {
        "s3:DeleteObjects",
        "s3:DeleteBucket",
        "ecs:DeleteCluster",
        "ec2:DetachInternetGateway",
        "ec2:DeleteVpc",
    }
    assert {r["result"] for r in records} == {"ok"}

    for ids in leftovers:
        ec2 = server.session.client("ec2", region_name=ids.region)
        assert ids.vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
        with pytest.raises(ClientError):
            server.session.client("s3").head_bucket(Bucket=ids.buckets[0])
    assert_lookalikes_survived(server.session, lookalikes)

    # Re-runs: nothing left to plan, and the old plan file finds everything already gone.
    done, again = server.json("trivy", "plan", "--detailed-exitcode")
    assert done.returncode == 0, done.stderr
    assert rows(again, "delete") == {}
    done, reapplied = server.json(
        "trivy", "apply", str(plan_file), "--yes", "--audit-log", str(audit)
    )
    assert done.returncode == 0, done.stderr
    assert {r["status"] for r in rows(reapplied, "delete").values()} == {"already-gone"}
    assert_lookalikes_survived(server.session, lookalikes)


def test_expected_errors_and_bad_input_are_one_line_before_any_scan(server: Server) -> None:
    # One server for what needs no seeding (was two tests: expected errors, bad input).
    done = server.run("trivy", "plan", "--regions", "mars-north-1")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "mars-north-1" in done.stderr

    env = dict(server.env, AWS_PROFILE="no-such-profile")
    unknown_profile = subprocess.run(
        [str(COMMAND), "trivy", "plan"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown_profile.returncode != 0
    assert "Traceback" not in unknown_profile.stderr
    assert "no-such-profile" in unknown_profile.stderr

    done = server.run("trivy", "plan", "--out", "/no/such/dir/p.json")
    assert done.returncode == 3
    assert done.stderr.strip().splitlines() == [
        "error: --out /no/such/dir/p.json: directory /no/such/dir does not exist; choose a "
        "path you can write"]
    done = server.run("trivy", "plan", "--organization")
    assert done.returncode == 3
    assert "--organization needs --role-name" in done.stderr
    assert "Traceback" not in done.stderr


RESTORE_SIGINT_AND_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def test_prompt_ctrl_c_then_a_wrong_id_delete_nothing_and_the_right_id_deletes(
        server: Server) -> None:
    # One seeding for the confirmation prompt's three answers (were two tests).
    ids = seed_trivy_leftovers(server.session, "us-east-1", objects=1)
    proc = subprocess.Popen(
        # A terminal delivers Ctrl-C to a foreground command. A runner that starts the suite as a
        # background job has SIGINT ignored, inherited through exec: restore it, then exec.
        [sys.executable, "-c", RESTORE_SIGINT_AND_EXEC, str(COMMAND),
         "trivy", "apply", "--regions", "us-east-1"],
        env=server.env, cwd=server.workdir, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = ""
    while "Type the account ID" not in seen:  # the prompt is on stderr, without a newline
        chunk = proc.stderr.read(1)
        assert chunk, seen
        seen += chunk
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, seen + rest
    assert "Interrupted: Ctrl-C at the confirmation prompt: nothing was deleted" in (
        rest)
    assert "Traceback" not in rest
    ec2 = server.session.client("ec2")
    assert ids.vpc_id in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}

    done = server.run("trivy", "apply", "--regions", "us-east-1", input="999999999999\n")
    assert done.returncode != 0
    assert ids.vpc_id in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}

    done = server.run("trivy", "apply", "--regions", "us-east-1", input=f"{ids.account}\n")
    assert done.returncode == 0, done.stderr
    assert ids.vpc_id not in {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
