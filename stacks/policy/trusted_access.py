"""Trusted access role bindings for AKS clusters that locks keep Defender from binding itself.

On a locked resource group, subscription or cluster, Defender's agentless features cannot create
their trusted access role bindings, so posture and discovery stay empty. This is what
`az aks trustedaccess rolebinding create` does, as Pulumi resources.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerservice
from pulumi_azure_native.provider import Provider

from stacks.config.azure import AKS_CLUSTER_ID, TrustedAccessConfig
from stacks.policy.names import stable_guid

CSPM_BINDING_NAME = "defender-cloudposture"
CSPM_ROLES = ("Microsoft.Security/pricings/microsoft-defender-operator",)


def cspm_operator(subscription_id: str) -> str:
    return (f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings/CloudPosture"
            "/securityOperators/DefenderCSPMSecurityOperator")


def containers_operator(subscription_id: str) -> str:
    return (f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings/Containers"
            "/securityOperators/DefenderForContainersSecurityOperator")


@dataclass(frozen=True)
class LockedClusterAccessArgs:
    cluster_ids: Sequence[str]
    settings: TrustedAccessConfig
    provider_for: Callable[[str], Provider]
    """The provider bound to a subscription: the binding's subscription comes from it."""


class LockedClusterAccess(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: LockedClusterAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("defender:policy:LockedClusterAccess", name, None, opts)
        self.binding_ids: dict[str, list[pulumi.Output[str]]] = {}
        for cluster_id in args.cluster_ids:
            match = AKS_CLUSTER_ID.match(cluster_id)
            if match is None:
                raise ValueError(f"{cluster_id!r} is not an AKS cluster resource ID")
            subscription = match["subscription"].lower()
            bindings: list[tuple[str, str, Sequence[str], str]] = []
            if args.settings.cspm:
                bindings.append(("cspm", CSPM_BINDING_NAME, CSPM_ROLES,
                                 cspm_operator(subscription)))
            if args.settings.containers:
                bindings.append(("containers", args.settings.containers_binding_name,
                                 args.settings.containers_roles,
                                 containers_operator(subscription)))
            opts_for = pulumi.ResourceOptions(parent=self, provider=args.provider_for(subscription))
            for kind, binding_name, roles, source in bindings:
                binding = containerservice.TrustedAccessRoleBinding(
                    f"{name}-{match['name']}-{stable_guid(cluster_id)[:8]}-{kind}",
                    resource_group_name=match["group"],
                    resource_name_=match["name"],
                    trusted_access_role_binding_name=binding_name,
                    roles=list(roles),
                    source_resource_id=source,
                    opts=opts_for,
                )
                self.binding_ids.setdefault(cluster_id, []).append(binding.id)
        self.register_outputs({"binding_ids": self.binding_ids})
