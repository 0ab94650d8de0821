"""`defender-migrate trivy apply`: delete the Trivy leftovers, after confirmation."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import click

from migrate import options, render
from migrate.app import App, pass_app
from migrate.audit import AuditLog
from migrate.aws import Account
from migrate.context import Ctx, Settings
from migrate.document import load_plan
from migrate.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    InputError,
    Interrupted,
    RefusedError,
)
from migrate.executor import execute
from migrate.model import Action, Resource, ScanError, Status, Targets
from migrate.planner import make_plan, order
from migrate.readiness import FIX, Readiness
from migrate.readiness import check as check_readiness
from migrate.targeting import accounts_for_plan


@dataclasses.dataclass
class ApplyRun:
    """What apply works from: the plan (a plan file's, or a fresh one) and the accounts
    reached, with their readiness checked again."""

    targets: Targets
    resources: list[Resource]
    errors: list[ScanError]
    reached: dict[str, Account]
    readiness: dict[str, Readiness]


@dataclasses.dataclass
class Sorted:
    """Where each resource of an ApplyRun goes."""

    deletes: list[Resource]  # deleted now (after the confirmation)
    refused: list[Resource]  # deletes in accounts not ready for the clean-up: skipped
    keeps: list[Resource]  # kept, or deletes in accounts that could not be reached or scanned
    failed: set[str]  # the accounts that could not be reached or scanned


def sort_out(run: ApplyRun, skip_readiness_check: bool) -> Sorted:
    """What goes where. An account that could not be reached or scanned has an incomplete
    plan: nothing is deleted there (its deletes are kept, `skipped` as not attempted), and the
    other accounts go on. Deletes in an account that is not ready are refused (`skipped`)."""
    failed = {e.account for e in run.errors}
    deletes = [r for r in run.resources if r.action is Action.DELETE and r.account not in failed]
    refused = [] if skip_readiness_check else _refuse_unready(deletes, run.readiness)
    deletes = [r for r in deletes if r not in refused]
    keeps = [r for r in run.resources if r.action is Action.KEEP or r.account in failed]
    for res in keeps:
        if res.action is Action.DELETE:
            res.status = Status.SKIPPED
            res.error = f"not attempted: account {res.account} could not be reached or scanned"
    return Sorted(deletes, refused, keeps, failed)


def not_deleted(results: Sequence[Resource], refused: Sequence[Resource]) -> list[Resource]:
    """The resources apply tried and could not delete (refused accounts are reported apart)."""
    return [r for r in results if r.status is Status.FAILED
            or (r.status is Status.SKIPPED and r.action is Action.DELETE and r not in refused)]


def exit_code(where: Sorted, not_done: Sequence[Resource] = (),
              interrupted: bool = False) -> int:
    """Which exit code: 130 when interrupted, else 1 when anything was left undone (a resource
    not deleted, an account refused or not reached), else 0."""
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if not_done or where.refused or where.failed else EXIT_OK


def nothing_deleted_refusal(where: Sorted) -> RefusedError | None:
    """With nothing to delete because every account with leftovers failed, apply refuses: the
    run did not do what was asked (a refused account already said why)."""
    if where.failed and not where.refused:
        return RefusedError(f"{len(where.failed)} account(s) could not be reached or scanned: "
                            "nothing deleted; fix the error or narrow --regions/--accounts")
    return None


def _confirm(deletes: list[Resource]) -> None:
    wanted = sorted({r.account for r in deletes})
    try:
        typed = click.prompt(
            f"{len(deletes)} resources will be deleted in account(s) {', '.join(wanted)}. Type "
            "the account ID(s) to confirm (comma-separated)", err=True, default="",
            show_default=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise Interrupted("Ctrl-C at the confirmation prompt: nothing was "
                              "deleted") from exc
        raise RefusedError("no confirmation given: nothing deleted; type the account ID(s) "
                           "at the prompt, or pass --yes") from exc
    given = sorted({a.strip() for a in typed.split(",") if a.strip()})
    if given != wanted:
        raise RefusedError(f"confirmation {','.join(given) or '(empty)'} does not match the "
                           f"account(s) {','.join(wanted)}: nothing deleted")


def _check_readiness(reached: dict[str, Account], region: str,
                     settings: Settings) -> dict[str, Readiness]:
    """Checked again at apply time: a plan file's readiness may be out of date."""
    found = {}
    for account_id, account in sorted(reached.items()):
        ctx = Ctx(account, region, settings)
        with account.active():
            found[account_id] = check_readiness(ctx, settings.image_assessment_role)
    return found


def _refuse_unready(deletes: list[Resource], readiness: dict[str, Readiness]) -> list[Resource]:
    """Mark the deletes of accounts that are not ready as skipped; returns them."""
    refused = []
    for res in deletes:
        state = readiness.get(res.account)
        if state is not None and not state.ready:
            res.status = Status.SKIPPED
            res.error = f"refused: account not ready for the clean-up: {state.reason}; {FIX}"
            refused.append(res)
    return refused


@click.command()
@click.argument("plan_file", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@options.targeting
@options.yes
@options.audit_log
@options.eni_timeout
@options.skip_readiness_check
@options.image_assessment_role
@options.concurrency
@pass_app
def apply(app: App, plan_file: Path | None, regions: str | None, all_regions: bool,
          accounts: str | None, organization: bool, role_name: str | None, yes: bool,
          audit_log: Path, eni_timeout: float | None, skip_readiness_check: bool,
          image_assessment_role: str, concurrency: int | None) -> int:
    """Delete the Trivy leftovers: those of PLAN_FILE, or of a fresh plan for the targeting.

    Shows the plan, asks you to type the account ID(s) (unless --yes), then deletes in
    dependency order. Each resource is re-checked just before deletion: one that has gone is
    `already-gone`, one that no longer matches the Trivy fingerprint is `skipped`. With
    PLAN_FILE only what it lists is deleted, and apply refuses when the credentials are not
    for the plan's account(s). Accounts where MDVM image assessment is not onboarded are
    refused (their registries would be left unscanned) unless --skip-readiness-check. Every
    mutating call is appended to --audit-log. Running apply again after an interruption or a
    failure finishes the job.

    \b
    Examples:
      defender-migrate trivy apply trivy.plan.json
      defender-migrate trivy apply --regions us-east-1 --yes
    """
    targeting_given = regions or all_regions or accounts or organization or role_name
    if plan_file is not None and targeting_given:
        raise InputError("give a PLAN_FILE or targeting options (--regions, --accounts, ...), "
                         "not both: a plan file already says where to work")
    settings = dataclasses.replace(app.settings, image_assessment_role=image_assessment_role)
    if eni_timeout is not None:
        settings = dataclasses.replace(settings, eni_timeout=eni_timeout)
    try:
        run = _prepare(app, plan_file, settings, concurrency, regions, all_regions, accounts,
                       organization, role_name)
    except KeyboardInterrupt as exc:
        raise Interrupted("Ctrl-C while planning: nothing was deleted") from exc
    _show(app, run)
    where = sort_out(run, skip_readiness_check)
    _say_unusable_accounts(where, run.readiness)
    if not where.deletes:
        app.emit("apply", run.targets, order([*where.refused, *where.keeps]), run.errors,
                 applied=True, readiness=run.readiness)
        refusal = nothing_deleted_refusal(where)
        if refusal is not None:
            raise refusal
        if not where.refused:
            click.echo("Nothing to delete.", err=True)
        return exit_code(where)
    if not yes:
        _confirm(where.deletes)
    return _delete(app, run, where, settings, audit_log, concurrency)


def _show(app: App, run: ApplyRun) -> None:
    shown_on = app.err if app.output == "json" else app.out
    render.tables(shown_on, run.resources, run.errors, applied=False)
    render.readiness(shown_on, run.readiness)
    shown_on.print(render.summary_line(run.resources, applied=False))


def _say_unusable_accounts(where: Sorted, readiness: dict[str, Readiness]) -> None:
    if where.failed:
        click.echo(f"{len(where.failed)} account(s) could not be reached or scanned (see "
                   "above): nothing deleted there; fix the error and run apply again for them",
                   err=True)
    for account in sorted({r.account for r in where.refused}):
        click.secho(f"error: account {account} is not ready for the clean-up: "
                    f"{readiness[account].reason}; nothing deleted there; {FIX}", err=True,
                    fg="red")


def _delete(app: App, run: ApplyRun, where: Sorted, settings: Settings, audit_log: Path,
            concurrency: int | None) -> int:
    audit = AuditLog(audit_log)
    click.echo(f"audit log: {audit.path}", err=True)
    interrupted = False
    try:
        with app.reporter() as reporter:
            done = execute(where.deletes, run.reached, concurrency, settings, audit, app.stop,
                           reporter, run.targets.regions[0], run.targets.regions)
    except KeyboardInterrupt:
        interrupted, done = True, where.deletes
    finally:
        audit.close()
    interrupted = interrupted or app.stop.is_set()
    results = order([*done, *where.refused, *where.keeps])
    app.emit("apply", run.targets, results, run.errors, applied=True, readiness=run.readiness)
    if interrupted:
        finished = sum(r.status in (Status.DELETED, Status.ALREADY_GONE) for r in done)
        click.echo(f"Interrupted: {finished} of {len(where.deletes)} deleted before stopping; "
                   f"every call is in {audit.path}. Run apply again to finish.", err=True)
        return exit_code(where, interrupted=True)
    bad = not_deleted(results, where.refused)
    for res in bad:
        click.secho(f"error: {res.status.value if res.status else ''} {res.kind} {res.id} in "
                    f"{res.account}/{res.region}: {res.error}", err=True, fg="red")
    if bad:
        click.echo(f"{len(bad)} resource(s) not deleted; fix the cause and run apply again.",
                   err=True)
    return exit_code(where, bad)


def _prepare(app: App, plan_file: Path | None, settings: Settings, concurrency: int | None,
             regions: str | None, all_regions: bool, accounts: str | None, organization: bool,
             role_name: str | None) -> ApplyRun:
    if plan_file is not None:
        targets, resources, _ = load_plan(plan_file)
        region = targets.regions[0]
        reached, errors = accounts_for_plan(app.factory, region, targets.accounts,
                                            targets.role_name)
        unreachable = {e.account for e in errors}
        ready = {a: acc for a, acc in reached.items() if a not in unreachable}
        return ApplyRun(targets, resources, errors, reached,
                        _check_readiness(ready, region, settings))
    targets, found = app.resolve(regions, all_regions, accounts, organization, role_name)
    with app.reporter() as reporter:
        result = make_plan(found, targets.regions, concurrency, reporter, app.stop, settings)
    return ApplyRun(targets, result.resources, result.errors, {a.id: a for a in found},
                    result.readiness)
