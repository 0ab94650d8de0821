"""Every comment in examples/Pulumi.*.yaml says something true: each one holds a claim checked
here against the offline preview (or the config validation the program runs first), or is
listed as an instruction or an outside fact that no rendering can show. A new or reworded
comment fails `test_every_comment_is_classified` until it gets its check."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stacks.config import ConfigError, StackConfig, load_config
from stacks.offline.placeholders import RANDOM_UUID
from stacks.offline.preview import Rendering, render
from stacks.offline.stackfile import read_stack_file
from tests.stacks.test_examples import EXAMPLES, example, of_type, rendered

PA = "azure-native:authorization:PolicyAssignment"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
CONNECTOR = "azure-native:security:SecurityConnector"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
BINDING = "azure-native:containerservice:TrustedAccessRoleBinding"
WORKSPACE = "azure-native:operationalinsights:Workspace"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
REM_MG = "azure-native:policyinsights:RemediationAtManagementGroup"


def comments(path: Path) -> list[str]:
    """A block of full-line comments is one comment; a trailing comment is one on its own."""
    found: list[str] = []
    block: list[str] = []
    for line in path.read_text().splitlines():
        full = re.match(r"^\s*#\s?(.*)$", line)
        if full:
            block.append(full[1].strip())
            continue
        if block:
            found.append(" ".join(block))
            block = []
        trailing = re.search(r"\s#\s?(.*)$", line)
        if trailing:
            found.append(trailing[1].strip())
    if block:
        found.append(" ".join(block))
    return [" ".join(text.split()) for text in found]


def _edited(stack: str, old: str, new: str, tmp: Path) -> Path:
    text = example(stack).read_text()
    assert text.count(old) == 1, f"{old!r} not once in the {stack} example"
    path = tmp / f"Pulumi.{stack}.yaml"
    path.write_text(text.replace(old, new))
    return path


def validate_edited(stack: str, old: str, new: str, tmp: Path) -> StackConfig:
    """The example with one edit, through the program's config validation only (fast)."""
    config = read_stack_file(_edited(stack, old, new, tmp)).config
    pulumi.runtime.set_all_config(config)
    try:
        return load_config()
    finally:
        pulumi.runtime.set_all_config({})


@cache
def render_edited(stack: str, old: str, new: str) -> Rendering:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return render(read_stack_file(_edited(stack, old, new, Path(tmp))))


def base(stack: str) -> Rendering:
    return rendered(example(stack))


def attached(rendering: Rendering, role: str) -> set[str]:
    return {a["policyArn"].rsplit("/", 1)[1] for a in of_type(rendering, ATTACHMENT)
            if a["role"] == role}


def offerings(rendering: Rendering) -> dict[str, dict[str, Any]]:
    (connector,) = of_type(rendering, CONNECTOR)
    return {o["offeringType"]: o for o in connector["offerings"]}


def assignments(rendering: Rendering) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for a in of_type(rendering, PA):
        found.setdefault(a["policyAssignmentName"], []).append(a)
    return found


Check = Callable[[Path], None]


# --- aws-account ---------------------------------------------------------------------------

def aws_only(tmp: Path) -> None:
    assert validate_edited("aws-account", "scanIntervalHours: 4", "scanIntervalHours: 4",
                           tmp).azure is None
    assert of_type(base("aws-account"), PA) == []


def image_assessment_on(tmp: Path) -> None:
    assert offerings(base("aws-account"))["DefenderForContainersAws"][
        "mdcContainersImageAssessment"]["enabled"] is True


def oidc_and_one_role_per_capability_and_the_connector(tmp: Path) -> None:
    rendering = base("aws-account")
    (oidc,) = of_type(rendering, OIDC)
    assert oidc["url"] == "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
    roles = {r["name"] for r in of_type(rendering, ROLE)}
    # cspm: 1 role; containers: k8s, data collection, two Kinesis, discovery, image assessment.
    assert len(roles) == 7
    assert len(of_type(rendering, CONNECTOR)) == 1


def iam_is_global(tmp: Path) -> None:
    aws = {r.type for r in base("aws-account").registrations if r.type.startswith("aws:")}
    assert aws
    assert all(t.startswith("aws:iam/") for t in aws)


def account_must_be_quoted(tmp: Path) -> None:
    with pytest.raises(ConfigError, match="accountId"):
        validate_edited("aws-account", 'accountId: "123456789012"', "accountId: 012345670123",
                        tmp)


