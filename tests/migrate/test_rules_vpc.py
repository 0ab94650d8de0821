"""Rule table for the Trivy VPC (README "What matches", `vpc` row), driven through
`vpc.discover` on canned EC2/ELB answers (tests/migrate/fakeaws.py): one exact positive case,
then one case per way the VPC or something in it can differ, including every state AWS reports
for what keeps a VPC (live states keep it, gone states do not).

Rule "Trivy VPC holds only the scanner's": tag, CIDR 10.0.0.0/16, not default, and nothing
inside but the tagged subnet 10.0.1.0/24, IGW, route table (local + 0.0.0.0/0 to that IGW),
tagged security groups and the Trivy tasks' ENIs; anything else keeps the whole VPC.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.model import ListShape, StructureShape

from migrate.fingerprint import NAME
from migrate.kinds import vpc, vpc_checks
from migrate.model import Action, Resource
from tests.migrate.fakeaws import error, fake_ctx

ACCOUNT = "123456789012"
REGION = "us-east-1"
VPC = "vpc-trivy"
IGW = "igw-trivy"
SUBNET = "subnet-trivy"
RTB = "rtb-trivy"
MAIN_RTB = "rtb-main"
SG = "sg-trivy"
TAG = [{"Key": "name", "Value": NAME}]
ECS_ENI_DESCRIPTION = f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/0f1e2d3c-4b5a"

World = dict[str, dict[str, Any]]  # operation -> items, or an error() to raise


def trivy_world() -> World:
    """What the scanner's onboarding left in one region, as EC2 describes it."""
    return {"ec2": {
        "describe_tags": [{"ResourceType": "vpc", "ResourceId": VPC, "Key": "name",
                           "Value": NAME},
                          {"ResourceType": "internet-gateway", "ResourceId": IGW, "Key": "name",
                           "Value": NAME}],
        "describe_vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16", "IsDefault": False,
                           "Tags": TAG}],
        "describe_internet_gateways": [{"InternetGatewayId": IGW, "Tags": TAG,
                                        "Attachments": [{"VpcId": VPC, "State": "available"}]}],
        "describe_subnets": [{"SubnetId": SUBNET, "VpcId": VPC, "CidrBlock": "10.0.1.0/24",
                              "Tags": TAG}],
        "describe_route_tables": [
            {"RouteTableId": MAIN_RTB, "VpcId": VPC, "Associations": [{"Main": True}],
             "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]},
            {"RouteTableId": RTB, "VpcId": VPC, "Tags": TAG,
             "Associations": [{"Main": False, "SubnetId": SUBNET}],
             "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": IGW}]}],
        "describe_security_groups": [
            {"GroupId": "sg-default", "GroupName": "default", "VpcId": VPC},
            {"GroupId": SG, "GroupName": "trivy", "VpcId": VPC, "Tags": TAG}],
        "describe_network_acls": [{"NetworkAclId": "acl-default", "VpcId": VPC,
                                   "IsDefault": True}],
    }}


def _add(operation: str, item: dict[str, Any], service: str = "ec2"
         ) -> Callable[[World], None]:
    return lambda w: w.setdefault(service, {}).setdefault(operation, []).append(item)


def _first(operation: str, **change: Any) -> Callable[[World], None]:
    return lambda w: w["ec2"][operation][-1].update(change)


def _instance(state: str) -> Callable[[World], None]:
    return _add("describe_instances", {"Instances": [{"InstanceId": f"i-{state}", "VpcId": VPC,
                                                      "State": {"Name": state}}]})


def _nat(state: str) -> Callable[[World], None]:
    return _add("describe_nat_gateways", {"NatGatewayId": f"nat-{state}", "VpcId": VPC,
                                          "State": state})


def _endpoint(state: str) -> Callable[[World], None]:
    return _add("describe_vpc_endpoints", {"VpcEndpointId": f"vpce-{state}", "VpcId": VPC,
                                           "State": state})


def _peering(code: str, side: str) -> Callable[[World], None]:
    other = "AccepterVpcInfo" if side == "RequesterVpcInfo" else "RequesterVpcInfo"
    return _add("describe_vpc_peering_connections", {
        "VpcPeeringConnectionId": f"pcx-{code}", side: {"VpcId": VPC},
        other: {"VpcId": "vpc-other"}, "Status": {"Code": code}})


