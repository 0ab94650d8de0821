"""One run's context for one account and region: settings, audited mutating calls, Ctrl-C.

Shared by the app, the planner, readiness, apply and every resource kind; the outcomes a
mutating call can end in are defined here beside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Generic, ParamSpec, Protocol, TypeVar, cast

from botocore.client import BaseClient, ClientMeta
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from migrate.audit import OK, RECHECK, UNKNOWN, AuditLog
from migrate.aws import Account, describe_error, error_code
from migrate.fingerprint import IMAGE_ASSESSMENT_ROLE
from migrate.model import Resource

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_elb import ElasticLoadBalancingClient
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_route53 import Route53Client
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient
    from mypy_boto3_vpc_lattice import VPCLatticeClient

T = TypeVar("T")
C_co = TypeVar("C_co", covariant=True)
P = ParamSpec("P")
# What a call can raise besides AWS's own errors: botocore's (timeouts, resets), and an answer it
# cannot parse (ResponseParserError, or UnicodeDecodeError for bytes that are not text).
NO_ANSWER: tuple[type[Exception], ...] = (BotoCoreError, ResponseParserError, UnicodeDecodeError)
AWS_FAILURES: tuple[type[Exception], ...] = (ClientError, *NO_ANSWER)
# What the audit log records of a successful answer: (result, extra fields).
Verdict = tuple[str, dict[str, Any]]


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


class ClientOf(Protocol[C_co]):
    def __call__(self, region: str | None = None) -> C_co: ...


class TypedClient(Generic[C_co]):
    """`ctx.<service>(region=None)`: the run's client for one service (`Ctx.client`), typed as
    boto3-stubs' class for it; `region` None is the context's own."""

    def __init__(self, service: str) -> None:
        self.service = service

    def __get__(self, ctx: Ctx, owner: type[Ctx] | None = None) -> ClientOf[C_co]:
        return cast(ClientOf[C_co], partial(ctx.client, self.service))


@dataclass
class Ctx:
    """Everything one worker needs for one account and region."""

    account: Account
    region: str
    settings: Settings = field(default_factory=Settings)
    audit: AuditLog | None = None  # None while planning: no mutating call is allowed
    stop: threading.Event = field(default_factory=threading.Event)
    say: Callable[[str], None] = _quiet

    def client(self, service: str, region: str | None = None) -> BaseClient:
        """The run's client for the service and region; it signs as the active account
        (callers run inside `ctx.account.active()`). Code calls the typed accessors below; only
        the VPC listings, whose service is data (kinds/vpc_checks.py), name it by a string.
        """
        return self.account.client(service, region or self.region)

    # The run's clients, typed (boto3-stubs: for mypy only): `ctx.ec2()`, `ctx.s3(region)`.
    cloudformation: ClassVar[TypedClient[CloudFormationClient]] = TypedClient("cloudformation")
    ec2: ClassVar[TypedClient[EC2Client]] = TypedClient("ec2")
    ecs: ClassVar[TypedClient[ECSClient]] = TypedClient("ecs")
    elb: ClassVar[TypedClient[ElasticLoadBalancingClient]] = TypedClient("elb")
    elbv2: ClassVar[TypedClient[ElasticLoadBalancingv2Client]] = TypedClient("elbv2")
    iam: ClassVar[TypedClient[IAMClient]] = TypedClient("iam")
    logs: ClassVar[TypedClient[CloudWatchLogsClient]] = TypedClient("logs")
    route53: ClassVar[TypedClient[Route53Client]] = TypedClient("route53")
    s3: ClassVar[TypedClient[S3Client]] = TypedClient("s3")
    sts: ClassVar[TypedClient[STSClient]] = TypedClient("sts")
    vpc_lattice: ClassVar[TypedClient[VPCLatticeClient]] = TypedClient("vpc-lattice")

    def audited(self, call: Callable[P, T], resource: str, /,
                *args: P.args, **kwargs: P.kwargs) -> T:
        """Make one mutating call, `call` a client's method (`ctx.iam().delete_role`), recorded
        in the audit log whatever its result, under the operation's AWS name and the client's
        region."""
        return self.judged(_ok, call, resource, *args, **kwargs)

    def judged(self, judge: Callable[[T], Verdict], call: Callable[P, T], resource: str, /,
               *args: P.args, **kwargs: P.kwargs) -> T:
        """`audited`, for an answer that can report failures of its own (the per-key `Errors`
        of DeleteObjects): `judge` reads a successful answer and returns what to record."""
        where, what = _operation(call)
        if self.audit is None:
            raise ReadOnlyViolation(f"{what} attempted while planning")
        if self.stop.is_set():
            raise StopRequested
        try:
            answer = call(*args, **kwargs)
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
        result, extra = judge(answer)
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


def _ok(_: object) -> Verdict:
    return OK, {}


def _operation(call: Callable[..., object]) -> tuple[str, str]:
    """(region, "service:Operation") of a client's bound method, as AWS names them
    ("ec2:DeleteVpc"), from the client's own metadata."""
    meta: ClientMeta | None = getattr(getattr(call, "__self__", None), "meta", None)
    if meta is None:  # a bug: only a client's method is audited
        raise TypeError(f"not an AWS client's method: {call!r}")
    operation = meta.method_to_api_mapping[getattr(call, "__name__", "")]
    return meta.region_name, f"{meta.service_model.service_name}:{operation}"
