"""Rule tables for the retired scanner's IAM trust (README "What matches", `iam-role` row).

Rule "scanner VA role trust": every Allow statement lets in only Defender's OIDC provider of this
account and partition, only for `sts:AssumeRoleWithWebIdentity`, with the containers audience
(exactly that one) under StringEquals or StringLike. Rule "scanner task role trust": every Allow
statement's principal is only the `ecs-tasks.amazonaws.com` service. One case per way a trust
can differ from the scanner's; each negative case must be kept (the function names why).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from migrate.audit import AuditLog
from migrate.context import CannotDelete, Settings
from migrate.fingerprint import (
    CONTAINERS_AUDIENCE,
    ECS_TASKS_PRINCIPAL,
    OIDC_ISSUER,
    TRIVY_POLICIES,
    TRIVY_ROLES,
    TRIVY_TASK_ROLE_TRUST,
    TRIVY_VA_ROLE_TRUST,
)
from migrate.kinds import iam
from migrate.model import Action, Resource, Status
from migrate.trust import oidc_provider_arn, trusts_defender_oidc, trusts_service
from tests.migrate.fakeaws import FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
PROVIDER = oidc_provider_arn("aws", ACCOUNT)
AUD = f"{OIDC_ISSUER}:aud"
OTHER_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
CSPM_AUDIENCE = "api://4d8bed1f-eee7-4d8e-b0dc-8462049a4479"

Doc = dict[str, Any]


def scanner_oidc_trust() -> Doc:
    """The VA role's trust as the scanner's onboarding wrote it."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {AUD: CONTAINERS_AUDIENCE},
                      "StringLike": {"sts:RoleSessionName": "MicrosoftDefenderForClouds_*"}},
    }]}


def scanner_task_trust() -> Doc:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ECS_TASKS_PRINCIPAL},
        "Action": "sts:AssumeRole"}]}


def _edit(change: Callable[[Doc], None], base: Callable[[], Doc] = scanner_oidc_trust
          ) -> Doc:
    doc = base()
    change(doc)
    return doc


def _st(doc: Doc) -> dict[str, Any]:
    statement: dict[str, Any] = doc["Statement"][0]
    return statement


