"""The retired Trivy scanner's IAM roles and customer-managed policies (docs/reference.md §4).

A role is the scanner's only when its name is one Microsoft gave it AND its trust policy trusts
exactly what the scanner's did (the Defender OIDC provider with the containers audience, or ECS
tasks). Anything else with a similar name is a look-alike. IAM is global: these resources live
in the account's `global` unit and are deleted after every region's ECS and VPC chain. A
scanner role that an ACTIVE task definition of a scanned region still names (another team may
run a service with it) stays, with the policies it holds: checked while planning and again by
apply, just before deleting.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from migrate.aws import Arn
from migrate.context import CannotDelete, Ctx
from migrate.fingerprint import (
    ECS_TASKS_PRINCIPAL,
    TRIVY_POLICIES,
    TRIVY_ROLES,
    TRIVY_VA_ROLE_TRUST,
)
from migrate.kinds.base import answer_or, gone_on
from migrate.model import GLOBAL_REGION, Action, Resource, Status
from migrate.trust import trust_policy, trusts_defender_oidc, trusts_service

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_iam.type_defs import AttachedPolicyTypeDef, RoleTypeDef

NO_ENTITY = {"NoSuchEntity"}
ROLE_ADVICE = ("if it is the retired scanner's, detach its policies and delete it yourself; "
               "the MDVM connector uses other roles")


def _role_reason(ctx: Ctx, role: RoleTypeDef) -> str | None:
    """None when the role's trust is the scanner's; otherwise why not."""
    doc = trust_policy(role)
    if TRIVY_ROLES[role["RoleName"]] == TRIVY_VA_ROLE_TRUST:
        return trusts_defender_oidc(doc, Arn.parse(role["Arn"]).partition, ctx.account.id)
    return trusts_service(doc, ECS_TASKS_PRINCIPAL)


def _last_used(role: RoleTypeDef) -> str | None:
    when = role.get("RoleLastUsed", {}).get("LastUsedDate")
    return when.date().isoformat() if when is not None else None


def get_role(ctx: Ctx, name: str) -> RoleTypeDef | None:
    return answer_or(None, NO_ENTITY, lambda: ctx.iam().get_role(RoleName=name)["Role"])


def list_roles(ctx: Ctx) -> list[RoleTypeDef]:
    """Every role of the account, 1000 a page (the most ListRoles gives; its default is 100).

    AWS's ListRoles leaves out RoleLastUsed, Tags and PermissionsBoundary (moto too): whatever
    needs those asks GetRole for the one role.
    """
    pages = ctx.iam().get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1000})
    return [role for page in pages for role in page.get("Roles", [])]


def discover(ctx: Ctx, regions: Sequence[str],
             existing: Collection[str] | None = None) -> list[Resource]:
    """The scanner's roles (delete) or same-named look-alikes (keep), then its policies.

    `existing`: the account's role names when a listing already says which exist (plan); an
    account without any of the scanner's roles then costs no GetRole. None: ask GetRole for
    each name (apply, where one account's listing may be thousands of roles).
    """
    iam = ctx.iam()
    out: list[Resource] = []
    deleted_roles: set[str] = set()
    partition = str(ctx.account.factory.base().get_partition_for_region(ctx.region))
    for name in TRIVY_ROLES:
        if existing is not None and name not in existing:
            continue
        role = get_role(ctx, name)  # RoleLastUsed: only GetRole has it
        if role is None:
            continue
        partition = Arn.parse(role["Arn"]).partition
        used = _last_used(role)
        attached = [p["PolicyArn"] for p in _attached_policies(iam, name)]
        details: dict[str, Any] = {"arn": role["Arn"], "last_used": used,
                                   "attached_policies": attached}
        res = Resource(ctx.account.id, GLOBAL_REGION, "iam-role", name, Action.KEEP, "",
                       details=details)
        why_not = _role_reason(ctx, role)
        if why_not is not None:
            res.reason = (f"named like the retired scanner's role but {why_not}: not deleted; "
                          f"{ROLE_ADVICE}")
        else:
            res.action = Action.DELETE
            res.reason = ("role of the retired Trivy scanner (Microsoft: safe to remove); "
                          f"last used {used or 'never'}")
            deleted_roles.add(name)
        out.append(res)
    users = task_definition_users(ctx, regions, deleted_roles) if deleted_roles else {}
    for res in out:
        user = users.get(res.id)
        if res.action is Action.DELETE and user is not None:
            res.action = Action.KEEP
            res.reason = (f"role of the retired Trivy scanner, but ACTIVE {user}: not deleted; "
                          "deregister that task definition (or change its role) first, then "
                          "plan again")
            deleted_roles.discard(res.id)
    attached_arns = {arn for res in out for arn in res.details["attached_policies"]}
    out += _policies(ctx, partition, deleted_roles, attached_arns)
    return out


def task_definition_users(ctx: Ctx, regions: Sequence[str],
                          roles: Collection[str]) -> dict[str, str]:
    """Which of `roles` an ACTIVE task definition of `regions` names as its task or execution
    role (any family: another team's service may run with the scanner's role); role name ->
    the first such task definition, said in words.

    ECS cannot filter task definitions by role: every ACTIVE revision is described, which is why
    this runs only for an account that has a role to delete.
    """
    found: dict[str, str] = {}
    for region in regions:
        ecs = ctx.ecs(region)
        pages = ecs.get_paginator("list_task_definitions").paginate(status="ACTIVE")
        for arn in (arn for page in pages for arn in page.get("taskDefinitionArns", [])):
            definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
            named = (("task", definition.get("taskRoleArn")),
                     ("execution", definition.get("executionRoleArn")))
            for what, role in named:
                # The short name or the ARN (with any path) of the role, as registered.
                name = Arn.name_of(role or "")
                if name in roles and name not in found:
                    found[name] = (f"task definition {Arn.name_of(arn)} in {region} "
                                   f"names it as its {what} role")
            if len(found) == len(roles):
                return found
    return found


def _policies(ctx: Ctx, partition: str, deleted_roles: set[str],
              attached_arns: set[str]) -> list[Resource]:
    """The two policies by exact name: at the root path, or wherever the roles have them."""
    iam = ctx.iam()
    out: list[Resource] = []
    candidates = {f"arn:{partition}:iam::{ctx.account.id}:policy/{name}" for name in TRIVY_POLICIES}
    candidates |= {arn for arn in attached_arns if Arn.parse(arn).name in TRIVY_POLICIES
                   and Arn.parse(arn).account == ctx.account.id}
    for arn in sorted(candidates):
        name = Arn.parse(arn).name
        policy = answer_or(None, NO_ENTITY, partial(iam.get_policy, PolicyArn=arn))
        if policy is None:
            continue
        users = _attachments(iam, arn)
        others = [u for u in users if not (u.startswith("role ") and u[5:] in deleted_roles)]
        res = Resource(ctx.account.id, GLOBAL_REGION, "iam-policy", name, Action.KEEP, "",
                       details={"arn": arn, "attached_to": users})
        if others:
            res.reason = (f"customer-managed policy of the retired scanner, but also attached to "
                          f"{', '.join(others[:3])}: not deleted; detach it there first")
        else:
            res.action = Action.DELETE
            res.reason = ("customer-managed policy of the retired Trivy scanner, attached to "
                          "nothing that stays")
        out.append(res)
    return out


def _attachments(iam: IAMClient, arn: str) -> list[str]:
    found: list[str] = []
    for page in iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn):
        found += [f"role {r['RoleName']}" for r in page.get("PolicyRoles", [])]
        found += [f"user {u['UserName']}" for u in page.get("PolicyUsers", [])]
        found += [f"group {g['GroupName']}" for g in page.get("PolicyGroups", [])]
    return found


def _attached_policies(iam: IAMClient, role: str) -> list[AttachedPolicyTypeDef]:
    pages = iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
    return [policy for page in pages for policy in page.get("AttachedPolicies", [])]


class IamRole:
    name: ClassVar[str] = "iam-role"
    rank: ClassVar[int] = 30

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        iam = ctx.iam()
        if get_role(ctx, res.id) is None:
            return Status.ALREADY_GONE
        for policy in _attached_policies(iam, res.id):
            answer_or(None, NO_ENTITY, partial(
                ctx.audited, iam.detach_role_policy, res.id, RoleName=res.id,
                PolicyArn=policy["PolicyArn"]))
        pages = iam.get_paginator("list_role_policies").paginate(RoleName=res.id)
        for inline in [name for page in pages for name in page.get("PolicyNames", [])]:
            answer_or(None, NO_ENTITY, partial(
                ctx.audited, iam.delete_role_policy, res.id, RoleName=res.id,
                PolicyName=inline))
        listed = iam.get_paginator("list_instance_profiles_for_role").paginate(RoleName=res.id)
        for profile in [profile for page in listed for profile in page.get("InstanceProfiles", [])]:
            answer_or(None, NO_ENTITY, partial(
                ctx.audited, iam.remove_role_from_instance_profile, res.id,
                InstanceProfileName=profile["InstanceProfileName"], RoleName=res.id))
        return gone_on(NO_ENTITY, lambda: ctx.retrying(
            {"DeleteConflict"}, f"delete role {res.id}",
            lambda: ctx.audited(iam.delete_role, res.id, RoleName=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return get_role(ctx, res.id) is not None


class IamPolicy:
    name: ClassVar[str] = "iam-policy"
    rank: ClassVar[int] = 31

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        iam = ctx.iam()
        arn = str(res.details.get("arn"))
        if not self.exists(ctx, res):
            return Status.ALREADY_GONE
        users = _attachments(iam, arn)
        if users:
            raise CannotDelete(f"{res.id} is still attached to {', '.join(users[:3])}; detach "
                               "it there (or let apply delete the scanner's roles) first")
        pages = iam.get_paginator("list_policy_versions").paginate(PolicyArn=arn)
        for version in [version for page in pages for version in page.get("Versions", [])]:
            if not version.get("IsDefaultVersion"):
                answer_or(None, NO_ENTITY, partial(
                    ctx.audited, iam.delete_policy_version, res.id, PolicyArn=arn,
                    VersionId=version["VersionId"]))
        return gone_on(NO_ENTITY, partial(ctx.audited, iam.delete_policy, res.id,
                                          PolicyArn=arn))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        arn = str(res.details.get("arn"))
        return answer_or(False, NO_ENTITY, lambda: (
            ctx.iam().get_policy(PolicyArn=arn), True)[1])
