"""`defender-containers:gcp` validation: defaults, and errors that name the key and the fix."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config.errors import ConfigError
from stacks.config.gcp import GcpConnectorConfig, parse_gcp
from stacks.offline.preview import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

MINIMAL: dict[str, Any] = {
    "projectId": "contoso-gke-prod",
    "projectNumber": "123456789012",
    "azureTenantId": "11111111-2222-3333-4444-555555555555",
    "connector": {"resourceGroupName": "rg-defender", "location": "westeurope"},
}
ORGANIZATION = {"organizationId": "987654321098"}


def with_(path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `base` (MINIMAL) with the dotted `path` set to `value`."""
    raw = copy.deepcopy(base or MINIMAL)
    *parents, last = path.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return raw


def test_minimal_config_gets_the_contracts_defaults() -> None:
    config = parse_gcp(MINIMAL)
    assert config.connector.name == "gcp-contoso-gke-prod"
    assert config.scan_interval_hours == 4
    assert (config.offerings.cspm, config.offerings.containers) == (True, True)
    assert config.least_privilege is True
    assert config.organization is None
    # The contract's values, spelled out here independently of the module's constants.
    adv = config.advanced
    assert adv.issuer_uri == "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
    assert {k: (p.provider_id, p.audience) for k, p in adv.providers.items()} == {
        "containers": ("containers", "api://6610e979-c931-41ec-adc7-b9920c9d52f1"),
        "containersStreams": ("containers-streams",
                              "api://2041288c-b303-4ca0-9076-9612db3beeb2"),
        "cspm": ("cspm", "api://6e81e733-9e7f-474a-85f0-385c097f7f52"),
        "autoProvisioner": ("auto-provisioner", "api://d17a7d74-7e73-4e7d-bd41-8d9525e86cab"),
    }
    assert dict(adv.service_account_ids) == {
        "containers": "microsoft-defender-containers",
        "dataCollection": "ms-defender-containers-stream",
        "k8sOperator": "mdc-containers-k8s-operator",
        "artifactAssess": "mdc-containers-artifact-assess",
        "cspm": "microsoft-defender-cspm",
        "onboarding": "mdc-onboarding-sa",
    }
    assert adv.containers_predefined_roles == ("roles/container.admin", "roles/pubsub.admin")
    assert adv.k8s_operator_extra_roles == ("MDCGkeContainerResponseActionsRole",
                                            "MDCGkeContainerInventoryCollectionRole")
    assert adv.audit_log_types == ("ADMIN_READ", "DATA_READ", "DATA_WRITE")
    assert adv.cloud_logs_publisher is True
    # The pool is named after the customer's tenant, without hyphens (32 characters).
    assert config.pool_id == "11111111222233334444555555555555"


def test_full_config_is_read_into_typed_fields() -> None:
    raw = with_("organization", {**ORGANIZATION, "excludedProjectNumbers": ["456789012345"]},
                with_("azureTenantId", "AAAAAAAA-2222-3333-4444-555555555555"))
    raw.update({
        "connector": {"resourceGroupName": "rg", "location": "westeurope", "name": "prod-gcp"},
        "scanIntervalHours": 12, "offerings": {"cspm": False}, "leastPrivilege": False,
        "advanced": {"workloadIdentityPoolId": "defender-pool",
                     "issuerUri": "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d",
                     "serviceAccountIds": {"containers": "ms-defender-containers"},
                     "audiences": {"cspm": "api://other"},
                     "providerIds": {"containers": "containers-2"},
                     "containersPredefinedRoles": ["roles/container.viewer"],
                     "k8sOperatorExtraRoles": [], "auditLogTypes": ["DATA_READ"],
                     "apis": ["container.googleapis.com"], "cloudLogsPublisher": False},
    })
    config = parse_gcp(raw)
    assert config.azure_tenant_id == "aaaaaaaa-2222-3333-4444-555555555555"
    assert config.connector.name == "prod-gcp"
    assert config.scan_interval_hours == 12
    assert (config.offerings.cspm, config.offerings.containers) == (False, True)
    assert config.least_privilege is False
    assert config.organization is not None
    assert config.organization.organization_id == "987654321098"
    assert config.organization.excluded_project_numbers == ("456789012345",)
    adv = config.advanced
    assert config.pool_id == "defender-pool"
    assert adv.issuer_uri.endswith("e33d")
    assert adv.service_account_ids["containers"] == "ms-defender-containers"
    assert adv.service_account_ids["cspm"] == "microsoft-defender-cspm"
    assert adv.providers["cspm"].audience == "api://other"
    assert adv.providers["containers"].provider_id == "containers-2"
    assert adv.containers_predefined_roles == ("roles/container.viewer",)
    assert adv.k8s_operator_extra_roles == ()
    assert adv.audit_log_types == ("DATA_READ",)
    assert adv.apis == ("container.googleapis.com",)
    assert adv.cloud_logs_publisher is False


