"""The whole program (stacks/__main__.py) under recording mocks with `defender-containers:azure`."""

from __future__ import annotations

import re
from typing import Any

import pytest

from stacks.config.errors import ConfigError
from stacks.offline.mocks import Registration
from stacks.policy import definitions
from tests.stacks.policy_support import (
    MG,
    MG_SCOPE,
    PA,
    PROVIDER,
    RA,
    REM_MG,
    REM_SUB,
    SUB_A,
    SUB_B,
    ProviderRecordingMonitor,
    principal_for,
    run_program,
)
from tests.stacks.test_policy_definitions import role_guids, vendored

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
BY_SHORT_NAME = {d.short_name: d for d in definitions.ALL}
ALL_FIVE = {d.short_name for d in definitions.ALL}
WS_IN_A = (f"/subscriptions/{SUB_A}/resourceGroups/rg-sec/providers/"
           "Microsoft.OperationalInsights/workspaces/law-sec")


def config(**extra: Any) -> dict[str, Any]:
    return {"location": "westeurope", **extra}


def assignments(monitor: ProviderRecordingMonitor, scope: str) -> dict[str, Registration]:
    found = {r.inputs["policyAssignmentName"]: r for r in monitor.of_type(PA)
             if r.inputs["scope"] == scope}
    return found


def children(monitor: ProviderRecordingMonitor, of: Registration, type_: str) -> list[Registration]:
    """Resources of `type_` created by the same DeployIfNotExistsAssignment as `of`."""
    return [r for r in monitor.of_type(type_) if r.parent == of.parent]


def assignment_id(scope: str, name: str) -> str:
    return f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"


def check_assignment_shape(monitor: ProviderRecordingMonitor, scope: str, *,
                           remediation: str | None) -> None:
    """Every assignment at `scope`: shape, least-privilege roles, remediation after roles."""
    for name, pa in assignments(monitor, scope).items():
        definition = BY_SHORT_NAME[name.rsplit("-", 1)[0] if name not in BY_SHORT_NAME else name]
        assert len(name) <= 24
        assert pa.inputs["policyDefinitionId"] == vendored(definition.guid)["id"]
        assert pa.inputs["identity"]["type"] == "SystemAssigned"
        assert pa.inputs["location"] == "westeurope"
        assert pa.inputs["enforcementMode"] == "Default"
        assert pa.inputs["nonComplianceMessages"][0]["message"].startswith(
            "Microsoft Defender for Containers must be configured")

        roles = [r for r in children(monitor, pa, RA) if r.inputs["scope"] == scope]
        expected = vendored(definition.guid)["properties"]["policyRule"]["then"]["details"][
            "roleDefinitionIds"]
        assert role_guids(r.inputs["roleDefinitionId"] for r in roles) == role_guids(expected)
        assert len(roles) == len(expected)
        for role in roles:
            assert role.inputs["principalId"] == principal_for(pa.name)
            assert role.inputs["principalType"] == "ServicePrincipal"
            assert GUID.match(role.inputs["roleAssignmentName"])

        remediations = children(monitor, pa, REM_MG) + children(monitor, pa, REM_SUB)
        if remediation is None:
            assert remediations == []
            continue
        assert [r.type for r in remediations] == [remediation]
        task = remediations[0].inputs
        assert task["policyAssignmentId"] == assignment_id(scope, name)
        assert task["remediationName"] == f"{name}-remediation"
        all_roles = children(monitor, pa, RA)
        assert {r.urn for r in all_roles} <= set(remediations[0].dependencies)
        assert all_roles


def test_management_group_only() -> None:
    monitor, exports = run_program(config(managementGroups=[MG]))
    found = assignments(monitor, MG_SCOPE)
    assert set(found) == ALL_FIVE
    assert len(monitor.of_type(PA)) == 5
    check_assignment_shape(monitor, MG_SCOPE, remediation=REM_MG)
    for task in monitor.of_type(REM_MG):
        assert task.inputs["managementGroupId"] == MG
        assert task.inputs["managementGroupsNamespace"] == "Microsoft.Management"
        assert task.inputs["resourceDiscoveryMode"] == "ExistingNonCompliant"
    assert monitor.of_type(REM_SUB) == []
    assert monitor.of_type(PROVIDER) == []
    assert exports["azurePolicyAssignmentIds"] == {
        MG_SCOPE: {name: assignment_id(MG_SCOPE, name) for name in ALL_FIVE}}
    assert exports["azurePolicyPrincipalIds"] == {
        MG_SCOPE: {name: principal_for(pa.name) for name, pa in found.items()}}


