"""`defender-containers:aws` (issue #4). Placeholder until the connector component lands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stacks.config.errors import ConfigError


@dataclass(frozen=True)
class AwsConnectorConfig:
    raw: dict[str, Any]


def parse_aws(raw: Any) -> AwsConnectorConfig:
    raise ConfigError("aws", "the AWS connector part of the stack is not implemented yet")
