"""Record every AWS API call a boto3 Session's clients make (register before creating clients).

The recorder sits first on `before-call`, so it also sees calls that the strict layer
(`localaws.strict`) refuses: an attempted mutation counts as a mutation.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import boto3

READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head")
READ_ONLY_CALLS = frozenset({("sts", "GetCallerIdentity"), ("sts", "AssumeRole")})
_PARAMS = "aws_calls_api_params"


def is_read_only(service: str, operation: str) -> bool:
    return operation.startswith(READ_ONLY_PREFIXES) or (service, operation) in READ_ONLY_CALLS


@dataclass(frozen=True)
class CallRecord:
    service: str
    operation: str
    params: dict[str, Any]
    region: str | None

    @property
    def read_only(self) -> bool:
        return is_read_only(self.service, self.operation)


class CallLog(list[CallRecord]):
    """The calls in the order they were made (a list), with helpers for assertions."""

    def mutating(self) -> list[CallRecord]:
        return [c for c in self if not c.read_only]

    def operations(self, service: str | None = None) -> list[str]:
        return [c.operation for c in self if service is None or c.service == service]

    def of(self, operation: str) -> list[CallRecord]:
        return [c for c in self if c.operation == operation]


def record_calls(session: boto3.Session) -> CallLog:
    log = CallLog()
    lock = threading.Lock()

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = dict(params)

    def record(model: Any, context: dict[str, Any], **_: Any) -> None:
        with lock:
            log.append(
                CallRecord(
                    service=model.service_model.service_name,
                    operation=model.name,
                    params=context.get(_PARAMS, {}),
                    region=context.get("client_region"),
                )
            )

    session.events.register("before-parameter-build", keep_params)
    session.events.register_first("before-call", record)
    return log
