"""Rule tables for the Trivy fingerprint (README "What matches": `s3-bucket`, `vpc` and the ENI
of a Trivy task), driven through the pure functions where each rule lives.

One exact positive case, then one negative case per way a resource can differ from it.
"""

from __future__ import annotations

from typing import Any

import pytest

from migrate.fingerprint import (
    BUCKET_PATTERN,
    ECS_ATTACHMENT_DESCRIPTION,
    NAME,
    SUBNET_CIDR,
    VPC_CIDR,
    bucket_matches,
    has_trivy_tag,
)
from migrate.kinds.vpc_checks import _trivy_route, task_eni_evidence

ACCOUNT = "123456789012"
REGION = "us-east-1"


# --- Rule "Trivy bucket name" ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "matches"), [
    (NAME, True),
    (f"{NAME}-123456789012-us-east-1", True),
    (f"{NAME}.logs", True),
    (f"{NAME}0", True),
    (f"{NAME}9abc", True),
    ("defender-for-containers-vault", False),   # a longer word
    (f"{NAME}_x", False),                       # underscore is not a separator
    (f"{NAME}a", False),
    ("defender-for-containers-v", False),       # shorter
    (f"x{NAME}", False),                        # something before it
    (f"my-{NAME}", False),
    (NAME.upper(), False),                      # S3 names are lower case; exact only
    ("defender-for-containers", False),
], ids=str)
def test_rule_trivy_bucket_name(name: str, matches: bool) -> None:
    """Rule "Trivy bucket name": `defender-for-containers-va` then the end, '-', '.' or a
    digit; nothing before it."""
    assert bucket_matches(name) is matches
    assert (BUCKET_PATTERN.match(name) is not None) is matches


# --- Rule "Trivy tag" ---------------------------------------------------------------------------

@pytest.mark.parametrize(("tags", "matches"), [
    ([{"Key": "name", "Value": NAME}], True),
    ([{"Key": "Name", "Value": NAME}], True),
    ([{"Key": "env", "Value": "prod"}, {"Key": "Name", "Value": NAME}], True),
    ([{"Key": "NAME", "Value": NAME}], False),            # tag key: other case
    ([{"Key": "app", "Value": NAME}], False),             # tag key: another key
    ([{"Key": "Name", "Value": NAME.upper()}], False),    # tag value: other case
    ([{"Key": "Name", "Value": f"{NAME}-prod"}], False),  # tag value: longer
    ([{"Key": "Name", "Value": NAME[:-1]}], False),       # tag value: shorter
    ([{"Key": "Name"}], False),                           # no value
    ([{"Value": NAME}], False),                           # no key
    ([{"Key": "Name", "Value": "x"}, {"Key": "app", "Value": NAME}], False),  # split pair
    ([], False),
    (None, False),
], ids=["name", "Name", "among-others", "key-NAME", "key-other", "value-upper",
        "value-longer", "value-shorter", "no-value", "no-key", "key-and-value-apart", "empty",
        "none"])
def test_rule_trivy_tag(tags: list[dict[str, str]] | None, matches: bool) -> None:
    """Rule "Trivy tag": one tag whose key is `name` or `Name` and whose value is exactly
    defender-for-containers-va."""
    assert has_trivy_tag(tags) is matches


# --- Rule "Trivy VPC routes" --------------------------------------------------------------------

IGW = "igw-trivy"


