"""`defender-containers:azure` parsing: defaults, and an error naming the key for every mistake."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config.azure import AzurePolicyConfig, PlanConfig, parse_azure
from stacks.config.errors import ConfigError

SUB = "00000000-0000-0000-0000-0000000000AA"
WS = ("/subscriptions/00000000-0000-0000-0000-0000000000bb/resourceGroups/rg-sec/providers/"
      "Microsoft.OperationalInsights/workspaces/law-sec")


def base(**extra: Any) -> dict[str, Any]:
    return {"managementGroups": ["contoso-platform"], "location": "westeurope", **extra}


def test_defaults_for_everything_but_scope_and_location() -> None:
    config = parse_azure(base())
    assert config == AzurePolicyConfig(
        location="westeurope", management_groups=("contoso-platform",), subscriptions=(),
        plan=PlanConfig(registry_vulnerability_assessment=True, agentless_discovery=True,
                        agentless_vm_scanning=True, sensor=True, integrity_contribution=True,
                        security_gating=True), sensor_workspace_id="",
        policy_addon=True, arc_clusters=True, remediate=True, enforcement_mode="Default",
    )


def test_full_config_is_read_and_subscriptions_are_normalised() -> None:
    config = parse_azure({
        "subscriptions": [SUB], "location": "eastus2",
        "plan": {"registryVulnerabilityAssessment": False, "agentlessDiscovery": False,
                 "agentlessVmScanning": False, "sensor": False, "integrityContribution": False,
                 "securityGating": False},
        "sensorWorkspaceId": WS, "policyAddon": False, "arcClusters": False, "remediate": False,
        "enforcementMode": "DoNotEnforce",
    })
    assert config.subscriptions == (SUB.lower(),)
    assert config.management_groups == ()
    assert config.plan == PlanConfig(
        registry_vulnerability_assessment=False, agentless_discovery=False,
        agentless_vm_scanning=False, sensor=False, integrity_contribution=False,
        security_gating=False)
    assert (config.sensor_workspace_id, config.policy_addon, config.arc_clusters,
            config.remediate, config.enforcement_mode) == (WS, False, False, False, "DoNotEnforce")


def test_partial_plan_keeps_other_defaults() -> None:
    assert parse_azure(base(plan={"securityGating": False})).plan == PlanConfig(
        security_gating=False)


def test_location_falls_back_to_default_location() -> None:
    raw = base()
    del raw["location"]
    assert parse_azure(raw, default_location="northeurope").location == "northeurope"


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ([], "azure", "must be an object"),
        ({"location": "westeurope"}, "azure", "at least one scope"),
        ({"managementGroups": [], "subscriptions": [], "location": "westeurope"}, "azure",
         "at least one scope"),
        (base(subscriptions=["my-subscription"]), "azure.subscriptions[0]",
         "must be a subscription ID"),
        (base(subscriptions=[SUB, SUB.lower()]), "azure.subscriptions[1]", "listed more than once"),
        (base(subscriptions=SUB), "azure.subscriptions", "must be a list"),
        (base(subscriptions=[42]), "azure.subscriptions[0]", "quoted as a string"),
        (base(managementGroups=["Contoso Platform"]), "azure.managementGroups[0]",
         "must be a management group ID"),
        (base(managementGroups=["/providers/Microsoft.Management/managementGroups/x"]),
         "azure.managementGroups[0]", "must be a management group ID"),
        (base(location="West Europe"), "azure.location", "must be an Azure region name"),
        (base(location=3), "azure.location", "quoted as a string"),
        (base(sensorWorkspaceId="law-sec"), "azure.sensorWorkspaceId",
         "must be a Log Analytics workspace resource ID"),
        (base(sensorWorkspaceId=WS.replace("OperationalInsights", "Storage")),
         "azure.sensorWorkspaceId", "must be a Log Analytics workspace resource ID"),
        (base(plan={"sensor": "yes"}), "azure.plan.sensor", "must be true or false"),
        (base(plan={"defenderAgent": True}), "azure.plan.defenderAgent", "unknown key"),
        (base(plan=True), "azure.plan", "must be an object"),
        (base(policyAddon="true"), "azure.policyAddon", "must be true or false"),
        (base(arcClusters=1), "azure.arcClusters", "must be true or false"),
        (base(remediate="false"), "azure.remediate", "must be true or false"),
        (base(enforcementMode="Enforce"), "azure.enforcementMode",
         "one of Default, DoNotEnforce"),
        (base(managementgroups=["x"]), "azure.managementgroups", "unknown key"),
    ],
)
def test_every_mistake_names_its_key(raw: Any, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_azure(raw)
    assert caught.value.key == key
    assert fragment in caught.value.problem
    assert str(caught.value).startswith(f"defender-containers:{key}: ")


def test_missing_location_without_fallback_is_an_error() -> None:
    raw = base()
    del raw["location"]
    with pytest.raises(ConfigError, match=r"azure\.location: is required"):
        parse_azure(raw)
