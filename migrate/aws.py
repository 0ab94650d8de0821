"""Reaching AWS: the caller's own account, or other accounts through an assumed role.

Credentials come from boto3's standard chain (profiles, SSO, environment); `AWS_ENDPOINT_URL` is
honoured by botocore itself. Throttling and 5xx errors are left to botocore's standard retry mode.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from migrate import __version__
from migrate.errors import CredentialsError, InputError, MigrateError

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 8},
    max_pool_connections=32,
    user_agent_extra=f"defender-migrate/{__version__}",
)
SESSION_NAME = "defender-migrate"

SessionHook = Callable[[boto3.Session], None]
# Parsing botocore's service models (EC2's is large) dominates the cost of a new session, and
# every worker needs its own session: they all share one loader, so each model is parsed once.
_LOADER = botocore.loaders.create_loader()


def describe_error(exc: BaseException) -> str:
    """One line for an AWS error: its code and message, without botocore's wrapping."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


@dataclass
class SessionFactory:
    """Makes boto3 sessions (one per worker thread: sessions are not thread-safe).

    `hook` is applied to every session made, e.g. to register botocore event handlers.
    """

    profile: str | None = None
    hook: SessionHook | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _finish(self, session: boto3.Session) -> boto3.Session:
        session._session.register_component("data_loader", _LOADER)
        if self.hook is not None:
            self.hook(session)
        return session

    def base(self) -> boto3.Session:
        try:
            with self._lock:
                session = boto3.Session(profile_name=self.profile)
        except ProfileNotFound as exc:
            raise InputError(
                f"unknown AWS profile {self.profile!r}: list yours with "
                "`aws configure list-profiles`, or drop --profile"
            ) from exc
        return self._finish(session)

    def with_credentials(self, credentials: Any) -> boto3.Session:
        with self._lock:
            core = botocore.session.Session()
            if self.profile is not None:
                core.set_config_variable("profile", self.profile)
            # The assumed role's refreshable credentials replace the default chain; botocore has
            # no public setter for this.
            core._credentials = credentials  # type: ignore[attr-defined]
            session = boto3.Session(botocore_session=core)
        return self._finish(session)


@dataclass
class Account:
    """One AWS account and how to reach it; `session()` gives a fresh session for a worker."""

    id: str
    factory: SessionFactory
    role_arn: str | None = None
    _credentials: Any = None

    def session(self) -> boto3.Session:
        if self.role_arn is None:
            return self.factory.base()
        if self._credentials is None:
            base = self.factory.base()
            core_credentials = base._session.get_credentials()
            fetcher = AssumeRoleCredentialFetcher(
                client_creator=base._session.create_client,
                source_credentials=core_credentials,
                role_arn=self.role_arn,
                extra_args={"RoleSessionName": SESSION_NAME},
            )
            self._credentials = DeferredRefreshableCredentials(
                refresh_using=fetcher.fetch_credentials, method="assume-role"
            )
        return self.factory.with_credentials(self._credentials)

    def client(self, session: boto3.Session, service: str, region: str) -> Any:
        return session.client(service, region_name=region, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def caller_account(session: boto3.Session, region: str, what: str) -> str:
    """The account the session's credentials belong to, or one clear line on failure."""
    return caller_identity(session, region, what)[0]


def caller_identity(session: boto3.Session, region: str, what: str) -> tuple[str, str]:
    """(account, partition) of the session's credentials, or one clear line on failure."""
    try:
        sts = session.client("sts", region_name=region, config=CLIENT_CONFIG)
        identity = sts.get_caller_identity()
        return str(identity["Account"]), str(identity["Arn"]).split(":")[1]
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


def check_account(account: Account, region: str) -> None:
    """Refuse to go on if the credentials do not belong to the account we think they do."""
    what = f"account {account.id}" + (f" via {account.role_arn}" if account.role_arn else "")
    actual = caller_account(account.session(), region, what)
    if actual != account.id:
        raise CredentialsError(
            f"the credentials for {what} belong to account {actual}, not {account.id}"
        )
