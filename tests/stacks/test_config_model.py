"""What the three config readers share (stacks/config/model.py): keys by their camelCase alias
only, null as absent, an unknown key reported before the key it makes look missing, and one
line naming the key and the fix for any of pydantic's errors."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stacks.config.aws import AwsConnectorConfig, ConnectorSettings, parse_aws
from stacks.config.azure import AzurePolicyConfig, PlanConfig, parse_azure
from stacks.config.errors import ConfigError
from stacks.config.gcp import parse_gcp
from tests.stacks.test_aws_config import MINIMAL as AWS
from tests.stacks.test_aws_config import with_
from tests.stacks.test_gcp_config import MINIMAL as GCP

AZURE: dict[str, Any] = {"managementGroups": ["contoso-platform"], "location": "westeurope"}


def error(parse: Any, raw: Any) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse(raw)
    assert "\n" not in str(caught.value)
    assert str(caught.value) == f"defender-containers:{caught.value.key}: {caught.value.problem}"
    return caught.value


@pytest.mark.parametrize(("parse", "raw", "key", "near"), [
    (parse_aws, {**AWS, "scan_interval_hours": 4}, "aws.scan_interval_hours", "scanIntervalHours"),
    (parse_gcp, {**GCP, "project_number": "1"}, "gcp.project_number", "projectNumber"),
    (parse_azure, {**AZURE, "policy_addon": False}, "azure.policy_addon", "policyAddon"),
    (parse_aws, with_("advanced.role_names", {}), "aws.advanced.role_names", "roleNames"),
])
def test_a_python_field_name_is_an_unknown_key_with_its_yaml_name(
        parse: Any, raw: Any, key: str, near: str) -> None:
    caught = error(parse, raw)
    assert caught.key == key
    assert caught.problem.startswith(f"unknown key; did you mean {near}? the known keys here "
                                     "are ")


def test_a_misspelt_required_key_is_reported_as_misspelt_not_as_missing() -> None:
    raw = {k: v for k, v in AWS.items() if k != "accountId"} | {"acountId": "123456789012"}
    caught = error(parse_aws, raw)
    assert caught.key == "aws.acountId"
    assert "did you mean accountId?" in caught.problem


def test_a_misspelt_nested_key_gets_the_nearest_known_one_and_the_list() -> None:
    caught = error(parse_aws, with_("connector.resourcegroupname", "rg"))
    assert caught.problem == ("unknown key; did you mean resourceGroupName? the known keys here "
                              "are resourceGroupName, location, name")
    caught = error(parse_aws, with_("advanced.roleNames.k8ss", "Role"))
    assert caught.key == "aws.advanced.roleNames.k8ss"
    assert caught.problem.startswith("unknown key; did you mean k8s? the known keys here are "
                                     "cspmMonitor, k8s, ")


def test_null_is_the_same_as_leaving_the_key_out() -> None:
    nulls = {"regions": None, "offerings": None, "organization": None,
             "advanced": {"audiences": None, "roleNames": {"k8s": None},
                          "kubeAuditRetentionDays": None}}
    assert parse_aws({**AWS, **nulls}) == parse_aws(AWS)
    assert parse_azure({**AZURE, "plan": None, "trustedAccess": None}) == parse_azure(AZURE)
    assert error(parse_gcp, {**GCP, "projectId": None}).problem == "is required"


def test_a_required_key_below_an_optional_one_says_when_and_the_fix() -> None:
    caught = error(parse_aws, with_("organization", {"stacksetName": "Roles"}))
    assert caught.key == "aws.organization.organizationalUnitIds"
    assert caught.problem.startswith("is required when organization is set (the root ID ")
    caught = error(lambda raw: parse_azure(raw, default_location=None),
                   {"managementGroups": ["mg"]})
    assert caught.key == "azure.location"
    assert "azure-native:location" in caught.problem


@pytest.mark.parametrize(("raw", "key", "problem"), [
    (with_("leastPrivilege", "true"), "aws.leastPrivilege",
     "must be true or false (unquoted in YAML), got the string 'true'"),
    (with_("regions", {"us-east-1": True}), "aws.regions", "must be a list, got an object"),
    (with_("offerings", [True]), "aws.offerings",
     "must be an object (a YAML mapping), got a list"),
    (with_("advanced.roleNames", ["k8s"]), "aws.advanced.roleNames",
     "must be an object (a YAML mapping), got a list"),
])
def test_pydantics_type_errors_read_like_the_projects_own(raw: Any, key: str,
                                                          problem: str) -> None:
    caught = error(parse_aws, raw)
    assert (caught.key, caught.problem) == (key, problem)


def test_python_builds_the_models_by_field_name_and_they_are_checked_and_frozen() -> None:
    config = AzurePolicyConfig(location="westeurope", management_groups=("mg",),
                               plan=PlanConfig(sensor=False))
    assert config == parse_azure({**AZURE, "managementGroups": ["mg"],
                                  "plan": {"sensor": False}})
    with pytest.raises(ValidationError, match="needs at least one scope"):
        AzurePolicyConfig(location="westeurope")
    with pytest.raises(ValidationError, match="frozen"):
        config.plan.sensor = True  # type: ignore[misc]


def test_python_built_models_get_the_derived_defaults_too() -> None:
    # Derived in an after-validator, which pydantic's __init__ must not lose.
    config = AwsConnectorConfig(
        account_id="123456789012", azure_tenant_id="11111111-2222-3333-4444-555555555555",
        connector=ConnectorSettings(resource_group_name="rg-defender", location="westeurope"))
    assert config == parse_aws(AWS)
    assert config.connector.name == "aws-123456789012"
