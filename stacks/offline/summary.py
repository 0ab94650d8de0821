"""The inputs of each resource type that a reviewer needs to see, as (label, text) pairs.

Everything else (template bodies, long policy documents) is condensed: IAM documents into one
line per statement, the StackSet template into the resources it declares. Types not listed here
show every input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from stacks.policy import definitions

_BUILTINS = {d.id.lower(): f"{d.guid[:8]} {d.display_name}" for d in definitions.ALL}
# docs/reference.md §1: the two built-in roles named there; others are shown by GUID only.
_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "fb1c8493-542b-48eb-b624-b4c8fea62acd": "Security Admin",
}

SHOWN: dict[str, tuple[str, ...]] = {
    "pulumi:providers:azure-native": ("subscriptionId",),
    "azure-native:authorization:PolicyAssignment": (
        "policyAssignmentName", "scope", "policyDefinitionId", "parameters", "enforcementMode",
        "location", "identity", "resourceSelectors", "notScopes",
    ),
    "azure-native:authorization:RoleAssignment": (
        "scope", "roleDefinitionId", "principalId", "principalType", "roleAssignmentName",
    ),
    "azure-native:policyinsights:RemediationAtManagementGroup": (
        "managementGroupId", "policyAssignmentId", "resourceDiscoveryMode",
    ),
    "azure-native:policyinsights:RemediationAtSubscription": (
        "policyAssignmentId", "resourceDiscoveryMode",
    ),
    "azure-native:authorization:PolicyExemption": (
        "policyExemptionName", "scope", "policyAssignmentId", "exemptionCategory", "expiresOn",
    ),
    "azure-native:resources:ResourceGroup": ("resourceGroupName", "location", "tags"),
    "azure-native:operationalinsights:Workspace": (
        "workspaceName", "resourceGroupName", "location", "retentionInDays", "tags",
    ),
    "azure-native:containerservice:TrustedAccessRoleBinding": (
        "resourceGroupName", "resourceName", "trustedAccessRoleBindingName", "roles",
        "sourceResourceId",
    ),
    "azure-native:security:SecurityConnector": (
        "securityConnectorName", "resourceGroupName", "location", "environmentName",
        "hierarchyIdentifier", "environmentData", "offerings",
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
        "url", "clientIdLists", "thumbprintLists",
    ),
    "aws:iam/role:Role": ("name", "assumeRolePolicy", "maxSessionDuration"),
    "aws:iam/rolePolicy:RolePolicy": ("role", "name", "policy"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ("role", "policyArn"),
    "aws:cloudformation/stackSet:StackSet": (
        "name", "permissionModel", "autoDeployment", "capabilities", "templateBody",
    ),
    "aws:cloudformation/stackSetInstance:StackSetInstance": (
        "stackSetName", "deploymentTargets", "stackSetInstanceRegion", "region",
    ),
    "gcp:projects/service:Service": ("project", "service", "disableOnDestroy"),
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (
        "project", "workloadIdentityPoolId", "displayName",
    ),
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (
        "workloadIdentityPoolProviderId", "oidc", "attributeMapping",
    ),
    "gcp:serviceaccount/account:Account": ("project", "accountId", "displayName"),
    "gcp:serviceaccount/iAMMember:IAMMember": ("serviceAccountId", "role", "member"),
    "gcp:projects/iAMCustomRole:IAMCustomRole": ("project", "roleId", "stage", "permissions"),
    "gcp:organizations/iAMCustomRole:IAMCustomRole": ("orgId", "roleId", "stage", "permissions"),
    "gcp:projects/iAMMember:IAMMember": ("project", "role", "member"),
    "gcp:organizations/iAMMember:IAMMember": ("orgId", "role", "member"),
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": ("project", "service", "auditLogConfigs"),
    "gcp:organizations/iamAuditConfig:IamAuditConfig": ("orgId", "service", "auditLogConfigs"),
}


def _integral(value: Any) -> Any:
    """Numbers cross the Pulumi protocol as floats; show 30, not 30.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_integral(value), separators=(", ", ": "), sort_keys=True)


