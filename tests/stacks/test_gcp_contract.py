"""The connector's GCP identities against Microsoft's published contract, piece by piece.

`tests/fixtures/gcp-connector-contract.json` (see tests/fixtures/README.md, docs/reference.md
§10) records what Microsoft publishes. Each test reads one rendering of the connector under
Pulumi mocks per mode (project, organization) and variant (least privilege, default access) and
compares what was registered with the contract: the pool, every provider (issuer, audience,
attribute mapping), service account, workload-identity binding, role grant, custom-role
permission and API, and the security connector's wiring. Both directions are checked: nothing
the contract asks for is missing, and nothing beyond it is granted. Every place where the stack
differs from the contract is listed below with its reason; anything else that differs fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.stacks.test_gcp_config import MINIMAL
from tests.stacks.test_gcp_connector import (
    ACCOUNT,
    CONNECTOR,
    NUMBER,
    ORG,
    ORG_AUDIT,
    ORG_MEMBER,
    ORG_ROLE,
    POOL_TYPE,
    PROJECT,
    PROJECT_AUDIT,
    PROJECT_MEMBER,
    PROJECT_ROLE,
    PROVIDER,
    SA_MEMBER,
    SERVICE,
    offerings_by_type,
    rendered,
    the,
)

CONTRACT: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "gcp-connector-contract.json")
    .read_text())

# --- every remaining difference from the contract, with its reason ---------------------------

# Providers of other Defender plans (servers, databases, DSPM, CIEM): not Containers or CSPM.
OTHER_PLANS_PROVIDERS = {
    "defender-for-servers": "Defender for Servers plan",
    "microsoft-databases-arc-ap": "Defender for Databases plan",
    "data-security-posture-storage": "Defender CSPM's data security posture (3P evidence only)",
    "ciem-discovery": "Defender CSPM's CIEM (3P evidence only; trusts the customer's tenant)",
}
ORGANIZATION_ONLY_PROVIDERS = {"auto-provisioner"}  # contract: "organization onboarding only"

# Role grants beyond the contract's `roles` lists: (service account, role id, variant or None).
EXTRA_ROLES = {
    ("mdc-containers-k8s-operator", "MDCGkeContainerResponseActionsRole", None):
        "NET documents the role without naming its account; bound to the Kubernetes operator "
        "(contract: INFERRED); `advanced.k8sOperatorExtraRoles` turns it off",
    ("mdc-containers-k8s-operator", "MDCGkeContainerInventoryCollectionRole", None):
        "as MDCGkeContainerResponseActionsRole",
    ("mdc-containers-artifact-assess", "MDCWritingGarAssessmentsRole", "default"):
        "the contract's extra_custom_role_NET: it publishes assessment results (writes), so "
        "only Microsoft's default access has it, as the AWS connector's PowerUser policies",
}

# Custom-role permissions GCP refuses in a project custom role: project mode leaves them out.
PROJECT_MODE_DROPS = {
    "MDCCspmCustomRole": {"resourcemanager.folders.getIamPolicy", "resourcemanager.folders.list",
                          "resourcemanager.organizations.get",
                          "resourcemanager.organizations.getIamPolicy"},
}

# The contract lists these per service account with a suffix naming third-party evidence.
DISPLAY_NAME_SUFFIX = " (3P_ORG_TF)"

# Where the security connector names each account (contract `offering_field` / `azure_field`).
CONNECTOR_FIELDS = {
    "microsoft-defender-containers": ("DefenderForContainersGcp", "nativeCloudConnection"),
    "ms-defender-containers-stream": ("DefenderForContainersGcp",
                                      "dataPipelineNativeCloudConnection"),
    "mdc-containers-k8s-operator": ("DefenderForContainersGcp",
                                    "mdcContainersAgentlessDiscoveryK8S"),
    "mdc-containers-artifact-assess": ("DefenderForContainersGcp",
                                       "mdcContainersImageAssessment"),
    "microsoft-defender-cspm": ("CspmMonitorGcp", "nativeCloudConnection"),
    "mdc-onboarding-sa": ("organizationalData", ""),
}

# pulumi-azure-native's schema spells the wire's `mdcContainersAgentlessDiscoveryK8s` with a
# capital S (its provider translates it back); the contract has the wire names.
SDK_NAMES = {"mdcContainersAgentlessDiscoveryK8s": "mdcContainersAgentlessDiscoveryK8S"}

CASES = [pytest.param(org, lp, id=f"{'organization' if org else 'project'}-"
                                  f"{'least' if lp else 'default'}-privilege")
         for org in (False, True) for lp in (True, False)]


def expected_accounts(organization: bool) -> dict[str, dict[str, Any]]:
    return {sa: entry for sa, entry in CONTRACT["service_accounts"].items()
            if isinstance(entry, dict)
            and (organization or entry.get("scope") != "organization only")}


def expected_providers(organization: bool) -> dict[str, dict[str, Any]]:
    return {p: entry for p, entry in CONTRACT["providers"].items()
            if p not in OTHER_PLANS_PROVIDERS
            and (organization or p not in ORGANIZATION_ONLY_PROVIDERS)}


def custom_role_name(role_id: str, organization: bool) -> str:
    return (f"organizations/{ORG}/roles/{role_id}" if organization
            else f"projects/{PROJECT}/roles/{role_id}")


def contract_roles(account: str, least_privilege: bool) -> tuple[set[str], set[str]]:
    """(predefined roles, custom role IDs) the contract grants one account."""
    entry = CONTRACT["service_accounts"][account]
    if "roles" in entry:
        listed = entry["roles"]
    else:
        listed = entry["roles_least_privilege" if least_privilege else "roles_default_access"]
    predefined = {r for r in listed if r.startswith("roles/")}
    # "custom X", "custom X (note)" or "org custom X" (organization custom roles).
    custom = {r.split("custom ")[1].split()[0] for r in listed if "custom " in r}
    assert len(predefined) + len(custom) == len(listed), listed
    return predefined, custom


def expected_grants(organization: bool, least_privilege: bool, emails: dict[str, str]
                    ) -> set[tuple[str, str]]:
    """(member, role) pairs: the contract's, the listed extras, and its system binding."""
    grants = set()
    for account in expected_accounts(organization):
        member = f"serviceAccount:{emails[account]}"
        predefined, custom = contract_roles(account, least_privilege)
        custom |= {role for (sa, role, variant) in EXTRA_ROLES if sa == account
                   and variant in (None, "least" if least_privilege else "default")}
        grants |= {(member, role) for role in predefined}
        grants |= {(member, custom_role_name(role, organization)) for role in custom}
    for binding in CONTRACT["system_bindings"]:
        grants.add((binding["member"], binding["role"]))
    return grants