def _set(path: tuple[str, ...], value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        node = _st(doc)
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return change


def _drop(path: tuple[str, ...]) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        node = _st(doc)
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return change


def _move_audience(operator: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        cond = _st(doc)["Condition"]
        cond[operator] = {AUD: cond.pop("StringEquals")[AUD]}
    return change


def _add_statement(statement: dict[str, Any]) -> Callable[[Doc], None]:
    return lambda doc: doc["Statement"].append(statement)


# --- the VA role: Defender's OIDC provider, containers audience ------------------------------

OIDC_MATCHES = {
    "exact-scanner-trust": scanner_oidc_trust(),
    "statement-as-object": _edit(lambda d: d.update(Statement=d["Statement"][0])),
    "federated-as-list": _edit(_set(("Principal", "Federated"), [PROVIDER])),
    "action-as-list": _edit(_set(("Action",), ["sts:AssumeRoleWithWebIdentity"])),
    "audience-as-list": _edit(_set(("Condition", "StringEquals", AUD), [CONTAINERS_AUDIENCE])),
    "audience-under-StringLike": _edit(_move_audience("StringLike")),
    "extra-deny-statement": _edit(_add_statement({
        "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})),
    "two-equivalent-statements": _edit(lambda d: d["Statement"].append(
        copy.deepcopy(d["Statement"][0]))),
    "no-session-name-condition": _edit(_drop(("Condition", "StringLike"))),
}

OIDC_DIFFERS = {
    # principal
    "provider-of-another-account": (_edit(_set(("Principal", "Federated"),
                                               oidc_provider_arn("aws", "999999999999"))),
                                    "trusts"),
    "provider-of-another-issuer": (_edit(_set(("Principal", "Federated"), OTHER_PROVIDER)),
                                   "trusts"),
    "also-another-oidc-provider": (_edit(_set(("Principal", "Federated"),
                                              [PROVIDER, OTHER_PROVIDER])), "trusts"),
    "another-provider-first": (_edit(_set(("Principal", "Federated"),
                                          [OTHER_PROVIDER, PROVIDER])), "trusts"),
    "also-an-aws-principal": (_edit(_set(("Principal", "AWS"), "arn:aws:iam::999999999999:root")),
                              "trusts"),
    "also-a-service-principal": (_edit(_set(("Principal", "Service"), ECS_TASKS_PRINCIPAL)),
                                 "trusts"),
    "principal-star": (_edit(_set(("Principal",), "*")), "trusts"),
    "not-principal": (_edit(lambda d: _st(d).update(NotPrincipal=_st(d).pop("Principal"))),
                      "trusts"),
    # action
    "also-allows-AssumeRole": (_edit(_set(("Action",), ["sts:AssumeRoleWithWebIdentity",
                                                        "sts:AssumeRole"])), "allows"),
    "only-AssumeRole": (_edit(_set(("Action",), "sts:AssumeRole")), "allows"),
    "action-wildcard": (_edit(_set(("Action",), "sts:*")), "allows"),
    "not-action": (_edit(lambda d: _st(d).update(NotAction=_st(d).pop("Action"))), "allows"),
    # audience and its condition operator
    "another-audience": (_edit(_set(("Condition", "StringEquals", AUD), CSPM_AUDIENCE)),
                         "audience"),
    "audience-set-wider": (_edit(_set(("Condition", "StringEquals", AUD),
                                      [CONTAINERS_AUDIENCE, CSPM_AUDIENCE])), "audience"),
    "audience-wildcard": (_edit(lambda d: _st(d)["Condition"].update(
        StringEquals={}, StringLike={AUD: "api://*"})), "audience"),
    "audience-under-StringNotEquals": (_edit(_move_audience("StringNotEquals")), "audience"),
    "audience-under-StringNotLike": (_edit(_move_audience("StringNotLike")), "audience"),
    "audience-under-StringEqualsIgnoreCase": (_edit(_move_audience("StringEqualsIgnoreCase")),
                                              "audience"),
    "audience-under-StringEqualsIfExists": (_edit(_move_audience("StringEqualsIfExists")),
                                            "audience"),
    "audience-under-ForAnyValue": (_edit(_move_audience("ForAnyValue:StringEquals")),
                                   "audience"),
    "audience-condition-dropped": (_edit(_drop(("Condition", "StringEquals"))), "audience"),
    "no-condition-at-all": (_edit(_drop(("Condition",))), "audience"),
    "audience-of-another-issuer": (_edit(lambda d: _st(d)["Condition"].update(StringEquals={
        "sts.windows.net/00000000-0000-0000-0000-000000000000/:aud": CONTAINERS_AUDIENCE})),
        "audience"),
    # statements
    "second-statement-another-principal": (_edit(_add_statement({
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "sts:AssumeRole"})), "trusts"),
    "second-statement-without-audience": (_edit(lambda d: d["Statement"].append(
        {k: v for k, v in d["Statement"][0].items() if k != "Condition"})), "audience"),
    "only-deny": (_edit(_set(("Effect",), "Deny")), "nobody"),
    "no-statement": ({"Version": "2012-10-17", "Statement": []}, "nobody"),
    "empty-document": ({}, "nobody"),
}


@pytest.mark.parametrize("doc", list(OIDC_MATCHES.values()), ids=list(OIDC_MATCHES))
def test_rule_scanner_va_role_trust_matches_every_spelling_of_it(doc: Doc) -> None:
    """Rule "scanner VA role trust": the scanner's trust, however IAM spells it, matches."""
    assert trusts_defender_oidc(doc, "aws", ACCOUNT) is None


@pytest.mark.parametrize(("doc", "says"), list(OIDC_DIFFERS.values()), ids=list(OIDC_DIFFERS))
def test_rule_scanner_va_role_trust_differs_so_the_role_is_kept(doc: Doc, says: str) -> None:
    """Rule "scanner VA role trust": anything more (or less) than the scanner's trust keeps
    the role, with the reason."""
    reason = trusts_defender_oidc(doc, "aws", ACCOUNT)
    assert reason is not None
    assert says in reason


def test_rule_scanner_va_role_trust_is_per_partition_and_account() -> None:
    """Rule "scanner VA role trust": the provider must be this account's, in the role's own
    partition (aws-cn, aws-us-gov)."""
    assert trusts_defender_oidc(scanner_oidc_trust(), "aws-cn", ACCOUNT) is not None
    assert trusts_defender_oidc(scanner_oidc_trust(), "aws", "999999999999") is not None
    china = _edit(_set(("Principal", "Federated"), oidc_provider_arn("aws-cn", ACCOUNT)))
    assert trusts_defender_oidc(china, "aws-cn", ACCOUNT) is None


def test_rule_scanner_va_role_trust_audience_is_a_parameter() -> None:
    """Rule "MDVM readiness trust": the same check with another audience wants that one."""
    assert trusts_defender_oidc(scanner_oidc_trust(), "aws", ACCOUNT, CSPM_AUDIENCE) is not None
    cspm = _edit(_set(("Condition", "StringEquals", AUD), CSPM_AUDIENCE))
    assert trusts_defender_oidc(cspm, "aws", ACCOUNT, CSPM_AUDIENCE) is None


# --- the task role: ECS tasks ------------------------------------------------------------------

TASK_MATCHES = {
    "exact-scanner-trust": scanner_task_trust(),
    "service-as-list": _edit(_set(("Principal", "Service"), [ECS_TASKS_PRINCIPAL]),
                             scanner_task_trust),
    "statement-as-object": _edit(lambda d: d.update(Statement=d["Statement"][0]),
                                 scanner_task_trust),
    "extra-deny-statement": _edit(_add_statement({
        "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
        scanner_task_trust),
}

TASK_DIFFERS = {
    "another-service": (_edit(_set(("Principal", "Service"), "ec2.amazonaws.com"),
                              scanner_task_trust), "trusts"),
    "also-another-service": (_edit(_set(("Principal", "Service"),
                                        [ECS_TASKS_PRINCIPAL, "ec2.amazonaws.com"]),
                                   scanner_task_trust), "trusts"),
    "also-an-aws-principal": (_edit(_set(("Principal", "AWS"), "arn:aws:iam::999999999999:root"),
                                    scanner_task_trust), "trusts"),
    "federated-instead": (_edit(_set(("Principal",), {"Federated": PROVIDER}),
                                scanner_task_trust), "trusts"),
    "principal-star": (_edit(_set(("Principal",), "*"), scanner_task_trust), "trusts"),
    "no-principal": (_edit(_drop(("Principal",)), scanner_task_trust), "trusts"),
    "second-statement-another-principal": (_edit(_add_statement({
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
        "Action": "sts:AssumeRole"}), scanner_task_trust), "trusts"),
    "only-deny": (_edit(_set(("Effect",), "Deny"), scanner_task_trust), "nobody"),
    "empty-document": ({}, "nobody"),
}


@pytest.mark.parametrize("doc", list(TASK_MATCHES.values()), ids=list(TASK_MATCHES))
def test_rule_scanner_task_role_trust_matches(doc: Doc) -> None:
    """Rule "scanner task role trust": only ecs-tasks.amazonaws.com, however spelled."""
    assert trusts_service(doc, ECS_TASKS_PRINCIPAL) is None


@pytest.mark.parametrize(("doc", "says"), list(TASK_DIFFERS.values()), ids=list(TASK_DIFFERS))
def test_rule_scanner_task_role_trust_differs_so_the_role_is_kept(doc: Doc, says: str) -> None:
    """Rule "scanner task role trust": any other or additional principal keeps the role."""
    reason = trusts_service(doc, ECS_TASKS_PRINCIPAL)
    assert reason is not None
    assert says in reason


TRUST_REASONS = {
    "va-only-AssumeRole": (trusts_defender_oidc, _edit(_set(("Action",), "sts:AssumeRole")),
                           "it allows 'sts:AssumeRole', not only sts:AssumeRoleWithWebIdentity"),
    "va-no-action": (trusts_defender_oidc, _edit(_drop(("Action",))),
                     "it allows None, not only sts:AssumeRoleWithWebIdentity"),
    "va-only-deny": (trusts_defender_oidc, _edit(_set(("Effect",), "Deny")), "it trusts nobody"),
    "va-no-principal": (trusts_defender_oidc, _edit(_drop(("Principal",))),
                        f"it trusts {{}}, not only {PROVIDER}"),
    "va-principal-null": (trusts_defender_oidc, _edit(_set(("Principal",), None)),
                          f"it trusts None, not only {PROVIDER}"),
    "task-only-deny": (trusts_service, _edit(_set(("Effect",), "Deny"), scanner_task_trust),
                       "it trusts nobody"),
    "task-no-principal": (trusts_service, _edit(_drop(("Principal",)), scanner_task_trust),
                          f"it trusts {{}}, not only {ECS_TASKS_PRINCIPAL}"),
    "task-another-service": (trusts_service, _edit(_set(("Principal", "Service"),
                                                        "ec2.amazonaws.com"), scanner_task_trust),
                             "it trusts {'Service': 'ec2.amazonaws.com'}, not only "
                             f"{ECS_TASKS_PRINCIPAL}"),
}


@pytest.mark.parametrize(("check", "doc", "reason"), list(TRUST_REASONS.values()),
                         ids=list(TRUST_REASONS))
def test_rule_scanner_role_trust_reason_names_what_differs(
        check: Callable[..., str | None], doc: Doc, reason: str) -> None:
    """Rule "scanner role trust": the plan's reason for keeping a scanner-named role says exactly
    what its trust has instead (the action or principal found, or that it trusts nobody), and a
    malformed principal (null) is a reason to keep the role, not a crash."""
    args = ("aws", ACCOUNT) if check is trusts_defender_oidc else (ECS_TASKS_PRINCIPAL,)
    assert check(doc, *args) == reason


def test_rule_scanner_role_names_and_which_trust_each_needs() -> None:
    """Rule "scanner role names": exactly Microsoft's four names, each with its own trust."""
    assert TRIVY_ROLES == {
        "DefenderForContainersVaRole": TRIVY_VA_ROLE_TRUST,
        "azuredefender-containers-va": TRIVY_VA_ROLE_TRUST,
        "DefenderForContainersVaTaskRole": TRIVY_TASK_ROLE_TRUST,
        "azuredefender-containers-va-task": TRIVY_TASK_ROLE_TRUST,
    }


# --- discovery and settling, on canned IAM answers (tests/migrate/fakeaws.py) ------------------

VA, TASK = "DefenderForContainersVaRole", "DefenderForContainersVaTaskRole"
VA_POLICY, TASK_POLICY = TRIVY_POLICIES


def _policy_arn(name: str, account: str = ACCOUNT, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:policy{path}{name}"


def _role(name: str, trust: Doc, **extra: Any) -> dict[str, Any]:
    return {"RoleName": name, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
            "AssumeRolePolicyDocument": trust, **extra}


LIST_ROLES_OMITS = ("RoleLastUsed", "Tags", "PermissionsBoundary")


class Iam(FakeClient):
    """IAM with roles (GetRole or ListRoles), their attached policies and who holds each."""

    def __init__(self, roles: list[dict[str, Any]], attached: dict[str, list[str]],
                 holders: dict[str, dict[str, list[str]]]) -> None:
        super().__init__({"list_roles": roles})
        self.roles = {r["RoleName"]: r for r in roles}
        self.attached, self.holders = attached, holders

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        if operation == "list_roles":  # AWS's listing leaves these out: only GetRole has them
            return {"Roles": [{k: v for k, v in r.items() if k not in LIST_ROLES_OMITS}
                              for r in self.roles.values()]}
        if operation == "get_role":
            role = self.roles.get(params["RoleName"])
            if role is None:
                raise error("NoSuchEntity", 404)
            return {"Role": role}
        if operation == "list_attached_role_policies":
            return {"AttachedPolicies": [{"PolicyArn": a}
                                         for a in self.attached.get(params["RoleName"], [])]}
        if operation == "get_policy":
            if params["PolicyArn"] not in self.holders:
                raise error("NoSuchEntity", 404)
            return {"Policy": {"Arn": params["PolicyArn"]}}
        if operation == "list_entities_for_policy":
            held = self.holders[params["PolicyArn"]]
            return {"PolicyRoles": [{"RoleName": n} for n in held.get("roles", [])],
                    "PolicyUsers": [{"UserName": n} for n in held.get("users", [])],
                    "PolicyGroups": [{"GroupName": n} for n in held.get("groups", [])]}
        return super().answer(operation, params)


def scanner_iam(**change: Any) -> Iam:
    roles = change.get("roles", [_role(VA, scanner_oidc_trust()),
                                 _role(TASK, scanner_task_trust())])
    attached = change.get("attached", {VA: [_policy_arn(VA_POLICY)],
                                       TASK: [_policy_arn(TASK_POLICY)]})
    holders = change.get("holders", {_policy_arn(VA_POLICY): {"roles": [VA]},
                                     _policy_arn(TASK_POLICY): {"roles": [TASK]}})
    return Iam(roles, attached, holders)


class Ecs(FakeClient):
    """ECS with task definitions (ARN -> description with its status); ListTaskDefinitions
    honours the status asked, as AWS does."""

    def __init__(self, definitions: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.definitions = definitions or {}

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        if operation == "list_task_definitions":
            status = params.get("status", "ACTIVE")
            return {"taskDefinitionArns": [a for a, d in self.definitions.items()
                                           if d.get("status", "ACTIVE") == status]}
        if operation == "describe_task_definition":
            return {"taskDefinition": self.definitions[params["taskDefinition"]]}
        return super().answer(operation, params)


def discover(client: Iam, ecs: Ecs | None = None, listed: bool = True
             ) -> dict[tuple[str, str], Resource]:
    """As plan does (`listed`: names from the account's ListRoles listing), or as apply does
    (GetRole for each of the scanner's names)."""
    ctx = fake_ctx(ACCOUNT, "us-east-1")
    ctx.account.clients["iam"] = client  # type: ignore[attr-defined]
    ctx.account.clients["ecs"] = ecs or Ecs()  # type: ignore[attr-defined]
    names = {r["RoleName"] for r in iam.list_roles(ctx)} if listed else None
    return {(r.kind, r.id): r for r in iam.discover(ctx, ["us-east-1"], names)}


# Plan answers which scanner roles exist from the account's ListRoles listing; apply asks GetRole
# for each name. Both must judge alike.
LISTED = pytest.mark.parametrize("listed", [True, False], ids=["plan-listing", "apply-getrole"])


def _actions(rows: dict[tuple[str, str], Resource]) -> dict[tuple[str, str], Action]:
    return {k: r.action for k, r in rows.items()}


@LISTED
def test_rule_scanner_iam_exact_leftovers_are_deleted(listed: bool) -> None:
    """Rule "scanner IAM": both roles with the scanner's trust, and the two policies attached
    only to them, are deleted (global, after everything regional)."""
    rows = discover(scanner_iam(), listed=listed)
    assert _actions(rows) == {("iam-role", VA): Action.DELETE, ("iam-role", TASK): Action.DELETE,
                              ("iam-policy", VA_POLICY): Action.DELETE,
                              ("iam-policy", TASK_POLICY): Action.DELETE}
    assert all(r.region == "global" for r in rows.values())
    assert rows[("iam-role", VA)].details["attached_policies"] == [_policy_arn(VA_POLICY)]
    assert "last used never" in rows[("iam-role", VA)].reason
    assert rows[("iam-policy", VA_POLICY)].details == {"arn": _policy_arn(VA_POLICY),
                                                       "attached_to": [f"role {VA}"]}


IAM_DIFFERS: dict[str, tuple[Iam, dict[tuple[str, str], Action], str]] = {
    "va-role-other-trust": (scanner_iam(roles=[_role(VA, scanner_task_trust()),
                                               _role(TASK, scanner_task_trust())]),
                            {("iam-role", VA): Action.KEEP,
                             ("iam-policy", VA_POLICY): Action.KEEP}, "named like"),
    "task-role-other-trust": (scanner_iam(roles=[_role(VA, scanner_oidc_trust()),
                                                 _role(TASK, scanner_oidc_trust())]),
                              {("iam-role", TASK): Action.KEEP,
                               ("iam-policy", TASK_POLICY): Action.KEEP}, "named like"),
    "policy-also-on-a-user": (scanner_iam(holders={
        _policy_arn(VA_POLICY): {"roles": [VA], "users": ["alice"]},
        _policy_arn(TASK_POLICY): {"roles": [TASK]}}),
        {("iam-policy", VA_POLICY): Action.KEEP}, "user alice"),
    "policy-also-on-a-group": (scanner_iam(holders={
        _policy_arn(VA_POLICY): {"roles": [VA], "groups": ["ops"]},
        _policy_arn(TASK_POLICY): {"roles": [TASK]}}),
        {("iam-policy", VA_POLICY): Action.KEEP}, "group ops"),
    "policy-also-on-another-role": (scanner_iam(holders={
        _policy_arn(VA_POLICY): {"roles": [VA, "AppRole"]},
        _policy_arn(TASK_POLICY): {"roles": [TASK]}}),
        {("iam-policy", VA_POLICY): Action.KEEP}, "role AppRole"),
}


@pytest.mark.parametrize(("client", "kept", "says"), list(IAM_DIFFERS.values()),
                         ids=list(IAM_DIFFERS))
def test_rule_scanner_iam_differs_so_it_is_kept(client: Iam, kept: dict[tuple[str, str], Action],
                                               says: str) -> None:
    """Rule "scanner IAM": a role whose trust differs is kept, and so is a policy attached to
    anything that stays (a user, a group, another role, a kept scanner role)."""
    rows = discover(client)
    for key, action in kept.items():
        assert rows[key].action is action, (key, rows[key].reason)
    assert any(says in rows[k].reason for k in kept)
    others = {k: r.action for k, r in rows.items() if k not in kept}
    assert set(others.values()) == {Action.DELETE}


@LISTED
def test_rule_scanner_policies_by_exact_name_in_this_account(listed: bool) -> None:
    """Rule "scanner IAM": policies are the two names, at the root path or at the path the
    roles have them, in this account only; others attached to the roles are not candidates."""
    odd = _policy_arn(VA_POLICY, path="/defender/")
    foreign = _policy_arn(TASK_POLICY, account="999999999999")
    other_name = _policy_arn("ReadOnlyExtra")
    client = scanner_iam(attached={VA: [odd, other_name], TASK: [foreign]},
                         holders={odd: {"roles": [VA]}, foreign: {"roles": [TASK]},
                                  other_name: {"roles": [VA]}})
    rows = discover(client, listed=listed)
    policies = {r.details["arn"] for k, r in rows.items() if k[0] == "iam-policy"}
    assert policies == {odd}
    asked = {p["PolicyArn"] for op, p in client.calls if op == "get_policy"}
    assert asked == {odd, _policy_arn(VA_POLICY), _policy_arn(TASK_POLICY)}


@LISTED
def test_rule_scanner_iam_nothing_when_absent(listed: bool) -> None:
    """Rule "scanner IAM": no roles and no policies, nothing reported."""
    client = scanner_iam(roles=[], attached={}, holders={})
    ecs = Ecs()
    assert discover(client, ecs, listed=listed) == {}
    # No role to delete: no task definition is described (ECS cannot filter them by role).
    assert ecs.calls == []


@LISTED
def test_rule_scanner_role_shows_its_last_use(listed: bool) -> None:
    """Rule "scanner IAM": the plan shows when the role was last used."""
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    client = scanner_iam(roles=[_role(VA, scanner_oidc_trust(),
                                      RoleLastUsed={"LastUsedDate": when})])
    rows = discover(client, listed=listed)
    assert rows[("iam-role", VA)].details["last_used"] == "2026-01-02"
    assert "last used 2026-01-02" in rows[("iam-role", VA)].reason


def test_rule_scanner_iam_plan_asks_getrole_only_for_a_listed_scanner_role() -> None:
    """Rule "scanner IAM" (cost): plan answers which scanner roles exist from the ListRoles
    listing, and asks GetRole (for RoleLastUsed) only for a scanner role the listing holds;
    apply, without a listing, asks GetRole for each of the scanner's names."""
    client = scanner_iam(roles=[_role(TASK, scanner_task_trust()), _role("admin", {})],
                         attached={TASK: [_policy_arn(TASK_POLICY)]},
                         holders={_policy_arn(TASK_POLICY): {"roles": [TASK]}})
    rows = discover(client)
    assert set(rows) == {("iam-role", TASK), ("iam-policy", TASK_POLICY)}
    assert [p["RoleName"] for op, p in client.calls if op == "get_role"] == [TASK]
    assert [op for op, _ in client.calls].count("list_roles") == 1
    applying = scanner_iam(roles=[_role(TASK, scanner_task_trust())])
    discover(applying, listed=False)
    assert sorted(p["RoleName"] for op, p in applying.calls if op == "get_role") == sorted(
        TRIVY_ROLES)
    assert "list_roles" not in [op for op, _ in applying.calls]


def _task_definition(family: str = "payments-api", key: str = "taskRoleArn",
                     role: str = f"arn:aws:iam::{ACCOUNT}:role/{TASK}",
                     status: str = "ACTIVE") -> Ecs:
    arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{family}:3"
    return Ecs({arn: {"taskDefinitionArn": arn, "family": family, "status": status,
                      key: role}})


ROLE_NAMED_BY = {
    # kept: an ACTIVE task definition of any family names the role, however registered
    "task-role": (_task_definition(), "task"),
    "execution-role": (_task_definition(key="executionRoleArn"), "execution"),
    "trivy-family": (_task_definition(family="trivy-scan"), "task"),
    "role-with-a-path": (_task_definition(role=f"arn:aws:iam::{ACCOUNT}:role/svc/{TASK}"),
                         "task"),
    "short-role-name": (_task_definition(role=TASK), "task"),
    # deleted: nothing ACTIVE names it
    "inactive-revision": (_task_definition(status="INACTIVE"), None),
    "another-role": (_task_definition(role=f"arn:aws:iam::{ACCOUNT}:role/{TASK}-old"), None),
    "unrelated-field": (_task_definition(key="roleArn"), None),
    "no-task-definition": (Ecs(), None),
}


@pytest.mark.parametrize(("ecs", "named_as"), list(ROLE_NAMED_BY.values()),
                         ids=list(ROLE_NAMED_BY))
@LISTED
def test_rule_scanner_role_named_by_any_active_task_definition_is_kept(
        ecs: Ecs, named_as: str | None, listed: bool) -> None:
    """Rule "scanner IAM": a scanner role that any ACTIVE task definition (any family: another
    team's service may run with it) of a scanned region names as its task or execution role is
    kept, and then the policies only it holds; in plan and again at apply. Replaces the
    settle() rule of issue 17 (only kept Trivy-like task definitions), gone with issue 16."""
    rows = discover(scanner_iam(), ecs, listed=listed)
    kept = named_as is not None
    expected = Action.KEEP if kept else Action.DELETE
    assert rows[("iam-role", TASK)].action is expected
    assert rows[("iam-policy", TASK_POLICY)].action is expected
    assert rows[("iam-role", VA)].action is Action.DELETE
    assert rows[("iam-policy", VA_POLICY)].action is Action.DELETE
    if kept:
        family = next(iter(ecs.definitions.values()))["family"]
        assert rows[("iam-role", TASK)].reason == (
            f"role of the retired Trivy scanner, but ACTIVE task definition {family}:3 in "
            f"us-east-1 names it as its {named_as} role: not deleted; deregister that task "
            "definition (or change its role) first, then plan again")
        assert f"also attached to role {TASK}" in rows[("iam-policy", TASK_POLICY)].reason
    assert ("list_task_definitions", {"status": "ACTIVE"}) in ecs.calls


@pytest.mark.parametrize(("where", "kept"), [
    ("eu-west-1", True), ("ap-south-1", False)], ids=["second-scanned-region", "not-scanned"])
def test_rule_scanner_role_named_in_any_scanned_region_is_kept(where: str, kept: bool) -> None:
    """Rule "scanner IAM": task definitions of every scanned region count (not only the first),
    and only those: a region outside the scan is not read."""
    ctx = fake_ctx(ACCOUNT, "us-east-1")
    ctx.account.clients["iam"] = scanner_iam()  # type: ignore[attr-defined]
    ecs = {"us-east-1": Ecs(), "eu-west-1": Ecs(), "ap-south-1": Ecs()}
    arn = f"arn:aws:ecs:{where}:{ACCOUNT}:task-definition/payments-api:1"
    ecs[where].definitions[arn] = {"family": "payments-api",
                                   "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{TASK}"}
    real = ctx.account.client

    def client(service: str, region: str) -> Any:
        return ecs[region] if service == "ecs" else real(service, region)
    ctx.account.client = client  # type: ignore[method-assign]
    rows = {(r.kind, r.id): r for r in iam.discover(ctx, ["us-east-1", "eu-west-1"])}
    assert rows[("iam-role", TASK)].action is (Action.KEEP if kept else Action.DELETE)
    if kept:
        assert f"payments-api:1 in {where} names it" in rows[("iam-role", TASK)].reason
    assert ecs["ap-south-1"].calls == []


# --- deleting the scanner's role and policies (on canned answers, audit log checked) ------------

def _deleting(tmp_path: Path, **answers: Any) -> tuple[Any, Path]:
    ctx = fake_ctx(ACCOUNT, "us-east-1", iam=answers)
    log = tmp_path / "audit.jsonl"
    ctx.audit = AuditLog(log)
    ctx.settings = Settings(retry_attempts=3, retry_base_delay=0.001, retry_max_delay=0.001)
    return ctx, log


def _audit(log: Path) -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return [(r["operation"], r["resource"], r["result"].split(":")[0]) for r in rows]


def test_rule_scanner_role_deletion_tolerates_what_went_meanwhile(tmp_path: Path) -> None:
    """Rule "scanner IAM" (deleting): policies detached, inline policies deleted, removed from
    instance profiles, then the role; a piece that went meanwhile (NoSuchEntity) is fine, and
    every call is in the audit log under the role's name."""
    ctx, log = _deleting(
        tmp_path, get_role={"Role": _role(TASK, scanner_task_trust())},
        list_attached_role_policies=[{"PolicyArn": _policy_arn(TASK_POLICY)}],
        list_role_policies=["ecr-read"],
        list_instance_profiles_for_role=[{"InstanceProfileName": "profile"}],
        detach_role_policy=error("NoSuchEntity", 404),
        delete_role_policy=error("NoSuchEntity", 404),
        remove_role_from_instance_profile=error("NoSuchEntity", 404),
        delete_role={})
    res = Resource(ACCOUNT, "global", "iam-role", TASK, Action.DELETE, "")
    assert iam.IamRole().delete(ctx, res) is Status.DELETED
    assert _audit(log) == [("iam:DetachRolePolicy", TASK, "NoSuchEntity"),
                           ("iam:DeleteRolePolicy", TASK, "NoSuchEntity"),
                           ("iam:RemoveRoleFromInstanceProfile", TASK, "NoSuchEntity"),
                           ("iam:DeleteRole", TASK, "ok")]


@pytest.mark.parametrize(("delete_role", "status"), [
    (error("NoSuchEntity", 404), Status.ALREADY_GONE),
    (error("DeleteConflict", 409), None),
    (error("AccessDenied", 403), None),
], ids=["gone-meanwhile", "still-attached", "denied"])
def test_rule_scanner_role_delete_errors(tmp_path: Path, delete_role: Any,
                                         status: Status | None) -> None:
    """Rule "scanner IAM" (deleting): NoSuchEntity on DeleteRole is already-gone; a conflict
    is retried a bounded number of times, then fails like any other error."""
    ctx, log = _deleting(tmp_path, get_role={"Role": _role(TASK, scanner_task_trust())},
                         delete_role=delete_role)
    said: list[str] = []
    ctx.say = said.append
    res = Resource(ACCOUNT, "global", "iam-role", TASK, Action.DELETE, "")
    if status is None:
        with pytest.raises(ClientError):
            iam.IamRole().delete(ctx, res)
    else:
        assert iam.IamRole().delete(ctx, res) is status
    tries = [op for op, _, _ in _audit(log)].count("iam:DeleteRole")
    assert tries == (3 if "Conflict" in str(delete_role) else 1)
    if tries == 3:
        assert said[0].startswith(f"delete role {TASK}: DeleteConflict, retry 1 in ")


def test_rule_scanner_policy_deletion(tmp_path: Path) -> None:
    """Rule "scanner IAM" (deleting a policy): refused while attached to anything; old versions
    first (never the default), then the policy."""
    arn = _policy_arn(VA_POLICY)
    res = Resource(ACCOUNT, "global", "iam-policy", VA_POLICY, Action.DELETE, "",
                   details={"arn": arn})
    attached, _ = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                            list_entities_for_policy={"PolicyUsers": [{"UserName": "alice"}]})
    with pytest.raises(CannotDelete, match="still attached to user alice"):
        iam.IamPolicy().delete(attached, res)
    ctx, log = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                         list_entities_for_policy={},
                         list_policy_versions=[{"VersionId": "v1", "IsDefaultVersion": False},
                                               {"VersionId": "v2", "IsDefaultVersion": True},
                                               {"VersionId": "v3"}],
                         delete_policy_version=error("NoSuchEntity", 404), delete_policy={})
    assert iam.IamPolicy().delete(ctx, res) is Status.DELETED
    calls = ctx.account.clients["iam"].calls
    versions = [p["VersionId"] for op, p in calls if op == "delete_policy_version"]
    assert versions == ["v1", "v3"]
    assert _audit(log)[-1] == ("iam:DeletePolicy", VA_POLICY, "ok")
    gone, _ = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                        list_entities_for_policy={}, list_policy_versions=[],
                        delete_policy=error("NoSuchEntity", 404))
    assert iam.IamPolicy().delete(gone, res) is Status.ALREADY_GONE


# --- issue 17, round 2: what the automatic mutation run of kinds/iam.py found unguarded --------

def test_rule_scanner_iam_rows_in_full() -> None:
    """Rule "scanner IAM": the rows the plan shows, in full: this account, the role's ARN, last
    use and policies, and the reasons word for word."""
    rows = discover(scanner_iam())
    role, policy = rows[("iam-role", VA)], rows[("iam-policy", VA_POLICY)]
    assert (role.account, policy.account) == (ACCOUNT, ACCOUNT)
    assert role.details == {"arn": f"arn:aws:iam::{ACCOUNT}:role/{VA}", "last_used": None,
                            "attached_policies": [_policy_arn(VA_POLICY)]}
    assert role.reason == ("role of the retired Trivy scanner (Microsoft: safe to remove); "
                           "last used never")
    assert policy.reason == ("customer-managed policy of the retired Trivy scanner, attached to "
                             "nothing that stays")


def test_rule_scanner_policy_kept_names_three_of_what_holds_it() -> None:
    """Rule "scanner IAM": a policy attached to what stays is kept; the reason names the first
    three holders."""
    rows = discover(scanner_iam(holders={
        _policy_arn(VA_POLICY): {"roles": [VA], "users": ["alice", "bob"],
                                 "groups": ["ops", "devs"]},
        _policy_arn(TASK_POLICY): {"roles": [TASK]}}))
    assert rows[("iam-policy", VA_POLICY)].reason == (
        "customer-managed policy of the retired scanner, but also attached to user alice, "
        "user bob, group ops: not deleted; detach it there first")


def test_rule_scanner_policies_found_without_any_scanner_role() -> None:
    """Rule "scanner IAM": with the roles gone (an interrupted run), the two policies are still
    found at the root path of this account's partition, and deleted when nothing holds them."""
    holders: dict[str, dict[str, list[str]]] = {_policy_arn(VA_POLICY): {},
                                                _policy_arn(TASK_POLICY): {}}
    rows = discover(scanner_iam(roles=[], attached={}, holders=holders))
    assert _actions(rows) == {("iam-policy", VA_POLICY): Action.DELETE,
                              ("iam-policy", TASK_POLICY): Action.DELETE}


class _PagedHolders(Iam):
    """ListEntitiesForPolicy over two pages: the scanner's role on the second."""

    def get_paginator(self, operation: str) -> Any:
        if operation != "list_entities_for_policy":
            return super().get_paginator(operation)

        class Paginator:
            def paginate(self, **params: Any) -> Any:
                yield {"PolicyRoles": [], "PolicyUsers": [{"UserName": "alice"}],
                       "PolicyGroups": []}
                yield {"PolicyRoles": [{"RoleName": VA}], "PolicyUsers": [], "PolicyGroups": []}
        return Paginator()


def test_rule_scanner_policy_holders_read_from_every_page() -> None:
    """Rule "scanner IAM": who holds a policy is read from every page of the listing; a user
    on the first page keeps the policy although the second page names only the scanner's
    role."""
    rows = discover(_PagedHolders(*_scanner_parts()))
    assert rows[("iam-policy", VA_POLICY)].action is Action.KEEP
    assert "user alice" in rows[("iam-policy", VA_POLICY)].reason


def _scanner_parts() -> tuple[list[dict[str, Any]], dict[str, list[str]],
                              dict[str, dict[str, list[str]]]]:
    base = scanner_iam()
    return list(base.roles.values()), base.attached, base.holders


def test_rule_scanner_role_listing_asks_full_pages_and_reads_empty_ones() -> None:
    """Rule "scanner IAM" (cost): ListRoles is asked for 1000 roles a page (its default is
    100); a page AWS answers without the list holds no role."""
    ctx = fake_ctx(ACCOUNT, "us-east-1", iam={"list_roles": {}})
    assert iam.list_roles(ctx) == []
    assert ctx.account.clients["iam"].calls == [  # type: ignore[attr-defined]
        ("list_roles", {"PaginationConfig": {"PageSize": 1000}})]


def test_rule_scanner_role_task_definitions_read_past_unrelated_ones() -> None:
    """Rule "scanner IAM" (task definitions): definitions that name other roles (or none) do
    not count, and the search goes on past them to one that names the scanner's role; a page
    without the list holds none."""
    td = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition"
    ecs = Ecs({  # the first names another role and no execution role; the second the scanner's
        f"{td}/payments-api:1": {"taskDefinitionArn": f"{td}/payments-api:1",
                                 "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/app"},
        f"{td}/batch:1": {"taskDefinitionArn": f"{td}/batch:1",
                          "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{TASK}"}})
    rows = discover(scanner_iam(), ecs)
    assert rows[("iam-role", TASK)].action is Action.KEEP
    assert rows[("iam-role", VA)].action is Action.DELETE
    ctx = fake_ctx(ACCOUNT, "us-east-1", ecs={"list_task_definitions": {}})
    assert iam.task_definition_users(ctx, ["us-east-1"], {TASK}) == {}


def test_rule_scanner_role_deletion_calls_in_full(tmp_path: Path) -> None:
    """Rule "scanner IAM" (deleting): each call names the role (and the policy, inline policy
    or instance profile) it acts on; pages AWS answers without their list are nothing to do."""
    ctx, _ = _deleting(
        tmp_path, get_role={"Role": _role(TASK, scanner_task_trust())},
        list_attached_role_policies=[{"PolicyArn": _policy_arn(TASK_POLICY)}],
        list_role_policies=["ecr-read"],
        list_instance_profiles_for_role=[{"InstanceProfileName": "profile"}],
        detach_role_policy={}, delete_role_policy={}, remove_role_from_instance_profile={},
        delete_role={})
    res = Resource(ACCOUNT, "global", "iam-role", TASK, Action.DELETE, "")
    assert iam.IamRole().delete(ctx, res) is Status.DELETED
    role = {"RoleName": TASK}
    assert ctx.account.clients["iam"].calls == [
        ("get_role", role), ("list_attached_role_policies", role),
        ("detach_role_policy", {**role, "PolicyArn": _policy_arn(TASK_POLICY)}),
        ("list_role_policies", role),
        ("delete_role_policy", {**role, "PolicyName": "ecr-read"}),
        ("list_instance_profiles_for_role", role),
        ("remove_role_from_instance_profile", {"InstanceProfileName": "profile", **role}),
        ("delete_role", role)]
    bare, _ = _deleting(tmp_path, get_role={"Role": _role(TASK, scanner_task_trust())},
                        list_attached_role_policies={}, list_role_policies={},
                        list_instance_profiles_for_role={}, delete_role={})
    assert iam.IamRole().delete(bare, res) is Status.DELETED
    assert [op for op, _ in bare.account.clients["iam"].calls][-1] == "delete_role"
    asked, _ = _deleting(tmp_path, get_role={"Role": _role(TASK, scanner_task_trust())})
    assert iam.IamRole().exists(asked, res) is True
    assert asked.account.clients["iam"].calls == [("get_role", role)]


def test_rule_scanner_policy_deletion_calls_in_full(tmp_path: Path) -> None:
    """Rule "scanner IAM" (deleting a policy): each call names the policy by the plan's ARN,
    the audit log names the policy, a page without versions is nothing to do, and the refusal
    names three holders and says what to do."""
    arn = _policy_arn(VA_POLICY)
    res = Resource(ACCOUNT, "global", "iam-policy", VA_POLICY, Action.DELETE, "",
                   details={"arn": arn})
    ctx, log = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                         list_entities_for_policy={},
                         list_policy_versions=[{"VersionId": "v1", "IsDefaultVersion": False}],
                         delete_policy_version={}, delete_policy={})
    assert iam.IamPolicy().delete(ctx, res) is Status.DELETED
    policy = {"PolicyArn": arn}
    assert ctx.account.clients["iam"].calls == [
        ("get_policy", policy), ("list_entities_for_policy", policy),
        ("list_policy_versions", policy),
        ("delete_policy_version", {**policy, "VersionId": "v1"}), ("delete_policy", policy)]
    assert _audit(log) == [("iam:DeletePolicyVersion", VA_POLICY, "ok"),
                           ("iam:DeletePolicy", VA_POLICY, "ok")]
    bare, _ = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                        list_entities_for_policy={}, list_policy_versions={}, delete_policy={})
    assert iam.IamPolicy().delete(bare, res) is Status.DELETED
    held, _ = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}},
                        list_entities_for_policy={
                            "PolicyUsers": [{"UserName": "alice"}, {"UserName": "bob"}],
                            "PolicyGroups": [{"GroupName": "ops"}, {"GroupName": "devs"}]})
    with pytest.raises(CannotDelete) as refused:
        iam.IamPolicy().delete(held, res)
    assert str(refused.value) == (
        f"{VA_POLICY} is still attached to user alice, user bob, group ops; detach it there "
        "(or let apply delete the scanner's roles) first")
    asked, _ = _deleting(tmp_path, get_policy={"Policy": {"Arn": arn}})
    assert iam.IamPolicy().exists(asked, res) is True
    assert asked.account.clients["iam"].calls == [("get_policy", policy)]
