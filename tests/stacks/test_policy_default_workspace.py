"""Default resource group / workspace names, and scripts/default_workspace_names.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stacks.policy.default_workspace import (
    UnknownRegionError,
    default_workspaces,
    region_code,
    tag_policy_exclusions,
)
from stacks.policy.workspace_names_cli import main
from tests.stacks.policy_support import ROOT, SUB_A, SUB_B, load_fixture

SUB_UPPER = "ABCDEF01-2345-6789-ABCD-EF0123456789"


def test_names_follow_the_64def556_template() -> None:
    (item,) = default_workspaces([SUB_UPPER], ["westeurope"])
    sub = SUB_UPPER.lower()
    assert item.code == "WEU"
    assert item.resource_group == "DefaultResourceGroup-WEU"
    assert item.workspace == f"DefaultWorkspace-{sub}-WEU"
    assert item.resource_group_id == f"/subscriptions/{sub}/resourceGroups/DefaultResourceGroup-WEU"
    assert item.workspace_id == (f"/subscriptions/{sub}/resourceGroups/DefaultResourceGroup-WEU"
                                 f"/providers/Microsoft.OperationalInsights/workspaces/"
                                 f"DefaultWorkspace-{sub}-WEU")


def test_every_region_in_the_definition_has_its_code() -> None:
    table = load_fixture("azure-policy", "ASC_Azure_Defender_AKS_SecurityProfile_DINE.json")[
        "properties"]["policyRule"]["then"]["details"]["deployment"]["properties"]["template"][
        "variables"]["locationLongNameToShortMap"]
    for region, code in table.items():
        assert region_code(region) == code
    # codes are not derivable from the name: a guess would be wrong
    assert region_code("westus3") == "USW3"
    assert region_code("eastus2euap") == "eus2p"


def test_cross_product_in_order() -> None:
    found = default_workspaces([SUB_A, SUB_B], ["eastus", "uksouth"])
    assert [(w.subscription_id, w.code) for w in found] == [
        (SUB_A, "EUS"), (SUB_A, "SUK"), (SUB_B, "EUS"), (SUB_B, "SUK")]


@pytest.mark.parametrize("region", ["mars", "West Europe", "newzealandnorth", ""])
def test_region_without_code_is_an_error(region: str) -> None:
    with pytest.raises(UnknownRegionError, match="has no short code"):
        default_workspaces([SUB_A], ["westeurope", region])


def test_tag_policy_exclusions_are_exact_names_without_duplicates() -> None:
    found = default_workspaces([SUB_A, SUB_B], ["westeurope"])
    assert tag_policy_exclusions(found) == [
        {"field": "name", "notLike": "DefaultResourceGroup-WEU"},
        {"field": "name", "notLike": f"DefaultWorkspace-{SUB_A}-WEU"},
        {"field": "name", "notLike": f"DefaultWorkspace-{SUB_B}-WEU"},
    ]


def test_script_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-s", SUB_A, "-r", "westeurope", "-r", "eastus"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["subscription", "region", "code", "resource", "group", "workspace"]
    assert lines[1].split() == [SUB_A, "westeurope", "WEU", "DefaultResourceGroup-WEU",
                                f"DefaultWorkspace-{SUB_A}-WEU"]
    assert lines[2].split()[2:4] == ["EUS", "DefaultResourceGroup-EUS"]


def test_script_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-s", SUB_A, "-r", "uksouth", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row == {
        "subscriptionId": SUB_A, "region": "uksouth", "code": "SUK",
        "resourceGroup": "DefaultResourceGroup-SUK", "workspace": f"DefaultWorkspace-{SUB_A}-SUK",
        "resourceGroupId": f"/subscriptions/{SUB_A}/resourceGroups/DefaultResourceGroup-SUK",
        "workspaceId": f"/subscriptions/{SUB_A}/resourceGroups/DefaultResourceGroup-SUK/providers"
                       f"/Microsoft.OperationalInsights/workspaces/DefaultWorkspace-{SUB_A}-SUK",
    }


def test_script_tag_policy_snippet(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-s", SUB_A, "-r", "westeurope", "--format", "tag-policy"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == tag_policy_exclusions(
        default_workspaces([SUB_A], ["westeurope"]))
    assert "policyRule.if.allOf" in captured.err


def test_script_unknown_region_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-s", SUB_A, "-r", "mars"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "'mars' has no short code" in captured.err


def test_script_rejects_a_subscription_that_is_not_a_guid(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["-s", "prod", "-r", "westeurope"])
    assert exited.value.code == 2
    assert "not a subscription ID" in capsys.readouterr().err


def test_script_runs_as_a_command() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "default_workspace_names.py"), "-s", SUB_A,
         "-r", "japaneast", "--format", "json"],
        capture_output=True, text=True, check=False, cwd=ROOT, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["workspace"] == f"DefaultWorkspace-{SUB_A}-EJP"