def expected_permissions(role_id: str, organization: bool) -> set[str]:
    entry = CONTRACT["custom_roles"][role_id]
    if role_id == "MDCCspmCustomRole":
        permissions = set(entry["permissions_PERM"]) | set(entry["gar_additions_NET"])
    else:
        permissions = set(entry["permissions"])
    if organization:
        permissions |= set(entry.get("org_adds", []))
    else:
        permissions -= PROJECT_MODE_DROPS.get(role_id, set())
    return permissions


def emails_by_account(organization: bool, least_privilege: bool) -> dict[str, str]:
    monitor = rendered(organization, least_privilege)
    return {a.inputs["accountId"]: a.inputs["email"] for a in monitor.of_type(ACCOUNT)}


# --- pool and providers ------------------------------------------------------------------------

@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_the_pool_is_named_after_the_customers_tenant(organization: bool,
                                                      least_privilege: bool) -> None:
    pool = the(rendered(organization, least_privilege), POOL_TYPE).inputs
    contract = CONTRACT["workload_identity_pool"]
    assert pool["workloadIdentityPoolId"] == MINIMAL["azureTenantId"].replace("-", "")
    assert len(pool["workloadIdentityPoolId"]) == 32
    assert (pool["displayName"], pool["description"]) == (contract["display_name"],
                                                          contract["description"])
    assert pool["project"] == PROJECT  # the onboarded project or the management project


