"""Human output: one table per account and region, deletes in order, then what is kept and why."""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.table import Table

from migrate.aws import Arn
from migrate.model import Action, Resource, ScanError, Status
from migrate.readiness import FIX, Readiness

STATUS_STYLE = {
    Status.DELETED: "green", Status.ALREADY_GONE: "green", Status.FAILED: "bold red",
    Status.SKIPPED: "yellow",
}


def tables(console: Console, resources: list[Resource], errors: list[ScanError],
           applied: bool) -> None:
    if not resources and not errors:
        console.print("No Trivy leftovers and no look-alikes found.")
    key = lambda r: (r.account, r.region)  # noqa: E731 - a sort key, used twice
    for (account, region), group in groupby(sorted(resources, key=key), key=key):
        rows = sorted(group, key=lambda r: (r.order is None, r.order or 0))
        table = Table(title=f"account {account} · {region}", title_justify="left",
                      show_lines=False, expand=False)
        # IDs and kinds are copied into other commands: they never wrap. The reason column takes
        # what width is left and folds.
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("id", no_wrap=True, overflow="ignore")
        table.add_column("action", no_wrap=True)
        if applied:
            table.add_column("status", no_wrap=True)
        table.add_column("reason" if not applied else "reason / error", overflow="fold",
                         ratio=1, min_width=20)
        for res in rows:
            action = "[red]delete[/]" if res.action is Action.DELETE else "keep"
            cells = [str(res.order or ""), res.kind, short_id(res.id), action]
            if applied:
                style = STATUS_STYLE.get(res.status, "") if res.status else ""
                cells.append(f"[{style}]{res.status.value}[/]" if res.status and style else "")
            cells.append(res.error if applied and res.error else res.reason)
            table.add_row(*cells)
        console.print(table)
    for err in errors:
        console.print(f"[red]error[/] {err.account}/{err.region}: {err.error}", highlight=False)


def short_id(id_: str) -> str:
    """An ECS ARN's last part (its task, service or instance ID) is unique in the table; the
    JSON document keeps the whole ARN."""
    return Arn.name_of(id_)


def readiness(console: Console, found: dict[str, Readiness]) -> None:
    for account, state in sorted(found.items()):
        if state.ready:
            console.print(f"account {account}: ready for the clean-up: {state.reason}",
                          highlight=False, soft_wrap=True)
        else:
            console.print(f"[yellow]account {account}: NOT ready for the clean-up[/]: "
                          f"{state.reason}; apply refuses this account: {FIX}", highlight=False,
                          soft_wrap=True)


def summary_line(resources: list[Resource], applied: bool) -> str:
    resources = [r for r in resources if not r.unlisted]  # apply's fresh finds are not counted
    deletes = sum(r.action is Action.DELETE for r in resources)
    keeps = len(resources) - deletes
    if not applied:
        return f"Plan: {deletes} to delete, {keeps} kept."
    counts = {s: sum(r.status is s for r in resources) for s in Status}
    return ("Apply: " + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
            + f"; {keeps} kept.") if any(counts.values()) else "Apply: nothing to delete."
