"""Rule tables for the refusals that need no AWS: targeting input, organization account status,
MDVM readiness, `plan --detailed-exitcode` and the plan file's checks.

Each rule is driven through the pure function where it lives; `test_rules_cli.py` drives the
same rules through the command line for their exit codes.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from migrate import document
from migrate.commands.plan import exit_code
from migrate.errors import EXIT_CHANGES, EXIT_FAILED, EXIT_OK, InputError
from migrate.fingerprint import CONTAINERS_AUDIENCE, OIDC_ISSUER, TRIVY_POLICIES
from migrate.model import Action, Resource, ScanError, Status, Targets
from migrate.readiness import Readiness, assess, unreadable
from migrate.readiness import check as check_readiness
from migrate.targeting import active_accounts, parse_accounts, parse_regions
from migrate.trust import oidc_provider_arn
from tests.migrate.fakeaws import FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
OTHER = "222222222222"


# --- Rule "--accounts takes 12-digit IDs" -------------------------------------------------------

@pytest.mark.parametrize(("value", "ids"), [
    (None, None),
    (ACCOUNT, [ACCOUNT]),
    (f"{ACCOUNT},{OTHER}", [ACCOUNT, OTHER]),
    (f" {ACCOUNT} , {OTHER} ,", [ACCOUNT, OTHER]),
    (f"{ACCOUNT},{ACCOUNT}", [ACCOUNT]),
], ids=["absent", "one", "two", "spaces-and-trailing-comma", "duplicate"])
def test_rule_accounts_option_parses(value: str | None, ids: list[str] | None) -> None:
    """Rule "--accounts takes 12-digit IDs": valid lists, deduplicated, in order."""
    assert parse_accounts(value) == ids


@pytest.mark.parametrize("value", [
    ",", "", " ", ",,", "12345678901", "1234567890123", "12345678901a", f"{ACCOUNT},abc",
    f"{ACCOUNT};{OTHER}",
], ids=["only-comma", "empty", "blank", "commas", "11-digits", "13-digits", "letter",
        "one-bad", "semicolon"])
def test_rule_accounts_option_refuses(value: str) -> None:
    """Rule "--accounts takes 12-digit IDs": `--accounts ,` (or empty) never silently means
    "my own account"; a bad ID is refused (exit 3)."""
    with pytest.raises(InputError, match="12-digit"):
        parse_accounts(value)


@pytest.mark.parametrize("value", [",", "", " , "], ids=["comma", "empty", "blank"])
def test_rule_regions_option_needs_one_region(value: str) -> None:
    """Rule "--regions needs a region": an empty list never means the defaults."""
    with pytest.raises(InputError, match="at least one region"):
        parse_regions(value)


def test_rule_regions_option_parses() -> None:
    """Rule "--regions needs a region": a list is split and trimmed; absent means default."""
    assert parse_regions(None) is None
    assert parse_regions(" us-east-1 ,eu-west-1,") == ["us-east-1", "eu-west-1"]


# --- Rule "--organization targets ACTIVE accounts only" -----------------------------------------

@pytest.mark.parametrize(("listed", "ids"), [
    ({"Status": "ACTIVE"}, ["333333333333"]),
    ({"State": "ACTIVE"}, ["333333333333"]),
    ({"Status": "SUSPENDED"}, []),
    ({"Status": "PENDING_CLOSURE"}, []),
    ({"Status": "CLOSED"}, []),
    ({"State": "SUSPENDED"}, []),
    ({"State": "PENDING_CLOSURE"}, []),
    ({"State": "CLOSED"}, []),
    ({"Status": "active"}, []),
    ({}, []),
], ids=["status-active", "state-active", "suspended", "pending-closure", "closed",
        "state-suspended", "state-pending-closure", "state-closed", "lower-case", "no-status"])
def test_rule_organization_targets_active_accounts_only(listed: dict[str, str],
                                                        ids: list[str]) -> None:
    """Rule "--organization targets ACTIVE accounts only": SUSPENDED, PENDING_CLOSURE and
    CLOSED accounts are never targeted."""
    accounts: Any = [{"Id": "333333333333", **listed}, {"Id": "111111111111", "Status": "CLOSED"}]
    assert active_accounts(accounts) == ids


def test_rule_organization_accounts_are_sorted() -> None:
    """Rule "--organization targets ACTIVE accounts only": the result is stable."""
    listed: Any = [{"Id": i, "Status": "ACTIVE"} for i in ("333333333333", "111111111111")]
    assert active_accounts(listed) == ["111111111111", "333333333333"]


# --- Rule "MDVM readiness" ----------------------------------------------------------------------

ROLE = "MDCContainersImageAssessmentRole"


def _role(trust: dict[str, Any] | str | None, partition: str = "aws") -> dict[str, Any]:
    role: dict[str, Any] = {"RoleName": ROLE, "Arn": f"arn:{partition}:iam::{ACCOUNT}:role/{ROLE}"}
    if trust is not None:
        role["AssumeRolePolicyDocument"] = trust
    return role


def _trust(provider: str | None = None, audience: str = CONTAINERS_AUDIENCE) -> dict[str, Any]:
    return {"Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider or oidc_provider_arn("aws",
                                                                                  ACCOUNT)},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{OIDC_ISSUER}:aud": audience}}}]}


READINESS = {
    "trusted-role": (_role(_trust()), True, f"MDVM image-assessment role {ROLE} trusts "
                     "Defender's OIDC provider (containers audience)"),
    "no-role": (None, False, f"no IAM role {ROLE}: MDVM image assessment is not onboarded in "
                "this account"),
    "role-without-trust-document": (_role(None), False, "exists but"),
    # boto3 leaves a document it cannot decode as text: it trusts nobody (was a crash).
    "undecoded-trust-document": (_role("%7B%22Statement%22"), False, "it trusts nobody"),
    "other-audience": (_role(_trust(audience="api://other")), False, "audience"),
    "other-account-provider": (_role(_trust(oidc_provider_arn("aws", OTHER))), False, "trusts"),
    "other-partition": (_role(_trust(), partition="aws-cn"), False, "trusts"),
    "service-trust": (_role({"Statement": [{"Effect": "Allow", "Principal": {
        "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}), False, "trusts"),
}


@pytest.mark.parametrize(("role", "ready", "says"), list(READINESS.values()),
                         ids=list(READINESS))
def test_rule_mdvm_readiness(role: Any, ready: bool, says: str) -> None:
    """Rule "MDVM readiness": ready only when the image-assessment role exists and trusts
    Defender's OIDC provider of this account for the containers audience."""
    found = assess(ROLE, role, ACCOUNT)
    assert (found.ready, found.role) == (ready, ROLE)
    assert says in found.reason


