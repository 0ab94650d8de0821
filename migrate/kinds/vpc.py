"""The Trivy scanner's VPC and what is inside it: found only through a VPC that matches exactly.

A VPC matches when it carries the Trivy tag, has CIDR 10.0.0.0/16 and is not the default VPC.
If it holds anything the scanner did not create, the VPC is kept with that reason and nothing
in it is deleted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from botocore.exceptions import ClientError

from migrate.aws import error_code, service_regions
from migrate.context import CannotDelete, Ctx, StopRequested
from migrate.fingerprint import (
    DEFAULT_ROUTE,
    ECS_ATTACHMENT_DESCRIPTION,
    NAME,
    SUBNET_CIDR,
    TAG_KEYS,
    VPC_CIDR,
    has_trivy_tag,
)
from migrate.kinds.base import answer_or, gone_on, paginate
from migrate.model import Action, Resource, Status

T = TypeVar("T")
ENI_IN_USE = "ENI of a Trivy cluster task; waiting for ECS to release it"
ENI_AVAILABLE = "ENI of a Trivy cluster task, released by ECS but not deleted"


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


def _vpc_filter(vpc_id: str, name: str = "vpc-id") -> list[dict[str, Any]]:
    return [{"Name": name, "Values": [vpc_id]}]


def is_trivy_task_eni(ctx: Ctx, eni: dict[str, Any], subnets: set[str],
                      groups: set[str]) -> bool:
    return task_eni_evidence(eni, ctx.account.id, ctx.region, subnets, groups)


def task_eni_evidence(eni: dict[str, Any], account: str, region: str, subnets: set[str],
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
            and all(g.get("GroupId") in groups for g in eni.get("Groups", []))
            and not eni.get("Attachment", {}).get("InstanceId"))


# A listing AWS refuses or does not offer here: what it would list cannot be ruled out, so the
# VPC is kept (an older read-only policy may lack the newer services' permissions).
CANNOT_CHECK = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                "UnsupportedOperation", "InvalidAction", "OptInRequired",
                "UnknownOperationException", "NotImplemented"}
GONE_STATES = {"deleted", "deleting", "failed", "rejected", "disassociated", "disassociating",
               "delete_in_progress", "delete_failed", "create_failed", "expired"}


def _checked(found: VpcContents, what: str, listing: Callable[[], Iterable[T]]) -> list[T]:
    try:
        return list(listing())
    except ClientError as exc:
        if error_code(exc) not in CANNOT_CHECK:
            raise
        found.foreign.append(f"{what} could not be listed ({error_code(exc)}), so cannot be "
                             "ruled out")
        return []


def _live(item: dict[str, Any], *keys: str) -> bool:
    state = next((item.get(k) for k in keys if item.get(k) is not None), "")
    if isinstance(state, dict):
        state = state.get("Code") or state.get("State") or ""
    return str(state).lower() not in GONE_STATES


def _no_eni_attachments(ctx: Ctx, vpc: dict[str, Any], found: VpcContents) -> None:
    """What can hold a VPC without an ENI of its own (docs/reference.md §4a): each one makes
    DeleteVpc refuse, or shows that someone else uses the VPC. Only Trivy VPCs get here."""
    ec2 = ctx.client("ec2")
    vpc_id = vpc["VpcId"]
    for assoc in vpc.get("CidrBlockAssociationSet", []):
        if assoc.get("CidrBlock") != vpc.get("CidrBlock") and _live(assoc, "CidrBlockState"):
            found.foreign.append(f"secondary CIDR block {assoc.get('CidrBlock')} "
                                 f"({assoc.get('AssociationId')})")
    for assoc in vpc.get("Ipv6CidrBlockAssociationSet", []):
        if _live(assoc, "Ipv6CidrBlockState"):
            found.foreign.append(f"IPv6 CIDR block {assoc.get('Ipv6CidrBlock')} "
                                 f"({assoc.get('AssociationId')})")
    # DescribeEgressOnlyInternetGateways has no VPC filter: the account's few are listed.
    found.foreign += [
        f"egress-only internet gateway {g['EgressOnlyInternetGatewayId']}"
        for g in _checked(found, "egress-only internet gateways", lambda: paginate(
            ec2, "describe_egress_only_internet_gateways", "EgressOnlyInternetGateways"))
        if any(a.get("VpcId") == vpc_id and _live(a, "State")
               for a in g.get("Attachments", []))
    ]
    found.foreign += [
        f"carrier gateway {g['CarrierGatewayId']}"
        for g in _checked(found, "carrier gateways", lambda: paginate(
            ec2, "describe_carrier_gateways", "CarrierGateways", Filters=_vpc_filter(vpc_id)))
        if _live(g, "State")
    ]
    found.foreign += [
        f"flow log {f['FlowLogId']}"
        for f in _checked(found, "flow logs", lambda: paginate(
            ec2, "describe_flow_logs", "FlowLogs", Filter=_vpc_filter(vpc_id, "resource-id")))
    ]
    found.foreign += [
        f"security group association {a.get('GroupId')}"
        for a in _checked(found, "security group VPC associations", lambda: paginate(
            ec2, "describe_security_group_vpc_associations", "SecurityGroupVpcAssociations",
            Filters=_vpc_filter(vpc_id)))
        if _live(a, "State")
    ]
    if ctx.region in _lattice_regions():
        found.foreign += [
            f"VPC Lattice service network association {a.get('id')}"
            for a in _checked(found, "VPC Lattice service network associations", lambda: paginate(
                ctx.client("vpc-lattice"), "list_service_network_vpc_associations", "items",
                vpcIdentifier=vpc_id))
            if _live(a, "status")
        ]
    found.foreign += [
        f"Route 53 private hosted zone {z.get('HostedZoneName')} ({z.get('HostedZoneId')})"
        # Route 53 is global: botocore sends it to the partition's endpoint from any region.
        for z in _checked(found, "Route 53 private hosted zones", lambda: ctx.client(
            "route53").list_hosted_zones_by_vpc(
                VPCId=vpc_id, VPCRegion=ctx.region).get("HostedZoneSummaries", []))
    ]


def _lattice_regions() -> frozenset[str]:
    """Where VPC Lattice exists (botocore's endpoint data, no call): elsewhere no VPC can be
    associated with a service network."""
    return service_regions("vpc-lattice")


def _inspect(ctx: Ctx, vpc: dict[str, Any], task_enis: set[str], tagged_igws: set[str],
             cluster_active: bool) -> VpcContents:
    ec2 = ctx.client("ec2")
    found = VpcContents()
    vpc_id = vpc["VpcId"]
    flt = _vpc_filter(vpc_id)

    for igw in paginate(ec2, "describe_internet_gateways", "InternetGateways",
                        Filters=_vpc_filter(vpc_id, "attachment.vpc-id")):
        if has_trivy_tag(igw.get("Tags")):
            found.igws.append(igw["InternetGatewayId"])
        else:
            found.foreign.append(f"untagged internet gateway {igw['InternetGatewayId']}")

    for subnet in paginate(ec2, "describe_subnets", "Subnets", Filters=flt):
        if subnet.get("CidrBlock") == SUBNET_CIDR and has_trivy_tag(subnet.get("Tags")):
            found.subnets.append(subnet["SubnetId"])
        else:
            found.foreign.append(f"subnet {subnet['SubnetId']} ({subnet.get('CidrBlock')}, "
                                 "not the Trivy subnet)")

    for table in paginate(ec2, "describe_route_tables", "RouteTables", Filters=flt):
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

    trivy_groups: set[str] = set()
    for group in paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=flt):
        if has_trivy_tag(group.get("Tags")):
            trivy_groups.add(group["GroupId"])
        if group.get("GroupName") == "default":
            continue  # deleted together with the VPC
        if has_trivy_tag(group.get("Tags")):
            found.security_groups.append(group["GroupId"])
        else:
            found.foreign.append(f"security group {group['GroupId']} ({group.get('GroupName')})")

    for eni in paginate(ec2, "describe_network_interfaces", "NetworkInterfaces", Filters=flt):
        eni_id = eni["NetworkInterfaceId"]
        # An in-use ECS ENI that the active Trivy cluster does not list is another cluster's.
        in_use_elsewhere = cluster_active and eni.get("Status") == "in-use"
        if eni_id in task_enis or (not in_use_elsewhere and is_trivy_task_eni(
                ctx, eni, set(found.subnets), trivy_groups)):
            found.enis.append(eni_id)
            found.eni_reasons[eni_id] = (ENI_IN_USE if eni.get("Status") == "in-use"
                                         else ENI_AVAILABLE)
        else:
            found.foreign.append(f"network interface {eni_id} "
                                 f"({eni.get('Description') or eni.get('InterfaceType')})")

    for reservation in paginate(ec2, "describe_instances", "Reservations", Filters=[
            *flt, {"Name": "instance-state-name",
                   "Values": ["pending", "running", "stopping", "stopped", "shutting-down"]}]):
        found.foreign += [f"EC2 instance {i['InstanceId']}" for i in reservation["Instances"]]
    found.foreign += [
        f"NAT gateway {n['NatGatewayId']}"
        for n in paginate(ec2, "describe_nat_gateways", "NatGateways", Filter=flt)
        if n.get("State") not in ("deleted", "deleting", "failed")
    ]
    found.foreign += [
        f"VPC endpoint {e['VpcEndpointId']}"
        for e in paginate(ec2, "describe_vpc_endpoints", "VpcEndpoints", Filters=flt)
        if e.get("State", "").lower() not in ("deleted", "deleting", "failed", "rejected")
    ]
    for side in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"):
        found.foreign += [
            f"VPC peering connection {p['VpcPeeringConnectionId']}"
            for p in paginate(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections",
                              Filters=_vpc_filter(vpc_id, side))
            if p.get("Status", {}).get("Code") in ("active", "pending-acceptance", "provisioning",
                                                   "initiating-request")
        ]
    found.foreign += [
        f"transit gateway attachment {a['TransitGatewayAttachmentId']}"
        for a in paginate(ec2, "describe_transit_gateway_vpc_attachments",
                          "TransitGatewayVpcAttachments", Filters=flt)
        if a.get("State") not in ("deleted", "deleting", "failed", "rejected")
    ]
    found.foreign += [
        f"VPN gateway {g['VpnGatewayId']}"
        for g in ec2.describe_vpn_gateways(
            Filters=_vpc_filter(vpc_id, "attachment.vpc-id"))["VpnGateways"]
        if g.get("State") not in ("deleted", "deleting")
    ]
    found.foreign += [
        f"network ACL {acl['NetworkAclId']}"
        for acl in paginate(ec2, "describe_network_acls", "NetworkAcls", Filters=flt)
        if not acl.get("IsDefault")
    ]
    found.foreign += [
        f"load balancer {lb['LoadBalancerName']}"
        for lb in paginate(ctx.client("elbv2"), "describe_load_balancers", "LoadBalancers")
        if lb.get("VpcId") == vpc_id
    ]
    found.foreign += [
        f"classic load balancer {lb['LoadBalancerName']}"
        for lb in paginate(ctx.client("elb"), "describe_load_balancers",
                           "LoadBalancerDescriptions")
        if lb.get("VPCId") == vpc_id
    ]
    _no_eni_attachments(ctx, vpc, found)
    return found


def _trivy_route(route: dict[str, Any], igws: set[str]) -> bool:
    dest, gateway = route.get("DestinationCidrBlock"), route.get("GatewayId")
    return (dest == VPC_CIDR and gateway == "local") or (dest == DEFAULT_ROUTE and gateway in igws)


def _route_text(route: dict[str, Any]) -> str:
    dest = (route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
            or route.get("DestinationPrefixListId"))
    target = next((v for k, v in route.items()
                   if k.endswith("Id") and k != "DestinationPrefixListId"), "?")
    return f"{dest} -> {target}"


def discover(ctx: Ctx, task_enis: set[str], cluster_active: bool) -> list[Resource]:
    ec2 = ctx.client("ec2")
    # One call finds the Trivy-tagged VPCs and gateways (an account without them, the usual
    # case, costs nothing more); then only those are described.
    tagged: dict[str, set[str]] = {"vpc": set(), "internet-gateway": set()}
    for tag in paginate(ec2, "describe_tags", "Tags", Filters=[
            {"Name": "resource-type", "Values": list(tagged)},
            {"Name": "key", "Values": list(TAG_KEYS)},
            {"Name": "value", "Values": [NAME]}]):
        tagged[tag["ResourceType"]].add(tag["ResourceId"])
    vpcs: dict[str, dict[str, Any]] = {}
    if tagged["vpc"]:
        for vpc in paginate(ec2, "describe_vpcs", "Vpcs", Filters=[
                {"Name": "vpc-id", "Values": sorted(tagged["vpc"])}]):
            if has_trivy_tag(vpc.get("Tags")):
                vpcs[vpc["VpcId"]] = vpc
    # A Trivy-tagged gateway may be detached already (an interrupted run): its route then
    # points at a detached gateway, and the gateway itself is still the scanner's to delete.
    igws: dict[str, dict[str, Any]] = {}
    if tagged["internet-gateway"]:
        for igw in paginate(ec2, "describe_internet_gateways", "InternetGateways", Filters=[
                {"Name": "internet-gateway-id", "Values": sorted(tagged["internet-gateway"])}]):
            if has_trivy_tag(igw.get("Tags")):
                igws[igw["InternetGatewayId"]] = igw
    out: list[Resource] = [
        Resource(ctx.account.id, ctx.region, "internet-gateway", igw_id, Action.DELETE,
                 "Trivy-tagged internet gateway, already detached from its VPC")
        for igw_id, igw in sorted(igws.items()) if not igw.get("Attachments")
    ]
    for vpc_id, vpc in sorted(vpcs.items()):
        res = Resource(ctx.account.id, ctx.region, "vpc", vpc_id, Action.KEEP, "",
                       details={"cidr": vpc.get("CidrBlock")})
        if vpc.get("CidrBlock") != VPC_CIDR:
            res.reason = (f"tagged like the Trivy VPC but its CIDR is {vpc.get('CidrBlock')}, "
                          f"not {VPC_CIDR}")
            out.append(res)
            continue
        if vpc.get("IsDefault"):
            res.reason = "the default VPC is never deleted"
            out.append(res)
            continue
        try:
            contents = _inspect(ctx, vpc, task_enis, set(igws), cluster_active)
        except ClientError as exc:
            if error_code(exc) in Vpc.NOT_FOUND:
                continue  # deleted between two calls: gone is gone
            raise
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
            out.append(res)
            for kind, ids, _ in children:
                out += [Resource(ctx.account.id, ctx.region, kind, i, Action.KEEP,
                                 f"inside VPC {vpc_id}, which is kept", vpc_id) for i in ids]
            continue
        for kind, ids, why in children:
            out += [Resource(ctx.account.id, ctx.region, kind, i, Action.DELETE,
                             f"{contents.eni_reasons.get(i, why)} in VPC {vpc_id}", vpc_id)
                    for i in ids]
        res.action = Action.DELETE
        res.reason = (f"tag {NAME}, CIDR {VPC_CIDR}, only Trivy resources inside "
                      "(its default security group and main route table go with it)")
        out.append(res)
    return out


class NetworkInterface:
    """ECS releases a stopped task's ENI by itself; wait for that, delete it if left available."""

    name: ClassVar[str] = "network-interface"
    rank: ClassVar[int] = 20
    NOT_FOUND: ClassVar[set[str]] = {"InvalidNetworkInterfaceID.NotFound"}

    def _describe(self, ctx: Ctx, res: Resource) -> dict[str, Any] | None:
        try:
            enis = ctx.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[res.id])
        except ClientError as exc:
            if error_code(exc) in self.NOT_FOUND:
                return None
            raise
        return next(iter(enis["NetworkInterfaces"]), None)

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        deadline = time.monotonic() + ctx.settings.eni_timeout
        eni = self._describe(ctx, res)
        if eni is None:
            return Status.ALREADY_GONE
        while eni is not None and eni.get("Status") == "in-use":
            if time.monotonic() >= deadline:
                raise CannotDelete(
                    f"{res.id} is still in use after {ctx.settings.eni_timeout:.0f}s; ECS "
                    "releases a stopped task's ENI within minutes: run apply again later (plan "
                    "keeps listing the ENI and its VPC for deletion until then)")
            ctx.say(f"{ctx.account.id}/{ctx.region}: waiting for ECS to release {res.id}")
            if ctx.stop.wait(ctx.settings.poll_interval):
                raise StopRequested("interrupted (Ctrl-C) while waiting for ECS to release this "
                                    "ENI; run apply again to finish")
            eni = self._describe(ctx, res)
        if eni is None:
            return Status.DELETED  # released by ECS after its task stopped
        return gone_on(self.NOT_FOUND, lambda: ctx.mutate(
            "ec2", "DeleteNetworkInterface", res.id, NetworkInterfaceId=res.id))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return self._describe(ctx, res) is not None


