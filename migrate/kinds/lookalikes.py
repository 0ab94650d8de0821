"""Things that look related to the Trivy scanner but whose names were never documented.

They are reported as `keep` with advice and never deleted by guess (docs/reference.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from migrate.context import Ctx
from migrate.fingerprint import LOOKALIKE_PATTERN, TRIVY_ROLES
from migrate.model import GLOBAL_REGION, Action, Resource

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_cloudformation.literals import StackStatusType
    from mypy_boto3_iam.type_defs import RoleTypeDef

LIVE_STACK_STATUSES: list[StackStatusType] = [
    "CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE", "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED", "ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED",
    "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE",
    "UPDATE_FAILED", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE",
    "REVIEW_IN_PROGRESS", "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE",
    "IMPORT_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_FAILED", "IMPORT_ROLLBACK_COMPLETE",
]


# Substrings sent to CloudWatch Logs; LOOKALIKE_PATTERN then decides. They cover the pattern's
# words in lower and title case ("defender-for-containers", "DefenderForContainers", "trivy",
# "Trivy"); an all-capitals name is not found.
LOG_GROUP_PATTERNS = ("ontainers", "rivy")


def _keep(ctx: Ctx, kind: str, id_: str, advice: str, region: str | None = None) -> Resource:
    return Resource(ctx.account.id, region or ctx.region, kind, id_, Action.KEEP,
                    f"looks related to the Trivy scanner; not deleted by guess: {advice}")


def discover_regional(ctx: Ctx) -> list[Resource]:
    out: list[Resource] = []
    listed = ctx.ecs().get_paginator("list_task_definition_families").paginate(status="ACTIVE")
    families = [family for page in listed for family in page.get("families", [])]
    # A scanner role one of them names is kept by kinds.iam (task_definition_users).
    out += [_keep(ctx, "ecs-task-definition", family, "if it ran the Trivy scanner, deregister "
                  "its revisions with `aws ecs deregister-task-definition`")
            for family in sorted(f for f in families if LOOKALIKE_PATTERN.search(f))]
    groups = ctx.logs().get_paginator("describe_log_groups")
    # CloudWatch Logs filters by case-sensitive substring (docs/reference.md §9): one small
    # answer per pattern instead of every log group of the account, 50 a page.
    names = {g.get("logGroupName", "") for pattern in LOG_GROUP_PATTERNS
             for page in groups.paginate(logGroupNamePattern=pattern)
             for g in page.get("logGroups", [])}
    out += [_keep(ctx, "log-group", name, "if it held the Trivy scanner's logs and "
                  "you no longer need them, `aws logs delete-log-group`")
            for name in sorted(names) if LOOKALIKE_PATTERN.search(name)]
    cfn = ctx.cloudformation()
    stacks = [s for page in cfn.get_paginator("list_stacks").paginate(
        StackStatusFilter=LIVE_STACK_STATUSES) for s in page.get("StackSummaries", [])]
    out += [_keep(ctx, "cloudformation-stack", s["StackName"], "if it is the old Trivy "
                  "onboarding stack, delete the stack itself so CloudFormation does not drift")
            for s in stacks if LOOKALIKE_PATTERN.search(s["StackName"])]
    stacksets = [s for page in cfn.get_paginator("list_stack_sets").paginate(Status="ACTIVE")
                 for s in page.get("Summaries", [])]
    out += [_keep(ctx, "cloudformation-stackset", s.get("StackSetName", ""), "if it deployed "
                  "the Trivy scanner to member accounts, remove its stack instances, then the "
                  "StackSet")
            for s in stacksets if LOOKALIKE_PATTERN.search(s.get("StackSetName", ""))]
    return out


def discover_global(ctx: Ctx, roles: Iterable[RoleTypeDef]) -> list[Resource]:
    """`roles`: the account's ListRoles listing (IAM has no name filter)."""
    return [_keep(ctx, "iam-role", r["RoleName"], "if it was the Trivy task's role, detach its "
                  "policies and delete it; the MDVM connector uses other roles",
                  region=GLOBAL_REGION)
            for r in roles if LOOKALIKE_PATTERN.search(r["RoleName"])
            and r["RoleName"] not in TRIVY_ROLES]  # kinds.iam judges those by their trust
