"""`defender-containers:aws` validation: defaults, and errors that name the key and the fix."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config.aws import (
    DEFAULT_ROLE_NAMES,
    AwsConnectorConfig,
    aws_regions,
    parse_aws,
)
from stacks.config.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"

MINIMAL: dict[str, Any] = {
    "accountId": "123456789012",
    "azureTenantId": "11111111-2222-3333-4444-555555555555",
    "connector": {"resourceGroupName": "rg-defender", "location": "westeurope"},
}


def with_(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `base` (MINIMAL) with the dotted `path` set to `value`."""
    raw = copy.deepcopy(base or MINIMAL)
    *parents, last = path.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return raw


def test_minimal_config_gets_the_documented_defaults() -> None:
    config = parse_aws(MINIMAL)
    assert config.account_id == "123456789012"
    assert config.connector.name == "aws-123456789012"
    assert config.regions == ()
    assert config.scan_interval_hours == 4
    assert (config.offerings.cspm, config.offerings.containers,
            config.offerings.defender_cspm) == (True, True, False)
    assert config.least_privilege is True
    assert config.organization is None
    # docs/reference.md §3 defaults, spelled out here independently of the module's constants.
    adv = config.advanced
    assert adv.microsoft_tenant_id == "33e01921-4d64-4f8c-a055-5bdaffd5e33d"
    assert adv.oidc_thumbprint == "626d44e704d1ceabe3bf0d53397464ac8080142c"
    assert adv.audiences.cspm == "api://4d8bed1f-eee7-4d8e-b0dc-8462049a4479"
    assert adv.audiences.containers == "api://6610e979-c931-41ec-adc7-b9920c9d52f1"
    assert adv.audiences.data_collection == "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
    assert adv.data_collection_external_id is None
    assert dict(adv.role_names) == {
        "cspmMonitor": "CspmMonitorAws",
        "k8s": "MDCContainersK8sRole",
        "k8sDataCollection": "MDCContainersK8sDataCollectionRole",
        "cloudWatchToKinesis": "MDCContainersK8sCloudWatchToKinesisRole",
        "kinesisToS3": "MDCContainersK8sKinesisToS3Role",
        "agentlessDiscovery": "MDCContainersAgentlessDiscoveryK8sRole",
        "imageAssessment": "MDCContainersImageAssessmentRole",
    }
    assert config.role_session_name == (
        "MicrosoftDefenderForClouds_11111111-2222-3333-4444-555555555555")


def test_full_config_is_read_into_typed_fields() -> None:
    raw = {
        **MINIMAL,
        "azureTenantId": "AAAAAAAA-2222-3333-4444-555555555555",
        "connector": {"resourceGroupName": "rg-defender", "location": "westeurope",
                      "name": "prod-aws"},
        "regions": ["eu-central-1", "us-east-1"],
        "scanIntervalHours": 12,
        "offerings": {"cspm": True, "containers": False, "defenderCspm": True},
        "leastPrivilege": False,
        "organization": {"stacksetName": "DefenderRoles",
                         "excludedAccountIds": ["210987654321"],
                         "organizationalUnitIds": ["r-ab12", "ou-ab12-34cd56ef"]},
        "advanced": {"roleNames": {"k8s": "MyK8sRole"}, "dataCollectionExternalId": "ext-1234",
                     "kubeAuditRetentionDays": 90},
    }
    config = parse_aws(raw)
    assert config.azure_tenant_id == "aaaaaaaa-2222-3333-4444-555555555555"
    assert config.connector.name == "prod-aws"
    assert config.regions == ("eu-central-1", "us-east-1")
    assert config.scan_interval_hours == 12
    assert (config.offerings.cspm, config.offerings.containers,
            config.offerings.defender_cspm) == (True, False, True)
    assert config.least_privilege is False
    assert config.organization is not None
    assert config.organization.stackset_name == "DefenderRoles"
    assert config.organization.excluded_account_ids == ("210987654321",)
    assert config.organization.organizational_unit_ids == ("r-ab12", "ou-ab12-34cd56ef")
    assert config.advanced.role_names["k8s"] == "MyK8sRole"
    assert config.advanced.role_names["cspmMonitor"] == DEFAULT_ROLE_NAMES["cspmMonitor"]
    assert config.advanced.data_collection_external_id == "ext-1234"
    assert config.advanced.kube_audit_retention_days == 90


