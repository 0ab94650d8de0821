"""`defender-containers:azure`: where and how Azure Policy turns Defender for Containers on.

Parsed once into frozen dataclasses; every problem raises `ConfigError("azure.<path>", ...)` before
any resource is registered. The dataclasses double as the typed args of
`stacks.policy.ContainersPolicy`, so another Pulumi program can build them directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import pulumi

from stacks.config.errors import ConfigError

T = TypeVar("T")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GUID_PART = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
# Azure: management group IDs are up to 90 characters of letters, digits, -, _, (, ), . and do not
# end with a period.
_MANAGEMENT_GROUP = re.compile(r"^[A-Za-z0-9\-_().]{1,90}$")
_REGION = re.compile(r"^[a-z][a-z0-9]*$")
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
# AKS: trusted access role binding names are 1-24 letters, digits and hyphens.
_BINDING_NAME = re.compile(r"^[A-Za-z0-9-]{1,24}$")
_TRUSTED_ACCESS_ROLE = re.compile(r"^[A-Za-z]+\.[A-Za-z]+/[A-Za-z]+/[A-Za-z0-9-]+$")
# Log Analytics: workspace names are 4-63 letters, digits and hyphens, alphanumeric at both ends.
_WORKSPACE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$")
ENFORCEMENT_MODES = ("Default", "DoNotEnforce")
OTHER_REGIONS = ("none", "defaultWorkspace")
WORKSPACE_ID_EXAMPLE = (
    "/subscriptions/<subscription-id>/resourceGroups/<group>/providers/"
    "Microsoft.OperationalInsights/workspaces/<name>"
)


@dataclass(frozen=True)
class PlanConfig:
    """The Containers plan extensions (parameters of built-in efd4031d)."""

    registry_vulnerability_assessment: bool = True
    agentless_discovery: bool = True
    agentless_vm_scanning: bool = True
    sensor: bool = True
    integrity_contribution: bool = True
    security_gating: bool = True


@dataclass(frozen=True)
class TrustedAccessConfig:
    """Trusted access role bindings made on each locked AKS cluster.

    The CSPM binding is documented; the Containers binding's name and roles are UNVERIFIED
    (Microsoft documents only its source), hence configurable.
    """

    cspm: bool = True
    containers: bool = True
    containers_binding_name: str = "defender-containers"
    containers_roles: tuple[str, ...] = ("Microsoft.Security/pricings/microsoft-defender-operator",)


@dataclass(frozen=True)
class SensorWorkspaceConfig:
    """Tagged Log Analytics workspaces for the sensor, one per region, named `<prefix>-<region>`."""

    subscription_id: str
    resource_group_name: str
    regions: tuple[str, ...]
    create: bool = True
    name_prefix: str = "mdc-sensor"
    tags: dict[str, str] = field(default_factory=dict)
    retention_in_days: int = 30
    other_regions: str = "none"
    """Clusters outside `regions`: "none" (no sensor policy) or "defaultWorkspace"."""

    def workspace_name(self, region: str) -> str:
        return f"{self.name_prefix}-{region}"

    def workspace_id(self, region: str) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group_name}"
                f"/providers/Microsoft.OperationalInsights/workspaces/{self.workspace_name(region)}")


@dataclass(frozen=True)
class TagPolicyExemptionsConfig:
    """Waivers from a tag policy for Defender's existing default resource groups."""

    assignment_id: str
    subscriptions: tuple[str, ...]
    regions: tuple[str, ...]
    description: str = (
        "Defender for Containers creates its default resource group and Log Analytics workspace "
        "without tags (built-in policy 64def556); exempted by the defender-containers stack."
    )
    expires_on: str = ""
    policy_definition_reference_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AzurePolicyConfig:
    """Scopes and choices for the policy assignments; at least one scope is required."""

    location: str
    management_groups: tuple[str, ...] = ()
    subscriptions: tuple[str, ...] = ()
    plan: PlanConfig = field(default_factory=PlanConfig)
    sensor_workspace_id: str = ""
    policy_addon: bool = True
    arc_clusters: bool = True
    remediate: bool = True
    enforcement_mode: str = "Default"
    locked_clusters: tuple[str, ...] = ()
    trusted_access: TrustedAccessConfig = field(default_factory=TrustedAccessConfig)
    sensor_workspace: SensorWorkspaceConfig | None = None
    tag_policy_exemptions: TagPolicyExemptionsConfig | None = None

    def __post_init__(self) -> None:
        if not self.management_groups and not self.subscriptions:
            raise ConfigError(
                "azure", "needs at least one scope: set managementGroups: [<name>] and/or "
                "subscriptions: [<subscription-id>]"
            )