def _client_error(code: str, status: int) -> ClientError:
    return error(code, status, "GetRole")


@pytest.mark.parametrize("exc", [
    _client_error("AccessDenied", 403), _client_error("Throttling", 400),
    _client_error("ServiceFailure", 500), EndpointConnectionError(endpoint_url="https://iam"),
], ids=["AccessDenied", "Throttling", "ServiceFailure", "no-connection"])
def test_rule_mdvm_readiness_unreadable_role_is_not_ready(exc: Exception) -> None:
    """Rule "MDVM readiness": an error reading the role (AccessDenied too) is never "ready"."""
    found = unreadable(ROLE, exc)
    assert found.ready is False
    assert found.reason.startswith(f"cannot read IAM role {ROLE}: ")
    code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else "Could not connect"
    assert code in found.reason


# --- Rule "--detailed-exitcode" -----------------------------------------------------------------

def _res(action: Action) -> Resource:
    return Resource(ACCOUNT, "us-east-1", "vpc", "vpc-1", action, "")


ERROR = ScanError(ACCOUNT, "us-east-1", "AccessDenied: no")

EXIT_CODES = {
    "clean": ([], [], False, EXIT_OK),
    "clean-detailed": ([], [], True, EXIT_OK),
    "keeps-only-detailed": ([], [_res(Action.KEEP)], True, EXIT_OK),
    "deletes-not-detailed": ([], [_res(Action.DELETE)], False, EXIT_OK),
    "deletes-detailed": ([], [_res(Action.DELETE)], True, EXIT_CHANGES),
    "error": ([ERROR], [], False, EXIT_FAILED),
    "error-detailed": ([ERROR], [], True, EXIT_FAILED),
    "error-and-deletes-detailed": ([ERROR], [_res(Action.DELETE)], True, EXIT_FAILED),
    "error-and-keeps-detailed": ([ERROR], [_res(Action.KEEP)], True, EXIT_FAILED),
}


