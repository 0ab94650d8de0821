"""Rule table for how `apply` runs its units (README "Plan files and re-checks", "What apply
deletes"), pure: `executor.execute` with the re-check scan and the kinds replaced by fakes that
answer as told, so each outcome of a unit runs in milliseconds.

Rules: a unit deletes in order and a failure stops the rest of its chain (named); Ctrl-C marks
what was not attempted; an unknown outcome is re-checked; a failed re-check fails the unit's
resources; the account's IAM goes only after every regional resource went; an unexpected error
fails its unit and nothing else.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest

from migrate import executor, runner
from migrate.audit import AuditLog
from migrate.aws import Account, AccountUnreachable
from migrate.context import CannotDelete, Ctx, Settings, StopRequested, UnknownOutcome
from migrate.fingerprint import CONTAINERS_AUDIENCE, OIDC_ISSUER
from migrate.kinds import KINDS
from migrate.model import GLOBAL_REGION, Action, Resource, Status
from migrate.progress import Reporter
from migrate.trust import oidc_provider_arn
from tests.migrate.fakeaws import FakeAccount, FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
REGION = "us-east-1"
Outcome = Status | BaseException | Callable[[], Status]


@dataclass
class ReachableAccount(FakeAccount):
    unreachable: str | None = None

    def reach(self) -> None:
        if self.unreachable:
            raise AccountUnreachable(self.unreachable)


@dataclass
class FakeReporter:
    started: list[tuple[str, int]] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    finished: int = 0

    def start(self, label: str, total: int) -> None:
        self.started.append((label, total))

    def step(self, message: str) -> None:
        self.steps.append(message)

    def say(self, message: str) -> None:
        self.said.append(message)

    def finish(self) -> None:
        self.finished += 1


class FakeKind:
    """Deletes by the outcome it is told per id (DELETED by default); exists as told."""

    name: ClassVar[str] = "fake"

    def __init__(self, rank: int, outcomes: dict[str, Outcome],
                 exists: dict[str, bool | BaseException]) -> None:
        self.rank = rank
        self.outcomes, self.existing = outcomes, exists
        self.deleted: list[str] = []
        self.contexts: list[Ctx] = []

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        self.contexts.append(ctx)
        self.deleted.append(res.id)
        outcome = self.outcomes.get(res.id, Status.DELETED)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome() if callable(outcome) else outcome

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        self.contexts.append(ctx)
        found = self.existing.get(res.id, True)
        if isinstance(found, BaseException):
            raise found
        return found


def res(kind: str, id_: str, parent: str | None = None, region: str = REGION) -> Resource:
    return Resource(ACCOUNT, region, kind, id_, Action.DELETE, f"why {id_}", parent)


@dataclass
class Run:
    approved: list[Resource]
    reporter: FakeReporter
    deleted: list[str]
    audit: Path

    def outcome(self) -> list[tuple[str, Status | None, str | None]]:
        return [(r.id, r.status, r.error) for r in self.approved]


def _execute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, approved: list[Resource], *,
             outcomes: dict[str, Outcome] | None = None,
             exists: dict[str, bool | BaseException] | None = None,
             fresh: Callable[[Ctx, executor.Unit], list[Resource]] | None = None,
             account: ReachableAccount | None = None,
             stop: threading.Event | None = None) -> Run:
    deleted: list[str] = []
    contexts: list[Ctx] = []
    for kind, rank in (("vpc", 20), ("subnet", 19), ("iam-role", 30), ("s3-bucket", 1)):
        fake = FakeKind(rank, outcomes or {}, exists or {})
        fake.deleted, fake.contexts = deleted, contexts
        monkeypatch.setitem(KINDS, kind, fake)
    monkeypatch.setattr(executor, "_fresh", fresh or (lambda ctx, unit: [
        Resource(r.account, r.region, r.kind, r.id, Action.DELETE, r.reason, r.parent)
        for r in unit.approved]))
    account = account or ReachableAccount(ACCOUNT, {})
    reporter = FakeReporter()
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    settings, stop = Settings(retry_attempts=1), stop or threading.Event()
    executor.execute(approved, {ACCOUNT: cast(Account, account)}, 2, settings, audit, stop,
                     cast(Reporter, reporter), home_region="eu-west-1")
    audit.close()
    for ctx in contexts:  # each kind works in the run's context
        assert (ctx.settings, ctx.audit, ctx.stop, ctx.say) == (settings, audit, stop,
                                                                reporter.say)
    return Run(approved, reporter, deleted, path)


def test_rule_unit_deletes_in_order_and_reports_each(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "deletion order": a unit deletes its resources children first, each reported."""
    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1")]
    run = _execute(tmp_path, monkeypatch, approved)
    assert run.deleted == ["s-1", "vpc-1"]
    assert run.outcome() == [("vpc-1", Status.DELETED, None), ("s-1", Status.DELETED, None)]
    assert run.reporter.steps == [f"{ACCOUNT}/{REGION}: deleted subnet s-1",
                                  f"{ACCOUNT}/{REGION}: deleted vpc vpc-1"]
    assert run.reporter.started == [("deleting", 2)]
    assert run.reporter.finished == 1


