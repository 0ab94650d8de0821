"""Config for locked clusters, sensor workspaces per region and tag-policy exemptions (#6)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config.azure import (
    SensorWorkspaceConfig,
    TagPolicyExemptionsConfig,
    TrustedAccessConfig,
    parse_azure,
)
from stacks.config.errors import ConfigError

SUB = "00000000-0000-0000-0000-0000000000aa"
CLUSTER = (f"/subscriptions/{SUB}/resourceGroups/rg-aks/providers/"
           "Microsoft.ContainerService/managedClusters/aks-prod-01")
TAG_ASSIGNMENT = ("/providers/Microsoft.Management/managementGroups/contoso/providers/"
                  "Microsoft.Authorization/policyAssignments/require-tags")
POLICY_OPERATOR = "Microsoft.Security/pricings/microsoft-defender-policy-operator"
WS = (f"/subscriptions/{SUB}/resourceGroups/rg/providers/"
      "Microsoft.OperationalInsights/workspaces/law-sec")


def base(**extra: Any) -> dict[str, Any]:
    return {"subscriptions": [SUB], "location": "westeurope", **extra}


def workspace(**extra: Any) -> dict[str, Any]:
    return {"subscriptionId": SUB, "resourceGroupName": "rg-defender",
            "regions": ["westeurope", "eastus"], **extra}


def test_defaults_when_absent() -> None:
    config = parse_azure(base())
    assert config.locked_clusters == ()
    assert config.trusted_access == TrustedAccessConfig(
        cspm=True, containers=True, containers_binding_name="defender-containers",
        containers_roles=("Microsoft.Security/pricings/microsoft-defender-operator",))
    assert config.sensor_workspace is None
    assert config.tag_policy_exemptions is None


def test_full_troubleshooting_config() -> None:
    config = parse_azure(base(
        lockedClusters=[CLUSTER],
        trustedAccess={"cspm": False, "containersBindingName": "mdc-containers",
                       "containersRoles": [POLICY_OPERATOR]},
        sensorWorkspace=workspace(create=False, namePrefix="law-mdc", tags={"costCenter": "42"},
                                  retentionInDays=90, otherRegions="defaultWorkspace"),
        tagPolicyExemptions={"assignmentId": TAG_ASSIGNMENT, "regions": ["uksouth"],
                             "expiresOn": "2026-12-31", "description": "ticket SEC-1"},
    ))
    assert config.locked_clusters == (CLUSTER,)
    assert config.trusted_access == TrustedAccessConfig(
        cspm=False, containers=True, containers_binding_name="mdc-containers",
        containers_roles=(POLICY_OPERATOR,))
    assert config.sensor_workspace == SensorWorkspaceConfig(
        subscription_id=SUB, resource_group_name="rg-defender", regions=("westeurope", "eastus"),
        create=False, name_prefix="law-mdc", tags={"costCenter": "42"}, retention_in_days=90,
        other_regions="defaultWorkspace")
    assert config.sensor_workspace.workspace_id("eastus") == (
        f"/subscriptions/{SUB}/resourceGroups/rg-defender/providers/"
        "Microsoft.OperationalInsights/workspaces/law-mdc-eastus")
    # subscriptions default to the stack's subscription scopes; the expiry is normalised to UTC
    assert config.tag_policy_exemptions == TagPolicyExemptionsConfig(
        assignment_id=TAG_ASSIGNMENT, subscriptions=(SUB,), regions=("uksouth",),
        description="ticket SEC-1", expires_on="2026-12-31T00:00:00Z")


def test_expiry_with_offset_is_converted_to_utc() -> None:
    config = parse_azure(base(tagPolicyExemptions={
        "assignmentId": TAG_ASSIGNMENT, "regions": ["uksouth"],
        "expiresOn": "2027-01-01T01:30:00+02:00"}))
    assert config.tag_policy_exemptions is not None
    assert config.tag_policy_exemptions.expires_on == "2026-12-31T23:30:00Z"


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        (base(lockedClusters=["aks-prod-01"]), "azure.lockedClusters[0]",
         "must be an AKS cluster resource ID"),
        (base(lockedClusters=[CLUSTER.replace("managedClusters", "connectedClusters")]),
         "azure.lockedClusters[0]", "must be an AKS cluster resource ID"),
        (base(lockedClusters=[CLUSTER, CLUSTER]), "azure.lockedClusters[1]",
         "listed more than once"),
        (base(lockedClusters=CLUSTER), "azure.lockedClusters", "must be a list"),
        (base(trustedAccess={"containersBindingName": "x" * 25}),
         "azure.trustedAccess.containersBindingName", "1-24 letters"),
        (base(trustedAccess={"containersRoles": []}), "azure.trustedAccess.containersRoles",
         "at least one role"),
        (base(trustedAccess={"containersRoles": ["operator"]}),
         "azure.trustedAccess.containersRoles[0]", "must be a trusted access role"),
        (base(trustedAccess={"cspm": "no"}), "azure.trustedAccess.cspm", "true or false"),
        (base(trustedAccess={"role": "x"}), "azure.trustedAccess.role", "unknown key"),
        (base(sensorWorkspace=workspace(), sensorWorkspaceId=WS), "azure.sensorWorkspace",
         "both set"),
        (base(sensorWorkspace=workspace(), plan={"sensor": False}), "azure.sensorWorkspace",
         "plan.sensor: false"),
        (base(sensorWorkspace={"resourceGroupName": "rg", "regions": ["eastus"]}),
         "azure.sensorWorkspace.subscriptionId", "is required"),
        (base(sensorWorkspace=workspace(regions=[])), "azure.sensorWorkspace.regions",
         "must not be empty"),
        (base(sensorWorkspace=workspace(regions=["West Europe"])),
         "azure.sensorWorkspace.regions[0]", "must be an Azure region name"),
        (base(sensorWorkspace=workspace(subscriptionId="prod")),
         "azure.sensorWorkspace.subscriptionId", "must be a subscription ID"),
        (base(sensorWorkspace=workspace(resourceGroupName="rg/x")),
         "azure.sensorWorkspace.resourceGroupName", "must be an Azure resource group name"),
        (base(sensorWorkspace=workspace(namePrefix="-bad")), "azure.sensorWorkspace.namePrefix",
         "not a valid workspace name"),
        (base(sensorWorkspace=workspace(tags={"team": 7})), "azure.sensorWorkspace.tags.team",
         "must be a string"),
        (base(sensorWorkspace=workspace(tags=["team"])), "azure.sensorWorkspace.tags",
         "must be an object"),
        (base(sensorWorkspace=workspace(retentionInDays=7)),
         "azure.sensorWorkspace.retentionInDays", "from 30 to 730"),
        (base(sensorWorkspace=workspace(otherRegions="all")),
         "azure.sensorWorkspace.otherRegions", "must be one of none, defaultWorkspace"),
        (base(sensorWorkspace=workspace(create="yes")), "azure.sensorWorkspace.create",
         "true or false"),
        (base(sensorWorkspace=workspace(location="eastus")), "azure.sensorWorkspace.location",
         "unknown key"),
        (base(tagPolicyExemptions={"regions": ["eastus"]}),
         "azure.tagPolicyExemptions.assignmentId", "is required"),
        (base(tagPolicyExemptions={"assignmentId": "require-tags", "regions": ["eastus"]}),
         "azure.tagPolicyExemptions.assignmentId", "must be a policy assignment ID"),
        (base(tagPolicyExemptions={"assignmentId": TAG_ASSIGNMENT, "regions": ["mars"]}),
         "azure.tagPolicyExemptions.regions[0]", "has no short code"),
        (base(tagPolicyExemptions={"assignmentId": TAG_ASSIGNMENT, "regions": ["eastus"],
                                   "expiresOn": "next year"}),
         "azure.tagPolicyExemptions.expiresOn", "must be an ISO 8601"),
        ({"managementGroups": ["mg"], "location": "westeurope",
          "tagPolicyExemptions": {"assignmentId": TAG_ASSIGNMENT, "regions": ["eastus"]}},
         "azure.tagPolicyExemptions.subscriptions", "is required"),
        (base(tagPolicyExemptions={"assignmentId": TAG_ASSIGNMENT, "regions": ["eastus"],
                                   "category": "Mitigated"}),
         "azure.tagPolicyExemptions.category", "unknown key"),
    ],
)
def test_every_mistake_names_its_key(raw: Any, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_azure(raw)
    assert caught.value.key == key
    assert fragment in caught.value.problem
