"""Look-alike variants for the safety tests: each puts into the seeded Trivy VPC something the
scanner never created (an instance, a peering, an untagged subnet, a foreign route...), so a
migration must keep the VPC and everything in it. Each takes the `TrivyIds` of
`seed.seed_trivy_leftovers` and returns the ID of what it added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import boto3

from localaws.seed import EXAMPLE_AMI, TRIVY_NAME, TrivyIds, create_bucket, trivy_tags

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_route53.literals import VPCRegionType



def add_instance(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.run_instances(
        ImageId=EXAMPLE_AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=ids.subnet_id
    )["Instances"][0]["InstanceId"]


def add_nat_gateway(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    return ec2.create_nat_gateway(SubnetId=ids.subnet_id, AllocationId=allocation)["NatGateway"][
        "NatGatewayId"
    ]


def add_vpc_endpoint(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_vpc_endpoint(
        VpcId=ids.vpc_id,
        ServiceName=f"com.amazonaws.{ids.region}.s3",
        VpcEndpointType="Gateway",
        RouteTableIds=[ids.route_table_id],
    )["VpcEndpoint"]["VpcEndpointId"]


def add_untagged_subnet(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_subnet(VpcId=ids.vpc_id, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]


def add_foreign_eni(session: boto3.Session, ids: TrivyIds) -> str:
    """An ENI in the Trivy subnet that no Trivy task owns (e.g. someone's Lambda)."""
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_network_interface(SubnetId=ids.subnet_id, Description="not the scanner")[
        "NetworkInterface"
    ]["NetworkInterfaceId"]


def add_trivy_security_group(session: boto3.Session, ids: TrivyIds) -> str:
    """A second, Trivy-tagged security group: the scanner's, deleted with the VPC."""
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_security_group(
        GroupName=f"{TRIVY_NAME}-tasks",
        Description="Trivy scanner tasks",
        VpcId=ids.vpc_id,
        TagSpecifications=trivy_tags("security-group", "name"),
    )["GroupId"]


def add_untagged_security_group(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_security_group(
        GroupName="app", Description="someone's application", VpcId=ids.vpc_id
    )["GroupId"]


def remove_trivy_tag(session: boto3.Session, ids: TrivyIds, resource_id: str) -> str:
    """Take the Trivy tag off one of the scanner's resources (it is then someone else's)."""
    ec2 = session.client("ec2", region_name=ids.region)
    ec2.delete_tags(Resources=[resource_id], Tags=[{"Key": "name"}, {"Key": "Name"}])
    return resource_id


def untag_internet_gateway(session: boto3.Session, ids: TrivyIds) -> str:
    return remove_trivy_tag(session, ids, ids.internet_gateway_id)


def untag_subnet(session: boto3.Session, ids: TrivyIds) -> str:
    """The subnet keeps the scanner's CIDR 10.0.1.0/24 but loses its tag."""
    return remove_trivy_tag(session, ids, ids.subnet_id)


def retag_subnet_in_other_case(session: boto3.Session, ids: TrivyIds) -> str:
    """The tag value differs from the scanner's only in case: not the scanner's."""
    remove_trivy_tag(session, ids, ids.subnet_id)
    ec2 = session.client("ec2", region_name=ids.region)
    ec2.create_tags(Resources=[ids.subnet_id], Tags=[{"Key": "name", "Value": TRIVY_NAME.upper()}])
    return ids.subnet_id


def retag_subnet_with_other_key(session: boto3.Session, ids: TrivyIds) -> str:
    """The scanner's value under a key that is neither `name` nor `Name`."""
    remove_trivy_tag(session, ids, ids.subnet_id)
    ec2 = session.client("ec2", region_name=ids.region)
    ec2.create_tags(Resources=[ids.subnet_id], Tags=[{"Key": "owner", "Value": TRIVY_NAME}])
    return ids.subnet_id


def add_tagged_subnet_other_cidr(session: boto3.Session, ids: TrivyIds) -> str:
    """Tagged like the scanner's, but not its 10.0.1.0/24."""
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_subnet(
        VpcId=ids.vpc_id, CidrBlock="10.0.2.0/24", TagSpecifications=trivy_tags("subnet", "name")
    )["Subnet"]["SubnetId"]


def add_untagged_route_table(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_route_table(VpcId=ids.vpc_id)["RouteTable"]["RouteTableId"]


def _other_vpc(ec2: EC2Client, cidr: str = "192.168.0.0/16") -> str:
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def add_peering(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    peering = ec2.create_vpc_peering_connection(VpcId=ids.vpc_id, PeerVpcId=_other_vpc(ec2))[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
    return peering


def add_blackhole_default_route(session: boto3.Session, ids: TrivyIds) -> str:
    """A 0.0.0.0/0 route in the main route table to a peering connection deleted since: the
    route is the only thing left that the scanner did not create."""
    ec2 = session.client("ec2", region_name=ids.region)
    peering = add_peering(session, ids)
    ec2.create_route(
        RouteTableId=ids.main_route_table_id,
        DestinationCidrBlock="0.0.0.0/0",
        VpcPeeringConnectionId=peering,
    )
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=peering)
    return peering


def add_route_to_other_network(session: boto3.Session, ids: TrivyIds) -> str:
    """A route to another network through the scanner's own gateway (not a route it made)."""
    ec2 = session.client("ec2", region_name=ids.region)
    ec2.create_route(
        RouteTableId=ids.route_table_id,
        DestinationCidrBlock="192.168.0.0/16",
        GatewayId=ids.internet_gateway_id,
    )
    return "192.168.0.0/16"


def add_secondary_cidr(session: boto3.Session, ids: TrivyIds) -> str:
    """A second CIDR block (and with it a second local route): someone grew the VPC."""
    ec2 = session.client("ec2", region_name=ids.region)
    ec2.associate_vpc_cidr_block(VpcId=ids.vpc_id, CidrBlock="10.1.0.0/16")
    return "10.1.0.0/16"


def add_transit_gateway_attachment(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    return ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=ids.vpc_id, SubnetIds=[ids.subnet_id]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]


def add_vpn_gateway(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpcId=ids.vpc_id, VpnGatewayId=vgw)
    return vgw


def add_network_acl(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_network_acl(VpcId=ids.vpc_id)["NetworkAcl"]["NetworkAclId"]


def add_load_balancer(session: boto3.Session, ids: TrivyIds) -> str:
    elbv2 = session.client("elbv2", region_name=ids.region)
    elbv2.create_load_balancer(Name="app-nlb", Type="network", Subnets=[ids.subnet_id])
    return "app-nlb"


def add_classic_load_balancer(session: boto3.Session, ids: TrivyIds) -> str:
    elb = session.client("elb", region_name=ids.region)
    elb.create_load_balancer(
        LoadBalancerName="app-classic",
        Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 80}],
        Subnets=[ids.subnet_id],
    )
    return "app-classic"


def add_other_cluster_task(session: boto3.Session, ids: TrivyIds) -> str:
    """Another team's Fargate task running in the Trivy subnet: its ENI is an ECS task ENI in
    use, but not the scanner's. Returns the ENI's ID."""
    ecs = session.client("ecs", region_name=ids.region)
    ecs.create_cluster(clusterName="payments")
    task_def = ecs.register_task_definition(
        family="payments-api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "api", "image": "nginx", "essential": True, "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(
        cluster="payments",
        taskDefinition=task_def,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [ids.subnet_id],
                "securityGroups": [ids.security_group_id],
            }
        },
    )["tasks"][0]
    return next(
        d["value"]
        for att in task.get("attachments", [])
        for d in att.get("details", [])
        if d.get("name") == "networkInterfaceId"
    )


def add_egress_only_gateway(session: boto3.Session, ids: TrivyIds) -> str:
    """IPv6 egress for the VPC: no ENI, and DeleteVpc refuses while it is attached."""
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_egress_only_internet_gateway(VpcId=ids.vpc_id)[
        "EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]


def add_carrier_gateway(session: boto3.Session, ids: TrivyIds) -> str:
    """A Wavelength carrier gateway: no ENI either."""
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.create_carrier_gateway(VpcId=ids.vpc_id)["CarrierGateway"]["CarrierGatewayId"]


def add_flow_log(session: boto3.Session, ids: TrivyIds) -> str:
    """Someone monitors the VPC's traffic: the scanner never did."""
    ec2 = session.client("ec2", region_name=ids.region)
    bucket = f"network-flow-logs-{ids.account}-{ids.region}"
    create_bucket(session.client("s3", region_name=ids.region), bucket, ids.region)
    return ec2.create_flow_logs(
        ResourceIds=[ids.vpc_id], ResourceType="VPC", TrafficType="ALL",
        LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{bucket}",
    )["FlowLogIds"][0]


def add_ipv6_cidr(session: boto3.Session, ids: TrivyIds) -> str:
    ec2 = session.client("ec2", region_name=ids.region)
    return ec2.associate_vpc_cidr_block(VpcId=ids.vpc_id, AmazonProvidedIpv6CidrBlock=True)[
        "Ipv6CidrBlockAssociation"]["AssociationId"]


def add_lattice_association(session: boto3.Session, ids: TrivyIds) -> str:
    lattice = session.client("vpc-lattice", region_name=ids.region)
    network = lattice.create_service_network(name="payments-mesh")["id"]
    return str(lattice.create_service_network_vpc_association(
        serviceNetworkIdentifier=network, vpcIdentifier=ids.vpc_id)["id"])


def add_private_hosted_zone(session: boto3.Session, ids: TrivyIds) -> str:
    route53 = session.client("route53")
    return str(route53.create_hosted_zone(
        Name="internal.example.com", CallerReference=f"seed-{ids.vpc_id}",
        VPC={"VPCRegion": cast("VPCRegionType", ids.region), "VPCId": ids.vpc_id},
        HostedZoneConfig={"PrivateZone": True, "Comment": "someone's private zone"},
    )["HostedZone"]["Id"]).rsplit("/", 1)[-1]


def add_security_group_association(session: boto3.Session, ids: TrivyIds) -> str:
    """A security group of another VPC associated with the Trivy VPC (moto: localaws.motofixes)."""
    from localaws import motofixes

    motofixes.install()
    ec2 = session.client("ec2", region_name=ids.region)
    group = ec2.create_security_group(GroupName="shared", Description="shared rules",
                                      VpcId=_other_vpc(ec2, "192.168.0.0/16"))["GroupId"]
    ec2.associate_security_group_vpc(GroupId=group, VpcId=ids.vpc_id)
    return group