def resource_group_is_not_created(tmp: Path) -> None:
    types = {r.type for r in base("aws-account").registrations}
    assert "azure-native:resources:ResourceGroup" not in types
    (connector,) = of_type(base("aws-account"), CONNECTOR)
    assert connector["resourceGroupName"] == "rg-defender"


def empty_name_is_aws_account(tmp: Path) -> None:
    (connector,) = of_type(base("aws-account"), CONNECTOR)
    assert connector["securityConnectorName"] == "aws-123456789012"


def no_regions_means_every_region(tmp: Path) -> None:
    (connector,) = of_type(base("aws-account"), CONNECTOR)
    assert "regions" not in connector["environmentData"]


def interval_1_to_24(tmp: Path) -> None:
    for good in ("1", "24"):
        config = validate_edited("aws-account", "scanIntervalHours: 4",
                                 f"scanIntervalHours: {good}", tmp)
        assert config.aws is not None
    for bad in ("0", "25"):
        with pytest.raises(ConfigError, match="scanIntervalHours"):
            validate_edited("aws-account", "scanIntervalHours: 4", f"scanIntervalHours: {bad}",
                            tmp)


def foundational_cspm(tmp: Path) -> None:
    assert offerings(base("aws-account"))["CspmMonitorAws"]["nativeCloudConnection"][
        "cloudRoleArn"] == "arn:aws:iam::123456789012:role/CspmMonitorAws"


def containers_offering(tmp: Path) -> None:
    containers = offerings(base("aws-account"))["DefenderForContainersAws"]
    assert containers["enableAuditLogsAutoProvisioning"] is True  # EKS audit logs
    assert containers["mdcContainersAgentlessDiscoveryK8S"]["enabled"] is True
    assert containers["mdcContainersImageAssessment"]["enabled"] is True


def defender_cspm_needs_cspm(tmp: Path) -> None:
    assert "DefenderCspmAws" not in offerings(base("aws-account"))
    text = example("aws-account").read_text()
    path = tmp / "Pulumi.aws-account.yaml"
    path.write_text(text.replace("      cspm: true", "      cspm: false", 1)
                    .replace("defenderCspm: false", "defenderCspm: true", 1))
    pulumi.runtime.set_all_config(read_stack_file(path).config)
    try:
        with pytest.raises(ConfigError, match="defenderCspm"):
            load_config()
    finally:
        pulumi.runtime.set_all_config({})


def least_privilege_policies(tmp: Path) -> None:
    role = "MDCContainersImageAssessmentRole"
    assert attached(base("aws-account"), role) == {
        "AmazonEC2ContainerRegistryReadOnly", "AmazonElasticContainerRegistryPublicReadOnly"}
    default_access = render_edited("aws-account", "leastPrivilege: true", "leastPrivilege: false")
    assert attached(default_access, role) == {
        "AmazonEC2ContainerRegistryPowerUser", "AmazonElasticContainerRegistryPublicPowerUser"}


def random_external_id(tmp: Path) -> None:
    rendering = base("aws-account")
    assert [r.type for r in rendering.registrations].count(
        "random:index/randomUuid:RandomUuid") == 1
    assert offerings(rendering)["DefenderForContainersAws"][
        "dataCollectionExternalId"] == RANDOM_UUID


# --- aws-organization ----------------------------------------------------------------------

