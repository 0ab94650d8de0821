"""Things that look related to the Trivy scanner but whose names were never documented.

They are reported as `keep` with advice and never deleted by guess (docs/reference.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from migrate.context import Ctx
from migrate.fingerprint import LOOKALIKE_PATTERN, TRIVY_ROLES
from migrate.kinds.base import paginate
from migrate.model import GLOBAL_REGION, Action, Resource

LIVE_STACK_STATUSES = [
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
    families = paginate(ctx.client("ecs"), "list_task_definition_families", "families",
                        status="ACTIVE")
    # A scanner role one of them names is kept by kinds.iam (task_definition_users).
    out += [_keep(ctx, "ecs-task-definition", family, "if it ran the Trivy scanner, deregister "
                  "its revisions with `aws ecs deregister-task-definition`")
            for family in sorted(f for f in families if LOOKALIKE_PATTERN.search(f))]
    logs = ctx.client("logs")
    # CloudWatch Logs filters by case-sensitive substring (docs/reference.md §9): one small
    # answer per pattern instead of every log group of the account, 50 a page.
    names = {g["logGroupName"] for pattern in LOG_GROUP_PATTERNS
             for g in paginate(logs, "describe_log_groups", "logGroups",
                               logGroupNamePattern=pattern)}
    out += [_keep(ctx, "log-group", name, "if it held the Trivy scanner's logs and "
                  "you no longer need them, `aws logs delete-log-group`")
            for name in sorted(names) if LOOKALIKE_PATTERN.search(name)]
    cfn = ctx.client("cloudformation")
    stacks = paginate(cfn, "list_stacks", "StackSummaries", StackStatusFilter=LIVE_STACK_STATUSES)
    out += [_keep(ctx, "cloudformation-stack", s["StackName"], "if it is the old Trivy "
                  "onboarding stack, delete the stack itself so CloudFormation does not drift")
            for s in stacks if LOOKALIKE_PATTERN.search(s["StackName"])]
    stacksets = paginate(cfn, "list_stack_sets", "Summaries", Status="ACTIVE")
    out += [_keep(ctx, "cloudformation-stackset", s["StackSetName"], "if it deployed the Trivy "
                  "scanner to member accounts, remove its stack instances, then the StackSet")
            for s in stacksets if LOOKALIKE_PATTERN.search(s["StackSetName"])]
    return out


def discover_global(ctx: Ctx, roles: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """`roles`: the account's ListRoles listing (IAM has no name filter)."""
    return [_keep(ctx, "iam-role", r["RoleName"], "if it was the Trivy task's role, detach its "
                  "policies and delete it; the MDVM connector uses other roles",
                  region=GLOBAL_REGION)
            for r in roles if LOOKALIKE_PATTERN.search(r["RoleName"])
            and r["RoleName"] not in TRIVY_ROLES]  # kinds.iam judges those by their trust
