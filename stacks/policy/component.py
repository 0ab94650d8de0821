"""`ContainersPolicy`: Defender for Containers turned on at management groups and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization
from pulumi_azure_native.provider import Provider

from stacks.config.azure import WORKSPACE_ID, AzurePolicyConfig
from stacks.policy import definitions
from stacks.policy.assignment import (
    MANAGEMENT_GROUP_PREFIX,
    DeployIfNotExistsAssignment,
    DeployIfNotExistsAssignmentArgs,
)
from stacks.policy.default_workspace import UnknownRegionError, region_code
from stacks.policy.definitions import BuiltinDefinition
from stacks.policy.exemptions import TagPolicyExemptions, TagPolicyExemptionsArgs
from stacks.policy.names import assignment_name, scope_label, stable_guid
from stacks.policy.trusted_access import LockedClusterAccess, LockedClusterAccessArgs
from stacks.policy.workspaces import SensorWorkspaces, SensorWorkspacesArgs

# The typed args are the validated config itself: another program builds an AzurePolicyConfig.
ContainersPolicyArgs = AzurePolicyConfig


@dataclass(frozen=True)
class _Planned:
    """One assignment to make at every scope."""

    definition: BuiltinDefinition
    name: str
    parameters: dict[str, Any]
    workspace_id: str = ""
    workspace_region: str = ""
    """Set when the workspace is one of `sensorWorkspace`'s (the stack may create it)."""
    regions_in: tuple[str, ...] = ()
    regions_not_in: tuple[str, ...] = ()

    @property
    def resource_selectors(self) -> list[authorization.ResourceSelectorArgs]:
        if self.regions_in:
            selector = authorization.SelectorArgs(
                kind="resourceLocation", in_=list(self.regions_in))
        elif self.regions_not_in:
            selector = authorization.SelectorArgs(
                kind="resourceLocation", not_in=list(self.regions_not_in))
        else:
            return []
        return [authorization.ResourceSelectorArgs(name="regions", selectors=[selector])]


def region_suffix(region: str) -> str:
    """Defender's own short code where there is one; otherwise a stable 8-character hash."""
    try:
        return region_code(region).lower()
    except UnknownRegionError:
        return stable_guid(region)[:8]


def _sensor_assignments(config: AzurePolicyConfig, sensor: BuiltinDefinition) -> list[_Planned]:
    parameter = sensor.workspace_parameter or "logAnalyticsWorkspaceResourceId"
    settings = config.sensor_workspace
    if settings is None:
        workspace = config.sensor_workspace_id
        return [_Planned(sensor, assignment_name(sensor.short_name), {parameter: workspace},
                         workspace)]
    # Defender's default workspace is per region; so are these, each narrowed to its region.
    planned = [
        _Planned(sensor, assignment_name(sensor.short_name, region_suffix(region)),
                 {parameter: settings.workspace_id(region)}, settings.workspace_id(region),
                 workspace_region=region, regions_in=(region,))
        for region in settings.regions
    ]
    if settings.other_regions == "defaultWorkspace":
        planned.append(_Planned(sensor, assignment_name(sensor.short_name, "other"),
                                {parameter: ""}, regions_not_in=settings.regions))
    return planned


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
            planned.extend(_sensor_assignments(config, sensor))
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

    Outputs, keyed by scope ID then assignment name: `assignment_ids` and `principal_ids`;
    `sensor_workspace_ids` (region -> workspace ID), `exemption_ids` (resource group ID ->
    exemption ID) and `trusted_access_binding_ids` (cluster ID -> binding IDs), empty if unused.
    """

    assignment_ids: pulumi.Output[dict[str, dict[str, str]]]
    principal_ids: pulumi.Output[dict[str, dict[str, str]]]
    sensor_workspace_ids: pulumi.Output[dict[str, str]]
    exemption_ids: pulumi.Output[dict[str, str]]
    trusted_access_binding_ids: pulumi.Output[dict[str, list[str]]]

    def __init__(
        self, name: str, args: ContainersPolicyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("defender:policy:ContainersPolicy", name, None, opts)
        self._providers: dict[str, Provider] = {}
        verb = "must" if args.enforcement_mode == "Default" else "should"
        ids: dict[str, dict[str, pulumi.Output[str]]] = {}
        principals: dict[str, dict[str, pulumi.Output[str]]] = {}

        def provider_for(subscription_id: str) -> Provider:
            return self.subscription_provider(name, subscription_id)

        workspaces = None
        if args.sensor_workspace is not None:
            workspaces = SensorWorkspaces(
                f"{name}-workspaces", SensorWorkspacesArgs(args.sensor_workspace, provider_for),
                pulumi.ResourceOptions(parent=self),
            )
        for scope in scopes(args):
            provider = None
            if args.remediate and scope.startswith("/subscriptions/"):
                provider = provider_for(scope.rsplit("/", 1)[-1])
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
                        resource_selectors=item.resource_selectors,
                        depends_on=(
                            [workspaces.workspaces[item.workspace_region]]
                            if workspaces is not None
                            and item.workspace_region in workspaces.workspaces else []
                        ),
                    ),
                    pulumi.ResourceOptions(parent=self),
                )
                ids.setdefault(scope, {})[item.name] = component.assignment_id
                principals.setdefault(scope, {})[item.name] = component.principal_id

        access = None
        if args.locked_clusters:
            access = LockedClusterAccess(
                f"{name}-locked-clusters",
                LockedClusterAccessArgs(args.locked_clusters, args.trusted_access, provider_for),
                pulumi.ResourceOptions(parent=self),
            )
        exemptions = None
        if args.tag_policy_exemptions is not None:
            exemptions = TagPolicyExemptions(
                f"{name}-tag-exemptions", TagPolicyExemptionsArgs(args.tag_policy_exemptions),
                pulumi.ResourceOptions(parent=self),
            )

        self.assignment_ids = _nested(ids)
        self.principal_ids = _nested(principals)
        self.sensor_workspace_ids = pulumi.Output.from_input(
            workspaces.workspace_ids if workspaces else {})  # type: ignore[arg-type]
        self.exemption_ids = pulumi.Output.from_input(
            exemptions.exemption_ids if exemptions else {})  # type: ignore[arg-type]
        self.trusted_access_binding_ids = pulumi.Output.from_input(
            access.binding_ids if access else {})  # type: ignore[arg-type]
        self.register_outputs({
            "assignment_ids": self.assignment_ids, "principal_ids": self.principal_ids,
            "sensor_workspace_ids": self.sensor_workspace_ids,
            "exemption_ids": self.exemption_ids,
            "trusted_access_binding_ids": self.trusted_access_binding_ids,
        })

    def subscription_provider(self, name: str, subscription_id: str) -> Provider:
        """An azure-native provider bound to one subscription, for subscription-level resources.

        Explicit providers do not read `azure-native:*` stack config: they authenticate from the
        environment (ARM_* variables, `az login`, OIDC in CI).
        """
        if subscription_id not in self._providers:
            self._providers[subscription_id] = Provider(
                f"{name}-sub-{subscription_id}",
                subscription_id=subscription_id,
                opts=pulumi.ResourceOptions(parent=self),
            )
        return self._providers[subscription_id]


def _nested(
    values: dict[str, dict[str, pulumi.Output[str]]],
) -> pulumi.Output[dict[str, dict[str, str]]]:
    return pulumi.Output.from_input(values)  # type: ignore[arg-type]
