"""The Trivy scanner's VPC and what is inside it: found only through a VPC that matches exactly.

A VPC matches when it carries the Trivy tag, has CIDR 10.0.0.0/16 and is not the default VPC.
If it holds anything the scanner did not create, the VPC is kept with that reason and nothing
in it is deleted. This module makes the calls; what their answers mean is decided in
`migrate.kinds.vpc_checks` (the listings and checks there, as tables).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from botocore.exceptions import ClientError

from migrate.aws import error_code
from migrate.context import CannotDelete, Ctx, StopRequested
from migrate.fingerprint import NAME, TAG_KEYS, has_trivy_tag
from migrate.kinds.base import answer_or, gone_on
from migrate.kinds.vpc_checks import (
    CANNOT_CHECK,
    CHECKS,
    OWN,
    Check,
    Item,
    Listing,
    Scan,
    VpcContents,
    cannot_list,
    foreign,
    own,
    unlike_trivy,
    vpc_rows,
)
from migrate.model import Action, Resource, Status

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_ec2.type_defs import NetworkInterfaceTypeDef


def _listed(ctx: Ctx, listing: Listing, vpc_id: str) -> list[Item]:
    # The one call named by data (the tables of vpc_checks): tests/migrate/test_rules_vpc.py
    # checks each listing against botocore's service model, as mypy cannot.
    client = ctx.client(listing.service)
    params = listing.params(vpc_id, ctx.region)
    pages = (client.get_paginator(listing.operation).paginate(**params) if listing.paginated
             else [getattr(client, listing.operation)(**params)])
    items: list[Item] = [item for page in pages for item in page.get(listing.key, [])]
    if listing.each is not None:
        return [inner for item in items for inner in item[listing.each]]
    return items


def _foreign(ctx: Ctx, check: Check, vpc: Item) -> list[str]:
    """What `check` finds in the VPC that keeps it."""
    if check.regions is not None and ctx.region not in check.regions():
        return []
    if isinstance(check.source, str):
        return foreign(check, vpc.get(check.source, []), vpc)
    try:
        items = _listed(ctx, check.source, vpc["VpcId"])
    except ClientError as exc:
        code = error_code(exc)
        if not check.refusable or code not in CANNOT_CHECK:
            raise
        return [cannot_list(check, code)]
    return foreign(check, items, vpc)


def _inspect(ctx: Ctx, vpc: Item, scan: Scan) -> VpcContents:
    found = own({kind: _listed(ctx, listing, vpc["VpcId"]) for kind, listing in OWN.items()},
                scan)
    for check in CHECKS:
        found.foreign += _foreign(ctx, check, vpc)
    return found


def _tagged(ctx: Ctx) -> tuple[dict[str, Item], dict[str, Item]]:
    """The region's Trivy-tagged VPCs and internet gateways, by ID.

    One call finds the Trivy-tagged VPCs and gateways (an account without them, the usual case,
    costs nothing more); then only those are described.
    """
    ec2 = ctx.ec2()
    tagged: dict[str, set[str]] = {"vpc": set(), "internet-gateway": set()}
    for page in ec2.get_paginator("describe_tags").paginate(Filters=[
            {"Name": "resource-type", "Values": list(tagged)},
            {"Name": "key", "Values": list(TAG_KEYS)},
            {"Name": "value", "Values": [NAME]}]):
        for tag in page.get("Tags", []):
            tagged[tag["ResourceType"]].add(tag["ResourceId"])
    vpcs: dict[str, Item] = {}
    if tagged["vpc"]:
        for vpc_page in ec2.get_paginator("describe_vpcs").paginate(Filters=[
                {"Name": "vpc-id", "Values": sorted(tagged["vpc"])}]):
            for vpc in vpc_page.get("Vpcs", []):
                if has_trivy_tag(vpc.get("Tags")):
                    vpcs[vpc["VpcId"]] = _item(vpc)
    igws: dict[str, Item] = {}
    if tagged["internet-gateway"]:
        for igw_page in ec2.get_paginator("describe_internet_gateways").paginate(Filters=[
                {"Name": "internet-gateway-id", "Values": sorted(tagged["internet-gateway"])}]):
            for igw in igw_page.get("InternetGateways", []):
                if has_trivy_tag(igw.get("Tags")):
                    igws[igw["InternetGatewayId"]] = _item(igw)
    return vpcs, igws


def _item(described: object) -> Item:
    """A described VPC or gateway as the checks read it: AWS's answer, a plain dict (the
    stubs' TypedDict is that dict at run time; the checks name its fields from tables)."""
    return cast(Item, described)


def _vpc_rows(ctx: Ctx, vpc: Item, scan: Scan) -> list[Resource]:
    why = unlike_trivy(vpc)
    if why is not None:
        return [Resource(ctx.account.id, ctx.region, "vpc", vpc["VpcId"], Action.KEEP, why,
                         details={"cidr": vpc.get("CidrBlock")})]
    try:
        contents = _inspect(ctx, vpc, scan)
    except ClientError as exc:
        if error_code(exc) in VPC.not_found:
            return []  # deleted between two calls: gone is gone
        raise
    return vpc_rows(ctx.account.id, ctx.region, vpc, contents)


def discover(ctx: Ctx, task_enis: set[str], cluster_active: bool) -> list[Resource]:
    vpcs, igws = _tagged(ctx)
    # A Trivy-tagged gateway may be detached already (an interrupted run): its route then
    # points at a detached gateway, and the gateway itself is still the scanner's to delete.
    out: list[Resource] = [
        Resource(ctx.account.id, ctx.region, "internet-gateway", igw_id, Action.DELETE,
                 "Trivy-tagged internet gateway, already detached from its VPC")
        for igw_id, igw in sorted(igws.items()) if not igw.get("Attachments")
    ]
    scan = Scan(ctx.account.id, ctx.region, task_enis, set(igws), cluster_active)
    for _, vpc in sorted(vpcs.items()):
        out += _vpc_rows(ctx, vpc, scan)
    return out


