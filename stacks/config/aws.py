"""`defender-containers:aws`: the Defender for Cloud AWS connector (issue #4).

Validated here (pydantic models, `stacks.config.model`), before any resource is registered;
every error names the full key (`aws.connector.location`, `aws.advanced.roleNames.k8s`, ...).

The advanced defaults come from Microsoft's (since removed) Terraform onboarding module and the
current docs (docs/reference.md §3). Microsoft's current CloudFormation text could not be
checked, so every one of them can be overridden under `advanced`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any, Self

from botocore.loaders import create_loader
from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, model_validator

from stacks.config.model import (
    AzureRegion,
    ConfigModel,
    Distinct,
    Guid,
    ResourceGroupName,
    TenantId,
    between,
    keyed,
    not_empty,
    parse,
    pattern,
    problem,
    text,
)

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


@cache
def aws_regions() -> frozenset[str]:
    """Commercial AWS regions (Defender for Cloud connects the `aws` partition only).

    From botocore's partition data, the regions botocore resolves endpoints for; its regions
    matching the partition's regionRegex (`aws-global` is a pseudo-region). `migrate.aws.
    known_regions` reads the same file for every partition: neither package imports the other,
    and tests/test_contract_facts.py pins this set to that one's `aws` part.
    """
    partitions = create_loader().load_data("partitions")["partitions"]
    aws = next(p for p in partitions if p["id"] == "aws")
    real = re.compile(aws["regionRegex"])
    return frozenset(r for r in aws["regions"] if real.match(r))


def _region(value: Any) -> str:
    region = text(value, "a commercial AWS region such as us-east-1")
    if region not in aws_regions():
        close = sorted(r for r in aws_regions() if r.split("-")[0] == region.split("-")[0])
        hint = f" (regions starting alike: {', '.join(close)})" if close else ""
        raise problem(f"must be a commercial AWS region such as us-east-1, got {region!r}{hint}")
    return region


AccountId = Annotated[str, pattern(r"^\d{12}$", 'a 12-digit AWS account ID such as "123456789012"')]
AwsRegion = Annotated[str, BeforeValidator(_region)]
Hours = Annotated[int, between(1, 24)]
Audience = Annotated[str, pattern(r"^api://[0-9a-fA-F-]{36}$",
                                  "an application ID URI such as api://<app GUID>")]
RoleName = Annotated[str, pattern(r"^[\w+=,.@-]{1,64}$",
                                  "an IAM role name (1-64 letters, digits or +=,.@_-)")]


class ConnectorSettings(ConfigModel):
    """The Azure side of a connector (the GCP connector's too)."""

    resource_group_name: ResourceGroupName
    location: AzureRegion
    # "": `<cloud>-<account or project ID>`, set by the cloud's config.
    name: Annotated[str, pattern(
        r"^[A-Za-z0-9][-\w.]{0,79}$", "a connector name (a letter or digit, then up to 79 "
        "letters, digits, - _ or .)", empty=True)] = ""

    def named(self, default: str) -> ConnectorSettings:
        return self if self.name else self.model_copy(update={"name": default})


class Offerings(ConfigModel):
    cspm: StrictBool = True
    containers: StrictBool = True
    defender_cspm: StrictBool = False

    @model_validator(mode="after")
    def _useful(self) -> Self:
        if not (self.cspm or self.containers or self.defender_cspm):
            raise problem("turns every offering off: enable at least one, or remove "
                          "`defender-containers:aws` to create nothing on AWS")
        if self.defender_cspm and not self.cspm:
            raise problem("needs foundational CSPM: set `offerings.cspm: true` as well",
                          "defenderCspm")
        return self


class OrganizationSettings(ConfigModel):
    stackset_name: Annotated[str, pattern(
        r"^[A-Za-z][-A-Za-z0-9]{0,127}$",
        "a StackSet name (a letter, then up to 127 letters, digits or -)")] = (
        "MicrosoftDefenderForCloudRoles")
    excluded_account_ids: Distinct[AccountId] = ()
    organizational_unit_ids: Annotated[Distinct[Annotated[str, pattern(
        r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$",
        "an organization root ID (r-...) or organizational unit ID (ou-...)")]], not_empty(
        "must name at least one target: the root ID (r-...) for the whole organization, or "
        "organizational unit IDs (ou-...)")] = Field(
        description="the root ID (r-...) or organizational unit IDs (ou-...) to deploy to")


class Audiences(ConfigModel):
    cspm: Audience = CSPM_AUDIENCE
    containers: Audience = CONTAINERS_AUDIENCE
    data_collection: Audience = DATA_COLLECTION_AUDIENCE


class AdvancedSettings(ConfigModel):
    microsoft_tenant_id: Guid = MICROSOFT_TENANT_ID
    oidc_thumbprint: Annotated[str, pattern(
        r"^[0-9a-fA-F]{40}$", "a 40-hex-digit SHA-1 certificate thumbprint")] = OIDC_THUMBPRINT
    audiences: Audiences = Audiences()
    role_names: Annotated[Mapping[str, RoleName], keyed(
        DEFAULT_ROLE_NAMES, "two roles the name")] = Field(
        default_factory=lambda: dict(DEFAULT_ROLE_NAMES))
    # The sts:ExternalId of Microsoft's data-collection user, also sent in the connector.
    # None: a random UUID generated once per stack (stacks/aws_connector/component.py).
    data_collection_external_id: Annotated[str | None, pattern(
        r"^[\w+=,.@:/-]{2,1224}$", "an STS external ID (2-1224 letters, digits or +=,.@:/-)",
        empty=True), AfterValidator(lambda v: v or None)] = None
    kube_audit_retention_days: Annotated[int, between(1, 3653)] = KUBE_AUDIT_RETENTION_DAYS


class AwsConnectorConfig(ConfigModel):
    account_id: AccountId
    azure_tenant_id: TenantId
    connector: ConnectorSettings
    regions: Distinct[AwsRegion] = ()
    scan_interval_hours: Hours = 4
    offerings: Offerings = Offerings()
    least_privilege: StrictBool = True
    organization: OrganizationSettings | None = None
    advanced: AdvancedSettings = AdvancedSettings()

    @model_validator(mode="after")
    def _across_fields(self) -> Self:
        if self.organization and self.account_id in self.organization.excluded_account_ids:
            raise problem(f"lists the management account {self.account_id} itself; the "
                          "StackSet never deploys there, so remove it",
                          "organization", "excludedAccountIds")
        return self.derived(connector=self.connector.named(f"aws-{self.account_id}"))

    @property
    def role_session_name(self) -> str:
        """The only session name Defender for Cloud uses for this customer's tenant."""
        return f"MicrosoftDefenderForClouds_{self.azure_tenant_id}"


def parse_aws(raw: Any) -> AwsConnectorConfig:
    return parse(AwsConnectorConfig, raw, "aws")
