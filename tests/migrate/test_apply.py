"""`trivy apply`: deletes only the leftovers, in AWS's dependency order, safely and re-runnably."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws import seed, variants
from migrate.context import ReadOnlyViolation
from migrate.kinds import KINDS
from tests.migrate.conftest import ACCOUNT, Harness, by_key

CHAIN = ["UpdateService", "DeleteService", "StopTask", "DeleteCluster",
         "DetachInternetGateway", "DeleteInternetGateway", "DisassociateRouteTable",
         "DeleteRouteTable", "DeleteSubnet", "DeleteVpc"]


def _gone(call: Callable[[], object], not_found: str) -> bool:
    """True only when AWS answers that the resource does not exist; any other error (access
    denied, a bad parameter) is raised, never read as "deleted"."""
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == not_found:
            return True
        raise
    return False


def assert_leftovers_gone(aws: boto3.Session, ids: seed.TrivyIds) -> None:
    ec2 = aws.client("ec2", region_name=ids.region)
    assert _gone(lambda: ec2.describe_vpcs(VpcIds=[ids.vpc_id]), "InvalidVpcID.NotFound")
    assert _gone(lambda: ec2.describe_internet_gateways(InternetGatewayIds=[
        ids.internet_gateway_id]), "InvalidInternetGatewayID.NotFound")
    assert _gone(lambda: ec2.describe_subnets(SubnetIds=[ids.subnet_id]),
                 "InvalidSubnetID.NotFound")
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert not set(ids.buckets) & buckets
    clusters = aws.client("ecs", region_name=ids.region).describe_clusters(
        clusters=["defender-for-containers-va"])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in clusters)


def assert_lookalikes_survive(aws: boto3.Session, look: seed.LookalikeIds) -> None:
    ec2 = aws.client("ec2", region_name=look.region)
    assert len(ec2.describe_vpcs(VpcIds=[look.untagged_vpc_id, look.other_cidr_vpc_id])[
        "Vpcs"]) == 2
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert set(look.buckets) <= buckets
    clusters = aws.client("ecs", region_name=look.region).describe_clusters(
        clusters=[look.cluster_arn])["clusters"]
    assert [c["status"] for c in clusters] == ["ACTIVE"]


def test_apply_yes_deletes_leftovers_in_order_under_aws_rules(
        aws: boto3.Session, harness: Harness) -> None:
    east = seed.seed_trivy_leftovers(aws, "us-east-1", service=True, tasks=2)
    central = seed.seed_trivy_leftovers(aws, "eu-central-1")
    look = seed.seed_lookalikes(aws, "us-east-1")

    result, doc = harness.json("trivy", "apply", "--yes")

    assert result.exit_code == 0, result.stderr
    to_delete = [r for r in doc["resources"] if r["action"] == "delete"]
    assert len(to_delete) == doc["summary"]["delete"] >= 15
    # Scaling the service to 0 stops its tasks, and ECS releases a stopped task's ENI by
    # itself: those two kinds may have gone by the time apply gets to them. Nothing else.
    by_itself = {"ecs-task", "network-interface"}
    assert {r["status"] for r in to_delete if r["kind"] not in by_itself} == {"deleted"}
    assert {r["status"] for r in to_delete if r["kind"] in by_itself} <= {
        "deleted", "already-gone"}
    assert all(r.get("status") is None for r in doc["resources"] if r["action"] == "keep")
    assert_leftovers_gone(aws, east)
    assert_leftovers_gone(aws, central)
    assert_lookalikes_survive(aws, look)
    # The strict layer refuses out-of-order deletes; none were needed beyond waiting for ENIs.
    assert not harness.rules.refused(code="DependencyViolation")
    east_ops = [c.operation for c in harness.mutating() if c.region == "us-east-1"
                and c.operation in CHAIN]
    assert [op for op in CHAIN if op in east_ops] == sorted(
        set(east_ops), key=east_ops.index)
    versions = [c for c in harness.mutating() if c.operation == "DeleteObjects"]
    assert versions
    assert all(len(c.params["Delete"]["Objects"]) <= 1000 for c in versions)


def test_big_bucket_is_emptied_in_batches_of_1000(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", objects=1100, versions_per_object=1,
                                    objects_in_process=True)
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert result.exit_code == 0, result.stderr
    batches = [len(c.params["Delete"]["Objects"]) for c in harness.mutating()
               if c.operation == "DeleteObjects"]
    assert max(batches) == 1000
    assert sum(batches) == ids.object_versions + ids.delete_markers
    assert by_key(doc)[("s3-bucket", ids.buckets[0])]["details"]["objects_deleted"] == sum(batches)
    assert [c.operation for c in harness.mutating()].count("AbortMultipartUpload") == 1


def test_audit_log_records_every_mutating_call(aws: boto3.Session, harness: Harness,
                                               tmp_path: Path) -> None:
    seed.seed_trivy_leftovers(aws, "us-east-1")
    log = tmp_path / "audit.jsonl"
    result = harness.run("trivy", "apply", "--yes", "--regions", "us-east-1", "--audit-log",
                         str(log))
    assert result.exit_code == 0, result.output
    assert f"audit log: {log}" in result.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    mutating = [c for c in harness.mutating()]
    assert len(lines) == len(mutating)
    assert {line["operation"].split(":")[1] for line in lines} == {c.operation for c in mutating}
    # Each line names the call as it went: the client's service, operation and region.
    assert sorted((line["operation"], line["region"]) for line in lines) == sorted(
        (f"{c.service}:{c.operation}", c.region) for c in mutating)
    for line in lines:
        assert set(line) - {"deleted"} == {"time", "account", "region", "operation", "resource",
                                           "result"}
        assert line["result"] == "ok"
    assert sum(line.get("deleted", 0) for line in lines) > 0  # S3's own count of DeleteObjects
    assert {line["account"] for line in lines} == {ACCOUNT}


def test_confirmation_must_name_the_accounts(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    wrong = harness.run("trivy", "apply", input="111111111111\n")
    assert wrong.exit_code == 1
    assert "does not match" in wrong.stderr
    assert harness.mutating() == []
    empty = harness.run("trivy", "apply", input="")
    assert empty.exit_code == 1
    assert harness.mutating() == []
    right = harness.run("trivy", "apply", input=f"{ACCOUNT}\n")
    assert right.exit_code == 0, right.output
    assert_leftovers_gone(aws, ids)


def test_transient_dependency_violation_is_retried(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    harness.rules.fail_next("DeleteVpc", times=2)
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert result.exit_code == 0, result.stderr
    assert by_key(doc)[("vpc", ids.vpc_id)]["status"] == "deleted"
    assert len([c for c in harness.mutating() if c.operation == "DeleteVpc"]) == 3


def test_persistent_failure_is_bounded_and_reported_then_rerun_finishes(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    harness.rules.fail_next("DeleteSubnet", times=100)

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")

    assert result.exit_code == 1
    rows = by_key(doc)
    assert rows[("subnet", ids.subnet_id)]["status"] == "failed"
    assert "DependencyViolation" in rows[("subnet", ids.subnet_id)]["error"]
    assert rows[("vpc", ids.vpc_id)]["status"] == "skipped"
    assert "not attempted" in rows[("vpc", ids.vpc_id)]["error"]
    attempts = [c for c in harness.mutating() if c.operation == "DeleteSubnet"]
    assert len(attempts) == harness.settings.retry_attempts
    assert f"subnet {ids.subnet_id}" in result.stderr
    assert "Traceback" not in result.stderr

    harness.rules.clear_injections()
    again, doc2 = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert again.exit_code == 0, again.stderr
    assert by_key(doc2)[("vpc", ids.vpc_id)]["status"] == "deleted"
    assert_leftovers_gone(aws, ids)


def test_delete_objects_errors_fail_the_bucket(aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")

    def partial_failure(parsed: dict[str, object], **_: object) -> None:
        parsed["Errors"] = [{"Key": "scans/0.json", "Code": "AccessDenied",
                             "Message": "Access Denied"}]

    original = harness.hook

    def hook(session: boto3.Session) -> None:
        original(session)
        session.events.register("after-call.s3.DeleteObjects", partial_failure)

    harness.hook = hook  # type: ignore[method-assign]
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert result.exit_code == 1
    row = by_key(doc)[("s3-bucket", ids.buckets[0])]
    assert row["status"] == "failed"
    assert "AccessDenied" in row["error"]
    assert "scans/0.json" in row["error"]
    assert not [c for c in harness.mutating() if c.operation == "DeleteBucket"]


def test_interrupted_apply_stops_cleanly_and_rerun_finishes(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    calls = {"n": 0}

    def ctrl_c_after_two(**_: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2 and harness.app is not None:
            harness.app.stop.set()

    original = harness.hook

    def hook(session: boto3.Session) -> None:
        original(session)
        for op in ("DeleteCluster", "DetachInternetGateway", "DeleteInternetGateway",
                   "DisassociateRouteTable", "DeleteRouteTable", "DeleteSubnet", "DeleteVpc"):
            session.events.register(f"after-call.*.{op}", ctrl_c_after_two)

    harness.hook = hook  # type: ignore[method-assign]
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1",
                               "--concurrency", "1")
    assert result.exit_code == 130
    assert "Interrupted" in result.stderr
    statuses = [r["status"] for r in doc["resources"] if r["action"] == "delete"]
    assert "skipped" in statuses
    assert "deleted" in statuses

    harness.hook = original  # type: ignore[method-assign]
    again, doc2 = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")
    assert again.exit_code == 0, again.stderr
    assert {r["status"] for r in doc2["resources"] if r["action"] == "delete"} == {"deleted"}
    assert_leftovers_gone(aws, ids)


def test_nothing_to_delete_exits_0(aws: boto3.Session, harness: Harness) -> None:
    seed.seed_lookalikes(aws, "us-east-1")
    result = harness.run("trivy", "apply")  # no --yes needed: nothing is asked
    assert result.exit_code == 0
    assert "Nothing to delete." in result.stderr
    assert harness.mutating() == []


@pytest.mark.parametrize("tasks", [1])
def test_new_task_after_plan_is_stopped_with_its_approved_cluster(
        aws: boto3.Session, harness: Harness, tmp_path: Path, tasks: int) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", tasks=tasks)
    plan = tmp_path / "p.json"
    planned = harness.run("trivy", "plan", "--regions", "us-east-1", "--out", str(plan))
    assert planned.exit_code == 0
    ecs = aws.client("ecs", region_name="us-east-1")
    network: Any = {"awsvpcConfiguration": {"subnets": [ids.subnet_id],
                                            "securityGroups": [ids.security_group_id]}}
    task = ecs.run_task(cluster="defender-for-containers-va",
                        taskDefinition="defender-for-containers-va", launchType="FARGATE",
                        networkConfiguration=network)
    new_arn = task["tasks"][0]["taskArn"]

    result, doc = harness.json("trivy", "apply", str(plan), "--yes")

    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("ecs-task", new_arn)]
    assert row["status"] == "deleted"
    assert "appeared after the plan" in row["reason"]
    assert_leftovers_gone(aws, ids)


def test_trivy_tagged_security_group_is_deleted_before_the_subnet(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    group = variants.add_trivy_security_group(aws, ids)

    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")

    assert result.exit_code == 0, result.stderr
    row = by_key(doc)[("security-group", group)]
    assert (row["action"], row["status"], row["parent"]) == ("delete", "deleted", ids.vpc_id)
    ops = [(c.operation, c.params) for c in harness.mutating()]
    assert ("DeleteSecurityGroup", {"GroupId": group}) in ops
    names = [op for op, _ in ops]
    assert names.index("DeleteSecurityGroup") < names.index("DeleteSubnet")
    ec2 = aws.client("ec2", region_name="us-east-1")
    assert _gone(lambda: ec2.describe_security_groups(GroupIds=[group]),
                 "InvalidGroup.NotFound")
    assert_leftovers_gone(aws, ids)


def test_plan_file_never_deletes_what_appeared_in_a_vpc_it_kept(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    """Only the ephemeral children (tasks, their ENIs) of APPROVED parents may be deleted
    without being listed: the VPC was kept when the plan was made, so nothing in it goes."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")
    app_group = variants.add_untagged_security_group(aws, ids)  # keeps the VPC at plan time
    plan = tmp_path / "p.json"
    assert harness.run("trivy", "plan", "--regions", "us-east-1", "--out",
                       str(plan)).exit_code == 0
    planned = by_key(json.loads(plan.read_text()))
    assert planned[("vpc", ids.vpc_id)]["action"] == "keep"
    assert planned[("ecs-cluster", "defender-for-containers-va")]["action"] == "delete"
    # Since the plan: the foreign group went, and a Trivy task started in the VPC.
    ec2 = aws.client("ec2", region_name="us-east-1")
    ec2.delete_security_group(GroupId=app_group)
    ecs = aws.client("ecs", region_name="us-east-1")
    ecs.register_task_definition(
        family="defender-for-containers-va", networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "scanner", "image": "aquasec/trivy:0.50.0",
                               "memory": 512}])
    network: Any = {"awsvpcConfiguration": {"subnets": [ids.subnet_id],
                                            "securityGroups": [ids.security_group_id]}}
    task = ecs.run_task(cluster="defender-for-containers-va",
                        taskDefinition="defender-for-containers-va", launchType="FARGATE",
                        networkConfiguration=network)["tasks"][0]
    (eni,) = [d["value"] for a in task["attachments"] for d in a["details"]
              if d["name"] == "networkInterfaceId"]

    result, doc = harness.json("trivy", "apply", str(plan), "--yes")

    # The plan's own "keep" rows come back without a status beside the fresh finds.
    rows = {(r["kind"], r["id"]): r for r in doc["resources"] if r.get("status")}
    assert rows[("ecs-task", task["taskArn"])]["status"] == "deleted"  # child of the cluster
    for key in [("network-interface", eni), ("vpc", ids.vpc_id), ("subnet", ids.subnet_id)]:
        assert rows[key]["status"] == "skipped", key
        assert "not in the approved plan" in rows[key]["error"], key
    assert result.exit_code == 0, result.stderr  # everything the plan approved was done
    assert not [c for c in harness.mutating() if c.service == "ec2"]
    assert ec2.describe_vpcs(VpcIds=[ids.vpc_id])["Vpcs"]


@pytest.mark.parametrize("bug", [NotImplementedError("half-written kind"),
                                 ReadOnlyViolation("ec2:DeleteSubnet attempted while planning")])
def test_a_bug_in_a_kind_is_not_reported_as_that_resource_failing(
        aws: boto3.Session, harness: Harness, monkeypatch: pytest.MonkeyPatch,
        bug: Exception) -> None:
    """Both are RuntimeErrors; only CannotDelete means "this resource cannot go yet". A bug
    fails its whole unit as unexpected, with its type, instead of reading like an AWS refusal."""
    ids = seed.seed_trivy_leftovers(aws, "us-east-1")

    def broken(self: object, ctx: object, res: object) -> object:
        raise bug

    monkeypatch.setattr(type(KINDS["subnet"]), "delete", broken)
    result, doc = harness.json("trivy", "apply", "--yes", "--regions", "us-east-1")

    assert result.exit_code == 1
    row = by_key(doc)[("subnet", ids.subnet_id)]
    assert row["status"] == "failed"
    assert row["error"].startswith(f"unexpected error: {type(bug).__name__}(")
    assert "DeleteVpc" not in [c.operation for c in harness.mutating()]
