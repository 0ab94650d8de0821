"""Reaching AWS: the caller's own account, or other accounts through an assumed role.

Credentials come from boto3's standard chain (profiles, SSO, environment); `AWS_ENDPOINT_URL` is
honoured by botocore itself. Throttling and 5xx errors are left to botocore's standard retry mode.

One set of clients (per service and region) serves every account of a run: making a botocore
client costs milliseconds of CPU, more than a scan's calls in an account without leftovers, and
botocore clients are thread-safe. Each client signs with the credentials of the account the
calling worker is on (`Account.active()`), so a run makes a handful of clients whatever the number
of accounts, and one session.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore.loaders
import botocore.session
import botocore.utils
from botocore.client import BaseClient
from botocore.config import Config
from botocore.credentials import Credentials, DeferredRefreshableCredentials, ReadOnlyCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from migrate import __version__
from migrate.errors import CredentialsError, InputError, MigrateError

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_organizations import OrganizationsClient
    from mypy_boto3_sts import STSClient

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 8},
    max_pool_connections=64,
    user_agent_extra=f"defender-migrate/{__version__}",
)
SESSION_NAME = "defender-migrate"

SessionHook = Callable[[boto3.Session], None]
Clock = Callable[[], datetime]


class _SharedLoader(botocore.loaders.Loader):
    """botocore's loader, made safe to share between threads.

    Its cache is a plain dict without a lock: workers asking for the same model at the same
    moment (the first account's scan in every region at once) would each parse it, and each
    scan the data directories of ~400 services. The lock makes them wait for the first.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    def list_available_services(self, type_name: str) -> Any:
        with self._lock:
            return super().list_available_services(type_name)

    def load_service_model(self, service_name: str, type_name: str,
                           api_version: str | None = None) -> Any:
        with self._lock:
            return super().load_service_model(service_name, type_name, api_version)

    def load_data_with_path(self, name: str) -> Any:
        with self._lock:
            return super().load_data_with_path(name)


# Parsing botocore's service models (EC2's is large) is the dominant cost of a new session: every
# session shares one loader, so each model is parsed once per process.
_LOADER = _SharedLoader()


def share_loader(session: boto3.Session) -> boto3.Session:
    """`session` (its own credentials, config and event handlers) on the process's shared loader,
    with the service models every other session already parsed. Set after boto3 made the
    session: boto3 appends its data path to the loader of every session it makes, which on a
    shared loader would pile up one more search path per session."""
    session._session.register_component("data_loader", _LOADER)
    return session


def describe_error(exc: BaseException) -> str:
    """One line for an AWS error: its code and message, without botocore's wrapping."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__


def known_regions() -> frozenset[str]:
    """Every region of botocore's partition data, in every partition (no API call, no
    credentials): the regions botocore resolves endpoints for, those matching their partition's
    regionRegex (`aws-global` and the like are pseudo-regions).

    The one list `--regions` and a plan file's regions are checked against. Not EC2's entries in
    botocore's older endpoints.json, which lag (botocore 1.44.8 lacks me-west-1 and sa-west-1
    there). `stacks.config.aws.aws_regions` reads the same data for the commercial partition
    only, on purpose (Defender connects no other); tests/test_contract_facts.py pins the two.
    """
    partitions = _LOADER.load_data("partitions")["partitions"]
    return frozenset(region for partition in partitions for region in partition["regions"]
                     if re.match(partition["regionRegex"], region))


_REGIONS_LOCK = threading.Lock()


def service_regions(service: str) -> frozenset[str]:
    """Every region where botocore's endpoint data offers `service`, in every partition (no API
    call). Worked out once per process and service: the scan's workers ask at the same moment,
    and each answer costs a session and the service's model (tens of milliseconds), so the
    lock makes them wait for the first one, and the shared loader lets the clients made later
    reuse the model."""
    with _REGIONS_LOCK:
        return _service_regions(service)


@cache
def _service_regions(service: str) -> frozenset[str]:
    session = botocore.session.Session()
    session.register_component("data_loader", _LOADER)
    return frozenset(region for partition in session.get_available_partitions()
                     for region in session.get_available_regions(service,
                                                                 partition_name=partition))


@dataclass(frozen=True)
class Arn:
    """An ARN's fields: arn:partition:service:region:account:resource."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str, *, colons: bool = False) -> Arn:
        """The fields of `text`; ValueError unless it has exactly six. A colon inside the resource
        is refused too (botocore's ArnParser would accept it): no IAM or STS ARN has one, and a
        plan file's ARN must not slip a look-alike past the exact checks that way. `colons`:
        the resource may hold some (ECS: `task-definition/family:3`)."""
        parts = text.split(":", 5 if colons else -1)
        if len(parts) != 6 or parts[0] != "arn":
            raise ValueError(f"not an ARN: {text!r}")
        return cls(*parts[1:])

    @property
    def name(self) -> str:
        """The resource's last segment: an IAM role's or policy's name without its path, an
        ECS cluster's, service's or task's name or ID."""
        return self.resource.rsplit("/", 1)[-1]

    @classmethod
    def name_of(cls, text: str) -> str:
        """The name an ARN ends in (`name`, colons allowed), or `text` itself when it is not an
        ARN: ECS takes a role by its short name or its ARN."""
        try:
            return cls.parse(text, colons=True).name
        except ValueError:
            return text


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def parse_timestamp(value: str | int | float) -> datetime:
    """A timestamp of an answer, as the datetime the boto3 stubs promise, parsed fast.

    botocore's own parser (dateutil) cost more CPU than anything else in a listing of roles or
    stacks. AWS sends ISO 8601 (query and XML protocols: `2026-11-30T09:00:00Z`, with or
    without fractions), epoch seconds as numbers (JSON protocols) or RFC 822 (HTTP headers):
    `datetime.fromisoformat` takes the first (Python 3.11+), numbers are converted directly, and
    anything else goes to botocore's parser. A string without `-` at [4] and [7] is never taken
    as ISO: fromisoformat would read an epoch string like "20261130" as a date.
    """
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    parsed: datetime = botocore.utils.parse_timestamp(value)
    return parsed


