"""`defender-containers:azure` (issue #3). Placeholder until the policy component lands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacks.config.errors import ConfigError


@dataclass(frozen=True)
class AzurePolicyConfig:
    raw: dict[str, Any]


def parse_azure(raw: Any) -> AzurePolicyConfig:
    raise ConfigError("azure", "the Azure policy part of the stack is not implemented yet")