@pytest.mark.parametrize(("errors", "resources", "detailed", "code"), list(EXIT_CODES.values()),
                         ids=list(EXIT_CODES))
def test_rule_plan_exit_code(errors: list[ScanError], resources: list[Resource],
                             detailed: bool, code: int) -> None:
    """Rule "plan exit codes": 1 on any scan error (never hidden as 0 or 2), 2 with
    --detailed-exitcode when something would be deleted, else 0."""
    assert exit_code(errors, resources, detailed) == code


# --- Rule "plan file checks" --------------------------------------------------------------------

def _plan(**change: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": "defender-migrate/plan", "version": 1, "command": "plan",
        "created": "2026-11-30T00:00:00Z",
        "targets": {"regions": ["us-east-1"], "accounts": [ACCOUNT], "role_name": None},
        "summary": {"delete": 1, "keep": 0, "accounts_done": 1, "accounts_failed": 0,
                    "accounts_skipped": 0},
        "errors": [], "readiness": {},
        "resources": [{"account": ACCOUNT, "region": "us-east-1", "kind": "vpc",
                       "id": "vpc-0abc", "action": "delete", "reason": "r", "order": 1,
                       "parent": None, "details": {}}],
    }
    doc.update(change)
    return doc


def _with(resource: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"account": ACCOUNT, "region": "global", "action": "delete",
                            "reason": "r", "order": 1, "parent": None, "details": {}}
    return _plan(resources=[base | resource])


_VPC_ROW = {"account": ACCOUNT, "region": "us-east-1", "kind": "vpc", "id": "vpc-0abc",
            "action": "delete", "reason": "r", "order": 1, "parent": None, "details": {}}
POLICY = TRIVY_POLICIES[0]
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/{POLICY}"

PLAN_OK = {
    "exact-plan": _plan(),
    "trivy-cluster": _with({"kind": "ecs-cluster", "id": "defender-for-containers-va",
                            "region": "us-east-1"}),
    "trivy-role": _with({"kind": "iam-role", "id": "DefenderForContainersVaRole"}),
    "trivy-policy": _with({"kind": "iam-policy", "id": POLICY, "details": {"arn": POLICY_ARN}}),
    "trivy-policy-with-path": _with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/defender/{POLICY}"}}),
    "kept-other-role": _with({"kind": "iam-role", "id": "SomeRole", "action": "keep"}),
    "kept-outside-the-regions": _plan(resources=[_VPC_ROW | {"region": "eu-west-1",
                                                             "action": "keep"}]),
    "kept-other-cluster": _with({"kind": "ecs-cluster", "id": "prod", "action": "keep",
                                 "region": "us-east-1"}),
    "china-policy": _with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws-cn:iam::{ACCOUNT}:policy/{POLICY}"}}),
    "china-region": _plan(targets={"regions": ["cn-north-1"], "accounts": [ACCOUNT],
                                   "role_name": None},
                          resources=[{"account": ACCOUNT, "region": "cn-north-1", "kind": "vpc",
                                      "id": "vpc-0abc", "action": "delete", "reason": "r",
                                      "order": 1, "parent": None, "details": {}}]),
    "gov-region": _plan(targets={"regions": ["us-gov-west-1"], "accounts": [ACCOUNT],
                                 "role_name": None}, resources=[]),
}

# An older plan file has no readiness: it loads, with none.
PLAN_OK["without-readiness"] = {k: v for k, v in _plan().items() if k != "readiness"}

