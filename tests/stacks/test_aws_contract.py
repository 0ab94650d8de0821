"""The connector's IAM against Microsoft's published contract, role by role.

`tests/fixtures/aws-connector-contract.json` (see tests/fixtures/README.md, docs/reference.md §3)
records what Microsoft publishes. Each test deploys the connector under Pulumi mocks, in single-
account and in organization mode (the management account's own roles, and the StackSet template
resolved as CloudFormation would in a member account), with `leastPrivilege` true and false, and
compares what was registered with the contract: trust principals and conditions, managed policy
ARNs, and that every contract action is allowed on the contract's resources (moto's IAM
evaluation, `tests/stacks/iam_allowed.py`). Every place where the stack still differs from the
contract is listed below with its reason; anything else that differs fails.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from stacks.aws_connector.template import OIDC_PROVIDER_ID
from stacks.config.aws import DEFAULT_ROLE_NAMES
from tests.stacks.iam_allowed import allowed, managed_policy_document
from tests.stacks.test_aws_config import with_
from tests.stacks.test_aws_connector import (
    ACCOUNT,
    OIDC,
    PROVIDER_ARN,
    STACK_SET,
    TENANT,
    deploy,
    offerings_by_type,
    the,
)
from tests.stacks.test_aws_policies import resolve

CONTRACT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "aws-connector-contract.json")
    .read_text())
MEMBER = "210987654321"

# --- every remaining difference from the contract, with its reason ---------------------------

# Conditions the stack adds to a contract trust statement: (principal, operator, key).
TRUST_TIGHTENINGS = {
    ("logs.amazonaws.com", "StringLike", "aws:SourceArn"):
        "AWS's documented confused-deputy guard for a CloudWatch Logs -> Firehose role; "
        "CloudWatch Logs sends the log group's ARN, always in this account",
}
# The audience test: Microsoft uses StringLike on an exact value; StringEquals matches the same.
AUDIENCE_OPERATORS = {"StringLike", "StringEquals"}

# Allowed (role, action, resource) the contract does not grant.
EXTRA_GRANTS = {
    ("MDCContainersK8sRole", "logs:DescribeLogGroups", "*"):
        "Microsoft names DescribeLogGroups with log-group resources, but AWS's service "
        "authorization reference gives the action no resource type, so only '*' authorizes it",
}

# Contract actions the stack does not allow, by access level.
NOT_GRANTED = {
    ("MDCContainersImageAssessmentRole", "default_access", "ecr:BatchDeleteImage"):
        "the docs name it among the default-access writes, but neither PowerUser policy the "
        "contract attaches grants it (AWS managed policy versions v3 and v1)",
    ("MDCContainersImageAssessmentRole", "default_access", "ecr-public:BatchDeleteImage"):
        "as ecr:BatchDeleteImage",
}

# CSPM's least-privilege variant is a custom action list that the contract does not record, so
# the stack gives CspmMonitorAws Microsoft's default access in both modes.
PROSE_ACCESS_FALLBACK = {("CspmMonitorAws", "least_privilege"): "default_access"}


@dataclass(frozen=True)
class RoleView:
    name: str
    arn: str
    trust: dict[str, Any]
    managed: tuple[str, ...]
    inline: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class AccountView:
    """One account's roles as AWS would hold them, and what the contract's placeholders mean."""
    account: str
    provider_arn: str
    client_ids: tuple[str, ...]
    external_id: str
    roles: dict[str, RoleView]


def _config(organization: bool, least_privilege: bool) -> dict[str, Any]:
    raw = with_("leastPrivilege", least_privilege)
    if organization:
        raw = with_("organization", {"organizationalUnitIds": ["r-ab12"]}, raw)
    return raw


@cache
def views(organization: bool, least_privilege: bool) -> dict[str, AccountView]:
    monitor = deploy(_config(organization, least_privilege))
    external_id = offerings_by_type(monitor)["DefenderForContainersAws"][
        "dataCollectionExternalId"]
    inline = monitor.of_type("aws:iam/rolePolicy:RolePolicy")
    attached = monitor.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    roles = {}
    for role in monitor.of_type("aws:iam/role:Role"):
        name = role.inputs["name"]
        roles[name] = RoleView(
            name, role.inputs["arn"], json.loads(role.inputs["assumeRolePolicy"]),
            tuple(sorted(a.inputs["policyArn"] for a in attached if a.inputs["role"] == name)),
            tuple(json.loads(p.inputs["policy"]) for p in inline if p.inputs["role"] == name))
    found = {"account": AccountView(ACCOUNT, PROVIDER_ARN,
                                    tuple(the(monitor, OIDC).inputs["clientIdLists"]),
                                    external_id, roles)}
    if organization:
        found["member"] = _member_view(the(monitor, STACK_SET).inputs)
    return found


def _member_view(stack_set: dict[str, Any]) -> AccountView:
    template = json.loads(stack_set["templateBody"])
    issuer = CONTRACT["oidc_provider"]["url"].removeprefix("https://")
    provider_arn = f"arn:aws:iam::{MEMBER}:oidc-provider/{issuer}"
    role_names = {logical: r["Properties"]["RoleName"]
                  for logical, r in template["Resources"].items()
                  if r["Type"] == "AWS::IAM::Role"}
    arns = {logical: f"arn:aws:iam::{MEMBER}:role/{name}" for logical, name in role_names.items()}
    resources = resolve(template["Resources"], arns, provider_arn, account=MEMBER,
                        parameters=stack_set.get("parameters") or {})
    roles = {}
    for logical, name in role_names.items():
        props = resources[logical]["Properties"]
        roles[name] = RoleView(
            name, arns[logical], props["AssumeRolePolicyDocument"],
            tuple(sorted(props.get("ManagedPolicyArns", []))),
            tuple(p["PolicyDocument"] for p in props.get("Policies", [])))
    client_ids = tuple(resources[OIDC_PROVIDER_ID]["Properties"]["ClientIdList"])
    return AccountView(MEMBER, provider_arn, client_ids,
                       stack_set["parameters"]["DataCollectionExternalId"], roles)


# (organization mode, leastPrivilege, which account's roles)
CASES = [pytest.param(org, lp, where, id=f"{name}-{'least' if lp else 'default'}-privilege")
         for org, where, name in [(False, "account", "single-account"),
                                  (True, "account", "org-management-account"),
                                  (True, "member", "org-member-account")]
         for lp in (True, False)]


def view_of(organization: bool, least_privilege: bool, where: str) -> AccountView:
    return views(organization, least_privilege)[where]


def fill(text: str, view: AccountView) -> str:
    return (text.replace("<account>", view.account)
            .replace("<the account's own id>", view.account)
            .replace("<the connector's dataCollectionExternalId>", view.external_id)
            .replace("<customer Entra tenant id>", TENANT))


def contract_resources(resource: str, view: AccountView) -> list[str]:
    if resource.startswith("arn:"):
        return [fill(resource, view)]
    # The contract describes iam:PassRole's resources in words; these are the roles it means.
    if resource.startswith("the CloudWatch-to-Kinesis and Kinesis-to-S3 roles"):
        return [view.roles[DEFAULT_ROLE_NAMES[k]].arn
                for k in ("cloudWatchToKinesis", "kinesisToS3")]
    raise AssertionError(f"the contract names resources this test cannot read: {resource!r}")


def access_level(role: str, least_privilege: bool) -> str:
    level = "least_privilege" if least_privilege else "default_access"
    return PROSE_ACCESS_FALLBACK.get((role, level), level)


# --- trust -----------------------------------------------------------------------------------

def _conditions(statement: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(operator, key, value)
            for operator, pairs in statement.get("Condition", {}).items()
            for key, value in pairs.items()}


def expected_trust(entry: dict[str, Any], view: AccountView
                   ) -> tuple[dict[str, str], str, set[tuple[str, str, str]]]:
    """(principal, action, conditions) of one contract trust entry."""
    if entry["type"] == "oidc":
        session = CONTRACT["session_name_condition"]
        audience = CONTRACT["audiences"][entry["audience"]]
        return ({"Federated": view.provider_arn}, "sts:AssumeRoleWithWebIdentity", {
            ("StringEquals|StringLike", CONTRACT["audience_condition"]["key"], audience),
            (session["operator"], session["key"], fill(session["value"], view))})
    kind = {"aws": "AWS", "service": "Service"}[entry["type"]]
    conditions = {(operator, key, fill(value, view))
                  for operator, pairs in entry.get("condition", {}).items()
                  for key, value in pairs.items()}
    return {kind: entry["principal"]}, entry["action"], conditions


def trust_problems(role: str, actual: dict[str, Any], view: AccountView) -> list[str]:
    problems = []
    statements = list(actual["Statement"])
    contract = CONTRACT["roles"][role]["trust"]
    if len(statements) != len(contract):
        problems.append(f"{len(statements)} trust statements, contract has {len(contract)}")
    for entry in contract:
        principal, action, wanted = expected_trust(entry, view)
        match = [s for s in statements if s["Effect"] == "Allow"
                 and s["Principal"] == principal and s["Action"] == action]
        if not match:
            problems.append(f"no statement trusts {principal} with {action}")
            continue
        have = _conditions(match[0])
        for operator, key, value in wanted:
            operators = AUDIENCE_OPERATORS if "|" in operator else {operator}
            hits = {c for c in have if c[0] in operators and c[1:] == (key, value)}
            if not hits:
                problems.append(f"{principal}: no condition {operator} {key} = {value}")
            have -= hits
        (_kind, name), = principal.items()
        for operator, key, _value in have:
            if (name, operator, key) not in TRUST_TIGHTENINGS:
                problems.append(f"{principal}: condition {operator} {key} not in the contract")
    return problems


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_trust_is_the_contracts(organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    assert set(view.roles) == set(CONTRACT["roles"])
    problems = {role: trust_problems(role, view.roles[role].trust, view)
                for role in CONTRACT["roles"]}
    assert {r: p for r, p in problems.items() if p} == {}


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_oidc_client_ids_are_the_audiences_the_roles_trust(
        organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    audience_key = CONTRACT["audience_condition"]["key"]
    trusted = {value for role in view.roles.values() for s in role.trust["Statement"]
               for operator, key, value in _conditions(s) if key == audience_key}
    assert trusted == set(CONTRACT["audiences"].values())
    assert sorted(view.client_ids) == sorted(trusted)


def test_the_data_collection_external_id_is_one_stable_value_per_stack() -> None:
    single = view_of(False, True, "account")
    member = view_of(True, True, "member")
    management = view_of(True, True, "account")
    # Not the account's ID (that is Firehose's external ID), and the same in member accounts.
    assert single.external_id not in {ACCOUNT, MEMBER, ""}
    assert member.external_id == management.external_id


# --- permissions -----------------------------------------------------------------------------

def documents(role: RoleView) -> list[dict[str, Any]]:
    return [*role.inline, *(managed_policy_document(arn) for arn in role.managed)]


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_managed_policies_and_denies_are_the_contracts(
        organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    problems = {}
    for role, entry in CONTRACT["roles"].items():
        access = entry.get(access_level(role, least_privilege), {})
        wanted = sorted(access.get("managed", []))
        denied = sorted(a for doc in view.roles[role].inline for s in doc["Statement"]
                        if s["Effect"] == "Deny" for a in s["Action"])
        found = (list(view.roles[role].managed), denied)
        if found != (wanted, sorted(access.get("deny", []))):
            problems[role] = found
    assert problems == {}


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_every_contract_action_is_allowed_on_the_contracts_resources(
        organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    missing = []
    for role, entry in CONTRACT["roles"].items():
        docs = documents(view.roles[role])
        for grant in entry.get("allow", []):
            for resource in grant["resources"]:
                for arn in contract_resources(resource, view):
                    missing += [(role, action, arn) for action in grant["actions"]
                                if not allowed(docs, action, arn)]
    assert missing == []


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_image_assessment_publishes_results_only_with_default_access(
        organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    role = "MDCContainersImageAssessmentRole"
    docs = documents(view.roles[role])
    writes = CONTRACT["roles"][role]["write_actions_NET"]
    granted = {a for a in writes if allowed(docs, a, "*")}
    if least_privilege:
        assert granted == set()  # the README: gated-deployment results are not published
    else:
        assert set(writes) - granted == {
            a for (r, level, a) in NOT_GRANTED if (r, level) == (role, "default_access")}
    # Both registries are read in either mode.
    for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                   "ecr-public:DescribeImages", "ecr-public:GetRepositoryCatalogData"):
        assert allowed(docs, action, "*"), action


def contract_document(role: str, view: AccountView) -> dict[str, Any]:
    """The contract's inline grants of one role as a policy document."""
    statements = [{"Effect": "Allow", "Action": grant["actions"],
                   "Resource": [arn for r in grant["resources"]
                                for arn in contract_resources(r, view)]}
                  for grant in CONTRACT["roles"][role].get("allow", [])]
    return {"Version": "2012-10-17", "Statement": statements}


@pytest.mark.parametrize(("organization", "least_privilege", "where"), CASES)
def test_nothing_is_granted_beyond_the_contract_but_the_listed_extras(
        organization: bool, least_privilege: bool, where: str) -> None:
    view = view_of(organization, least_privilege, where)
    extras = set()
    for role in CONTRACT["roles"]:
        contract = contract_document(role, view)
        for doc in view.roles[role].inline:
            for s in doc["Statement"]:
                if s["Effect"] != "Allow":
                    continue
                actions = [s["Action"]] if isinstance(s["Action"], str) else s["Action"]
                resources = [s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"]
                extras |= {(role, a, r) for a in actions for r in resources
                           if not allowed([contract], a, r)}
    assert extras == set(EXTRA_GRANTS)


def test_contract_roles_are_the_stacks_default_role_names() -> None:
    assert set(CONTRACT["roles"]) == set(DEFAULT_ROLE_NAMES.values())
