"""`ContainersPolicy`: Defender for Containers turned on at management groups and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native as azure_native

from stacks.config.azure import WORKSPACE_ID, AzurePolicyConfig
from stacks.policy import definitions
from stacks.policy.assignment import (
    MANAGEMENT_GROUP_PREFIX,
    DeployIfNotExistsAssignment,
    DeployIfNotExistsAssignmentArgs,
)
from stacks.policy.definitions import BuiltinDefinition
from stacks.policy.names import assignment_name, scope_label

# The typed args are the validated config itself: another program builds an AzurePolicyConfig.
ContainersPolicyArgs = AzurePolicyConfig


@dataclass(frozen=True)
class _Planned:
    """One assignment to make at every scope."""

    definition: BuiltinDefinition
    name: str
    parameters: dict[str, Any]
    workspace_id: str = ""


def planned_assignments(config: AzurePolicyConfig) -> list[_Planned]:
    """What the config asks for, independent of scope (pure, so tests can read it)."""
    plan = config.plan
    plan_parameters = {
        name: (true if getattr(plan, attr) else false)
        for name, (attr, true, false) in definitions.PLAN_PARAMETERS.items()
    }
    planned = [_Planned(definitions.CONTAINERS_PLAN, assignment_name(
        definitions.CONTAINERS_PLAN.short_name), plan_parameters)]
    # Without the sensor extension there is nothing for the sensor policies to install.
    if plan.sensor:
        sensors = [definitions.AKS_SENSOR]
        if config.arc_clusters:
            sensors.append(definitions.ARC_SENSOR)
        for sensor in sensors:
            workspace = config.sensor_workspace_id
            planned.append(_Planned(
                sensor, assignment_name(sensor.short_name),
                {"logAnalyticsWorkspaceResourceId": workspace}, workspace,
            ))
    if config.policy_addon:
        planned.append(_Planned(definitions.AKS_POLICY_ADDON, assignment_name(
            definitions.AKS_POLICY_ADDON.short_name), {}))
        if config.arc_clusters:
            planned.append(_Planned(definitions.ARC_POLICY_EXTENSION, assignment_name(
                definitions.ARC_POLICY_EXTENSION.short_name), {}))
    return planned


def scopes(config: AzurePolicyConfig) -> list[str]:
    return [f"{MANAGEMENT_GROUP_PREFIX}{mg}" for mg in config.management_groups] + [
        f"/subscriptions/{sub}" for sub in config.subscriptions
    ]


def workspace_inside(scope: str, workspace_id: str) -> bool:
    """Whether roles granted at `scope` already reach the workspace.

    Only provable for a subscription scope; a management group's subscriptions are not known to
    the stack, so the workspace always gets its own role assignments there (harmless if redundant).
    """
    match = WORKSPACE_ID.match(workspace_id)
    if match is None:
        return False
    return scope.lower() == f"/subscriptions/{match['subscription']}".lower()


class ContainersPolicy(pulumi.ComponentResource):
    """Assign the Defender for Containers built-ins at each scope of an `AzurePolicyConfig`.

    Outputs, keyed by scope ID then assignment name: `assignment_ids` and `principal_ids`.
    """

    assignment_ids: pulumi.Output[dict[str, dict[str, str]]]
    principal_ids: pulumi.Output[dict[str, dict[str, str]]]

    def __init__(
        self, name: str, args: ContainersPolicyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("defender:policy:ContainersPolicy", name, None, opts)
        self._providers: dict[str, azure_native.Provider] = {}
        verb = "must" if args.enforcement_mode == "Default" else "should"
        ids: dict[str, dict[str, pulumi.Output[str]]] = {}
        principals: dict[str, dict[str, pulumi.Output[str]]] = {}
        for scope in scopes(args):
            provider = None
            if args.remediate and scope.startswith("/subscriptions/"):
                provider = self.subscription_provider(name, scope.rsplit("/", 1)[-1])
            for item in planned_assignments(args):
                extra = (
                    (item.workspace_id,)
                    if item.workspace_id and not workspace_inside(scope, item.workspace_id) else ()
                )
                component = DeployIfNotExistsAssignment(
                    f"{name}-{scope_label(scope)}-{item.name}",
                    DeployIfNotExistsAssignmentArgs(
                        scope=scope,
                        definition=item.definition,
                        assignment_name=item.name,
                        location=args.location,
                        parameters=item.parameters,
                        enforcement_mode=args.enforcement_mode,
                        display_name=f"Defender for Containers: {item.definition.display_name}",
                        non_compliance_message=(
                            f"Microsoft Defender for Containers {verb} be configured: "
                            f"{item.definition.display_name} (defender-containers stack)."
                        ),
                        extra_role_scopes=extra,
                        remediate=args.remediate,
                        subscription_provider=provider,
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
                ids.setdefault(scope, {})[item.name] = component.assignment_id
                principals.setdefault(scope, {})[item.name] = component.principal_id

        self.assignment_ids = _nested(ids)
        self.principal_ids = _nested(principals)
        self.register_outputs(
            {"assignment_ids": self.assignment_ids, "principal_ids": self.principal_ids}
        )

    def subscription_provider(self, name: str, subscription_id: str) -> azure_native.Provider:
        """An azure-native provider bound to one subscription, for subscription-level resources.

        Explicit providers do not read `azure-native:*` stack config: they authenticate from the
        environment (ARM_* variables, `az login`, OIDC in CI).
        """
        if subscription_id not in self._providers:
            self._providers[subscription_id] = azure_native.Provider(
                f"{name}-sub-{subscription_id}",
                subscription_id=subscription_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._providers[subscription_id]


def _nested(
    values: dict[str, dict[str, pulumi.Output[str]]],
) -> pulumi.Output[dict[str, dict[str, str]]]:
    return pulumi.Output.from_input(values)  # type: ignore[arg-type]
