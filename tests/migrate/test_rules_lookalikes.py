"""Rule table for look-alikes (README "What matches", last row): never deleted, always reported
with advice, found by LOOKALIKE_PATTERN; driven through `lookalikes.discover_regional` and
`discover_global` on canned answers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber

from migrate.fingerprint import LOOKALIKE_PATTERN
from migrate.kinds import lookalikes
from migrate.model import Action
from tests.migrate.fakeaws import Pages, fake_ctx, omit_empty_lists

ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.mark.parametrize(("name", "looks"), [
    ("defender-for-containers-va", True), ("DefenderForContainersVa", True),
    ("defender_for_containers", True), ("defender for containers", True),
    ("trivy-scans", True), ("TRIVY", True), ("my-Trivy-job", True),
    ("defender-containers", False), ("payments", False), ("triv", False),
], ids=str)
def test_rule_lookalike_names(name: str, looks: bool) -> None:
    """Rule "look-alikes": defender-for-containers in any separator and case, or trivy."""
    assert (LOOKALIKE_PATTERN.search(name) is not None) is looks


def test_rule_lookalikes_are_kept_with_advice() -> None:
    """Rule "look-alikes": ACTIVE task definition families, log groups, stacks and StackSets
    that look related are kept with advice; others are not reported. The family listing is
    enough: which roles task definitions name is kinds.iam's (task_definition_users), so no
    revision is described here."""
    ctx = fake_ctx(
        ACCOUNT, REGION,
        ecs={"list_task_definition_families": ["trivy-scan", "payments"],
             "describe_task_definition": {"taskDefinition": {
                 "taskRoleArn": "arn:aws:iam::123456789012:role/T", "executionRoleArn": ""}}},
        logs={"describe_log_groups": [{"logGroupName": "/ecs/trivy"},
                                      {"logGroupName": "/ecs/containers-app"}]},
        cloudformation={"list_stacks": [{"StackName": "DefenderForContainers-onboarding"},
                                        {"StackName": "network"}],
                        "list_stack_sets": [{"StackSetName": "trivy-members"},
                                            {"StackSetName": "baseline"}]})
    found = lookalikes.discover_regional(ctx)
    rows = {(r.kind, r.id): r for r in found}
    assert set(rows) == {("ecs-task-definition", "trivy-scan"), ("log-group", "/ecs/trivy"),
                         ("cloudformation-stack", "DefenderForContainers-onboarding"),
                         ("cloudformation-stackset", "trivy-members")}
    assert {r.action for r in found} == {Action.KEEP}
    assert all(r.reason.startswith("looks related to the Trivy scanner; not deleted by guess")
               for r in found)
    assert rows[("ecs-task-definition", "trivy-scan")].details == {}
    assert ctx.account.clients["ecs"].calls == [  # type: ignore[attr-defined]
        ("list_task_definition_families", {"status": "ACTIVE"})]
    calls = ctx.account.clients["logs"].calls  # type: ignore[attr-defined]
    assert [c[1]["logGroupNamePattern"] for c in calls] == ["ontainers", "rivy"]
    cfn = dict(ctx.account.clients["cloudformation"].calls)  # type: ignore[attr-defined]
    assert cfn["list_stack_sets"] == {"Status": "ACTIVE"}
    assert "DELETE_COMPLETE" not in cfn["list_stacks"]["StackStatusFilter"]
    assert "UPDATE_ROLLBACK_COMPLETE" in cfn["list_stacks"]["StackStatusFilter"]


def test_rule_lookalike_roles_exclude_the_scanners_names() -> None:
    """Rule "look-alikes": IAM roles that look related are kept (global), except the
    scanner's own names, which kinds.iam judges by their trust. They come from the account's
    ListRoles listing the plan already made: no IAM call of their own."""
    ctx = fake_ctx(ACCOUNT, REGION, iam={})
    listing: Any = [{"RoleName": "DefenderForContainersVaRole"}, {"RoleName": "trivy-ci"},
                    {"RoleName": "azuredefender-containers-va-task"}, {"RoleName": "admin"}]
    found = lookalikes.discover_global(ctx, listing)
    assert [(r.id, r.region, r.action) for r in found] == [("trivy-ci", "global", Action.KEEP)]
    assert ctx.account.clients["iam"].calls == []  # type: ignore[attr-defined]


def test_rule_lookalikes_advice_says_how_to_remove_each_kind() -> None:
    """Rule "look-alikes": each kept look-alike's reason gives the advice for its kind, word for
    word (the plan is what the operator acts on)."""
    ctx = fake_ctx(
        ACCOUNT, REGION, ecs={"list_task_definition_families": ["trivy-scan"]},
        logs={"describe_log_groups": [{"logGroupName": "/ecs/trivy"}]},
        cloudformation={"list_stacks": [{"StackName": "trivy-onboarding"}],
                        "list_stack_sets": [{"StackSetName": "trivy-members"}]})
    found = lookalikes.discover_regional(ctx)
    found += lookalikes.discover_global(ctx, cast(Any, [{"RoleName": "trivy-ci"}]))
    head = "looks related to the Trivy scanner; not deleted by guess: "
    assert {(r.kind, r.id, r.region): r.reason for r in found} == {
        ("ecs-task-definition", "trivy-scan", REGION): head + "if it ran the Trivy scanner, "
        "deregister its revisions with `aws ecs deregister-task-definition`",
        ("log-group", "/ecs/trivy", REGION): head + "if it held the Trivy scanner's logs and you "
        "no longer need them, `aws logs delete-log-group`",
        ("cloudformation-stack", "trivy-onboarding", REGION): head + "if it is the old Trivy "
        "onboarding stack, delete the stack itself so CloudFormation does not drift",
        ("cloudformation-stackset", "trivy-members", REGION): head + "if it deployed the Trivy "
        "scanner to member accounts, remove its stack instances, then the StackSet",
        ("iam-role", "trivy-ci", "global"): head + "if it was the Trivy task's role, detach its "
        "policies and delete it; the MDVM connector uses other roles",
    }
    assert {r.account for r in found} == {ACCOUNT}


def test_rule_lookalikes_read_the_answers_aws_gives() -> None:
    """Rule "look-alikes": each listing is read under the key AWS answers with (botocore's
    Stubber checks every canned answer against the service's model; the fakes of the other
    tests answer under any key)."""
    session = boto3.Session(region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    clients: dict[str, Any] = {}
    stubs: list[Stubber] = []

    def stubbed(service: Any, *answers: tuple[str, dict[str, Any], dict[str, Any]]) -> None:
        client = session.client(service)
        stub = Stubber(client)
        for operation, answer, params in answers:
            stub.add_response(operation, answer, params)
        stub.activate()
        clients[service] = client
        stubs.append(stub)

    stubbed("ecs", ("list_task_definition_families", {"families": ["trivy-scan", "payments"]},
                    {"status": "ACTIVE"}))
    stubbed("logs",
            ("describe_log_groups", {"logGroups": [{"logGroupName": "/ecs/containers-app"}]},
             {"logGroupNamePattern": "ontainers"}),
            ("describe_log_groups", {"logGroups": [{"logGroupName": "/ecs/trivy"}]},
             {"logGroupNamePattern": "rivy"}))
    stubbed("cloudformation",
            ("list_stacks", {"StackSummaries": [{
                "StackName": "trivy-stack", "StackId": "id", "StackStatus": "CREATE_COMPLETE",
                "CreationTime": datetime(2024, 1, 1, tzinfo=UTC)}]},
             {"StackStatusFilter": lookalikes.LIVE_STACK_STATUSES}),
            ("list_stack_sets", {"Summaries": [{"StackSetName": "trivy-members"}]},
             {"Status": "ACTIVE"}))
    ctx = fake_ctx(ACCOUNT, REGION)
    ctx.account.clients.update(clients)  # type: ignore[attr-defined]
    found = lookalikes.discover_regional(ctx)
    assert [(r.kind, r.id) for r in found] == [
        ("ecs-task-definition", "trivy-scan"), ("log-group", "/ecs/trivy"),
        ("cloudformation-stack", "trivy-stack"), ("cloudformation-stackset", "trivy-members")]
    for stub in stubs:
        stub.assert_no_pending_responses()


# Each listing discover_regional reads, by the list key of its answer: one look-alike apiece.
LISTINGS: dict[str, tuple[str, str, Any, tuple[str, str]]] = {
    "families": ("ecs", "list_task_definition_families", ["trivy-scan"],
                 ("ecs-task-definition", "trivy-scan")),
    "logGroups": ("logs", "describe_log_groups", [{"logGroupName": "/ecs/trivy"}],
                  ("log-group", "/ecs/trivy")),
    "StackSummaries": ("cloudformation", "list_stacks", [{"StackName": "trivy-onboarding"}],
                       ("cloudformation-stack", "trivy-onboarding")),
    "Summaries": ("cloudformation", "list_stack_sets", [{"StackSetName": "trivy-members"}],
                  ("cloudformation-stackset", "trivy-members")),
}


def _listings(empty: str = "", pages: Any = None) -> dict[str, dict[str, Any]]:
    """Answers per service: every listing has its look-alike, except `empty` (no item at all,
    or `pages` when given)."""
    services: dict[str, dict[str, Any]] = {"ecs": {}, "logs": {}, "cloudformation": {}}
    for key, (service, operation, items, _) in LISTINGS.items():
        services[service][operation] = (items if key != empty
                                        else [] if pages is None else pages)
    return services


@pytest.mark.parametrize("empty", list(LISTINGS))
def test_rule_lookalikes_answer_without_the_list_key_means_none(empty: str) -> None:
    """Rule "look-alikes" (an answer without the list key means none): AWS leaves an empty list
    out of some answers (ListStackSets without `Summaries`, DescribeLogGroups without
    `logGroups`, ...). Such a listing has no look-alike, and the other listings are still
    read: the scan neither fails nor stops there."""
    ctx = omit_empty_lists(fake_ctx(ACCOUNT, REGION, **_listings(empty)))
    found = lookalikes.discover_regional(ctx)
    assert {(r.kind, r.id) for r in found} == {
        row for key, (_, _, _, row) in LISTINGS.items() if key != empty}
    assert {r.action for r in found} == {Action.KEEP}


@pytest.mark.parametrize("key", list(LISTINGS))
def test_rule_lookalikes_page_without_the_list_key_is_read_past(key: str) -> None:
    """Rule "look-alikes" (an answer without the list key means none): a page of a listing
    without its list (AWS answers one when a page holds nothing) is passed over, and the
    listing's next pages are still read."""
    items = LISTINGS[key][2]
    ctx = omit_empty_lists(fake_ctx(ACCOUNT, REGION, **_listings(key, Pages([], items, []))))
    found = lookalikes.discover_regional(ctx)
    assert {(r.kind, r.id) for r in found} == {row for *_, row in LISTINGS.values()}


def test_rule_lookalikes_entries_without_a_name_are_passed_over() -> None:
    """Rule "look-alikes": a log group or StackSet summary whose answer carries no name
    (botocore's model does not require one) looks like nothing: it is not reported, and the
    named look-alikes beside it still are."""
    services = _listings()
    services["logs"]["describe_log_groups"] = [{"arn": "arn:aws:logs:x"},
                                               {"logGroupName": "/ecs/trivy"}]
    services["cloudformation"]["list_stack_sets"] = [{"Status": "ACTIVE"},
                                                     {"StackSetName": "trivy-members"}]
    ctx = fake_ctx(ACCOUNT, REGION, ecs=services["ecs"], logs=services["logs"],
                   cloudformation=services["cloudformation"])
    found = lookalikes.discover_regional(ctx)
    assert {(r.kind, r.id) for r in found} == {row for *_, row in LISTINGS.values()}
