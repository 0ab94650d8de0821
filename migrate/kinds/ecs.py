"""The Trivy scanner's ECS cluster, and what must go before it: services, tasks, instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import ClientError

from migrate.aws import Arn, error_code
from migrate.context import Ctx
from migrate.fingerprint import CLUSTER_NAME, LOOKALIKE_PATTERN
from migrate.kinds.base import answer_or, chunks, gone_on
from migrate.model import Action, Resource, Status

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_ecs.type_defs import ServiceTypeDef, TaskTypeDef

STOP_REASON = "defender-migrate: removing the retired Trivy vulnerability scanner"
GONE = {"ClusterNotFoundException", "ServiceNotFoundException", "ServiceNotActiveException"}


@dataclass
class EcsFindings:
    resources: list[Resource] = field(default_factory=list)
    # ENIs of the Trivy cluster's tasks, running or recently stopped: the only ENIs that may be
    # inside the Trivy VPC without making it "not ours".
    task_enis: set[str] = field(default_factory=set)
    # While the Trivy cluster is active it lists every ENI its tasks hold: an ECS ENI in use
    # that it does not list belongs to another cluster.
    cluster_active: bool = False


def _task_enis(task: TaskTypeDef) -> set[str]:
    return {
        d["value"]
        for att in task.get("attachments", [])
        if att.get("type") == "ElasticNetworkInterface"
        for d in att.get("details", [])
        if d.get("name") == "networkInterfaceId"
    }


def discover(ctx: Ctx) -> EcsFindings:
    try:
        return _discover(ctx)
    except ClientError as exc:
        if error_code(exc) != "ClusterNotFoundException":
            raise
    # The cluster went between two calls (a concurrent apply, or by hand): gone is gone. The
    # scan again no longer finds it (AWS stops listing it; an INACTIVE one is passed over).
    return _discover(ctx)


def _discover(ctx: Ctx) -> EcsFindings:
    ecs = ctx.ecs()
    found = EcsFindings()
    names = [Arn.name_of(arn) for page in ecs.get_paginator("list_clusters").paginate()
             for arn in page.get("clusterArns", [])]
    for name in sorted(n for n in names if n != CLUSTER_NAME and LOOKALIKE_PATTERN.search(n)):
        found.resources.append(_keep(ctx, "ecs-cluster", name,
                                     f"name is not exactly {CLUSTER_NAME}: not the Trivy cluster"))
    if CLUSTER_NAME not in names:
        return found
    clusters = ecs.describe_clusters(clusters=[CLUSTER_NAME])["clusters"]
    active = [c for c in clusters if c.get("status") != "INACTIVE"]
    if not active:
        return found
    cluster_arn = active[0]["clusterArn"]
    found.cluster_active = True
    reason = f"in the Trivy cluster {CLUSTER_NAME}"

    service_arns = [arn for page in ecs.get_paginator("list_services").paginate(
        cluster=CLUSTER_NAME) for arn in page.get("serviceArns", [])]
    for batch in chunks(service_arns, 10):
        for svc in ecs.describe_services(cluster=CLUSTER_NAME, services=batch)["services"]:
            if svc.get("status") == "INACTIVE":
                continue
            found.resources.append(_delete(ctx, "ecs-service", svc["serviceArn"], reason,
                                           CLUSTER_NAME, desiredCount=svc.get("desiredCount", 0)))
    for desired in ("RUNNING", "STOPPED"):
        task_arns = [arn for page in ecs.get_paginator("list_tasks").paginate(
            cluster=CLUSTER_NAME, desiredStatus=desired) for arn in page.get("taskArns", [])]
        for batch in chunks(task_arns, 100):
            for task in ecs.describe_tasks(cluster=CLUSTER_NAME, tasks=batch)["tasks"]:
                found.task_enis |= _task_enis(task)
                if desired == "RUNNING" and task.get("lastStatus") != "STOPPED":
                    found.resources.append(_delete(ctx, "ecs-task", task["taskArn"], reason,
                                                   CLUSTER_NAME))
    for page in ecs.get_paginator("list_container_instances").paginate(cluster=CLUSTER_NAME):
        found.resources += [_delete(ctx, "ecs-container-instance", arn, reason, CLUSTER_NAME)
                            for arn in page.get("containerInstanceArns", [])]
    found.resources.append(_delete(ctx, "ecs-cluster", CLUSTER_NAME,
                                   f"ECS cluster named exactly {CLUSTER_NAME}", None,
                                   arn=cluster_arn))
    return found


def _delete(ctx: Ctx, kind: str, id_: str, reason: str, parent: str | None,
            **details: Any) -> Resource:
    return Resource(ctx.account.id, ctx.region, kind, id_, Action.DELETE, reason, parent,
                    dict(details))


def _keep(ctx: Ctx, kind: str, id_: str, reason: str) -> Resource:
    return Resource(ctx.account.id, ctx.region, kind, id_, Action.KEEP, reason)


class EcsService:
    name: ClassVar[str] = "ecs-service"
    rank: ClassVar[int] = 10

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        ecs = ctx.ecs()
        live: list[ServiceTypeDef] = answer_or([], GONE, lambda: [
            s for s in ecs.describe_services(
                cluster=CLUSTER_NAME, services=[res.id])["services"]
            if s.get("status") != "INACTIVE"])
        if not live:
            return Status.ALREADY_GONE

        def scale_to_zero_then_delete() -> None:
            if live[0].get("desiredCount", 0):
                ctx.audited(ecs.update_service, res.id, cluster=CLUSTER_NAME, service=res.id,
                            desiredCount=0)
            ctx.audited(ecs.delete_service, res.id, cluster=CLUSTER_NAME, service=res.id,
                        force=True)

        return gone_on(GONE, scale_to_zero_then_delete)

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return answer_or(False, GONE, lambda: any(
            s.get("status") != "INACTIVE" for s in ctx.ecs().describe_services(
                cluster=CLUSTER_NAME, services=[res.id])["services"]))


class EcsTask:
    name: ClassVar[str] = "ecs-task"
    rank: ClassVar[int] = 11

    def _running(self, ctx: Ctx, res: Resource) -> bool:
        return answer_or(False, GONE, lambda: any(
            t.get("lastStatus") != "STOPPED" and t.get("desiredStatus") != "STOPPED"
            for t in ctx.ecs().describe_tasks(cluster=CLUSTER_NAME,
                                              tasks=[res.id])["tasks"]))

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        if not self._running(ctx, res):
            return Status.ALREADY_GONE
        ctx.audited(ctx.ecs().stop_task, res.id, cluster=CLUSTER_NAME, task=res.id,
                    reason=STOP_REASON)
        return Status.DELETED

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return self._running(ctx, res)


class EcsContainerInstance:
    name: ClassVar[str] = "ecs-container-instance"
    rank: ClassVar[int] = 12

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        if not self.exists(ctx, res):
            return Status.ALREADY_GONE
        ctx.audited(ctx.ecs().deregister_container_instance, res.id, cluster=CLUSTER_NAME,
                    containerInstance=res.id, force=True)
        return Status.DELETED

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return answer_or(False, GONE, lambda: any(
            ci.get("status") != "INACTIVE" for ci in ctx.ecs().describe_container_instances(
                cluster=CLUSTER_NAME, containerInstances=[res.id])["containerInstances"]))


class EcsCluster:
    name: ClassVar[str] = "ecs-cluster"
    rank: ClassVar[int] = 13

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        if not self.exists(ctx, res):
            return Status.ALREADY_GONE
        return gone_on(GONE, lambda: ctx.retrying(
            ("ClusterContainsServicesException", "ClusterContainsTasksException",
             "ClusterContainsContainerInstancesException", "UpdateInProgressException"),
            f"delete ECS cluster {res.id}",
            lambda: ctx.audited(ctx.ecs().delete_cluster, res.id, cluster=res.id),
        ))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        clusters = ctx.ecs().describe_clusters(clusters=[res.id])["clusters"]
        return any(c.get("status") != "INACTIVE" for c in clusters)
