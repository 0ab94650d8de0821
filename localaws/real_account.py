"""A member account as it really is, beside the Trivy leftovers: what moto's default world lacks.

Shared by the demo, the sandbox and the tests (issue 16). Seeded by a list of steps, each adding
one trait of a real account and recording what it made in `RealAccount`:

- the MDVM onboarding (Defender's OIDC provider and the image-assessment role that
  `migrate/readiness.py` checks);
- a second, Trivy-tagged security group in each Trivy VPC (the scanner's: deleted with the VPC);
- in us-east-1, a VPC that matches the Trivy fingerprint in every way (tag, CIDR, subnet,
  gateway, route table) but also holds an egress-only internet gateway; in eu-central-1, the
  same with a carrier gateway. Neither gateway has an ENI; AWS refuses DeleteVpc while either is
  there, so `defender-migrate` must keep these VPCs whole, with the gateway as the reason;
- the scanner's IAM roles and policies, both roles used once (so `RoleLastUsed` is set, as in
  every account that ran the scanner), and another team's `payments-api` task definition naming
  the scanner's task role: that role and the policy it holds stay; the other role and policy go
  (`localaws/used_roles.py`).

`STEPS` is the list a new trait is appended to.
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
    seed_mdvm_onboarding,
)
from localaws.used_roles import seed_used_scanner_iam
from localaws.variants import add_trivy_security_group
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
    # The scanner's IAM: role and policy names that must go, and those a task definition keeps.
    scanner_iam_deleted: list[str] = field(default_factory=list)
    scanner_iam_kept: list[str] = field(default_factory=list)
    foreign_task_definitions: dict[str, str] = field(default_factory=dict)  # ARN -> region
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


def used_scanner_iam(session: boto3.Session, leftovers: list[TrivyIds],
                     real: RealAccount) -> None:
    region = leftovers[0].region if leftovers else "us-east-1"
    used = seed_used_scanner_iam(session, region, foreign_task_definition_regions=[region])
    task_policy = next(arn for arn in used.iam.policy_arns if arn.endswith("_Task"))
    real.scanner_iam_kept = [used.iam.task_role, task_policy]
    real.scanner_iam_deleted = [used.iam.va_role,
                                *(arn for arn in used.iam.policy_arns if arn != task_policy)]
    real.foreign_task_definitions = dict.fromkeys(used.task_definitions, region)
    real.notes.append(
        f"scanner roles {used.iam.va_role} and {used.iam.task_role} used (last used "
        f"{min(used.last_used.values()):%Y-%m-%d}); {region}: another team's task definition "
        f"names {used.iam.task_role}: it and its policy are kept")


STEPS: list[Step] = [mdvm_onboarding, trivy_security_groups, gateways_without_enis,
                     used_scanner_iam]


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
    iam = session.client("iam")
    for name in real.scanner_iam_deleted + real.scanner_iam_kept:
        kept = name in real.scanner_iam_kept
        exists = (_exists(partial(iam.get_policy, PolicyArn=name), "NoSuchEntity")
                  if name.startswith("arn:") else
                  _exists(partial(iam.get_role, RoleName=name), "NoSuchEntity"))
        verdict.check(f"scanner IAM {name} " + ("kept: a task definition names it" if kept
                                                 else "deleted"), exists == kept)
    for arn, region in real.foreign_task_definitions.items():
        ecs = session.client("ecs", region_name=region)
        status = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"]
        verdict.check(f"another team's task definition {arn.rsplit('/', 1)[-1]} is untouched",
                      status == "ACTIVE")
    for region, group in sorted(real.trivy_security_groups.items()):
        ec2 = session.client("ec2", region_name=region)
        verdict.check(f"{region}: Trivy security group {group} deleted", not _exists(
            partial(ec2.describe_security_groups, GroupIds=[group]), "InvalidGroup.NotFound"))
