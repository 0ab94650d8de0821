"""`defender-containers:aws`: the Defender for Cloud AWS connector (issue #4).

Everything is validated here, before any resource is registered, and every error names the
full key (`aws.connector.location`, `aws.advanced.roleNames.k8s`, ...).

The advanced defaults come from Microsoft's (since removed) Terraform onboarding module and the
current docs (docs/reference.md §3). Microsoft's current CloudFormation text could not be
checked, so every one of them can be overridden under `advanced`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from botocore.loaders import create_loader

from stacks.config.errors import ConfigError

# Microsoft's published values (docs/reference.md §3). `migrate/fingerprint.py` holds the tenant
# ID and the containers audience too: `stacks` (the Pulumi program) and `migrate` (the one-off
# cleanup tool) are independent packages that neither import the other nor share a module, so
# that either can change or be removed alone; tests/test_contract_facts.py pins both copies to
# the vendored contract, so they cannot drift.
MICROSOFT_TENANT_ID = "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
OIDC_THUMBPRINT = "626d44e704d1ceabe3bf0d53397464ac8080142c"
CSPM_AUDIENCE = "api://4d8bed1f-eee7-4d8e-b0dc-8462049a4479"
CONTAINERS_AUDIENCE = "api://6610e979-c931-41ec-adc7-b9920c9d52f1"
DATA_COLLECTION_AUDIENCE = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
KUBE_AUDIT_RETENTION_DAYS = 30

# Role keys (config `advanced.roleNames.<key>`) and Microsoft's documented default names.
DEFAULT_ROLE_NAMES: Mapping[str, str] = {
    "cspmMonitor": "CspmMonitorAws",
    "k8s": "MDCContainersK8sRole",
    "k8sDataCollection": "MDCContainersK8sDataCollectionRole",
    "cloudWatchToKinesis": "MDCContainersK8sCloudWatchToKinesisRole",
    "kinesisToS3": "MDCContainersK8sKinesisToS3Role",
    "agentlessDiscovery": "MDCContainersAgentlessDiscoveryK8sRole",
    "imageAssessment": "MDCContainersImageAssessmentRole",
}

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_THUMBPRINT = re.compile(r"^[0-9a-fA-F]{40}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_RESOURCE_GROUP = re.compile(r"^[-\w._()]{0,89}[-\w_()]$")
_AZURE_LOCATION = re.compile(r"^[a-z][a-z0-9]*$")
_CONNECTOR_NAME = re.compile(r"^[A-Za-z0-9][-\w.]{0,79}$")
_STACKSET_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9]{0,127}$")
_OU_ID = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_NONE: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectorSettings:
    resource_group_name: str
    location: str
    name: str


@dataclass(frozen=True)
class Offerings:
    cspm: bool
    containers: bool
    defender_cspm: bool


@dataclass(frozen=True)
class OrganizationSettings:
    stackset_name: str
    excluded_account_ids: tuple[str, ...]
    organizational_unit_ids: tuple[str, ...]


@dataclass(frozen=True)
class Audiences:
    cspm: str
    containers: str
    data_collection: str


@dataclass(frozen=True)
class AdvancedSettings:
    microsoft_tenant_id: str
    oidc_thumbprint: str
    audiences: Audiences
    role_names: Mapping[str, str]
    # The sts:ExternalId of Microsoft's data-collection user, also sent in the connector.
    # None: a random UUID generated once per stack (stacks/aws_connector/component.py).
    data_collection_external_id: str | None
    kube_audit_retention_days: int


@dataclass(frozen=True)
class AwsConnectorConfig:
    account_id: str
    azure_tenant_id: str
    connector: ConnectorSettings
    regions: tuple[str, ...]
    scan_interval_hours: int
    offerings: Offerings
    least_privilege: bool
    organization: OrganizationSettings | None
    advanced: AdvancedSettings

    @property
    def role_session_name(self) -> str:
        """The only session name Defender for Cloud uses for this customer's tenant."""
        return f"MicrosoftDefenderForClouds_{self.azure_tenant_id}"


@cache
def aws_regions() -> frozenset[str]:
    """Commercial AWS regions, from botocore's partition data (Defender for Cloud connects the
    `aws` partition only)."""
    partitions = create_loader().load_data("partitions")["partitions"]
    aws = next(p for p in partitions if p["id"] == "aws")
    return frozenset(r for r in aws["regions"] if r != "aws-global")


