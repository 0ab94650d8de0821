"""The names Defender gives its default resource group and workspace, per subscription and region.

Built-in 64def556 (the sensor on AKS), when given no workspace, creates
`DefaultResourceGroup-<code>` and `DefaultWorkspace-<subscription-id>-<code>` in the cluster's
region, untagged; `<code>` comes from its `locationLongNameToShortMap`, copied into
`data/location_short_codes.json`. A region missing from that map has no code (the deployment
fails there), so asking for it is an error, never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


class UnknownRegionError(ValueError):
    def __init__(self, region: str) -> None:
        self.region = region
        super().__init__(
            f"region {region!r} has no short code in locationLongNameToShortMap of built-in policy "
            "64def556, so Defender has no default workspace name there; use the programmatic "
            "region name (e.g. westeurope), or a custom workspace for that region"
        )


@cache
def short_codes() -> dict[str, str]:
    data = json.loads(
        resources.files("stacks.policy").joinpath("data/location_short_codes.json").read_text()
    )
    table: dict[str, str] = data["locationLongNameToShortMap"]
    return table


def region_code(region: str) -> str:
    try:
        return short_codes()[region.lower()]
    except KeyError:
        raise UnknownRegionError(region) from None


@dataclass(frozen=True)
class DefaultWorkspace:
    subscription_id: str
    region: str
    code: str

    @property
    def resource_group(self) -> str:
        return f"DefaultResourceGroup-{self.code}"

    @property
    def workspace(self) -> str:
        return f"DefaultWorkspace-{self.subscription_id}-{self.code}"

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    @property
    def workspace_id(self) -> str:
        return (f"{self.resource_group_id}/providers/Microsoft.OperationalInsights/workspaces/"
                f"{self.workspace}")


def default_workspaces(
    subscriptions: Iterable[str], regions: Iterable[str]
) -> list[DefaultWorkspace]:
    """Every subscription and region, in the order given; raises UnknownRegionError first."""
    regions = [r.lower() for r in regions]
    codes = {region: region_code(region) for region in regions}
    return [
        DefaultWorkspace(subscription.lower(), region, codes[region])
        for subscription in subscriptions for region in regions
    ]


def tag_policy_exclusions(workspaces: Iterable[DefaultWorkspace]) -> list[dict[str, Any]]:
    """Conditions to add to a tag policy's `if.allOf` so it leaves Defender's defaults alone.

    `notLike` without a wildcard compares the whole name, case-insensitively.
    """
    names: list[str] = []
    for item in workspaces:
        for name in (item.resource_group, item.workspace):
            if name not in names:
                names.append(name)
    return [{"field": "name", "notLike": name} for name in names]