def stackset_to_member_accounts(tmp: Path) -> None:
    rendering = base("aws-organization")
    (stack_set,) = of_type(rendering, STACK_SET)
    assert stack_set["permissionModel"] == "SERVICE_MANAGED"
    template = json.loads(stack_set["templateBody"])
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert kinds.count("AWS::IAM::OIDCProvider") == 1
    member_roles = {r["Properties"]["RoleName"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::IAM::Role"}
    assert member_roles == {r["name"] for r in of_type(rendering, ROLE)}


def management_account_connector(tmp: Path) -> None:
    (connector,) = of_type(base("aws-organization"), CONNECTOR)
    assert connector["hierarchyIdentifier"] == "111122223333"
    assert connector["environmentData"]["organizationalData"][
        "organizationMembershipType"] == "Organization"


def only_these_regions(tmp: Path) -> None:
    (connector,) = of_type(base("aws-organization"), CONNECTOR)
    assert connector["environmentData"]["regions"] == ["us-east-1", "eu-central-1"]


def defender_cspm_with_container_extensions(tmp: Path) -> None:
    cspm = offerings(base("aws-organization"))["DefenderCspmAws"]
    assert cspm["mdcContainersImageAssessment"]["enabled"] is True
    assert cspm["mdcContainersAgentlessDiscoveryK8S"]["enabled"] is True


def stackset_name_default(tmp: Path) -> None:
    config = validate_edited(
        "aws-organization",
        "      stacksetName: MicrosoftDefenderForCloudRoles   # the default\n", "", tmp)
    assert config.aws is not None
    assert config.aws.organization is not None
    assert config.aws.organization.stackset_name == "MicrosoftDefenderForCloudRoles"


def root_or_units(tmp: Path) -> None:
    (instance,) = of_type(base("aws-organization"), STACK_SET_INSTANCE)
    assert instance["deploymentTargets"]["organizationalUnitIds"] == ["r-ab12"]
    assert validate_edited("aws-organization", "[r-ab12]", "[ou-ab12-11111111]", tmp).aws
    with pytest.raises(ConfigError, match="organizationalUnitIds"):
        validate_edited("aws-organization", "[r-ab12]", "[contoso]", tmp)


def excluded_accounts(tmp: Path) -> None:
    (instance,) = of_type(base("aws-organization"), STACK_SET_INSTANCE)
    assert instance["deploymentTargets"]["accountFilterType"] == "DIFFERENCE"
    assert instance["deploymentTargets"]["accounts"] == ["210987654321"]


# --- locked-clusters -----------------------------------------------------------------------

def locked_clusters_header(tmp: Path) -> None:
    rendering = base("locked-clusters")
    assert {b["trustedAccessRoleBindingName"] for b in of_type(rendering, BINDING)} == {
        "defender-cloudposture", "defender-containers"}
    workspaces = of_type(rendering, WORKSPACE)
    assert sorted(w["location"] for w in workspaces) == ["eastus", "westeurope"]
    assert all(w["tags"] for w in workspaces)
    sensors = [a for name, found in assignments(rendering).items() for a in found
               if name.startswith("mdc-aks-sensor")]
    assert sensors
    assert all("/workspaces/mdc-sensor-" in a["parameters"][
        "logAnalyticsWorkspaceResourceId"]["value"] for a in sensors)


def clusters_subscription(tmp: Path) -> None:
    scopes = {a["scope"] for found in assignments(base("locked-clusters")).values()
              for a in found}
    assert scopes == {"/subscriptions/11111111-1111-1111-1111-111111111111"}


def full_cluster_ids(tmp: Path) -> None:
    bindings = of_type(base("locked-clusters"), BINDING)
    assert {(b["resourceGroupName"], b["resourceName"]) for b in bindings} == {
        ("rg-aks", "aks-prod-01")}


def documented_cspm_binding(tmp: Path) -> None:
    (cspm,) = [b for b in of_type(base("locked-clusters"), BINDING)
               if b["trustedAccessRoleBindingName"] == "defender-cloudposture"]
    assert cspm["sourceResourceId"].endswith(
        "/pricings/CloudPosture/securityOperators/DefenderCSPMSecurityOperator")


def unverified_defaults(tmp: Path) -> None:
    # The example spells out the defaults: without the two lines the stack binds the same.
    config = validate_edited(
        "locked-clusters",
        "      containersBindingName: defender-containers      # `az aks trustedaccess "
        "rolebinding list`\n      containersRoles: [Microsoft.Security/pricings/"
        "microsoft-defender-operator]\n", "", tmp)
    (binding,) = [b for b in of_type(base("locked-clusters"), BINDING)
                  if b["sourceResourceId"].endswith("DefenderForContainersSecurityOperator")]
    assert config.azure is not None
    access = config.azure.trusted_access
    assert (access.containers_binding_name, list(access.containers_roles)) == (
        binding["trustedAccessRoleBindingName"], binding["roles"])


def security_team_subscription(tmp: Path) -> None:
    sensors = [a for name, found in assignments(base("locked-clusters")).items() for a in found
               if name.startswith("mdc-aks-sensor")]
    assert {a["parameters"]["logAnalyticsWorkspaceResourceId"]["value"].split(
        "/providers/")[0] for a in sensors} == {
        "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-defender-sensor"}


def workspace_names(tmp: Path) -> None:
    assert {w["workspaceName"] for w in of_type(base("locked-clusters"), WORKSPACE)} == {
        "mdc-sensor-westeurope", "mdc-sensor-eastus"}


def tags_on_what_is_created(tmp: Path) -> None:
    rendering = base("locked-clusters")
    created = [*of_type(rendering, WORKSPACE),
               *of_type(rendering, "azure-native:resources:ResourceGroup")]
    assert created
    assert all(r["tags"] == {"costCenter": "42", "owner": "secops"}
                           for r in created)


def workspaces_created(tmp: Path) -> None:
    assert len(of_type(base("locked-clusters"), WORKSPACE)) == 2


def other_regions_none(tmp: Path) -> None:
    sensors = [a for name, found in assignments(base("locked-clusters")).items() for a in found
               if name.startswith(("mdc-aks-sensor", "mdc-arc-sensor"))]
    assert sensors
    assert all(a.get("resourceSelectors") for a in sensors)


# --- policy-management-group ---------------------------------------------------------------

MG = "/providers/Microsoft.Management/managementGroups/contoso-platform"


def azure_only(tmp: Path) -> None:
    assert not [r for r in base("policy-management-group").registrations
                if r.type.startswith("aws:")]


def identities_region(tmp: Path) -> None:
    found = [a for f in assignments(base("policy-management-group")).values() for a in f]
    assert {a["location"] for a in found} == {"westeurope"}


def everything_at_the_group(tmp: Path) -> None:
    found = assignments(base("policy-management-group"))
    assert {"mdc-containers-plan", "mdc-aks-sensor", "mdc-aks-policy-addon"} <= set(found)
    assert {a["scope"] for f in found.values() for a in f} == {MG}


def subscriptions_are_guids(tmp: Path) -> None:
    with pytest.raises(ConfigError, match="subscriptions"):
        validate_edited("policy-management-group", "subscriptions: []",
                        "subscriptions: [my-subscription]", tmp)


def plan_definition(tmp: Path) -> None:
    (plan,) = assignments(base("policy-management-group"))["mdc-containers-plan"]
    assert plan["policyDefinitionId"].endswith("/efd4031d-b232-4595-babf-ae817348e91b")


def plan_parameter(name: str, value: str) -> Check:
    def check(tmp: Path) -> None:
        (plan,) = assignments(base("policy-management-group"))["mdc-containers-plan"]
        assert plan["parameters"][name] == {"value": value}
    return check


def sensor_policies(tmp: Path) -> None:
    assert {"mdc-aks-sensor", "mdc-arc-sensor"} <= set(assignments(base("policy-management-group")))


def default_workspace(tmp: Path) -> None:
    found = assignments(base("policy-management-group"))
    for name in ("mdc-aks-sensor", "mdc-arc-sensor"):
        (sensor,) = found[name]
        assert sensor["parameters"]["logAnalyticsWorkspaceResourceId"] == {"value": ""}


def policy_addon_and_extension(tmp: Path) -> None:
    assert {"mdc-aks-policy-addon", "mdc-arc-policy-ext"} <= set(
        assignments(base("policy-management-group")))


def arc_too(tmp: Path) -> None:
    assert {"mdc-arc-sensor", "mdc-arc-policy-ext"} <= set(
        assignments(base("policy-management-group")))


def one_remediation_per_assignment(tmp: Path) -> None:
    rendering = base("policy-management-group")
    remediations = of_type(rendering, REM_MG)
    assert len(remediations) == len(of_type(rendering, PA))
    assert {r["resourceDiscoveryMode"] for r in remediations} == {"ExistingNonCompliant"}


def enforcement_default(tmp: Path) -> None:
    found = [a for f in assignments(base("policy-management-group")).values() for a in f]
    assert {a["enforcementMode"] for a in found} == {"Default"}


# --- gcp-project, gcp-organization -----------------------------------------------------------

GCP_ACCOUNT = "gcp:serviceaccount/account:Account"
GCP_POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
GCP_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
GCP_SERVICE = "gcp:projects/service:Service"
GCP_PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
GCP_ORG_MEMBER = "gcp:organizations/iAMMember:IAMMember"
GCP_PROJECT_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
GCP_ORG_ROLE = "gcp:organizations/iAMCustomRole:IAMCustomRole"
GCP_PROJECT_AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
GCP_SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"


def granted(rendering: Rendering, account_id: str) -> set[str]:
    """The roles granted to one service account, custom ones by their role ID."""
    return {m["role"].rsplit("/", 1)[-1] if "/roles/" in m["role"] else m["role"]
            for m in [*of_type(rendering, GCP_PROJECT_MEMBER), *of_type(rendering, GCP_ORG_MEMBER)]
            if m["member"].startswith(f"serviceAccount:{account_id}@")}


def gcp_config(stack: str, tmp: Path) -> StackConfig:
    return validate_edited(stack, "leastPrivilege: true", "leastPrivilege: true", tmp)


def gcp_project_header(tmp: Path) -> None:
    config = gcp_config("gcp-project", tmp)
    assert (config.azure, config.aws, config.gcp is not None) == (None, None, True)
    rendering = base("gcp-project")
    assert {r.type for r in rendering.registrations if not r.type.startswith("gcp:")} == {
        "defender:gcp:GcpConnector", CONNECTOR}
    assert len(of_type(rendering, GCP_POOL)) == 1
    assert {p["workloadIdentityPoolProviderId"] for p in of_type(rendering, GCP_PROVIDER)} == {
        "containers", "containers-streams", "cspm"}
    accounts = {a["accountId"] for a in of_type(rendering, GCP_ACCOUNT)}
    assert len(accounts) == 5
    assert {a["project"] for a in of_type(rendering, GCP_ACCOUNT)} == {"contoso-gke-prod"}
    # Defender impersonates each account through the pool, and each one has its roles.
    assert len(of_type(rendering, GCP_SA_MEMBER)) == len(accounts)
    assert all(granted(rendering, account) for account in accounts)
    assert {s["project"] for s in of_type(rendering, GCP_SERVICE)} == {"contoso-gke-prod"}
    assert "container.googleapis.com" in {s["service"] for s in of_type(rendering, GCP_SERVICE)}
    (audit,) = of_type(rendering, GCP_PROJECT_AUDIT)
    assert (audit["project"], audit["service"]) == ("contoso-gke-prod", "container.googleapis.com")
    assert {c["logType"] for c in audit["auditLogConfigs"]} >= {"DATA_READ", "DATA_WRITE"}
    assert len(of_type(rendering, CONNECTOR)) == 1


def provider_project_is_project_id(stack: str) -> Check:
    def check(tmp: Path) -> None:
        config = gcp_config(stack, tmp)
        assert config.gcp is not None
        assert read_stack_file(example(stack)).config["gcp:project"] == config.gcp.project_id
    return check


def project_number_must_be_quoted(tmp: Path) -> None:
    with pytest.raises(ConfigError, match="projectNumber"):
        validate_edited("gcp-project", 'projectNumber: "123456789012"',
                        "projectNumber: 123456789012", tmp)


def gcp_resource_group_is_not_created(tmp: Path) -> None:
    rendering = base("gcp-project")
    assert "azure-native:resources:ResourceGroup" not in {r.type for r in rendering.registrations}
    (connector,) = of_type(rendering, CONNECTOR)
    assert connector["resourceGroupName"] == "rg-defender"


def empty_name_is_gcp_project(tmp: Path) -> None:
    (connector,) = of_type(base("gcp-project"), CONNECTOR)
    assert connector["securityConnectorName"] == "gcp-contoso-gke-prod"


def gcp_interval_1_to_24(tmp: Path) -> None:
    (connector,) = of_type(base("gcp-project"), CONNECTOR)
    assert connector["environmentData"]["scanInterval"] == 4
    for good in ("1", "24"):
        config = validate_edited("gcp-project", "scanIntervalHours: 4",
                                 f"scanIntervalHours: {good}", tmp)
        assert config.gcp is not None
        assert config.gcp.scan_interval_hours == int(good)
    for bad in ("0", "25"):
        with pytest.raises(ConfigError, match="scanIntervalHours"):
            validate_edited("gcp-project", "scanIntervalHours: 4", f"scanIntervalHours: {bad}",
                            tmp)


def gcp_foundational_cspm(tmp: Path) -> None:
    assert offerings(base("gcp-project"))["CspmMonitorGcp"]["nativeCloudConnection"] == {
        "serviceAccountEmailAddress":
            "microsoft-defender-cspm@contoso-gke-prod.iam.gserviceaccount.com",
        "workloadIdentityProviderId": "cspm"}
    without = render_edited("gcp-project", "cspm: true", "cspm: false")
    assert "CspmMonitorGcp" not in offerings(without)
    assert "microsoft-defender-cspm" not in {a["accountId"] for a in of_type(without, GCP_ACCOUNT)}


def gke_containers_offering(tmp: Path) -> None:
    rendering = base("gcp-project")
    containers = offerings(rendering)["DefenderForContainersGcp"]
    assert containers["enableAuditLogsAutoProvisioning"] is True  # GKE audit logs
    assert containers["enableDefenderAgentAutoProvisioning"] is True  # the sensor
    assert containers["mdcContainersAgentlessDiscoveryK8S"]["enabled"] is True
    assert containers["mdcContainersImageAssessment"]["enabled"] is True  # MDVM images
    assert len(of_type(rendering, GCP_PROJECT_AUDIT)) == 1


def gcp_least_privilege_roles(tmp: Path) -> None:
    account = "mdc-containers-artifact-assess"
    assert granted(base("gcp-project"), account) == {
        "roles/artifactregistry.reader", "roles/storage.objectViewer"}
    default_access = render_edited("gcp-project", "leastPrivilege: true", "leastPrivilege: false")
    assert granted(default_access, account) == {
        "roles/storage.objectUser", "roles/artifactregistry.writer",
        "MDCWritingGarAssessmentsRole"}
    (role,) = [r for r in of_type(default_access, GCP_PROJECT_ROLE)
               if r["roleId"] == "MDCWritingGarAssessmentsRole"]
    assert "artifactregistry.repositories.uploadArtifacts" in role["permissions"]


ADVANCED_LINE = ("    # advanced:                             # Microsoft's readings; the README "
                 "lists each one\n")


def readme_lists_each_advanced_key(tmp: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_edited("gcp-project", ADVANCED_LINE, "    advanced: {notAKey: 1}\n", tmp)
    known = caught.value.problem.split("known keys here are ", 1)[1].split(", ")
    assert len(known) >= 9
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert [k for k in known if f"`advanced.{k}" not in readme] == []


def pool_id_default(tmp: Path) -> None:
    (pool,) = of_type(base("gcp-project"), GCP_POOL)
    assert pool["workloadIdentityPoolId"] == "11111111111111111111111111111111"
    config = validate_edited("gcp-project", "azureTenantId: 11111111-1111-1111-1111-111111111111",
                             "azureTenantId: 2a2b3c4d-0000-4000-8000-00000000abcd", tmp)
    assert config.gcp is not None
    assert config.gcp.pool_id == "2a2b3c4d00004000800000000000abcd"


def containers_predefined_roles_default(tmp: Path) -> None:
    predefined = {r for r in granted(base("gcp-project"), "microsoft-defender-containers")
                  if r.startswith("roles/")}
    assert predefined == {"roles/container.admin", "roles/pubsub.admin"}


def gcp_organization_header(tmp: Path) -> None:
    rendering = base("gcp-organization")
    # Identities in the management project ...
    assert {a["project"] for a in of_type(rendering, GCP_ACCOUNT)} == {
        "mdc-mgmt-proj-123456789012"}
    # ... roles and grants on the organization, none on a project ...
    assert {r["orgId"] for r in of_type(rendering, GCP_ORG_ROLE)} == {"123456789012"}
    assert {m["orgId"] for m in of_type(rendering, GCP_ORG_MEMBER)} == {"123456789012"}
    assert of_type(rendering, GCP_PROJECT_ROLE) == of_type(rendering, GCP_PROJECT_MEMBER) == []
    # ... and the auto-provisioner, which onboards all but the excluded projects.
    assert granted(rendering, "mdc-onboarding-sa") == {"MDCCustomRole"}
    assert "auto-provisioner" in {p["workloadIdentityPoolProviderId"]
                                  for p in of_type(rendering, GCP_PROVIDER)}
    (connector,) = of_type(rendering, CONNECTOR)
    organization = connector["environmentData"]["organizationalData"]
    assert organization["organizationMembershipType"] == "Organization"
    assert organization["workloadIdentityProviderId"] == "auto-provisioner"
    assert organization["serviceAccountEmailAddress"].startswith("mdc-onboarding-sa@")
    assert organization["excludedProjectNumbers"]


def management_project_is_not_created(tmp: Path) -> None:
    types = {r.type for r in base("gcp-organization").registrations}
    assert "gcp:organizations/project:Project" not in types
    assert types >= {GCP_ACCOUNT, GCP_POOL}


def management_project_naming(tmp: Path) -> None:
    config = gcp_config("gcp-organization", tmp)
    assert config.gcp is not None
    assert config.gcp.organization is not None
    assert config.gcp.project_id == f"mdc-mgmt-proj-{config.gcp.organization.organization_id}"


def organization_id_digits_only(tmp: Path) -> None:
    with pytest.raises(ConfigError, match="organizationId"):
        validate_edited("gcp-organization", 'organizationId: "123456789012"',
                        'organizationId: "organizations/123456789012"', tmp)


def excluded_projects_by_number(tmp: Path) -> None:
    (connector,) = of_type(base("gcp-organization"), CONNECTOR)
    assert connector["environmentData"]["organizationalData"]["excludedProjectNumbers"] == [
        "456789012345"]
    with pytest.raises(ConfigError, match="excludedProjectNumbers"):
        validate_edited("gcp-organization", '["456789012345"]', "[contoso-gke-prod]", tmp)


# Instructions, and facts about Azure, AWS or GCP that no offline rendering can show (their sources
# are in docs/reference.md and the README).
NOT_A_RENDERING: Check | None = None

CLAIMS: dict[str, dict[str, Check | None]] = {
    "aws-account": {
        "AWS only": aws_only,
        "with MDVM image assessment of ECR on": image_assessment_on,
        "Creates Microsoft's OIDC provider and one IAM role per capability in the account, and "
        "the security connector in Azure": oidc_and_one_role_per_capability_and_the_connector,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        # tests/stacks/test_aws_connector.py checks it with other credentials than the mocks'.
        "`pulumi up` stops before creating anything otherwise": NOT_A_RENDERING,
        "any region: IAM is global": iam_is_global,
        "quoted: a YAML number would lose leading zeros": account_must_be_quoted,
        "your Entra tenant (az account show)": NOT_A_RENDERING,
        "must exist already": resource_group_is_not_created,
        '"" = aws-<accountId>': empty_name_is_aws_account,
        "[] = every region (the portal's \"all regions\")": no_regions_means_every_region,
        "1 to 24": interval_1_to_24,
        "foundational CSPM (CspmMonitorAws)": foundational_cspm,
        "EKS audit logs, agentless discovery, MDVM images": containers_offering,
        "Defender CSPM plan; needs cspm: true": defender_cspm_needs_cspm,
        "Image assessment reads ECR with the two read-only managed policies; false attaches the "
        "two ECR PowerUser policies instead (Microsoft's \"default access\")":
            least_privilege_policies,
        "whose writes publish the results to the registry for gated deployment": NOT_A_RENDERING,
        "Microsoft's defaults; override only if its docs differ": NOT_A_RENDERING,
        "default: a random UUID kept in the stack's state": random_external_id,
    },
    "aws-organization": {
        "the connector for the management account, and a service-managed CloudFormation "
        "StackSet that puts the same OIDC provider and roles in every member account":
            stackset_to_member_accounts,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        "trusted access for CloudFormation StackSets must be on": NOT_A_RENDERING,
        "the organization's management account": management_account_connector,
        "only these regions are scanned": only_these_regions,
        "Defender CSPM with its container extensions": defender_cspm_with_container_extensions,
        "the default": stackset_name_default,
        "the root (r-...) or units (ou-...)": root_or_units,
        "Accounts onboarded by hand earlier already have the OIDC provider: exclude them":
            excluded_accounts,
    },
    "locked-clusters": {
        "AKS clusters behind a resource lock get Defender's trusted access bindings from the "
        "stack, and a tag-requiring policy no longer blocks the sensor because it writes to "
        "tagged workspaces this stack creates, one per region": locked_clusters_header,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        "the AKS clusters' subscription": clusters_subscription,
        "full resource IDs of the locked clusters": full_cluster_ids,
        "documented binding defender-cloudposture": documented_cspm_binding,
        "its name and roles below are UNVERIFIED defaults": unverified_defaults,
        "`az aks trustedaccess rolebinding list`": NOT_A_RENDERING,
        "the security team's subscription": security_team_subscription,
        "workspaces mdc-sensor-<region>": workspace_names,
        "what the tag policy requires": tags_on_what_is_created,
        "false: they already exist with these names": workspaces_created,
        "or defaultWorkspace for other regions": other_regions_none,
    },
    "policy-management-group": {
        "Azure only": azure_only,
        "Nothing is created in AWS": azure_only,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        "Region of the policy assignments' managed identities": identities_region,
        "Every subscription under it, today's and future ones, gets the plan, the sensor and "
        "the Azure Policy add-on": everything_at_the_group,
        "subscriptions outside that hierarchy (GUIDs)": subscriptions_are_guids,
        "the Containers plan's extensions (built-in efd4031d)": plan_definition,
        "MDVM scan of registry images (replaces Trivy)": plan_parameter(
            "isContainerRegistriesVulnerabilityAssessmentsEnabled", "true"),
        "example: node VM scanning left off": plan_parameter("isAgentlessVmScanningEnabled",
                                                             "false"),
        "also assigns the AKS (and Arc) sensor policies": sensor_policies,
        '"" = Defender\'s default workspace per region': default_workspace,
        "Azure Policy add-on on AKS / extension on Arc": policy_addon_and_extension,
        "Arc-enabled clusters too": arc_too,
        "One remediation task per assignment for what already exists":
            one_remediation_per_assignment,
        "DoNotEnforce: evaluate and report only": enforcement_default,
    },
    "gcp-project": {
        "GCP only": gcp_project_header,
        "Creates the workload identity pool and its OIDC providers, the service accounts Defender "
        "impersonates with their roles, the APIs and the Kubernetes Engine Data Access audit logs "
        "in the project, and the security connector in Azure": gcp_project_header,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        # The offline mocks answer for the stack's projectId; tests/stacks/test_gcp_connector.py
        # checks the stop with other credentials.
        "The gcp provider must be set to projectId, with credentials that can administer it: "
        "`pulumi up` stops before creating anything otherwise": NOT_A_RENDERING,
        "the provider's project: the same as projectId": provider_project_is_project_id(
            "gcp-project"),
        "quoted; gcloud projects describe <id>": project_number_must_be_quoted,
        "your Entra tenant (az account show)": NOT_A_RENDERING,
        "must exist already": gcp_resource_group_is_not_created,
        '"" = gcp-<projectId>': empty_name_is_gcp_project,
        "1 to 24": gcp_interval_1_to_24,
        "(the portal offers 4, 6, 12, 24)": NOT_A_RENDERING,
        "foundational CSPM (CspmMonitorGcp)": gcp_foundational_cspm,
        "GKE audit logs, sensor, agentless, MDVM images": gke_containers_offering,
        "Image assessment reads Artifact Registry and Cloud Storage only; false grants "
        "Microsoft's default access (objectUser, artifactregistry.writer and the "
        "assessment-writing role)": gcp_least_privilege_roles,
        "Microsoft's readings": NOT_A_RENDERING,
        "the README lists each one": readme_lists_each_advanced_key,
        "default: azureTenantId without hyphens": pool_id_default,
        "containersPredefinedRoles: [roles/container.admin, roles/pubsub.admin]":
            containers_predefined_roles_default,
    },
    "gcp-organization": {
        "GCP organization mode: the connector's identities in a management project, "
        "organization-level custom roles and grants, and the auto-provisioner that Defender for "
        "Cloud uses to onboard every project of the organization except the excluded ones":
            gcp_organization_header,
        "Use: copy to the repository root as Pulumi.<stack>.yaml": NOT_A_RENDERING,
        "The management project must exist": management_project_is_not_created,
        "(with billing); the credentials need Organization Role Administrator and Security Admin "
        "(or Organization Administrator) on the organization": NOT_A_RENDERING,
        "the provider's project: the management project": provider_project_is_project_id(
            "gcp-organization"),
        "Microsoft's naming": NOT_A_RENDERING,
        "mdc-mgmt-proj-<orgId>": management_project_naming,
        "digits only": organization_id_digits_only,
        "(gcloud organizations list)": NOT_A_RENDERING,
        "Projects Defender must not onboard (by number), e.g. ones onboarded by hand earlier":
            excluded_projects_by_number,
    },
}


def test_every_comment_is_classified() -> None:
    assert set(CLAIMS) == {p.name.removeprefix("Pulumi.").removesuffix(".yaml")
                           for p in EXAMPLES}
    for stack, claims in CLAIMS.items():
        texts = comments(example(stack))
        unclassified = [t for t in texts if not any(claim in t for claim in claims)]
        assert unclassified == [], f"{stack}: add these comments to CLAIMS"
        stale = [claim for claim in claims if not any(claim in t for t in texts)]
        assert stale == [], f"{stack}: these claims are no longer in the example"


@pytest.mark.parametrize(("stack", "claim"), [
    (stack, claim) for stack, claims in CLAIMS.items() for claim, check in claims.items()
    if check is not None])
def test_example_comment_holds(stack: str, claim: str, tmp_path: Path) -> None:
    check = CLAIMS[stack][claim]
    assert check is not None
    check(tmp_path)
