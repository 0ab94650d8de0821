"""`defender-containers:azure`: where and how Azure Policy turns Defender for Containers on.

Parsed once into frozen pydantic models (`stacks.config.model`); every problem raises
`ConfigError("azure.<path>", ...)` before any resource is registered. The models double as the
typed args of `stacks.policy.ContainersPolicy`, so another Pulumi program can build them directly
(by field name).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Self

import pulumi
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictStr, model_validator

from stacks.config.model import (
    AzureRegion,
    ConfigModel,
    Distinct,
    ResourceGroupName,
    SubscriptionId,
    between,
    not_empty,
    one_of,
    parse,
    pattern,
    problem,
)

_GUID_PART = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RESOURCE_GROUP = r"[-\w._()]{1,90}"
WORKSPACE_ID = re.compile(
    rf"^/subscriptions/(?P<subscription>{_GUID_PART})/resourceGroups/(?P<group>{_RESOURCE_GROUP})"
    r"/providers/Microsoft\.OperationalInsights/workspaces/(?P<name>[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$",
    re.IGNORECASE,
)
AKS_CLUSTER_ID = re.compile(
    rf"^/subscriptions/(?P<subscription>{_GUID_PART})/resourceGroups/(?P<group>{_RESOURCE_GROUP})"
    r"/providers/Microsoft\.ContainerService/managedClusters/(?P<name>[A-Za-z0-9][A-Za-z0-9_-]{0,62})$",
    re.IGNORECASE,
)
POLICY_ASSIGNMENT_ID = re.compile(
    r"^(/[^/]+/[^/]+)*/providers/Microsoft\.Authorization/policyAssignments/[^/]+$", re.IGNORECASE
)
# Log Analytics: workspace names are 4-63 letters, digits and hyphens, alphanumeric at both ends.
_WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$")
ENFORCEMENT_MODES = ("Default", "DoNotEnforce")
OTHER_REGIONS = ("none", "defaultWorkspace")
WORKSPACE_ID_EXAMPLE = (
    "/subscriptions/<subscription-id>/resourceGroups/<group>/providers/"
    "Microsoft.OperationalInsights/workspaces/<name>"
)


def _coded(name: str) -> str:
    # imported here: the policy package's data, not its Pulumi code
    from stacks.policy.default_workspace import UnknownRegionError, region_code

    try:
        region_code(name)
    except UnknownRegionError as exc:
        raise problem(str(exc)) from None
    return name


def _expiry(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise problem(f"must be an ISO 8601 date/time such as 2026-12-31 or "
                      f"2026-12-31T00:00:00Z, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Azure: management group IDs are up to 90 characters of letters, digits, -, _, (, ), . and do not
# end with a period.
ManagementGroupId = Annotated[str, pattern(
    r"^[A-Za-z0-9\-_().]{0,89}[A-Za-z0-9\-_()]$", "a management group ID (its name, not its "
    "display name or resource ID: up to 90 letters, digits, -, _, (, ), .)")]
AksClusterId = Annotated[str, pattern(
    AKS_CLUSTER_ID, "an AKS cluster resource ID, /subscriptions/<subscription-id>/resourceGroups/"
    "<group>/providers/Microsoft.ContainerService/managedClusters/<name> (`az aks show --query "
    "id`)")]
TrustedAccessRole = Annotated[str, pattern(
    r"^[A-Za-z]+\.[A-Za-z]+/[A-Za-z]+/[A-Za-z0-9-]+$", "a trusted access role "
    "<namespace>/<type>/<role>, e.g. Microsoft.Security/pricings/microsoft-defender-operator")]


class PlanConfig(ConfigModel):
    """The Containers plan extensions (parameters of built-in efd4031d)."""

    registry_vulnerability_assessment: StrictBool = True
    agentless_discovery: StrictBool = True
    agentless_vm_scanning: StrictBool = True
    sensor: StrictBool = True
    integrity_contribution: StrictBool = True
    security_gating: StrictBool = True


class TrustedAccessConfig(ConfigModel):
    """Trusted access role bindings made on each locked AKS cluster.

    The CSPM binding is documented; the Containers binding's name and roles are UNVERIFIED
    (Microsoft documents only its source), hence configurable.
    """

    cspm: StrictBool = True
    containers: StrictBool = True
    # AKS: trusted access role binding names are 1-24 letters, digits and hyphens.
    containers_binding_name: Annotated[str, pattern(
        r"^[A-Za-z0-9-]{1,24}$", "a trusted access binding name (1-24 letters, digits and "
        "hyphens)")] = "defender-containers"
    containers_roles: Annotated[Distinct[TrustedAccessRole], not_empty(
        "must list at least one role, e.g. Microsoft.Security/pricings/"
        "microsoft-defender-operator")] = (
        "Microsoft.Security/pricings/microsoft-defender-operator",)


class SensorWorkspaceConfig(ConfigModel):
    """Tagged Log Analytics workspaces for the sensor, one per region, named `<prefix>-<region>`."""

    subscription_id: SubscriptionId
    resource_group_name: ResourceGroupName
    regions: Annotated[Distinct[AzureRegion], not_empty()]
    create: StrictBool = True
    name_prefix: StrictStr = "mdc-sensor"
    tags: dict[str, StrictStr] = Field(default_factory=dict)
    retention_in_days: Annotated[int, between(30, 730, " of days")] = 30
    # Clusters outside `regions`: "none" (no sensor policy) or "defaultWorkspace".
    other_regions: Annotated[str, one_of(OTHER_REGIONS)] = "none"

    @model_validator(mode="after")
    def _names(self) -> Self:
        for region_name in self.regions:
            if not _WORKSPACE_NAME.match(self.workspace_name(region_name)):
                raise problem(f"{self.workspace_name(region_name)!r} is not a valid workspace "
                              "name (4-63 letters, digits and hyphens, alphanumeric at both "
                              "ends); shorten or fix namePrefix", "namePrefix")
        return self

    def workspace_name(self, region: str) -> str:
        return f"{self.name_prefix}-{region}"

    def workspace_id(self, region: str) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group_name}"
                f"/providers/Microsoft.OperationalInsights/workspaces/{self.workspace_name(region)}")


class TagPolicyExemptionsConfig(ConfigModel):
    """Waivers from a tag policy for Defender's existing default resource groups."""

    assignment_id: Annotated[str, pattern(
        POLICY_ASSIGNMENT_ID, "a policy assignment ID, <scope>/providers/Microsoft.Authorization/"
        "policyAssignments/<name> (`az policy assignment list --query [].id`)")]
    # Absent: the stack's `subscriptions` (AzurePolicyConfig).
    subscriptions: Distinct[SubscriptionId] = ()
    regions: Annotated[Distinct[Annotated[AzureRegion, AfterValidator(_coded)]], not_empty()]
    description: Annotated[StrictStr, not_empty()] = (
        "Defender for Containers creates its default resource group and Log Analytics workspace "
        "without tags (built-in policy 64def556); exempted by the defender-containers stack."
    )
    expires_on: Annotated[str, BeforeValidator(_expiry)] = ""
    policy_definition_reference_ids: Distinct[StrictStr] = ()