def _tgw(state: str) -> Callable[[World], None]:
    return _add("describe_transit_gateway_vpc_attachments", {
        "TransitGatewayAttachmentId": f"tgw-attach-{state}", "VpcId": VPC, "State": state})


def _vpn(state: str) -> Callable[[World], None]:
    return _add("describe_vpn_gateways", {"VpnGatewayId": f"vgw-{state}", "State": state,
                                          "Attachments": [{"VpcId": VPC}]})


def _eni(**fields: Any) -> Callable[[World], None]:
    eni = {"NetworkInterfaceId": "eni-1", "VpcId": VPC, "SubnetId": SUBNET,
           "Description": ECS_ENI_DESCRIPTION, "RequesterManaged": True,
           "InterfaceType": "interface", "Groups": [{"GroupId": SG}], "Status": "available"}
    eni.update(fields)
    return _add("describe_network_interfaces", eni)


def _route(route: dict[str, Any]) -> Callable[[World], None]:
    return lambda w: w["ec2"]["describe_route_tables"][1]["Routes"].append(route)


def _untag(operation: str, index: int = -1) -> Callable[[World], None]:
    return lambda w: w["ec2"][operation][index].pop("Tags")


def _many(*changes: Callable[[World], None]) -> Callable[[World], None]:
    def change(w: World) -> None:
        for c in changes:
            c(w)
    return change


def plan(world: World, task_enis: frozenset[str] = frozenset(),
         cluster_active: bool = False) -> dict[tuple[str, str], Resource]:
    ctx = fake_ctx(ACCOUNT, REGION, **world)
    return {(r.kind, r.id): r for r in vpc.discover(ctx, set(task_enis), cluster_active)}


def _world(change: Callable[[World], None] | None = None) -> World:
    world = copy.deepcopy(trivy_world())
    if change is not None:
        change(world)
    return world


def test_rule_trivy_vpc_exact_leftovers_are_deleted() -> None:
    """Rule "Trivy VPC holds only the scanner's": the exact leftovers go, in one chain."""
    rows = plan(_world())
    assert {k: r.action for k, r in rows.items()} == {
        ("vpc", VPC): Action.DELETE, ("internet-gateway", IGW): Action.DELETE,
        ("route-table", RTB): Action.DELETE, ("security-group", SG): Action.DELETE,
        ("subnet", SUBNET): Action.DELETE}
    assert all(r.parent == VPC for k, r in rows.items() if k[0] != "vpc")
    assert rows[("vpc", VPC)].details == {"cidr": "10.0.0.0/16"}  # shown in the plan
    assert {k: r.reason for k, r in rows.items()} == {
        ("vpc", VPC): ("tag defender-for-containers-va, CIDR 10.0.0.0/16, only Trivy resources "
                       "inside (its default security group and main route table go with it)"),
        ("internet-gateway", IGW): f"Trivy-tagged internet gateway in VPC {VPC}",
        ("route-table", RTB): f"Trivy-tagged route table in VPC {VPC}",
        ("security-group", SG): f"Trivy-tagged security group in VPC {VPC}",
        ("subnet", SUBNET): f"Trivy-tagged subnet 10.0.1.0/24 in VPC {VPC}"}


def test_rule_trivy_vpc_route_table_aws_lists_without_routes_or_associations() -> None:
    """Rule "Trivy VPC holds only the scanner's": AWS leaves out an empty list; a tagged route
    table listed without routes or associations is still the scanner's (not a crash)."""
    def bare(w: World) -> None:
        for key in ("Routes", "Associations"):
            w["ec2"]["describe_route_tables"][1].pop(key)
    rows = plan(_world(bare))
    assert rows[("route-table", RTB)].action is Action.DELETE
    assert rows[("vpc", VPC)].action is Action.DELETE