PLAN_REFUSED = {
    # issue 17, round 2: the refusals' messages in full (what the automatic mutation run found)
    "stopped-run": (_plan(targets=None, resources=[]),
                    ": it records a run that stopped before scanning (see its errors)"),
    "listed-twice": (_plan(resources=[_VPC_ROW, _VPC_ROW]),
                     "$.resources[1]: vpc vpc-0abc is listed twice (also at $.resources[0])"),
    "delete-outside-the-regions": (
        _plan(targets={"regions": ["us-east-1", "us-west-2"], "accounts": [ACCOUNT],
                       "role_name": None}, resources=[_VPC_ROW | {"region": "eu-west-1"}]),
        "$.resources[0].region: it would delete vpc vpc-0abc in eu-west-1, outside the plan's "
        "$.targets.regions (us-east-1, us-west-2)"),
    "not-json": ("{", "not JSON"),
    "not-an-object": ([], "format"),
    "two-fields-missing": ({k: v for k, v in _plan().items() if k not in ("created", "errors")},
                           "$: missing required field created, errors"),
    "other-format": (_plan(format="terraform/plan"), "format"),
    "other-version": (_plan(version=2), "version 2"),
    "apply-record": (_plan(command="apply"), "$.command: it records 'apply', not a plan"),
    "schema-bad-account": (_plan(targets={"regions": ["us-east-1"], "accounts": ["123"],
                                          "role_name": None}), "$.targets.accounts[0]"),
    "unknown-target-region": (_plan(targets={"regions": ["us-middle-1"], "accounts": [ACCOUNT],
                                             "role_name": None}), "unknown region"),
    "unknown-resource-region": (_with({"kind": "vpc", "id": "vpc-1", "region": "us-middle-1"}),
                                "$.resources[0].region: unknown region 'us-middle-1'"),
    "account-not-targeted": (_with({"kind": "vpc", "id": "vpc-1", "region": "us-east-1",
                                    "account": OTHER}),
                             f"$.resources[0].account: resource vpc-1 is in account {OTHER}, "
                             "not among its targets"),
    "other-cluster": (_with({"kind": "ecs-cluster", "id": "defender-for-containers-va-prod",
                             "region": "us-east-1"}), "$.resources[0].id: it would delete ECS "
                      "cluster defender-for-containers-va-prod, which is not the Trivy cluster"),
    "bad-delete-after-a-keep": (_plan(resources=[
        {"account": ACCOUNT, "region": "us-east-1", "kind": "ecs-cluster", "id": "prod",
         "action": "keep", "reason": "r", "order": None, "parent": None, "details": {}},
        {"account": ACCOUNT, "region": "us-east-1", "kind": "ecs-cluster", "id": "payments",
         "action": "delete", "reason": "r", "order": 1, "parent": None, "details": {}}]),
        "$.resources[1].id: it would delete ECS cluster payments"),
    "other-role": (_with({"kind": "iam-role", "id": "MDCContainersImageAssessmentRole"}),
                   "$.resources[0].id: it would delete IAM role MDCContainersImageAssessmentRole,"
                   " which is not one of the retired scanner's roles"),
    "other-policy-name": (_with({"kind": "iam-policy", "id": "AdministratorAccess", "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"}}), "policies"),
    "policy-arn-other-name": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"}}), "policies"),
    "policy-arn-other-account": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{OTHER}:policy/{POLICY}"}}),
        f"$.resources[0].details.arn: it would delete IAM policy 'arn:aws:iam::{OTHER}:policy/"
        f"{POLICY}', which is not one of the retired scanner's policies; make one with"),
    "policy-arn-aws-managed": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::aws:policy/{POLICY}"}}), "policies"),
    "policy-arn-other-service": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:s3::{ACCOUNT}:policy/{POLICY}"}}), "policies"),
    "policy-arn-a-role": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:role/{POLICY}"}}), "policies"),
    "policy-arn-extra-part": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:x:policy/{POLICY}"}}), "policies"),
    "policy-arn-missing": (_with({"kind": "iam-policy", "id": POLICY}), "policies"),
    "policy-arn-suffix": (_with({"kind": "iam-policy", "id": POLICY, "details": {
        "arn": f"arn:aws:iam::{ACCOUNT}:policy/{POLICY}-copy"}}), "policies"),
}


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize("doc", list(PLAN_OK.values()), ids=list(PLAN_OK))
def test_rule_plan_file_accepted(tmp_path: Path, doc: dict[str, Any]) -> None:
    """Rule "plan file checks": a plan that deletes only the scanner's resources loads."""
    targets, resources, _ = document.load_plan(_write(tmp_path, doc))
    assert targets.accounts == [ACCOUNT]
    assert [r.key for r in resources] == [Resource.from_json(r).key for r in doc["resources"]]


