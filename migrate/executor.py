"""`apply`: delete what an approved plan lists, re-checking each resource first.

Work is split into independent units (the ECS/VPC chain of one account and region; each
bucket), run concurrently. Inside a unit a fresh scan decides, per approved resource, whether it
still matches (delete), has gone (already-gone) or no longer matches (skipped); resources are then
deleted in dependency order and a failure stops the rest of that chain.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from migrate.audit import AuditLog
from migrate.aws import Account, AccountUnreachable, describe_error
from migrate.context import AWS_FAILURES, CannotDelete, Ctx, Settings, StopRequested, UnknownOutcome
from migrate.kinds import EPHEMERAL, KINDS, PARENT_KIND, ecs, iam, rank, s3, vpc
from migrate.model import GLOBAL_REGION, Action, Resource, Status
from migrate.progress import Reporter
from migrate.runner import default_workers, run_all

INTERRUPTED = "interrupted (Ctrl-C) before this resource; run apply again to finish"
# What fails one unit's re-check, and one resource's deletion (CannotDelete: a bounded wait or
# the emptying gave up, an attachment remains, or UnknownOutcome), without stopping the others;
# any other exception is a bug and fails the unit as unexpected.
RECHECK_FAILURES: tuple[type[Exception], ...] = (*AWS_FAILURES, AccountUnreachable)
DELETE_FAILURES: tuple[type[Exception], ...] = (*AWS_FAILURES, CannotDelete)


@dataclass
class Unit:
    account: Account
    region: str
    approved: list[Resource]
    bucket: bool = False
    extra: list[Resource] = field(default_factory=list)  # fresh finds reported beside the plan
    where: str = ""  # the region API calls go to; IAM units are `global` but need one
    regions: Sequence[str] = ()  # IAM units: the plan's regions, whose task definitions count

    @property
    def label(self) -> str:
        return f"{self.account.id}/{self.region}"


def _fresh(ctx: Ctx, unit: Unit) -> list[Resource]:
    if unit.bucket:
        found = s3.classify(ctx, unit.approved[0].id, [unit.region])
        return [] if found is None else [found]
    if unit.region == GLOBAL_REGION:
        return iam.discover(ctx, unit.regions)
    findings = ecs.discover(ctx)
    vpcs = vpc.discover(ctx, findings.task_enis, findings.cluster_active)
    return [r for r in (*findings.resources, *vpcs) if KINDS.get(r.kind) is not None]


def reconcile(ctx: Ctx, unit: Unit, fresh: list[Resource]) -> list[Resource]:
    """Decide what to delete now; sets the status of everything that will not be deleted.

    A child (a subnet, a task...) is deleted only when AWS says it is in the parent the plan
    lists, and that parent is approved and still to be deleted: an edited plan file cannot
    reach into a VPC or cluster it does not approve as a whole.
    """
    fresh_by_key = {r.key: r for r in fresh}
    approved_keys = {r.key for r in unit.approved}
    todo: list[Resource] = []
    for res in unit.approved:
        now = fresh_by_key.get(res.key)
        if now is None:
            if KINDS[res.kind].exists(ctx, res):
                res.status = Status.SKIPPED
                res.error = "no longer matches the Trivy fingerprint; not deleted"
            else:
                res.status = Status.ALREADY_GONE
        elif now.action is Action.KEEP:
            res.status = Status.SKIPPED
            res.error = f"no longer matches: {now.reason}"
        elif now.parent is not None and now.parent != res.parent:
            res.status = Status.SKIPPED
            res.error = (f"AWS says it is in {PARENT_KIND.get(res.kind, 'parent')} "
                         f"{now.parent}, not in {res.parent} as the plan lists; not deleted")
        else:
            res.details.update(now.details)  # what AWS says now, not what the file says
            todo.append(res)
    deleting = {(r.kind, r.id) for r in todo}

    def parent_deleted(res: Resource) -> bool:
        now = fresh_by_key.get(res.key, res)
        # A child AWS places in no parent (a detached Trivy gateway) stands on its own.
        return now.parent is None or (PARENT_KIND.get(res.kind), now.parent) in deleting

    for res in [r for r in todo if not parent_deleted(r)]:
        todo.remove(res)
        res.status = Status.SKIPPED
        res.error = (f"its {PARENT_KIND.get(res.kind, 'parent')} {res.parent} is not approved "
                     "for deletion in this plan (or no longer matches); not deleted")
    for now in fresh:
        if now.action is not Action.DELETE or now.key in approved_keys:
            continue
        now.unlisted = True
        if now.kind in EPHEMERAL and parent_deleted(now) and now.parent is not None:
            now.reason += f"; appeared after the plan, part of approved {now.parent}"
            todo.append(now)
        else:
            now.action = Action.KEEP
            now.status = Status.SKIPPED
            now.error = "not in the approved plan; run plan again to include it"
        unit.extra.append(now)
    return sorted(todo, key=lambda r: (rank(r.kind), r.parent or "", r.id))


def _run_unit(unit: Unit, settings: Settings, audit: AuditLog, stop: threading.Event,
              reporter: Reporter) -> None:
    ctx = Ctx(unit.account, unit.where or unit.region, settings, audit, stop, reporter.say)
    with unit.account.active():
        _run_unit_as_account(ctx, unit, reporter)


def _run_unit_as_account(ctx: Ctx, unit: Unit, reporter: Reporter) -> None:
    try:
        unit.account.reach()
        todo = reconcile(ctx, unit, _fresh(ctx, unit))
    except StopRequested:
        _mark(unit.approved, INTERRUPTED)
        return
    except RECHECK_FAILURES as exc:
        _mark(unit.approved, f"could not re-check before deleting: {describe_error(exc)}",
              Status.FAILED)
        for res in unit.approved:
            reporter.step(f"{res.status.value if res.status else ''} {res.kind} {res.id}")
        return

    def done(res: Resource, message: str) -> None:
        # The progress counts the plan's own resources; fresh finds are only mentioned.
        (reporter.say if res.unlisted else reporter.step)(message)

    for res in unit.approved + unit.extra:
        if res.status is not None:
            done(res, f"{unit.label}: {res.status.value} {res.kind} {res.id}")
    for i, res in enumerate(todo):
        try:
            res.status = KINDS[res.kind].delete(ctx, res)
        except StopRequested as exc:
            _mark([res], str(exc) or INTERRUPTED)
            _mark(todo[i + 1:], INTERRUPTED)
            return
        except DELETE_FAILURES as exc:
            res.error = describe_error(exc)
            if isinstance(exc, UnknownOutcome) and _gone_after_all(ctx, res):
                res.status = Status.DELETED
                res.error = (f"AWS's answer was lost ({res.error}); a re-check found it gone")
                done(res, f"{unit.label}: {res.status.value} {res.kind} {res.id}")
                continue
            res.status = Status.FAILED
            done(res, f"{unit.label}: FAILED {res.kind} {res.id}: {res.error}")
            _mark(todo[i + 1:], f"not attempted: {res.kind} {res.id} failed before it")
            return
        done(res, f"{unit.label}: {res.status.value} {res.kind} {res.id}")


def _gone_after_all(ctx: Ctx, res: Resource) -> bool:
    """After a call whose outcome is unknown (no answer from AWS), ask whether the resource is
    still there; recorded in the audit log. A failed re-check leaves it unknown (not gone): the
    next run's scan settles it."""
    try:
        exists = KINDS[res.kind].exists(ctx, res)
    except AWS_FAILURES:
        return False
    ctx.recheck(res, exists)
    return not exists


