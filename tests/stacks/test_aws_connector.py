"""`defender:aws:Connector` under Pulumi mocks: what it registers, with which real inputs.

The mocks give every IAM role an ARN that no code could compute from its name (a `from-mock/`
path), so the connector's offerings can only hold them if they were wired from the roles; the
random external ID likewise gets a value only the mocks know.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stacks.aws_connector import AwsConnector, AwsConnectorArgs
from stacks.aws_connector.template import logical_id
from stacks.config.aws import parse_aws
from stacks.config.errors import ConfigError
from stacks.offline.mocks import RecordingMocks, RecordingMonitor, Registration, install
from tests.stacks.test_aws_config import MINIMAL, with_
from tests.stacks.test_aws_policies import resolve

ACCOUNT = MINIMAL["accountId"]
TENANT = MINIMAL["azureTenantId"]
SESSION = f"MicrosoftDefenderForClouds_{TENANT}"
MS_ISSUER = "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/"
CSPM_AUD = "api://4d8bed1f-eee7-4d8e-b0dc-8462049a4479"
CONTAINERS_AUD = "api://6610e979-c931-41ec-adc7-b9920c9d52f1"
DATA_AUD = "api://1462b192-27f7-4cb9-8523-0f4ecb54b47e"
PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/from-mock"
MAIN = Path(__file__).resolve().parents[2] / "stacks" / "__main__.py"

ROLE = "aws:iam/role:Role"
OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
CONNECTOR = "azure-native:security:SecurityConnector"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
RANDOM_UUID = "random:index/randomUuid:RandomUuid"
MOCK_EXTERNAL_ID = "0b5e55ed-from-mock-random-uuid"
DATA_COLLECTION_USER = "arn:aws:iam::197857026523:user/azuredefender-eks"


class ConnectorMocks(RecordingMocks):
    # The SDK's MockMonitor iterates the failures list; the shared harness returns None there.
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[Any]]:
        result, failures = super().call(args)
        return result, list(failures or [])


def mock_arn(args: pulumi.runtime.MockResourceArgs) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/from-mock/{args.name}"


def outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    if args.typ == ROLE:
        return {"arn": mock_arn(args)}
    if args.typ == OIDC:
        return {"arn": PROVIDER_ARN}
    if args.typ == RANDOM_UUID:
        return {"result": MOCK_EXTERNAL_ID}
    return {}


def mocks(caller_account: str = ACCOUNT) -> ConnectorMocks:
    identity = {"accountId": caller_account, "arn": f"arn:aws:iam::{caller_account}:user/ci",
                "userId": "AIDAEXAMPLE", "id": caller_account}
    return ConnectorMocks(
        invokes={"aws:index/getCallerIdentity:getCallerIdentity": lambda _args: identity},
        outputs_for=outputs,
    )


def deploy(raw: dict[str, Any], monitor: RecordingMonitor | None = None) -> RecordingMonitor:
    monitor = monitor or install(mocks())
    config = parse_aws(raw)

    @pulumi.runtime.test
    def build() -> pulumi.Output[Any]:
        connector = AwsConnector("aws", AwsConnectorArgs(config))
        return pulumi.Output.all(connector.connector_id, *connector.role_arns.values())

    build()
    return monitor


def roles_by_key(monitor: RecordingMonitor) -> dict[str, Registration]:
    return {r.name.removeprefix("aws-"): r for r in monitor.of_type(ROLE)}


def the(monitor: RecordingMonitor, type_: str) -> Registration:
    found = monitor.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, got {len(found)}"
    return found[0]


def offerings_by_type(monitor: RecordingMonitor) -> dict[str, dict[str, Any]]:
    offerings = the(monitor, CONNECTOR).inputs["offerings"]
    by_type = {o["offeringType"]: o for o in offerings}
    assert len(by_type) == len(offerings)
    return by_type


def test_oidc_roles_trust_only_their_audience_and_the_customer_tenant() -> None:
    monitor = deploy(with_("offerings", {"defenderCspm": True}))
    roles = roles_by_key(monitor)
    expected_audience = {
        "cspmMonitor": CSPM_AUD, "k8s": CONTAINERS_AUD, "agentlessDiscovery": CONTAINERS_AUD,
        "imageAssessment": CONTAINERS_AUD, "k8sDataCollection": DATA_AUD,
    }
    for key, audience in expected_audience.items():
        trust = json.loads(roles[key].inputs["assumeRolePolicy"])
        # The data-collection role also trusts Microsoft's user (next test); OIDC comes last.
        assert trust["Statement"][-1:] == [{
            "Effect": "Allow",
            "Principal": {"Federated": PROVIDER_ARN},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{MS_ISSUER}:aud": audience},
                "StringLike": {"sts:RoleSessionName": SESSION},
            },
        }], key
        assert len(trust["Statement"]) == (2 if key == "k8sDataCollection" else 1), key
    provider = the(monitor, OIDC)
    assert provider.inputs["url"] == f"https://{MS_ISSUER}"
    assert provider.inputs["clientIdLists"] == [CSPM_AUD, CONTAINERS_AUD, DATA_AUD]
    assert provider.inputs["thumbprintLists"] == ["626d44e704d1ceabe3bf0d53397464ac8080142c"]


def test_data_collection_role_trusts_microsofts_user_with_the_connectors_external_id() -> None:
    monitor = deploy(MINIMAL)
    trust = json.loads(roles_by_key(monitor)["k8sDataCollection"].inputs["assumeRolePolicy"])
    assert trust["Statement"][0] == {
        "Effect": "Allow", "Principal": {"AWS": DATA_COLLECTION_USER}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": MOCK_EXTERNAL_ID}}}
    containers = offerings_by_type(monitor)["DefenderForContainersAws"]
    assert containers["dataCollectionExternalId"] == MOCK_EXTERNAL_ID
    # One random UUID per stack: a resource in the state, so every `pulumi up` reuses it.
    (generated,) = monitor.of_type(RANDOM_UUID)
    assert generated.parent == the(monitor, "defender:aws:Connector").urn


def test_no_external_id_is_generated_without_the_data_collection_role() -> None:
    monitor = deploy(with_("offerings", {"containers": False, "defenderCspm": True}))
    assert monitor.of_type(RANDOM_UUID) == []
    assert "k8sDataCollection" not in roles_by_key(monitor)


def test_kinesis_roles_are_trusted_by_their_aws_services_only() -> None:
    roles = roles_by_key(deploy(MINIMAL))
    logs = json.loads(roles["cloudWatchToKinesis"].inputs["assumeRolePolicy"])["Statement"]
    firehose = json.loads(roles["kinesisToS3"].inputs["assumeRolePolicy"])["Statement"]
    assert logs == [{"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"},
                     "Action": "sts:AssumeRole",
                     "Condition": {"StringLike": {"aws:SourceArn": f"arn:aws:logs:*:{ACCOUNT}:*"}}}]
    assert firehose == [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
                         "Action": "sts:AssumeRole",
                         "Condition": {"StringEquals": {"sts:ExternalId": ACCOUNT}}}]


def test_k8s_role_passes_the_kinesis_roles_by_their_real_arns() -> None:
    monitor = deploy(MINIMAL)
    roles = roles_by_key(monitor)
    policy = next(r for r in monitor.of_type("aws:iam/rolePolicy:RolePolicy")
                  if r.inputs["role"] == "MDCContainersK8sRole")
    pass_role = [s for s in json.loads(policy.inputs["policy"])["Statement"]
                 if s["Action"] == "iam:PassRole"]
    assert [sorted(s["Resource"]) for s in pass_role] == [sorted([
        roles["cloudWatchToKinesis"].inputs["arn"], roles["kinesisToS3"].inputs["arn"]])]
    # The policy waits for the Kinesis roles it names.
    assert {roles["cloudWatchToKinesis"].urn, roles["kinesisToS3"].urn} <= set(
        policy.dependencies)


OFFERING_CASES = {
    "defaults": ({}, {"CspmMonitorAws", "DefenderForContainersAws"}),
    "cspm-only": ({"containers": False}, {"CspmMonitorAws"}),
    "containers-only": ({"cspm": False}, {"DefenderForContainersAws"}),
    "all": ({"defenderCspm": True}, {"CspmMonitorAws", "DefenderForContainersAws",
                                     "DefenderCspmAws"}),
    "cspm-and-defender-cspm": ({"containers": False, "defenderCspm": True},
                               {"CspmMonitorAws", "DefenderCspmAws"}),
}


@pytest.mark.parametrize("case", sorted(OFFERING_CASES))
def test_each_offering_is_present_exactly_when_enabled_and_names_the_real_role_arns(
        case: str) -> None:
    enabled, expected = OFFERING_CASES[case]
    monitor = deploy(with_("offerings", enabled))
    offerings = offerings_by_type(monitor)
    assert set(offerings) == expected
    arns = {key: r.inputs["arn"] for key, r in roles_by_key(monitor).items()}
    assert all("/from-mock/" in arn for arn in arns.values())

    if "CspmMonitorAws" in expected:
        assert offerings["CspmMonitorAws"]["nativeCloudConnection"] == {
            "cloudRoleArn": arns["cspmMonitor"]}
    if "DefenderForContainersAws" in expected:
        assert offerings["DefenderForContainersAws"] == {
            "offeringType": "DefenderForContainersAws",
            "kubernetesService": {"cloudRoleArn": arns["k8s"]},
            "kubernetesDataCollection": {"cloudRoleArn": arns["k8sDataCollection"]},
            "cloudWatchToKinesis": {"cloudRoleArn": arns["cloudWatchToKinesis"]},
            "kinesisToS3": {"cloudRoleArn": arns["kinesisToS3"]},
            "enableAuditLogsAutoProvisioning": True,
            "enableDefenderAgentAutoProvisioning": True,
            "enablePolicyAgentAutoProvisioning": True,
            "kubeAuditRetentionTime": 30,
            "dataCollectionExternalId": MOCK_EXTERNAL_ID,
            "mdcContainersImageAssessment": {"enabled": True,
                                             "cloudRoleArn": arns["imageAssessment"]},
            "mdcContainersAgentlessDiscoveryK8S": {"enabled": True,
                                                   "cloudRoleArn": arns["agentlessDiscovery"]},
        }
    if "DefenderCspmAws" in expected:
        assert offerings["DefenderCspmAws"] == {
            "offeringType": "DefenderCspmAws",
            "mdcContainersImageAssessment": {"enabled": True,
                                             "cloudRoleArn": arns["imageAssessment"]},
            "mdcContainersAgentlessDiscoveryK8S": {"enabled": True,
                                                   "cloudRoleArn": arns["agentlessDiscovery"]},
        }
    # No role exists that no offering uses.
    used = {json.dumps(o) for o in offerings.values()}
    for key, arn in arns.items():
        assert any(arn in text for text in used), f"role {key} is not used by any offering"
    # Only the audiences of the roles that exist.
    audiences = set(the(monitor, OIDC).inputs["clientIdLists"])
    assert (CSPM_AUD in audiences) == ("CspmMonitorAws" in expected)
    assert (DATA_AUD in audiences) == ("DefenderForContainersAws" in expected)


def test_single_account_connector_environment() -> None:
    monitor = deploy(with_("regions", ["eu-central-1", "us-east-1"],
                           with_("scanIntervalHours", 12)))
    connector = the(monitor, CONNECTOR).inputs
    assert connector["securityConnectorName"] == f"aws-{ACCOUNT}"
    assert connector["resourceGroupName"] == "rg-defender"
    assert connector["location"] == "westeurope"
    assert connector["environmentName"] == "AWS"
    assert connector["hierarchyIdentifier"] == ACCOUNT
    assert connector["environmentData"] == {"environmentType": "AwsAccount",
                                            "regions": ["eu-central-1", "us-east-1"],
                                            "scanInterval": 12}
    assert monitor.of_type(STACK_SET) == []
    assert monitor.of_type(STACK_SET_INSTANCE) == []


def test_all_regions_leaves_the_region_list_out() -> None:
    connector = the(deploy(MINIMAL), CONNECTOR).inputs
    assert "regions" not in connector["environmentData"]


def test_least_privilege_reads_ecr_and_ecr_public_and_default_access_is_power_user() -> None:
    def attachments(monitor: RecordingMonitor) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for r in monitor.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
            found.setdefault(r.inputs["role"], set()).add(r.inputs["policyArn"])
        return found

    least = attachments(deploy(MINIMAL))
    assert least == {
        "CspmMonitorAws": {"arn:aws:iam::aws:policy/ReadOnlyAccess"},
        "MDCContainersImageAssessmentRole": {
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
            "arn:aws:iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"},
    }
    default = attachments(deploy(with_("leastPrivilege", False)))
    assert default == {
        "CspmMonitorAws": {"arn:aws:iam::aws:policy/ReadOnlyAccess"},
        "MDCContainersImageAssessmentRole": {
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
            "arn:aws:iam::aws:policy/AmazonElasticContainerRegistryPublicPowerUser"},
    }


def test_overridden_names_and_external_id_reach_both_clouds() -> None:
    monitor = deploy(with_("advanced", {"roleNames": {"imageAssessment": "MyScanRole"},
                                        "dataCollectionExternalId": "ext-42"}))
    roles = roles_by_key(monitor)
    assert roles["imageAssessment"].inputs["name"] == "MyScanRole"
    data = json.loads(roles["k8sDataCollection"].inputs["assumeRolePolicy"])
    assert data["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "ext-42"}}
    containers = offerings_by_type(monitor)["DefenderForContainersAws"]
    assert containers["dataCollectionExternalId"] == "ext-42"
    assert monitor.of_type(RANDOM_UUID) == []
    # Firehose's external ID stays the account's own: it is a different thing.
    firehose = json.loads(roles["kinesisToS3"].inputs["assumeRolePolicy"])
    assert firehose["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": ACCOUNT}}


def test_every_resource_is_a_child_of_the_component() -> None:
    monitor = deploy(with_("organization", {"organizationalUnitIds": ["r-ab12"]}))
    component = the(monitor, "defender:aws:Connector")
    children = [r for r in monitor.registrations if r is not component]
    assert len(children) > 10
    assert all(r.parent == component.urn for r in children), [
        r.name for r in children if r.parent != component.urn]


def test_organization_mode_deploys_the_same_roles_to_member_accounts() -> None:
    monitor = deploy(with_("organization", {
        "stacksetName": "DefenderRoles", "excludedAccountIds": ["210987654321"],
        "organizationalUnitIds": ["r-ab12", "ou-ab12-34cd56ef"]}))
    connector = the(monitor, CONNECTOR).inputs
    assert connector["environmentData"]["organizationalData"] == {
        "organizationMembershipType": "Organization", "stacksetName": "DefenderRoles",
        "excludedAccountIds": ["210987654321"]}

    stack_set = the(monitor, STACK_SET).inputs
    assert stack_set["name"] == "DefenderRoles"
    assert stack_set["permissionModel"] == "SERVICE_MANAGED"
    assert stack_set["autoDeployment"] == {"enabled": True,
                                           "retainStacksOnAccountRemoval": False}
    assert stack_set["capabilities"] == ["CAPABILITY_NAMED_IAM"]
    # Resolved as CloudFormation would in an account with the same ID, the member template's
    # roles are exactly the roles, policies and attachments this stack registered.
    stack_roles = roles_by_key(monitor)
    arn_by_logical_id = {logical_id(k): r.inputs["arn"] for k, r in stack_roles.items()}
    template = json.loads(stack_set["templateBody"])
    assert stack_set["parameters"] == {"DataCollectionExternalId": MOCK_EXTERNAL_ID}
    resources = resolve(template["Resources"], arn_by_logical_id, PROVIDER_ARN,
                        parameters=stack_set["parameters"])
    member_roles = {r["Properties"]["RoleName"]: r["Properties"]
                    for r in resources.values() if r["Type"] == "AWS::IAM::Role"}
    assert set(member_roles) == {r.inputs["name"] for r in stack_roles.values()}
    inline = monitor.of_type("aws:iam/rolePolicy:RolePolicy")
    attached = monitor.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    for role in stack_roles.values():
        member = member_roles[role.inputs["name"]]
        assert member["AssumeRolePolicyDocument"] == json.loads(role.inputs["assumeRolePolicy"])
        assert {p["PolicyName"]: p["PolicyDocument"] for p in member.get("Policies", [])} == {
            p.inputs["name"]: json.loads(p.inputs["policy"]) for p in inline
            if p.inputs["role"] == role.inputs["name"]}
        assert sorted(member.get("ManagedPolicyArns", [])) == sorted(
            a.inputs["policyArn"] for a in attached if a.inputs["role"] == role.inputs["name"])

    instance = the(monitor, STACK_SET_INSTANCE).inputs
    assert instance["stackSetName"] == "DefenderRoles"
    assert instance["deploymentTargets"] == {
        "organizationalUnitIds": ["r-ab12", "ou-ab12-34cd56ef"],
        "accountFilterType": "DIFFERENCE", "accounts": ["210987654321"]}


def test_organization_without_exclusions_targets_whole_units() -> None:
    monitor = deploy(with_("organization", {"organizationalUnitIds": ["r-ab12"]}))
    assert the(monitor, STACK_SET_INSTANCE).inputs["deploymentTargets"] == {
        "organizationalUnitIds": ["r-ab12"]}
    assert the(monitor, CONNECTOR).inputs["environmentData"]["organizationalData"][
        "excludedAccountIds"] == []


def test_credentials_for_another_account_create_nothing_in_either_cloud() -> None:
    monitor = install(mocks(caller_account="999999999999"))
    # (asyncio later logs "exception never retrieved" for the outputs derived from the check.)
    with pytest.raises(ConfigError, match=r"aws\.accountId: is 123456789012 but this "
                                          r"stack's AWS credentials are for account "
                                          r"999999999999"):
        deploy(MINIMAL, monitor)
    # Nothing in either cloud. The random external ID (Pulumi state only) may or may not have
    # been registered before the check failed: that depends on the SDK's task scheduling.
    types = [r.type for r in monitor.registrations]
    assert types[0] == "defender:aws:Connector"
    assert set(types[1:]) <= {RANDOM_UUID}


# --- the whole program ------------------------------------------------------------------------

def run_program(stack_config: dict[str, Any]) -> tuple[RecordingMonitor, dict[str, Any]]:
    monitor = install(mocks())
    pulumi.runtime.set_all_config(
        {f"defender-containers:{k}": json.dumps(v) for k, v in stack_config.items()})
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        namespace = runpy.run_path(str(MAIN), run_name="__main__")
        connector: AwsConnector = namespace["aws_connector"]
        return pulumi.Output.all(
            connector.connector_id, pulumi.Output.from_input(connector.role_arns)
        ).apply(lambda values: exported.update(connector_id=values[0], role_arns=values[1]))

    try:
        program()
    finally:
        pulumi.runtime.set_all_config({})
    return monitor, exported


def test_program_wires_the_connector_from_config() -> None:
    monitor, exported = run_program({"aws": with_("offerings", {"containers": False})})
    assert the(monitor, "defender:aws:Connector").name == "defender-aws"
    assert exported["connector_id"] == the(monitor, CONNECTOR).name + "-id"
    assert exported["role_arns"] == {"cspmMonitor": f"arn:aws:iam::{ACCOUNT}:role/from-mock/"
                                                    "defender-aws-cspmMonitor"}


def test_program_rejects_bad_config_before_registering_anything() -> None:
    monitor = install(mocks())
    pulumi.runtime.set_all_config(
        {"defender-containers:aws": json.dumps(with_("accountId", "1234"))})
    try:
        with pytest.raises(ConfigError, match=r"defender-containers:aws\.accountId: must be a "
                                              "12-digit"):
            runpy.run_path(str(MAIN), run_name="__main__")
    finally:
        pulumi.runtime.set_all_config({})
    assert monitor.registrations == []
