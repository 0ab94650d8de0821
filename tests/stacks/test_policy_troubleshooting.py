"""The whole program under mocks: locked clusters, sensor workspaces per region, exemptions (#6)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.policy import definitions
from tests.stacks.policy_support import (
    EXEMPTION,
    MG,
    MG_SCOPE,
    PA,
    PROVIDER,
    RA,
    REM_MG,
    RESOURCE_GROUP,
    SUB_A,
    SUB_B,
    SUB_C,
    TRUSTED_ACCESS,
    WORKSPACE,
    ProviderRecordingMonitor,
    principal_for,
    run_program,
)
from tests.stacks.test_policy_definitions import role_guids
from tests.stacks.test_policy_stack import assignments, children

CLUSTER_A = (f"/subscriptions/{SUB_A}/resourceGroups/rg-aks/providers/"
             "Microsoft.ContainerService/managedClusters/aks-a")
CLUSTER_B = (f"/subscriptions/{SUB_B}/resourceGroups/rg-other/providers/"
             "Microsoft.ContainerService/managedClusters/aks-b")
TAG_ASSIGNMENT = (f"{MG_SCOPE}/providers/Microsoft.Authorization/policyAssignments/require-tags")
TAGS = {"costCenter": "42", "owner": "secops"}
SENSOR_ROLES = role_guids(definitions.AKS_SENSOR.role_definition_ids)


def config(**extra: Any) -> dict[str, Any]:
    return {"location": "westeurope", "managementGroups": [MG], **extra}


def providers(monitor: ProviderRecordingMonitor) -> dict[str, str]:
    """subscription ID -> provider URN."""
    return {r.inputs["subscriptionId"]: r.urn for r in monitor.of_type(PROVIDER)}


def ws_id(region: str, sub: str = SUB_C, group: str = "rg-defender",
          prefix: str = "mdc-sensor") -> str:
    return (f"/subscriptions/{sub}/resourceGroups/{group}/providers/"
            f"Microsoft.OperationalInsights/workspaces/{prefix}-{region}")


# --- locked clusters -------------------------------------------------------------------------

def test_locked_clusters_get_both_bindings_through_their_subscription() -> None:
    monitor, exports = run_program(config(lockedClusters=[CLUSTER_A, CLUSTER_B]))
    by_sub = providers(monitor)
    bindings = monitor.of_type(TRUSTED_ACCESS)
    assert len(bindings) == 4
    seen = set()
    for binding in bindings:
        inputs = binding.inputs
        sub, group, cluster = ((SUB_A, "rg-aks", "aks-a") if inputs["resourceName"] == "aks-a"
                               else (SUB_B, "rg-other", "aks-b"))
        assert inputs["resourceGroupName"] == group
        assert monitor.provider_urn(binding) == by_sub[sub]
        if inputs["trustedAccessRoleBindingName"] == "defender-cloudposture":
            assert inputs["sourceResourceId"] == (
                f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/CloudPosture/"
                "securityOperators/DefenderCSPMSecurityOperator")
            assert inputs["roles"] == ["Microsoft.Security/pricings/microsoft-defender-operator"]
        else:
            assert inputs["trustedAccessRoleBindingName"] == "defender-containers"
            assert inputs["sourceResourceId"] == (
                f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/Containers/"
                "securityOperators/DefenderForContainersSecurityOperator")
            assert inputs["roles"] == ["Microsoft.Security/pricings/microsoft-defender-operator"]
        seen.add((cluster, inputs["trustedAccessRoleBindingName"]))
    assert seen == {(c, n) for c in ("aks-a", "aks-b")
                    for n in ("defender-cloudposture", "defender-containers")}
    assert set(exports["azureTrustedAccessBindingIds"]) == {CLUSTER_A, CLUSTER_B}
    assert all(len(ids) == 2 for ids in exports["azureTrustedAccessBindingIds"].values())
    component = monitor.by_name("defender-containers-locked-clusters")
    assert component.type == "defender:policy:LockedClusterAccess"
    assert all(b.parent == component.urn for b in bindings)


def test_containers_binding_is_configurable_and_cspm_can_be_off() -> None:
    roles = ["Microsoft.Security/pricings/microsoft-defender-policy-operator",
             "Microsoft.Security/pricings/microsoft-defender-operator"]
    monitor, _ = run_program(config(
        lockedClusters=[CLUSTER_A],
        trustedAccess={"cspm": False, "containersBindingName": "mdc-containers",
                       "containersRoles": roles}))
    (binding,) = monitor.of_type(TRUSTED_ACCESS)
    assert binding.inputs["trustedAccessRoleBindingName"] == "mdc-containers"
    assert binding.inputs["roles"] == roles
    monitor, _ = run_program(config(lockedClusters=[CLUSTER_A],
                                    trustedAccess={"containers": False}))
    (binding,) = monitor.of_type(TRUSTED_ACCESS)
    assert binding.inputs["trustedAccessRoleBindingName"] == "defender-cloudposture"


def test_no_locked_clusters_no_bindings() -> None:
    monitor, exports = run_program(config())
    assert monitor.of_type(TRUSTED_ACCESS) == []
    assert exports["azureTrustedAccessBindingIds"] == {}


# --- sensor workspaces per region ------------------------------------------------------------

def workspace_config(**extra: Any) -> dict[str, Any]:
    return {"subscriptionId": SUB_C, "resourceGroupName": "rg-defender",
            "regions": ["westeurope", "eastus"], "tags": TAGS, "retentionInDays": 90, **extra}


def test_created_workspaces_are_tagged_and_wired_per_region() -> None:
    monitor, exports = run_program(config(subscriptions=[SUB_A],
                                          sensorWorkspace=workspace_config()))
    provider = providers(monitor)[SUB_C]
    (group,) = monitor.of_type(RESOURCE_GROUP)
    assert group.inputs["resourceGroupName"] == "rg-defender"
    assert group.inputs["tags"] == TAGS
    assert group.inputs["location"] == "westeurope"
    assert monitor.provider_urn(group) == provider
    spaces = {w.inputs["location"]: w for w in monitor.of_type(WORKSPACE)}
    assert set(spaces) == {"westeurope", "eastus"}
    for region, space in spaces.items():
        assert space.inputs["workspaceName"] == f"mdc-sensor-{region}"
        assert space.inputs["resourceGroupName"] == "rg-defender"
        assert space.inputs["tags"] == TAGS
        assert space.inputs["retentionInDays"] == 90
        assert space.inputs["sku"] == {"name": "PerGB2018"}
        assert monitor.provider_urn(space) == provider
        assert group.urn in space.dependencies
    assert exports["azureSensorWorkspaceIds"] == {r: ws_id(r) for r in spaces}

    codes = {"westeurope": "weu", "eastus": "eus"}
    for scope in (MG_SCOPE, f"/subscriptions/{SUB_A}"):
        found = assignments(monitor, scope)
        assert set(found) == {"mdc-containers-plan", "mdc-aks-policy-addon",
                              "mdc-arc-policy-ext"} | {
            f"mdc-{kind}-sensor-{code}" for kind in ("aks", "arc") for code in codes.values()}
        for region, code in codes.items():
            for kind in ("aks", "arc"):
                pa = found[f"mdc-{kind}-sensor-{code}"]
                assert pa.inputs["parameters"] == {
                    "logAnalyticsWorkspaceResourceId": {"value": ws_id(region)}}
                assert pa.inputs["resourceSelectors"] == [{
                    "name": "regions",
                    "selectors": [{"kind": "resourceLocation", "in": [region]}]}]
                assert spaces[region].urn in pa.dependencies
                # the workspace is in another subscription: its roles are granted on it
                on_workspace = [r for r in children(monitor, pa, RA)
                                if r.inputs["scope"] == ws_id(region)]
                assert role_guids(r.inputs["roleDefinitionId"] for r in on_workspace) == \
                    SENSOR_ROLES
                for role in on_workspace:
                    assert role.inputs["principalId"] == principal_for(pa.name)
                    assert spaces[region].urn in role.dependencies
                remediation = (children(monitor, pa, REM_MG)
                               or children(monitor, pa, "azure-native:policyinsights:"
                                                        "RemediationAtSubscription"))[0]
                assert {r.urn for r in on_workspace} <= set(remediation.dependencies)


def test_workspace_inside_a_subscription_scope_needs_no_extra_roles() -> None:
    monitor, _ = run_program({"location": "westeurope", "subscriptions": [SUB_C],
                              "sensorWorkspace": workspace_config(regions=["uksouth"])})
    pa = assignments(monitor, f"/subscriptions/{SUB_C}")["mdc-aks-sensor-suk"]
    assert {r.inputs["scope"] for r in children(monitor, pa, RA)} == {f"/subscriptions/{SUB_C}"}


def test_existing_workspaces_are_wired_not_created() -> None:
    monitor, exports = run_program(config(sensorWorkspace=workspace_config(
        create=False, regions=["northeurope"], namePrefix="law-sec")))
    assert monitor.of_type(WORKSPACE) == []
    assert monitor.of_type(RESOURCE_GROUP) == []
    assert monitor.of_type(PROVIDER) == []
    pa = assignments(monitor, MG_SCOPE)["mdc-aks-sensor-neu"]
    expected = ws_id("northeurope", prefix="law-sec")
    assert pa.inputs["parameters"] == {"logAnalyticsWorkspaceResourceId": {"value": expected}}
    assert exports["azureSensorWorkspaceIds"] == {"northeurope": expected}


def test_other_regions_can_fall_back_to_the_default_workspace() -> None:
    monitor, _ = run_program(config(arcClusters=False, sensorWorkspace=workspace_config(
        otherRegions="defaultWorkspace")))
    found = assignments(monitor, MG_SCOPE)
    assert {n for n in found if "sensor" in n} == {
        "mdc-aks-sensor-weu", "mdc-aks-sensor-eus", "mdc-aks-sensor-other"}
    other = found["mdc-aks-sensor-other"]
    assert other.inputs["parameters"] == {"logAnalyticsWorkspaceResourceId": {"value": ""}}
    assert other.inputs["resourceSelectors"] == [{"name": "regions", "selectors": [
        {"kind": "resourceLocation", "notIn": ["westeurope", "eastus"]}]}]
    assert {r.inputs["scope"] for r in children(monitor, other, RA)} == {MG_SCOPE}


def test_region_without_short_code_gets_a_stable_short_name() -> None:
    monitor, _ = run_program(config(arcClusters=False, sensorWorkspace=workspace_config(
        regions=["newzealandnorth"])))
    (name,) = [n for n in assignments(monitor, MG_SCOPE) if "sensor" in n]
    assert name.startswith("mdc-aks-sensor-")
    assert len(name) <= 24
    again, _ = run_program(config(arcClusters=False, sensorWorkspace=workspace_config(
        regions=["newzealandnorth"])), fresh=True)
    assert name in assignments(again, MG_SCOPE)


# --- tag-policy exemptions -------------------------------------------------------------------

@pytest.mark.parametrize("expiry", [None, "2026-12-31T00:00:00Z"])
def test_exemptions_for_existing_default_resource_groups(expiry: str | None) -> None:
    exemptions: dict[str, Any] = {"assignmentId": TAG_ASSIGNMENT, "regions": ["westeurope",
                                                                             "eastus"]}
    if expiry:
        exemptions["expiresOn"] = expiry
    monitor, exports = run_program(config(subscriptions=[SUB_A, SUB_B],
                                          tagPolicyExemptions=exemptions))
    found = {r.inputs["scope"]: r.inputs for r in monitor.of_type(EXEMPTION)}
    expected_scopes = {f"/subscriptions/{sub}/resourceGroups/DefaultResourceGroup-{code}"
                       for sub in (SUB_A, SUB_B) for code in ("WEU", "EUS")}
    assert set(found) == expected_scopes
    for scope, inputs in found.items():
        assert inputs["policyAssignmentId"] == TAG_ASSIGNMENT
        assert inputs["exemptionCategory"] == "Waiver"
        assert "64def556" in inputs["description"]
        assert inputs["policyExemptionName"] == f"mdc-default-workspace-{scope[-3:].lower()}"
        assert inputs.get("expiresOn") == expiry
    assert set(exports["azureTagPolicyExemptionIds"]) == expected_scopes
    # exemptions do not touch the policy side
    assert len(monitor.of_type(PA)) == 15
