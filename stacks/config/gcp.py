"""`defender-containers:gcp`: the Defender for Cloud GCP connector for GKE (issue #18).

Validated here, before any resource is registered; every error names the full key
(`gcp.projectNumber`, `gcp.advanced.serviceAccountIds.containers`, ...).

The defaults are Microsoft's published contract (docs/reference.md §10,
tests/fixtures/gcp-connector-contract.json). Every value the contract marks INFERRED, or lists
among its unknowns, can be overridden under `advanced` (the README names each one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from stacks.config.aws import (
    MICROSOFT_TENANT_ID,
    ConnectorSettings,
    _bool,
    _connector,
    _guid,
    _int_between,
    _list_of,
    _matching,
    _Object,
    _string,
)
from stacks.config.errors import ConfigError

ISSUER_URI = f"https://sts.windows.net/{MICROSOFT_TENANT_ID}/"

# Provider keys (config `advanced.audiences.<key>`) -> (provider id, audience). The provider IDs
# are what the security connector names in `workloadIdentityProviderId`.
DEFAULT_PROVIDERS: Mapping[str, tuple[str, str]] = {
    "containers": ("containers", "api://6610e979-c931-41ec-adc7-b9920c9d52f1"),
    "containersStreams": ("containers-streams", "api://2041288c-b303-4ca0-9076-9612db3beeb2"),
    "cspm": ("cspm", "api://6e81e733-9e7f-474a-85f0-385c097f7f52"),
    "autoProvisioner": ("auto-provisioner", "api://d17a7d74-7e73-4e7d-bd41-8d9525e86cab"),
}

# Service-account keys (config `advanced.serviceAccountIds.<key>`) and Microsoft's IDs. The
# removal docs call the first one `ms-defender-containers`; the onboarding module, the
# permissions page and the PowerShell example say `microsoft-defender-containers`.
DEFAULT_SERVICE_ACCOUNT_IDS: Mapping[str, str] = {
    "containers": "microsoft-defender-containers",
    "dataCollection": "ms-defender-containers-stream",
    "k8sOperator": "mdc-containers-k8s-operator",
    "artifactAssess": "mdc-containers-artifact-assess",
    "cspm": "microsoft-defender-cspm",
    "onboarding": "mdc-onboarding-sa",
}

# Unknown in the contract: only the 2023 onboarding module grants these two predefined roles.
CONTAINERS_PREDEFINED_ROLES: tuple[str, ...] = ("roles/container.admin", "roles/pubsub.admin")
# Documented in Microsoft's network reference without naming a service account: bound to the
# Kubernetes operator's (INFERRED).
K8S_OPERATOR_EXTRA_ROLES: tuple[str, ...] = ("MDCGkeContainerResponseActionsRole",
                            "MDCGkeContainerInventoryCollectionRole")
# The Kubernetes Engine Data Access audit log types (INFERRED from third-party copies).
AUDIT_LOG_TYPES: tuple[str, ...] = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
# The quickstart's required APIs plus the Containers ones (pubsub: INFERRED).
APIS: tuple[str, ...] = (
    "iam.googleapis.com",
    "sts.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "iamcredentials.googleapis.com",
    "compute.googleapis.com",
    "container.googleapis.com",
    "logging.googleapis.com",
    "pubsub.googleapis.com",
)

_PROJECT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,18}$")
_POOL_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
_PROVIDER_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
_SERVICE_ACCOUNT_ID = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_AUDIENCE = re.compile(r"^api://\S+$")
_ISSUER = re.compile(r"^https://[^\s/]+/\S*$")
_PREDEFINED_ROLE = re.compile(r"^roles/[A-Za-z0-9_.]+$")
_API = re.compile(r"^[a-z][a-z0-9.-]*\.googleapis\.com$")
_NONE: tuple[str, ...] = ()


@dataclass(frozen=True)
class Offerings:
    cspm: bool
    containers: bool


@dataclass(frozen=True)
class OrganizationSettings:
    organization_id: str
    excluded_project_numbers: tuple[str, ...]


@dataclass(frozen=True)
class ProviderSettings:
    provider_id: str
    audience: str


@dataclass(frozen=True)
class AdvancedSettings:
    issuer_uri: str
    # None: derived from the Azure tenant (GcpConnectorConfig.pool_id).
    workload_identity_pool_id: str | None
    providers: Mapping[str, ProviderSettings]
    service_account_ids: Mapping[str, str]
    containers_predefined_roles: tuple[str, ...]
    k8s_operator_extra_roles: tuple[str, ...]
    audit_log_types: tuple[str, ...]
    apis: tuple[str, ...]
    # TF: "Allow logging to send logs to pub sub" (the legacy shared sink writer identity).
    cloud_logs_publisher: bool


@dataclass(frozen=True)
class GcpConnectorConfig:
    project_id: str
    project_number: str
    azure_tenant_id: str
    connector: ConnectorSettings
    scan_interval_hours: int
    offerings: Offerings
    least_privilege: bool
    organization: OrganizationSettings | None
    advanced: AdvancedSettings

    @property
    def pool_id(self) -> str:
        """The workload identity pool ID.

        Defender for Cloud finds the pool by convention: API 2024-08-01-preview makes
        `workloadIdentityPoolId` read-only, so it cannot be told. Microsoft's module describes
        the pool ID as "customer MS tenant id", and Microsoft's Sentinel module computes it as
        the tenant ID without hyphens (a GUID with hyphens is 36 characters, over GCP's 32).
        """
        return (self.advanced.workload_identity_pool_id
                or self.azure_tenant_id.replace("-", ""))


_project_number = _matching(_NUMBER, "a GCP project number (digits only, such as "
                                     "\"123456789012\")")
_organization_id = _matching(_NUMBER, "a GCP organization ID (digits only, without the "
                                      "organizations/ prefix, such as \"123456789012\")")


def _project_id(value: Any, key: str) -> str:
    text = _string(value, key)
    if not _PROJECT_ID.match(text):
        raise ConfigError(key, "must be a GCP project ID (6-30 lower-case letters, digits or -, "
                               f"starting with a letter, not ending with -), got {text!r}")
    return text


def _offerings(value: Any, key: str) -> Offerings:
    obj = _Object(value, key)
    offerings = Offerings(cspm=obj.get("cspm", _bool, True),
                          containers=obj.get("containers", _bool, True))
    obj.done()
    if not (offerings.cspm or offerings.containers):
        raise ConfigError(key, "turns every offering off: enable at least one, or remove "
                               "`defender-containers:gcp` to create nothing on GCP")
    return offerings


def _organization(value: Any, key: str, project_number: str) -> OrganizationSettings:
    obj = _Object(value, key)
    settings = OrganizationSettings(
        organization_id=obj.get("organizationId", _organization_id),
        excluded_project_numbers=obj.get("excludedProjectNumbers", _list_of(_project_number),
                                         _NONE),
    )
    obj.done()
    if project_number in settings.excluded_project_numbers:
        raise ConfigError(obj.key("excludedProjectNumbers"),
                          f"lists the management project {project_number} itself; it holds "
                          "the connector's identities, so remove it")
    return settings


def _advanced(value: Any, key: str) -> AdvancedSettings:
    obj = _Object(value if value is not None else {}, key)
    issuer = obj.get("issuerUri", _matching(_ISSUER, "an https:// issuer URI"), ISSUER_URI)
    pool = obj.get("workloadIdentityPoolId", _matching(
        _POOL_ID, "a workload identity pool ID (4-32 lower-case letters, digits or -, not "
        "starting with gcp-)"), "") or None

    audience = _matching(_AUDIENCE, "an application ID URI such as api://<app GUID>")
    raw_audiences = _Object(obj.optional("audiences") or {}, obj.key("audiences"))
    audiences = {k: raw_audiences.get(k, audience, aud)
                 for k, (_id, aud) in DEFAULT_PROVIDERS.items()}
    raw_audiences.done()
    provider_id = _matching(_PROVIDER_ID, "a workload identity pool provider ID (4-32 "
                                          "lower-case letters, digits or -)")
    raw_ids = _Object(obj.optional("providerIds") or {}, obj.key("providerIds"))
    ids = {k: raw_ids.get(k, provider_id, pid) for k, (pid, _aud) in DEFAULT_PROVIDERS.items()}
    raw_ids.done()
    _distinct(ids, obj.key("providerIds"), "two providers the ID")

    account_id = _matching(_SERVICE_ACCOUNT_ID, "a service account ID (6-30 lower-case "
                                                "letters, digits or -, starting with a letter)")
    raw_accounts = _Object(obj.optional("serviceAccountIds") or {}, obj.key("serviceAccountIds"))
    accounts = {k: raw_accounts.get(k, account_id, default)
                for k, default in DEFAULT_SERVICE_ACCOUNT_IDS.items()}
    raw_accounts.done()
    _distinct(accounts, obj.key("serviceAccountIds"), "two service accounts the ID")

    predefined = obj.get("containersPredefinedRoles", _list_of(_matching(
        _PREDEFINED_ROLE, "a predefined role such as roles/container.admin")),
        CONTAINERS_PREDEFINED_ROLES)
    extra = obj.get("k8sOperatorExtraRoles", _list_of(_one_of(K8S_OPERATOR_EXTRA_ROLES)),
                    K8S_OPERATOR_EXTRA_ROLES)
    log_types = obj.get("auditLogTypes", _list_of(_one_of(AUDIT_LOG_TYPES)), AUDIT_LOG_TYPES)
    apis = obj.get("apis", _list_of(_matching(_API, "a service name such as "
                                                    "container.googleapis.com")), APIS)
    publisher = obj.get("cloudLogsPublisher", _bool, True)
    obj.done()
    providers = {k: ProviderSettings(ids[k], audiences[k]) for k in DEFAULT_PROVIDERS}
    return AdvancedSettings(issuer, pool, providers, accounts, predefined, extra, log_types,
                            apis, publisher)


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, key: str) -> str:
        text = _string(value, key)
        if text not in allowed:
            raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {text!r}")
        return text
    return check


def _distinct(values: Mapping[str, str], key: str, what: str) -> None:
    clashing = sorted({v for v in values.values() if list(values.values()).count(v) > 1})
    if clashing:
        raise ConfigError(key, f"gives {what} {clashing[0]}")


def parse_gcp(raw: Any) -> GcpConnectorConfig:
    obj = _Object(raw, "gcp")
    project_id = obj.get("projectId", _project_id)
    project_number = obj.get("projectNumber", _project_number)
    tenant = obj.get("azureTenantId", _guid)
    # The Azure side has the AWS connector's keys and rules; only the default name differs.
    connector = obj.get("connector", partial(_connector, cloud="gcp"))(project_id)
    interval = obj.get("scanIntervalHours", _int_between(1, 24), 4)
    offerings = obj.get("offerings", _offerings, Offerings(True, True))
    least_privilege = obj.get("leastPrivilege", _bool, True)
    raw_org = obj.optional("organization")
    organization = (None if raw_org is None
                    else _organization(raw_org, obj.key("organization"), project_number))
    advanced = _advanced(obj.optional("advanced"), obj.key("advanced"))
    obj.done()
    return GcpConnectorConfig(
        project_id=project_id,
        project_number=project_number,
        azure_tenant_id=tenant.lower(),
        connector=connector,
        scan_interval_hours=interval,
        offerings=offerings,
        least_privilege=least_privilege,
        organization=organization,
        advanced=advanced,
    )