class AzurePolicyConfig(ConfigModel):
    """Scopes and choices for the policy assignments; at least one scope is required."""

    location: AzureRegion = Field(description="the region of the assignments' managed "
                                  "identities, e.g. westeurope; or set azure-native:location")
    management_groups: Distinct[ManagementGroupId] = ()
    subscriptions: Distinct[SubscriptionId] = ()
    plan: PlanConfig = PlanConfig()
    sensor_workspace_id: Annotated[str, pattern(
        WORKSPACE_ID, f"a Log Analytics workspace resource ID, {WORKSPACE_ID_EXAMPLE}, or \"\" "
        "for Defender's default workspace", empty=True)] = ""
    policy_addon: StrictBool = True
    arc_clusters: StrictBool = True
    remediate: StrictBool = True
    enforcement_mode: Annotated[str, one_of(ENFORCEMENT_MODES)] = "Default"
    locked_clusters: Distinct[AksClusterId] = ()
    trusted_access: TrustedAccessConfig = TrustedAccessConfig()
    sensor_workspace: SensorWorkspaceConfig | None = None
    tag_policy_exemptions: TagPolicyExemptionsConfig | None = None

    @model_validator(mode="after")
    def _across_fields(self) -> Self:
        if not self.management_groups and not self.subscriptions:
            raise problem("needs at least one scope: set managementGroups: [<name>] and/or "
                          "subscriptions: [<subscription-id>]")
        if self.sensor_workspace is not None:
            if self.sensor_workspace_id:
                raise problem("and sensorWorkspaceId are both set; keep one: an existing "
                              "workspace (sensorWorkspaceId) or workspaces per region "
                              "(sensorWorkspace)", "sensorWorkspace")
            if not self.plan.sensor:
                raise problem("has no use with plan.sensor: false (no sensor policy is "
                              "assigned); remove it or enable the sensor", "sensorWorkspace")
        exemptions = self.tag_policy_exemptions
        if exemptions is None:
            return self
        if "subscriptions" not in exemptions.model_fields_set:
            exemptions = exemptions.model_copy(update={"subscriptions": self.subscriptions})
        if not exemptions.subscriptions:
            raise problem("is required: list the subscriptions whose default resource groups "
                          "exist (azure.subscriptions is empty)",
                          "tagPolicyExemptions", "subscriptions")
        return self.derived(tag_policy_exemptions=exemptions)


def parse_azure(raw: Any, default_location: str | None = None) -> AzurePolicyConfig:
    """Validate `defender-containers:azure`.

    `location` falls back to `default_location`, else to the `azure-native:location` stack config.
    """
    if isinstance(raw, dict) and raw.get("location") is None:
        fallback = default_location or pulumi.Config("azure-native").get("location")
        raw = {**raw, "location": fallback}
    return parse(AzurePolicyConfig, raw, "azure")