KEEPS: dict[str, tuple[Callable[[World], None], str]] = {
    # the VPC itself
    "vpc-other-cidr": (_first("describe_vpcs", CidrBlock="10.1.0.0/16"), "CIDR is 10.1.0.0/16"),
    "vpc-default": (_first("describe_vpcs", IsDefault=True), "the default VPC is never deleted"),
    # instances, in every live state
    **{f"instance-{s}": (_instance(s), f"EC2 instance i-{s}")
       for s in ("pending", "running", "stopping", "stopped", "shutting-down")},
    # NAT gateways, endpoints, peering, transit gateway, VPN: every live state
    **{f"nat-{s}": (_nat(s), f"NAT gateway nat-{s}") for s in ("pending", "available")},
    **{f"endpoint-{s}": (_endpoint(s), f"VPC endpoint vpce-{s}")
       for s in ("Available", "Pending", "PendingAcceptance", "available")},
    **{f"peering-{c}-{side[:3]}": (_peering(c, side), f"VPC peering connection pcx-{c}")
       for c in ("active", "pending-acceptance", "provisioning")
       for side in ("RequesterVpcInfo", "AccepterVpcInfo")},
    **{f"tgw-{s}": (_tgw(s), f"transit gateway attachment tgw-attach-{s}")
       for s in ("available", "pending", "modifying")},
    **{f"vpn-{s}": (_vpn(s), f"VPN gateway vgw-{s}") for s in ("available", "pending")},
    "network-acl": (_add("describe_network_acls", {"NetworkAclId": "acl-app", "VpcId": VPC,
                                                    "IsDefault": False}), "network ACL acl-app"),
    "load-balancer": (_add("describe_load_balancers", {"LoadBalancerName": "app", "VpcId": VPC},
                           "elbv2"), "load balancer app"),
    "classic-load-balancer": (_add("describe_load_balancers", {"LoadBalancerName": "old",
                                                               "VPCId": VPC}, "elb"),
                              "classic load balancer old"),
    # the scanner's own kinds, not the scanner's
    "igw-untagged": (_untag("describe_internet_gateways"), f"untagged internet gateway {IGW}"),
    "subnet-untagged": (_untag("describe_subnets"), f"subnet {SUBNET}"),
    "subnet-other-cidr": (_first("describe_subnets", CidrBlock="10.0.2.0/24"),
                          f"subnet {SUBNET} (10.0.2.0/24, not the Trivy subnet)"),
    "second-subnet": (_add("describe_subnets", {"SubnetId": "subnet-app", "VpcId": VPC,
                                                "CidrBlock": "10.0.1.0/24"}), "subnet-app"),
    "route-table-untagged": (_untag("describe_route_tables"), f"untagged route table {RTB}"),
    "route-other-network": (_route({"DestinationCidrBlock": "192.168.0.0/16",
                                    "VpcPeeringConnectionId": "pcx-1"}),
                            f"route table {RTB} with route 192.168.0.0/16 -> pcx-1 the scanner "
                            "did not create"),
    "route-default-to-nat": (_route({"DestinationCidrBlock": "0.0.0.0/0", "Origin": "x",
                                     "NatGatewayId": "nat-1"}), "0.0.0.0/0 -> nat-1 "),
    "route-ipv6": (_route({"DestinationIpv6CidrBlock": "::/0",
                           "EgressOnlyInternetGatewayId": "eigw-1"}), "::/0 -> eigw-1 "),
    "route-prefix-list": (_route({"DestinationPrefixListId": "pl-1", "GatewayId": "vpce-1"}),
                          "pl-1 -> vpce-1 "),
    "route-no-target": (_route({"DestinationCidrBlock": "172.16.0.0/12"}), "172.16.0.0/12 -> ? "),
    "main-table-odd-route": (lambda w: w["ec2"]["describe_route_tables"][0]["Routes"].append(
        {"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1"}), MAIN_RTB),
    "security-group-untagged": (_untag("describe_security_groups"),
                                f"security group {SG} (trivy)"),
    # ENIs
    "foreign-eni": (_eni(Description="someone's Lambda", RequesterManaged=False),
                    "network interface eni-1 (someone's Lambda)"),
    "eni-with-app-group": (_eni(Groups=[{"GroupId": SG}, {"GroupId": "sg-app"}]),
                           "network interface eni-1"),
    "eni-in-use-while-cluster-active": (_eni(Status="in-use"), "network interface eni-1"),
    "eni-interface-type-absent-description": (_eni(Description="", InterfaceType="efa",
                                                   RequesterManaged=False), "(efa)"),
}


def _cidrs(*extra: dict[str, Any], ipv6: list[dict[str, Any]] | None = None
           ) -> Callable[[World], None]:
    primary = {"CidrBlock": "10.0.0.0/16", "AssociationId": "vpc-cidr-assoc-1",
               "CidrBlockState": {"State": "associated"}}
    return _first("describe_vpcs", CidrBlockAssociationSet=[primary, *extra],
                  Ipv6CidrBlockAssociationSet=ipv6 or [])


def _secondary(state: str) -> dict[str, Any]:
    return {"CidrBlock": "10.2.0.0/16", "AssociationId": "vpc-cidr-assoc-2",
            "CidrBlockState": {"State": state}}


