"""`defender-containers:azure`: where and how Azure Policy turns Defender for Containers on.

Parsed once into frozen dataclasses; every problem raises `ConfigError("azure.<path>", ...)` before
any resource is registered. The dataclasses double as the typed args of
`stacks.policy.ContainersPolicy`, so another Pulumi program can build them directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
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
ENFORCEMENT_MODES = ("Default", "DoNotEnforce")
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
    "arcClusters", "remediate", "enforcementMode",
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
    return AzurePolicyConfig(
        location=location,
        management_groups=reader.get("managementGroups", (), _management_groups),
        subscriptions=reader.get("subscriptions", (), _subscriptions),
        plan=reader.get("plan", PlanConfig(), _plan),
        sensor_workspace_id=reader.get("sensorWorkspaceId", "", workspace_id),
        policy_addon=reader.get("policyAddon", True, boolean),
        arc_clusters=reader.get("arcClusters", True, boolean),
        remediate=reader.get("remediate", True, boolean),
        enforcement_mode=reader.get("enforcementMode", "Default", _enforcement_mode),
    )
