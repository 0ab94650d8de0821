"""Property-based tests for the matchers that decide what is the scanner's (Hypothesis).

Rule "scanner VA role trust": the scanner's trust in every JSON spelling IAM accepts matches;
any document that adds a principal, provider, action, audience or operator, or drops the
audience condition, does not. Rule "Trivy task ENI evidence": the evidence with any non-empty
set of Trivy groups matches; adding any one difference does not. Rule "Trivy fingerprint"
(migrate/fingerprint.py): the bucket name and tag rules.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.fingerprint import (
    CONTAINERS_AUDIENCE,
    ECS_TASKS_PRINCIPAL,
    NAME,
    OIDC_ISSUER,
    TAG_KEYS,
    bucket_matches,
    has_trivy_tag,
)
from migrate.kinds.vpc_checks import task_eni_evidence
from migrate.trust import oidc_provider_arn, trusts_defender_oidc, trusts_service

# Modest and reproducible: the suite stays fast and CI never sees a new random example.
PROPS = settings(max_examples=150, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])

ACCOUNT = "123456789012"
REGION = "us-east-1"
PROVIDER = oidc_provider_arn("aws", ACCOUNT)
AUD = f"{OIDC_ISSUER}:aud"
WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"

Doc = dict[str, Any]


def _one_or_list(value: str) -> st.SearchStrategy[Any]:
    return st.sampled_from([value, [value]])


def _shuffled(d: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The same mapping with its keys in any order (JSON object key order means nothing)."""
    return st.permutations(list(d.items())).map(dict)


@st.composite
def scanner_statement(draw: st.DrawFn) -> dict[str, Any]:
    condition: dict[str, Any] = {
        draw(st.sampled_from(["StringEquals", "StringLike"])): {AUD: draw(_one_or_list(
            CONTAINERS_AUDIENCE))}}
    if draw(st.booleans()):  # a narrowing condition of its own operator does not matter
        condition["StringLike" if "StringEquals" in condition else "StringEquals"] = {
            "sts:RoleSessionName": "MicrosoftDefenderForClouds_*"}
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": draw(_shuffled({"Federated": draw(_one_or_list(PROVIDER))})),
        "Action": draw(_one_or_list(WEB_IDENTITY)),
        "Condition": draw(_shuffled(condition)),
    }
    if draw(st.booleans()):
        statement["Sid"] = draw(st.from_regex(r"\A[A-Za-z0-9]{1,12}\Z"))
    return draw(_shuffled(statement))


@st.composite
def scanner_trust(draw: st.DrawFn) -> Doc:
    """The scanner's trust: one statement, or several equivalent ones, object or list, with any
    number of Deny statements beside them (they only narrow)."""
    statements = draw(st.lists(scanner_statement(), min_size=1, max_size=3))
    statements += draw(st.lists(st.just({"Effect": "Deny", "Principal": {"AWS": "*"},
                                         "Action": "sts:AssumeRole"}), max_size=1))
    statements = draw(st.permutations(statements))
    body: Any = statements[0] if len(statements) == 1 and draw(st.booleans()) else statements
    return draw(_shuffled({"Version": "2012-10-17", "Statement": body}))


