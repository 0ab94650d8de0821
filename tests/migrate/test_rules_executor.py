"""Rule tables for `apply`'s re-check (README "Plan files and re-checks") and its units, driven
through `executor.reconcile` and `executor.units_for` on canned answers: only what the plan
lists is deleted, re-checked first; a new task or ENI only inside an approved parent.
"""

from __future__ import annotations

from typing import Any, cast

import boto3
import pytest

from migrate import executor
from migrate.aws import Account
from migrate.context import Ctx, ReadOnlyViolation, Settings, _operation
from migrate.executor import Unit, reconcile, units_for
from migrate.kinds.base import answer_or, chunks
from migrate.kinds.vpc import _listed
from migrate.kinds.vpc_checks import Listing
from migrate.model import GLOBAL_REGION, Action, Resource, Status
from tests.migrate.fakeaws import error, fake_ctx

ACCOUNT = "123456789012"
REGION = "us-east-1"


def res(kind: str, id_: str, action: Action = Action.DELETE, parent: str | None = None,
        region: str = REGION, account: str = ACCOUNT, **details: Any) -> Resource:
    return Resource(account, region, kind, id_, action, f"why {id_}", parent, dict(details))


def _unit(approved: list[Resource]) -> tuple[Any, Unit]:
    ctx = fake_ctx(ACCOUNT, REGION, ec2={
        "describe_vpcs": {"Vpcs": [{"VpcId": "vpc-still"}]},
        "describe_subnets": error("InvalidSubnetID.NotFound")})
    return ctx, Unit(ctx.account, REGION, approved)


def test_rule_recheck_deletes_what_still_matches_with_fresh_details() -> None:
    """Rule "re-check before deleting": still matching -> deleted, with what AWS says now."""
    ctx, unit = _unit([res("vpc", "vpc-1", cidr="old")])
    todo = reconcile(ctx, unit, [res("vpc", "vpc-1", cidr="10.0.0.0/16")])
    assert [(r.id, r.details["cidr"], r.status) for r in todo] == [
        ("vpc-1", "10.0.0.0/16", None)]
    assert unit.extra == []


@pytest.mark.parametrize(("fresh", "status", "error_says"), [
    ([res("vpc", "vpc-still", Action.KEEP)], Status.SKIPPED, "no longer matches: why vpc-still"),
    ([], Status.SKIPPED, "no longer matches the Trivy fingerprint"),
], ids=["now-kept", "no-longer-found-but-exists"])
def test_rule_recheck_skips_what_no_longer_matches(fresh: list[Resource], status: Status,
                                                   error_says: str) -> None:
    """Rule "re-check before deleting": no longer matching -> skipped, with the reason."""
    ctx, unit = _unit([res("vpc", "vpc-still")])
    assert reconcile(ctx, unit, fresh) == []
    assert unit.approved[0].status is status
    assert error_says in str(unit.approved[0].error)


def test_rule_recheck_gone_is_already_gone() -> None:
    """Rule "re-check before deleting": gone since the plan -> already-gone, nothing to do."""
    ctx, unit = _unit([res("subnet", "subnet-gone")])
    assert reconcile(ctx, unit, []) == []
    assert unit.approved[0].status is Status.ALREADY_GONE


# (kind, id, parent) of something found now but not in the plan, and whether it goes.
NEW: dict[str, tuple[tuple[str, str, str | None], bool]] = {
    "task-in-approved-cluster": (("ecs-task", "task-new", "defender-for-containers-va"), True),
    "eni-in-approved-vpc": (("network-interface", "eni-new", "vpc-1"), True),
    "task-in-other-cluster": (("ecs-task", "task-x", "other-cluster"), False),
    "eni-in-unapproved-vpc": (("network-interface", "eni-x", "vpc-2"), False),
    "eni-without-parent": (("network-interface", "eni-y", None), False),
    "subnet-in-approved-vpc": (("subnet", "subnet-new", "vpc-1"), False),
    "new-vpc": (("vpc", "vpc-2", None), False),
}


