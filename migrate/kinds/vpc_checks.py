"""What decides whether the Trivy VPC goes: pure checks over what AWS listed for one VPC.

`migrate.kinds.vpc` makes the calls these tables name and hands the answers here; nothing here
calls AWS, so every rule can be tried on canned answers in microseconds. The VPC goes only when
everything inside is the scanner's own (`OWN`: its tagged gateway, subnet, route table, security
groups and its tasks' ENIs) and no `CHECKS` entry finds anything else; otherwise it is kept
whole, with the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from migrate.aws import service_regions
from migrate.fingerprint import (
    DEFAULT_ROUTE,
    ECS_ATTACHMENT_DESCRIPTION,
    NAME,
    SUBNET_CIDR,
    VPC_CIDR,
    has_trivy_tag,
)
from migrate.model import Action, Resource

Item = dict[str, Any]
Params = Callable[[str, str], dict[str, Any]]  # (VPC ID, region) -> the call's parameters

ENI_IN_USE = "ENI of a Trivy cluster task; waiting for ECS to release it"
ENI_AVAILABLE = "ENI of a Trivy cluster task, released by ECS but not deleted"
# A listing AWS refuses or does not offer here: what it would list cannot be ruled out, so the
# VPC is kept (an older read-only policy may lack the newer services' permissions).
CANNOT_CHECK = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                "UnsupportedOperation", "InvalidAction", "OptInRequired",
                "UnknownOperationException", "NotImplemented"}
GONE_STATES = {"deleted", "deleting", "failed", "rejected", "disassociated", "disassociating",
               "delete_in_progress", "delete_failed", "create_failed", "expired"}


@dataclass
class VpcContents:
    """The scanner's own resources in one VPC, and everything that is not the scanner's."""

    enis: list[str] = field(default_factory=list)
    eni_reasons: dict[str, str] = field(default_factory=dict)
    igws: list[str] = field(default_factory=list)
    route_tables: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=list)
    subnets: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Scan:
    """What the VPC's contents are judged against, besides the VPC's own listings."""

    account: str
    region: str
    task_enis: set[str]  # ENIs the Trivy cluster's tasks name
    tagged_igws: set[str]  # the region's Trivy-tagged internet gateways
    cluster_active: bool  # the Trivy cluster still runs: its tasks' ENIs are listed


def _vpc_filter(vpc_id: str, name: str = "vpc-id") -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [vpc_id]}]


def _in_vpc(vpc_id: str, region: str) -> dict[str, Any]:
    return {"Filters": _vpc_filter(vpc_id)}


def _everything(vpc_id: str, region: str) -> dict[str, Any]:
    return {}


def _on_side(side: str, vpc_id: str, region: str) -> dict[str, Any]:
    """A peering connection names the VPC on its requester or its accepter side."""
    return {"Filters": _vpc_filter(vpc_id, side)}


@dataclass(frozen=True)
class Listing:
    """One AWS call that lists things a VPC may hold."""

    operation: str
    key: str  # where the answer lists the items
    params: Params = _in_vpc
    service: str = "ec2"
    paginated: bool = True
    each: str | None = None  # each listed item holds its own list of items (reservations)


@dataclass(frozen=True)
class Check:
    """One kind of thing that keeps a Trivy VPC: where it is listed, and why an item keeps it."""

    what: str  # what is listed, plural (a refused listing is named by it)
    source: Listing | str  # the call, or the field of the VPC's own description
    keeps: Callable[[Item, Item], bool]  # (item, the VPC): does the item keep the VPC?
    says: str  # how the reason names a keeping item: a format of its fields
    refusable: bool = False  # a refusal (CANNOT_CHECK) keeps the VPC instead of failing
    regions: Callable[[], frozenset[str]] | None = None  # where it exists; not listed elsewhere


def task_eni_evidence(eni: Item, account: str, region: str, subnets: set[str],
                      groups: set[str]) -> bool:
    """A Trivy task's ENI, by evidence that outlives the cluster and its task records.

    ECS created it (requester-managed, described by a task attachment ARN of this account and
    region), in the Trivy subnet, with only Trivy security groups, and no EC2 instance holds it
    (Fargate's attachment has no instance of the account's).
    """
    described = ECS_ATTACHMENT_DESCRIPTION.match(str(eni.get("Description", "")))
    return (described is not None and described["account"] == account
            and described["region"] == region
            and eni.get("RequesterManaged") is True
            and eni.get("InterfaceType", "interface") == "interface"
            and eni.get("SubnetId") in subnets
            and bool(eni.get("Groups"))
            and all(g.get("GroupId") in groups for g in eni["Groups"])
            and not eni.get("Attachment", {}).get("InstanceId"))


def _live(item: Item, key: str) -> bool:
    """Not in a gone state; a state AWS leaves out cannot rule the item out (live)."""
    state = item.get(key)
    if isinstance(state, dict):  # a CIDR block association's state: {"State": ...}
        state = state.get("State")
    return str(state).lower() not in GONE_STATES


def _always(item: Item, vpc: Item) -> bool:
    return True


def _lattice_regions() -> frozenset[str]:
    """Where VPC Lattice exists (botocore's endpoint data, no call): elsewhere no VPC can be
    associated with a service network."""
    return service_regions("vpc-lattice")


# What the scanner created inside its VPC, listed to tell its own from anything else (`own`).
OWN: dict[str, Listing] = {
    "internet-gateway": Listing("describe_internet_gateways", "InternetGateways",
                                lambda vpc_id, _: {"Filters": _vpc_filter(vpc_id,
                                                                          "attachment.vpc-id")}),
    "subnet": Listing("describe_subnets", "Subnets"),
    "route-table": Listing("describe_route_tables", "RouteTables"),
    "security-group": Listing("describe_security_groups", "SecurityGroups"),
    "network-interface": Listing("describe_network_interfaces", "NetworkInterfaces"),
}

# Everything else a VPC can hold, each of which keeps it (docs/reference.md §4a for those
# without an ENI of their own), in the order their reasons are shown.
CHECKS: tuple[Check, ...] = (
    Check("EC2 instances", Listing("describe_instances", "Reservations", lambda vpc_id, _: {
        "Filters": [*_vpc_filter(vpc_id), {"Name": "instance-state-name", "Values": [
            "pending", "running", "stopping", "stopped", "shutting-down"]}]},
        each="Instances"), _always, "EC2 instance {InstanceId}"),
    Check("NAT gateways", Listing("describe_nat_gateways", "NatGateways",
                                  lambda vpc_id, _: {"Filter": _vpc_filter(vpc_id)}),
          lambda n, _: n.get("State") not in ("deleted", "deleting", "failed"),
          "NAT gateway {NatGatewayId}"),
    Check("VPC endpoints", Listing("describe_vpc_endpoints", "VpcEndpoints"),
          lambda e, _: e.get("State", "").lower() not in ("deleted", "deleting", "failed",
                                                          "rejected"),
          "VPC endpoint {VpcEndpointId}"),
    *(Check("VPC peering connections", Listing(
        "describe_vpc_peering_connections", "VpcPeeringConnections", partial(_on_side, side)),
        lambda p, _: p.get("Status", {}).get("Code") in ("active", "pending-acceptance",
                                                         "provisioning", "initiating-request"),
        "VPC peering connection {VpcPeeringConnectionId}")
      for side in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id")),
    Check("transit gateway attachments", Listing("describe_transit_gateway_vpc_attachments",
                                                 "TransitGatewayVpcAttachments"),
          lambda a, _: a.get("State") not in ("deleted", "deleting", "failed", "rejected"),
          "transit gateway attachment {TransitGatewayAttachmentId}"),
    Check("VPN gateways", Listing("describe_vpn_gateways", "VpnGateways", lambda vpc_id, _: {
        "Filters": _vpc_filter(vpc_id, "attachment.vpc-id")}, paginated=False),
          lambda g, _: g.get("State") not in ("deleted", "deleting"), "VPN gateway {VpnGatewayId}"),
    Check("network ACLs", Listing("describe_network_acls", "NetworkAcls"),
          lambda acl, _: not acl.get("IsDefault"), "network ACL {NetworkAclId}"),
    # Elastic Load Balancing cannot filter by VPC: the region's load balancers are listed.
    Check("load balancers", Listing("describe_load_balancers", "LoadBalancers", _everything,
                                    service="elbv2"),
          lambda lb, vpc: lb.get("VpcId") == vpc["VpcId"], "load balancer {LoadBalancerName}"),
    Check("classic load balancers", Listing("describe_load_balancers",
                                            "LoadBalancerDescriptions", _everything,
                                            service="elb"),
          lambda lb, vpc: lb.get("VPCId") == vpc["VpcId"],
          "classic load balancer {LoadBalancerName}"),
    # --- what holds a VPC without an ENI of its own: each makes DeleteVpc refuse, or shows
    # that someone else uses the VPC (only Trivy VPCs are listed for these).
    Check("secondary CIDR blocks", "CidrBlockAssociationSet",
          lambda assoc, vpc: (assoc.get("CidrBlock") != vpc.get("CidrBlock")
                              and _live(assoc, "CidrBlockState")),
          "secondary CIDR block {CidrBlock} ({AssociationId})"),
    Check("IPv6 CIDR blocks", "Ipv6CidrBlockAssociationSet",
          lambda assoc, _: _live(assoc, "Ipv6CidrBlockState"),
          "IPv6 CIDR block {Ipv6CidrBlock} ({AssociationId})"),
    # DescribeEgressOnlyInternetGateways has no VPC filter: the account's few are listed.
    Check("egress-only internet gateways", Listing("describe_egress_only_internet_gateways",
                                                   "EgressOnlyInternetGateways", _everything),
          lambda g, vpc: any(a.get("VpcId") == vpc["VpcId"] and _live(a, "State")
                             for a in g.get("Attachments", [])),
          "egress-only internet gateway {EgressOnlyInternetGatewayId}", refusable=True),
    Check("carrier gateways", Listing("describe_carrier_gateways", "CarrierGateways"),
          lambda g, _: _live(g, "State"), "carrier gateway {CarrierGatewayId}", refusable=True),
    Check("flow logs", Listing("describe_flow_logs", "FlowLogs", lambda vpc_id, _: {
        "Filter": _vpc_filter(vpc_id, "resource-id")}), _always, "flow log {FlowLogId}",
          refusable=True),
    Check("security group VPC associations", Listing("describe_security_group_vpc_associations",
                                                     "SecurityGroupVpcAssociations"),
          lambda a, _: _live(a, "State"), "security group association {GroupId}",
          refusable=True),
    Check("VPC Lattice service network associations", Listing(
        "list_service_network_vpc_associations", "items",
        lambda vpc_id, _: {"vpcIdentifier": vpc_id}, service="vpc-lattice"),
          lambda a, _: _live(a, "status"), "VPC Lattice service network association {id}",
          refusable=True, regions=_lattice_regions),
    # Route 53 is global: botocore sends it to the partition's endpoint from any region.
    Check("Route 53 private hosted zones", Listing(
        "list_hosted_zones_by_vpc", "HostedZoneSummaries",
        lambda vpc_id, region: {"VPCId": vpc_id, "VPCRegion": region}, service="route53",
        paginated=False),
          _always, "Route 53 private hosted zone {HostedZoneName} ({HostedZoneId})",
          refusable=True),
)


class _Fields(dict[str, Any]):
    """An item's fields for a reason's format: a field AWS left out reads as None."""

    def __missing__(self, key: str) -> None:
        return None


def foreign(check: Check, items: Iterable[Item], vpc: Item) -> list[str]:
    """Why the listed `items` keep the VPC: one reason per item that does."""
    return [check.says.format_map(_Fields(item)) for item in items if check.keeps(item, vpc)]


def cannot_list(check: Check, code: str) -> str:
    return f"{check.what} could not be listed ({code}), so cannot be ruled out"


def _trivy_route(route: Item, igws: set[str]) -> bool:
    dest, gateway = route.get("DestinationCidrBlock"), route.get("GatewayId")
    return (dest == VPC_CIDR and gateway == "local") or (dest == DEFAULT_ROUTE and gateway in igws)


def _route_text(route: Item) -> str:
    dest = (route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
            or route.get("DestinationPrefixListId"))
    target = next((v for k, v in route.items()
                   if k.endswith("Id") and k != "DestinationPrefixListId"), "?")
    return f"{dest} -> {target}"


def _gateways(igws: list[Item], found: VpcContents) -> None:
    for igw in igws:
        if has_trivy_tag(igw.get("Tags")):
            found.igws.append(igw["InternetGatewayId"])
        else:
            found.foreign.append(f"untagged internet gateway {igw['InternetGatewayId']}")


def _subnets(subnets: list[Item], found: VpcContents) -> None:
    for subnet in subnets:
        if subnet.get("CidrBlock") == SUBNET_CIDR and has_trivy_tag(subnet.get("Tags")):
            found.subnets.append(subnet["SubnetId"])
        else:
            found.foreign.append(f"subnet {subnet['SubnetId']} ({subnet.get('CidrBlock')}, "
                                 "not the Trivy subnet)")


def _route_tables(tables: list[Item], tagged_igws: set[str], found: VpcContents) -> None:
    for table in tables:
        rtb = table["RouteTableId"]
        main = any(a.get("Main") for a in table.get("Associations", []))
        odd = [r for r in table.get("Routes", []) if not _trivy_route(r, tagged_igws)]
        if odd:
            found.foreign.append(f"route table {rtb} with route "
                                 f"{_route_text(odd[0])} the scanner did not create")
        elif not main and not has_trivy_tag(table.get("Tags")):
            found.foreign.append(f"untagged route table {rtb}")
        elif not main:
            found.route_tables.append(rtb)


def _security_groups(groups: list[Item], found: VpcContents) -> set[str]:
    """The Trivy-tagged groups (the default group too, if tagged): a task ENI holds only
    those."""
    trivy_groups: set[str] = set()
    for group in groups:
        if has_trivy_tag(group.get("Tags")):
            trivy_groups.add(group["GroupId"])
        if group.get("GroupName") == "default":
            continue  # deleted together with the VPC
        if has_trivy_tag(group.get("Tags")):
            found.security_groups.append(group["GroupId"])
        else:
            found.foreign.append(f"security group {group['GroupId']} ({group.get('GroupName')})")
    return trivy_groups


def _enis(enis: list[Item], scan: Scan, trivy_groups: set[str], found: VpcContents) -> None:
    for eni in enis:
        eni_id = eni["NetworkInterfaceId"]
        # An in-use ECS ENI that the active Trivy cluster does not list is another cluster's.
        in_use_elsewhere = scan.cluster_active and eni.get("Status") == "in-use"
        if eni_id in scan.task_enis or (not in_use_elsewhere and task_eni_evidence(
                eni, scan.account, scan.region, set(found.subnets), trivy_groups)):
            found.enis.append(eni_id)
            found.eni_reasons[eni_id] = (ENI_IN_USE if eni.get("Status") == "in-use"
                                         else ENI_AVAILABLE)
        else:
            found.foreign.append(f"network interface {eni_id} "
                                 f"({eni.get('Description') or eni.get('InterfaceType')})")


def own(listed: Mapping[str, list[Item]], scan: Scan) -> VpcContents:
    """The scanner's own resources among the `OWN` listings, and the rest as foreign."""
    found = VpcContents()
    _gateways(listed["internet-gateway"], found)
    _subnets(listed["subnet"], found)
    _route_tables(listed["route-table"], scan.tagged_igws, found)
    trivy_groups = _security_groups(listed["security-group"], found)
    _enis(listed["network-interface"], scan, trivy_groups, found)
    return found


def unlike_trivy(vpc: Item) -> str | None:
    """Why a Trivy-tagged VPC is kept without looking inside it, or None."""
    if vpc.get("CidrBlock") != VPC_CIDR:
        return (f"tagged like the Trivy VPC but its CIDR is {vpc.get('CidrBlock')}, "
                f"not {VPC_CIDR}")
    if vpc.get("IsDefault"):
        return "the default VPC is never deleted"
    return None


def vpc_rows(account: str, region: str, vpc: Item, contents: VpcContents) -> list[Resource]:
    """The VPC and what is inside: all deleted when only the scanner's is there; otherwise the
    VPC is kept with the reasons, and nothing in it is deleted."""
    vpc_id = vpc["VpcId"]
    res = Resource(account, region, "vpc", vpc_id, Action.KEEP, "",
                   details={"cidr": vpc.get("CidrBlock")})
    children = [
        ("network-interface", contents.enis, "ENI of the Trivy cluster's tasks"),
        ("internet-gateway", contents.igws, "Trivy-tagged internet gateway"),
        ("route-table", contents.route_tables, "Trivy-tagged route table"),
        ("security-group", contents.security_groups, "Trivy-tagged security group"),
        ("subnet", contents.subnets, f"Trivy-tagged subnet {SUBNET_CIDR}"),
    ]
    if contents.foreign:
        shown = "; ".join(contents.foreign[:3])
        more = f" and {len(contents.foreign) - 3} more" if len(contents.foreign) > 3 else ""
        res.reason = (f"holds what the Trivy scanner did not create: {shown}{more}; "
                      "nothing in this VPC is deleted")
        res.details["foreign"] = contents.foreign
        return [res, *(Resource(account, region, kind, i, Action.KEEP,
                                f"inside VPC {vpc_id}, which is kept", vpc_id)
                       for kind, ids, _ in children for i in ids)]
    res.action = Action.DELETE
    res.reason = (f"tag {NAME}, CIDR {VPC_CIDR}, only Trivy resources inside "
                  "(its default security group and main route table go with it)")
    return [*(Resource(account, region, kind, i, Action.DELETE,
                       f"{contents.eni_reasons.get(i, why)} in VPC {vpc_id}", vpc_id)
              for kind, ids, why in children for i in ids), res]
