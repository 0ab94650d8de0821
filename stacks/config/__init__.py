"""Stack configuration: read and validated once, here, before any resource is registered.

Each cloud has its own object key (`defender-containers:azure`, `defender-containers:aws`,
`defender-containers:gcp`);
an absent key means that part of the stack creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from stacks.config.aws import AwsConnectorConfig, parse_aws
from stacks.config.azure import AzurePolicyConfig, parse_azure
from stacks.config.errors import PROJECT, ConfigError
from stacks.config.gcp import GcpConnectorConfig, parse_gcp

__all__ = [
    "PROJECT",
    "AwsConnectorConfig",
    "AzurePolicyConfig",
    "ConfigError",
    "GcpConnectorConfig",
    "StackConfig",
    "load_config",
]


@dataclass(frozen=True)
class StackConfig:
    azure: AzurePolicyConfig | None
    aws: AwsConnectorConfig | None
    gcp: GcpConnectorConfig | None = None


def _object(config: pulumi.Config, key: str) -> Any:
    try:
        return config.get_object(key)
    except Exception as exc:  # pulumi raises a bare JSON error for malformed values
        raise ConfigError(key, f"is not valid YAML/JSON ({exc})") from exc


def load_config(config: pulumi.Config | None = None) -> StackConfig:
    config = config or pulumi.Config(PROJECT)
    azure_raw = _object(config, "azure")
    aws_raw = _object(config, "aws")
    gcp_raw = _object(config, "gcp")
    return StackConfig(
        azure=None if azure_raw is None else parse_azure(azure_raw),
        aws=None if aws_raw is None else parse_aws(aws_raw),
        gcp=None if gcp_raw is None else parse_gcp(gcp_raw),
    )
