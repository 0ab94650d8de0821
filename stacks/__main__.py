"""The Pulumi program: read config once, wire the components. Nothing else lives here."""

from __future__ import annotations

from stacks.config import load_config

config = load_config()