T = TypeVar("T")


class _Object:
    """A config mapping read key by key; unknown keys are an error naming the full path."""

    def __init__(self, raw: Any, path: str) -> None:
        if not isinstance(raw, dict):
            raise ConfigError(path, f"must be an object (mapping), got {_kind(raw)}")
        self.raw: dict[str, Any] = raw
        self.path = path
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}"

    def get(self, name: str, check: Callable[[Any, str], T], default: T | None = None) -> T:
        self.seen.add(name)
        if name not in self.raw or self.raw[name] is None:
            if default is None:
                raise ConfigError(self.key(name), "is required")
            return default
        return check(self.raw[name], self.key(name))

    def optional(self, name: str) -> Any:
        self.seen.add(name)
        return self.raw.get(name)

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self.seen)
        if unknown:
            known = ", ".join(sorted(self.seen))
            raise ConfigError(self.key(unknown[0]), f"unknown key (known keys here: {known})")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _string(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {_kind(value)} {value!r}")
    return value.strip()


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ConfigError(key, f"must be {what}, quoted as a string (YAML read {value!r} "
                                   "as a number, which drops leading zeros)")
        text = _string(value, key)
        if not pattern.match(text):
            raise ConfigError(key, f"must be {what}, got {text!r}")
        return text
    return check


_account_id = _matching(_ACCOUNT_ID, "a 12-digit AWS account ID such as \"123456789012\"")
_guid = _matching(_GUID, "a GUID such as 11111111-2222-3333-4444-555555555555")


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"must be true or false, got {_kind(value)} {value!r}")
    return value