@pytest.mark.parametrize(("route", "ok"), [
    ({"DestinationCidrBlock": VPC_CIDR, "GatewayId": "local"}, True),
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW}, True),
    ({"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local"}, False),  # other CIDR
    ({"DestinationCidrBlock": VPC_CIDR, "GatewayId": IGW}, False),      # VPC CIDR via the IGW
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-other"}, False),  # other IGW
    ({"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "local"}, False),
    ({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1"}, False),  # other target
    ({"DestinationCidrBlock": "0.0.0.0/0"}, False),                     # blackhole, no target
    ({"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": IGW}, False),
    ({"DestinationIpv6CidrBlock": "::/0", "GatewayId": IGW}, False),    # IPv6 route
    ({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}, False),
], ids=["local", "default-to-igw", "local-other-cidr", "vpc-cidr-to-igw", "default-other-igw",
        "default-to-local", "default-to-nat", "default-no-target", "other-cidr-to-igw", "ipv6",
        "prefix-list"])
def test_rule_trivy_vpc_routes(route: dict[str, Any], ok: bool) -> None:
    """Rule "Trivy VPC routes": only `local` for 10.0.0.0/16 and 0.0.0.0/0 to the Trivy IGW."""
    assert _trivy_route(route, {IGW}) is ok


def test_rule_trivy_cidrs() -> None:
    """Rule "Trivy VPC CIDR": the VPC is 10.0.0.0/16 and its subnet 10.0.1.0/24, exactly."""
    assert (VPC_CIDR, SUBNET_CIDR) == ("10.0.0.0/16", "10.0.1.0/24")


# --- Rule "Trivy task ENI evidence" -------------------------------------------------------------

SUBNET = "subnet-trivy"
GROUPS = {"sg-trivy", "sg-trivy-2"}


def evidence(**change: Any) -> dict[str, Any]:
    eni: dict[str, Any] = {
        "NetworkInterfaceId": "eni-0abc",
        "Description": f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/"
                       "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",
        "RequesterManaged": True,
        "InterfaceType": "interface",
        "SubnetId": SUBNET,
        "Groups": [{"GroupId": "sg-trivy", "GroupName": "trivy"}],
        "Status": "available",
    }
    for key, value in change.items():
        if value is None:
            eni.pop(key, None)
        else:
            eni[key] = value
    return eni


ENI_CASES = {
    "exact-evidence": (evidence(), True),
    "two-trivy-groups": (evidence(Groups=[{"GroupId": "sg-trivy"}, {"GroupId": "sg-trivy-2"}]),
                         True),
    "in-use": (evidence(Status="in-use"), True),
    "interface-type-absent": (evidence(InterfaceType=None), True),
    "fargate-attachment-no-instance": (evidence(Attachment={"Status": "attached"}), True),
    "china-partition": (evidence(Description=f"arn:aws-cn:ecs:{REGION}:{ACCOUNT}:attachment/"
                                             "0f1e2d3c"), True),
    # security-group set
    "trivy-group-plus-app-group": (evidence(Groups=[{"GroupId": "sg-trivy"},
                                                    {"GroupId": "sg-app"}]), False),
    "app-group-plus-trivy-group": (evidence(Groups=[{"GroupId": "sg-app"},
                                                    {"GroupId": "sg-trivy"}]), False),
    "only-app-group": (evidence(Groups=[{"GroupId": "sg-app"}]), False),
    "no-group": (evidence(Groups=[]), False),
    "groups-absent": (evidence(Groups=None), False),
    # subnet
    "other-subnet": (evidence(SubnetId="subnet-app"), False),
    "subnet-absent": (evidence(SubnetId=None), False),
    # requester-managed
    "not-requester-managed": (evidence(RequesterManaged=False), False),
    "requester-managed-absent": (evidence(RequesterManaged=None), False),
    "requester-managed-string": (evidence(RequesterManaged="true"), False),
    # interface type
    "interface-type-nat": (evidence(InterfaceType="nat_gateway"), False),
    "interface-type-efa": (evidence(InterfaceType="efa"), False),
    "interface-type-lambda": (evidence(InterfaceType="lambda"), False),
    # instance
    "instance-attached": (evidence(Attachment={"InstanceId": "i-0abc"}), False),
    # description: account, region, service, shape
    "other-account": (evidence(Description="arn:aws:ecs:us-east-1:210987654321:attachment/0f"),
                      False),
    "other-region": (evidence(Description=f"arn:aws:ecs:eu-central-1:{ACCOUNT}:attachment/0f"),
                     False),
    "not-an-attachment": (evidence(Description=f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/0f"),
                          False),
    "other-service": (evidence(Description=f"arn:aws:lambda:{REGION}:{ACCOUNT}:attachment/0f"),
                      False),
    "description-with-suffix": (evidence(Description=f"arn:aws:ecs:{REGION}:{ACCOUNT}:"
                                                     "attachment/0f extra"), False),
    "description-other-text": (evidence(Description="Interface for NAT Gateway nat-1"), False),
    "description-absent": (evidence(Description=None), False),
}


@pytest.mark.parametrize(("eni", "matches"), list(ENI_CASES.values()), ids=list(ENI_CASES))
def test_rule_trivy_task_eni_evidence(eni: dict[str, Any], matches: bool) -> None:
    """Rule "Trivy task ENI evidence" (README: requester-managed `interface` described by an
    ECS attachment ARN of this account and region, in the Trivy subnet, with only
    Trivy-tagged security groups, no instance attached)."""
    assert task_eni_evidence(eni, ACCOUNT, REGION, {SUBNET}, GROUPS) is matches


def test_rule_trivy_task_eni_evidence_needs_the_trivy_subnet_found() -> None:
    """Rule "Trivy task ENI evidence": without a Trivy subnet (or Trivy groups) nothing is."""
    assert not task_eni_evidence(evidence(), ACCOUNT, REGION, set(), GROUPS)
    assert not task_eni_evidence(evidence(), ACCOUNT, REGION, {SUBNET}, set())


@pytest.mark.parametrize(("text", "matches"), [
    (f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/0f1e-2d3c", True),
    (f"arn:aws-us-gov:ecs:us-gov-west-1:{ACCOUNT}:attachment/ab", True),
    (f"arn:aws:ecs:{REGION}:12345678901:attachment/ab", False),     # 11-digit account
    (f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/AB", False),       # not hex
    (f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/", False),
    (f"xarn:aws:ecs:{REGION}:{ACCOUNT}:attachment/ab", False),
    (f"arn:gcp:ecs:{REGION}:{ACCOUNT}:attachment/ab", False),
], ids=["aws", "gov", "short-account", "upper-hex", "empty-id", "prefix", "other-partition"])
def test_rule_ecs_attachment_description(text: str, matches: bool) -> None:
    """Rule "Trivy task ENI evidence": the description is exactly an ECS attachment ARN."""
    assert (ECS_ATTACHMENT_DESCRIPTION.match(text) is not None) is matches
