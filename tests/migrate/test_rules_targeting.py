"""Rule tables for targeting (README "Targeting" and exit 3), driven through
`resolve_regions`, `resolve_accounts`, `organization_accounts` and `accounts_for_plan` on a
fake session factory: which accounts and regions are worked on, and what is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import boto3
import pytest

from migrate.aws import SessionFactory
from migrate.errors import CredentialsError, InputError, RefusedError
from migrate.targeting import (
    accounts_for_plan,
    organization_accounts,
    parse_accounts,
    parse_regions,
    resolve_accounts,
    resolve_regions,
)
from tests.migrate.fakeaws import FakeClient, error

OWN = "123456789012"
OTHER = "222222222222"
THIRD = "333333333333"
ROLE = "Audit"


@dataclass
class FakeFactory:
    """The caller is OWN (in `partition`); organizations lists `listed`."""

    partition: str = "aws"
    listed: list[dict[str, Any]] = field(default_factory=list)
    sts_error: str | None = None
    org_error: str | None = None
    asked: list[tuple[str, str]] = field(default_factory=list)

    def base(self) -> boto3.Session:
        return boto3.Session(region_name="us-east-1")

    def base_client(self, service: str, region: str) -> FakeClient:
        self.asked.append((service, region))
        if service == "sts":
            return FakeClient({"get_caller_identity": error(self.sts_error, 403)
                               if self.sts_error else {
                                   "Account": OWN,
                                   "Arn": f"arn:{self.partition}:iam::{OWN}:user/me"}})
        return FakeClient({"list_accounts": error(self.org_error, 403) if self.org_error
                           else self.listed})

    # The real typed accessors, over the fake `base_client`.
    base_sts = SessionFactory.base_sts
    base_organizations = SessionFactory.base_organizations


def factory(**kw: Any) -> SessionFactory:
    return cast(SessionFactory, FakeFactory(**kw))


def _accounts(found: Any) -> list[tuple[str, str | None]]:
    return [(a.id, a.role_arn) for a in found]


ACCOUNTS: dict[str, tuple[dict[str, Any], tuple[Any, ...], list[tuple[str, str | None]]]] = {
    "default-own-account": ({}, (None, False, None), [(OWN, None)]),
    "own-account-named": ({}, ([OWN], False, None), [(OWN, None)]),
    "own-and-other": ({}, ([OWN, OTHER], False, ROLE),
                      [(OWN, None), (OTHER, f"arn:aws:iam::{OTHER}:role/{ROLE}")]),
    "other-in-china": ({"partition": "aws-cn"}, ([OTHER], False, ROLE),
                       [(OTHER, f"arn:aws-cn:iam::{OTHER}:role/{ROLE}")]),
    "organization-active-only": ({"listed": [
        {"Id": OWN, "Status": "ACTIVE"}, {"Id": OTHER, "Status": "ACTIVE"},
        {"Id": THIRD, "Status": "SUSPENDED"}, {"Id": "444444444444", "Status": "CLOSED"},
        {"Id": "555555555555", "State": "PENDING_CLOSURE"}]}, (None, True, ROLE),
        [(OWN, None), (OTHER, f"arn:aws:iam::{OTHER}:role/{ROLE}")]),
}


@pytest.mark.parametrize(("fake", "args", "found"), list(ACCOUNTS.values()), ids=list(ACCOUNTS))
def test_rule_targeted_accounts(fake: dict[str, Any], args: tuple[Any, ...],
                                found: list[tuple[str, str | None]]) -> None:
    """Rule "targeting": the caller's own account with its own credentials; others through
    `arn:<partition>:iam::<id>:role/<ROLE>`; --organization only ACTIVE accounts."""
    assert _accounts(resolve_accounts(factory(**fake), "us-east-1", *args)) == found


@pytest.mark.parametrize(("fake", "args", "refusal", "says"), [
    ({}, ([OTHER], True, ROLE), InputError, "not both"),
    ({}, ([OTHER], False, None), InputError, "need --role-name"),
    ({"listed": [{"Id": OTHER, "Status": "ACTIVE"}]}, (None, True, None), InputError,
     "need --role-name"),
    ({"sts_error": "ExpiredToken"}, (None, False, None), CredentialsError, "ExpiredToken"),
    ({"org_error": "AccessDeniedException"}, (None, True, ROLE), CredentialsError,
     "cannot list the organization's accounts"),
], ids=["accounts-and-organization", "other-without-role", "organization-without-role",
        "expired-credentials", "organization-denied"])
def test_rule_targeting_refusals(fake: dict[str, Any], args: tuple[Any, ...],
                                 refusal: type[Exception], says: str) -> None:
    """Rule "targeting refusals": conflicting or incomplete targeting is refused with what to
    do; nothing falls back to another account."""
    with pytest.raises(refusal, match=says):
        resolve_accounts(factory(**fake), "us-east-1", *args)


def test_rule_organization_accounts_sorted_and_active() -> None:
    """Rule "--organization targets ACTIVE accounts only", through ListAccounts."""
    listed = [{"Id": THIRD, "Status": "ACTIVE"}, {"Id": OTHER, "Status": "ACTIVE"},
              {"Id": OWN, "Status": "PENDING_CLOSURE"}]
    assert organization_accounts(factory(listed=listed), "us-east-1") == [OTHER, THIRD]


@pytest.mark.parametrize(("regions", "all_regions", "found"), [
    (None, False, ["us-east-1", "eu-central-1"]),
    (["eu-west-1", "eu-west-1", "us-east-2"], False, ["eu-west-1", "us-east-2"]),
    (["cn-north-1"], False, ["cn-north-1"]),
], ids=["default", "deduplicated", "other-partition"])
def test_rule_selected_regions(regions: list[str] | None, all_regions: bool,
                               found: list[str]) -> None:
    """Rule "targeting": default us-east-1 and eu-central-1; --regions checked against every
    partition botocore knows, in order, without duplicates."""
    assert resolve_regions(boto3.Session(), regions, all_regions) == found


@pytest.mark.parametrize(("regions", "all_regions", "says"), [
    (["us-middle-1"], False, "unknown region us-middle-1"),
    (["us-east-1", "mars-1"], False, "unknown region mars-1"),
    (["us-east-1"], True, "not both"),
], ids=["unknown", "one-unknown", "regions-and-all-regions"])
def test_rule_selected_regions_refused(regions: list[str], all_regions: bool, says: str
                                       ) -> None:
    """Rule "targeting refusals": an unknown region or both options is exit 3."""
    with pytest.raises(InputError, match=says):
        resolve_regions(boto3.Session(), regions, all_regions)


def test_rule_plan_file_accounts_need_matching_credentials() -> None:
    """Rule "plan file checks": a plan for another account without --role-name is refused
    (exit 1); the caller's own account needs no role and no check."""
    with pytest.raises(RefusedError, match=f"plan file is for account {OTHER}"):
        accounts_for_plan(factory(), "us-east-1", [OTHER], None)
    found, errors = accounts_for_plan(factory(), "us-east-1", [OWN], None)
    assert (list(found), found[OWN].role_arn, errors) == ([OWN], None, [])


