"""Tagged Log Analytics workspaces for the sensor, one per region (like Defender's defaults).

Organisations whose policies require tags cannot let Defender create its untagged default
workspaces; these take their place, and the sensor policy is pointed at them region by region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import operationalinsights, resources
from pulumi_azure_native.provider import Provider

from stacks.config.azure import SensorWorkspaceConfig


@dataclass(frozen=True)
class SensorWorkspacesArgs:
    settings: SensorWorkspaceConfig
    provider_for: Callable[[str], Provider]


class SensorWorkspaces(pulumi.ComponentResource):
    """With `create`, the resource group and one workspace per region; otherwise nothing.

    `workspaces` maps region to the created workspace, for dependencies.
    """

    def __init__(
        self, name: str, args: SensorWorkspacesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("defender:policy:SensorWorkspaces", name, None, opts)
        settings = args.settings
        self.workspaces: dict[str, operationalinsights.Workspace] = {}
        if settings.create:
            provider = args.provider_for(settings.subscription_id)
            group = resources.ResourceGroup(
                f"{name}-group",
                resource_group_name=settings.resource_group_name,
                location=settings.regions[0],
                tags=dict(settings.tags),
                opts=pulumi.ResourceOptions(parent=self, provider=provider),
            )
            for region in settings.regions:
                self.workspaces[region] = operationalinsights.Workspace(
                    f"{name}-{region}",
                    workspace_name=settings.workspace_name(region),
                    resource_group_name=group.name,
                    location=region,
                    sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                    retention_in_days=settings.retention_in_days,
                    tags=dict(settings.tags),
                    opts=pulumi.ResourceOptions(parent=self, provider=provider),
                )
        self.workspace_ids = {
            region: (self.workspaces[region].id if region in self.workspaces
                     else pulumi.Output.from_input(settings.workspace_id(region)))
            for region in settings.regions
        }
        self.register_outputs({"workspace_ids": self.workspace_ids})