@pytest.mark.parametrize(("doc", "says"), list(PLAN_REFUSED.values()), ids=list(PLAN_REFUSED))
def test_rule_plan_file_refused(tmp_path: Path, doc: Any, says: str) -> None:
    """Rule "plan file checks": anything that is not a plan for the scanner's resources is
    refused (exit 3) with what is wrong, before any AWS call."""
    with pytest.raises(InputError) as refused:
        document.load_plan(_write(tmp_path, doc))
    assert refused.value.exit_code == 3
    assert says in refused.value.format_message()


# --- Rule "account outcomes" --------------------------------------------------------------------

def _done(account: str, action: Action, status: Status | None) -> Resource:
    res = Resource(account, "us-east-1", "vpc", f"vpc-{account}", action, "")
    res.status = status
    return res


OUTCOMES = {
    "deleted": ([_done(ACCOUNT, Action.DELETE, Status.DELETED)], [], (1, 0, 0)),
    "already-gone": ([_done(ACCOUNT, Action.DELETE, Status.ALREADY_GONE)], [], (1, 0, 0)),
    "failed": ([_done(ACCOUNT, Action.DELETE, Status.FAILED)], [], (0, 1, 0)),
    "skipped": ([_done(ACCOUNT, Action.DELETE, Status.SKIPPED)], [], (0, 0, 1)),
    "kept-and-skipped": ([_done(ACCOUNT, Action.KEEP, Status.SKIPPED)], [], (1, 0, 0)),
    "scan-error": ([], [ScanError(ACCOUNT, "us-east-1", "x")], (0, 1, 0)),
    "failed-and-skipped": ([_done(ACCOUNT, Action.DELETE, Status.FAILED),
                            _done(ACCOUNT, Action.DELETE, Status.SKIPPED)], [], (0, 1, 0)),
    "error-outside-targets": ([], [ScanError("999999999999", "us-east-1", "x")], (1, 0, 0)),
}


@pytest.mark.parametrize(("resources", "errors", "counts"), list(OUTCOMES.values()),
                         ids=list(OUTCOMES))
def test_rule_account_outcomes(resources: list[Resource], errors: list[ScanError],
                               counts: tuple[int, int, int]) -> None:
    """Rule "account outcomes": failed (scan error or failed deletion) wins over skipped (a
    deletion left undone); only targeted accounts are counted."""
    found = document.account_outcomes([ACCOUNT], resources, errors)
    assert (found["accounts_done"], found["accounts_failed"],
            found["accounts_skipped"]) == counts


def test_rule_summary_always_counts_delete_and_keep() -> None:
    """Rule "plan document": `summary` always has delete and keep (0 when none), then the
    statuses and account outcomes; CI consumers read them without checking for the key."""
    targets = Targets(["us-east-1"], [ACCOUNT], None)
    assert document.build("plan", targets, [], [])["summary"] == {
        "delete": 0, "keep": 0, "accounts_done": 1, "accounts_failed": 0,
        "accounts_skipped": 0}
    done = [_done(ACCOUNT, Action.DELETE, Status.DELETED),
            _done(ACCOUNT, Action.KEEP, None), _done(ACCOUNT, Action.KEEP, None)]
    summary = document.build("apply", targets, done, [])["summary"]
    assert (summary["delete"], summary["keep"], summary["deleted"]) == (1, 2, 1)


def _iam(role: dict[str, Any] | None, failure: str | None = None) -> dict[str, Any]:
    """IAM answers for one role, whether it is read with GetRole or found with ListRoles."""
    if failure is not None:
        return {"get_role": error(failure, 403), "list_roles": error(failure, 403)}
    if role is None:
        return {"get_role": error("NoSuchEntity", 404), "list_roles": []}
    return {"get_role": {"Role": role}, "list_roles": [role]}


