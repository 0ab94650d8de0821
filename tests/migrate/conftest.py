"""Fixtures for `defender-migrate` tests: the CLI in-process with AWS's real errors and call
recording, on the shared `aws` fixture (tests/conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result

from localaws.calls import CallLog, CallRecord, record_calls
from localaws.strict import StrictRules, install_strict_rules
from migrate.app import App
from migrate.cli import cli
from migrate.context import Settings

ACCOUNT = "123456789012"
FAST = Settings(eni_timeout=5.0, poll_interval=0.01, retry_attempts=4, retry_base_delay=0.01,
                retry_max_delay=0.02)


@dataclass
class Harness:
    """Runs the CLI in-process with the strict AWS layer and a recorder on every session."""

    rules: StrictRules = field(default_factory=StrictRules)
    logs: list[CallLog] = field(default_factory=list)
    settings: Settings = FAST
    runner: CliRunner = field(default_factory=CliRunner)
    app: App | None = None

    def hook(self, session: boto3.Session) -> None:
        self.logs.append(record_calls(session))  # first, so it also sees refused calls
        install_strict_rules(session, rules=self.rules)

    def make_app(self) -> App:
        self.app = App(session_hook=self.hook, settings=self.settings)
        return self.app

    def run(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(cli, list(args), obj=self.make_app(), input=input)

    def json(self, *args: str, input: str | None = None) -> tuple[Result, dict[str, Any]]:
        result = self.run("-o", "json", *args, input=input)
        return result, json.loads(result.stdout)

    @property
    def calls(self) -> list[CallRecord]:
        return [c for log in self.logs for c in log]

    def mutating(self) -> list[CallRecord]:
        return [c for log in self.logs for c in log.mutating()]

    def reset_calls(self) -> None:
        self.logs.clear()


@pytest.fixture
def harness(aws: boto3.Session) -> Harness:
    return Harness()


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["kind"], r["id"]): r for r in doc["resources"]}


def deletes(doc: dict[str, Any], region: str | None = None) -> list[tuple[str, str]]:
    rows = [r for r in doc["resources"] if r["action"] == "delete"
            and (region is None or r["region"] == region)]
    return [(r["kind"], r["id"]) for r in sorted(rows, key=lambda r: (r["region"], r["order"]))]
