"""Rule tables for the `s3-bucket` and `ecs-cluster` rows of README "What matches", driven
through `s3.classify`/`s3.discover`/`S3Bucket.exists` and `ecs.discover` on canned answers
(tests/migrate/fakeaws.py), including the AWS error codes that mean "gone" and those that
must not.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from migrate.fingerprint import CLUSTER_NAME
from migrate.kinds import ecs, s3
from migrate.model import Action, Resource
from tests.migrate.fakeaws import FakeClient, Pages, error, fake_ctx, omit_empty_lists

ACCOUNT = "123456789012"
REGION = "us-east-1"
BUCKET = "defender-for-containers-va-123"


def _s3(location: Any = "us-east-1", lock: Any = None) -> dict[str, Any]:
    return {"get_bucket_location": location if isinstance(location, ClientError) else {
        "LocationConstraint": location},
        "get_object_lock_configuration": lock if lock is not None else error(
            "ObjectLockConfigurationNotFoundError", 404)}


@pytest.mark.parametrize(("location", "region"), [
    (None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"),
    ("eu-central-1", "eu-central-1"), ("us-east-2", "us-east-2"),
], ids=["none", "empty", "legacy-EU", "eu-central-1", "us-east-2"])
def test_rule_bucket_region_from_get_bucket_location(location: Any, region: str) -> None:
    """Rule "bucket region": GetBucketLocation's legacy answers (none, "EU") are mapped."""
    assert s3.bucket_region(fake_ctx(ACCOUNT, REGION, s3=_s3(location)), BUCKET) == region


BUCKETS: dict[str, tuple[str, dict[str, Any], list[str], Action, str]] = {
    "trivy-bucket-in-region": (BUCKET, _s3(), [REGION], Action.DELETE, "starts with"),
    "lock-configuration-without-lock": (BUCKET, _s3(lock={"ObjectLockConfiguration": {}}),
                                        [REGION], Action.DELETE, "starts with"),
    "lock-disabled": (BUCKET, _s3(lock={"ObjectLockConfiguration": {
        "ObjectLockEnabled": "Disabled"}}), [REGION], Action.DELETE, "starts with"),
    "other-name": ("defender-for-containers-vault", _s3(), [REGION], Action.KEEP,
                   "not a Trivy bucket"),
    "other-region": (BUCKET, _s3("eu-west-1"), [REGION, "eu-central-1"], Action.KEEP,
                     "outside the selected regions"),
    "object-lock": (BUCKET, _s3(lock={"ObjectLockConfiguration": {
        "ObjectLockEnabled": "Enabled"}}), [REGION], Action.KEEP, "Object Lock"),
}


@pytest.mark.parametrize(("name", "answers", "regions", "action", "says"),
                         list(BUCKETS.values()), ids=list(BUCKETS))
def test_rule_trivy_bucket(name: str, answers: dict[str, Any], regions: list[str],
                           action: Action, says: str) -> None:
    """Rule "Trivy bucket": name, selected region, no Object Lock; else kept with why."""
    found = s3.classify(fake_ctx(ACCOUNT, REGION, s3=answers), name, regions)
    assert found is not None
    assert (found.action, found.kind, found.id) == (action, "s3-bucket", name)
    assert says in found.reason


def test_rule_bucket_gone_only_on_no_such_bucket() -> None:
    """Rule "gone means 404": NoSuchBucket is "gone"; AccessDenied and a failing lock check
    are errors, never a bucket to skip or delete."""
    assert s3.classify(fake_ctx(ACCOUNT, REGION, s3=_s3(error("NoSuchBucket", 404))),
                       BUCKET, [REGION]) is None
    for answers in (_s3(error("AccessDenied", 403)),
                    _s3(lock=error("AccessDenied", 403))):
        with pytest.raises(ClientError):
            s3.classify(fake_ctx(ACCOUNT, REGION, s3=answers), BUCKET, [REGION])


@pytest.mark.parametrize(("code", "exists"), [
    ("404", False), ("NoSuchBucket", False), ("NotFound", False),
    ("403", None), ("AccessDenied", None), ("500", None), ("NoSuchKey", None),
])
def test_rule_bucket_exists_gone_means_404(code: str, exists: bool | None) -> None:
    """Rule "gone means 404": only 404/NoSuchBucket/NotFound say the bucket has gone; a 403
    (or anything else) is an error, never "already gone"."""
    ctx = fake_ctx(ACCOUNT, REGION, s3={"head_bucket": error(code, 404 if exists is False
                                                               else 403)})
    res = Resource(ACCOUNT, REGION, "s3-bucket", BUCKET, Action.DELETE, "")
    if exists is None:
        with pytest.raises(ClientError):
            s3.S3Bucket().exists(ctx, res)
    else:
        assert s3.S3Bucket().exists(ctx, res) is exists
    assert s3.S3Bucket().exists(fake_ctx(ACCOUNT, REGION, s3={"head_bucket": {}}), res)


