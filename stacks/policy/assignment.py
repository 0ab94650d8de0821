"""One DeployIfNotExists policy assignment with the roles its identity needs and its remediation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import authorization, policyinsights
from pulumi_azure_native.provider import Provider

from stacks.policy.definitions import BuiltinDefinition
from stacks.policy.names import stable_guid

MANAGEMENT_GROUP_PREFIX = "/providers/Microsoft.Management/managementGroups/"


@dataclass(frozen=True)
class DeployIfNotExistsAssignmentArgs:
    scope: str
    """`/providers/Microsoft.Management/managementGroups/<id>` or `/subscriptions/<id>`."""
    definition: BuiltinDefinition
    assignment_name: str
    location: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    enforcement_mode: str = "Default"
    display_name: str = ""
    non_compliance_message: str = ""
    resource_selectors: Sequence[authorization.ResourceSelectorArgs] = ()
    extra_role_scopes: Sequence[str] = ()
    """Scopes outside `scope` where the identity needs the same roles (a custom workspace)."""
    remediate: bool = True
    subscription_provider: Provider | None = None
    """Provider bound to the scope's subscription: subscription remediations take it from there."""
    depends_on: Sequence[pulumi.Resource] = ()
    """Resources the assignment refers to by ID (a workspace the stack creates)."""


class DeployIfNotExistsAssignment(pulumi.ComponentResource):
    """A built-in DINE assignment, least-privilege roles for its identity, and a remediation task.

    The remediation is created only after every role assignment exists: without the roles, the
    remediation's deployments fail with authorization errors.
    """

    assignment_id: pulumi.Output[str]
    principal_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: DeployIfNotExistsAssignmentArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("defender:policy:DeployIfNotExistsAssignment", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        definition = args.definition
        assignment = authorization.PolicyAssignment(
            name,
            policy_assignment_name=args.assignment_name,
            scope=args.scope,
            policy_definition_id=definition.id,
            display_name=args.display_name or definition.display_name,
            description=f"Assigned by the defender-containers stack: {definition.display_name}.",
            identity=authorization.IdentityArgs(
                type=authorization.ResourceIdentityType.SYSTEM_ASSIGNED
            ),
            location=args.location,
            enforcement_mode=args.enforcement_mode,
            parameters={
                key: authorization.ParameterValuesValueArgs(value=value)
                for key, value in args.parameters.items()
            },
            non_compliance_messages=[
                authorization.NonComplianceMessageArgs(
                    message=args.non_compliance_message or definition.display_name
                )
            ],
            resource_selectors=list(args.resource_selectors) or None,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
        )
        self.assignment_id = assignment.id
        self.principal_id = assignment.identity.apply(_principal_id)

        roles: list[pulumi.Resource] = []
        for role_scope in (args.scope, *args.extra_role_scopes):
            for role in definition.role_definition_ids:
                role_guid = role.rsplit("/", 1)[-1]
                where = (
                    "scope" if role_scope == args.scope else f"ext-{stable_guid(role_scope)[:8]}"
                )
                roles.append(authorization.RoleAssignment(
                    f"{name}-{where}-{role_guid[:8]}",
                    role_assignment_name=stable_guid(
                        args.scope, args.assignment_name, role, role_scope
                    ),
                    scope=role_scope,
                    role_definition_id=role,
                    principal_id=self.principal_id,
                    principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
                    description=f"Policy assignment {args.assignment_name} at {args.scope}",
                    opts=child if role_scope == args.scope else pulumi.ResourceOptions(
                        parent=self, depends_on=list(args.depends_on)),
                ))

        if args.remediate:
            remediation_name = f"{args.assignment_name}-remediation"
            after_roles = pulumi.ResourceOptions(parent=self, depends_on=roles)
            if args.scope.startswith(MANAGEMENT_GROUP_PREFIX):
                policyinsights.RemediationAtManagementGroup(
                    f"{name}-remediation",
                    management_groups_namespace="Microsoft.Management",
                    management_group_id=args.scope[len(MANAGEMENT_GROUP_PREFIX):],
                    remediation_name=remediation_name,
                    policy_assignment_id=assignment.id,
                    # the only mode Azure supports at management-group scope
                    resource_discovery_mode="ExistingNonCompliant",
                    opts=after_roles,
                )
            else:
                policyinsights.RemediationAtSubscription(
                    f"{name}-remediation",
                    remediation_name=remediation_name,
                    policy_assignment_id=assignment.id,
                    # a new assignment has no compliance results yet: re-evaluate first
                    resource_discovery_mode="ReEvaluateCompliance",
                    opts=pulumi.ResourceOptions.merge(
                        after_roles, pulumi.ResourceOptions(provider=args.subscription_provider)
                    ),
                )

        self.register_outputs(
            {"assignment_id": self.assignment_id, "principal_id": self.principal_id}
        )


def _principal_id(identity: Any) -> str:
    principal = getattr(identity, "principal_id", None) if identity is not None else None
    if not principal:
        raise ValueError("the policy assignment came back without a system-assigned identity")
    return str(principal)