def _definition(value: Any) -> str:
    known = _BUILTINS.get(str(value).lower())
    return f"{value} ({known})" if known else str(value)


def _role_definition(value: Any) -> str:
    guid = str(value).rsplit("/", 1)[-1].lower()
    return f"{value} ({_ROLES[guid]})" if guid in _ROLES else str(value)


def _listed(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else _compact(value)


def _statement(statement: dict[str, Any], trust: bool) -> str:
    actions = statement.get("Action") or statement.get("NotAction") or []
    actions = [actions] if isinstance(actions, str) else list(actions)
    verb = "Allow" if statement.get("Effect") == "Allow" else "Deny"
    if "NotAction" in statement:
        verb += " all but"
    text = f"{verb} {_listed(actions)}"
    if trust:
        principal = statement.get("Principal", {})
        if isinstance(principal, dict):
            who = "; ".join(f"{kind} {_listed(v) if isinstance(v, list) else v}"
                            for kind, v in sorted(principal.items()))
        else:
            who = str(principal)
        text += f" to {who}"
    else:
        resources = statement.get("Resource") or statement.get("NotResource") or "*"
        text += f" on {_listed(resources if isinstance(resources, list) else [resources])}"
    conditions = [
        f"{operator} {key} = {_listed(expected) if isinstance(expected, list) else expected}"
        for operator, tests in sorted((statement.get("Condition") or {}).items())
        for key, expected in sorted(tests.items())
    ]
    if conditions:
        text += " if " + " and ".join(conditions)
    return text


def _document(trust: bool) -> Callable[[Any], str]:
    def summarize_document(value: Any) -> str:
        try:
            document = json.loads(value) if isinstance(value, str) else value
            statements = document["Statement"]
        except (ValueError, TypeError, KeyError):
            return _compact(value)
        statements = [statements] if isinstance(statements, dict) else statements
        return " | ".join(_statement(s, trust) for s in statements)

    return summarize_document


def _template(value: Any) -> str:
    try:
        template = yaml.safe_load(value) if isinstance(value, str) else value
        resources = template["Resources"]
    except (yaml.YAMLError, TypeError, KeyError):
        return f"{len(str(value))} characters"
    kinds = [f"{name} ({body.get('Type')})" for name, body in resources.items()]
    return f"template with {len(kinds)} resources: {', '.join(kinds)}"


def _offerings(value: Any) -> str:
    if not isinstance(value, list):
        return _compact(value)
    return " | ".join(
        f"{o.get('offeringType')} {_compact({k: v for k, v in o.items() if k != 'offeringType'})}"
        for o in value if isinstance(o, dict)
    )


def _oidc(value: Any) -> str:
    if not isinstance(value, dict):
        return _compact(value)
    return (f"issuer {value.get('issuerUri')}, audiences "
            f"{_listed(value.get('allowedAudiences') or [])}")


def _log_types(value: Any) -> str:
    if not isinstance(value, list):
        return _compact(value)
    return ", ".join(str(c.get("logType")) for c in value if isinstance(c, dict))


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "permissions": _listed,
    "oidc": _oidc,
    "auditLogConfigs": _log_types,
    "policyDefinitionId": _definition,
    "roleDefinitionId": _role_definition,
    "assumeRolePolicy": _document(trust=True),
    "policy": _document(trust=False),
    "templateBody": _template,
    "offerings": _offerings,
}
LABELS = {"assumeRolePolicy": "trust", "templateBody": "template"}


def summarize(type_: str, inputs: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) for the inputs of a `type_` resource that matter, in a stable order."""
    keys = SHOWN.get(type_) or tuple(sorted(inputs))
    return [
        (LABELS.get(key, key), FORMATTERS.get(key, _compact)(inputs[key]))
        for key in keys
        if inputs.get(key) not in (None, "", [], {})
    ]