class NetworkInterface:
    """ECS releases a stopped task's ENI by itself; wait for that, delete it if left available."""

    name: ClassVar[str] = "network-interface"
    rank: ClassVar[int] = 20
    NOT_FOUND: ClassVar[set[str]] = {"InvalidNetworkInterfaceID.NotFound"}

    def _describe(self, ctx: Ctx, res: Resource) -> NetworkInterfaceTypeDef | None:
        try:
            enis = ctx.ec2().describe_network_interfaces(NetworkInterfaceIds=[res.id])
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
        return gone_on(self.NOT_FOUND, lambda: ctx.audited(
            ctx.ec2().delete_network_interface, res.id, NetworkInterfaceId=res.id))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return self._describe(ctx, res) is not None


class InternetGateway:
    name: ClassVar[str] = "internet-gateway"
    rank: ClassVar[int] = 21
    NOT_FOUND: ClassVar[set[str]] = {"InvalidInternetGatewayID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        try:
            igw = ctx.ec2().describe_internet_gateways(InternetGatewayIds=[res.id])
        except ClientError as exc:
            if error_code(exc) in self.NOT_FOUND:
                return Status.ALREADY_GONE
            raise

        def detach_then_delete() -> None:
            # Inside gone_on: a gateway deleted meanwhile (by hand, by a concurrent apply)
            # answers its not-found to the detach as well, and is then already gone.
            for att in igw["InternetGateways"][0].get("Attachments", []):
                self._detach(ctx, res, att["VpcId"])
            ctx.retrying({"DependencyViolation"}, f"delete {res.id}", lambda: ctx.audited(
                ctx.ec2().delete_internet_gateway, res.id, InternetGatewayId=res.id))

        return gone_on(self.NOT_FOUND, detach_then_delete)

    def _detach(self, ctx: Ctx, res: Resource, vpc_id: str) -> None:
        try:
            ctx.retrying({"DependencyViolation"}, f"detach {res.id}", lambda: ctx.audited(
                ctx.ec2().detach_internet_gateway, res.id, InternetGatewayId=res.id,
                VpcId=vpc_id))
        except ClientError as exc:
            if error_code(exc) != "Gateway.NotAttached":
                raise

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.ec2().describe_internet_gateways(
            InternetGatewayIds=[res.id]), self.NOT_FOUND)


class RouteTable:
    name: ClassVar[str] = "route-table"
    rank: ClassVar[int] = 22
    NOT_FOUND: ClassVar[set[str]] = {"InvalidRouteTableID.NotFound"}

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        try:
            table = ctx.ec2().describe_route_tables(RouteTableIds=[res.id])
        except ClientError as exc:
            if error_code(exc) in self.NOT_FOUND:
                return Status.ALREADY_GONE
            raise
        for assoc in table["RouteTables"][0].get("Associations", []):
            if assoc.get("Main"):
                continue
            ctx.audited(ctx.ec2().disassociate_route_table, res.id,
                        AssociationId=assoc["RouteTableAssociationId"])
        return gone_on(self.NOT_FOUND, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: ctx.audited(ctx.ec2().delete_route_table, res.id, RouteTableId=res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: ctx.ec2().describe_route_tables(RouteTableIds=[res.id]),
                       self.NOT_FOUND)


@dataclass(frozen=True)
class OneCallKind:
    """A kind deleted by one call and looked up by its ID: the security group, the subnet and
    the VPC itself. AWS answers DependencyViolation while something inside is still going, so
    the delete is retried."""

    name: str
    rank: int
    not_found: frozenset[str]
    delete_call: Callable[[Ctx, str], object]  # the audited delete of one ID
    describe_call: Callable[[Ctx, str], object]  # the description of one ID

    def delete(self, ctx: Ctx, res: Resource) -> Status:
        return gone_on(self.not_found, lambda: ctx.retrying(
            {"DependencyViolation"}, f"delete {res.id}",
            lambda: self.delete_call(ctx, res.id)))

    def exists(self, ctx: Ctx, res: Resource) -> bool:
        return _exists(lambda: self.describe_call(ctx, res.id), self.not_found)


SECURITY_GROUP = OneCallKind(
    "security-group", 23, frozenset({"InvalidGroup.NotFound", "InvalidGroupId.NotFound"}),
    lambda ctx, i: ctx.audited(ctx.ec2().delete_security_group, i, GroupId=i),
    lambda ctx, i: ctx.ec2().describe_security_groups(GroupIds=[i]))
SUBNET = OneCallKind(
    "subnet", 24, frozenset({"InvalidSubnetID.NotFound"}),
    lambda ctx, i: ctx.audited(ctx.ec2().delete_subnet, i, SubnetId=i),
    lambda ctx, i: ctx.ec2().describe_subnets(SubnetIds=[i]))
VPC = OneCallKind(
    "vpc", 25, frozenset({"InvalidVpcID.NotFound"}),
    lambda ctx, i: ctx.audited(ctx.ec2().delete_vpc, i, VpcId=i),
    lambda ctx, i: ctx.ec2().describe_vpcs(VpcIds=[i]))


def _exists(call: Callable[[], object], not_found: set[str] | frozenset[str]) -> bool:
    return answer_or(False, not_found, lambda: (call(), True)[1])
