"""Top-level click group; each command lives in its own module under `migrate.commands`."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from migrate import __version__
from migrate.app import App
from migrate.commands.apply import apply
from migrate.commands.plan import plan
from migrate.errors import EXIT_INTERRUPTED, EXIT_USAGE


class MigrateGroup(click.Group):
    """Maps every outcome to the documented exit codes, for the console script and CliRunner."""

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:
        kwargs["standalone_mode"] = False
        try:
            rc = super().main(*args, **kwargs)
        except click.exceptions.UsageError as exc:
            # One line like every other bad input, not click's usage block.
            message = exc.format_message().removesuffix(".")
            if exc.ctx is not None:
                message += " " if message.endswith("?") else "; "
                message += f"see '{exc.ctx.command_path} --help'"
            click.secho(f"error: {message}", err=True, fg="red")
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:  # --help, --version
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Interrupted: nothing more was done.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(rc if isinstance(rc, int) else 0)


@click.group(cls=MigrateGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="defender-migrate")
@click.option("--profile", metavar="NAME", envvar="AWS_PROFILE", show_envvar=True,
              help="AWS profile for the base credentials (default: boto3's credential chain).")
@click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table",
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
    --detailed-exitcode) something would be deleted, 3 bad input, 130 interrupted.
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
