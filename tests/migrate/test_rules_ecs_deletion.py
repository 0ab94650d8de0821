"""Rule table for deleting the Trivy ECS cluster and what runs in it (README "What apply
deletes": ECS), pure: each kind's `delete`/`exists` and `ecs.discover` on canned answers.

Rules: a service is scaled to zero (only if it runs tasks) then force-deleted; a task still
running is stopped with the tool's reason; a container instance is force-deregistered; the
cluster is deleted with bounded retries while ECS still lists what was just removed; INACTIVE or
STOPPED is gone; discovery that loses the cluster between two calls starts again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from migrate.audit import AuditLog
from migrate.context import Ctx, Settings
from migrate.fingerprint import CLUSTER_NAME
from migrate.kinds import ecs
from migrate.model import Action, Resource, Status
from tests.migrate.fakeaws import FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
REGION = "us-east-1"


def _ctx(tmp_path: Path, client: FakeClient) -> Ctx:
    ctx = fake_ctx(ACCOUNT, REGION)
    ctx.account.clients["ecs"] = client  # type: ignore[attr-defined]
    ctx.audit = AuditLog(tmp_path / "audit.jsonl")
    ctx.settings = Settings(retry_attempts=3, retry_base_delay=0, retry_max_delay=0)
    return ctx


def _res(kind: str, id_: str) -> Resource:
    return Resource(ACCOUNT, REGION, kind, id_, Action.DELETE, "why", CLUSTER_NAME)


def _mutations(client: FakeClient) -> list[tuple[str, dict[str, Any]]]:
    return [c for c in client.calls if not c[0].startswith(("describe_", "list_"))]


@pytest.mark.parametrize(("services", "status", "calls"), [
    ([{"status": "ACTIVE", "desiredCount": 2}], Status.DELETED, [
        ("update_service", {"cluster": CLUSTER_NAME, "service": "svc", "desiredCount": 0}),
        ("delete_service", {"cluster": CLUSTER_NAME, "service": "svc", "force": True})]),
    ([{"status": "DRAINING", "desiredCount": 0}], Status.DELETED, [
        ("delete_service", {"cluster": CLUSTER_NAME, "service": "svc", "force": True})]),
    ([{"status": "ACTIVE"}], Status.DELETED, [
        ("delete_service", {"cluster": CLUSTER_NAME, "service": "svc", "force": True})]),
    ([{"status": "INACTIVE", "desiredCount": 2}], Status.ALREADY_GONE, []),
    ([], Status.ALREADY_GONE, []),
], ids=["running-scaled-then-deleted", "idle-deleted", "no-count-deleted", "inactive-gone",
        "not-listed-gone"])
def test_rule_ecs_service_scaled_to_zero_then_deleted(
        tmp_path: Path, services: list[dict[str, Any]], status: Status,
        calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Rule "ECS service": scaled to zero only when it wants tasks, then force-deleted; an
    INACTIVE or unlisted service is gone."""
    client = FakeClient({"describe_services": {"services": services}})
    ctx = _ctx(tmp_path, client)
    res = _res("ecs-service", "svc")
    assert ecs.EcsService().delete(ctx, res) is status
    assert client.calls[0] == ("describe_services", {"cluster": CLUSTER_NAME, "services": ["svc"]})
    assert _mutations(client) == calls
    assert ecs.EcsService().exists(ctx, res) is (status is Status.DELETED)


@pytest.mark.parametrize(("task", "running"), [
    ({"lastStatus": "RUNNING", "desiredStatus": "RUNNING"}, True),
    ({"lastStatus": "PENDING"}, True),
    ({"lastStatus": "STOPPED", "desiredStatus": "STOPPED"}, False),
    ({"lastStatus": "RUNNING", "desiredStatus": "STOPPED"}, False),
    ({"lastStatus": "STOPPED", "desiredStatus": "RUNNING"}, False),
    (None, False),
], ids=["running", "pending", "stopped", "stopping", "stopped-desired-running", "not-listed"])
def test_rule_ecs_task_stopped_with_the_tools_reason(tmp_path: Path, task: dict[str, Any] | None,
                                                     running: bool) -> None:
    """Rule "ECS task": a task still running (not stopped, not already told to stop) is stopped
    with the tool's reason; any other is gone."""
    client = FakeClient({"describe_tasks": {"tasks": [task] if task else []}})
    ctx = _ctx(tmp_path, client)
    res = _res("ecs-task", "task/1")
    assert ecs.EcsTask().exists(ctx, res) is running
    assert client.calls == [("describe_tasks", {"cluster": CLUSTER_NAME, "tasks": ["task/1"]})]
    status = ecs.EcsTask().delete(ctx, res)
    assert status is (Status.DELETED if running else Status.ALREADY_GONE)
    assert _mutations(client) == ([("stop_task", {
        "cluster": CLUSTER_NAME, "task": "task/1",
        "reason": "defender-migrate: removing the retired Trivy vulnerability scanner"})]
        if running else [])


