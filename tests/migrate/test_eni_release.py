"""A stopped Trivy task's ENI outlives its cluster: plan and apply must still finish the VPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from localaws import seed
from tests.migrate.conftest import ACCOUNT, Harness, by_key

REGION = "us-east-1"


def _chain(doc: dict[str, Any], ids: seed.TrivyIds) -> dict[tuple[str, str], str]:
    rows = by_key(doc)
    keys = [("network-interface", ids.task_eni_ids[0]), ("internet-gateway",
            ids.internet_gateway_id), ("subnet", ids.subnet_id), ("vpc", ids.vpc_id)]
    return {k: rows[k]["action"] for k in keys if k in rows}


def _vpc_exists(aws: boto3.Session, vpc_id: str) -> bool:
    return bool(aws.client("ec2", region_name=REGION).describe_vpcs(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"])


@pytest.mark.parametrize("how", ["timeout", "ctrl-c"])
def test_rerun_after_the_eni_wait_finishes_the_vpc(aws: boto3.Session, harness: Harness,
                                                    how: str) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, tasks=1, objects=0)
    harness.rules.eni_release_after = 10**6  # ECS takes its time today
    if how == "ctrl-c":
        plan = plan_file(harness)
        original = harness.hook

        def hook(session: boto3.Session) -> None:
            original(session)

            def ctrl_c(params: dict[str, Any], **_: object) -> None:
                # The ENI kind polls one interface by ID: Ctrl-C arrives during that wait.
                if "NetworkInterfaceIds" in params and harness.app is not None:
                    harness.app.stop.set()
            session.events.register("provide-client-params.ec2.DescribeNetworkInterfaces",
                                    ctrl_c)

        harness.hook = hook  # type: ignore[method-assign]
        first, doc = harness.json("trivy", "apply", str(plan), "--yes")
        harness.hook = original  # type: ignore[method-assign]
        assert first.exit_code == 130, first.stderr
        eni_row = by_key(doc)[("network-interface", ids.task_eni_ids[0])]
        assert eni_row["status"] == "skipped"
        assert "while waiting for ECS to release" in eni_row["error"]
    else:
        first, doc = harness.json("trivy", "apply", "--yes", "--regions", REGION,
                                  "--eni-timeout", "0.05")
        assert first.exit_code == 1, first.stderr
        assert by_key(doc)[("network-interface", ids.task_eni_ids[0])]["status"] == "failed"
    assert by_key(doc)[("ecs-cluster", seed.TRIVY_NAME)]["status"] == "deleted"
    assert _vpc_exists(aws, ids.vpc_id)

    # The cluster is gone, the ENI is still in use: the chain is still the scanner's.
    replanned, plan_doc = harness.json("trivy", "plan", "--regions", REGION,
                                       "--detailed-exitcode")
    assert replanned.exit_code == 2, replanned.stderr
    assert set(_chain(plan_doc, ids).values()) == {"delete"}
    assert "waiting for ECS to release it" in by_key(plan_doc)[
        ("network-interface", ids.task_eni_ids[0])]["reason"]

    assert harness.rules.release_pending_enis() == ids.task_eni_ids  # ECS catches up

    again, done = harness.json("trivy", "apply", "--yes", "--regions", REGION)
    assert again.exit_code == 0, again.stderr
    assert by_key(done)[("vpc", ids.vpc_id)]["status"] == "deleted"
    assert not _vpc_exists(aws, ids.vpc_id)
    final, last = harness.json("trivy", "plan", "--regions", REGION, "--detailed-exitcode")
    assert final.exit_code == 0
    assert not [r for r in last["resources"] if r["action"] == "delete"]


def plan_file(harness: Harness) -> Path:
    path = Path("eni.plan.json")
    planned = harness.run("trivy", "plan", "--regions", REGION, "--out", str(path))
    assert planned.exit_code == 0, planned.stderr
    return path


def _stranded_eni(aws: boto3.Session, ids: seed.TrivyIds) -> str:
    """A task ENI whose cluster and task records are gone (ECS has not released it yet)."""
    ecs = aws.client("ecs", region_name=REGION)
    for arn in ids.task_arns:
        ecs.stop_task(cluster=seed.TRIVY_NAME, task=arn)
    ecs.delete_cluster(cluster=seed.TRIVY_NAME)
    return ids.task_eni_ids[0]


def test_stranded_task_eni_is_the_scanners_by_evidence(aws: boto3.Session,
                                                       harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, tasks=1, objects=0)
    eni = _stranded_eni(aws, ids)
    _, doc = harness.json("trivy", "plan", "--regions", REGION)
    row = by_key(doc)[("network-interface", eni)]
    assert (row["action"], row["parent"]) == ("delete", ids.vpc_id)
    assert by_key(doc)[("vpc", ids.vpc_id)]["action"] == "delete"


@pytest.mark.parametrize(("change", "why"), [
    ("description", "another account's attachment"),
    ("group", "a security group the scanner did not create"),
    ("requester", "created by the account, not by ECS"),
])
def test_eni_without_full_evidence_keeps_the_vpc(aws: boto3.Session, harness: Harness,
                                                  change: str, why: str) -> None:
    ids = seed.seed_trivy_leftovers(aws, REGION, tasks=1, objects=0)
    eni = _stranded_eni(aws, ids)
    ec2 = aws.client("ec2", region_name=REGION)
    if change == "description":
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Description={
            "Value": f"arn:aws:ecs:{REGION}:999999999999:attachment/1234abcd-0000-0000-0000-00"})
    elif change == "group":
        group = ec2.create_security_group(GroupName="app", Description="app", VpcId=ids.vpc_id)
        ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[group["GroupId"]])
    else:
        created = ec2.create_network_interface(
            SubnetId=ids.subnet_id, Groups=[ids.security_group_id],
            Description=f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/1234abcd-0000-0000-0000-00")
        eni = created["NetworkInterface"]["NetworkInterfaceId"]
    _, doc = harness.json("trivy", "plan", "--regions", REGION)
    vpc = by_key(doc)[("vpc", ids.vpc_id)]
    assert vpc["action"] == "keep", why
    assert eni in vpc["reason"]
