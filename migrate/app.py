"""What every command gets from the top-level options, and the helpers they share."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO, Any

import boto3
import click
from rich.console import Console

from migrate import document, render
from migrate.apilog import log_api_calls
from migrate.aws import Account, SessionFactory, SessionHook
from migrate.context import Settings
from migrate.errors import InputError
from migrate.fingerprint import DEFAULT_REGIONS
from migrate.model import Resource, ScanError, Targets
from migrate.progress import Reporter
from migrate.readiness import Readiness
from migrate.targeting import parse_accounts, parse_regions, resolve_accounts, resolve_regions

LOG_WIDTH = 120


def _width(stream: IO[str]) -> int | None:
    """None lets rich size to the terminal or to COLUMNS. Otherwise (CI logs) 120 columns: wide
    enough that tables keep their reason column, narrow enough to read in a log viewer (rich
    would take 80)."""
    if stream.isatty() or os.environ.get("COLUMNS", "").isdigit():
        return None
    return LOG_WIDTH


@dataclass
class App:
    profile: str | None = None
    output: str = "table"
    verbose: int = 0
    # Seams for embedding the command (tests, other tools): a hook applied to every boto3 session
    # and timing settings. The defaults are what users get.
    session_hook: SessionHook | None = None
    settings: Settings = field(default_factory=Settings)
    stop: threading.Event = field(default_factory=threading.Event)
    emitted: bool = False  # the run's document has been printed

    @cached_property
    def factory(self) -> SessionFactory:
        """One per run: its session and clients serve every account."""
        return SessionFactory(self.profile, self._hook)

    def _hook(self, session: boto3.Session) -> None:
        if self.session_hook is not None:
            self.session_hook(session)
        if self.verbose:
            log_api_calls(session)

    @property
    def out(self) -> Console:
        return Console(file=sys.stdout, soft_wrap=False, width=_width(sys.stdout))

    @property
    def err(self) -> Console:
        return Console(file=sys.stderr, stderr=True, soft_wrap=not sys.stderr.isatty(),
                       width=_width(sys.stderr))

    def reporter(self) -> Reporter:
        return Reporter(self.err, self.verbose)

    def configure_logging(self) -> None:
        if self.verbose:
            logging.basicConfig(level=logging.DEBUG if self.verbose > 1 else logging.INFO,
                                stream=sys.stderr, format="%(name)s: %(message)s")
            if self.verbose < 3:
                logging.getLogger("botocore").setLevel(logging.WARNING)
                logging.getLogger("urllib3").setLevel(logging.WARNING)

    def resolve(self, regions: str | None, all_regions: bool, accounts: str | None,
                organization: bool, role_name: str | None) -> tuple[Targets, list[Account]]:
        if role_name is not None and not (accounts or organization):
            raise InputError("--role-name goes with --accounts or --organization")
        if organization and not role_name:
            raise InputError("--organization needs --role-name ROLE: the role to assume in each "
                             "member account (e.g. OrganizationAccountAccessRole)")
        account_ids = parse_accounts(accounts)
        region_list = parse_regions(regions)
        base = self.factory.base()
        chosen = resolve_regions(base, region_list, all_regions)
        found = resolve_accounts(self.factory, (chosen or list(DEFAULT_REGIONS))[0], account_ids,
                                 organization, role_name)
        return Targets(chosen, [a.id for a in found], role_name), found

    def emit(self, command: str, targets: Targets, resources: list[Resource],
             errors: list[ScanError], applied: bool,
             readiness: dict[str, Readiness] | None = None) -> dict[str, Any]:
        doc = document.build(command, targets, resources, errors, readiness)
        self.emitted = True
        if self.output == "json":
            click.echo(json.dumps(doc, indent=2))
        else:
            render.tables(self.out, resources, errors, applied)
            render.readiness(self.out, readiness or {})
            self.out.print(render.summary_line(resources, applied))
            summary = doc["summary"]
            if len(targets.accounts) > 1 or summary["accounts_failed"]:
                self.out.print(f"Accounts: {summary['accounts_done']} done, "
                               f"{summary['accounts_failed']} failed, "
                               f"{summary['accounts_skipped']} skipped.")
        for err in errors:
            if self.output == "json":  # the table already shows them
                click.secho(f"error: {err.account}/{err.region}: {err.error}", err=True,
                            fg="red")
        return doc


pass_app = click.make_pass_decorator(App, ensure=True)
