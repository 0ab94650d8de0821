"""The program refuses keys of the project's namespace it does not know, wherever the runtime
holds the config: a misspelt `defender-containers:awz` must not preview an empty stack."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pulumi
import pytest

from stacks.config import KEYS, PROJECT, ConfigError, load_config


@pytest.fixture(autouse=True)
def _no_config() -> Iterator[None]:
    pulumi.runtime.set_all_config({})
    yield
    pulumi.runtime.set_all_config({})


def test_unknown_key_set_by_mocks_or_the_offline_preview_is_refused() -> None:
    pulumi.runtime.set_all_config({f"{PROJECT}:awz": json.dumps({"accountId": "1"}),
                                   "aws:region": "us-east-1"})
    with pytest.raises(ConfigError) as raised:
        load_config()
    assert str(raised.value) == (
        "defender-containers:awz: unknown key; did you mean defender-containers:aws? the known "
        "keys are defender-containers:azure, defender-containers:aws, defender-containers:gcp")


def test_unknown_key_handed_over_by_the_pulumi_cli_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's language host passes the stack's config to the program as PULUMI_CONFIG.
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({f"{PROJECT}:policy": "{}"}))
    with pytest.raises(ConfigError, match=r"^defender-containers:policy: unknown key; the known "
                                          r"keys are defender-containers:azure, "):
        load_config()


def test_other_namespaces_and_no_config_are_fine() -> None:
    pulumi.runtime.set_all_config({"aws:region": "us-east-1", "azure-native:location": "x"})
    config = load_config()
    assert (config.azure, config.aws) == (None, None)


@pytest.mark.parametrize("key", KEYS)
def test_every_known_key_is_read_by_the_program(key: str) -> None:
    # A key in KEYS that load_config did not read would be silently ignored: unreadable JSON
    # in it must stop the program.
    pulumi.runtime.set_all_config({f"{PROJECT}:{key}": "[not json"})
    with pytest.raises(ConfigError, match=f"^{PROJECT}:{key}: "):
        load_config()