def test_subscriptions_only_remediate_through_a_provider_per_subscription() -> None:
    monitor, exports = run_program(config(subscriptions=[SUB_A, SUB_B]))
    providers = {r.inputs["subscriptionId"]: r for r in monitor.of_type(PROVIDER)}
    assert set(providers) == {SUB_A, SUB_B}
    for sub in (SUB_A, SUB_B):
        scope = f"/subscriptions/{sub}"
        assert set(assignments(monitor, scope)) == ALL_FIVE
        check_assignment_shape(monitor, scope, remediation=REM_SUB)
        for pa in assignments(monitor, scope).values():
            task = children(monitor, pa, REM_SUB)[0]
            assert task.inputs["resourceDiscoveryMode"] == "ReEvaluateCompliance"
            assert monitor.provider_urn(task) == providers[sub].urn
    assert monitor.of_type(REM_MG) == []
    assert set(exports["azurePolicyAssignmentIds"]) == {f"/subscriptions/{SUB_A}",
                                                        f"/subscriptions/{SUB_B}"}


def test_both_scopes_and_names_are_deterministic() -> None:
    monitor, exports = run_program(config(managementGroups=[MG], subscriptions=[SUB_A]))
    assert len(monitor.of_type(PA)) == 10
    check_assignment_shape(monitor, MG_SCOPE, remediation=REM_MG)
    check_assignment_shape(monitor, f"/subscriptions/{SUB_A}", remediation=REM_SUB)
    assert set(exports["azurePolicyPrincipalIds"]) == {MG_SCOPE, f"/subscriptions/{SUB_A}"}
    names = sorted(r.inputs["roleAssignmentName"] for r in monitor.of_type(RA))
    assert len(set(names)) == len(names) == 2 * 8
    again, _ = run_program(config(managementGroups=[MG], subscriptions=[SUB_A]), fresh=True)
    assert sorted(r.inputs["roleAssignmentName"] for r in again.of_type(RA)) == names


PLAN_FLAGS = {
    "registryVulnerabilityAssessment": "isContainerRegistriesVulnerabilityAssessmentsEnabled",
    "agentlessDiscovery": "isAgentlessDiscoveryForKubernetesEnabled",
    "agentlessVmScanning": "isAgentlessVmScanningEnabled",
    "sensor": "isContainerSensorEnabled",
    "integrityContribution": "isContainerIntegrityContributionEnabled",
    "securityGating": "isSecurityGatingEnabled",
}


@pytest.mark.parametrize("flag", sorted(PLAN_FLAGS))
@pytest.mark.parametrize("enabled", [True, False])
def test_each_plan_flag(flag: str, enabled: bool) -> None:
    monitor, _ = run_program(config(managementGroups=[MG], plan={flag: enabled}))
    plan = assignments(monitor, MG_SCOPE)["mdc-containers-plan"].inputs["parameters"]
    expected = {param: {"value": "true"} for param in PLAN_FLAGS.values()}
    expected["isSecurityGatingEnabled"] = {"value": "True"}
    if not enabled:
        expected[PLAN_FLAGS[flag]] = {"value": "False" if flag == "securityGating" else "false"}
    assert plan == expected
    sensors = {"mdc-aks-sensor", "mdc-arc-sensor"}
    present = set(assignments(monitor, MG_SCOPE))
    if flag == "sensor" and not enabled:
        assert present == ALL_FIVE - sensors
    else:
        assert present == ALL_FIVE


def test_policy_addon_and_arc_off() -> None:
    monitor, _ = run_program(config(managementGroups=[MG], policyAddon=False))
    assert set(assignments(monitor, MG_SCOPE)) == {"mdc-containers-plan", "mdc-aks-sensor",
                                                   "mdc-arc-sensor"}
    monitor, _ = run_program(config(managementGroups=[MG], arcClusters=False))
    assert set(assignments(monitor, MG_SCOPE)) == {"mdc-containers-plan", "mdc-aks-sensor",
                                                   "mdc-aks-policy-addon"}


def test_default_workspace_passes_empty_string() -> None:
    monitor, _ = run_program(config(managementGroups=[MG]))
    for name in ("mdc-aks-sensor", "mdc-arc-sensor"):
        pa = assignments(monitor, MG_SCOPE)[name]
        assert pa.inputs["parameters"] == {"logAnalyticsWorkspaceResourceId": {"value": ""}}
        assert {r.inputs["scope"] for r in children(monitor, pa, RA)} == {MG_SCOPE}


