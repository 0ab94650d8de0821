"""The small error hierarchy: every expected failure is one line and an exit code, no traceback."""

from __future__ import annotations

from typing import IO, Any

import click

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CHANGES = 2  # `plan --detailed-exitcode`: something would be deleted
EXIT_USAGE = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # SIGTERM, handled like Ctrl-C (128 + 15, as shells report it)


class MigrateError(click.ClickException):
    """Something went wrong that the user can fix; the message says what, where and how."""

    exit_code = EXIT_FAILED

    def show(self, file: IO[Any] | None = None) -> None:
        click.secho(f"error: {self.format_message()}", err=True, fg="red")


class InputError(MigrateError):
    """Bad input: unknown region or profile, a plan file that is not one, conflicting options."""

    exit_code = EXIT_USAGE


class CredentialsError(MigrateError):
    """No credentials, expired credentials, or access denied while reaching an account."""


class RefusedError(MigrateError):
    """The tool refuses to go on: wrong account for the plan file, confirmation not given."""


class Interrupted(MigrateError):
    """Ctrl-C: the message says what had been done when it came."""

    exit_code = EXIT_INTERRUPTED

    def show(self, file: IO[Any] | None = None) -> None:
        click.secho(f"Interrupted: {self.format_message()}", err=True, fg="yellow")