@pytest.mark.parametrize(("new", "deleted"), list(NEW.values()), ids=list(NEW))
def test_rule_only_what_the_plan_lists(new: tuple[str, str, str | None], deleted: bool) -> None:
    """Rule "only what the plan lists": something new is deleted only when it is a task or ENI
    inside an approved cluster or VPC; anything else is reported and skipped."""
    kind, id_, parent = new
    found = res(kind, id_, parent=parent)
    ctx, unit = _unit([res("vpc", "vpc-1"), res("ecs-cluster", "defender-for-containers-va")])
    fresh = [res("vpc", "vpc-1"), res("ecs-cluster", "defender-for-containers-va"), found]
    todo = reconcile(ctx, unit, fresh)
    assert (found in todo) is deleted
    assert unit.extra == [found]
    if deleted:
        assert found.status is None
        assert found.reason.endswith(f"appeared after the plan, part of approved {found.parent}")
    else:
        assert (found.action, found.status) == (Action.KEEP, Status.SKIPPED)
        assert found.error == "not in the approved plan; run plan again to include it"


def test_rule_new_keeps_are_not_reported_as_extra() -> None:
    """Rule "only what the plan lists": a fresh `keep` is neither deleted nor an extra."""
    ctx, unit = _unit([res("vpc", "vpc-1")])
    assert reconcile(ctx, unit, [res("vpc", "vpc-1"), res("log-group", "trivy", Action.KEEP)]
                     ) == [unit.approved[0]]
    assert unit.extra == []


def test_rule_deletion_order_within_a_unit() -> None:
    """Rule "deletion order": ENIs, gateway, route table, groups, subnet, VPC."""
    kinds = ["vpc", "subnet", "security-group", "route-table", "internet-gateway",
             "network-interface"]
    approved = [res(k, f"{k}-1", parent=None if k == "vpc" else "vpc-1") for k in kinds]
    ctx, unit = _unit(approved)
    todo = reconcile(ctx, unit, [res(k, f"{k}-1", parent=None if k == "vpc" else "vpc-1")
                                 for k in kinds])
    assert [r.kind for r in todo] == list(reversed(kinds))


def test_rule_units_bucket_alone_chain_per_region_iam_global() -> None:
    """Rule "IAM last": each bucket is its own unit, each account/region one chain, the IAM
    unit `global` with its calls sent to the home region."""
    account = fake_ctx(ACCOUNT, REGION).account
    approved = [res("s3-bucket", "b1"), res("s3-bucket", "b2", region="eu-central-1"),
                res("vpc", "vpc-1"), res("subnet", "s-1", parent="vpc-1"),
                res("vpc", "vpc-9", region="eu-central-1"),
                res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)]
    units = units_for(approved, {ACCOUNT: account}, home_region="eu-west-1")
    shape = [(u.region, u.bucket, u.where, [r.id for r in u.approved]) for u in units]
    assert shape == [
        (REGION, True, "", ["b1"]), ("eu-central-1", True, "", ["b2"]),
        ("eu-central-1", False, "eu-central-1", ["vpc-9"]),
        (GLOBAL_REGION, False, "eu-west-1", ["DefenderForContainersVaRole"]),
        (REGION, False, REGION, ["vpc-1", "s-1"]),
    ]


@pytest.mark.parametrize(("status", "blocks"), [
    (Status.DELETED, False), (Status.ALREADY_GONE, False), (Status.FAILED, True),
    (Status.SKIPPED, True), (None, True),
], ids=["deleted", "already-gone", "failed", "skipped", "not-run"])
def test_rule_iam_waits_for_every_regional_resource(status: Status | None, blocks: bool
                                                    ) -> None:
    """Rule "IAM last": the account's IAM waits unless every regional resource was deleted
    or already gone (skipped or never run blocks it too); other accounts do not count."""
    account = fake_ctx(ACCOUNT, REGION).account
    other = fake_ctx("210987654321", REGION).account
    mine = res("vpc", "vpc-1")
    mine.status = status
    theirs = res("vpc", "vpc-2", account="210987654321")
    theirs.status = Status.FAILED
    units = [Unit(account, REGION, [mine]), Unit(other, REGION, [theirs])]
    assert (executor._unfinished(units, ACCOUNT) == [mine]) is blocks