BAD: list[tuple[Any, str, str]] = [
    ({k: v for k, v in MINIMAL.items() if k != "projectId"}, "gcp.projectId", "is required"),
    (with_("projectId", "Contoso_Prod"), "gcp.projectId", "GCP project ID"),
    (with_("projectId", "short"), "gcp.projectId", "GCP project ID"),
    (with_("projectId", "ends-with-dash-"), "gcp.projectId", "GCP project ID"),
    (with_("projectNumber", "12345678901a"), "gcp.projectNumber", "digits only"),
    (with_("projectNumber", "contoso-gke-prod"), "gcp.projectNumber", "digits only"),
    (with_("projectNumber", 123456789012), "gcp.projectNumber", "quoted as a string"),
    (with_("azureTenantId", "contoso.onmicrosoft.com"), "gcp.azureTenantId", "GUID"),
    (with_("scanIntervalHours", 0), "gcp.scanIntervalHours", "from 1 to 24"),
    (with_("projectNumbr", "1"), "gcp.projectNumbr", "unknown key"),
    (with_("connector", None), "gcp.connector", "is required"),
    (with_("connector.location", "West Europe"), "gcp.connector.location", "short form"),
    (with_("connector.name", "-bad"), "gcp.connector.name", "connector name"),
    (with_("leastPrivilege", "yes"), "gcp.leastPrivilege", "true or false"),
    (with_("offerings", {"cspm": False, "containers": False}), "gcp.offerings", "at least one"),
    (with_("offerings.defenderCspm", True), "gcp.offerings.defenderCspm", "unknown key"),
    (with_("organization", {}), "gcp.organization.organizationId", "is required"),
    (with_("organization", {"organizationId": "organizations/987654321098"}),
     "gcp.organization.organizationId", "GCP organization ID"),
    (with_("organization", {"organizationId": 987654321098}),
     "gcp.organization.organizationId", "quoted as a string"),
    (with_("organization", {**ORGANIZATION, "excludedProjectNumbers": ["x"]}),
     "gcp.organization.excludedProjectNumbers[0]", "digits only"),
    (with_("organization", {**ORGANIZATION, "excludedProjectNumbers": ["123456789012"]}),
     "gcp.organization.excludedProjectNumbers", "management project"),
    (with_("organization", {**ORGANIZATION, "excludedProjectNumbers": ["4", "4"]}),
     "gcp.organization.excludedProjectNumbers[1]", "more than once"),
    (with_("organization", {**ORGANIZATION, "folderIds": ["1"]}),
     "gcp.organization.folderIds", "unknown key"),
    (with_("advanced.workloadIdentityPoolId", "gcp-pool"), "gcp.advanced.workloadIdentityPoolId",
     "workload identity pool ID"),
    (with_("advanced.workloadIdentityPoolId", "11111111-2222-3333-4444-555555555555"),
     "gcp.advanced.workloadIdentityPoolId", "workload identity pool ID"),
    (with_("advanced.serviceAccountIds.containers", "Defender"),
     "gcp.advanced.serviceAccountIds.containers", "service account ID"),
    (with_("advanced.serviceAccountIds.scanner", "mdc-scanner"),
     "gcp.advanced.serviceAccountIds.scanner", "unknown key"),
    (with_("advanced.serviceAccountIds", {"cspm": "same-account", "containers": "same-account"}),
     "gcp.advanced.serviceAccountIds", "two service accounts the ID same-account"),
    (with_("advanced.providerIds.cspm", "containers"), "gcp.advanced.providerIds",
     "two providers the ID containers"),
    (with_("advanced.audiences.cspm", "6e81e733"), "gcp.advanced.audiences.cspm", "api://"),
    (with_("advanced.issuerUri", "sts.windows.net"), "gcp.advanced.issuerUri", "https://"),
    (with_("advanced.containersPredefinedRoles", ["container.admin"]),
     "gcp.advanced.containersPredefinedRoles[0]", "predefined role"),
    (with_("advanced.k8sOperatorExtraRoles", ["Owner"]),
     "gcp.advanced.k8sOperatorExtraRoles[0]", "must be one of"),
    (with_("advanced.auditLogTypes", ["ALL"]), "gcp.advanced.auditLogTypes[0]",
     "must be one of"),
    (with_("advanced.apis", ["container"]), "gcp.advanced.apis[0]", "service name"),
    ([], "gcp", "must be an object"),
]


@pytest.mark.parametrize(("raw", "key", "problem"), BAD,
                         ids=[f"{key}:{problem}" for _, key, problem in BAD])
def test_bad_config_names_the_key(raw: Any, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_gcp(raw)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"defender-containers:{key}: ")
    assert "\n" not in str(caught.value)
    assert problem in caught.value.problem


@pytest.mark.parametrize(("line", "message"), [
    ('    projectId: "Contoso"',
     "error: defender-containers:gcp.projectId: must be a GCP project ID (6-30 lower-case "
     "letters, digits or -, starting with a letter, not ending with -), got 'Contoso'"),
    ('    projectNumber: "12-34"',
     'error: defender-containers:gcp.projectNumber: must be a GCP project number (digits only, '
     "such as \"123456789012\"), got '12-34'"),
    ('    organization: {organizationId: "organizations/1"}',
     "error: defender-containers:gcp.organization.organizationId: must be a GCP organization ID "
     "(digits only, without the organizations/ prefix, such as \"123456789012\"), got "
     "'organizations/1'"),
])
def test_the_offline_preview_exits_1_with_one_line_naming_the_key(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str) -> None:
    # In process: test_offline_preview.py runs `python -m stacks.offline` itself for exit 1.
    base = (ROOT / "examples" / "Pulumi.gcp-project.yaml").read_text()
    key = line.split(":", maxsplit=1)[0]
    text = "\n".join(line if other.startswith(key + ":") else other
                     for other in base.splitlines())
    if line not in text:
        text = text.replace("    leastPrivilege: true", f"    leastPrivilege: true\n{line}")
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text)
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [message]


def readme_example() -> dict[str, Any]:
    text = README.read_text()
    section = text.split("<!-- section: gcp-connector -->")[1].split(
        "<!-- end section: gcp-connector -->")[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the gcp-connector README section has no yaml example"
    example: dict[str, Any] = yaml.safe_load(blocks[0])
    return example


def test_readme_example_stack_file_is_valid() -> None:
    config = parse_gcp(readme_example()["config"]["defender-containers:gcp"])
    assert isinstance(config, GcpConnectorConfig)
    assert config.offerings.containers