def test_rule_buckets_listed_by_prefix_only() -> None:
    """Rule "Trivy bucket": only names with the look-alike prefix are even looked at."""
    ctx = fake_ctx(ACCOUNT, REGION, s3={**_s3(), "list_buckets": [
        {"Name": BUCKET}, {"Name": "app-defender-for-containers-va"},
        {"Name": "defender-for-containers-vault"}]})
    found = s3.discover(ctx, [REGION])
    assert [(r.id, r.action) for r in found] == [(BUCKET, Action.DELETE), (
        "defender-for-containers-vault", Action.KEEP)]


def test_rule_buckets_answer_without_the_list_key_means_none() -> None:
    """Rule "Trivy bucket" (an answer without the list key means none): a ListBuckets page
    without `Buckets` (what S3 answers when none matches the prefix) holds no bucket: alone,
    the account has none; in a longer listing, the next pages are still read."""
    ctx = omit_empty_lists(fake_ctx(ACCOUNT, REGION, s3={**_s3(), "list_buckets": []}))
    assert s3.discover(ctx, [REGION]) == []
    assert [op for op, _ in ctx.account.clients["s3"].calls] == [  # type: ignore[attr-defined]
        "list_buckets"]
    ctx = omit_empty_lists(fake_ctx(
        ACCOUNT, REGION, s3={**_s3(), "list_buckets": Pages([], [{"Name": BUCKET}], [])}))
    assert [(r.id, r.action) for r in s3.discover(ctx, [REGION])] == [(BUCKET, Action.DELETE)]


# --- ECS -----------------------------------------------------------------------------------------

def _cluster_arn(name: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}"


def _task(arn: str, last: str, enis: list[str], attachment: str = "ElasticNetworkInterface",
          detail: str = "networkInterfaceId") -> dict[str, Any]:
    return {"taskArn": arn, "lastStatus": last, "attachments": [{
        "type": attachment, "details": [{"name": detail, "value": e} for e in enis]}]}


def _ecs(status: str = "ACTIVE", *, services: list[dict[str, Any]] | None = None,
         running: list[dict[str, Any]] | None = None, stopped: list[dict[str, Any]] | None = None,
         clusters: list[str] | None = None) -> dict[str, Any]:
    tasks = {"RUNNING": running or [], "STOPPED": stopped or []}

    class Ecs(FakeClient):
        def answer(self, operation: str, params: dict[str, Any]) -> Any:
            if operation == "list_tasks":
                return {"taskArns": [t["taskArn"] for t in tasks[params["desiredStatus"]]]}
            if operation == "describe_tasks":
                return {"tasks": [t for ts in tasks.values() for t in ts
                                  if t["taskArn"] in params["tasks"]]}
            return super().answer(operation, params)

    return {"client": Ecs({
        "list_clusters": [_cluster_arn(c) for c in (clusters or [CLUSTER_NAME])],
        "describe_clusters": {"clusters": [{"clusterArn": _cluster_arn(CLUSTER_NAME),
                                            "status": status}]},
        "list_services": [s["serviceArn"] for s in services or []],
        "describe_services": {"services": services or []},
        "list_container_instances": ["arn:ci/1"],
    })}


def _ecs_ctx(**kw: Any) -> Any:
    ctx = fake_ctx(ACCOUNT, REGION)
    ctx.account.clients["ecs"] = _ecs(**kw)["client"]  # type: ignore[attr-defined]
    return ctx


def test_rule_trivy_cluster_named_exactly() -> None:
    """Rule "Trivy cluster": named exactly defender-for-containers-va; look-alike names are
    kept with the reason, unrelated names not even reported."""
    found = ecs.discover(_ecs_ctx(clusters=[CLUSTER_NAME, f"{CLUSTER_NAME}-prod",
                                            "Trivy-scans", "payments"]))
    rows = {(r.kind, r.id): r for r in found.resources}
    assert rows[("ecs-cluster", CLUSTER_NAME)].action is Action.DELETE
    assert rows[("ecs-cluster", f"{CLUSTER_NAME}-prod")].action is Action.KEEP
    assert rows[("ecs-cluster", "Trivy-scans")].action is Action.KEEP
    assert ("ecs-cluster", "payments") not in rows
    assert ("ecs-container-instance", "arn:ci/1") in rows
    assert found.cluster_active is True
    lookalike = ecs.discover(_ecs_ctx(clusters=[f"{CLUSTER_NAME}-prod"]))
    assert [r.action for r in lookalike.resources] == [Action.KEEP]
    assert lookalike.cluster_active is False


