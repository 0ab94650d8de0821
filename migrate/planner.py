"""`plan`: find what the Trivy scanner left, per account and region, without changing anything."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError

from migrate.aws import Account, AccountUnreachable, describe_error
from migrate.context import AWS_FAILURES, NO_ANSWER, Ctx, Settings
from migrate.kinds import ecs, iam, lookalikes, rank, s3, vpc
from migrate.model import ALL_REGIONS, GLOBAL_REGION, Action, Resource, ScanError
from migrate.progress import Reporter
from migrate.readiness import Readiness
from migrate.readiness import check as check_readiness
from migrate.runner import default_workers, run_all

READ_HINT = ("the credentials need read access to S3, ECS, EC2, ELB, IAM, CloudWatch Logs and "
             "CloudFormation (e.g. the ReadOnlyAccess policy)")


@dataclass
class PlanResult:
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    readiness: dict[str, Readiness] = field(default_factory=dict)


@dataclass(frozen=True)
class Unit:
    account: Account
    region: str  # GLOBAL_REGION: the account-wide unit (S3 buckets, IAM roles)

    @property
    def label(self) -> str:
        return f"{self.account.id}/{self.region}"


def scan_region(ctx: Ctx) -> list[Resource]:
    found = ecs.discover(ctx)
    return [*found.resources, *vpc.discover(ctx, found.task_enis, found.cluster_active),
            *lookalikes.discover_regional(ctx)]


def scan_account(ctx: Ctx, regions: list[str]) -> tuple[list[Resource], Readiness]:
    """The account-wide unit: buckets, IAM, and the MDVM readiness gate; one ListRoles listing
    serves the IAM scan, its look-alikes and the gate."""
    roles = iam.list_roles(ctx)
    ready = check_readiness(ctx, ctx.settings.image_assessment_role, roles)
    names = {str(r["RoleName"]) for r in roles}
    return [*s3.discover(ctx, regions), *iam.discover(ctx, regions, names),
            *lookalikes.discover_global(ctx, roles)], ready


def order(resources: list[Resource]) -> list[Resource]:
    """Deletes first, in deletion order, then keeps; numbered per account and region.

    The key depends only on the resources, so results do not depend on the concurrency.
    """
    ordered = sorted(resources, key=lambda r: (r.account, r.region, r.action is Action.KEEP,
                                               rank(r.kind), r.parent or "", r.id))
    counters: dict[tuple[str, str], int] = {}
    for res in ordered:
        if res.action is Action.DELETE:
            n = counters.get((res.account, res.region), 0) + 1
            counters[(res.account, res.region)] = n
            res.order = n
        else:
            res.order = None
    return ordered


def unit_error(exc: BaseException, unit: Unit) -> ScanError:
    text = describe_error(exc)
    if isinstance(exc, NO_ANSWER) and not isinstance(exc, BotoCoreError):
        text = (f"an answer from AWS could not be read ({type(exc).__name__}: {text}); "
                "run plan again")
    if "AccessDenied" in text or "UnauthorizedOperation" in text:
        text = f"{text}; {READ_HINT}"
    return ScanError(unit.account.id, unit.region, text)


def make_plan(accounts: list[Account], regions: list[str], workers: int | None,
              reporter: Reporter, stop: threading.Event,
              settings: Settings | None = None) -> PlanResult:
    units = [Unit(a, GLOBAL_REGION) for a in accounts]
    units += [Unit(a, r) for a in accounts for r in regions]

    conf = settings or Settings()
    result = PlanResult()

    def work(unit: Unit) -> list[Resource]:
        where = regions[0] if unit.region == GLOBAL_REGION else unit.region
        ctx = Ctx(unit.account, where, conf, stop=stop, say=reporter.say)
        try:
            with unit.account.active():
                unit.account.reach()
                if unit.region != GLOBAL_REGION:
                    return scan_region(ctx)
                found, result.readiness[unit.account.id] = scan_account(ctx, regions)
                return found
        finally:
            reporter.step(f"scanned {unit.label}")

    reporter.start("scanning", len(units))
    unreachable: set[str] = set()
    for unit, outcome in run_all(units, work, workers or default_workers(len(units)), stop):
        if isinstance(outcome, AccountUnreachable):
            if unit.account.id not in unreachable:  # one line per account, not per region
                unreachable.add(unit.account.id)
                result.errors.append(ScanError(unit.account.id, ALL_REGIONS, str(outcome)))
        elif isinstance(outcome, AWS_FAILURES):
            result.errors.append(unit_error(outcome, unit))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            result.resources += outcome
    reporter.finish()
    result.resources = order(result.resources)
    return result
