"""Mocks for the offline preview: what the clouds would answer, as honest placeholders.

Each resource echoes its inputs (as `pulumi preview` shows them) plus the outputs the program
reads back: an Azure resource ID built the way Azure builds it, a policy assignment's
system-assigned principal, an IAM ARN from the role's name. The principal IDs are marked as
placeholders; the IDs and ARNs are what Azure and AWS would return for those names, but nothing
checked that they exist. The AWS caller identity is answered with the stack's own `accountId`,
and the GCP client config and project/organization lookups with the stack's own `projectId`,
`projectNumber` and `organizationId`, so the preview shows what `pulumi up` does with the right
credentials. A GCP service account's email is built the way GCP builds it from its ID.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pulumi

from stacks.offline.mocks import RecordingMocks

AWS_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
GCP_CLIENT_CONFIG = "gcp:organizations/getClientConfig:getClientConfig"
GCP_PROJECT = "gcp:organizations/getProject:getProject"
GCP_ORGANIZATION = "gcp:organizations/getOrganization:getOrganization"
AZURE_PROVIDER = "pulumi:providers:azure-native"
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RANDOM_UUID = "<random UUID chosen at the first pulumi up>"


def placeholder_principal(name: str) -> str:
    """A stable, obviously fake principal ID for the resource called `name`."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"offline-preview/principal/{name}"))


@dataclass
class PlaceholderMocks(RecordingMocks):
    """RecordingMocks that answer like the real providers would, with placeholder values."""

    aws_account: str = "000000000000"
    gcp_project: str = "offline-preview-project"
    gcp_project_number: str = "000000000000"
    gcp_organization: str = "000000000000"
    provider_subscriptions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.invokes.setdefault(AWS_CALLER_IDENTITY, self._caller_identity)
        self.invokes.setdefault(GCP_CLIENT_CONFIG, lambda _args: {
            "project": self.gcp_project, "id": "offline-preview", "region": "", "zone": ""})
        self.invokes.setdefault(GCP_PROJECT, self._gcp_project)
        self.invokes.setdefault(GCP_ORGANIZATION, lambda args: {
            "orgId": self.gcp_organization, "name": f"organizations/{self.gcp_organization}",
            "organization": args.get("organization"), "id": args.get("organization")})

    def _gcp_project(self, args: dict[str, Any]) -> dict[str, Any]:
        # The stack's own project answers with its number; another one is not found.
        if args.get("projectId") != self.gcp_project:
            raise AssertionError(f"project {args.get('projectId')} not found")
        return {"projectId": self.gcp_project, "number": self.gcp_project_number,
                "id": f"projects/{self.gcp_project}", "name": self.gcp_project,
                "orgId": self.gcp_organization}

    def _caller_identity(self, _args: dict[str, Any]) -> dict[str, Any]:
        account = self.aws_account
        return {"accountId": account, "arn": f"arn:aws:iam::{account}:user/offline-preview",
                "userId": "AIDAOFFLINEPREVIEW", "id": account}

    def _subscription(self, args: pulumi.runtime.MockResourceArgs) -> str:
        # An explicit provider is referenced as "<urn>::<id>"; its ID is its name here.
        provider_id = (args.provider or "").rsplit("::", 1)[-1]
        return self.provider_subscriptions.get(provider_id, PLACEHOLDER_SUBSCRIPTION)

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        resource_id: str | None = f"{args.name}-id"
        inputs = args.inputs
        if args.typ == AZURE_PROVIDER:
            resource_id = args.name
            self.provider_subscriptions[args.name] = str(
                inputs.get("subscriptionId") or PLACEHOLDER_SUBSCRIPTION)
        elif args.typ == "azure-native:authorization:PolicyAssignment":
            resource_id = (f"{inputs['scope']}/providers/Microsoft.Authorization/"
                           f"policyAssignments/{inputs['policyAssignmentName']}")
            identity = inputs.get("identity")
            # Azure gives a principal only to a system-assigned identity that was asked for.
            if identity and identity.get("type") == "SystemAssigned":
                state["identity"] = {**identity, "principalId": placeholder_principal(args.name)}
        elif args.typ == "azure-native:resources:ResourceGroup":
            group = inputs["resourceGroupName"]
            state["name"] = group
            resource_id = f"/subscriptions/{self._subscription(args)}/resourceGroups/{group}"
        elif args.typ == "azure-native:operationalinsights:Workspace":
            resource_id = (f"/subscriptions/{self._subscription(args)}/resourceGroups/"
                           f"{inputs['resourceGroupName']}/providers/"
                           f"Microsoft.OperationalInsights/workspaces/{inputs['workspaceName']}")
        elif args.typ == "aws:iam/role:Role":
            path = inputs.get("path") or "/"
            state["arn"] = f"arn:aws:iam::{self.aws_account}:role{path}{inputs['name']}"
        elif args.typ == "random:index/randomUuid:RandomUuid":
            state["result"] = RANDOM_UUID
        elif args.typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(inputs["url"]).removeprefix("https://")
            state["arn"] = f"arn:aws:iam::{self.aws_account}:oidc-provider/{host}"
        else:
            state.update(gcp_outputs(args.typ, inputs, self.gcp_project_number))
        if self.outputs_for is not None:
            state.update(self.outputs_for(args))
        return resource_id, state


def gcp_outputs(typ: str, inputs: dict[str, Any], project_number: str) -> dict[str, Any]:
    """The outputs GCP computes from a resource's inputs (names, emails), as GCP builds them."""
    if typ == "gcp:serviceaccount/account:Account":
        email = f"{inputs['accountId']}@{inputs['project']}.iam.gserviceaccount.com"
        return {"email": email, "member": f"serviceAccount:{email}",
                "name": f"projects/{inputs['project']}/serviceAccounts/{email}"}
    if typ == "gcp:iam/workloadIdentityPool:WorkloadIdentityPool":
        return {"name": f"projects/{project_number}/locations/global/workloadIdentityPools/"
                        f"{inputs['workloadIdentityPoolId']}"}
    if typ == "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
        return {"name": f"projects/{project_number}/locations/global/workloadIdentityPools/"
                        f"{inputs['workloadIdentityPoolId']}/providers/"
                        f"{inputs['workloadIdentityPoolProviderId']}"}
    if typ == "gcp:projects/iAMCustomRole:IAMCustomRole":
        return {"name": f"projects/{inputs['project']}/roles/{inputs['roleId']}"}
    if typ == "gcp:organizations/iAMCustomRole:IAMCustomRole":
        return {"name": f"organizations/{inputs['orgId']}/roles/{inputs['roleId']}"}
    return {}