class AccountUnreachable(MigrateError):
    """The account's credentials cannot be had (its role cannot be assumed)."""


_ACTIVE: ContextVar[Account | None] = ContextVar("defender_migrate_account", default=None)


class ActiveAccountCredentials:
    """The credentials of the account the current worker is on (`Account.active()`).

    Botocore asks a client's credentials for their frozen values on each request it signs; this
    answers with the active account's, so one client serves every account.
    """

    method = "defender-migrate-account"

    def _current(self) -> Credentials:
        account = _ACTIVE.get()
        if account is None:  # a bug: every call is made inside Account.active()
            raise RuntimeError("AWS call made outside of any account")
        return account.credentials()

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        return self._current().get_frozen_credentials()

    def get_deferred_property(self, name: str) -> Callable[[], Any]:
        return lambda: getattr(self._current(), name, None)

    @property
    def access_key(self) -> str | None:
        return self.get_frozen_credentials().access_key

    @property
    def secret_key(self) -> str | None:
        return self.get_frozen_credentials().secret_key

    @property
    def token(self) -> str | None:
        return self.get_frozen_credentials().token


@dataclass
class SessionFactory:
    """The run's sessions: the caller's own (`base`), and the one behind the shared clients.

    `hook` is applied to every session made, e.g. to register botocore event handlers.
    """

    profile: str | None = None
    hook: SessionHook | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _base: boto3.Session | None = field(default=None, repr=False)
    _clients: dict[tuple[str, str], BaseClient] = field(default_factory=dict, repr=False)
    _routed: boto3.Session | None = field(default=None, repr=False)

    def _finish(self, session: boto3.Session) -> boto3.Session:
        share_loader(session)
        session._session.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=parse_timestamp)
        if self.hook is not None:
            self.hook(session)
        return session

    def base(self) -> boto3.Session:
        """The caller's own session (made once; used for STS, Organizations and AssumeRole)."""
        with self._lock:
            if self._base is None:
                try:
                    self._base = self._finish(boto3.Session(profile_name=self.profile))
                except ProfileNotFound as exc:
                    raise InputError(
                        f"unknown AWS profile {self.profile!r}: list yours with "
                        "`aws configure list-profiles`, or drop --profile"
                    ) from exc
            return self._base

    def base_client(self, service: str, region: str) -> BaseClient:
        """A client with the caller's own credentials (not routed through an account)."""
        key = ("base:" + service, region)
        session = self.base()
        with self._lock:
            if key not in self._clients:
                self._clients[key] = session.client(  # type: ignore[call-overload]
                    service, region_name=region, config=CLIENT_CONFIG)
            return self._clients[key]

    def base_sts(self, region: str) -> STSClient:
        return cast("STSClient", self.base_client("sts", region))

    def base_organizations(self, region: str) -> OrganizationsClient:
        return cast("OrganizationsClient", self.base_client("organizations", region))

    def client(self, service: str, region: str) -> BaseClient:
        """The run's client for a service and region; it signs as the active account."""
        with self._lock:
            if self._routed is None:
                core = botocore.session.Session()
                if self.profile is not None:
                    core.set_config_variable("profile", self.profile)
                # No public setter replaces a session's credential chain.
                core._credentials = ActiveAccountCredentials()  # type: ignore[attr-defined]
                self._routed = self._finish(boto3.Session(botocore_session=core))
            key = (service, region)
            if key not in self._clients:
                self._clients[key] = self._routed.client(  # type: ignore[call-overload]
                    service, region_name=region, config=CLIENT_CONFIG)
            return self._clients[key]


