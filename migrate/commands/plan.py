"""`defender-migrate trivy plan`: read-only; what would be deleted, in order, and what is kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from migrate import document, options
from migrate.app import App, pass_app
from migrate.errors import EXIT_CHANGES, EXIT_FAILED, EXIT_OK, Interrupted
from migrate.model import Action, Resource, ScanError
from migrate.planner import make_plan


@click.command()
@options.targeting
@options.out_file
@options.detailed_exitcode
@options.image_assessment_role
@options.concurrency
@pass_app
def plan(app: App, regions: str | None, all_regions: bool, accounts: str | None,
         organization: bool, role_name: str | None, out: Path | None, detailed_exitcode: bool,
         image_assessment_role: str, concurrency: int | None) -> int:
    """Show what would be deleted, in deletion order, and what is kept and why (read-only).

    Makes no change: only Describe/List/Get calls. Save the plan with --out, review it, then
    delete exactly what it lists with `defender-migrate trivy apply PLAN_FILE`. Also shows, per
    account, whether MDVM image assessment is onboarded (apply refuses accounts that are not).

    \b
    Examples:
      defender-migrate trivy plan
      defender-migrate trivy plan --all-regions --out trivy.plan.json
      defender-migrate -o json trivy plan --organization --role-name OrganizationAccountAccessRole
      defender-migrate trivy plan --accounts 111111111111,222222222222 --role-name Audit \\
          --detailed-exitcode   # exit 2 when leftovers exist (for CI)
    """
    settings = dataclasses.replace(app.settings, image_assessment_role=image_assessment_role)
    try:
        targets, found = app.resolve(regions, all_regions, accounts, organization, role_name)
        with app.reporter() as reporter:
            result = make_plan(found, targets.regions, concurrency, reporter, app.stop,
                               settings)
    except KeyboardInterrupt as exc:
        raise Interrupted("Ctrl-C while scanning: plan is read-only, nothing was "
                          "changed and no plan file was written") from exc
    doc = app.emit("plan", targets, result.resources, result.errors, applied=False,
                   readiness=result.readiness)
    if out is not None:
        document.write(out, doc)
        click.echo(f"plan written to {out}; delete what it lists with: "
                   f"defender-migrate trivy apply {out}", err=True)
    return exit_code(result.errors, result.resources, detailed_exitcode)


def exit_code(errors: list[ScanError], resources: list[Resource], detailed: bool) -> int:
    """A scan error wins over everything: a plan that could not look everywhere is never
    reported clean (0) nor merely "changes" (2)."""
    if errors:
        return EXIT_FAILED
    if detailed and any(r.action is Action.DELETE for r in resources):
        return EXIT_CHANGES
    return EXIT_OK