def workspace_roles(monitor: ProviderRecordingMonitor, scope: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, pa in assignments(monitor, scope).items():
        assert pa.inputs["parameters"].get("logAnalyticsWorkspaceResourceId", {"value": WS_IN_A}
                                           ) == {"value": WS_IN_A}
        extra = [r for r in children(monitor, pa, RA) if r.inputs["scope"] == WS_IN_A]
        for role in extra:
            assert role.inputs["principalId"] == principal_for(pa.name)
            assert role.inputs["principalType"] == "ServicePrincipal"
        found[name] = role_guids(r.inputs["roleDefinitionId"] for r in extra)
    return found


def test_custom_workspace_inside_the_scope_needs_no_extra_roles() -> None:
    monitor, _ = run_program(config(subscriptions=[SUB_A], sensorWorkspaceId=WS_IN_A))
    assert all(not roles for roles in workspace_roles(monitor, f"/subscriptions/{SUB_A}").values())


def test_custom_workspace_outside_the_scope_gets_the_sensor_roles() -> None:
    monitor, _ = run_program(config(subscriptions=[SUB_B], managementGroups=[MG],
                                    sensorWorkspaceId=WS_IN_A))
    sensor_roles = role_guids(definitions.AKS_SENSOR.role_definition_ids)
    for scope in (f"/subscriptions/{SUB_B}", MG_SCOPE):
        roles = workspace_roles(monitor, scope)
        assert roles == {"mdc-containers-plan": set(), "mdc-aks-sensor": sensor_roles,
                         "mdc-arc-sensor": sensor_roles, "mdc-aks-policy-addon": set(),
                         "mdc-arc-policy-ext": set()}
        check_assignment_shape(monitor, scope, remediation=REM_MG if scope == MG_SCOPE
                               else REM_SUB)


def test_remediate_off_creates_no_tasks_and_no_providers() -> None:
    monitor, _ = run_program(config(managementGroups=[MG], subscriptions=[SUB_A],
                                    remediate=False))
    assert len(monitor.of_type(PA)) == 10
    check_assignment_shape(monitor, MG_SCOPE, remediation=None)
    assert monitor.of_type(REM_MG) == monitor.of_type(REM_SUB) == monitor.of_type(PROVIDER) == []


def test_do_not_enforce() -> None:
    monitor, _ = run_program(config(managementGroups=[MG], enforcementMode="DoNotEnforce"))
    for pa in monitor.of_type(PA):
        assert pa.inputs["enforcementMode"] == "DoNotEnforce"
        assert pa.inputs["nonComplianceMessages"][0]["message"].startswith(
            "Microsoft Defender for Containers should be configured")


def test_every_child_is_parented_to_a_component() -> None:
    monitor, _ = run_program(config(managementGroups=[MG], subscriptions=[SUB_A]))
    top = monitor.by_name("defender-containers")
    assert top.type == "defender:policy:ContainersPolicy"
    components = {r.urn for r in monitor.of_type("defender:policy:DeployIfNotExistsAssignment")}
    assert all(c.parent == top.urn for c in monitor.of_type(
        "defender:policy:DeployIfNotExistsAssignment"))
    for r in monitor.registrations:
        if r.type.startswith("azure-native:"):
            assert r.parent in components, r.name
        if r.type == PROVIDER:
            assert r.parent == top.urn


def test_no_azure_config_creates_nothing() -> None:
    monitor, exports = run_program(None)
    assert monitor.registrations == []
    assert exports == {}


@pytest.mark.parametrize(
    ("azure", "key"),
    [
        ({"location": "westeurope"}, "azure"),
        (config(subscriptions=["not-a-guid"]), "azure.subscriptions[0]"),
        (config(managementGroups=[MG], sensorWorkspaceId="/subscriptions/x/law"),
         "azure.sensorWorkspaceId"),
        (config(managementGroups=[MG], colour="blue"), "azure.colour"),
        (config(managementGroups=[MG], remediate="yes"), "azure.remediate"),
    ],
)
def test_invalid_config_fails_before_any_resource(azure: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(azure)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"defender-containers:{key}: ")


def test_readme_example_stack_file_is_valid() -> None:
    import yaml

    from stacks.config.azure import parse_azure
    from tests.stacks.policy_support import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("<!-- section: policy -->")[1].split("<!-- end section: policy -->")[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    stack = yaml.safe_load(example)["config"]
    # location comes from azure-native:location, as in the program
    parsed = parse_azure(stack["defender-containers:azure"],
                         default_location=stack["azure-native:location"])
    assert parsed.location == "westeurope"
    assert parsed.management_groups == ("contoso-platform",)
    assert not parsed.plan.agentless_vm_scanning
    assert parsed.sensor_workspace_id.endswith("/workspaces/law-security")


def test_location_defaults_to_the_provider_location() -> None:
    monitor, _ = run_program({"managementGroups": [MG]}, {"azure-native:location": "swedencentral"})
    assert {pa.inputs["location"] for pa in monitor.of_type(PA)} == {"swedencentral"}