@pytest.mark.parametrize(("instances", "live"), [
    ([{"status": "ACTIVE"}], True), ([{"status": "DRAINING"}], True),
    ([{"status": "INACTIVE"}], False), ([], False)],
    ids=["active", "draining", "inactive", "not-listed"])
def test_rule_ecs_container_instance_force_deregistered(
        tmp_path: Path, instances: list[dict[str, Any]], live: bool) -> None:
    """Rule "ECS container instance": a live instance is force-deregistered; INACTIVE is gone."""
    client = FakeClient({"describe_container_instances": {"containerInstances": instances}})
    ctx = _ctx(tmp_path, client)
    res = _res("ecs-container-instance", "ci/1")
    status = ecs.EcsContainerInstance().delete(ctx, res)
    assert status is (Status.DELETED if live else Status.ALREADY_GONE)
    assert client.calls[0] == ("describe_container_instances", {
        "cluster": CLUSTER_NAME, "containerInstances": ["ci/1"]})
    assert _mutations(client) == ([("deregister_container_instance", {
        "cluster": CLUSTER_NAME, "containerInstance": "ci/1", "force": True})] if live else [])


class _BusyCluster(FakeClient):
    """DeleteCluster fails with `codes` in turn, then succeeds."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__({"describe_clusters": {"clusters": [{"status": "ACTIVE"}]}})
        self.codes = codes

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        if operation == "delete_cluster":
            self.calls.append((operation, params))
            if self.codes:
                raise error(self.codes.pop(0))
            return {}
        return super().answer(operation, params)


@pytest.mark.parametrize("code", ["ClusterContainsServicesException",
                                  "ClusterContainsTasksException",
                                  "ClusterContainsContainerInstancesException",
                                  "UpdateInProgressException"])
def test_rule_ecs_cluster_deleted_retrying_while_ecs_catches_up(tmp_path: Path,
                                                                code: str) -> None:
    """Rule "ECS cluster": DeleteCluster is retried (bounded) while ECS still counts what was
    just removed; another error is not retried."""
    client = _BusyCluster([code, code])
    ctx = _ctx(tmp_path, client)
    res = _res("ecs-cluster", CLUSTER_NAME)
    assert ecs.EcsCluster().delete(ctx, res) is Status.DELETED
    assert _mutations(client) == [("delete_cluster", {"cluster": CLUSTER_NAME})] * 3
    assert client.calls[0] == ("describe_clusters", {"clusters": [CLUSTER_NAME]})
    denied = _BusyCluster(["AccessDeniedException"])
    with pytest.raises(Exception, match="AccessDeniedException"):
        ecs.EcsCluster().delete(_ctx(tmp_path, denied), res)
    assert len(_mutations(denied)) == 1


def test_rule_ecs_discovery_reasons_and_details() -> None:
    """Rule "Trivy cluster": every row says why (the cluster by its exact name, what runs in it
    by being in it, a look-alike by not being exactly the name) and the cluster keeps its ARN."""
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}"
    ctx = fake_ctx(ACCOUNT, REGION, ecs={
        "list_clusters": [arn, f"{arn}-old"],
        "describe_clusters": {"clusters": [{"clusterArn": arn, "status": "ACTIVE"}]},
        "list_services": ["svc/a"],
        "describe_services": {"services": [{"serviceArn": "svc/a", "status": "ACTIVE"}]},
        "list_tasks": [], "list_container_instances": []})
    found = ecs.discover(ctx)
    assert [(r.kind, r.id, r.action, r.reason, r.parent, r.details, r.region, r.account)
            for r in found.resources] == [
        ("ecs-cluster", f"{CLUSTER_NAME}-old", Action.KEEP,
         f"name is not exactly {CLUSTER_NAME}: not the Trivy cluster", None, {}, REGION, ACCOUNT),
        ("ecs-service", "svc/a", Action.DELETE, f"in the Trivy cluster {CLUSTER_NAME}",
         CLUSTER_NAME, {"desiredCount": 0}, REGION, ACCOUNT),
        ("ecs-cluster", CLUSTER_NAME, Action.DELETE, f"ECS cluster named exactly {CLUSTER_NAME}",
         None, {"arn": arn}, REGION, ACCOUNT)]


def test_rule_ecs_discovery_describes_in_batches_ecs_accepts() -> None:
    """Rule "Trivy cluster": DescribeServices takes at most 10 services, DescribeTasks 100."""
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}"
    services = [f"svc/{i}" for i in range(11)]
    tasks = [f"task/{i}" for i in range(101)]
    ctx = fake_ctx(ACCOUNT, REGION, ecs={
        "list_clusters": [arn],
        "describe_clusters": {"clusters": [{"clusterArn": arn, "status": "ACTIVE"}]},
        "list_services": services, "describe_services": {"services": []},
        "list_tasks": tasks, "describe_tasks": {"tasks": []}, "list_container_instances": []})
    ecs.discover(ctx)
    calls = ctx.account.clients["ecs"].calls  # type: ignore[attr-defined]
    assert [p["services"] for op, p in calls if op == "describe_services"] == [
        services[:10], services[10:]]
    assert [(p["tasks"], p["cluster"]) for op, p in calls if op == "describe_tasks"] == [
        (tasks[:100], CLUSTER_NAME), (tasks[100:], CLUSTER_NAME)] * 2
    assert [p["desiredStatus"] for op, p in calls if op == "list_tasks"] == ["RUNNING", "STOPPED"]


class _VanishingCluster(FakeClient):
    """The cluster is listed, then gone when described (a concurrent apply deleted it)."""

    def __init__(self, code: str) -> None:
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}"
        super().__init__({"list_clusters": [arn]})
        self.code = code
        self.listed = 0

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        if operation == "describe_clusters":
            raise error(self.code)
        if operation == "list_clusters":
            self.listed += 1
            if self.listed > 1:
                self.answers["list_clusters"] = []
        return super().answer(operation, params)


def test_rule_ecs_cluster_vanishing_during_discovery_is_gone() -> None:
    """Rule "gone means not found": a cluster deleted between listing and describing is looked
    for again (and is then gone); any other error is raised."""
    ctx = fake_ctx(ACCOUNT, REGION)
    client = _VanishingCluster("ClusterNotFoundException")
    ctx.account.clients["ecs"] = client  # type: ignore[attr-defined]
    found = ecs.discover(ctx)
    assert (found.resources, found.cluster_active, client.listed) == ([], False, 2)
    ctx.account.clients["ecs"] = _VanishingCluster("AccessDeniedException")  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="AccessDeniedException"):
        ecs.discover(ctx)


def test_rule_ecs_task_without_attachments_has_no_eni() -> None:
    """Rule "task ENIs": a task ECS lists without attachments (EC2 launch type), or with an
    ENI attachment not yet detailed, holds no ENI of the scanner."""
    assert ecs._task_enis({"taskArn": "t"}) == set()
    assert ecs._task_enis({"attachments": [{"type": "ElasticNetworkInterface"}]}) == set()


def test_rule_ecs_deletions_are_audited_by_resource(tmp_path: Path) -> None:
    """Rule "audit log": each ECS deletion is recorded under the resource it deletes, and the
    cluster's retries say which cluster waits."""
    client = _BusyCluster(["ClusterContainsTasksException"])
    client.answers["describe_container_instances"] = {"containerInstances": [
        {"status": "ACTIVE"}]}
    ctx = _ctx(tmp_path, client)
    said: list[str] = []
    ctx.say = said.append
    ecs.EcsContainerInstance().delete(ctx, _res("ecs-container-instance", "ci/1"))
    ecs.EcsCluster().delete(ctx, _res("ecs-cluster", CLUSTER_NAME))
    records = [json.loads(line) for line in
               (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["operation"], r["resource"]) for r in records] == [
        ("ecs:DeregisterContainerInstance", "ci/1"), ("ecs:DeleteCluster", CLUSTER_NAME),
        ("ecs:DeleteCluster", CLUSTER_NAME)]
    assert said == [f"delete ECS cluster {CLUSTER_NAME}: ClusterContainsTasksException, retry 1 "
                    "in 0s"]


