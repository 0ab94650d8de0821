"""One run's context for one account and region: settings, audited mutating calls, Ctrl-C.

Shared by the app, the planner, readiness, apply and every resource kind; the outcomes a
mutating call can end in are defined here beside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from migrate.audit import OK, RECHECK, UNKNOWN, AuditLog
from migrate.aws import Account, describe_error, error_code
from migrate.fingerprint import IMAGE_ASSESSMENT_ROLE
from migrate.model import Resource

T = TypeVar("T")
# What a call can raise besides AWS's own errors: botocore's (timeouts, resets), and an answer it
# cannot parse (ResponseParserError, or UnicodeDecodeError for bytes that are not text).
NO_ANSWER: tuple[type[Exception], ...] = (BotoCoreError, ResponseParserError, UnicodeDecodeError)
AWS_FAILURES: tuple[type[Exception], ...] = (ClientError, *NO_ANSWER)
# A successful answer read for failures it reports itself: (audit result, extra fields).
Judge = Callable[[Any], tuple[str, dict[str, Any]]]


class StopRequested(Exception):
    """Ctrl-C was pressed: stop before the next mutating call."""


class CannotDelete(Exception):
    """This resource cannot go now (still in use, still attached, some objects refused, AWS's
    answer lost): the run records it as this resource's failure and goes on with the rest.

    A dedicated class, so that bugs (`NotImplementedError`, `RecursionError`, the read-only
    guard below) are never mistaken for an expected per-resource failure.
    """


class UnknownOutcome(CannotDelete):
    """A mutating call got no usable answer (read timeout, reset connection, an answer cut
    short or unparsable): it may or may not have been done; a re-check must settle it."""


class ReadOnlyViolation(RuntimeError):
    """A mutating call was attempted while planning; a bug, never expected."""


@dataclass(frozen=True)
class Settings:
    eni_timeout: float = 600.0
    poll_interval: float = 5.0
    retry_attempts: int = 8
    retry_base_delay: float = 2.0
    retry_max_delay: float = 30.0
    image_assessment_role: str = IMAGE_ASSESSMENT_ROLE

    def __post_init__(self) -> None:
        # `retrying` makes at least one call: zero attempts would make none and report nothing.
        if self.retry_attempts < 1:
            raise ValueError(f"retry_attempts must be at least 1, not {self.retry_attempts}")


def _quiet(_: str) -> None:
    return None


@dataclass
class Ctx:
    """Everything one worker needs for one account and region."""

    account: Account
    region: str
    settings: Settings = field(default_factory=Settings)
    audit: AuditLog | None = None  # None while planning: no mutating call is allowed
    stop: threading.Event = field(default_factory=threading.Event)
    say: Callable[[str], None] = _quiet

    def client(self, service: str, region: str | None = None) -> Any:
        """The run's client for the service and region; it signs as the active account
        (callers run inside `ctx.account.active()`)."""
        return self.account.client(service, region or self.region)

    def mutate(self, service: str, operation: str, resource: str, /, region: str | None = None,
               judge: Judge | None = None, **params: Any) -> Any:
        """Make one mutating call, recorded in the audit log whatever its result.

        `judge` reads a successful answer that can still report failures of its own (the per-key
        `Errors` of DeleteObjects): it returns the result to record and extra fields.
        """
        if self.audit is None:
            raise ReadOnlyViolation(f"{service}:{operation} attempted while planning")
        if self.stop.is_set():
            raise StopRequested
        method = getattr(self.client(service, region), _snake(operation))
        where = region or self.region
        what = f"{service}:{operation}"
        try:
            answer = method(**params)
        except ClientError as exc:
            self.audit.record(self.account.id, where, what, resource,
                              error_code(exc) or "Error", error=describe_error(exc))
            raise
        except BaseException as exc:
            # No answer from AWS (read timeout, reset connection, a cut or unparsable answer;
            # botocore raises some of these outside BotoCoreError): the call may have done its
            # work. The re-check that follows settles it.
            error = f"{type(exc).__name__}: {describe_error(exc)}"
            self.audit.record(self.account.id, where, what, resource, UNKNOWN, error=error)
            if isinstance(exc, Exception):
                raise UnknownOutcome(f"no answer from AWS to {what} ({error}); it may or may "
                                     "not have been done") from exc
            raise
        result, extra = judge(answer) if judge is not None else (OK, {})
        self.audit.record(self.account.id, where, what, resource, result, **extra)
        return answer

    def recheck(self, res: Resource, exists: bool) -> None:
        """Record what a re-check found after a call whose outcome was unknown."""
        if self.audit is not None:
            self.audit.record(self.account.id, self.region, RECHECK, res.id,
                              "exists" if exists else "gone", kind=res.kind)

    def retrying(self, codes: Iterable[str], what: str, call: Callable[[], T]) -> T:
        """Retry errors AWS raises while a dependency is still going away, with a bound."""
        wanted = frozenset(codes)
        delay = self.settings.retry_base_delay
        for attempt in range(1, self.settings.retry_attempts + 1):
            try:
                return call()
            except ClientError as exc:
                if error_code(exc) not in wanted or attempt == self.settings.retry_attempts:
                    raise
                self.say(f"{what}: {error_code(exc)}, retry {attempt} in {delay:.0f}s")
                if self.stop.wait(delay):
                    raise StopRequested from exc
                delay = min(delay * 2, self.settings.retry_max_delay)
        raise AssertionError("unreachable")  # pragma: no cover


def _snake(operation: str) -> str:
    out = []
    for i, ch in enumerate(operation):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)