@dataclass
class Account:
    """One AWS account and how to reach it: its own credentials, or an assumed role's.

    Assumed-role credentials are fetched on first use and fetched again before they expire
    (botocore refreshes them 15 minutes ahead), so a run may outlast the one-hour limit of a
    chained role session. A role that cannot be assumed is remembered: the account's other
    units fail at once with the same reason, without calling AWS again.
    """

    id: str
    factory: SessionFactory
    role_arn: str | None = None
    region: str = "us-east-1"  # where AssumeRole goes
    clock: Clock | None = None  # botocore's clock unless given (tests)
    _credentials: Credentials | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _reach_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _unreachable: AccountUnreachable | None = field(default=None, repr=False)

    def _assume(self) -> dict[str, str]:
        if self.role_arn is None:  # a bug: credentials() assumes only when there is a role
            raise RuntimeError(f"account {self.id} has no role to assume")
        creds = self.factory.base_sts(self.region).assume_role(
            RoleArn=self.role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"], "expiry_time": creds["Expiration"].isoformat()}

    def credentials(self) -> Credentials:
        with self._lock:
            if self._credentials is None:
                if self.role_arn is None:
                    own = self.factory.base()._session.get_credentials()
                    if own is None:  # botocore's own error: a call fails as without credentials
                        raise NoCredentialsError
                    self._credentials = own
                else:
                    extra = {} if self.clock is None else {"time_fetcher": self.clock}
                    self._credentials = DeferredRefreshableCredentials(
                        refresh_using=self._assume, method="assume-role", **extra)
            return self._credentials

    def reach(self) -> None:
        """Make sure the account's credentials can be had; AccountUnreachable with the reason
        otherwise (remembered: the account's other units fail at once)."""
        if self.role_arn is None:
            return
        # One unit at a time: the others wait and then share the answer (one AssumeRole).
        with self._reach_lock:
            if self._unreachable is not None:
                raise self._unreachable
            try:
                self.credentials().get_frozen_credentials()
            except (ClientError, BotoCoreError) as exc:
                self._unreachable = AccountUnreachable(
                    f"cannot assume {self.role_arn}: {describe_error(exc)}; check that the "
                    "role exists in the account and trusts the caller")
                raise self._unreachable from exc

    @contextmanager
    def active(self) -> Iterator[Account]:
        """Calls made by this thread inside the block sign as this account."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)

    def client(self, service: str, region: str) -> BaseClient:
        return self.factory.client(service, region)

    def sts(self, region: str) -> STSClient:
        return cast("STSClient", self.client("sts", region))


def _identity(sts: STSClient, what: str) -> tuple[str, str]:
    try:
        identity = sts.get_caller_identity()
        return identity["Account"], Arn.parse(identity["Arn"]).partition
    except NoCredentialsError as exc:
        raise CredentialsError(
            "no AWS credentials found: set AWS_PROFILE or use --profile, run `aws sso login`, "
            "or export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        ) from exc
    except NoRegionError as exc:  # pragma: no cover - we always pass a region
        raise InputError(str(exc)) from exc
    except ClientError as exc:
        raise CredentialsError(
            f"cannot use the credentials for {what}: {describe_error(exc)}; "
            "check the profile, the role's trust policy, or refresh the credentials"
        ) from exc
    except BotoCoreError as exc:
        raise MigrateError(f"cannot reach AWS STS for {what}: {exc}") from exc


def caller_identity(factory: SessionFactory, region: str, what: str) -> tuple[str, str]:
    """(account, partition) of the caller's own credentials, or one clear line on failure."""
    return _identity(factory.base_sts(region), what)


def check_account(account: Account, region: str) -> None:
    """Refuse to go on if the credentials do not belong to the account we think they do."""
    what = f"account {account.id}" + (f" via {account.role_arn}" if account.role_arn else "")
    with account.active():
        account.reach()  # AccountUnreachable: the caller decides whether the others go on
        actual = _identity(account.sts(region), what)[0]
    if actual != account.id:
        raise CredentialsError(
            f"the credentials for {what} belong to account {actual}, not {account.id}"
        )