class _Reader:
    """Reads one config object, remembering its key path so errors can name it."""

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, dict):
            raise ConfigError(path, f"must be an object (a YAML mapping), got {_kind(raw)}")
        self.raw: dict[str, Any] = raw
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}"

    def reject_unknown(self, known: tuple[str, ...]) -> None:
        for name in self.raw:
            if name not in known:
                raise ConfigError(
                    self.key(str(name)),
                    f"unknown key; the keys allowed here are {', '.join(known)}",
                )

    def get(self, name: str, default: T, check: Callable[[str, Any], T]) -> T:
        if name not in self.raw or self.raw[name] is None:
            return default
        return check(self.key(name), self.raw[name])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false (unquoted in YAML), got {_kind(value)}")
    return value


def string(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {_kind(value)}")
    return value


def string_list(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(key, f"must be a list of strings, got {_kind(value)}")
    items = tuple(string(f"{key}[{i}]", item) for i, item in enumerate(value))
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.lower() in seen:
            raise ConfigError(f"{key}[{i}]", f"{item!r} is listed twice; remove the duplicate")
        seen.add(item.lower())
    return items


def guid(key: str, value: Any) -> str:
    text = string(key, value)
    if not _GUID.match(text):
        raise ConfigError(
            key, f"{text!r} is not a GUID; use the subscription ID "
            "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not its display name"
        )
    return text.lower()


def region(key: str, value: Any) -> str:
    text = string(key, value)
    if not _REGION.match(text):
        raise ConfigError(
            key, f"{text!r} is not an Azure region name; use the programmatic name such as "
            "westeurope or eastus2 (lower case, no spaces; `az account list-locations -o table`)"
        )
    return text


def workspace_id(key: str, value: Any) -> str:
    text = string(key, value)
    if text and not WORKSPACE_ID.match(text):
        raise ConfigError(
            key, f"{text!r} is not a Log Analytics workspace resource ID; expected "
            f"{WORKSPACE_ID_EXAMPLE}, or \"\" for Defender's default workspace"
        )
    return text


def _management_groups(key: str, value: Any) -> tuple[str, ...]:
    names = string_list(key, value)
    for i, name in enumerate(names):
        if not _MANAGEMENT_GROUP.match(name) or name.endswith("."):
            raise ConfigError(
                f"{key}[{i}]", f"{name!r} is not a management group ID; use its ID (name), "
                "not its display name or resource ID: up to 90 letters, digits, -, _, (, ), ."
            )
    return names


def _subscriptions(key: str, value: Any) -> tuple[str, ...]:
    return tuple(guid(f"{key}[{i}]", item) for i, item in enumerate(string_list(key, value)))


def _one_of(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(key: str, value: Any) -> str:
        text = string(key, value)
        if text not in choices:
            raise ConfigError(key, f"must be one of {', '.join(choices)}, got {text!r}")
        return text
    return check


def _non_empty(check: Callable[[str, Any], T]) -> Callable[[str, Any], T]:
    def wrapped(key: str, value: Any) -> T:
        result = check(key, value)
        if not result:
            raise ConfigError(key, "must not be empty")
        return result
    return wrapped


def _regions(key: str, value: Any) -> tuple[str, ...]:
    return tuple(region(f"{key}[{i}]", item) for i, item in enumerate(string_list(key, value)))


def _coded_regions(key: str, value: Any) -> tuple[str, ...]:
    # imported here: the policy package's data, not its Pulumi code
    from stacks.policy.default_workspace import UnknownRegionError, region_code

    regions = _regions(key, value)
    for i, name in enumerate(regions):
        try:
            region_code(name)
        except UnknownRegionError as exc:
            raise ConfigError(f"{key}[{i}]", str(exc)) from None
    return regions


def _cluster_ids(key: str, value: Any) -> tuple[str, ...]:
    ids = string_list(key, value)
    for i, cluster in enumerate(ids):
        if not AKS_CLUSTER_ID.match(cluster):
            raise ConfigError(
                f"{key}[{i}]", f"{cluster!r} is not an AKS cluster resource ID; expected "
                "/subscriptions/<subscription-id>/resourceGroups/<group>/providers/"
                "Microsoft.ContainerService/managedClusters/<name> (`az aks show --query id`)"
            )
    return ids


def _binding_name(key: str, value: Any) -> str:
    text = string(key, value)
    if not _BINDING_NAME.match(text):
        raise ConfigError(key, f"{text!r} is not a trusted access binding name: 1-24 letters, "
                          "digits and hyphens")
    return text


def _trusted_access_roles(key: str, value: Any) -> tuple[str, ...]:
    roles = string_list(key, value)
    if not roles:
        raise ConfigError(key, "must list at least one role, e.g. "
                          "Microsoft.Security/pricings/microsoft-defender-operator")
    for i, role in enumerate(roles):
        if not _TRUSTED_ACCESS_ROLE.match(role):
            raise ConfigError(f"{key}[{i}]", f"{role!r} is not a trusted access role; expected "
                              "<namespace>/<type>/<role>, e.g. "
                              "Microsoft.Security/pricings/microsoft-defender-operator")
    return roles


def _trusted_access(key: str, value: Any) -> TrustedAccessConfig:
    reader = _Reader(value, key)
    reader.reject_unknown(("cspm", "containers", "containersBindingName", "containersRoles"))
    default = TrustedAccessConfig()
    return TrustedAccessConfig(
        cspm=reader.get("cspm", True, boolean),
        containers=reader.get("containers", True, boolean),
        containers_binding_name=reader.get(
            "containersBindingName", default.containers_binding_name, _binding_name),
        containers_roles=reader.get("containersRoles", default.containers_roles,
                                    _trusted_access_roles),
    )


def _tags(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(key, f"must be an object of tag names to string values, got "
                          f"{_kind(value)}")
    return {str(name): string(f"{key}.{name}", item) for name, item in value.items()}


def _retention(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 30 <= value <= 730:
        raise ConfigError(key, f"must be a whole number of days from 30 to 730, got "
                          f"{_kind(value)}")
    return value


def _resource_group_name(key: str, value: Any) -> str:
    text = string(key, value)
    if not re.match(rf"^{_RESOURCE_GROUP}$", text) or text.endswith("."):
        raise ConfigError(key, f"{text!r} is not a resource group name: up to 90 letters, "
                          "digits, -, _, ., ( and ), not ending with a period")
    return text


_SENSOR_WORKSPACE_KEYS = ("create", "subscriptionId", "resourceGroupName", "namePrefix", "regions",
                          "tags", "retentionInDays", "otherRegions")


def _sensor_workspace(key: str, value: Any) -> SensorWorkspaceConfig:
    reader = _Reader(value, key)
    reader.reject_unknown(_SENSOR_WORKSPACE_KEYS)
    for required in ("subscriptionId", "resourceGroupName", "regions"):
        if reader.raw.get(required) is None:
            raise ConfigError(reader.key(required), "is required when sensorWorkspace is set")
    config = SensorWorkspaceConfig(
        subscription_id=reader.get("subscriptionId", "", guid),
        resource_group_name=reader.get("resourceGroupName", "", _resource_group_name),
        regions=reader.get("regions", (), _non_empty(_regions)),
        create=reader.get("create", True, boolean),
        name_prefix=reader.get("namePrefix", "mdc-sensor", string),
        tags=reader.get("tags", {}, _tags),
        retention_in_days=reader.get("retentionInDays", 30, _retention),
        other_regions=reader.get("otherRegions", "none", _one_of(OTHER_REGIONS)),
    )
    for region_name in config.regions:
        if not _WORKSPACE_NAME.match(config.workspace_name(region_name)):
            raise ConfigError(
                reader.key("namePrefix"), f"{config.workspace_name(region_name)!r} is not a "
                "valid workspace name (4-63 letters, digits and hyphens, alphanumeric at both "
                "ends); shorten or fix namePrefix"
            )
    return config


def _expiry(key: str, value: Any) -> str:
    text = string(key, value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(key, f"{text!r} is not an ISO 8601 date/time, e.g. "
                          "2026-12-31 or 2026-12-31T00:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _assignment_id(key: str, value: Any) -> str:
    text = string(key, value)
    if not POLICY_ASSIGNMENT_ID.match(text):
        raise ConfigError(key, f"{text!r} is not a policy assignment ID; expected "
                          "<scope>/providers/Microsoft.Authorization/policyAssignments/<name> "
                          "(`az policy assignment list --query [].id`)")
    return text


def _tag_policy_exemptions(
    key: str, value: Any, scope_subscriptions: tuple[str, ...]
) -> TagPolicyExemptionsConfig:
    reader = _Reader(value, key)
    reader.reject_unknown(("assignmentId", "subscriptions", "regions", "description", "expiresOn",
                           "policyDefinitionReferenceIds"))
    for required in ("assignmentId", "regions"):
        if reader.raw.get(required) is None:
            raise ConfigError(reader.key(required), "is required when tagPolicyExemptions is set")
    subscriptions = reader.get("subscriptions", scope_subscriptions, _subscriptions)
    if not subscriptions:
        raise ConfigError(reader.key("subscriptions"), "is required: list the subscriptions "
                          "whose default resource groups exist (azure.subscriptions is empty)")
    default = TagPolicyExemptionsConfig("", (), ())
    return TagPolicyExemptionsConfig(
        assignment_id=reader.get("assignmentId", "", _assignment_id),
        subscriptions=subscriptions,
        regions=reader.get("regions", (), _non_empty(_coded_regions)),
        description=reader.get("description", default.description, _non_empty(string)),
        expires_on=reader.get("expiresOn", "", _expiry),
        policy_definition_reference_ids=reader.get("policyDefinitionReferenceIds", (),
                                                   string_list),
    )


def _enforcement_mode(key: str, value: Any) -> str:
    text = string(key, value)
    if text not in ENFORCEMENT_MODES:
        raise ConfigError(key, f"must be Default or DoNotEnforce, got {text!r}")
    return text


_PLAN_KEYS = {
    "registryVulnerabilityAssessment": "registry_vulnerability_assessment",
    "agentlessDiscovery": "agentless_discovery",
    "agentlessVmScanning": "agentless_vm_scanning",
    "sensor": "sensor",
    "integrityContribution": "integrity_contribution",
    "securityGating": "security_gating",
}


def _plan(key: str, value: Any) -> PlanConfig:
    reader = _Reader(value, key)
    reader.reject_unknown(tuple(_PLAN_KEYS))
    return PlanConfig(
        **{attr: reader.get(name, True, boolean) for name, attr in _PLAN_KEYS.items()}
    )


_KEYS = (
    "managementGroups", "subscriptions", "location", "plan", "sensorWorkspaceId", "policyAddon",
    "arcClusters", "remediate", "enforcementMode", "lockedClusters", "trustedAccess",
    "sensorWorkspace", "tagPolicyExemptions",
)


def parse_azure(raw: Any, default_location: str | None = None) -> AzurePolicyConfig:
    """Validate `defender-containers:azure`.

    `location` falls back to `default_location`, else to the `azure-native:location` stack config.
    """
    reader = _Reader(raw, "azure")
    reader.reject_unknown(_KEYS)
    location = reader.get("location", "", region)
    if not location:
        fallback = default_location or pulumi.Config("azure-native").get("location")
        if not fallback:
            raise ConfigError(
                "azure.location", "is required (the region of the assignments' managed "
                "identities, e.g. westeurope) unless azure-native:location is set"
            )
        location = region("azure.location", fallback)
    subscriptions: tuple[str, ...] = reader.get("subscriptions", (), _subscriptions)
    config = AzurePolicyConfig(
        location=location,
        management_groups=reader.get("managementGroups", (), _management_groups),
        subscriptions=subscriptions,
        plan=reader.get("plan", PlanConfig(), _plan),
        sensor_workspace_id=reader.get("sensorWorkspaceId", "", workspace_id),
        policy_addon=reader.get("policyAddon", True, boolean),
        arc_clusters=reader.get("arcClusters", True, boolean),
        remediate=reader.get("remediate", True, boolean),
        enforcement_mode=reader.get("enforcementMode", "Default", _enforcement_mode),
        locked_clusters=reader.get("lockedClusters", (), _cluster_ids),
        trusted_access=reader.get("trustedAccess", TrustedAccessConfig(), _trusted_access),
        sensor_workspace=reader.get("sensorWorkspace", None, _sensor_workspace),
        tag_policy_exemptions=reader.get(
            "tagPolicyExemptions", None,
            lambda key, value: _tag_policy_exemptions(key, value, subscriptions)),
    )
    if config.sensor_workspace is not None:
        if config.sensor_workspace_id:
            raise ConfigError("azure.sensorWorkspace", "and sensorWorkspaceId are both set; "
                              "keep one: an existing workspace (sensorWorkspaceId) or "
                              "workspaces per region (sensorWorkspace)")
        if not config.plan.sensor:
            raise ConfigError("azure.sensorWorkspace", "has no use with plan.sensor: false "
                              "(no sensor policy is assigned); remove it or enable the sensor")
    return config