def _denied(operation: str, code: str, service: str = "ec2") -> Callable[[World], None]:
    return lambda w: w.setdefault(service, {}).update({operation: error(code, 403)})


# What holds a VPC without an ENI of its own (issue 16b, docs/reference.md §4a): every listing
# discovery makes for it, one live item (or a refused listing) at a time.
NO_ENI_KEEPS: dict[str, tuple[Callable[[World], None], str]] = {
    "secondary-cidr": (_cidrs(_secondary("associated")), "secondary CIDR block 10.2.0.0/16"),
    "ipv6-cidr": (_cidrs(ipv6=[{"Ipv6CidrBlock": "2600:1f18::/56", "AssociationId": "a6",
                                "Ipv6CidrBlockState": {"State": "associated"}}]),
                  "IPv6 CIDR block 2600:1f18::/56"),
    "egress-only-igw": (_add("describe_egress_only_internet_gateways", {
        "EgressOnlyInternetGatewayId": "eigw-1",
        "Attachments": [{"VpcId": VPC, "State": "attached"}]}),
        "egress-only internet gateway eigw-1"),
    "carrier-gateway": (_add("describe_carrier_gateways", {
        "CarrierGatewayId": "cagw-1", "VpcId": VPC, "State": "available"}),
        "carrier gateway cagw-1"),
    "flow-log": (_add("describe_flow_logs", {"FlowLogId": "fl-1", "ResourceId": VPC}),
                 "flow log fl-1"),
    "security-group-association": (_add("describe_security_group_vpc_associations", {
        "GroupId": "sg-shared", "VpcId": VPC, "State": "associated"}),
        "security group association sg-shared"),
    "lattice-association": (_add("list_service_network_vpc_associations", {
        "id": "snva-1", "vpcId": VPC, "status": "ACTIVE"}, "vpc-lattice"),
        "VPC Lattice service network association snva-1"),
    "private-hosted-zone": (_add("list_hosted_zones_by_vpc", {
        "HostedZoneId": "Z1", "HostedZoneName": "internal.", "VPCId": VPC}, "route53"),
        "Route 53 private hosted zone internal. (Z1)"),
    "carrier-gateways-unauthorized": (_denied("describe_carrier_gateways",
                                              "UnauthorizedOperation"),
                                      "carrier gateways could not be listed "
                                      "(UnauthorizedOperation), so cannot be ruled out"),
    "hosted-zones-denied": (_denied("list_hosted_zones_by_vpc", "AccessDenied", "route53"),
                            "Route 53 private hosted zones could not be listed (AccessDenied)"),
}
KEEPS.update(NO_ENI_KEEPS)


@pytest.mark.parametrize(("change", "says"), list(KEEPS.values()), ids=list(KEEPS))
def test_rule_trivy_vpc_holding_anything_else_is_kept_whole(
        change: Callable[[World], None], says: str) -> None:
    """Rule "Trivy VPC holds only the scanner's": one thing more (in any live state) and
    nothing in the VPC is deleted, with the reason naming it."""
    rows = plan(_world(change), cluster_active=True)
    found = rows[("vpc", VPC)]
    assert found.action is Action.KEEP
    assert says in found.reason
    assert not [r for r in rows.values() if r.action is Action.DELETE and r.parent == VPC]