@pytest.mark.parametrize(("answers", "ready", "says"), [
    (_iam(_role(_trust())), True, "trusts Defender"),
    (_iam(None), False, "no IAM role"),
    (_iam(_role(_trust(audience="api://other"))), False, "audience"),
    (_iam(None, "AccessDenied"), False, f"cannot read IAM role {ROLE}: AccessDenied"),
    (_iam(None, "Throttling"), False, f"cannot read IAM role {ROLE}: Throttling"),
], ids=["trusted", "missing", "other-audience", "AccessDenied", "Throttling"])
def test_rule_mdvm_readiness_check(answers: dict[str, Any], ready: bool, says: str) -> None:
    """Rule "MDVM readiness" through `readiness.check`: AWS errors never raise and never make
    an account ready."""
    found = check_readiness(fake_ctx(ACCOUNT, "us-east-1", iam=answers), ROLE)
    assert (found.ready, found.role) == (ready, ROLE)
    assert says in found.reason


def test_rule_plan_file_round_trip(tmp_path: Path) -> None:
    """Rule "plan file checks": what `plan --out` writes, `apply` reads back unchanged."""
    doc = _plan()
    path = tmp_path / "written.json"
    document.write(path, doc)
    assert path.read_text(encoding="utf-8").endswith("}\n")
    assert json.loads(path.read_text(encoding="utf-8")) == doc
    targets, resources, readiness = document.load_plan(path)
    assert (targets.regions, targets.accounts, targets.role_name) == (["us-east-1"], [ACCOUNT],
                                                                      None)
    assert [r.to_json() for r in resources] == doc["resources"]
    assert readiness == {}


def test_rule_plan_document_shape() -> None:
    """Rule "plan document": the document `plan --out` writes is the published schema's, with
    a UTC timestamp, and is written as indented JSON ending in a newline."""
    targets = Targets(["us-east-1"], [ACCOUNT], None)
    res = Resource(ACCOUNT, "us-east-1", "vpc", "vpc-1", Action.DELETE, "r")
    doc = document.build("plan", targets, [res], [ERROR])
    assert list(document.problems(doc)) == []
    assert list(doc) == ["format", "version", "command", "created", "targets", "summary",
                         "errors", "readiness", "resources"]
    assert (doc["format"], doc["version"], doc["command"]) == ("defender-migrate/plan", 1,
                                                               "plan")
    assert doc["created"].endswith("Z")
    assert len(doc["created"]) == len("2026-11-30T09:00:00Z")
    assert doc["targets"] == targets.to_json()
    assert doc["errors"] == [ERROR.to_json()]
    assert doc["resources"] == [res.to_json()]
    assert doc["readiness"] == {}
    ready = {OTHER: Readiness(True, ROLE, "r"), ACCOUNT: Readiness(False, ROLE, "n")}
    assert list(document.build("plan", targets, [], [], ready)["readiness"]) == [ACCOUNT, OTHER]


def test_rule_plan_file_is_indented_json(tmp_path: Path) -> None:
    """Rule "plan document": written with a 2-space indent and a final newline (reviewable
    diffs in pull requests)."""
    path = tmp_path / "plan.json"
    document.write(path, _plan())
    assert path.read_text(encoding="utf-8") == json.dumps(_plan(), indent=2) + "\n"


def test_rule_plan_file_problems_all_listed_first_best(tmp_path: Path) -> None:
    """Rule "plan file checks": every schema problem is listed once, the most relevant first;
    the refusal names it and how to make a good file."""
    doc = _plan(summary={"delete": -1}, errors="none")
    found = list(document.problems(doc))
    assert len(found) == len(set(found)) == 2
    assert {f.split(":")[0] for f in found} == {"$.summary.delete", "$.errors"}
    with pytest.raises(InputError) as refused:
        document.load_plan(_write(tmp_path, doc))
    message = refused.value.format_message()
    assert message.startswith(f"{tmp_path / 'plan.json'} is not a usable plan file: {found[0]}")
    assert message.endswith("; make one with `defender-migrate trivy plan --out FILE`")


def test_rule_plan_file_keeps_its_role_name(tmp_path: Path) -> None:
    """Rule "plan file checks": the role a plan was made with is the role apply assumes."""
    doc = _plan(targets={"regions": ["us-east-1"], "accounts": [ACCOUNT], "role_name": "Audit"})
    targets, _, _ = document.load_plan(_write(tmp_path, doc))
    assert targets.role_name == "Audit"


