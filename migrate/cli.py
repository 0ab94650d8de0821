"""Top-level click group; each command lives in its own module under `migrate.commands`."""

from __future__ import annotations

import click

from migrate import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="defender-migrate")
def cli() -> None:
    """Upgrade Defender for Cloud's AWS container vulnerability assessment from Trivy to MDVM."""


def main() -> None:
    cli()
