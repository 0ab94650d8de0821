"""Options shared by several commands, defined once."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from migrate.errors import InputError
from migrate.fingerprint import IMAGE_ASSESSMENT_ROLE

F = TypeVar("F", bound=Callable[..., Any])


def writable_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Fail before any AWS call when a file we will write cannot be written (exit 3)."""
    if value is None:
        return None
    parent = value.parent if str(value.parent) else Path()
    problem = None
    if value.is_dir():
        problem = "it is a directory"
    elif not parent.is_dir():
        problem = f"directory {parent} does not exist"
    elif value.exists() and not os.access(value, os.W_OK):
        problem = "it is not writable"
    elif not value.exists() and not os.access(parent, os.W_OK | os.X_OK):
        problem = f"directory {parent} is not writable"
    if problem is not None:
        raise InputError(f"{param.opts[0]} {value}: {problem}; choose a path you can write")
    return value


class Once(click.Option):
    """An option taking one value that refuses to be given twice (exit 3), where click would
    silently keep the last one."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        # Every occurrence is collected, so that consume_value can see a repeat.
        parser.add_option(obj=self, opts=self.opts, dest=self.name, action="append",
                          nargs=self.nargs)

    def consume_value(self, ctx: click.Context, opts: Mapping[str, Any]) -> tuple[Any, Any]:
        value, source = super().consume_value(ctx, opts)
        if source is ParameterSource.COMMANDLINE and isinstance(value, list):
            if len(value) > 1:
                raise InputError(f"{max(self.opts, key=len)} given {len(value)} times "
                                 f"({', '.join(map(str, value))}): give it once")
            value = value[0]
        return value, source


def joined(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> str | None:
    """A repeatable list option (`--regions a --regions b,c`) as one comma-separated list."""
    return ",".join(value) if value else None


regions = click.option(
    "--regions", metavar="R1,R2", multiple=True, callback=joined,
    help="Regions to scan, comma-separated (or the option repeated).  [default: "
         "us-east-1,eu-central-1, where the Trivy scanner was deployed]")
all_regions = click.option(
    "--all-regions", is_flag=True, help="Scan every region enabled in the account.")
accounts = click.option(
    "--accounts", metavar="ID,ID", multiple=True, callback=joined,
    help="Accounts to work on, reached by assuming --role-name in each (comma-separated, or the "
         "option repeated).  [default: the credentials' own account]")
organization = click.option(
    "--organization", is_flag=True,
    help="Work on every ACTIVE account of the AWS Organization (needs --role-name).")
role_name = click.option(
    "--role-name", metavar="ROLE", cls=Once,
    help="Role assumed in each other account: arn:aws:iam::<id>:role/ROLE.")
concurrency = click.option(
    "--concurrency", cls=Once, type=click.IntRange(1, 64), default=None,
    show_default="one per account/region unit, at most 32",
    help="Accounts/regions (and buckets) worked on at once.")


def targeting(func: F) -> F:
    for option in reversed((regions, all_regions, accounts, organization, role_name)):
        func = option(func)
    return func


out_file = click.option(
    "--out", "out", cls=Once, type=click.Path(path_type=Path), callback=writable_file,
    help="Also write the plan as JSON to this file, for `trivy apply PLAN_FILE`.")
detailed_exitcode = click.option(
    "--detailed-exitcode", is_flag=True,
    help="Exit 2 when something would be deleted (0: nothing to delete, 1: error).")
yes = click.option("--yes", "-y", is_flag=True,
                   help="Delete without asking to type the account ID(s).")
audit_log = click.option(
    "--audit-log", cls=Once, type=click.Path(path_type=Path), callback=writable_file,
    default=Path("defender-migrate-audit.jsonl"), show_default=True,
    help="JSON-lines file every mutating call is appended to.")
class Seconds(click.FloatRange):
    name = "number of seconds"  # "'x' is not a valid number of seconds"


eni_timeout = click.option(
    "--eni-timeout", cls=Once, type=Seconds(0), default=None, metavar="SECONDS",
    # The default lives in Settings; click would print a string default as "(600)".
    help="How long to wait for ECS to release a stopped task's network interface before giving "
         "up.  [default: 600]")
skip_readiness_check = click.option(
    "--skip-readiness-check", is_flag=True,
    help="Delete even in accounts where MDVM image assessment is not onboarded (their registries "
         "are then left without vulnerability assessment).")
image_assessment_role = click.option(
    "--image-assessment-role", metavar="ROLE", cls=Once, default=IMAGE_ASSESSMENT_ROLE,
    show_default=True,
    help="The MDVM image-assessment role whose presence (trusting Defender's OIDC provider) shows "
         "an account is ready for the clean-up.")