BAD: list[tuple[Any, str, str]] = [
    ({k: v for k, v in MINIMAL.items() if k != "accountId"}, "aws.accountId", "is required"),
    (with_("accountId", "12345"), "aws.accountId", "12-digit"),
    (with_("accountId", 123456789012), "aws.accountId", "quoted as a string"),
    (with_("azureTenantId", "contoso.onmicrosoft.com"), "aws.azureTenantId", "GUID"),
    (with_("scanIntervalHours", 0), "aws.scanIntervalHours", "from 1 to 24"),
    (with_("scanIntervalHours", 25), "aws.scanIntervalHours", "from 1 to 24"),
    (with_("scanIntervalHours", "4"), "aws.scanIntervalHours", "whole number"),
    (with_("scanIntervalHours", True), "aws.scanIntervalHours", "whole number"),
    (with_("regions", ["us-east-1", "mars-east-1"]), "aws.regions[1]",
     "must be a commercial AWS region"),
    (with_("regions", ["us-gov-west-1"]), "aws.regions[0]", "must be a commercial AWS region"),
    (with_("regions", "us-east-1"), "aws.regions", "must be a list"),
    (with_("regions", ["us-east-1", "us-east-1"]), "aws.regions[1]", "more than once"),
    (with_("acountId", "123456789012"), "aws.acountId", "unknown key"),
    (with_("connector.resourcegroupname", "rg"), "aws.connector.resourcegroupname",
     "unknown key"),
    (with_("connector", None), "aws.connector", "is required"),
    (with_("connector", "rg-defender"), "aws.connector", "must be an object"),
    (with_("connector.location", "West Europe"), "aws.connector.location", "short form"),
    (with_("connector.resourceGroupName", "rg."), "aws.connector.resourceGroupName",
     "resource group"),
    (with_("connector.name", "-bad"), "aws.connector.name", "connector name"),
    (with_("leastPrivilege", "yes"), "aws.leastPrivilege", "true or false"),
    (with_("offerings", {"cspm": False, "containers": False}), "aws.offerings",
     "at least one"),
    (with_("offerings", {"cspm": False, "defenderCspm": True}), "aws.offerings.defenderCspm",
     "foundational CSPM"),
    (with_("offerings.containrs", True), "aws.offerings.containrs", "unknown key"),
    (with_("organization", {"stacksetName": "x"}), "aws.organization.organizationalUnitIds",
     "is required"),
    (with_("organization", {"organizationalUnitIds": []}),
     "aws.organization.organizationalUnitIds", "at least one"),
    (with_("organization", {"organizationalUnitIds": ["root"]}),
     "aws.organization.organizationalUnitIds[0]", "organizational unit"),
    (with_("organization", {"organizationalUnitIds": ["r-ab12"],
                            "excludedAccountIds": ["123456789012"]}),
     "aws.organization.excludedAccountIds", "management account"),
    (with_("organization", {"organizationalUnitIds": ["r-ab12"], "stacksetName": "1-bad"}),
     "aws.organization.stacksetName", "StackSet name"),
    (with_("advanced.roleNames.k8s", "bad name"), "aws.advanced.roleNames.k8s", "IAM role name"),
    (with_("advanced.roleNames.k8ss", "Role"), "aws.advanced.roleNames.k8ss", "unknown key"),
    (with_("advanced.roleNames", {"k8s": "Same", "imageAssessment": "Same"}),
     "aws.advanced.roleNames", "two roles the name Same"),
    (with_("advanced.audiences.cspm", "https://example.com"), "aws.advanced.audiences.cspm",
     "api://"),
    (with_("advanced.microsoftTenantId", "microsoft"), "aws.advanced.microsoftTenantId", "GUID"),
    (with_("advanced.oidcThumbprint", "abc"), "aws.advanced.oidcThumbprint", "40-hex"),
    (with_("advanced.kubeAuditRetentionDays", 0), "aws.advanced.kubeAuditRetentionDays",
     "from 1 to 3653"),
    ([], "aws", "must be an object"),
]


@pytest.mark.parametrize(("raw", "key", "problem"), BAD,
                         ids=[f"{key}:{problem}" for _, key, problem in BAD])
def test_bad_config_names_the_key(raw: Any, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_aws(raw)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"defender-containers:{key}: ")
    assert problem in caught.value.problem


def test_regions_come_from_botocore_partition_data() -> None:
    regions = aws_regions()
    assert {"us-east-1", "eu-central-1", "ap-southeast-2"} <= regions
    assert "aws-global" not in regions  # a pseudo-region in the partition data
    assert not any(r.startswith(("us-gov-", "cn-")) for r in regions)
    assert parse_aws(with_("regions", sorted(regions))).regions == tuple(sorted(regions))


def readme_example() -> dict[str, Any]:
    text = README.read_text()
    section = text.split("<!-- section: aws-connector -->")[1].split(
        "<!-- end section: aws-connector -->")[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the aws-connector README section has no yaml example"
    example: dict[str, Any] = yaml.safe_load(blocks[0])
    return example


def test_readme_example_stack_file_is_valid() -> None:
    example = readme_example()
    config = parse_aws(example["config"]["defender-containers:aws"])
    assert isinstance(config, AwsConnectorConfig)
    assert config.offerings.containers  # the example turns MDVM image assessment on
