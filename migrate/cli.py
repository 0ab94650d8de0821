"""Top-level click group; each command lives in its own module under `migrate.commands`."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from types import FrameType
from typing import Any, NoReturn

import click

from migrate import __version__, document
from migrate.app import App
from migrate.commands.apply import apply
from migrate.commands.plan import plan
from migrate.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE
from migrate.options import Once


class MigrateGroup(click.Group):
    """Maps every outcome to the documented exit codes, for the console script and CliRunner.

    With `--output json` a run that stops before its document (no credentials, bad input,
    Ctrl-C while scanning) still prints one: `errors` says why, so a CI step can always parse
    stdout. SIGTERM (what CI systems send on cancel) is handled like Ctrl-C, exit 143.
    """

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        app = kwargs.get("obj")
        if not isinstance(app, App):
            app = kwargs["obj"] = App()
        argv = list(kwargs.get("args") or (args[0] if args else None) or sys.argv[1:])
        with _sigterm_as_ctrl_c() as terminated:
            code = self._run(app, argv, *args, **kwargs)
        if terminated.is_set() and code == EXIT_INTERRUPTED:
            click.echo("Terminated (SIGTERM): stopped as for Ctrl-C.", err=True)
            code = EXIT_TERMINATED
        sys.exit(code)

    def _run(self, app: App, argv: list[str], *args: Any, **kwargs: Any) -> int:
        try:
            rc = super().main(*args, **kwargs)
        except click.exceptions.UsageError as exc:
            # One line like every other bad input, not click's usage block.
            message = exc.format_message().removesuffix(".")
            if exc.ctx is not None:
                message += " " if message.endswith("?") else "; "
                message += f"see '{exc.ctx.command_path} --help'"
            _stopped_document(app, argv, message)
            click.secho(f"error: {message}", err=True, fg="red")
            return EXIT_USAGE
        except click.ClickException as exc:
            _stopped_document(app, argv, exc.format_message())
            exc.show()
            return exc.exit_code
        except click.exceptions.Exit as exc:  # --help, --version
            return exc.exit_code
        except (click.exceptions.Abort, KeyboardInterrupt):
            _stopped_document(app, argv, "interrupted: nothing more was done")
            click.echo("Interrupted: nothing more was done.", err=True)
            return EXIT_INTERRUPTED
        return rc if isinstance(rc, int) else 0


def _wants_json(app: App, argv: list[str]) -> bool:
    if app.output == "json":
        return True
    # The top-level options were not parsed (the error is in them): read the flag as given.
    return any(a in ("-ojson", "--output=json") or (a in ("-o", "--output") and b == "json")
               for a, b in pairwise([*argv, ""]))


def _stopped_document(app: App, argv: list[str], error: str) -> None:
    """The JSON document of a run that stopped before printing its own, if JSON was asked."""
    if app.emitted or not _wants_json(app, argv):
        return
    command = next((a for a in argv if a in ("plan", "apply")), None)
    click.echo(json.dumps(document.stopped(command, error), indent=2))


@contextmanager
def _sigterm_as_ctrl_c() -> Iterator[threading.Event]:
    """SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does; a second one while
    stopping is ignored, so the audit log and the document are finished."""
    terminated = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if terminated.is_set():
            return
        terminated.set()
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield terminated  # signals reach the main thread only
        return
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(cls=MigrateGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="defender-migrate")
@click.option("--profile", metavar="NAME", cls=Once, envvar="AWS_PROFILE", show_envvar=True,
              help="AWS profile for the base credentials (default: boto3's credential chain).")
@click.option("--output", "-o", cls=Once, type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="json: one JSON document on stdout, for machines.")
@click.option("--verbose", "-v", count=True, help="More detail on stderr (-vv: debug logs).")
@click.pass_context
def cli(ctx: click.Context, profile: str | None, output: str, verbose: int) -> None:
    """Upgrade Defender for Cloud's AWS container vulnerability assessment from Trivy to MDVM.

    The retired Trivy scanner left S3 buckets, an ECS cluster and a VPC (subnet, internet gateway,
    route table, security group) in each onboarded account, in us-east-1 and eu-central-1. This
    tool finds exactly those, by their documented fingerprint, and deletes them in dependency
    order. Nothing else is ever deleted; look-alikes are reported as kept, with the reason.

    \b
    Typical use:
      defender-migrate trivy plan                       # read-only: what would go, what stays
      defender-migrate trivy plan --out trivy.plan.json # save the plan for review
      defender-migrate trivy apply trivy.plan.json      # delete exactly what the plan lists

    Credentials come from boto3's standard chain (--profile, AWS_PROFILE, SSO, environment);
    AWS_ENDPOINT_URL is honoured. Exit codes: 0 success, 1 failure or refusal, 2 (plan
    --detailed-exitcode) something would be deleted, 3 bad input, 130 interrupted (Ctrl-C),
    143 terminated (SIGTERM, handled like Ctrl-C).
    """
    app = ctx.ensure_object(App)
    app.profile, app.output, app.verbose = profile, output, verbose
    app.configure_logging()


@cli.group()
def trivy() -> None:
    """The retired Trivy-based vulnerability assessment's leftovers."""


trivy.add_command(plan)
trivy.add_command(apply)


def main() -> None:
    cli.main(prog_name="defender-migrate")