# --- kinds/base.py: retries, "gone" answers, the read-only guard ---------------------------------

def test_rule_retry_is_bounded_and_only_for_the_named_codes() -> None:
    """Rule "bounded retries": only the named codes are retried, at most `retry_attempts`
    times, with a delay that doubles up to its maximum."""
    ctx = fake_ctx(ACCOUNT, REGION)
    ctx.settings = Settings(retry_attempts=4, retry_base_delay=0.001, retry_max_delay=0.002)
    said: list[str] = []
    ctx.say = said.append
    calls: list[int] = []

    def busy() -> str:
        calls.append(1)
        raise error("DependencyViolation")

    with pytest.raises(Exception, match="DependencyViolation"):
        ctx.retrying({"DependencyViolation"}, "delete x", busy)
    assert len(calls) == 4
    assert [s.split(",")[1].split(" in")[0] for s in said] == [" retry 1", " retry 2",
                                                               " retry 3"]
    calls.clear()

    def denied() -> str:
        calls.append(1)
        raise error("AccessDenied")

    with pytest.raises(Exception, match="AccessDenied"):
        ctx.retrying({"DependencyViolation"}, "x", denied)
    assert len(calls) == 1
    flaky = iter([error("DependencyViolation"), None])

    def once_busy() -> str:
        failure = next(flaky)
        if failure is not None:
            raise failure
        return "done"

    assert ctx.retrying({"DependencyViolation"}, "x", once_busy) == "done"


def test_rule_answer_or_only_for_the_gone_codes() -> None:
    """Rule "gone means not found": answer_or gives the default only for the named codes."""
    def fails(code: str) -> Any:
        raise error(code)

    assert answer_or("gone", {"NoSuchEntity"}, lambda: fails("NoSuchEntity")) == "gone"
    with pytest.raises(Exception, match="AccessDenied"):
        answer_or("gone", {"NoSuchEntity"}, lambda: fails("AccessDenied"))
    assert answer_or("gone", {"NoSuchEntity"}, lambda: "here") == "here"


def test_rule_no_mutating_call_while_planning() -> None:
    """Rule "read-only plan": a Ctx without an audit log refuses every mutating call."""
    ctx = fake_ctx(ACCOUNT, REGION)
    with pytest.raises(ReadOnlyViolation, match="ec2:DeleteVpc attempted while planning"):
        ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    with pytest.raises(ReadOnlyViolation, match="ec2:DeleteVpc attempted while planning"):
        ctx.audited(ctx.ec2("eu-west-1").delete_vpc, "vpc-1", VpcId="vpc-1")  # another region
    assert ctx.account.clients["ec2"].calls == []  # type: ignore[attr-defined]


