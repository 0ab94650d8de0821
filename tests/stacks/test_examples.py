"""The committed example stacks (examples/Pulumi.*.yaml) pass the real config validation and
render offline to what each one promises, so they cannot rot."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stacks.ci import stack_files
from stacks.config import StackConfig, load_config
from stacks.offline.placeholders import RANDOM_UUID
from stacks.offline.preview import Rendering, header, render
from stacks.offline.stackfile import read_stack_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("Pulumi.*.yaml"))
PA = "azure-native:authorization:PolicyAssignment"
RA = "azure-native:authorization:RoleAssignment"
REM_MG = "azure-native:policyinsights:RemediationAtManagementGroup"
ROLE = "aws:iam/role:Role"
CONNECTOR = "azure-native:security:SecurityConnector"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
TRUSTED_ACCESS = "azure-native:containerservice:TrustedAccessRoleBinding"
WORKSPACE = "azure-native:operationalinsights:Workspace"
GCP_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
GCP_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
GCP_ORG_ROLE = "gcp:organizations/iAMCustomRole:IAMCustomRole"
GCP_PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"


def example(stack: str) -> Path:
    return ROOT / "examples" / f"Pulumi.{stack}.yaml"


def validated(path: Path) -> StackConfig:
    stack = read_stack_file(path)
    pulumi.runtime.set_all_config(stack.config)
    try:
        return load_config()
    finally:
        pulumi.runtime.set_all_config({})


@cache
def rendered(path: Path) -> Rendering:
    """Each example is rendered once per test process (a render takes seconds)."""
    return render(read_stack_file(path))


def of_type(rendering: Rendering, type_: str) -> list[dict[str, Any]]:
    return [r.inputs for r in rendering.registrations if r.type == type_]


def test_the_six_documented_examples_are_committed() -> None:
    assert {p.name for p in EXAMPLES} == {
        "Pulumi.policy-management-group.yaml", "Pulumi.aws-account.yaml",
        "Pulumi.aws-organization.yaml", "Pulumi.locked-clusters.yaml",
        "Pulumi.gcp-project.yaml", "Pulumi.gcp-organization.yaml",
    }


def test_ci_does_not_take_the_examples_for_stacks_to_deploy() -> None:
    # CI previews and deploys the Pulumi.<stack>.yaml files next to Pulumi.yaml (README, CI).
    names = {p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in EXAMPLES}
    assert names.isdisjoint(stack_files.stacks(ROOT))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_passes_the_config_validation_and_renders(path: Path) -> None:
    config = validated(path)
    assert config.azure is not None or config.aws is not None or config.gcp is not None
    rendering = rendered(path)
    assert any(r.custom for r in rendering.registrations)


def test_management_group_example_assigns_all_five_policies_at_the_group() -> None:
    config = validated(example("policy-management-group"))
    assert config.aws is None
    assert config.azure is not None
    assert config.azure.management_groups == ("contoso-platform",)
    assert config.azure.plan.agentless_vm_scanning is False

    rendering = rendered(example("policy-management-group"))
    scope = "/providers/Microsoft.Management/managementGroups/contoso-platform"
    assignments = {a["policyAssignmentName"]: a for a in of_type(rendering, PA)}
    assert set(assignments) == {"mdc-containers-plan", "mdc-aks-sensor", "mdc-arc-sensor",
                                "mdc-aks-policy-addon", "mdc-arc-policy-ext"}
    assert {a["scope"] for a in assignments.values()} == {scope}
    plan = assignments["mdc-containers-plan"]["parameters"]
    assert plan["isAgentlessVmScanningEnabled"] == {"value": "false"}
    assert plan["isContainerRegistriesVulnerabilityAssessmentsEnabled"] == {"value": "true"}
    remediations = of_type(rendering, REM_MG)
    assert len(remediations) == 5
    assert {r["resourceDiscoveryMode"] for r in remediations} == {"ExistingNonCompliant"}
    owner = [r for r in of_type(rendering, RA) if r["roleDefinitionId"].endswith("8e3af657-a8ff"
                                                                                  "-443c-a75c-2fe8c4bcb635")]
    assert [r["scope"] for r in owner] == [scope]


def test_aws_account_example_wires_role_arns_into_the_connector() -> None:
    config = validated(example("aws-account"))
    assert config.azure is None
    assert config.aws is not None
    assert config.aws.account_id == "123456789012"
    assert config.aws.organization is None

    rendering = rendered(example("aws-account"))
    roles = {r["name"] for r in of_type(rendering, ROLE)}
    assert "MDCContainersImageAssessmentRole" in roles
    assert "CspmMonitorAws" in roles
    (connector,) = of_type(rendering, CONNECTOR)
    assert connector["hierarchyIdentifier"] == "123456789012"
    offerings = {o["offeringType"]: o for o in connector["offerings"]}
    assert set(offerings) == {"CspmMonitorAws", "DefenderForContainersAws"}
    assert offerings["DefenderForContainersAws"]["mdcContainersImageAssessment"] == {
        "enabled": True,
        "cloudRoleArn": "arn:aws:iam::123456789012:role/MDCContainersImageAssessmentRole"}
    assert of_type(rendering, STACK_SET) == []
    # The data-collection external ID is random (made at the first `pulumi up`): one placeholder,
    # the same in the role's trust and in the connector.
    (uuid,) = [r for r in rendering.registrations if r.type == "random:index/randomUuid:RandomUuid"]
    trust = json.loads({r["name"]: r for r in of_type(rendering, ROLE)}[
        "MDCContainersK8sDataCollectionRole"]["assumeRolePolicy"])
    external_ids = [s["Condition"]["StringEquals"]["sts:ExternalId"] for s in trust["Statement"]
                    if "sts:ExternalId" in s.get("Condition", {}).get("StringEquals", {})]
    assert external_ids == [RANDOM_UUID]
    assert offerings["DefenderForContainersAws"]["dataCollectionExternalId"] == RANDOM_UUID
    assert uuid.name.endswith("data-collection-external-id")
    assert rendering.outputs["awsRoleArns"]["cspmMonitor"] == (
        "arn:aws:iam::123456789012:role/CspmMonitorAws")


def test_organization_example_deploys_the_roles_to_member_accounts() -> None:
    config = validated(example("aws-organization"))
    assert config.aws is not None
    assert config.aws.organization is not None
    rendering = rendered(example("aws-organization"))
    (stack_set,) = of_type(rendering, STACK_SET)
    assert stack_set["name"] == "MicrosoftDefenderForCloudRoles"
    assert stack_set["permissionModel"] == "SERVICE_MANAGED"
    (instance,) = of_type(rendering, STACK_SET_INSTANCE)
    assert instance["deploymentTargets"] == {"organizationalUnitIds": ["r-ab12"],
                                             "accountFilterType": "DIFFERENCE",
                                             "accounts": ["210987654321"]}
    (connector,) = of_type(rendering, CONNECTOR)
    organization = connector["environmentData"]["organizationalData"]
    assert organization["organizationMembershipType"] == "Organization"
    assert organization["excludedAccountIds"] == ["210987654321"]
    assert {o["offeringType"] for o in connector["offerings"]} == {
        "CspmMonitorAws", "DefenderForContainersAws", "DefenderCspmAws"}


def test_locked_clusters_example_binds_trusted_access_and_tagged_workspaces() -> None:
    config = validated(example("locked-clusters"))
    assert config.azure is not None
    assert config.azure.sensor_workspace is not None
    rendering = rendered(example("locked-clusters"))
    bindings = of_type(rendering, TRUSTED_ACCESS)
    assert {b["resourceName"] for b in bindings} == {"aks-prod-01"}
    assert {b["trustedAccessRoleBindingName"] for b in bindings} == {
        "defender-cloudposture", "defender-containers"}
    workspaces = {w["workspaceName"]: w for w in of_type(rendering, WORKSPACE)}
    assert set(workspaces) == {"mdc-sensor-westeurope", "mdc-sensor-eastus"}
    assert {json.dumps(w["tags"], sort_keys=True) for w in workspaces.values()} == {
        json.dumps({"costCenter": "42", "owner": "secops"}, sort_keys=True)}
    sensors = {a["policyAssignmentName"]: a for a in of_type(rendering, PA)
               if a["policyAssignmentName"].startswith("mdc-aks-sensor")}
    assert set(sensors) == {"mdc-aks-sensor-weu", "mdc-aks-sensor-eus"}
    assert sensors["mdc-aks-sensor-weu"]["parameters"]["logAnalyticsWorkspaceResourceId"][
        "value"].endswith("/workspaces/mdc-sensor-westeurope")


def test_gcp_project_example_shows_identities_roles_and_offerings() -> None:
    config = validated(example("gcp-project"))
    assert (config.azure, config.aws) == (None, None)
    assert config.gcp is not None
    assert config.gcp.organization is None
    rendering = rendered(example("gcp-project"))
    accounts = {a["accountId"] for a in of_type(rendering, GCP_ACCOUNT)}
    assert accounts == {"microsoft-defender-containers", "ms-defender-containers-stream",
                        "mdc-containers-k8s-operator", "mdc-containers-artifact-assess",
                        "microsoft-defender-cspm"}
    assert {p["workloadIdentityPoolProviderId"] for p in of_type(rendering, GCP_PROVIDER)} == {
        "containers", "containers-streams", "cspm"}
    (pool,) = of_type(rendering, GCP_POOL)
    assert pool["workloadIdentityPoolId"] == "11111111111111111111111111111111"
    (connector,) = of_type(rendering, CONNECTOR)
    assert connector["hierarchyIdentifier"] == "123456789012"
    offerings = {o["offeringType"]: o for o in connector["offerings"]}
    assert set(offerings) == {"CspmMonitorGcp", "DefenderForContainersGcp"}
    # The emails the offline mocks give are GCP's own form for the stack's project.
    assert offerings["DefenderForContainersGcp"]["mdcContainersImageAssessment"] == {
        "enabled": True, "workloadIdentityProviderId": "containers",
        "serviceAccountEmailAddress":
            "mdc-containers-artifact-assess@contoso-gke-prod.iam.gserviceaccount.com"}
    assert of_type(rendering, GCP_ORG_ROLE) == []
    assert rendering.outputs["gcpServiceAccountEmails"]["cspm"] == (
        "microsoft-defender-cspm@contoso-gke-prod.iam.gserviceaccount.com")
    assert any(line.startswith("GCP answers as if the provider were set to the stack's "
                               "projectId") for line in header(rendering))


def test_gcp_organization_example_grants_on_the_organization() -> None:
    config = validated(example("gcp-organization"))
    assert config.gcp is not None
    assert config.gcp.organization is not None
    rendering = rendered(example("gcp-organization"))
    assert {r["orgId"] for r in of_type(rendering, GCP_ORG_ROLE)} == {"123456789012"}
    assert of_type(rendering, GCP_PROJECT_MEMBER) == []
    assert "mdc-onboarding-sa" in {a["accountId"] for a in of_type(rendering, GCP_ACCOUNT)}
    (connector,) = of_type(rendering, CONNECTOR)
    organization = connector["environmentData"]["organizationalData"]
    assert organization == {
        "organizationMembershipType": "Organization",
        "excludedProjectNumbers": ["456789012345"],
        "serviceAccountEmailAddress":
            "mdc-onboarding-sa@mdc-mgmt-proj-123456789012.iam.gserviceaccount.com",
        "workloadIdentityProviderId": "auto-provisioner"}
