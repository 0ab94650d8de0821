"""Which accounts and regions to work on, validated before any scan starts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from migrate.aws import (
    CLIENT_CONFIG,
    Account,
    AccountUnreachable,
    SessionFactory,
    caller_identity,
    check_account,
    describe_error,
    known_regions,
)
from migrate.errors import CredentialsError, InputError, RefusedError
from migrate.fingerprint import DEFAULT_REGIONS
from migrate.model import ALL_REGIONS, ScanError
from migrate.runner import default_workers, run_all

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_organizations.type_defs import AccountTypeDef

ACCOUNT_ID = re.compile(r"^\d{12}$")



def resolve_regions(session: boto3.Session, regions: list[str] | None,
                    all_regions: bool) -> list[str]:
    if regions and all_regions:
        raise InputError("give --regions or --all-regions, not both")
    if all_regions:
        try:
            ec2 = session.client("ec2", region_name=DEFAULT_REGIONS[0], config=CLIENT_CONFIG)
            found = ec2.describe_regions(AllRegions=False)["Regions"]
        except (ClientError, BotoCoreError) as exc:
            raise CredentialsError(f"cannot list the enabled regions: {describe_error(exc)}; "
                                   "pass them with --regions instead") from exc
        return sorted(r["RegionName"] for r in found)
    wanted = list(dict.fromkeys(regions or DEFAULT_REGIONS))
    unknown = [r for r in wanted if r not in known_regions()]
    if unknown:
        raise InputError(f"unknown region {', '.join(unknown)}: use region codes such as "
                         "us-east-1,eu-central-1 (see `aws ec2 describe-regions`)")
    return wanted


def parse_accounts(value: str | None) -> list[str] | None:
    if value is None:
        return None
    ids = [a.strip() for a in value.split(",") if a.strip()]
    bad = [a for a in ids if not ACCOUNT_ID.match(a)]
    if bad or not ids:
        raise InputError(f"--accounts takes 12-digit AWS account IDs separated by commas, "
                         f"got {', '.join(bad) or repr(value)}")
    return list(dict.fromkeys(ids))


def parse_regions(value: str | None) -> list[str] | None:
    if value is None:
        return None
    regions = [r.strip() for r in value.split(",") if r.strip()]
    if not regions:
        raise InputError("--regions needs at least one region code, e.g. us-east-1")
    return regions


def organization_accounts(factory: SessionFactory, region: str) -> list[str]:
    try:
        pages = factory.base_organizations(region).get_paginator("list_accounts").paginate()
        return active_accounts(a for page in pages for a in page["Accounts"])
    except (ClientError, BotoCoreError) as exc:
        raise CredentialsError(
            f"cannot list the organization's accounts: {describe_error(exc)}; run with the "
            "management account's (or a delegated administrator's) credentials, or use --accounts"
        ) from exc


def active_accounts(listed: Iterable[AccountTypeDef]) -> list[str]:
    """Only ACTIVE accounts: a SUSPENDED, PENDING_CLOSURE or CLOSED one cannot be cleaned (its
    role cannot be assumed) and must not be targeted. `Status` is ListAccounts' field; `State`
    is the newer one that replaces it."""
    return sorted(a["Id"] for a in listed if a.get("Status", a.get("State")) == "ACTIVE")


def resolve_accounts(factory: SessionFactory, region: str, accounts: list[str] | None,
                     organization: bool, role_name: str | None) -> list[Account]:
    """The caller's account by default; others through `arn:aws:iam::<id>:role/<role_name>`."""
    if accounts and organization:
        raise InputError("give --accounts or --organization, not both")
    own, partition = caller_identity(factory, region, "the current credentials")
    if organization:
        accounts = organization_accounts(factory, region)
    if not accounts:
        return [Account(own, factory, region=region)]
    others = [a for a in accounts if a != own]
    if others and not role_name:
        raise InputError("--accounts/--organization need --role-name ROLE: the role to assume in "
                         "each account (e.g. OrganizationAccountAccessRole)")
    return [Account(a, factory, region=region) if a == own else
            Account(a, factory, f"arn:{partition}:iam::{a}:role/{role_name}", region=region)
            for a in accounts]


def accounts_for_plan(factory: SessionFactory, region: str, account_ids: list[str],
                      role_name: str | None) -> tuple[dict[str, Account], list[ScanError]]:
    """Reach the accounts a plan file was made for, refusing if the credentials do not match.

    An account whose role cannot be assumed is returned as an error (nothing is deleted there;
    the others go on); credentials that belong to another account stop everything.
    """
    own, partition = caller_identity(factory, region, "the current credentials")
    found: dict[str, Account] = {}
    for account_id in account_ids:
        if account_id == own:
            found[account_id] = Account(account_id, factory, region=region)
        elif role_name:
            found[account_id] = Account(account_id, factory,
                                        f"arn:{partition}:iam::{account_id}:role/{role_name}",
                                        region=region)
        else:
            raise RefusedError(
                f"the plan file is for account {account_id} but the credentials are for account "
                f"{own}: nothing deleted; use that account's credentials (--profile) or make a "
                "new plan")
    others = [a for a in found.values() if a.role_arn is not None]
    errors: list[ScanError] = []
    checks = run_all(others, lambda a: check_account(a, region), default_workers(len(others)),
                     threading.Event())
    for account, outcome in checks:
        if isinstance(outcome, AccountUnreachable):
            errors.append(ScanError(account.id, ALL_REGIONS, str(outcome)))
        elif isinstance(outcome, BaseException):
            raise outcome
    return found, errors