class InternetGateway:
    name: ClassVar[str] = "internet-gateway"
    rank: ClassVar[int] = 21
    NOT_FOUND: ClassVar[set[str]] = {"InvalidInternetGatewayID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        try:
            igw = ctx.client("ec2").describe_internet_gateways(InternetGatewayIds=[res.id])
        except ClientError as exc:
            if error_code(exc) in self.NOT_FOUND:
                return Status.ALREADY_GONE
            raise
        for att in igw["InternetGateways"][0].get("Attachments", []):
            self._detach(ctx, res, att["VpcId"])
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.mutate("ec2", "DeleteInternetGateway", res.id, InternetGatewayId=res.id)))

    def _detach(self, ctx: Ctx, res: Resource, vpc_id: str) -> None:
        try:
            ctx.retrying({"DependencyViolation"}, f"detach {res.id}", lambda: ctx.mutate(
                "ec2", "DetachInternetGateway", res.id, InternetGatewayId=res.id, VpcId=vpc_id))
        except ClientError as exc:
            if error_code(exc) != "Gateway.NotAttached":
                raise

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.client("ec2").describe_internet_gateways(
            InternetGatewayIds=[res.id]), self.NOT_FOUND)


class RouteTable:
    name: ClassVar[str] = "route-table"
    rank: ClassVar[int] = 22
    NOT_FOUND: ClassVar[set[str]] = {"InvalidRouteTableID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        try:
            table = ctx.client("ec2").describe_route_tables(RouteTableIds=[res.id])
        except ClientError as exc:
            if error_code(exc) in self.NOT_FOUND:
                return Status.ALREADY_GONE
            raise
        for assoc in table["RouteTables"][0].get("Associations", []):
            if assoc.get("Main"):
                continue
            ctx.mutate("ec2", "DisassociateRouteTable", res.id,
                       AssociationId=assoc["RouteTableAssociationId"])
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.mutate("ec2", "DeleteRouteTable", res.id, RouteTableId=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.client("ec2").describe_route_tables(RouteTableIds=[res.id]),
                       self.NOT_FOUND)


class SecurityGroup:
    name: ClassVar[str] = "security-group"
    rank: ClassVar[int] = 23
    NOT_FOUND: ClassVar[set[str]] = {"InvalidGroup.NotFound", "InvalidGroupId.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.mutate("ec2", "DeleteSecurityGroup", res.id, GroupId=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.client("ec2").describe_security_groups(GroupIds=[res.id]),
                       self.NOT_FOUND)


class Subnet:
    name: ClassVar[str] = "subnet"
    rank: ClassVar[int] = 24
    NOT_FOUND: ClassVar[set[str]] = {"InvalidSubnetID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.mutate("ec2", "DeleteSubnet", res.id, SubnetId=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.client("ec2").describe_subnets(SubnetIds=[res.id]),
                       self.NOT_FOUND)


class Vpc:
    name: ClassVar[str] = "vpc"
    rank: ClassVar[int] = 25
    NOT_FOUND: ClassVar[set[str]] = {"InvalidVpcID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.mutate("ec2", "DeleteVpc", res.id, VpcId=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.client("ec2").describe_vpcs(VpcIds=[res.id]), self.NOT_FOUND)


def _exists(call: Callable[[], object], not_found: set[str]) -> bool:
    return answer_or(False, not_found, lambda: (call(), True)[1])
