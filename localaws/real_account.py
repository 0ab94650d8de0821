"""A member account as it really is, beside the Trivy leftovers: what moto's default world lacks.

Shared by the demo, the sandbox and the tests (issue 16). Seeded by a list of steps, each adding
one trait of a real account and recording what it made in `RealAccount`:

- the MDVM onboarding (Defender's OIDC provider and the image-assessment role that
  `migrate/readiness.py` checks);
- a second, Trivy-tagged security group in each Trivy VPC (the scanner's: deleted with the VPC);
- in us-east-1, a VPC that matches the Trivy fingerprint in every way (tag, CIDR, subnet,
  gateway, route table) but also holds an egress-only internet gateway; in eu-central-1, the
  same with a carrier gateway. Neither gateway has an ENI; AWS refuses DeleteVpc while either is
  there, so `defender-migrate` must keep these VPCs whole, with the gateway as the reason.

`STEPS` is the list a new trait is appended to (for example issue 16's scanner roles that have
been used and other teams' task definitions, `localaws/used_roles.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import boto3
from botocore.exceptions import ClientError

from localaws.seed import (
    TrivyIds,
    _trivy_vpc,
    account_of,
    add_trivy_security_group,
    seed_mdvm_onboarding,
)
from localaws.verdict import Verdict


@dataclass
class LookalikeVpc:
    """A VPC shaped like the Trivy VPC that holds one thing the scanner never made."""

    region: str
    vpc_id: str
    subnet_id: str
    internet_gateway_id: str
    holder: str  # "egress-only internet gateway" or "carrier gateway"
    holder_id: str


@dataclass
class RealAccount:
    account: str
    mdvm_role_arn: str = ""
    trivy_security_groups: dict[str, str] = field(default_factory=dict)  # region -> group
    kept_vpcs: list[LookalikeVpc] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line per step, for `describe()`

    def describe(self) -> list[str]:
        return [f"  real account: {note}" for note in self.notes]


Step = Callable[[boto3.Session, list[TrivyIds], RealAccount], None]


def mdvm_onboarding(session: boto3.Session, leftovers: list[TrivyIds],
                    real: RealAccount) -> None:
    real.mdvm_role_arn = seed_mdvm_onboarding(session)
    real.notes.append(f"MDVM onboarded ({real.mdvm_role_arn.rsplit('/', 1)[-1]})")


def trivy_security_groups(session: boto3.Session, leftovers: list[TrivyIds],
                          real: RealAccount) -> None:
    for ids in leftovers:
        real.trivy_security_groups[ids.region] = add_trivy_security_group(session, ids)
    real.notes.append("a second Trivy-tagged security group in each Trivy VPC (deleted with it)")


def _lookalike_vpc(session: boto3.Session, region: str, holder: str) -> LookalikeVpc:
    ec2 = session.client("ec2", region_name=region)
    vpc_id, subnet_id, igw_id, *_ = _trivy_vpc(ec2, "Name")
    if holder == "egress-only internet gateway":
        held = ec2.create_egress_only_internet_gateway(VpcId=vpc_id)[
            "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    else:
        held = ec2.create_carrier_gateway(VpcId=vpc_id)["CarrierGateway"]["CarrierGatewayId"]
    return LookalikeVpc(region, vpc_id, subnet_id, igw_id, holder, held)


def gateways_without_enis(session: boto3.Session, leftovers: list[TrivyIds],
                          real: RealAccount) -> None:
    regions = [ids.region for ids in leftovers] or ["us-east-1"]
    holders = ("egress-only internet gateway", "carrier gateway")
    for i, holder in enumerate(holders):
        vpc = _lookalike_vpc(session, regions[i % len(regions)], holder)
        real.kept_vpcs.append(vpc)
        real.notes.append(f"{vpc.region}: VPC {vpc.vpc_id} tagged and shaped like the Trivy "
                          f"VPC, also holding {holder} {vpc.holder_id}: kept whole")


# Merge hook: append further steps here (issue 16: localaws/used_roles.py).
STEPS: list[Step] = [mdvm_onboarding, trivy_security_groups, gateways_without_enis]


def seed_real_account(session: boto3.Session, leftovers: list[TrivyIds],
                      steps: Sequence[Step] | None = None) -> RealAccount:
    """Run `steps` (default: every step of `STEPS`) after the Trivy leftovers were seeded."""
    real = RealAccount(account_of(session))
    for step in STEPS if steps is None else steps:
        step(session, leftovers, real)
    return real


def _exists(call: Callable[[], object], not_found: str) -> bool:
    try:
        call()
    except ClientError as exc:
        if exc.response["Error"]["Code"] == not_found:
            return False
        raise
    return True


def check_real_account(session: boto3.Session, real: RealAccount, verdict: Verdict) -> None:
    """After an apply: the look-alike VPCs and their gateways stay; the Trivy groups went."""
    for vpc in real.kept_vpcs:
        ec2 = session.client("ec2", region_name=vpc.region)
        verdict.check(f"VPC {vpc.vpc_id} with a {vpc.holder} is kept", _exists(
            partial(ec2.describe_vpcs, VpcIds=[vpc.vpc_id]), "InvalidVpcID.NotFound"))
        verdict.check(f"its internet gateway {vpc.internet_gateway_id} is kept", _exists(
            partial(ec2.describe_internet_gateways, InternetGatewayIds=[
                vpc.internet_gateway_id]), "InvalidInternetGatewayID.NotFound"))
        verdict.check(f"its subnet {vpc.subnet_id} is kept", _exists(
            partial(ec2.describe_subnets, SubnetIds=[vpc.subnet_id]), "InvalidSubnetID.NotFound"))
    for region, group in sorted(real.trivy_security_groups.items()):
        ec2 = session.client("ec2", region_name=region)
        verdict.check(f"{region}: Trivy security group {group} deleted", not _exists(
            partial(ec2.describe_security_groups, GroupIds=[group]), "InvalidGroup.NotFound"))
