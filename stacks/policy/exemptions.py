"""Waivers from a tag policy for Defender's default resource groups that already exist.

An exemption is a child of the exempted resource, so it can only be made once the resource
group exists; the names come from `default_workspace` (the 64def556 short-code table).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization

from stacks.config.azure import TagPolicyExemptionsConfig
from stacks.policy.default_workspace import default_workspaces


@dataclass(frozen=True)
class TagPolicyExemptionsArgs:
    settings: TagPolicyExemptionsConfig


class TagPolicyExemptions(pulumi.ComponentResource):
    """A Waiver per subscription and region on `DefaultResourceGroup-<code>` and its contents."""

    def __init__(
        self, name: str, args: TagPolicyExemptionsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("defender:policy:TagPolicyExemptions", name, None, opts)
        settings = args.settings
        self.exemption_ids: dict[str, pulumi.Output[str]] = {}
        for target in default_workspaces(settings.subscriptions, settings.regions):
            exemption = authorization.PolicyExemption(
                f"{name}-{target.subscription_id}-{target.code.lower()}",
                policy_exemption_name=f"mdc-default-workspace-{target.code.lower()}",
                scope=target.resource_group_id,
                policy_assignment_id=settings.assignment_id,
                exemption_category=authorization.ExemptionCategory.WAIVER,
                display_name=f"Defender for Containers default workspace ({target.region})",
                description=settings.description,
                expires_on=settings.expires_on or None,
                policy_definition_reference_ids=(
                    list(settings.policy_definition_reference_ids) or None
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.exemption_ids[target.resource_group_id] = exemption.id
        self.register_outputs({"exemption_ids": self.exemption_ids})
