"""Every IAM policy document the connector produces passes parliament, and the organization-mode
CloudFormation template passes cfn-lint and holds exactly the single-account roles' documents."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from stacks.aws_connector.policies import Document
from stacks.aws_connector.refs import LiteralRefs
from stacks.aws_connector.roles import RoleDefinition, oidc_audiences, role_definitions
from stacks.aws_connector.template import OIDC_PROVIDER_ID, logical_id, member_template
from stacks.config.aws import AwsConnectorConfig, parse_aws
from tests.stacks.test_aws_config import MINIMAL, with_

ACCOUNT = "123456789012"
EXTERNAL_ID = "6d1c1f2e-0000-4000-8000-external-id"
PROVIDER_ARN = (f"arn:aws:iam::{ACCOUNT}:oidc-provider/"
                "sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/")

VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": MINIMAL,
    "everything-default-access": with_("leastPrivilege", False, with_(
        "offerings", {"cspm": True, "containers": True, "defenderCspm": True})),
    "cspm-only": with_("offerings", {"containers": False}),
    "defender-cspm-without-containers": with_(
        "offerings", {"containers": False, "defenderCspm": True}),
    "containers-only-overrides": with_("advanced", {
        "dataCollectionExternalId": "external-id-1",
        "roleNames": {"k8s": "CustomK8s", "kinesisToS3": "CustomKinesisToS3"}},
        with_("offerings", {"cspm": False})),
}


def config_of(variant: str) -> AwsConnectorConfig:
    return parse_aws(VARIANTS[variant])


def literal_refs(definitions: list[RoleDefinition]) -> LiteralRefs:
    return LiteralRefs(ACCOUNT, PROVIDER_ARN,
                       {d.key: f"arn:aws:iam::{ACCOUNT}:role/{d.name}" for d in definitions},
                       EXTERNAL_ID)


# Findings that parliament raises on every role trust policy, and why they are not problems:
# - parliament lints identity policies, which need a Resource; trust policies must not have
#   one, so the lint adds `Resource: "*"`, which in turn raises RESOURCE_STAR;
# - UNKNOWN_FEDERATION_SOURCE: parliament knows SAML providers and four public IdPs only, not
#   IAM OIDC providers (the provider ARN is asserted exactly in test_aws_connector.py);
# - UNKNOWN_CONDITION_FOR_ACTION for `<issuer>:aud` only: OIDC audience keys are named after the
#   provider (AWS docs, "Available keys for AWS web identity federation"), so no fixed list has
#   them. Any other unknown condition key still fails.
TRUST_IGNORED = {"RESOURCE_STAR", "UNKNOWN_FEDERATION_SOURCE"}
AUDIENCE_KEY = re.compile(r"^Unknown condition sts\.windows\.net/[0-9a-f-]{36}/:aud for action ")


def whole_service_mismatches(document: Document, detail: Any) -> bool:
    """RESOURCE_MISMATCH raised only for actions that a whole-service grant of Microsoft's
    (`s3:*` on Defender's buckets, `sqs:*`, `firehose:*`) includes but that cannot apply to
    those resources (s3:ListAllMyBuckets, sqs:ListQueues, ...): that part of the grant is
    inert, as it is in Microsoft's own role. An explicitly named action on the wrong resource
    still fails the lint."""
    wildcards = {a.removesuffix(":*") for s in document["Statement"]
                 for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
                 if a.endswith(":*")}
    return isinstance(detail, list) and all(
        m["action"].split(":")[0] in wildcards for m in detail)


def findings(document: Document, *, trust: bool = False) -> list[tuple[str, Any]]:
    if trust:
        document = {**document,
                    "Statement": [{**s, "Resource": "*"} for s in document["Statement"]]}
    # Imported where used, not at collection: parliament and cfn-lint (which pulls in sympy and
    # networkx) cost each pytest worker over a second of CPU to import, and only these tests
    # need them.
    import parliament

    policy = parliament.analyze_policy_string(json.dumps(document))
    found = [(f.issue, f.detail) for f in policy.findings
             if not (f.issue == "RESOURCE_MISMATCH"
                     and whole_service_mismatches(document, f.detail))]
    if trust:
        found = [(issue, detail) for issue, detail in found
                 if issue not in TRUST_IGNORED
                 and not (issue == "UNKNOWN_CONDITION_FOR_ACTION"
                          and AUDIENCE_KEY.match(str(detail)))]
    return found


def test_the_lint_catches_real_mistakes() -> None:
    """The filter above must not hide genuine problems."""
    typo = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "eks:DescribeClusters", "Resource": "*"}]}
    assert findings(typo)
    wrong_resource = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::azuredefender-*"},
        {"Effect": "Allow", "Action": "sqs:ListQueues",
         "Resource": "arn:aws:sqs:*:123456789012:azuredefender-*"}]}
    assert [issue for issue, _ in findings(wrong_resource)] == ["RESOURCE_MISMATCH"]
    wrong_condition = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
         "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"sts:ExternalIdd": "x"}}}]}
    assert findings(wrong_condition, trust=True)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_policy_document_passes_parliament(variant: str) -> None:
    definitions = role_definitions(config_of(variant))
    refs = literal_refs(definitions)
    assert definitions
    for definition in definitions:
        trust = definition.trust(refs)
        assert findings(trust, trust=True) == [], definition.key
        for name, build in definition.inline_policies:
            assert findings(build(refs)) == [], f"{definition.key}/{name}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_roles_match_the_enabled_offerings(variant: str) -> None:
    config = config_of(variant)
    keys = {d.key for d in role_definitions(config)}
    containers = {"k8s", "k8sDataCollection", "cloudWatchToKinesis", "kinesisToS3"}
    extensions = {"agentlessDiscovery", "imageAssessment"}
    assert ("cspmMonitor" in keys) == config.offerings.cspm
    assert (containers <= keys) == config.offerings.containers
    assert not (containers & keys) or config.offerings.containers
    assert (extensions <= keys) == (config.offerings.containers or config.offerings.defender_cspm)
    audiences = oidc_audiences(config)
    assert len(audiences) == len(set(audiences))
    assert ("api://1462b192-27f7-4cb9-8523-0f4ecb54b47e" in audiences) == (
        config.offerings.containers)


def test_least_privilege_gives_image_assessment_ecr_and_ecr_public_read_only() -> None:
    least = {d.key: d for d in role_definitions(config_of("defaults"))}["imageAssessment"]
    default = {d.key: d for d in role_definitions(
        config_of("everything-default-access"))}["imageAssessment"]
    assert least.managed_policies == ("AmazonEC2ContainerRegistryReadOnly",
                                      "AmazonElasticContainerRegistryPublicReadOnly")
    assert default.managed_policies == ("AmazonEC2ContainerRegistryPowerUser",
                                        "AmazonElasticContainerRegistryPublicPowerUser")
    assert least.inline_policies == default.inline_policies == ()


def test_k8s_role_passes_exactly_the_two_kinesis_roles() -> None:
    definitions = role_definitions(config_of("containers-only-overrides"))
    refs = literal_refs(definitions)
    k8s = next(d for d in definitions if d.key == "k8s")
    (_, build), = k8s.inline_policies
    pass_role = [s for s in build(refs)["Statement"] if s["Action"] == "iam:PassRole"]
    assert len(pass_role) == 1
    assert sorted(pass_role[0]["Resource"]) == sorted([
        f"arn:aws:iam::{ACCOUNT}:role/MDCContainersK8sCloudWatchToKinesisRole",
        f"arn:aws:iam::{ACCOUNT}:role/CustomKinesisToS3",
    ])
    # No iam:PassedToService condition: Microsoft has none, and the two roles' trust policies
    # already admit only CloudWatch Logs and Firehose.
    assert "Condition" not in pass_role[0]


# --- organization mode: the CloudFormation template ------------------------------------------

def cfn_lint(template: dict[str, Any]) -> list[str]:
    from cfnlint.api import ManualArgs, lint  # imported here: see findings()

    return [str(m) for m in lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))]


def test_cfn_lint_catches_real_mistakes() -> None:
    template = member_template(config_of("defaults"))
    template["Resources"][logical_id("k8s")]["Properties"]["RoleNam"] = "typo"
    assert cfn_lint(template)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_member_template_passes_cfn_lint(variant: str) -> None:
    assert cfn_lint(member_template(config_of(variant))) == []


def resolve(value: Any, roles: dict[str, str], provider_arn: str = PROVIDER_ARN, *,
            account: str = ACCOUNT, parameters: dict[str, str] | None = None) -> Any:
    """Evaluate the template's intrinsics as CloudFormation would in `account`, with the
    StackSet's `parameters`."""
    if isinstance(value, list):
        return [resolve(v, roles, provider_arn, account=account, parameters=parameters)
                for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return {"AWS::AccountId": account, OIDC_PROVIDER_ID: provider_arn,
                **(parameters or {})}[value["Ref"]]
    if set(value) == {"Fn::GetAtt"}:
        resource, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn"
        return roles[resource]
    if set(value) == {"Fn::Sub"}:
        return value["Fn::Sub"].replace("${AWS::Partition}", "aws").replace(
            "${AWS::AccountId}", account)
    return {k: resolve(v, roles, provider_arn, account=account, parameters=parameters)
            for k, v in value.items()}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_member_template_holds_the_same_roles_as_the_stack(variant: str) -> None:
    """Resolved in a member account, the template's roles are exactly what the single-account
    stack builds from the same definitions (and so pass the same parliament lint)."""
    config = config_of(variant)
    definitions = role_definitions(config)
    refs = literal_refs(definitions)
    roles_by_logical_id = {logical_id(d.key): refs.role_arn(d.key) for d in definitions}
    template = member_template(config)
    resources = template["Resources"]

    provider = resources.pop(OIDC_PROVIDER_ID)
    assert provider["Type"] == "AWS::IAM::OIDCProvider"
    assert provider["Properties"] == {
        "Url": "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/",
        "ClientIdList": oidc_audiences(config),
        "ThumbprintList": ["626d44e704d1ceabe3bf0d53397464ac8080142c"],
    }
    assert set(resources) == {logical_id(d.key) for d in definitions}
    for definition in definitions:
        resource = resolve(resources[logical_id(definition.key)], roles_by_logical_id,
                           parameters={"DataCollectionExternalId": EXTERNAL_ID})
        assert resource["Type"] == "AWS::IAM::Role"
        props = resource["Properties"]
        assert props["RoleName"] == definition.name
        assert props["AssumeRolePolicyDocument"] == definition.trust(refs)
        assert findings(props["AssumeRolePolicyDocument"], trust=True) == []
        assert props.get("ManagedPolicyArns", []) == [
            f"arn:aws:iam::aws:policy/{p}" for p in definition.managed_policies]
        inline = {p["PolicyName"]: p["PolicyDocument"] for p in props.get("Policies", [])}
        assert inline == {name: build(refs) for name, build in definition.inline_policies}
        for document in inline.values():
            assert findings(document) == []


@pytest.mark.parametrize("variant", ["defaults", "containers-only-overrides"])
def test_member_accounts_use_their_own_id_as_the_firehose_external_id(variant: str) -> None:
    """Firehose presents each member account's own ID (not the management account's, and not
    the data-collection external ID, even when that one is overridden)."""
    template = member_template(config_of(variant))
    trust = template["Resources"][logical_id("kinesisToS3")]["Properties"][
        "AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": {"Ref": "AWS::AccountId"}}}


def test_member_accounts_get_the_stacks_data_collection_external_id_as_a_parameter() -> None:
    template = member_template(config_of("defaults"))
    assert set(template["Parameters"]) == {"DataCollectionExternalId"}
    trust = template["Resources"][logical_id("k8sDataCollection")]["Properties"][
        "AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": {"Ref": "DataCollectionExternalId"}}}
    # Without the containers offering there is no data-collection role and no parameter
    # (cfn-lint rejects unused parameters).
    assert "Parameters" not in member_template(config_of("cspm-only"))