@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_every_provider_is_the_contracts_and_there_is_no_other(organization: bool,
                                                               least_privilege: bool) -> None:
    providers = {p.inputs["workloadIdentityPoolProviderId"]: p.inputs
                 for p in rendered(organization, least_privilege).of_type(PROVIDER)}
    expected = expected_providers(organization)
    assert set(providers) == set(expected)
    for provider_id, entry in expected.items():
        found = providers[provider_id]
        assert found["oidc"] == {"issuerUri": CONTRACT["issuer"]["uri"],
                                 "allowedAudiences": [entry["audience"]]}, provider_id
        assert found["attributeMapping"] == entry.get("attribute_mapping",
                                                      {"google.subject": "assertion.sub"})
        assert found.get("attributeCondition") == entry.get("attribute_condition")
        if "description" in entry:
            assert found["description"] == entry["description"]


# --- service accounts and who may impersonate them ----------------------------------------------

@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_every_service_account_is_the_contracts_and_there_is_no_other(
        organization: bool, least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    accounts = {a.inputs["accountId"]: a.inputs for a in monitor.of_type(ACCOUNT)}
    expected = expected_accounts(organization)
    assert set(accounts) == set(expected)
    for account, entry in expected.items():
        assert accounts[account]["project"] == PROJECT
        assert accounts[account]["displayName"] == entry["display_name"].removesuffix(
            DISPLAY_NAME_SUFFIX)


@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_the_pool_may_impersonate_each_account_and_nothing_else_is_bound_on_them(
        organization: bool, least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    contract = CONTRACT["workload_identity_user_binding"]
    pool_id = the(monitor, POOL_TYPE).inputs["workloadIdentityPoolId"]
    member = (contract["member"].replace("<PROJECT_NUMBER>", NUMBER)
              .replace("<POOL_ID>", pool_id))
    emails = emails_by_account(organization, least_privilege)
    found = sorted((b.inputs["serviceAccountId"].rsplit("/", 1)[-1], b.inputs["role"],
                    b.inputs["member"]) for b in monitor.of_type(SA_MEMBER))
    assert found == sorted((emails[a], contract["role"], member)
                           for a in expected_accounts(organization))


@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_the_connector_names_each_account_with_its_contract_provider(
        organization: bool, least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    offerings = offerings_by_type(monitor)
    data = the(monitor, CONNECTOR).inputs["environmentData"]
    emails = emails_by_account(organization, least_privilege)
    for account, entry in expected_accounts(organization).items():
        offering, field = CONNECTOR_FIELDS[account]
        named = (data[offering] if offering == "organizationalData"
                 else offerings[offering][field])
        assert named["serviceAccountEmailAddress"] == emails[account], account
        assert named["workloadIdentityProviderId"] == entry["provider"], account


# --- roles -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_every_grant_is_the_contracts_and_nothing_beyond_the_listed_extras(
        organization: bool, least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    scope_type, other_type = ((ORG_MEMBER, PROJECT_MEMBER) if organization
                              else (PROJECT_MEMBER, ORG_MEMBER))
    scope = ("orgId", ORG) if organization else ("project", PROJECT)
    assert monitor.of_type(other_type) == []
    found = monitor.of_type(scope_type)
    assert {g.inputs[scope[0]] for g in found} == {scope[1]}
    pairs = [(g.inputs["member"], g.inputs["role"]) for g in found]
    assert len(pairs) == len(set(pairs))
    expected = expected_grants(organization, least_privilege,
                               emails_by_account(organization, least_privilege))
    assert set(pairs) == expected


@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_every_custom_role_has_exactly_the_contracts_permissions(
        organization: bool, least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    assert monitor.of_type(PROJECT_ROLE if organization else ORG_ROLE) == []
    roles = {r.inputs["roleId"]: r.inputs
             for r in monitor.of_type(ORG_ROLE if organization else PROJECT_ROLE)}
    granted = {role.rsplit("/", 1)[-1] for _member, role in expected_grants(
        organization, least_privilege, emails_by_account(organization, least_privilege))
        if "/roles/" in role and not role.startswith("roles/")}
    assert set(roles) == granted
    for role_id, role in roles.items():
        assert set(role["permissions"]) == expected_permissions(role_id, organization), role_id
        assert len(role["permissions"]) == len(set(role["permissions"]))
        assert role.get("stage", "GA") == CONTRACT["custom_roles"][role_id].get("stage", "GA")
        assert role.get("orgId" if organization else "project") == (
            ORG if organization else PROJECT)


def test_the_onboarding_role_leaves_out_the_invalid_entry_of_microsofts_module() -> None:
    roles = {r.inputs["roleId"]: r.inputs for r in rendered(True, True).of_type(ORG_ROLE)}
    assert "logging.googleapis.com" not in roles["MDCCustomRole"]["permissions"]
    assert "iam.serviceAccounts.actAs" in roles["MDCCustomRole"]["permissions"]  # TF has it


# --- APIs and audit logs -----------------------------------------------------------------------

@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_the_apis_are_the_contracts_and_no_other(organization: bool,
                                                 least_privilege: bool) -> None:
    services = rendered(organization, least_privilege).of_type(SERVICE)
    apis = CONTRACT["apis"]
    expected = set(apis["required_quickstart"]) | set(apis["containers_extra"])
    found = [s.inputs["service"] for s in services]
    assert sorted(found) == sorted(expected)
    assert {s.inputs["project"] for s in services} == {PROJECT}  # org: the management project


@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_kubernetes_engine_data_access_logs_are_on(organization: bool,
                                                   least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    audit = the(monitor, ORG_AUDIT if organization else PROJECT_AUDIT).inputs
    assert audit["service"] == "container.googleapis.com"
    assert [c["logType"] for c in audit["auditLogConfigs"]] == ["ADMIN_READ", "DATA_READ",
                                                                "DATA_WRITE"]
    assert monitor.of_type(PROJECT_AUDIT if organization else ORG_AUDIT) == []


# --- the security connector --------------------------------------------------------------------

@pytest.mark.parametrize(("organization", "least_privilege"), CASES)
def test_the_security_connector_has_the_contracts_shape(organization: bool,
                                                        least_privilege: bool) -> None:
    monitor = rendered(organization, least_privilege)
    connector = the(monitor, CONNECTOR).inputs
    body = CONTRACT["azure_connector"]["body"]
    assert connector["environmentName"] == body["properties.environmentName"]
    assert connector["hierarchyIdentifier"] == NUMBER
    data = connector["environmentData"]
    assert data["environmentType"] == body["properties.environmentData"]["environmentType"]
    assert data["projectDetails"] == {"projectId": PROJECT, "projectNumber": NUMBER}
    offerings = offerings_by_type(monitor)
    contract = {o["offeringType"]: o for o in body["properties.offerings[]"]}
    assert set(offerings) == set(contract)
    containers = offerings["DefenderForContainersGcp"]
    for flag in ("enableAuditLogsAutoProvisioning", "enableDefenderAgentAutoProvisioning",
                 "enablePolicyAgentAutoProvisioning"):
        assert containers[flag] is contract["DefenderForContainersGcp"][flag], flag
    for extension in ("mdcContainersAgentlessDiscoveryK8s", "mdcContainersImageAssessment"):
        found = containers[SDK_NAMES.get(extension, extension)]
        assert found["enabled"] is True
        assert set(found) == set(contract["DefenderForContainersGcp"][extension])
    if organization:
        assert data["organizationalData"]["organizationMembershipType"] == "Organization"
        assert data["organizationalData"]["excludedProjectNumbers"] == ["456789012345"]