def test_rule_a_failure_stops_the_rest_of_its_chain(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "a failure stops the chain": the failed resource says why, the rest of its chain
    says which failure stopped it; another unit (a bucket) is not affected."""
    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1"), res("s3-bucket", "b")]
    run = _execute(tmp_path, monkeypatch, approved,
                   outcomes={"s-1": CannotDelete("still in use")})
    assert run.outcome() == [
        ("vpc-1", Status.SKIPPED, "not attempted: subnet s-1 failed before it"),
        ("s-1", Status.FAILED, "still in use"), ("b", Status.DELETED, None)]
    assert f"{ACCOUNT}/{REGION}: FAILED subnet s-1: still in use" in run.reporter.steps
    assert "vpc-1" not in run.deleted


def test_rule_an_aws_error_fails_the_resource_with_its_code(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Rule "a failure stops the chain": an AWS error fails the resource with AWS's words."""
    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1")],
                   outcomes={"vpc-1": error("DependencyViolation")})
    assert run.outcome() == [("vpc-1", Status.FAILED,
                              "DependencyViolation: DependencyViolation (fake)")]


@pytest.mark.parametrize(("message", "first"), [
    ("interrupted (Ctrl-C) while emptying the bucket: 5 objects deleted", None),
    ("", executor.INTERRUPTED)], ids=["with-progress", "plain"])
def test_rule_ctrl_c_marks_what_was_not_attempted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  message: str, first: str | None) -> None:
    """Rule "Ctrl-C": the resource being deleted keeps what the stop said (or the plain
    interruption), every later one is marked interrupted; nothing after it is deleted."""
    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1")]
    run = _execute(tmp_path, monkeypatch, approved, outcomes={"s-1": StopRequested(message)})
    assert run.outcome() == [("vpc-1", Status.SKIPPED, executor.INTERRUPTED),
                             ("s-1", Status.SKIPPED, first or message)]
    assert run.deleted == ["s-1"]
    assert executor.INTERRUPTED == ("interrupted (Ctrl-C) before this resource; run apply again "
                                    "to finish")


@pytest.mark.parametrize(("exists", "status", "says"), [
    (False, Status.DELETED, "AWS's answer was lost (no answer); a re-check found it gone"),
    (True, Status.FAILED, "no answer"),
    (error("Throttling"), Status.FAILED, "no answer"),
], ids=["gone-after-all", "still-there", "recheck-failed"])
def test_rule_unknown_outcome_is_rechecked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           exists: bool | BaseException, status: Status,
                                           says: str) -> None:
    """Rule "unknown outcome": a call without an answer is settled by a re-check: gone counts
    as deleted (and goes on), still there or not re-checkable fails the resource."""
    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1")]
    run = _execute(tmp_path, monkeypatch, approved,
                   outcomes={"s-1": UnknownOutcome("no answer")}, exists={"s-1": exists})
    assert run.outcome()[1] == ("s-1", status, says)
    assert run.approved[0].status is (Status.DELETED if status is Status.DELETED
                                      else Status.SKIPPED)
    rechecks = [json.loads(line)["result"] for line in
                run.audit.read_text(encoding="utf-8").splitlines() if '"recheck"' in line]
    assert rechecks == ([] if isinstance(exists, BaseException)
                        else ["exists" if exists else "gone"])
    if status is Status.DELETED:
        assert f"{ACCOUNT}/{REGION}: deleted subnet s-1" in run.reporter.steps