def _int_between(low: int, high: int) -> Callable[[Any, str], int]:
    def check(value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(key, f"must be a whole number from {low} to {high}, got "
                                   f"{_kind(value)} {value!r}")
        if not low <= value <= high:
            raise ConfigError(key, f"must be from {low} to {high}, got {value}")
        return value
    return check


def _list_of(item: Callable[[Any, str], str]) -> Callable[[Any, str], tuple[str, ...]]:
    def check(value: Any, key: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ConfigError(key, f"must be a list, got {_kind(value)} {value!r}")
        items = tuple(item(v, f"{key}[{i}]") for i, v in enumerate(value))
        duplicates = sorted({v for v in items if items.count(v) > 1})
        if duplicates:
            raise ConfigError(key, f"lists {', '.join(duplicates)} more than once")
        return items
    return check


def _region(value: Any, key: str) -> str:
    region = _string(value, key)
    if region not in aws_regions():
        close = sorted(r for r in aws_regions() if r.split("-")[0] == region.split("-")[0])
        hint = f" (regions starting alike: {', '.join(close)})" if close else ""
        raise ConfigError(key, f"{region!r} is not a commercial AWS region{hint}")
    return region


def _connector(value: Any, key: str, cloud: str = "aws") -> Callable[[str], ConnectorSettings]:
    """The Azure side of a connector (shared by the GCP reader); the default name is
    `<cloud>-<account or project ID>`."""
    obj = _Object(value, key)
    group = obj.get("resourceGroupName", _matching(
        _RESOURCE_GROUP, "an Azure resource group name (1-90 letters, digits, -_.() , not "
        "ending in a period)"))
    location = obj.get("location", _matching(
        _AZURE_LOCATION, "an Azure region name in its short form, such as westeurope"))
    name = obj.get("name", _string, "")
    if name and not _CONNECTOR_NAME.match(name):
        raise ConfigError(obj.key("name"), "must start with a letter or digit and hold at most "
                                           f"80 letters, digits, - _ or . ; got {name!r}")
    obj.done()
    return lambda account_id: ConnectorSettings(group, location, name or f"{cloud}-{account_id}")


def _offerings(value: Any, key: str) -> Offerings:
    obj = _Object(value, key)
    offerings = Offerings(
        cspm=obj.get("cspm", _bool, True),
        containers=obj.get("containers", _bool, True),
        defender_cspm=obj.get("defenderCspm", _bool, False),
    )
    obj.done()
    if not (offerings.cspm or offerings.containers or offerings.defender_cspm):
        raise ConfigError(key, "turns every offering off: enable at least one, or remove "
                               "`defender-containers:aws` to create nothing on AWS")
    if offerings.defender_cspm and not offerings.cspm:
        raise ConfigError(obj.key("defenderCspm"),
                          "needs foundational CSPM: set `offerings.cspm: true` as well")
    return offerings


def _organization(value: Any, key: str, account_id: str) -> OrganizationSettings:
    obj = _Object(value, key)
    settings = OrganizationSettings(
        stackset_name=obj.get("stacksetName", _matching(
            _STACKSET_NAME, "a StackSet name (a letter, then up to 127 letters, digits or -)"),
            "MicrosoftDefenderForCloudRoles"),
        excluded_account_ids=obj.get("excludedAccountIds", _list_of(_account_id), _NONE),
        organizational_unit_ids=obj.get("organizationalUnitIds", _list_of(_matching(
            _OU_ID, "an organization root ID (r-...) or organizational unit ID (ou-...)"))),
    )
    obj.done()
    if not settings.organizational_unit_ids:
        raise ConfigError(obj.key("organizationalUnitIds"),
                          "must name at least one target: the root ID (r-...) for the whole "
                          "organization, or organizational unit IDs (ou-...)")
    if account_id in settings.excluded_account_ids:
        raise ConfigError(obj.key("excludedAccountIds"),
                          f"lists the management account {account_id} itself; the StackSet "
                          "never deploys there, so remove it")
    return settings


def _advanced(value: Any, key: str) -> AdvancedSettings:
    obj = _Object(value if value is not None else {}, key)
    tenant = obj.get("microsoftTenantId", _guid, MICROSOFT_TENANT_ID)
    thumbprint = obj.get("oidcThumbprint", _matching(
        _THUMBPRINT, "a 40-hex-digit SHA-1 certificate thumbprint"), OIDC_THUMBPRINT)

    audience = _matching(re.compile(r"^api://[0-9a-fA-F-]{36}$"),
                         "an application ID URI such as api://<app GUID>")
    raw_audiences = _Object(obj.optional("audiences") or {}, obj.key("audiences"))
    audiences = Audiences(
        cspm=raw_audiences.get("cspm", audience, CSPM_AUDIENCE),
        containers=raw_audiences.get("containers", audience, CONTAINERS_AUDIENCE),
        data_collection=raw_audiences.get("dataCollection", audience, DATA_COLLECTION_AUDIENCE),
    )
    raw_audiences.done()

    role_name = _matching(_ROLE_NAME, "an IAM role name (1-64 letters, digits or +=,.@_-)")
    raw_names = _Object(obj.optional("roleNames") or {}, obj.key("roleNames"))
    names = {k: raw_names.get(k, role_name, default) for k, default in DEFAULT_ROLE_NAMES.items()}
    raw_names.done()
    clashing = sorted({n for n in names.values() if list(names.values()).count(n) > 1})
    if clashing:
        raise ConfigError(obj.key("roleNames"), f"gives two roles the name {clashing[0]}")

    external_id = obj.get("dataCollectionExternalId", _matching(
        _EXTERNAL_ID, "an STS external ID (2-1224 letters, digits or +=,.@:/-)"), "") or None
    retention = obj.get("kubeAuditRetentionDays", _int_between(1, 3653),
                        KUBE_AUDIT_RETENTION_DAYS)
    obj.done()
    return AdvancedSettings(tenant, thumbprint, audiences, names, external_id, retention)


def parse_aws(raw: Any) -> AwsConnectorConfig:
    obj = _Object(raw, "aws")
    account_id = obj.get("accountId", _account_id)
    tenant = obj.get("azureTenantId", _guid)
    connector = obj.get("connector", _connector)(account_id)
    regions = obj.get("regions", _list_of(_region), _NONE)
    interval = obj.get("scanIntervalHours", _int_between(1, 24), 4)
    offerings = obj.get("offerings", _offerings, Offerings(True, True, False))
    least_privilege = obj.get("leastPrivilege", _bool, True)
    raw_org = obj.optional("organization")
    organization = (None if raw_org is None
                    else _organization(raw_org, obj.key("organization"), account_id))
    advanced = _advanced(obj.optional("advanced"), obj.key("advanced"))
    obj.done()
    return AwsConnectorConfig(
        account_id=account_id,
        azure_tenant_id=tenant.lower(),
        connector=connector,
        regions=regions,
        scan_interval_hours=interval,
        offerings=offerings,
        least_privilege=least_privilege,
        organization=organization,
        advanced=advanced,
    )
