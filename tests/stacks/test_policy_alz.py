"""The stack and Azure Landing Zones (fixtures/alz) agree on how a DINE assignment is shaped."""

from __future__ import annotations

from typing import Any

from stacks.policy import definitions
from tests.stacks.policy_support import MG, MG_SCOPE, PA, RA, load_fixture, run_program

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"


def alz_resources() -> tuple[dict[str, Any], dict[str, Any]]:
    template = load_fixture("alz", "DINE-MDFCConfigPolicyAssignment.json")
    assert template["$schema"].endswith("managementGroupDeploymentTemplate.json#")
    (assignment,) = [r for r in template["resources"]
                     if r["type"] == "Microsoft.Authorization/policyAssignments"]
    (role,) = [r for r in template["resources"]
               if r["type"] == "Microsoft.Authorization/roleAssignments"]
    return template, {"assignment": assignment, "role": role}


def test_assignment_shape_matches_alz() -> None:
    template, alz = alz_resources()
    alz_assignment, alz_role = alz["assignment"], alz["role"]
    monitor, _ = run_program({"managementGroups": [MG], "location": "westeurope"})
    ours = monitor.of_type(PA)
    assert ours
    for pa in ours:
        # identity and location, as ALZ gives its DINE assignment
        assert pa.inputs["identity"]["type"] == alz_assignment["identity"]["type"]
        assert "location" in alz_assignment
        assert pa.inputs["location"] == "westeurope"
        # management-group scope, enforcement mode and a non-compliance message
        assert pa.inputs["scope"] == MG_SCOPE
        assert pa.inputs["enforcementMode"] in template["parameters"]["enforcementMode"][
            "allowedValues"]
        assert "nonComplianceMessages" in alz_assignment["properties"]
        assert pa.inputs["nonComplianceMessages"]
        # ALZ's own management-group assignment name respects the same 24-character limit
        assert len(template["variables"]["policyAssignmentNames"]["azureSecurity"]) <= 24
        assert len(pa.inputs["policyAssignmentName"]) <= 24
    for role in monitor.of_type(RA):
        assert role.inputs["principalType"] == alz_role["properties"]["principalType"]
    # ALZ grants Owner to every DINE identity; the stack grants Owner only where the definition
    # asks for it (the plan policy), and the definition's own roles elsewhere.
    assert template["variables"]["rbacOwner"] == OWNER
    assert alz_role["properties"]["roleDefinitionId"].endswith("variables('rbacOwner'))]")
    owners = {r.parent for r in monitor.of_type(RA) if r.inputs["roleDefinitionId"].endswith(OWNER)}
    plan_parent = [pa.parent for pa in ours
                   if pa.inputs["policyDefinitionId"] == definitions.CONTAINERS_PLAN.id]
    assert owners == set(plan_parent)


def test_alz_kubernetes_built_ins_are_assigned_with_the_same_workspace_parameter() -> None:
    initiative = load_fixture("alz", "Deploy-MDFC-Config_20240319.json")
    refs = {d["policyDefinitionId"]: d for d in initiative["properties"]["policyDefinitions"]}
    ours = {d.id: d for d in definitions.ALL}
    for built_in in (definitions.AKS_SENSOR, definitions.AKS_POLICY_ADDON):
        assert built_in.id in refs
        assert built_in.id in ours
    alz_sensor_params = set(refs[definitions.AKS_SENSOR.id]["parameters"])
    assert alz_sensor_params == {"effect", definitions.AKS_SENSOR.workspace_parameter}
