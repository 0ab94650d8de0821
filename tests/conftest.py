"""Shared test set-up: the speed-ups of tests/speedups.py, and the in-process moto fixture."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import boto3

# moto, boto3 and the local AWS tooling are imported where used, not here: the pytest-xdist
# controller loads this file too, and runs no test (their import is seconds of its CPU).


def pytest_configure(config: pytest.Config) -> None:
    """tests/speedups.py, in every process that runs tests: a worker, or pytest without -n."""
    if getattr(config, "workerinput", None) is None and config.getoption("numprocesses", None):
        return  # the xdist controller
    from tests import speedups

    speedups.install()

# The role `--role-name` names in the multi-account tests, and a second account to assume it in.
ROLE = "DefenderMigrate"
OTHER = "222222222222"


@pytest.fixture
def aws_region() -> str:
    """The `aws` session's region and AWS_DEFAULT_REGION; a test module may override it."""
    return "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, aws_region: str
        ) -> Iterator[boto3.Session]:
    """moto in-process, with credentials only from the environment (no ~/.aws of the machine, no
    endpoint or profile of the caller's shell), run from an empty working directory."""
    from moto import mock_aws

    from localaws.strict import new_session

    moto_environment(monkeypatch, tmp_path, aws_region)
    with mock_aws():
        yield new_session(aws_region)


def moto_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, aws_region: str) -> None:
    """The `aws` fixture's environment, for a fixture of a wider scope that starts moto itself."""
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws_region)
    # moto builds ~2,500 default AMIs per EC2 region backend otherwise (most of a test's time).
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.chdir(tmp_path)


def assumed(account: str, role_name: str = ROLE) -> boto3.Session:
    """A session in `account` through `role_name`, as the command reaches it (moto accepts any
    AssumeRole; the session's credentials carry the account)."""
    import boto3

    from localaws.org import assumed_session

    return assumed_session(boto3.Session(), account, role_name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The end-to-end tests first: each runs for many seconds, and at the end of a run on two
    workers a long test leaves the other core idle, while short tests even the workers out."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)