GONE: dict[str, Callable[[World], None]] = {
    "instance-terminated": _instance("terminated"),
    **{f"nat-{s}": _nat(s) for s in ("deleted", "deleting", "failed")},
    **{f"endpoint-{s}": _endpoint(s) for s in ("Deleted", "Deleting", "Failed", "Rejected",
                                               "deleted", "rejected")},
    **{f"peering-{c}": _peering(c, "RequesterVpcInfo")
       for c in ("deleted", "rejected", "failed", "expired", "deleting")},
    **{f"tgw-{s}": _tgw(s) for s in ("deleted", "deleting", "failed", "rejected")},
    **{f"vpn-{s}": _vpn(s) for s in ("deleted", "deleting")},
    "network-acl-default": _add("describe_network_acls", {"NetworkAclId": "acl-2", "VpcId": VPC,
                                                          "IsDefault": True}),
    "load-balancer-elsewhere": _add("describe_load_balancers",
                                    {"LoadBalancerName": "app", "VpcId": "vpc-app"}, "elbv2"),
    "classic-load-balancer-elsewhere": _add("describe_load_balancers",
                                            {"LoadBalancerName": "old", "VPCId": "vpc-app"},
                                            "elb"),
    "second-trivy-security-group": _add("describe_security_groups", {
        "GroupId": "sg-trivy-2", "GroupName": "trivy-2", "VpcId": VPC, "Tags": TAG}),
    # the no-ENI attachments (issue 16b): gone, or of another VPC
    "secondary-cidr-disassociated": _cidrs(_secondary("disassociated")),
    "egress-only-igw-elsewhere": _add("describe_egress_only_internet_gateways", {
        "EgressOnlyInternetGatewayId": "eigw-2",
        "Attachments": [{"VpcId": "vpc-app", "State": "attached"}]}),
    "carrier-gateway-deleted": _add("describe_carrier_gateways", {
        "CarrierGatewayId": "cagw-2", "VpcId": VPC, "State": "deleted"}),
    "carrier-gateway-elsewhere": _add("describe_carrier_gateways", {
        "CarrierGatewayId": "cagw-3", "VpcId": "vpc-app", "State": "available"}),
    "private-hosted-zone-elsewhere": _add("list_hosted_zones_by_vpc", {
        "HostedZoneId": "Z2", "HostedZoneName": "app.", "VPCId": "vpc-app"}, "route53"),
    "flow-log-elsewhere": _add("describe_flow_logs", {"FlowLogId": "fl-2",
                                                      "ResourceId": "vpc-app"}),
    "security-group-association-disassociated": _add(
        "describe_security_group_vpc_associations",
        {"GroupId": "sg-shared", "VpcId": VPC, "State": "disassociated"}),
    "lattice-association-deleting": _add("list_service_network_vpc_associations", {
        "id": "snva-2", "vpcId": VPC, "status": "DELETE_IN_PROGRESS"}, "vpc-lattice"),
    "lattice-association-elsewhere": _add("list_service_network_vpc_associations", {
        "id": "snva-3", "vpcId": "vpc-app", "status": "ACTIVE"}, "vpc-lattice"),
    "tag-key-Name": lambda w: w["ec2"]["describe_vpcs"][0].update(
        Tags=[{"Key": "Name", "Value": NAME}]),
}


@pytest.mark.parametrize("change", list(GONE.values()), ids=list(GONE))
def test_rule_trivy_vpc_ignores_what_is_gone_or_elsewhere(change: Callable[[World], None]
                                                          ) -> None:
    """Rule "Trivy VPC holds only the scanner's": what is deleted, failed or in another VPC
    does not keep the VPC."""
    rows = plan(_world(change))
    assert rows[("vpc", VPC)].action is Action.DELETE, rows[("vpc", VPC)].reason


def test_rule_trivy_vpc_reason_names_three_and_counts_the_rest() -> None:
    """Rule "Trivy VPC holds only the scanner's": the reason shows three and counts the rest."""
    rows = plan(_world(_many(*(_instance(s) for s in ("pending", "running", "stopping",
                                                      "stopped")))))
    reason = rows[("vpc", VPC)].reason
    assert reason == ("holds what the Trivy scanner did not create: EC2 instance i-pending; "
                      "EC2 instance i-running; EC2 instance i-stopping and 1 more; nothing in "
                      "this VPC is deleted")
    assert rows[("vpc", VPC)].details["foreign"] == [
        f"EC2 instance i-{s}" for s in ("pending", "running", "stopping", "stopped")]
    rows = plan(_world(_many(*(_instance(s) for s in ("pending", "running", "stopping")))))
    assert rows[("vpc", VPC)].reason == (
        "holds what the Trivy scanner did not create: EC2 instance i-pending; EC2 instance "
        "i-running; EC2 instance i-stopping; nothing in this VPC is deleted")
    kept = (Action.KEEP, f"inside VPC {VPC}, which is kept")
    assert {k: (r.action, r.reason) for k, r in rows.items() if r.parent == VPC} == {
        ("internet-gateway", IGW): kept, ("route-table", RTB): kept,
        ("security-group", SG): kept, ("subnet", SUBNET): kept}


@pytest.mark.parametrize(("eni", "task_enis", "active", "reason"), [
    (_eni(), frozenset(), False, vpc_checks.ENI_AVAILABLE),
    (_eni(Status="in-use"), frozenset(), False, vpc_checks.ENI_IN_USE),
    (_eni(Status="in-use"), frozenset({"eni-1"}), True, vpc_checks.ENI_IN_USE),
    (_eni(Description="x", RequesterManaged=False), frozenset({"eni-1"}), True,
     vpc_checks.ENI_AVAILABLE),
    (_eni(), frozenset(), True, vpc_checks.ENI_AVAILABLE),
], ids=["stranded-available", "stranded-in-use-cluster-gone", "listed-by-active-cluster",
        "listed-without-evidence", "available-while-cluster-active"])
