"""Rule tables for targeting (README "Targeting" and exit 3), driven through
`resolve_regions`, `resolve_accounts`, `organization_accounts` and `accounts_for_plan` on a
fake session factory: which accounts and regions are worked on, and what is refused.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
import pytest
from botocore.exceptions import ClientError

from migrate import targeting
from migrate.aws import CLIENT_CONFIG, Account, AccountUnreachable, SessionFactory
from migrate.errors import CredentialsError, InputError, RefusedError
from migrate.model import ALL_REGIONS, ScanError
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
        assert service == "organizations", service
        return FakeClient({"list_accounts": error(self.org_error, 403) if self.org_error
                           else self.listed}, service=service)

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


class RegionsSession:
    """A boto3 session whose EC2 answers DescribeRegions (or fails)."""

    def __init__(self, answer: Any) -> None:
        self.ec2 = FakeClient({"describe_regions": answer}, service="ec2")
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def client(self, service: str, **kw: Any) -> FakeClient:
        self.asked.append((service, kw))
        return self.ec2


def test_rule_all_regions_are_the_enabled_ones() -> None:
    """Rule "targeting": --all-regions asks EC2 (in the first default region, with the run's
    client settings) for the regions enabled in the account, not every region, sorted."""
    session = RegionsSession({"Regions": [{"RegionName": "eu-west-1"},
                                          {"RegionName": "ap-south-1"}]})
    assert resolve_regions(cast(boto3.Session, session), None, True) == ["ap-south-1",
                                                                        "eu-west-1"]
    assert session.asked == [("ec2", {"region_name": "us-east-1", "config": CLIENT_CONFIG})]
    assert session.ec2.calls == [("describe_regions", {"AllRegions": False})]


def test_rule_all_regions_unlistable_is_a_credentials_error() -> None:
    """Rule "targeting refusals": regions that cannot be listed say why and what to do."""
    session = RegionsSession(error("UnauthorizedOperation", 403))
    with pytest.raises(CredentialsError) as denied:
        resolve_regions(cast(boto3.Session, session), None, True)
    assert denied.value.format_message() == (
        "cannot list the enabled regions: UnauthorizedOperation: UnauthorizedOperation (fake); "
        "pass them with --regions instead")
    assert isinstance(denied.value.__cause__, ClientError)


def test_rule_selected_regions_refusal_messages() -> None:
    """Rule "targeting refusals": whole messages for unknown regions and both options."""
    with pytest.raises(InputError) as unknown:
        resolve_regions(boto3.Session(), ["mars-1", "us-east-1", "venus-2"], False)
    assert unknown.value.format_message() == (
        "unknown region mars-1, venus-2: use region codes such as us-east-1,eu-central-1 (see "
        "`aws ec2 describe-regions`)")
    with pytest.raises(InputError) as both:
        resolve_regions(boto3.Session(), ["us-east-1"], True)
    assert both.value.format_message() == "give --regions or --all-regions, not both"


def test_rule_other_accounts_need_a_role_message_and_share_the_factory() -> None:
    """Rule "targeting refusals": the whole message naming the missing option; every account
    (own and others) is reached with the run's factory."""
    with pytest.raises(InputError) as refused:
        resolve_accounts(factory(), "us-east-1", [OTHER], False, None)
    assert refused.value.format_message() == (
        "--accounts/--organization need --role-name ROLE: the role to assume in each account "
        "(e.g. OrganizationAccountAccessRole)")
    fake = factory()
    found = resolve_accounts(fake, "us-east-1", [OWN, OTHER], False, ROLE)
    assert [a.factory for a in found] == [fake, fake]


def test_rule_plan_accounts_are_checked_through_their_role(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "plan file checks": each other account of the plan is reached through the role and
    checked (in the home region) before anything is deleted; one whose role cannot be assumed
    becomes that account's error and the others go on; credentials of the wrong account stop
    everything."""
    checked: list[tuple[str, str | None, str]] = []

    def check(account: Account, region: str) -> None:
        checked.append((account.id, account.role_arn, region))
        if account.id == THIRD:
            raise AccountUnreachable(f"cannot assume {account.role_arn}: AccessDenied")

    monkeypatch.setattr(targeting, "check_account", check)
    fake = factory()
    found, errors = accounts_for_plan(fake, "eu-west-1", [OWN, OTHER, THIRD], ROLE)
    assert [(a.id, a.role_arn, a.region, a.factory) for a in found.values()] == [
        (OWN, None, "eu-west-1", fake),
        (OTHER, f"arn:aws:iam::{OTHER}:role/{ROLE}", "eu-west-1", fake),
        (THIRD, f"arn:aws:iam::{THIRD}:role/{ROLE}", "eu-west-1", fake)]
    assert sorted(checked) == [(OTHER, f"arn:aws:iam::{OTHER}:role/{ROLE}", "eu-west-1"),
                               (THIRD, f"arn:aws:iam::{THIRD}:role/{ROLE}", "eu-west-1")]
    assert errors == [ScanError(THIRD, ALL_REGIONS,
                                f"cannot assume arn:aws:iam::{THIRD}:role/{ROLE}: AccessDenied")]

    def wrong(account: Account, region: str) -> None:
        raise CredentialsError("belongs to account 999999999999")

    monkeypatch.setattr(targeting, "check_account", wrong)
    with pytest.raises(CredentialsError, match="belongs to account 999999999999"):
        accounts_for_plan(factory(), "eu-west-1", [OTHER], ROLE)


def test_rule_plan_file_for_another_account_message() -> None:
    """Rule "plan file checks": the whole refusal for a plan of another account."""
    with pytest.raises(RefusedError) as refused:
        accounts_for_plan(factory(), "us-east-1", [OTHER], None)
    assert refused.value.format_message() == (
        f"the plan file is for account {OTHER} but the credentials are for account {OWN}: "
        "nothing deleted; use that account's credentials (--profile) or make a new plan")


def test_rule_ctrl_c_while_checking_plan_accounts_stops_cleanly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Ctrl-C": Ctrl-C while the plan's accounts are being checked stops as Ctrl-C (the
    checks are told to stop), not as a crash."""
    monkeypatch.setattr(targeting, "check_account", lambda account, region: None)

    def interrupted(*args: Any, **kw: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(concurrent.futures, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        accounts_for_plan(factory(), "us-east-1", [OTHER], ROLE)