def _allow_statements(doc: Doc) -> list[dict[str, Any]]:
    body = doc["Statement"]
    return [s for s in (body if isinstance(body, list) else [body]) if s["Effect"] == "Allow"]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _widen(doc: Doc, how: str, pick: int) -> Doc:
    """One way of trusting more (or other) than the scanner, applied to one Allow statement."""
    doc = copy.deepcopy(doc)
    allow = _allow_statements(doc)
    st_ = allow[pick % len(allow)]
    cond = st_["Condition"]
    op = next(o for o, v in cond.items() if AUD in v)
    if how == "add-provider":
        st_["Principal"]["Federated"] = [
            *_as_list(st_["Principal"]["Federated"]),
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    elif how == "other-account-provider":
        st_["Principal"]["Federated"] = oidc_provider_arn("aws", "210987654321")
    elif how == "add-aws-principal":
        st_["Principal"]["AWS"] = "arn:aws:iam::210987654321:root"
    elif how == "add-service-principal":
        st_["Principal"]["Service"] = ECS_TASKS_PRINCIPAL
    elif how == "add-action":
        st_["Action"] = [*_as_list(st_["Action"]), "sts:AssumeRole"]
    elif how == "add-audience":
        cond[op][AUD] = [*_as_list(cond[op][AUD]), "api://4d8bed1f-eee7-4d8e-b0dc-8462049a4479"]
    elif how == "other-operator":
        cond["StringNotEquals"] = {AUD: cond.pop(op)[AUD]}
    elif how == "drop-audience-condition":
        del cond[op][AUD]
    elif how == "add-allow-statement":
        body = doc["Statement"]
        doc["Statement"] = [*(body if isinstance(body, list) else [body]), {
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
    return doc


WIDENINGS = ["add-provider", "other-account-provider", "add-aws-principal",
             "add-service-principal", "add-action", "add-audience", "other-operator",
             "drop-audience-condition", "add-allow-statement"]


@PROPS
@given(scanner_trust())
def test_rule_scanner_va_role_trust_matches_in_every_json_spelling(doc: Doc) -> None:
    """Rule "scanner VA role trust": string or list, one statement or several equivalent ones,
    any key order: the scanner's trust always matches."""
    assert trusts_defender_oidc(doc, "aws", ACCOUNT) is None


@PROPS
@given(scanner_trust(), st.sampled_from(WIDENINGS), st.integers(min_value=0, max_value=5))
def test_rule_scanner_va_role_trust_rejects_anything_more(doc: Doc, how: str, pick: int) -> None:
    """Rule "scanner VA role trust": one more principal, provider, action, audience or
    operator, or a dropped audience condition, in any statement: the role is kept."""
    assert trusts_defender_oidc(_widen(doc, how, pick), "aws", ACCOUNT) is not None


@st.composite
def task_trust(draw: st.DrawFn) -> Doc:
    statements = [draw(_shuffled({"Effect": "Allow", "Principal": {
        "Service": draw(_one_or_list(ECS_TASKS_PRINCIPAL))}, "Action": draw(_one_or_list(
            "sts:AssumeRole"))})) for _ in range(draw(st.integers(1, 3)))]
    body: Any = statements[0] if len(statements) == 1 and draw(st.booleans()) else statements
    return {"Version": "2012-10-17", "Statement": body}


@PROPS
@given(task_trust(), st.sampled_from(["ec2.amazonaws.com", "lambda.amazonaws.com"]),
       st.booleans())
def test_rule_scanner_task_role_trust_only_ecs_tasks(doc: Doc, other: str, as_aws: bool
                                                     ) -> None:
    """Rule "scanner task role trust": ecs-tasks only matches in every spelling; one more
    principal in any statement does not."""
    assert trusts_service(doc, ECS_TASKS_PRINCIPAL) is None
    wider = copy.deepcopy(doc)
    statement = _allow_statements(wider)[-1]
    if as_aws:
        statement["Principal"]["AWS"] = "arn:aws:iam::210987654321:root"
    else:
        statement["Principal"]["Service"] = [*_as_list(statement["Principal"]["Service"]),
                                             other]
    assert trusts_service(wider, ECS_TASKS_PRINCIPAL) is not None


# --- Trivy task ENI evidence (kinds/vpc_checks.py) --------------------------------------------

SUBNET = "subnet-trivy"
TRIVY_GROUPS = ["sg-trivy1", "sg-trivy2", "sg-trivy3"]


@st.composite
def trivy_eni(draw: st.DrawFn) -> dict[str, Any]:
    partition = draw(st.sampled_from(["aws", "aws-cn", "aws-us-gov"]))
    attachment = draw(st.uuids()).hex if draw(st.booleans()) else str(draw(st.uuids()))
    groups = draw(st.lists(st.sampled_from(TRIVY_GROUPS), min_size=1, max_size=3, unique=True))
    eni: dict[str, Any] = {
        "NetworkInterfaceId": "eni-0abc",
        "Description": f"arn:{partition}:ecs:{REGION}:{ACCOUNT}:attachment/{attachment}",
        "RequesterManaged": True,
        "SubnetId": SUBNET,
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
        "Status": draw(st.sampled_from(["in-use", "available"])),
    }
    if draw(st.booleans()):
        eni["InterfaceType"] = "interface"
    if draw(st.booleans()):
        eni["Attachment"] = {"Status": "attached"}  # Fargate: no instance of the account's
    return eni


ENI_DIFFERENCES = {
    "foreign-group-too": lambda e: e["Groups"].append({"GroupId": "sg-app"}),
    "only-foreign-group": lambda e: e.update(Groups=[{"GroupId": "sg-app"}]),
    "no-group": lambda e: e.update(Groups=[]),
    "other-subnet": lambda e: e.update(SubnetId="subnet-app"),
    "not-requester-managed": lambda e: e.update(RequesterManaged=False),
    "requester-managed-missing": lambda e: e.pop("RequesterManaged"),
    "interface-type": lambda e: e.update(InterfaceType="nat_gateway"),
    "instance-attached": lambda e: e.update(Attachment={"InstanceId": "i-0abc"}),
    "other-account": lambda e: e.update(Description=e["Description"].replace(
        ACCOUNT, "210987654321")),
    "other-region": lambda e: e.update(Description=e["Description"].replace(
        REGION, "eu-central-1")),
    "not-ecs": lambda e: e.update(Description=e["Description"].replace(":ecs:", ":lambda:")),
    "no-description": lambda e: e.pop("Description"),
}


@PROPS
@given(trivy_eni(), st.sampled_from(sorted(ENI_DIFFERENCES)))
def test_rule_trivy_task_eni_evidence(eni: dict[str, Any], how: str) -> None:
    """Rule "Trivy task ENI evidence": requester-managed ECS attachment of this account and
    region, in the Trivy subnet, only Trivy groups, no instance; one difference and it is
    someone else's ENI."""
    assert task_eni_evidence(eni, ACCOUNT, REGION, {SUBNET}, set(TRIVY_GROUPS))
    other = copy.deepcopy(eni)
    ENI_DIFFERENCES[how](other)
    assert not task_eni_evidence(other, ACCOUNT, REGION, {SUBNET}, set(TRIVY_GROUPS))


# --- the fingerprint: bucket names and tags ---------------------------------------------------

_suffix_char = st.sampled_from("-.0123456789")
_tail = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", max_size=20)


@PROPS
@given(st.one_of(st.just(""), st.builds(lambda c, t: c + t, _suffix_char, _tail)))
def test_rule_bucket_name_matches_with_end_dash_dot_or_digit(suffix: str) -> None:
    """Rule "Trivy bucket name": the name, then the end, '-', '.' or a digit."""
    assert bucket_matches(NAME + suffix)


@PROPS
@given(st.sampled_from("abcdefghijklmnopqrstuvwxyz_"), _tail,
       st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=5))
def test_rule_bucket_name_rejects_a_longer_word_or_a_prefix(letter: str, tail: str,
                                                            before: str) -> None:
    """Rule "Trivy bucket name": `defender-for-containers-vault…` and `x-defender-…` are
    never the scanner's."""
    assert not bucket_matches(NAME + letter + tail)
    assert not bucket_matches(before + NAME)
    assert not bucket_matches(NAME.upper())


_other_tag = st.fixed_dictionaries({
    "Key": st.sampled_from(["Name", "name", "env", "NAME", "Owner"]),
    "Value": st.sampled_from(["prod", NAME.upper(), NAME + "-x", "x" + NAME, "", NAME[:-1]]),
})


@PROPS
@given(st.lists(_other_tag, max_size=4), st.sampled_from(TAG_KEYS), st.integers(0, 4))
def test_rule_trivy_tag_is_name_or_Name_with_the_exact_value(others: list[dict[str, str]],
                                                            key: str, at: int) -> None:
    """Rule "Trivy tag": tag `name` or `Name` = defender-for-containers-va, among any other
    tags; no other key, no other spelling of the value."""
    assert not has_trivy_tag(others)
    tags = [*others]
    tags.insert(at % (len(tags) + 1), {"Key": key, "Value": NAME})
    assert has_trivy_tag(tags)