def test_rule_trivy_task_eni_is_deleted_with_the_vpc(
        eni: Callable[[World], None], task_enis: frozenset[str], active: bool,
        reason: str) -> None:
    """Rule "Trivy task ENI": listed by a Trivy task, or by evidence when not in use by
    another cluster's task; shown as waiting while in use."""
    rows = plan(_world(eni), task_enis, active)
    assert rows[("vpc", VPC)].action is Action.DELETE, rows[("vpc", VPC)].reason
    found = rows[("network-interface", "eni-1")]
    assert found.action is Action.DELETE
    assert found.reason == f"{reason} in VPC {VPC}"


def test_rule_detached_trivy_gateway_is_deleted_alone() -> None:
    """Rule "Trivy VPC": a Trivy-tagged gateway already detached (an interrupted run) is
    deleted on its own; an attached one only with its VPC."""
    world = _world(_first("describe_internet_gateways", Attachments=[]))
    rows = plan(world)
    assert rows[("internet-gateway", IGW)].action is Action.DELETE
    assert rows[("internet-gateway", IGW)].parent is None
    assert rows[("vpc", VPC)].action is Action.DELETE
    untagged = _world(_many(_first("describe_internet_gateways", Attachments=[]),
                            _untag("describe_internet_gateways")))
    assert ("internet-gateway", IGW) not in plan(untagged)


def test_rule_trivy_vpc_needs_the_tag_on_the_vpc() -> None:
    """Rule "Trivy tag": DescribeTags finds candidates; the VPC's own tags decide."""
    world = _world(lambda w: w["ec2"]["describe_vpcs"][0].update(
        Tags=[{"Key": "name", "Value": NAME.upper()}]))
    assert ("vpc", VPC) not in plan(world)
    assert plan(_world(lambda w: w["ec2"].update(describe_tags=[]))) == {}


LISTINGS = [*vpc_checks.OWN.values(),
            *(c.source for c in vpc_checks.CHECKS if isinstance(c.source, vpc_checks.Listing))]


@pytest.mark.parametrize("listing", LISTINGS, ids=[f"{x.service}.{x.operation}-{i}"
                                                   for i, x in enumerate(LISTINGS)])
def test_each_vpc_listing_is_a_call_botocore_knows(listing: vpc_checks.Listing) -> None:
    """The VPC listings name their call by strings (a table, which mypy cannot check): each
    is an operation of its service, paginated exactly when botocore can, asked with parameters
    the operation takes, and read from fields its answer has."""
    session = botocore.session.get_session()
    model = session.get_service_model(listing.service)
    names = {xform_name(op): op for op in model.operation_names}
    assert listing.operation in names
    operation = model.operation_model(names[listing.operation])
    client = session.create_client(listing.service, region_name="us-east-1",
                                   aws_access_key_id="x", aws_secret_access_key="x")
    assert client.can_paginate(listing.operation) is listing.paginated
    asked, answer = operation.input_shape, operation.output_shape
    assert asked is not None
    assert answer is not None
    assert set(listing.params("vpc-1", "us-east-1")) <= set(asked.members)
    listed = answer.members[listing.key]
    assert isinstance(listed, ListShape)
    if listing.each is not None:
        item = listed.member
        assert isinstance(item, StructureShape)
        assert isinstance(item.members[listing.each], ListShape)


def test_rule_trivy_vpc_unlike_reasons_in_full() -> None:
    """Rule "Trivy VPC": a tagged VPC with another CIDR, or the default VPC, is kept without
    looking inside, and the reason says which."""
    assert vpc_checks.unlike_trivy({"CidrBlock": "10.0.0.0/16", "IsDefault": True}) == (
        "the default VPC is never deleted")
    assert vpc_checks.unlike_trivy({"CidrBlock": "10.1.0.0/16", "IsDefault": False}) == (
        "tagged like the Trivy VPC but its CIDR is 10.1.0.0/16, not 10.0.0.0/16")
    assert vpc_checks.unlike_trivy({"CidrBlock": "10.0.0.0/16", "IsDefault": False}) is None
