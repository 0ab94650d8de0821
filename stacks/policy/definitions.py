"""The built-in policy definitions the stack assigns, as far as the stack depends on them.

Copied by hand from Microsoft's definitions (Azure/azure-policy, "Built-in Policy Release
3.2026.0417.1"); `tests/stacks/test_policy_definitions.py` checks every value here against the
vendored JSON in `tests/fixtures/azure-policy/`, so a drift fails the tests, not a deployment.
"""

from __future__ import annotations

from dataclasses import dataclass

_ROLE = "/providers/Microsoft.Authorization/roleDefinitions/"


@dataclass(frozen=True)
class BuiltinDefinition:
    guid: str
    display_name: str
    role_definition_ids: tuple[str, ...]
    # assignment name stem: at most 24 characters including any regional suffix (see names.py)
    short_name: str
    # the parameter that takes a Log Analytics workspace (its `assignPermissions` is true)
    workspace_parameter: str | None = None

    @property
    def id(self) -> str:
        return f"/providers/Microsoft.Authorization/policyDefinitions/{self.guid}"


CONTAINERS_PLAN = BuiltinDefinition(
    guid="efd4031d-b232-4595-babf-ae817348e91b",
    display_name="Configure Microsoft Defender for Containers plan",
    role_definition_ids=(f"{_ROLE}8e3af657-a8ff-443c-a75c-2fe8c4bcb635",),
    short_name="mdc-containers-plan",
)
AKS_SENSOR = BuiltinDefinition(
    guid="64def556-fbad-4622-930e-72d1d5589bf5",
    display_name="Configure Azure Kubernetes Service clusters to enable Defender profile",
    role_definition_ids=(
        f"{_ROLE}5e93ba01-8f92-4c7a-b12a-801e3df23824",
        f"{_ROLE}8bb6f106-b146-4ee6-a3f9-b9c5a96e0ae5",
    ),
    short_name="mdc-aks-sensor",
    workspace_parameter="logAnalyticsWorkspaceResourceId",
)
ARC_SENSOR = BuiltinDefinition(
    guid="708b60a6-d253-4fe0-9114-4be4c00f012c",
    display_name="[Preview]: Configure Azure Arc enabled Kubernetes clusters to install "
    "Microsoft Defender for Cloud extension",
    role_definition_ids=(
        f"{_ROLE}5e93ba01-8f92-4c7a-b12a-801e3df23824",
        f"{_ROLE}8bb6f106-b146-4ee6-a3f9-b9c5a96e0ae5",
    ),
    short_name="mdc-arc-sensor",
    workspace_parameter="logAnalyticsWorkspaceResourceId",
)
AKS_POLICY_ADDON = BuiltinDefinition(
    guid="a8eff44f-8c92-45c3-a3fb-9880802d67a7",
    display_name="Deploy Azure Policy Add-on to Azure Kubernetes Service clusters",
    role_definition_ids=(
        f"{_ROLE}ed7f3fbd-7b88-4dd4-9017-9adb7ce333f8",
        f"{_ROLE}18ed5180-3e48-46fd-8541-4ea054d57064",
    ),
    short_name="mdc-aks-policy-addon",
)
ARC_POLICY_EXTENSION = BuiltinDefinition(
    guid="0adc5395-9169-4b9b-8687-af838d69410a",
    display_name="Configure Azure Arc enabled Kubernetes clusters to install the Azure Policy "
    "extension",
    role_definition_ids=(f"{_ROLE}85cb6faf-e071-4c9b-8136-154b5a04f717",),
    short_name="mdc-arc-policy-ext",
)

ALL = (CONTAINERS_PLAN, AKS_SENSOR, ARC_SENSOR, AKS_POLICY_ADDON, ARC_POLICY_EXTENSION)

# efd4031d parameter -> (PlanConfig attribute, value for true, value for false); the definition's
# allowedValues differ in case between parameters ("true" vs "True").
PLAN_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "isContainerRegistriesVulnerabilityAssessmentsEnabled": (
        "registry_vulnerability_assessment", "true", "false"),
    "isAgentlessDiscoveryForKubernetesEnabled": ("agentless_discovery", "true", "false"),
    "isAgentlessVmScanningEnabled": ("agentless_vm_scanning", "true", "false"),
    "isContainerSensorEnabled": ("sensor", "true", "false"),
    "isContainerIntegrityContributionEnabled": ("integrity_contribution", "true", "false"),
    "isSecurityGatingEnabled": ("security_gating", "True", "False"),
}
