"""`defender-containers:gcp`: the Defender for Cloud GCP connector for GKE (issue #18).

Validated here (pydantic models, `stacks.config.model`), before any resource is registered;
every error names the full key (`gcp.projectNumber`,
`gcp.advanced.serviceAccountIds.containers`, ...).

The defaults are Microsoft's published contract (docs/reference.md §10,
tests/fixtures/gcp-connector-contract.json). Every value the contract marks INFERRED, or lists
among its unknowns, can be overridden under `advanced` (the README names each one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, StrictBool, model_validator

from stacks.config.aws import MICROSOFT_TENANT_ID, ConnectorSettings, Hours
from stacks.config.model import (
    ConfigModel,
    Distinct,
    TenantId,
    keyed,
    one_of,
    parse,
    pattern,
    problem,
)

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

_NUMBER = r"^[1-9][0-9]{0,18}$"
ProjectNumber = Annotated[str, pattern(
    _NUMBER, 'a GCP project number (digits only, such as "123456789012")')]


@dataclass(frozen=True)
class ProviderSettings:
    provider_id: str
    audience: str


class Offerings(ConfigModel):
    cspm: StrictBool = True
    containers: StrictBool = True

    @model_validator(mode="after")
    def _useful(self) -> Self:
        if not (self.cspm or self.containers):
            raise problem("turns every offering off: enable at least one, or remove "
                          "`defender-containers:gcp` to create nothing on GCP")
        return self


class OrganizationSettings(ConfigModel):
    organization_id: Annotated[str, pattern(
        _NUMBER, "a GCP organization ID (digits only, without the organizations/ prefix, such "
        'as "123456789012")')]
    excluded_project_numbers: Distinct[ProjectNumber] = ()


class AdvancedSettings(ConfigModel):
    issuer_uri: Annotated[str, pattern(r"^https://[^\s/]+/\S*$", "an https:// issuer URI")] = (
        ISSUER_URI)
    # None: derived from the Azure tenant (GcpConnectorConfig.pool_id).
    workload_identity_pool_id: Annotated[str | None, pattern(
        r"^(?!gcp-)[a-z0-9-]{4,32}$", "a workload identity pool ID (4-32 lower-case letters, "
        "digits or -, not starting with gcp-)", empty=True), AfterValidator(lambda v: v or None)
    ] = None
    audiences: Annotated[Mapping[str, Annotated[str, pattern(
        r"^api://\S+$", "an application ID URI such as api://<app GUID>")]], keyed(
        {k: aud for k, (_id, aud) in DEFAULT_PROVIDERS.items()}, "two providers the audience"),
    ] = Field(default_factory=lambda: {k: aud for k, (_id, aud) in DEFAULT_PROVIDERS.items()})
    provider_ids: Annotated[Mapping[str, Annotated[str, pattern(
        r"^(?!gcp-)[a-z0-9-]{4,32}$", "a workload identity pool provider ID (4-32 lower-case "
        "letters, digits or -)")]], keyed(
        {k: pid for k, (pid, _aud) in DEFAULT_PROVIDERS.items()}, "two providers the ID"),
    ] = Field(default_factory=lambda: {k: pid for k, (pid, _aud) in DEFAULT_PROVIDERS.items()})
    service_account_ids: Annotated[Mapping[str, Annotated[str, pattern(
        r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", "a service account ID (6-30 lower-case letters, "
        "digits or -, starting with a letter)")]], keyed(
        DEFAULT_SERVICE_ACCOUNT_IDS, "two service accounts the ID"),
    ] = Field(default_factory=lambda: dict(DEFAULT_SERVICE_ACCOUNT_IDS))
    containers_predefined_roles: Distinct[Annotated[str, pattern(
        r"^roles/[A-Za-z0-9_.]+$", "a predefined role such as roles/container.admin")]] = (
        CONTAINERS_PREDEFINED_ROLES)
    k8s_operator_extra_roles: Distinct[Annotated[str, one_of(K8S_OPERATOR_EXTRA_ROLES)]] = (
        K8S_OPERATOR_EXTRA_ROLES)
    audit_log_types: Distinct[Annotated[str, one_of(AUDIT_LOG_TYPES)]] = AUDIT_LOG_TYPES
    apis: Distinct[Annotated[str, pattern(
        r"^[a-z][a-z0-9.-]*\.googleapis\.com$", "a service name such as "
        "container.googleapis.com")]] = APIS
    # TF: "Allow logging to send logs to pub sub" (the legacy shared sink writer identity).
    cloud_logs_publisher: StrictBool = True

    @property
    def providers(self) -> Mapping[str, ProviderSettings]:
        return {k: ProviderSettings(self.provider_ids[k], self.audiences[k])
                for k in DEFAULT_PROVIDERS}


class GcpConnectorConfig(ConfigModel):
    project_id: Annotated[str, pattern(
        r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$", "a GCP project ID (6-30 lower-case letters, digits "
        "or -, starting with a letter, not ending with -)")]
    project_number: ProjectNumber
    azure_tenant_id: TenantId
    # The Azure side has the AWS connector's keys and rules; only the default name differs.
    connector: ConnectorSettings
    scan_interval_hours: Hours = 4
    offerings: Offerings = Offerings()
    least_privilege: StrictBool = True
    organization: OrganizationSettings | None = None
    advanced: AdvancedSettings = AdvancedSettings()

    @model_validator(mode="after")
    def _across_fields(self) -> Self:
        if (self.organization
                and self.project_number in self.organization.excluded_project_numbers):
            raise problem(f"lists the management project {self.project_number} itself; it "
                          "holds the connector's identities, so remove it",
                          "organization", "excludedProjectNumbers")
        return self.derived(connector=self.connector.named(f"gcp-{self.project_id}"))

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


def parse_gcp(raw: Any) -> GcpConnectorConfig:
    return parse(GcpConnectorConfig, raw, "gcp")
