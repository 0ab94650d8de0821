"""`defender-migrate trivy apply`: delete the Trivy leftovers, after confirmation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from migrate import options, render
from migrate.app import App, pass_app
from migrate.audit import AuditLog
from migrate.document import load_plan
from migrate.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, InputError, RefusedError
from migrate.executor import execute
from migrate.model import Action, Resource, Status
from migrate.planner import make_plan, order
from migrate.targeting import accounts_for_plan


def _confirm(deletes: list[Resource]) -> None:
    wanted = sorted({r.account for r in deletes})
    try:
        typed = click.prompt(
            f"{len(deletes)} resources will be deleted. Type the account ID(s) to confirm "
            f"({len(wanted)}, comma-separated)", err=True, default="", show_default=False)
    except click.exceptions.Abort as exc:
        raise RefusedError("no confirmation given: nothing deleted; type the account ID(s) "
                           "at the prompt, or pass --yes") from exc
    given = sorted({a.strip() for a in typed.split(",") if a.strip()})
    if given != wanted:
        raise RefusedError(f"confirmation {','.join(given) or '(empty)'} does not match the "
                           f"account(s) {','.join(wanted)}: nothing deleted")


@click.command()
@click.argument("plan_file", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@options.targeting
@options.yes
@options.audit_log
@options.eni_timeout
@options.concurrency
@pass_app
def apply(app: App, plan_file: Path | None, regions: str | None, all_regions: bool,
          accounts: str | None, organization: bool, role_name: str | None, yes: bool,
          audit_log: Path, eni_timeout: float | None, concurrency: int | None) -> int:
    """Delete the Trivy leftovers: those of PLAN_FILE, or of a fresh plan for the targeting.

    Shows the plan, asks you to type the account ID(s) (unless --yes), then deletes in
    dependency order. Each resource is re-checked just before deletion: one that has gone is
    `already-gone`, one that no longer matches the Trivy fingerprint is `skipped`. With
    PLAN_FILE only what it lists is deleted, and apply refuses when the credentials are not
    for the plan's account(s). Every mutating call is appended to --audit-log. Running apply
    again after an interruption or a failure finishes the job.

    \b
    Examples:
      defender-migrate trivy apply trivy.plan.json
      defender-migrate trivy apply --regions us-east-1 --yes
    """
    targeting_given = regions or all_regions or accounts or organization or role_name
    if plan_file is not None and targeting_given:
        raise InputError("give a PLAN_FILE or targeting options (--regions, --accounts, ...), "
                         "not both: a plan file already says where to work")
    settings = app.settings if eni_timeout is None else dataclasses.replace(
        app.settings, eni_timeout=eni_timeout)
    if plan_file is not None:
        targets, resources = load_plan(plan_file)
        region = targets.regions[0] if targets.regions else "us-east-1"
        reached, errors = accounts_for_plan(app.factory, region, targets.accounts,
                                            targets.role_name)
    else:
        targets, found = app.resolve(regions, all_regions, accounts, organization, role_name)
        with app.reporter() as reporter:
            result = make_plan(found, targets.regions, concurrency, reporter, app.stop, settings)
        resources, errors = result.resources, result.errors
        reached = {a.id: a for a in found}

    shown_on = app.err if app.output == "json" else app.out
    render.tables(shown_on, resources, errors, applied=False)
    shown_on.print(render.summary_line(resources, applied=False))
    # An account whose scan failed has an incomplete plan: nothing is deleted there, and the
    # other accounts go on.
    failed = {e.account for e in errors}
    if failed:
        click.echo(f"{len(failed)} account(s) could not be reached or scanned (see above): "
                   "nothing deleted there; fix the error and run apply again for them", err=True)
    deletes = [r for r in resources if r.action is Action.DELETE and r.account not in failed]
    if not deletes:
        if failed:
            app.emit("apply", targets, resources, errors, applied=True)
            raise RefusedError(f"{len(failed)} account(s) could not be reached or scanned: "
                               "nothing deleted; fix the error or narrow --regions/--accounts")
        click.echo("Nothing to delete.", err=True)
        app.emit("apply", targets, resources, errors, applied=True)
        return EXIT_OK
    if not yes:
        _confirm(deletes)

    audit = AuditLog(audit_log)
    click.echo(f"audit log: {audit.path}", err=True)
    interrupted = False
    keeps = [r for r in resources if r.action is Action.KEEP or r.account in failed]
    for res in keeps:
        if res.action is Action.DELETE:
            res.status = Status.SKIPPED
            res.error = f"not attempted: account {res.account} could not be reached or scanned"
    try:
        with app.reporter() as reporter:
            done = execute(deletes, reached, concurrency, settings, audit, app.stop, reporter)
    except KeyboardInterrupt:
        interrupted, done = True, deletes
    finally:
        audit.close()
    interrupted = interrupted or app.stop.is_set()
    results = order([*done, *keeps])
    app.emit("apply", targets, results, errors, applied=True)
    if interrupted:
        finished = sum(r.status in (Status.DELETED, Status.ALREADY_GONE) for r in done)
        click.echo(f"Interrupted: {finished} of {len(deletes)} deleted before stopping; every "
                   f"call is in {audit.path}. Run apply again to finish.", err=True)
        return EXIT_INTERRUPTED
    bad = [r for r in results if r.status is Status.FAILED
           or (r.status is Status.SKIPPED and r.action is Action.DELETE)]
    for res in bad:
        click.secho(f"error: {res.status.value if res.status else ''} {res.kind} {res.id} in "
                    f"{res.account}/{res.region}: {res.error}", err=True, fg="red")
    if bad:
        click.echo(f"{len(bad)} resource(s) not deleted; fix the cause and run apply again.",
                   err=True)
    return EXIT_FAILED if bad or failed else EXIT_OK