@pytest.mark.parametrize(("account", "fresh", "says"), [
    (ReachableAccount(ACCOUNT, {}, unreachable="cannot assume role R"), None,
     "could not re-check before deleting: cannot assume role R"),
    (None, error("AccessDenied"),
     "could not re-check before deleting: AccessDenied: AccessDenied (fake)"),
], ids=["account-unreachable", "scan-denied"])
def test_rule_a_failed_recheck_fails_the_units_resources(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, account: ReachableAccount | None,
        fresh: BaseException | None, says: str) -> None:
    """Rule "re-check before deleting": without a re-check nothing of the unit is deleted; each
    resource fails with why, and is reported."""
    def failing(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        assert fresh is not None
        raise fresh

    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1")]
    run = _execute(tmp_path, monkeypatch, approved, account=account,
                   fresh=failing if fresh is not None else None)
    assert run.outcome() == [("vpc-1", Status.FAILED, says), ("s-1", Status.FAILED, says)]
    assert run.deleted == []
    assert run.reporter.steps == ["failed vpc vpc-1", "failed subnet s-1"]


def test_rule_ctrl_c_during_the_recheck_deletes_nothing(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Ctrl-C": stopped during the re-check, the unit's resources are all interrupted."""
    def stopped(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        raise StopRequested

    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1")], fresh=stopped)
    assert run.outcome() == [("vpc-1", Status.SKIPPED, executor.INTERRUPTED)]


def test_rule_already_decided_resources_are_reported_and_fresh_finds_only_mentioned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "only what the plan lists": a planned resource that went is reported as a step; a
    fresh find outside the plan is only mentioned (it is not one of the plan's steps)."""
    def fresh(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        return [res("vpc", "vpc-new")]

    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1")], fresh=fresh,
                   exists={"vpc-1": False})
    assert run.outcome() == [("vpc-1", Status.ALREADY_GONE, None)]
    assert run.reporter.steps == [f"{ACCOUNT}/{REGION}: already-gone vpc vpc-1"]
    assert run.reporter.said == [f"{ACCOUNT}/{REGION}: skipped vpc vpc-new"]


def test_rule_iam_waits_until_every_regional_resource_went(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Rule "IAM last": the account's IAM is not attempted while a regional resource remains,
    and says which; IAM calls go to the home region."""
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), role],
                   outcomes={"vpc-1": CannotDelete("in use")})
    assert run.outcome()[1] == (role.id, Status.SKIPPED, (
        f"not attempted: 1 other Trivy resource(s) in account {ACCOUNT} were not deleted (e.g. "
        f"vpc vpc-1 in {REGION}); run apply again once they are"))
    assert role.id not in run.deleted
    seen: list[str] = []

    def fresh(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        seen.append(f"{unit.region}@{ctx.region}")
        return [Resource(r.account, r.region, r.kind, r.id, Action.DELETE, "", r.parent)
                for r in unit.approved]

    role2 = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    done = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), role2], fresh=fresh)
    assert [s for _, s, _ in done.outcome()] == [Status.DELETED, Status.DELETED]
    assert done.deleted == ["vpc-1", role2.id]
    assert seen == [f"{REGION}@{REGION}", f"{GLOBAL_REGION}@eu-west-1"]


def test_rule_stop_before_iam_marks_it_interrupted(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Ctrl-C": a stop requested while the regions ran leaves the IAM unit interrupted."""
    stop = threading.Event()

    def stop_now() -> Status:
        stop.set()
        return Status.DELETED

    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), role],
                   outcomes={"vpc-1": stop_now}, stop=stop)
    assert run.outcome() == [("vpc-1", Status.DELETED, None),
                             (role.id, Status.SKIPPED, executor.INTERRUPTED)]


def test_rule_an_unexpected_error_fails_only_its_unit(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "a bug fails its unit": an exception that is no AWS failure fails the unit's
    resources as unexpected; the other units go on; only planned deletions make units."""
    kept = Resource(ACCOUNT, REGION, "vpc", "vpc-kept", Action.KEEP, "no")
    run = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), res("s3-bucket", "b"), kept],
                   outcomes={"vpc-1": RuntimeError("boom")})
    assert run.outcome() == [("vpc-1", Status.FAILED, "unexpected error: RuntimeError('boom')"),
                             ("b", Status.DELETED, None), ("vpc-kept", None, None)]
    assert run.reporter.started == [("deleting", 2)]
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    iam_bug = _execute(tmp_path, monkeypatch, [role], outcomes={role.id: RuntimeError("x")})
    assert iam_bug.outcome() == [(role.id, Status.FAILED, "unexpected error: RuntimeError('x')")]


def test_rule_execute_returns_the_plans_resources_and_fresh_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "only what the plan lists": the result lists each unit's resources, then its fresh
    finds (kept, not deleted)."""
    deleted: list[Any] = []

    def fresh(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        return [res("vpc", "vpc-1"), res("vpc", "vpc-new")]

    for kind in ("vpc",):
        fake = FakeKind(20, {}, {})
        fake.deleted = deleted
        monkeypatch.setitem(KINDS, kind, fake)
    monkeypatch.setattr(executor, "_fresh", fresh)
    audit = AuditLog(tmp_path / "a.jsonl")
    found = executor.execute([res("vpc", "vpc-1")],
                             {ACCOUNT: cast(Account, ReachableAccount(ACCOUNT, {}))}, 1,
                             Settings(), audit, threading.Event(),
                             cast(Reporter, FakeReporter()))
    assert [(r.id, r.status, r.action) for r in found] == [
        ("vpc-1", Status.DELETED, Action.DELETE), ("vpc-new", Status.SKIPPED, Action.KEEP)]
    assert deleted == ["vpc-1"]


def test_rule_recheck_scans_what_the_unit_holds() -> None:
    """Rule "re-check before deleting": a regional unit is re-checked by the ECS and VPC scans
    (the cluster's task ENIs passed on), the global unit by the IAM scan for the plan's
    regions; only kinds apply can delete come back."""
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/defender-for-containers-va"
    ctx = fake_ctx(ACCOUNT, REGION, ecs={
        "list_clusters": [arn, f"{arn}-old"],
        "describe_clusters": {"clusters": [{"clusterArn": arn, "status": "ACTIVE"}]}},
        iam={"get_role": error("NoSuchEntity", 404), "list_policies": []})
    account = ctx.account
    fresh = executor._fresh(ctx, executor.Unit(account, REGION, [res("vpc", "vpc-1")]))
    assert [(r.kind, r.id, r.action) for r in fresh] == [
        ("ecs-cluster", "defender-for-containers-va-old", Action.KEEP),
        ("ecs-cluster", "defender-for-containers-va", Action.DELETE)]
    ec2_calls = account.clients["ec2"].calls  # type: ignore[attr-defined]
    assert ec2_calls
    assert ec2_calls[0][0].startswith("describe_")
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    found = executor._fresh(ctx, executor.Unit(account, GLOBAL_REGION, [role],
                                               regions=("eu-west-1",)))
    assert {(r.kind, r.region) for r in found} == {("iam-policy", GLOBAL_REGION)}
    asked = {p.get("RoleName") for op, p in account.clients["iam"].calls  # type: ignore[attr-defined]
             if op == "get_role"}
    assert "DefenderForContainersVaRole" in asked


def test_rule_a_failure_at_the_start_marks_all_the_rest(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "a failure stops the chain": the first resource failing marks every later one of
    its chain, not only the last."""
    approved = [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1"),
                res("subnet", "s-2", "vpc-1")]
    run = _execute(tmp_path, monkeypatch, approved, outcomes={"s-1": CannotDelete("in use")})
    assert run.outcome() == [
        ("vpc-1", Status.SKIPPED, "not attempted: subnet s-1 failed before it"),
        ("s-1", Status.FAILED, "in use"),
        ("s-2", Status.SKIPPED, "not attempted: subnet s-1 failed before it")]
    stopped = _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), res("subnet", "s-1", "vpc-1"),
                                               res("subnet", "s-2", "vpc-1")],
                       outcomes={"s-1": StopRequested()})
    assert [s for _, s, _ in stopped.outcome()] == [Status.SKIPPED] * 3
    assert stopped.deleted == ["s-1"]


def test_rule_units_default_to_the_home_region(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "IAM last": without a home region, IAM calls go to us-east-1; the IAM unit judges
    task definitions in the plan's regions, or in the home region when none are given."""
    account = cast(Account, ReachableAccount(ACCOUNT, {}))
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    [unit] = executor.units_for([role], {ACCOUNT: account})
    assert (unit.where, tuple(unit.regions)) == ("us-east-1", ("us-east-1",))
    [unit] = executor.units_for([role], {ACCOUNT: account}, "eu-west-1", ["eu-central-1"])
    assert (unit.where, tuple(unit.regions)) == ("eu-west-1", ("eu-central-1",))
    seen: list[tuple[str, tuple[str, ...]]] = []

    def fresh(ctx: Ctx, unit: executor.Unit) -> list[Resource]:
        seen.append((ctx.region, tuple(unit.regions)))
        return []

    monkeypatch.setattr(executor, "_fresh", fresh)
    for kind in ("iam-role",):
        monkeypatch.setitem(KINDS, kind, FakeKind(30, {}, {role.id: False}))
    audit = AuditLog(tmp_path / "a.jsonl")
    executor.execute([role], {ACCOUNT: account}, None, Settings(), audit, threading.Event(),
                     cast(Reporter, FakeReporter()), regions=["ap-south-1"])
    assert seen == [("us-east-1", ("ap-south-1",))]
    assert role.status is Status.ALREADY_GONE


def test_rule_ctrl_c_while_units_run_marks_everything_interrupted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Ctrl-C": Ctrl-C while the units run tells them to stop, marks what did not finish
    as interrupted and goes on as Ctrl-C."""
    def interrupted(*args: Any, **kw: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(concurrent.futures, "wait", interrupted)
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    approved = [res("vpc", "vpc-1"), role]
    stop = threading.Event()
    with pytest.raises(KeyboardInterrupt):
        _execute(tmp_path, monkeypatch, approved, stop=stop)
    assert stop.is_set()
    assert role.status is Status.SKIPPED
    assert role.error == executor.INTERRUPTED


def test_rule_recheck_of_a_bucket_that_still_matches() -> None:
    """Rule "re-check before deleting": a planned bucket is classified again, by its name, for
    its unit's region: still a Trivy bucket there, it is found to delete."""
    bucket = "defender-for-containers-va-1"
    ctx = fake_ctx(ACCOUNT, REGION, s3={
        "get_bucket_location": {"LocationConstraint": "eu-west-1"},
        "get_object_lock_configuration": error("ObjectLockConfigurationNotFoundError", 404)})
    unit = executor.Unit(ctx.account, "eu-west-1", [res("s3-bucket", bucket, region="eu-west-1")],
                         bucket=True)
    assert [(r.id, r.region, r.action) for r in executor._fresh(ctx, unit)] == [
        (bucket, "eu-west-1", Action.DELETE)]
    calls = ctx.account.clients["s3"].calls  # type: ignore[attr-defined]
    assert calls[0] == ("get_bucket_location", {"Bucket": bucket})


def test_rule_recheck_of_iam_looks_at_task_definitions_of_the_plans_regions() -> None:
    """Rule "re-check before deleting" and "IAM last": the IAM unit's re-check finds the
    scanner's role again and asks every region of the plan whether a task definition still
    names it."""
    provider = oidc_provider_arn("aws", ACCOUNT)
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Federated": provider},
                            "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {
                                "StringEquals": {f"{OIDC_ISSUER}:aud": CONTAINERS_AUDIENCE}}}]}
    role_name = "DefenderForContainersVaRole"

    class Iam(FakeClient):
        def answer(self, operation: str, params: dict[str, Any]) -> Any:
            if operation == "get_role":
                self.calls.append((operation, params))
                if params["RoleName"] != role_name:
                    raise error("NoSuchEntity", 404)
                return {"Role": {"RoleName": role_name, "AssumeRolePolicyDocument": trust,
                                 "Arn": f"arn:aws:iam::{ACCOUNT}:role/{role_name}"}}
            return super().answer(operation, params)

    ctx = fake_ctx(ACCOUNT, REGION, ecs={"list_task_definitions": []})
    ctx.account.clients["iam"] = Iam({  # type: ignore[attr-defined]
        "list_attached_role_policies": [], "get_policy": error("NoSuchEntity", 404)})
    role = res("iam-role", role_name, region=GLOBAL_REGION)
    unit = executor.Unit(ctx.account, GLOBAL_REGION, [role], regions=("eu-west-1", "ap-south-1"))
    found = executor._fresh(ctx, unit)
    assert [(r.id, r.action) for r in found] == [(role_name, Action.DELETE)]
    ecs_calls = ctx.account.clients["ecs"].calls  # type: ignore[attr-defined]
    assert [op for op, _ in ecs_calls] == ["list_task_definitions"] * 2


def test_rule_ctrl_c_while_iam_runs_marks_it_interrupted(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Ctrl-C": Ctrl-C while the IAM units run tells them to stop and goes on as
    Ctrl-C, with the IAM resources not deleted marked interrupted."""
    runs: list[int] = []

    def run_all(items: Any, work: Any, workers: int, stop: threading.Event) -> Any:
        runs.append(1)
        if len(runs) == 2:  # the IAM phase
            monkeypatch.setattr(concurrent.futures, "wait", _interrupted)
        return runner.run_all(items, work, workers, stop)

    monkeypatch.setattr(executor, "run_all", run_all)
    role = res("iam-role", "DefenderForContainersVaRole", region=GLOBAL_REGION)
    stop = threading.Event()
    with pytest.raises(KeyboardInterrupt):
        _execute(tmp_path, monkeypatch, [res("vpc", "vpc-1"), role], stop=stop)
    assert stop.is_set()
    assert len(runs) == 2


def _interrupted(*args: Any, **kw: Any) -> Any:
    raise KeyboardInterrupt