def _audited(tmp_path: Path) -> list[tuple[str, str]]:
    return [(r["operation"], r["resource"]) for r in (
        json.loads(line) for line in
        (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines())]


def test_rule_ecs_service_and_task_deletions_are_audited_by_resource(tmp_path: Path) -> None:
    """Rule "audit log": scaling, deleting and stopping are recorded under the service or task;
    a service's liveness is asked for that service in the Trivy cluster."""
    client = FakeClient({
        "describe_services": {"services": [{"status": "ACTIVE", "desiredCount": 1}]},
        "describe_tasks": {"tasks": [{"lastStatus": "RUNNING"}]}})
    ctx = _ctx(tmp_path, client)
    assert ecs.EcsService().exists(ctx, _res("ecs-service", "svc")) is True
    assert client.calls == [("describe_services", {"cluster": CLUSTER_NAME,
                                                   "services": ["svc"]})]
    ecs.EcsService().delete(ctx, _res("ecs-service", "svc"))
    ecs.EcsTask().delete(ctx, _res("ecs-task", "task/1"))
    assert _audited(tmp_path) == [("ecs:UpdateService", "svc"), ("ecs:DeleteService", "svc"),
                                  ("ecs:StopTask", "task/1")]


def test_rule_ecs_service_gone_during_deletion_is_already_gone(tmp_path: Path) -> None:
    """Rule "gone means not found": a service deleted by someone else between the check and the
    call is already gone."""
    client = FakeClient({"describe_services": {"services": [{"status": "ACTIVE"}]},
                         "delete_service": error("ServiceNotFoundException")})
    assert ecs.EcsService().delete(_ctx(tmp_path, client),
                                   _res("ecs-service", "svc")) is Status.ALREADY_GONE


def test_rule_ecs_discovery_asks_about_the_trivy_cluster_only() -> None:
    """Rule "Trivy cluster": every call after the listing names the Trivy cluster; an INACTIVE
    service is passed over without hiding the ones after it; a cluster listed by bare name (not
    an ARN) is found too."""
    ctx = fake_ctx(ACCOUNT, REGION, ecs={
        "list_clusters": [CLUSTER_NAME],
        "describe_clusters": {"clusters": [{"clusterArn": "arn", "status": "ACTIVE"}]},
        "list_services": ["svc/gone", "svc/live"],
        "describe_services": {"services": [{"serviceArn": "svc/gone", "status": "INACTIVE"},
                                           {"serviceArn": "svc/live", "status": "ACTIVE"}]},
        "list_tasks": [], "list_container_instances": []})
    found = ecs.discover(ctx)
    assert [(r.kind, r.id) for r in found.resources] == [("ecs-service", "svc/live"),
                                                          ("ecs-cluster", CLUSTER_NAME)]
    calls = ctx.account.clients["ecs"].calls  # type: ignore[attr-defined]
    assert [(op, p) for op, p in calls if op in ("describe_clusters", "list_services",
                                                 "describe_services")] == [
        ("describe_clusters", {"clusters": [CLUSTER_NAME]}),
        ("list_services", {"cluster": CLUSTER_NAME}),
        ("describe_services", {"cluster": CLUSTER_NAME, "services": ["svc/gone", "svc/live"]})]


def test_rule_ecs_tasks_and_instances_of_the_trivy_cluster_say_so() -> None:
    """Rule "Trivy cluster": tasks and container instances are listed in the Trivy cluster and
    each says it is in it; the cluster's name is the last segment of its ARN."""
    arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/path/{CLUSTER_NAME}"
    ctx = fake_ctx(ACCOUNT, REGION, ecs={
        "list_clusters": [arn],
        "describe_clusters": {"clusters": [{"clusterArn": arn, "status": "ACTIVE"}]},
        "list_services": [], "list_tasks": ["task/1"],
        "describe_tasks": {"tasks": [{"taskArn": "task/1", "lastStatus": "RUNNING"}]},
        "list_container_instances": ["ci/1"]})
    found = ecs.discover(ctx)
    reason = f"in the Trivy cluster {CLUSTER_NAME}"
    assert [(r.kind, r.id, r.reason) for r in found.resources[:2]] == [
        ("ecs-task", "task/1", reason), ("ecs-container-instance", "ci/1", reason)]
    calls = ctx.account.clients["ecs"].calls  # type: ignore[attr-defined]
    assert [(op, p) for op, p in calls if op in ("list_tasks", "list_container_instances")] == [
        ("list_tasks", {"cluster": CLUSTER_NAME, "desiredStatus": "RUNNING"}),
        ("list_tasks", {"cluster": CLUSTER_NAME, "desiredStatus": "STOPPED"}),
        ("list_container_instances", {"cluster": CLUSTER_NAME})]
