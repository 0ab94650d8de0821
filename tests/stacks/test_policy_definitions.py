"""The stack's idea of the built-ins, checked against Microsoft's own definitions (fixtures)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from stacks.config.azure import PlanConfig, parse_azure
from stacks.policy import definitions
from stacks.policy.component import planned_assignments
from tests.stacks.policy_support import FIXTURES

FILES = {
    definitions.CONTAINERS_PLAN.guid: "ASC_Azure_Defender_Containers_Full_Features_DINE.json",
    definitions.AKS_SENSOR.guid: "ASC_Azure_Defender_AKS_SecurityProfile_DINE.json",
    definitions.ARC_SENSOR.guid: "ASC_Azure_Defender_Arc_Extension_DINE.json",
    definitions.AKS_POLICY_ADDON.guid: "AKS_AzurePolicyAddOn_DINE.json",
    definitions.ARC_POLICY_EXTENSION.guid: "ArcPolicyExtension_DINE.json",
}
WS = ("/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg/providers/"
      "Microsoft.OperationalInsights/workspaces/law-sec")


def vendored(guid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "azure-policy" / FILES[guid]).read_text())
    return data


def role_guids(ids: Any) -> set[str]:
    return {str(i).rsplit("/", 1)[-1].lower() for i in ids}


@pytest.mark.parametrize("definition", definitions.ALL, ids=lambda d: d.short_name)
def test_definition_exists_with_that_id_name_and_roles(definition: definitions.BuiltinDefinition
                                                       ) -> None:
    data = vendored(definition.guid)
    assert data["id"] == definition.id
    assert data["name"] == definition.guid
    props = data["properties"]
    assert props["displayName"] == definition.display_name
    details = props["policyRule"]["then"]["details"]
    assert props["parameters"]["effect"]["defaultValue"] == "DeployIfNotExists"
    assert role_guids(details["roleDefinitionIds"]) == role_guids(definition.role_definition_ids)
    assert len(definition.role_definition_ids) == len(details["roleDefinitionIds"])
    workspace_params = [name for name, p in props["parameters"].items()
                        if p.get("metadata", {}).get("assignPermissions")]
    assert workspace_params == ([definition.workspace_parameter]
                                if definition.workspace_parameter else [])


def test_plan_parameters_are_exactly_the_definitions_flags_with_allowed_values() -> None:
    params = vendored(definitions.CONTAINERS_PLAN.guid)["properties"]["parameters"]
    assert set(definitions.PLAN_PARAMETERS) == set(params) - {"effect"}
    for name, (attr, true, false) in definitions.PLAN_PARAMETERS.items():
        assert params[name]["allowedValues"] == [true, false], name
        assert attr in PlanConfig.model_fields


@pytest.mark.parametrize(
    "raw",
    [
        {"managementGroups": ["mg"], "location": "westeurope"},
        {"managementGroups": ["mg"], "location": "westeurope", "sensorWorkspaceId": WS,
         "plan": {k: False for k in ("registryVulnerabilityAssessment", "agentlessDiscovery",
                                     "agentlessVmScanning", "integrityContribution",
                                     "securityGating")}},
    ],
    ids=["defaults", "flags-off-custom-workspace"],
)
def test_every_parameter_passed_is_declared_and_allowed(raw: dict[str, Any]) -> None:
    planned = planned_assignments(parse_azure(raw))
    assert {p.definition.guid for p in planned} == set(FILES)
    for item in planned:
        declared = vendored(item.definition.guid)["properties"]["parameters"]
        for name, value in item.parameters.items():
            assert name in declared, f"{item.name}: {name} not declared"
            spec = declared[name]
            if "allowedValues" in spec:
                assert value in spec["allowedValues"], f"{item.name}: {name}={value!r}"
            assert spec["type"].lower() == "string"
            assert isinstance(value, str)


def test_short_code_table_equals_the_one_in_64def556() -> None:
    template = vendored(definitions.AKS_SENSOR.guid)["properties"]["policyRule"]["then"][
        "details"]["deployment"]["properties"]["template"]
    expected = template["variables"]["locationLongNameToShortMap"]
    shipped = json.loads(
        resources.files("stacks.policy").joinpath("data/location_short_codes.json").read_text()
    )
    assert shipped["locationLongNameToShortMap"] == expected
    assert len(expected) == 56
    assert "64def556" in shipped["_source"]
    # the names Defender derives from the code, as the template spells them
    variables = template["variables"]
    assert variables["defaultRGName"] == (
        "[concat('DefaultResourceGroup-', variables('locationCode'))]")
    assert variables["workspaceName"] == (
        "[concat('DefaultWorkspace-', variables('subscriptionId'),'-', variables('locationCode'))]")