def test_rule_inactive_trivy_cluster_is_gone() -> None:
    """Rule "Trivy cluster": an INACTIVE cluster is gone: nothing to delete, not active."""
    found = ecs.discover(_ecs_ctx(status="INACTIVE"))
    assert found.resources == []
    assert found.cluster_active is False


def test_rule_trivy_cluster_services_and_tasks() -> None:
    """Rule "Trivy cluster": its live services and running tasks go with it; INACTIVE services
    and stopped tasks do not, but every task's ENI (running or stopped) is the scanner's."""
    services = [{"serviceArn": "svc/live", "status": "ACTIVE", "desiredCount": 2},
                {"serviceArn": "svc/gone", "status": "INACTIVE"}]
    running = [_task("task/run", "RUNNING", ["eni-run"]),
               _task("task/stopping", "STOPPED", ["eni-stopping"]),
               _task("task/other-attachment", "RUNNING", ["eni-x"], attachment="Other"),
               _task("task/other-detail", "RUNNING", ["eni-y"], detail="subnetId")]
    stopped = [_task("task/stopped", "STOPPED", ["eni-stopped"])]
    found = ecs.discover(_ecs_ctx(services=services, running=running, stopped=stopped))
    rows = {(r.kind, r.id): r for r in found.resources}
    assert rows[("ecs-service", "svc/live")].details == {"desiredCount": 2}
    assert ("ecs-service", "svc/gone") not in rows
    assert {i for k, i in rows if k == "ecs-task"} == {
        "task/run", "task/other-attachment", "task/other-detail"}
    assert found.task_enis == {"eni-run", "eni-stopping", "eni-stopped"}
    assert all(r.parent == CLUSTER_NAME for k, r in rows.items() if k[0] != "ecs-cluster")


# Each listing ecs.discover reads, by the list key of its answer, in a Trivy cluster that has one
# of each: the items, and the row each one makes.
ECS_LISTINGS: dict[str, tuple[str, list[str], set[tuple[str, str]]]] = {
    "clusterArns": ("list_clusters", [_cluster_arn(CLUSTER_NAME)],
                    {("ecs-cluster", CLUSTER_NAME)}),
    "serviceArns": ("list_services", ["svc/live"], {("ecs-service", "svc/live")}),
    "taskArns": ("list_tasks", ["task/run"], {("ecs-task", "task/run")}),
    "containerInstanceArns": ("list_container_instances", ["arn:ci/1"],
                              {("ecs-container-instance", "arn:ci/1")}),
}


def _ecs_listings(empty: str, listing: Any) -> Any:
    answers: dict[str, Any] = {
        operation: items for operation, items, _ in ECS_LISTINGS.values()}
    answers[ECS_LISTINGS[empty][0]] = listing
    answers.update({
        "describe_clusters": {"clusters": [{"clusterArn": _cluster_arn(CLUSTER_NAME),
                                            "status": "ACTIVE"}]},
        "describe_services": {"services": [{"serviceArn": "svc/live", "status": "ACTIVE",
                                            "desiredCount": 1}]},
        "describe_tasks": {"tasks": [_task("task/run", "RUNNING", ["eni-run"])]}})
    return omit_empty_lists(fake_ctx(ACCOUNT, REGION, ecs=answers))


@pytest.mark.parametrize("empty", list(ECS_LISTINGS))
def test_rule_ecs_answer_without_the_list_key_means_none(empty: str) -> None:
    """Rule "Trivy cluster" (an answer without the list key means none): an ECS listing whose
    answer leaves its list out (as AWS does with an empty list) has nothing of that sort: no
    cluster means nothing to do; no services, tasks or instances means the cluster and what
    the other listings hold still go."""
    found = ecs.discover(_ecs_listings(empty, []))
    if empty == "clusterArns":
        assert (found.resources, found.cluster_active) == ([], False)
        return
    rows = {(r.kind, r.id) for r in found.resources}
    assert rows == set().union(*(r for k, (_, _, r) in ECS_LISTINGS.items() if k != empty))
    assert found.task_enis == (set() if empty == "taskArns" else {"eni-run"})
    assert found.cluster_active is True


@pytest.mark.parametrize("key", list(ECS_LISTINGS))
def test_rule_ecs_page_without_the_list_key_is_read_past(key: str) -> None:
    """Rule "Trivy cluster" (an answer without the list key means none): a page of an ECS
    listing without its list is passed over and the listing's next pages are still read, so
    nothing of the Trivy cluster is left out."""
    found = ecs.discover(_ecs_listings(key, Pages([], ECS_LISTINGS[key][1], [])))
    assert {(r.kind, r.id) for r in found.resources} == set().union(
        *(r for _, _, r in ECS_LISTINGS.values()))
    assert found.task_enis == {"eni-run"}
