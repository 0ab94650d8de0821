"""The installed `defender-migrate` against moto behind the fault proxy (issue 16): throttling,
5xx, answers cut short or garbled, resets, resources vanishing between two calls, keys S3 will not
delete. One server for the module, several faults per run: each test is a few CLI runs."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from localaws.faults import FaultProxy, faulty_moto_server
from localaws.seed import TRIVY_NAME, seed_trivy_iam, seed_trivy_leftovers
from localaws.server import local_aws_environment
from localaws.strict import new_session
from tests.test_e2e_server import COMMAND

pytestmark = pytest.mark.e2e


@dataclass
class Faulty:
    env: dict[str, str]
    workdir: Path
    session: boto3.Session
    proxy: FaultProxy

    def json(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        done = subprocess.run([str(COMMAND), "-o", "json", *args], check=False, env=self.env,
                              cwd=self.workdir, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        return done, json.loads(done.stdout)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FaultProxy, Path]]:
    if not COMMAND.exists():
        pytest.fail(f"{COMMAND} is not installed: pip install -e . into this environment")
    with faulty_moto_server() as (endpoint, proxy):
        yield endpoint, proxy, tmp_path_factory.mktemp("faults")


@pytest.fixture
def faulty(server: tuple[str, FaultProxy, Path], tmp_path: Path) -> Iterator[Faulty]:
    endpoint, proxy, _ = server
    env = local_aws_environment(endpoint, tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in env if k.startswith("AWS_")] + ["AWS_PROFILE"]:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            yield Faulty(env, tmp_path, new_session("us-east-1"), proxy)
        finally:
            proxy.clear()
            request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
            urllib.request.urlopen(request, timeout=10).close()


def rows(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["kind"], r["id"]): r for r in doc["resources"]}


def audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_stuck_keys_refused_keys_and_lost_answers(faulty: Faulty) -> None:
    """Items 4 and 5: a bucket whose key S3 will not delete fails after bounded rounds; per-key
    AccessDenied is audited as such; a DeleteVpc whose answer is cut short is audited `unknown`
    and settled by the re-check; throttling, 5xx and a reset are ridden out."""
    stuck, refused = f"{TRIVY_NAME}-stuck", f"{TRIVY_NAME}-refused"
    ids = seed_trivy_leftovers(faulty.session, "us-east-1", bucket_names=[stuck, refused],
                               objects=2, multipart_upload=False)
    faulty.session.client("s3").put_object(Bucket=stuck, Key="scans/odd\rname.json", Body=b"{}")
    faulty.proxy.add("DeleteObjects", "key-errors", match=f"/{refused}", keys=("000001",),
                     times=None)
    faulty.proxy.add("DeleteVpc", "truncate")
    faulty.proxy.add("DescribeVpcs", "throttle")
    faulty.proxy.add("ListClusters", "server-error")
    faulty.proxy.add("DeleteInternetGateway", "reset")
    log = faulty.workdir / "audit.jsonl"

    started = time.monotonic()
    done, doc = faulty.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                            "--audit-log", str(log))

    assert time.monotonic() - started < 90
    assert done.returncode == 1, done.stderr
    found = rows(doc)
    assert found[("s3-bucket", stuck)]["status"] == "failed"
    assert "stay listed" in found[("s3-bucket", stuck)]["error"]
    assert found[("s3-bucket", stuck)]["details"]["objects_deleted"] == (
        ids.object_versions + ids.delete_markers) // 2
    assert len([s for s in faulty.proxy.seen if s == ("DeleteObjects", stuck)]) == 4
    assert found[("s3-bucket", refused)]["status"] == "failed"
    assert "AccessDenied" in found[("s3-bucket", refused)]["error"]
    assert found[("vpc", ids.vpc_id)]["status"] == "deleted"
    assert found[("internet-gateway", ids.internet_gateway_id)]["status"] in (
        "deleted", "already-gone")
    records = audit(log)
    (refused_call,) = [r for r in records if r["operation"] == "s3:DeleteObjects"
                       and r["resource"].startswith(refused)]
    assert refused_call["result"] == "AccessDenied"
    (vpc_call,) = [r for r in records if r["operation"] == "ec2:DeleteVpc"]
    assert vpc_call["result"] == "unknown"
    assert "ResponseParserError" in vpc_call["error"]
    (recheck,) = [r for r in records if r["operation"] == "recheck"]
    assert (recheck["resource"], recheck["result"]) == (ids.vpc_id, "gone")
    assert {op for op, action, _ in faulty.proxy.fired} >= {
        "DescribeVpcs", "ListClusters", "DeleteInternetGateway", "DeleteVpc"}


def test_resources_vanishing_between_two_calls(faulty: Faulty) -> None:
    """Item 6: a bucket gone at its Object Lock lookup is gone, and nothing else is spoilt; a
    VPC gone at DeleteVpc is already-gone. A garbled answer is one region's scan error."""
    names = [f"{TRIVY_NAME}-a", f"{TRIVY_NAME}-b"]
    ids = seed_trivy_leftovers(faulty.session, "us-east-1", bucket_names=names, objects=1)
    seed_trivy_leftovers(faulty.session, "eu-central-1", bucket_names=[f"{TRIVY_NAME}-eu"],
                         objects=1)
    seed_trivy_iam(faulty.session)
    faulty.proxy.add("GetObjectLockConfiguration", "error", match=f"/{names[0]}",
                     code="NoSuchBucket", status=404)
    faulty.proxy.add("ListClusters", "garble", match="ecs eu-central-1")

    done, plan = faulty.json("trivy", "plan", "--detailed-exitcode")

    assert done.returncode == 1, done.stderr  # the garbled region
    assert [e["region"] for e in plan["errors"]] == ["eu-central-1"]
    assert "answer from AWS could not be read (UnicodeDecodeError" in plan["errors"][0]["error"]
    found = rows(plan)
    assert ("s3-bucket", names[0]) not in found
    assert found[("s3-bucket", names[1])]["action"] == "delete"
    assert found[("iam-role", "DefenderForContainersVaRole")]["action"] == "delete"
    assert found[("vpc", ids.vpc_id)]["action"] == "delete"

    faulty.proxy.add("DeleteVpc", "error", code="InvalidVpcID.NotFound",
                     message=f"The vpc ID '{ids.vpc_id}' does not exist")
    done, applied = faulty.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert done.returncode == 0, done.stderr
    assert rows(applied)[("vpc", ids.vpc_id)]["status"] == "already-gone"
    assert rows(applied)[("s3-bucket", names[0])]["status"] == "deleted"
