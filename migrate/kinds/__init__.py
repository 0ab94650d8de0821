"""One small unit per AWS resource kind, and the deletion order between them
(docs/reference.md §5)."""

from __future__ import annotations

from migrate.kinds.base import Kind
from migrate.kinds.ecs import EcsCluster, EcsContainerInstance, EcsService, EcsTask
from migrate.kinds.iam import IamPolicy, IamRole
from migrate.kinds.s3 import S3Bucket
from migrate.kinds.vpc import (
    SECURITY_GROUP,
    SUBNET,
    VPC,
    InternetGateway,
    NetworkInterface,
    RouteTable,
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        S3Bucket(), EcsService(), EcsTask(), EcsContainerInstance(), EcsCluster(),
        NetworkInterface(), InternetGateway(), RouteTable(), SECURITY_GROUP, SUBNET, VPC,
        IamRole(), IamPolicy(),
    )
}
# IAM is not regional: these kinds live in an account's `global` unit, deleted after every
# region's ECS and VPC chain (a running Trivy task could still use the task role).
GLOBAL_KINDS = {"iam-role", "iam-policy"}
# Kinds that are only ever reported (never deleted): look-alikes whose names were never
# documented (docs/reference.md §4).
LOOKALIKE_KINDS = {"ecs-task-definition", "log-group", "cloudformation-stack",
                   "cloudformation-stackset"}
# Kinds whose instances come and go on their own (a service restarts tasks; a task gets an ENI):
# one that appears after a plan was approved is deleted with its approved parent.
EPHEMERAL = {"ecs-task", "network-interface"}
# The kind of a resource's `parent`: a child is deleted only inside its approved parent.
PARENT_KIND = {
    "ecs-service": "ecs-cluster", "ecs-task": "ecs-cluster", "ecs-container-instance":
    "ecs-cluster", "network-interface": "vpc", "internet-gateway": "vpc", "route-table": "vpc",
    "security-group": "vpc", "subnet": "vpc",
}


def rank(kind: str) -> int:
    """Deletion order; look-alike kinds (never deleted) sort last."""
    found = KINDS.get(kind)
    return found.rank if found is not None else 1000