def test_rule_operation_names_and_batches() -> None:
    """Rule "only the named call": boto3 methods map to AWS's operation names exactly, from
    the client's own metadata (the audit log's names); batches are cut at their size."""
    s3 = boto3.client("s3", region_name="eu-central-1", aws_access_key_id="x",
                      aws_secret_access_key="x")
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x",
                       aws_secret_access_key="x")
    assert _operation(s3.delete_objects) == ("eu-central-1", "s3:DeleteObjects")
    assert _operation(iam.remove_role_from_instance_profile)[1] == (
        "iam:RemoveRoleFromInstanceProfile")
    assert list(chunks(list(range(5)), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks([], 2)) == []


def test_rule_recheck_of_a_bucket_that_went() -> None:
    """Rule "re-check before deleting": a planned bucket that no longer exists is found as
    nothing (then already-gone), not as a bucket to delete."""
    ctx = fake_ctx(ACCOUNT, REGION, s3={"get_bucket_location": error("NoSuchBucket", 404),
                                        "head_bucket": error("404", 404)})
    unit = Unit(ctx.account, REGION, [res("s3-bucket", "defender-for-containers-va-1")],
                bucket=True)
    fresh = executor._fresh(ctx, unit)
    assert fresh == []
    assert reconcile(ctx, unit, fresh) == []
    assert unit.approved[0].status is Status.ALREADY_GONE


def test_rule_paginate_reads_every_page() -> None:
    """Rule "every page": a VPC listing yields the items of every page in order, passes the
    parameters to the paginator of the named operation of its service's client, and a page
    without the key (AWS omits empty lists) yields nothing."""
    asked: list[tuple[str, dict[str, Any]]] = []

    class Client:
        def get_paginator(self, operation: str) -> Any:
            class Paginator:
                def paginate(self, **params: Any) -> Any:
                    asked.append((operation, params))
                    return iter([{"Things": [{"n": 1}, {"n": 2}]}, {}, {"Things": [{"n": 3}]}])
            return Paginator()

    class OneClient:
        def client(self, service: str, region: str) -> Client:
            asked.append((f"{service}@{region}", {}))
            return Client()

    ctx = Ctx(cast(Account, OneClient()), REGION)
    listing = Listing("list_things", "Things", lambda vpc_id, _: {"Filter": vpc_id},
                      service="elbv2")
    assert [item["n"] for item in _listed(ctx, listing, "x")] == [1, 2, 3]
    assert asked == [(f"elbv2@{REGION}", {}), ("list_things", {"Filter": "x"})]


@pytest.mark.parametrize(("approved", "fresh", "error"), [
    (res("vpc", "vpc-still"), [], "no longer matches the Trivy fingerprint; not deleted"),
    (res("subnet", "s-1", parent="vpc-1"), [res("subnet", "s-1", parent="vpc-2")],
     "AWS says it is in vpc vpc-2, not in vpc-1 as the plan lists; not deleted"),
    (res("vpc", "vpc-x", parent="p-1"), [res("vpc", "vpc-x", parent="p-2")],
     "AWS says it is in parent p-2, not in p-1 as the plan lists; not deleted"),
    (res("subnet", "s-1", parent="vpc-9"), [res("subnet", "s-1", parent="vpc-9")],
     "its vpc vpc-9 is not approved for deletion in this plan (or no longer matches); not "
     "deleted"),
    (res("vpc", "vpc-x", parent="p-9"), [res("vpc", "vpc-x", parent="p-9")],
     "its parent p-9 is not approved for deletion in this plan (or no longer matches); not "
     "deleted"),
], ids=["gone-from-the-scan", "moved-to-another-vpc", "moved-unknown-parent-kind",
        "parent-not-approved", "unknown-parent-kind-not-approved"])
def test_rule_recheck_skip_reasons_in_full(approved: Resource, fresh: list[Resource],
                                           error: str) -> None:
    """Rule "re-check before deleting" and "only inside an approved parent": a skipped
    resource says exactly why (a kind without a known parent kind says "parent")."""
    ctx, unit = _unit([approved])
    assert reconcile(ctx, unit, fresh) == []
    assert (approved.status, approved.error) == (Status.SKIPPED, error)


def test_rule_a_child_aws_places_in_no_parent_stands_on_its_own() -> None:
    """Rule "only inside an approved parent": the parent that counts is the one AWS says now; a
    gateway the plan listed in a VPC but AWS now finds detached is deleted on its own."""
    ctx, unit = _unit([res("internet-gateway", "igw-1", parent="vpc-9")])
    todo = reconcile(ctx, unit, [res("internet-gateway", "igw-1")])
    assert [r.id for r in todo] == ["igw-1"]


def test_rule_deletion_order_within_a_kind_detached_first_then_by_parent() -> None:
    """Rule "deletion order": within one kind, detached ones first, then by parent and id; a
    fresh task keeps its own reason with where it appeared."""
    approved = [res("ecs-cluster", "A-cluster"), res("ecs-cluster", "b-cluster"),
                res("ecs-task", "t-2", parent="b-cluster"), res("ecs-task", "t-1",
                                                               parent="A-cluster")]
    ctx, unit = _unit(approved)
    new = res("ecs-task", "t-0", parent="b-cluster")
    fresh = [*[res(r.kind, r.id, parent=r.parent) for r in approved], new]
    todo = reconcile(ctx, unit, fresh)
    assert [r.id for r in todo if r.kind == "ecs-task"] == ["t-1", "t-0", "t-2"]
    assert new.reason == "why t-0; appeared after the plan, part of approved b-cluster"
    gateways = [res("internet-gateway", "igw-b", parent="Avpc"),
                res("internet-gateway", "igw-a")]
    ctx, unit = _unit([res("vpc", "Avpc"), *gateways])
    todo = reconcile(ctx, unit, [res("vpc", "Avpc"), *[res(g.kind, g.id, parent=g.parent)
                                                       for g in gateways]])
    assert [r.id for r in todo] == ["igw-a", "igw-b", "Avpc"]


def _vpc_region(eni: dict[str, Any], running_enis: list[str]) -> tuple[Any, Unit]:
    """A region with the Trivy VPC holding `eni`, and the active Trivy cluster whose one
    running task holds `running_enis` (canned answers: test_rules_vpc's and test_rules_s3_ecs's
    worlds)."""
    from tests.migrate.test_rules_s3_ecs import _ecs, _task
    from tests.migrate.test_rules_vpc import SG, SUBNET, VPC, trivy_world

    world = trivy_world()
    world["ec2"]["describe_network_interfaces"] = [{
        "VpcId": VPC, "SubnetId": SUBNET, "RequesterManaged": True, "InterfaceType": "interface",
        "Groups": [{"GroupId": SG}], "Status": "in-use", **eni}]
    ctx = fake_ctx(ACCOUNT, REGION, **world)
    task = _task(f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/trivy/1", "RUNNING", running_enis)
    ctx.account.clients["ecs"] = _ecs(running=[task])["client"]  # type: ignore[attr-defined]
    return ctx, Unit(ctx.account, REGION, [res("vpc", VPC)])


def test_rule_recheck_counts_the_trivy_tasks_enis_as_the_scanners() -> None:
    """Rule "re-check before deleting" with "Trivy VPC holds only the scanner's": the re-check
    hands the ECS scan's task ENIs to the VPC check, so an ENI a Trivy task names is the
    scanner's even without the evidence that outlives the task (no ECS attachment
    description), and the VPC is still deleted."""
    ctx, unit = _vpc_region({"NetworkInterfaceId": "eni-task", "Description": ""},
                            ["eni-task"])
    rows = {(r.kind, r.id): r.action for r in executor._fresh(ctx, unit)}
    assert rows[("network-interface", "eni-task")] is Action.DELETE
    assert rows[("vpc", "vpc-trivy")] is Action.DELETE


def test_rule_recheck_keeps_the_vpc_with_another_clusters_eni_while_trivys_is_active() -> None:
    """Rule "re-check before deleting" with "Trivy VPC holds only the scanner's": the re-check
    tells the VPC check that the Trivy cluster is active, so an in-use ECS ENI that its tasks do
    not name is another cluster's (though it looks like a Trivy task's) and keeps the VPC."""
    ctx, unit = _vpc_region({"NetworkInterfaceId": "eni-other", "Description":
                             f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/0f1e2d3c-4b5a"},
                            ["eni-task"])
    rows = {(r.kind, r.id): r for r in executor._fresh(ctx, unit)}
    assert rows[("vpc", "vpc-trivy")].action is Action.KEEP
    assert "network interface eni-other" in rows[("vpc", "vpc-trivy")].reason
    assert ("network-interface", "eni-other") not in rows