def _mark(resources: list[Resource], why: str, status: Status = Status.SKIPPED) -> None:
    for res in resources:
        if res.status is None:
            res.status = status
            res.error = why


def units_for(approved: list[Resource], accounts: dict[str, Account],
              home_region: str = "us-east-1", regions: Sequence[str] = ()) -> list[Unit]:
    chains: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    units: list[Unit] = []
    for res in approved:
        if res.kind == "s3-bucket":
            units.append(Unit(accounts[res.account], res.region, [res], bucket=True))
        else:
            chains[(res.account, res.region)].append(res)
    units += [Unit(accounts[a], r, chain, where=home_region if r == GLOBAL_REGION else r,
                   regions=regions or (home_region,))
              for (a, r), chain in sorted(chains.items())]
    return units


def _unfinished(units: list[Unit], account: str) -> list[Resource]:
    return [r for u in units if u.account.id == account for r in u.approved
            if r.status not in (Status.DELETED, Status.ALREADY_GONE)]


def execute(approved: list[Resource], accounts: dict[str, Account], workers: int | None,
            settings: Settings, audit: AuditLog, stop: threading.Event,
            reporter: Reporter, home_region: str = "us-east-1",
            regions: Sequence[str] = ()) -> list[Resource]:
    """Delete the approved resources; returns them (and fresh finds) with a status each.

    Buckets and each region's ECS/VPC chain run first, concurrently; an account's IAM roles and
    policies only after all of them, and only when they all went (a Trivy task still running
    somewhere could be using the task role).
    """
    units = units_for([r for r in approved if r.action is Action.DELETE], accounts, home_region,
                      regions)
    regional = [u for u in units if u.region != GLOBAL_REGION]
    global_units = [u for u in units if u.region == GLOBAL_REGION]
    reporter.start("deleting", sum(len(u.approved) for u in units))
    try:
        outcomes = run_all(regional, lambda u: _run_unit(u, settings, audit, stop, reporter),
                           workers or default_workers(len(regional)), stop)
        _fail_unexpected(outcomes)
        ready: list[Unit] = []
        for unit in global_units:
            left = _unfinished(regional, unit.account.id)
            if left:
                _mark(unit.approved, f"not attempted: {len(left)} other Trivy resource(s) in "
                      f"account {unit.account.id} were not deleted (e.g. {left[0].kind} "
                      f"{left[0].id} in {left[0].region}); run apply again once they are")
            else:
                ready.append(unit)
        if not stop.is_set():
            _fail_unexpected(run_all(
                ready, lambda u: _run_unit(u, settings, audit, stop, reporter),
                workers or default_workers(len(ready)), stop))
        else:
            for unit in ready:
                _mark(unit.approved, INTERRUPTED)
    except KeyboardInterrupt:
        for unit in units:
            _mark(unit.approved, INTERRUPTED)
        raise
    finally:
        reporter.finish()
    return [res for unit in units for res in (*unit.approved, *unit.extra)]


def _fail_unexpected(outcomes: list[tuple[Unit, BaseException | None]]) -> None:
    for unit, outcome in outcomes:
        if isinstance(outcome, BaseException):
            _mark(unit.approved, f"unexpected error: {outcome!r}", Status.FAILED)
