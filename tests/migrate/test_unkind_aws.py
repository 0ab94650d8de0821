"""AWS as unkind as it is (issue 16): answers lost or cut short, keys that will not go, resources
vanishing between two calls, plan files edited by hand. In-process moto with the strict layer;
the same faults through a proxy in front of a moto server are in tests/test_e2e_faults.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from localaws import seed
from tests.migrate.conftest import Harness, by_key


def _with(harness: Harness, event: str, handler: Any) -> None:
    """Register `handler` on every session the CLI makes, after the harness's own hooks."""
    original = harness.hook

    def hook(session: boto3.Session) -> None:
        original(session)
        session.events.register(event, handler)

    harness.hook = hook  # type: ignore[method-assign]


def _audit(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- item 4: emptying a bucket ends -----------------------------------------------------------


def test_keys_that_stay_listed_fail_their_bucket_after_bounded_rounds(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """A carriage return in a key: S3 lists it as a line feed, DeleteObjects deletes the line
    feed's (absent) key and answers success. The bucket fails after a few rounds, the stuck key
    named; everything else goes on."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", objects=2, multipart_upload=False)
    aws.client("s3").put_object(Bucket=ids.buckets[0], Key="scans/odd\rname.json", Body=b"{}")
    calls = {"n": 0}

    def give_up_after_fifty(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls["n"] += 1
        if calls["n"] <= 50:
            return None
        # The old unbounded loop: end it so that the test fails instead of hanging.
        return AWSResponse("", 403, HTTPHeaders(), None), {
            "Error": {"Code": "AccessDenied", "Message": "loop"}, "ResponseMetadata": {}}

    _with(harness, "before-call.s3.DeleteObjects", give_up_after_fifty)
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")

    assert result.exit_code == 1
    rows = by_key(doc)
    bucket = rows[("s3-bucket", ids.buckets[0])]
    assert bucket["status"] == "failed"
    assert "stay listed" in bucket["error"]
    assert "scans/odd\\nname.json" in bucket["error"]
    # S3 answered the stuck key deleted in every round: counted only what really went.
    assert bucket["details"]["objects_deleted"] == ids.object_versions + ids.delete_markers
    assert calls["n"] == 4
    assert rows[("vpc", ids.vpc_id)]["status"] == "deleted"  # the rest goes on
    assert rows[("ecs-cluster", "defender-for-containers-va")]["status"] == "deleted"


def test_objects_deleted_are_counted_from_the_answers(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """What S3 names as deleted is counted, not what was asked: an answer that names one key
    fewer (and no error for it) counts one fewer."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", objects=4, multipart_upload=False)

    def one_fewer(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Deleted"] = parsed.get("Deleted", [])[1:]

    _with(harness, "after-call.s3.DeleteObjects", one_fewer)
    audit = tmp_path / "audit.jsonl"
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--audit-log", str(audit))
    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("s3-bucket", ids.buckets[0])]
    assert row["details"]["objects_deleted"] == ids.object_versions + ids.delete_markers - 1
    (call,) = [r for r in _audit(audit) if r["operation"] == "s3:DeleteObjects"]
    assert (call["result"], call["deleted"]) == ("ok", ids.object_versions + ids.delete_markers - 1)


# --- item 5: every mutating call is audited ---------------------------------------------------


def test_per_key_errors_are_audited_as_such(aws: boto3.Session, harness: Harness,
                                            tmp_path: Path) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", objects=2)

    def access_denied_for_one_key(parsed: dict[str, Any], **_: Any) -> None:
        parsed["Deleted"] = parsed.get("Deleted", [])[1:]
        parsed["Errors"] = [{"Key": "scans/000000.json", "Code": "AccessDenied",
                             "Message": "Access Denied"}]

    _with(harness, "after-call.s3.DeleteObjects", access_denied_for_one_key)
    audit = tmp_path / "audit.jsonl"
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--audit-log", str(audit))

    assert result.exit_code == 1
    assert by_key(doc)[("s3-bucket", ids.buckets[0])]["status"] == "failed"
    (record,) = [r for r in _audit(audit) if r["operation"] == "s3:DeleteObjects"]
    assert record["result"] == "AccessDenied"
    assert record["failed"] == 1
    assert "scans/000000.json" in record["error"]


def test_an_answer_cut_short_is_audited_unknown_then_settled_by_a_recheck(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """DeleteVpc is done, its answer lost: `unknown` with the exception, then the re-check."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")

    def cut_short(response_dict: dict[str, Any], **_: Any) -> None:
        response_dict["body"] = response_dict["body"][:20]

    _with(harness, "before-parse.ec2.DeleteVpc", cut_short)
    audit = tmp_path / "audit.jsonl"
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--audit-log", str(audit))

    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("vpc", ids.vpc_id)]
    assert row["status"] == "deleted"
    assert "re-check found it gone" in row["error"]
    records = _audit(audit)
    (call,) = [r for r in records if r["operation"] == "ec2:DeleteVpc"]
    assert call["result"] == "unknown"
    assert "ResponseParserError" in call["error"]
    (recheck,) = [r for r in records if r["operation"] == "recheck"]
    assert (recheck["resource"], recheck["result"]) == (ids.vpc_id, "gone")


def test_a_read_timeout_is_audited_unknown_and_the_rerun_finishes(
        aws: boto3.Session, harness: Harness, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No answer at all, and the subnet is still there: the run fails it, the next one ends."""
    import migrate.aws

    # One attempt: botocore would otherwise retry the timeout with back-off for half a minute.
    monkeypatch.setattr(migrate.aws, "CLIENT_CONFIG", migrate.aws.CLIENT_CONFIG.merge(
        Config(retries={"mode": "standard", "total_max_attempts": 1})))
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    timeouts = {"left": 1}

    def time_out(request: Any, **_: Any) -> None:
        if timeouts["left"]:
            timeouts["left"] -= 1
            raise ReadTimeoutError(endpoint_url=request.url)

    _with(harness, "before-send.ec2.DeleteSubnet", time_out)
    audit = tmp_path / "audit.jsonl"
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--audit-log", str(audit))

    assert result.exit_code == 1
    assert by_key(doc)[("subnet", ids.subnet_id)]["status"] == "failed"
    records = _audit(audit)
    (call,) = [r for r in records if r["operation"] == "ec2:DeleteSubnet"]
    assert call["result"] == "unknown"
    assert "ReadTimeoutError" in call["error"]
    (recheck,) = [r for r in records if r["operation"] == "recheck"]
    assert (recheck["resource"], recheck["result"]) == (ids.subnet_id, "exists")

    again, doc2 = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--audit-log", str(audit))
    assert again.exit_code == 0, again.stderr
    assert by_key(doc2)[("vpc", ids.vpc_id)]["status"] == "deleted"
    assert [r["result"] for r in _audit(audit) if r["operation"] == "ec2:DeleteSubnet"] == [
        "unknown", "ok"]


# --- item 6: a resource gone between two calls is gone, nothing more ---------------------------


def test_a_bucket_vanishing_during_the_scan_spoils_nothing_else(
        aws: boto3.Session, harness: Harness) -> None:
    names = ["defender-for-containers-va-a", "defender-for-containers-va-b"]
    seed.seed_trivy_leftovers(aws, "us-east-1", bucket_names=names, objects=1)
    seed.seed_trivy_iam(aws)
    # The first bucket is deleted by hand between ListBuckets and its Object Lock lookup.
    harness.rules.fail_next("GetObjectLockConfiguration", "NoSuchBucket", status=404,
                            message="The specified bucket does not exist")

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1")

    assert result.exit_code == 0, result.stderr
    assert doc["errors"] == []
    rows = by_key(doc)
    assert ("s3-bucket", names[0]) not in rows
    assert rows[("s3-bucket", names[1])]["action"] == "delete"
    assert rows[("iam-role", "DefenderForContainersVaRole")]["action"] == "delete"


# --- item 7: an edited plan file ------------------------------------------------------------


def _plan(harness: Harness, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "p.json"
    assert harness.run("trivy", "plan", "--regions", "us-east-1", "--out",
                       str(path)).exit_code == 0
    return path, json.loads(path.read_text())


@pytest.mark.parametrize("everywhere", [False, True], ids=["vpc-row", "every-mention"])
def test_a_plan_file_pointing_at_a_lookalike_vpc_deletes_nothing_in_the_trivy_vpc(
        aws: boto3.Session, harness: Harness, tmp_path: Path, everywhere: bool) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    look = seed.seed_lookalikes(aws, "us-east-1")
    path, doc = _plan(harness, tmp_path)
    if everywhere:  # sed s/vpc-trivy/vpc-lookalike/g
        path.write_text(path.read_text().replace(ids.vpc_id, look.untagged_vpc_id))
    else:
        for row in doc["resources"]:
            if row["kind"] == "vpc" and row["id"] == ids.vpc_id:
                row["id"] = look.untagged_vpc_id
        path.write_text(json.dumps(doc))

    result, applied = harness.json("trivy", "apply", str(path), "--yes")

    assert result.exit_code == 1
    rows = by_key(applied)
    for kind, id_ in [("internet-gateway", ids.internet_gateway_id),
                      ("route-table", ids.route_table_id), ("subnet", ids.subnet_id),
                      ("vpc", look.untagged_vpc_id)]:
        assert rows[(kind, id_)]["status"] == "skipped", (kind, id_)
    assert not [c for c in harness.mutating() if c.service == "ec2"]
    ec2 = aws.client("ec2", region_name="us-east-1")
    assert ec2.describe_internet_gateways(
        InternetGatewayIds=[ids.internet_gateway_id])["InternetGateways"][0]["Attachments"]
    assert ec2.describe_subnets(SubnetIds=[ids.subnet_id])["Subnets"]
    assert rows[("ecs-cluster", "defender-for-containers-va")]["status"] == "deleted"


@pytest.mark.parametrize("edit", ["other-region", "twice"])
def test_a_plan_file_with_a_row_out_of_its_targets_or_twice_is_refused(
        aws: boto3.Session, harness: Harness, tmp_path: Path, edit: str) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    path, doc = _plan(harness, tmp_path)
    doc["targets"]["regions"] = ["us-east-1"]
    subnet = next(r for r in doc["resources"] if r["kind"] == "subnet")
    if edit == "other-region":
        cluster = next(r for r in doc["resources"] if r["kind"] == "ecs-cluster")
        cluster["region"] = "eu-west-1"
    else:
        doc["resources"].append(dict(subnet))
    path.write_text(json.dumps(doc))

    result = harness.run("trivy", "apply", str(path), "--yes")

    assert result.exit_code == 3
    assert ("outside the plan's $.targets.regions" if edit == "other-region"
            else "listed twice") in result.stderr
    assert harness.mutating() == []


def test_progress_and_summary_count_only_the_files_rows(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    path, doc = _plan(harness, tmp_path)
    doc["resources"] = [r for r in doc["resources"] if r["kind"] == "ecs-cluster"]
    path.write_text(json.dumps(doc))

    result, applied = harness.json("trivy", "apply", str(path), "--yes")

    assert result.exit_code == 0, result.stderr
    steps = [line.split("]")[0] + "]" for line in result.stderr.splitlines()
             if line.startswith("[")]
    assert steps == ["[1/1]"], result.stderr
    assert applied["summary"]["deleted"] == 1
    assert applied["summary"].get("skipped", 0) == 0
    assert "not in the approved plan" in by_key(applied)[("subnet", next(
        r["id"] for r in applied["resources"] if r["kind"] == "subnet"))]["error"]


def test_child_outside_an_approved_parent_is_not_deleted(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """The file lists a subnet under the Trivy VPC, but AWS says it is in another VPC."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    path, doc = _plan(harness, tmp_path)
    for row in doc["resources"]:
        if row["kind"] == "subnet":
            row["parent"] = "vpc-0123456789abcdef0"
    doc["resources"].append({**next(r for r in doc["resources"] if r["kind"] == "vpc"),
                             "id": "vpc-0123456789abcdef0", "order": 99})
    path.write_text(json.dumps(doc))

    result, applied = harness.json("trivy", "apply", str(path), "--yes")

    assert result.exit_code == 1
    row = by_key(applied)[("subnet", ids.subnet_id)]
    assert row["status"] == "skipped"
    assert f"AWS says it is in vpc {ids.vpc_id}" in row["error"]
    assert aws.client("ec2", region_name="us-east-1").describe_subnets(
        SubnetIds=[ids.subnet_id])["Subnets"]


def test_a_cluster_or_vpc_vanishing_during_the_scan_is_gone_nothing_more(
        aws: boto3.Session, harness: Harness) -> None:
    from moto.ecs.models import ecs_backends

    from tests.migrate.conftest import ACCOUNT

    ids = seed.seed_trivy_leftovers(aws, "us-east-1", service=True)

    def delete_cluster_meanwhile(**_: Any) -> None:
        backend = ecs_backends[ACCOUNT]["us-east-1"]
        for key in [k for k in backend.services if k.startswith("defender-for-containers-va:")]:
            del backend.services[key]
        backend.clusters.pop("defender-for-containers-va", None)

    _with(harness, "before-call.ecs.ListServices", delete_cluster_meanwhile)
    harness.rules.fail_next("DescribeSubnets", "InvalidVpcID.NotFound",
                            message=f"The vpc ID '{ids.vpc_id}' does not exist")

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1")

    assert result.exit_code == 0, result.stderr
    assert doc["errors"] == []
    kinds = {r["kind"] for r in doc["resources"]}
    assert not kinds & {"ecs-cluster", "ecs-service", "vpc", "subnet"}
    assert by_key(doc)[("s3-bucket", ids.buckets[0])]["action"] == "delete"