def test_rule_plan_file_unreadable(tmp_path: Path) -> None:
    """Rule "plan file checks": a file that cannot be read is exit 3 naming it and why."""
    with pytest.raises(InputError) as refused:
        document.load_plan(tmp_path / "missing.json")
    assert refused.value.format_message() == (
        f"cannot read plan file {tmp_path / 'missing.json'}: No such file or directory")


def test_rule_mdvm_readiness_looks_for_the_named_role() -> None:
    """Rule "MDVM readiness": the configured role name is the one looked up, and only it."""
    trusted = _role(_trust())

    class Iam(FakeClient):
        def answer(self, operation: str, params: dict[str, Any]) -> Any:
            if operation == "get_role":
                self.calls.append((operation, params))
                if params["RoleName"] != ROLE:
                    raise error("NoSuchEntity", 404)
                return {"Role": trusted}
            return super().answer(operation, params)

    ctx = fake_ctx(ACCOUNT, "us-east-1")
    ctx.account.clients["iam"] = Iam({"list_roles": [trusted]})  # type: ignore[attr-defined]
    assert check_readiness(ctx, ROLE).ready is True
    other = check_readiness(ctx, "SomeOtherRole")
    assert other.ready is False
    assert other.reason.startswith("no IAM role SomeOtherRole")


def test_rule_mdvm_readiness_from_the_plans_role_listing() -> None:
    """Rule "MDVM readiness": plan judges the role found by name in its ListRoles listing (which
    has each role's trust) without another IAM call; a listing without it is "not onboarded"."""
    ctx = fake_ctx(ACCOUNT, "us-east-1", iam={})
    other = {**_role(_trust()), "RoleName": "SomeOtherRole"}
    found = check_readiness(ctx, ROLE, listed=cast(Any, [other, _role(_trust())]))
    assert (found.ready, found.role) == (True, ROLE)
    missing = check_readiness(ctx, ROLE, listed=cast(Any, [other]))
    assert missing.ready is False
    assert missing.reason.startswith(f"no IAM role {ROLE}")
    untrusted = check_readiness(ctx, ROLE,
                                listed=cast(Any, [_role(_trust(audience="api://other"))]))
    assert untrusted.ready is False
    assert ctx.account.clients["iam"].calls == []  # type: ignore[attr-defined]


def test_rule_mdvm_readiness_in_the_plan_file(tmp_path: Path) -> None:
    """Rule "MDVM readiness": what plan records per account is what apply reads back."""
    state = {ACCOUNT: Readiness(True, ROLE, "trusted"), OTHER: Readiness(False, ROLE, "no")}
    assert {a: r.to_json() for a, r in state.items()} == {
        ACCOUNT: {"ready": True, "role": ROLE, "reason": "trusted"},
        OTHER: {"ready": False, "role": ROLE, "reason": "no"}}
    doc = _plan(readiness={a: r.to_json() for a, r in state.items()})
    _, _, found = document.load_plan(_write(tmp_path, doc))
    assert found == state


def test_rule_plan_file_not_utf8_is_refused(tmp_path: Path) -> None:
    """Rule "plan file checks": a file that is not UTF-8 text is refused (exit 3), saying where."""
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff{}")
    with pytest.raises(InputError) as refused:
        document.load_plan(path)
    assert refused.value.exit_code == 3
    assert "not JSON (not UTF-8 text: invalid start byte at byte 0)" in (
        refused.value.format_message())


def test_rule_stopped_run_document_in_full() -> None:
    """Rule "plan file" (a run that stopped before knowing its targets): the document says so in
    full: no targets, nothing counted, the one error, and when (UTC, to the second)."""
    doc = document.stopped("plan", "no credentials")
    created = doc.pop("created")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created), created
    assert abs(datetime.fromisoformat(created) - datetime.now(UTC)) < timedelta(minutes=5)
    assert doc == {
        "format": "defender-migrate/plan", "version": 1, "command": "plan", "targets": None,
        "summary": {"delete": 0, "keep": 0, "accounts_done": 0, "accounts_failed": 0,
                    "accounts_skipped": 0},
        "errors": [{"account": None, "region": None, "error": "no credentials"}],
        "readiness": {}, "resources": []}
