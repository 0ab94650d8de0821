"""Stack configuration: read and validated once, here, before any resource is registered.

Each cloud has its own object key (`defender-containers:azure`, `defender-containers:aws`,
`defender-containers:gcp`);
an absent key means that part of the stack creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from stacks.config.aws import AwsConnectorConfig, parse_aws
from stacks.config.azure import AzurePolicyConfig, parse_azure
from stacks.config.errors import PROJECT, ConfigError
from stacks.config.gcp import GcpConnectorConfig, parse_gcp
from stacks.config.model import unknown_key

__all__ = [
    "KEYS",
    "PROJECT",
    "AwsConnectorConfig",
    "AzurePolicyConfig",
    "ConfigError",
    "GcpConnectorConfig",
    "StackConfig",
    "load_config",
]

# Every top-level key of the project's namespace (`defender-containers:<key>`). Any other key is
# an error, so a misspelt one (`awz`) cannot preview an empty stack. A new cloud is one line here.
KEYS = (
    "azure",
    "aws",
    "gcp",
)


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


def given_keys() -> list[str]:
    """The project's top-level keys the stack sets, wherever the runtime holds them: the
    Pulumi CLI hands the program its config as PULUMI_CONFIG, mocks through set_all_config."""
    prefix = f"{PROJECT}:"
    names = {**get_config_env(), **CONFIG.get()}
    return sorted(name.removeprefix(prefix) for name in names if name.startswith(prefix))


def check_keys(keys: list[str]) -> None:
    for key in keys:
        if key not in KEYS:
            raise ConfigError(key, unknown_key(key, list(KEYS), prefix=f"{PROJECT}:"))


def load_config(config: pulumi.Config | None = None) -> StackConfig:
    config = config or pulumi.Config(PROJECT)
    check_keys(given_keys())
    raw = {key: _object(config, key) for key in KEYS}
    return StackConfig(
        azure=None if raw["azure"] is None else parse_azure(raw["azure"]),
        aws=None if raw["aws"] is None else parse_aws(raw["aws"]),
        gcp=None if raw["gcp"] is None else parse_gcp(raw["gcp"]),
    )