def test_rule_calls_go_to_the_home_region() -> None:
    """Rule "targeting": STS, Organizations and AssumeRole go to the run's home region (a
    partition's own region: an aws-cn account cannot be reached through us-east-1)."""
    fake = FakeFactory(listed=[{"Id": OTHER, "Status": "ACTIVE"}])
    found = resolve_accounts(cast(SessionFactory, fake), "cn-north-1", None, True, ROLE)
    assert {r for _, r in fake.asked} == {"cn-north-1"}
    assert [a.region for a in found] == ["cn-north-1"]
    fake = FakeFactory()
    plan_accounts, _ = accounts_for_plan(cast(SessionFactory, fake), "cn-north-1", [OWN], None)
    assert {r for _, r in fake.asked} == {"cn-north-1"}
    assert plan_accounts[OWN].region == "cn-north-1"


def test_rule_plan_accounts_through_the_role_in_the_home_region() -> None:
    """Rule "plan file checks": other accounts of a plan are reached through the role, from
    the home region; the caller's own with its own credentials."""
    found = resolve_accounts(factory(), "eu-west-1", [OWN, OTHER], False, ROLE)
    assert [(a.id, a.region) for a in found] == [(OWN, "eu-west-1"), (OTHER, "eu-west-1")]


def test_rule_targeting_refusal_messages() -> None:
    """Rule "targeting refusals": the one line says what failed and what to do."""
    with pytest.raises(CredentialsError) as denied:
        organization_accounts(factory(org_error="AccessDeniedException"), "us-east-1")
    assert denied.value.format_message() == (
        "cannot list the organization's accounts: AccessDeniedException: AccessDeniedException "
        "(fake); run with the management account's (or a delegated administrator's) "
        "credentials, or use --accounts")
    with pytest.raises(CredentialsError) as expired:
        accounts_for_plan(factory(sts_error="ExpiredToken"), "us-east-1", [OWN], None)
    assert expired.value.format_message().startswith(
        "cannot use the credentials for the current credentials: ExpiredToken")


@pytest.mark.parametrize(("value", "message"), [
    (",", "--accounts takes 12-digit AWS account IDs separated by commas, got ','"),
    ("12345678901,abc", "--accounts takes 12-digit AWS account IDs separated by commas, got "
                        "12345678901, abc"),
], ids=["nothing", "two-bad"])
def test_rule_accounts_option_message(value: str, message: str) -> None:
    """Rule "--accounts takes 12-digit IDs": the message quotes what was wrong."""
    with pytest.raises(InputError) as refused:
        parse_accounts(value)
    assert refused.value.format_message() == message


def test_rule_targeting_messages_and_own_account() -> None:
    """Rule "targeting refusals": whole messages; the default account is the caller's own,
    reached with the run's factory from the home region."""
    with pytest.raises(InputError) as both:
        resolve_accounts(factory(), "us-east-1", [OWN], True, ROLE)
    assert both.value.format_message() == "give --accounts or --organization, not both"
    with pytest.raises(InputError) as empty:
        parse_regions(",")
    assert empty.value.format_message() == ("--regions needs at least one region code, e.g. "
                                            "us-east-1")
    with pytest.raises(CredentialsError) as expired:
        resolve_accounts(factory(sts_error="ExpiredToken"), "us-east-1", None, False, None)
    assert expired.value.format_message().startswith(
        "cannot use the credentials for the current credentials: ExpiredToken")
    fake = factory()
    [own] = resolve_accounts(fake, "eu-west-1", None, False, None)
    assert (own.id, own.factory, own.region, own.role_arn) == (OWN, fake, "eu-west-1", None)
