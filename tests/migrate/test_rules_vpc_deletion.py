"""Rule table for deleting the Trivy VPC's chain (README "What apply deletes": VPC), pure: each
VPC kind's `delete`/`exists` and `vpc.discover`'s own calls on canned EC2 answers, in
milliseconds instead of through moto.

Rules: a task ENI is waited for while ECS holds it (bounded, interruptible), counted deleted
when ECS releases it, deleted when left available; the internet gateway is detached from every
VPC it is attached to (retried while the VPC's ENIs release their public addresses, a gateway
detached meanwhile is fine) then deleted; the route table loses every association but the main
one, then is deleted; a security group, subnet or VPC is deleted by one call; every delete is
retried (bounded) on DependencyViolation while what was inside is still going, and the kind's
own not-found answer, before or during the delete, is "already gone"; every mutating call is
audited under the resource it deletes. AWS leaves an empty list out of an answer: a missing list
is an empty one, never a crash.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from migrate.audit import OK, AuditLog
from migrate.context import CannotDelete, Ctx, Settings, StopRequested
from migrate.fingerprint import NAME
from migrate.kinds import vpc, vpc_checks
from migrate.model import Action, Resource, Status
from tests.migrate.fakeaws import FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
REGION = "eu-west-1"
VPC_ID = "vpc-trivy"
IGW = "igw-trivy"
RTB = "rtb-trivy"
ENI = "eni-trivy"
RETRIES = 3
DEPENDENCY = "DependencyViolation"


class Ec2(FakeClient):
    """EC2 as a deleting kind sees it: each operation answers from its script in turn (an
    `error()` is raised, anything else is the answer; the last one repeats). An operation
    without a script fails the test: a call the rule does not expect is noticed."""

    def __init__(self, **script: Any) -> None:
        super().__init__()
        self.script = {op: list(a) if isinstance(a, list) else [a] for op, a in script.items()}

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        if operation not in self.script:
            raise AssertionError(f"unexpected call {operation}({params})")
        answers = self.script[operation]
        now = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(now, ClientError):
            raise now
        return now


def _ctx(tmp_path: Path, client: Ec2, **settings: Any) -> tuple[Ctx, list[str]]:
    ctx = fake_ctx(ACCOUNT, REGION)
    ctx.account.clients["ec2"] = client  # type: ignore[attr-defined]
    ctx.audit = AuditLog(tmp_path / "audit.jsonl")
    ctx.settings = Settings(retry_attempts=RETRIES, retry_base_delay=0, retry_max_delay=0,
                            **settings)
    said: list[str] = []
    ctx.say = said.append
    return ctx, said


def _res(kind: str, id_: str) -> Resource:
    return Resource(ACCOUNT, REGION, kind, id_, Action.DELETE, "why", VPC_ID)


def _audited(tmp_path: Path) -> list[tuple[str, str, str, str]]:
    path = tmp_path / "audit.jsonl"
    if not path.exists():
        return []
    return [(r["operation"], r["resource"], r["result"], r["region"]) for r in (
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())]


def _retry(what: str, *attempts: int) -> list[str]:
    return [f"{what}: {DEPENDENCY}, retry {n} in 0s" for n in attempts]


# --- route table ------------------------------------------------------------------------------

def _table(*associations: dict[str, Any]) -> dict[str, Any]:
    return {"RouteTables": [{"RouteTableId": RTB, "VpcId": VPC_ID,
                             "Associations": list(associations)}]}


MAIN = {"Main": True, "RouteTableAssociationId": "rtbassoc-main", "RouteTableId": RTB}
ON_SUBNET = {"Main": False, "RouteTableAssociationId": "rtbassoc-subnet",
             "SubnetId": "subnet-trivy", "RouteTableId": RTB}
ON_GATEWAY = {"Main": False, "RouteTableAssociationId": "rtbassoc-edge", "GatewayId": IGW,
              "RouteTableId": RTB}
DESCRIBE_RTB = ("describe_route_tables", {"RouteTableIds": [RTB]})
DELETE_RTB = ("delete_route_table", {"RouteTableId": RTB})


def _disassociate(assoc: str) -> tuple[str, dict[str, Any]]:
    return ("disassociate_route_table", {"AssociationId": assoc})


@pytest.mark.parametrize(("described", "deleted", "status", "calls", "said"), [
    (_table(ON_SUBNET, ON_GATEWAY), {}, Status.DELETED,
     [DESCRIBE_RTB, _disassociate("rtbassoc-subnet"), _disassociate("rtbassoc-edge"),
      DELETE_RTB], []),
    (_table(MAIN, ON_SUBNET), {}, Status.DELETED,
     [DESCRIBE_RTB, _disassociate("rtbassoc-subnet"), DELETE_RTB], []),
    ({"RouteTables": [{"RouteTableId": RTB, "VpcId": VPC_ID}]}, {}, Status.DELETED,
     [DESCRIBE_RTB, DELETE_RTB], []),
    (_table(), [error(DEPENDENCY), error(DEPENDENCY), {}], Status.DELETED,
     [DESCRIBE_RTB, DELETE_RTB, DELETE_RTB, DELETE_RTB], _retry(f"delete {RTB}", 1, 2)),
    (_table(), error("InvalidRouteTableID.NotFound"), Status.ALREADY_GONE,
     [DESCRIBE_RTB, DELETE_RTB], []),
    (error("InvalidRouteTableID.NotFound"), {}, Status.ALREADY_GONE, [DESCRIBE_RTB], []),
], ids=["every-association-removed", "main-association-kept", "listed-without-associations",
        "dependency-violation-retried", "deleted-meanwhile", "gone-before"])
def test_rule_route_table_disassociated_then_deleted(
        tmp_path: Path, described: Any, deleted: Any, status: Status,
        calls: list[tuple[str, dict[str, Any]]], said: list[str]) -> None:
    """Rule "route table" (deleting): every association but the main one (which AWS never
    lets go: a VPC always has a main table) is removed, then the table is deleted, retried
    while AWS still counts what was removed; its not-found is already gone."""
    client = Ec2(describe_route_tables=described, disassociate_route_table={},
                 delete_route_table=deleted)
    ctx, told = _ctx(tmp_path, client)
    assert vpc.RouteTable().delete(ctx, _res("route-table", RTB)) is status
    assert client.calls == calls
    assert told == said


def test_rule_route_table_deletion_is_audited_under_the_table(tmp_path: Path) -> None:
    """Rule "audit log": disassociating and deleting are recorded under the route table, in
    the context's region, with each attempt's result."""
    client = Ec2(describe_route_tables=_table(ON_SUBNET), disassociate_route_table={},
                 delete_route_table=[error(DEPENDENCY), {}])
    ctx, _ = _ctx(tmp_path, client)
    vpc.RouteTable().delete(ctx, _res("route-table", RTB))
    assert _audited(tmp_path) == [("ec2:DisassociateRouteTable", RTB, OK, REGION),
                                  ("ec2:DeleteRouteTable", RTB, DEPENDENCY, REGION),
                                  ("ec2:DeleteRouteTable", RTB, OK, REGION)]


@pytest.mark.parametrize(("code", "calls"), [
    (DEPENDENCY, RETRIES), ("UnauthorizedOperation", 1), ("InvalidVpcID.NotFound", 1)])
def test_rule_route_table_delete_errors_are_not_gone(tmp_path: Path, code: str,
                                                     calls: int) -> None:
    """Rule "gone means not found" (route table): DependencyViolation is retried only up to the
    bound, and any other code fails at once; neither is ever taken as gone."""
    client = Ec2(describe_route_tables=_table(), delete_route_table=error(code))
    ctx, _ = _ctx(tmp_path, client)
    with pytest.raises(ClientError, match=code):
        vpc.RouteTable().delete(ctx, _res("route-table", RTB))
    assert client.calls.count(DELETE_RTB) == calls


def test_rule_route_table_exists_until_not_found(tmp_path: Path) -> None:
    """Rule "gone means not found" (route table): described is there, not found is gone."""
    client = Ec2(describe_route_tables=[_table(), error("InvalidRouteTableID.NotFound")])
    ctx, _ = _ctx(tmp_path, client)
    assert vpc.RouteTable().exists(ctx, _res("route-table", RTB)) is True
    assert vpc.RouteTable().exists(ctx, _res("route-table", RTB)) is False
    assert client.calls == [DESCRIBE_RTB, DESCRIBE_RTB]


# --- internet gateway -------------------------------------------------------------------------

def _gateway(*vpcs: str, key: bool = True) -> dict[str, Any]:
    igw: dict[str, Any] = {"InternetGatewayId": IGW, "Tags": [{"Key": "name", "Value": NAME}]}
    if key:
        igw["Attachments"] = [{"VpcId": v, "State": "available"} for v in vpcs]
    return {"InternetGateways": [igw]}


DESCRIBE_IGW = ("describe_internet_gateways", {"InternetGatewayIds": [IGW]})
DELETE_IGW = ("delete_internet_gateway", {"InternetGatewayId": IGW})


def _detach(vpc_id: str = VPC_ID) -> tuple[str, dict[str, Any]]:
    return ("detach_internet_gateway", {"InternetGatewayId": IGW, "VpcId": vpc_id})


# AWS refuses to detach while the VPC's ENIs still hold public addresses (a Fargate task's
# ENI being released): DependencyViolation, "Network vpc-... has some mapped public address(es)".
MAPPED = error(DEPENDENCY)


@pytest.mark.parametrize(("described", "detached", "deleted", "status", "calls", "said"), [
    (_gateway(VPC_ID), {}, {}, Status.DELETED, [DESCRIBE_IGW, _detach(), DELETE_IGW], []),
    (_gateway(VPC_ID, "vpc-other"), {}, {}, Status.DELETED,
     [DESCRIBE_IGW, _detach(), _detach("vpc-other"), DELETE_IGW], []),
    (_gateway(), {}, {}, Status.DELETED, [DESCRIBE_IGW, DELETE_IGW], []),
    (_gateway(key=False), {}, {}, Status.DELETED, [DESCRIBE_IGW, DELETE_IGW], []),
    (_gateway(VPC_ID), [MAPPED, MAPPED, {}], {}, Status.DELETED,
     [DESCRIBE_IGW, _detach(), _detach(), _detach(), DELETE_IGW],
     _retry(f"detach {IGW}", 1, 2)),
    (_gateway(VPC_ID), error("Gateway.NotAttached"), {}, Status.DELETED,
     [DESCRIBE_IGW, _detach(), DELETE_IGW], []),
    (_gateway(VPC_ID), {}, [error(DEPENDENCY), {}], Status.DELETED,
     [DESCRIBE_IGW, _detach(), DELETE_IGW, DELETE_IGW], _retry(f"delete {IGW}", 1)),
    (_gateway(VPC_ID), {}, error("InvalidInternetGatewayID.NotFound"), Status.ALREADY_GONE,
     [DESCRIBE_IGW, _detach(), DELETE_IGW], []),
    (_gateway(VPC_ID), error("InvalidInternetGatewayID.NotFound"), {}, Status.ALREADY_GONE,
     [DESCRIBE_IGW, _detach()], []),
    (error("InvalidInternetGatewayID.NotFound"), {}, {}, Status.ALREADY_GONE,
     [DESCRIBE_IGW], []),
], ids=["attached", "attached-twice", "detached", "listed-without-attachments",
        "detach-waits-for-public-addresses", "detached-meanwhile", "delete-dependency-retried",
        "deleted-meanwhile", "deleted-before-the-detach", "gone-before"])
def test_rule_internet_gateway_detached_then_deleted(
        tmp_path: Path, described: Any, detached: Any, deleted: Any, status: Status,
        calls: list[tuple[str, dict[str, Any]]], said: list[str]) -> None:
    """Rule "internet gateway" (deleting): detached from every VPC AWS lists it attached to
    (retried while the VPC's ENIs still map public addresses; one detached meanwhile is
    fine), then deleted, retried on DependencyViolation; its not-found, before, during the
    detach (deleted meanwhile by hand or a concurrent apply) or the delete, is already gone."""
    client = Ec2(describe_internet_gateways=described, detach_internet_gateway=detached,
                 delete_internet_gateway=deleted)
    ctx, told = _ctx(tmp_path, client)
    assert vpc.InternetGateway().delete(ctx, _res("internet-gateway", IGW)) is status
    assert client.calls == calls
    assert told == said


@pytest.mark.parametrize(("detached", "detaches"), [
    (error("UnauthorizedOperation"), 1), (error("InvalidVpcID.NotFound"), 1),
    (MAPPED, RETRIES)], ids=["denied", "other-not-found", "addresses-never-released"])
def test_rule_internet_gateway_detach_errors_stop_the_delete(tmp_path: Path, detached: Any,
                                                             detaches: int) -> None:
    """Rule "internet gateway" (deleting): only Gateway.NotAttached is a detached gateway;
    any other error (or DependencyViolation past the bound) fails it before the delete."""
    client = Ec2(describe_internet_gateways=_gateway(VPC_ID), detach_internet_gateway=detached,
                 delete_internet_gateway={})
    ctx, _ = _ctx(tmp_path, client)
    with pytest.raises(ClientError):
        vpc.InternetGateway().delete(ctx, _res("internet-gateway", IGW))
    assert client.calls == [DESCRIBE_IGW] + [_detach()] * detaches


def test_rule_internet_gateway_deletion_is_audited_under_the_gateway(tmp_path: Path) -> None:
    """Rule "audit log": every detach attempt and the delete are recorded under the gateway,
    a tolerated Gateway.NotAttached included."""
    client = Ec2(describe_internet_gateways=_gateway(VPC_ID, "vpc-other"),
                 detach_internet_gateway=[MAPPED, {}, error("Gateway.NotAttached")],
                 delete_internet_gateway={})
    ctx, _ = _ctx(tmp_path, client)
    assert vpc.InternetGateway().delete(ctx, _res("internet-gateway", IGW)) is Status.DELETED
    assert _audited(tmp_path) == [
        ("ec2:DetachInternetGateway", IGW, DEPENDENCY, REGION),
        ("ec2:DetachInternetGateway", IGW, OK, REGION),
        ("ec2:DetachInternetGateway", IGW, "Gateway.NotAttached", REGION),
        ("ec2:DeleteInternetGateway", IGW, OK, REGION)]


def test_rule_internet_gateway_exists_until_not_found(tmp_path: Path) -> None:
    """Rule "gone means not found" (internet gateway): described is there, not found is gone."""
    client = Ec2(describe_internet_gateways=[_gateway(), error(
        "InvalidInternetGatewayID.NotFound")])
    ctx, _ = _ctx(tmp_path, client)
    assert vpc.InternetGateway().exists(ctx, _res("internet-gateway", IGW)) is True
    assert vpc.InternetGateway().exists(ctx, _res("internet-gateway", IGW)) is False
    assert client.calls == [DESCRIBE_IGW, DESCRIBE_IGW]


# --- network interface ------------------------------------------------------------------------

def _eni(status: str | None) -> dict[str, Any]:
    return {"NetworkInterfaces": [] if status is None else [
        {"NetworkInterfaceId": ENI, "Status": status, "VpcId": VPC_ID}]}


DESCRIBE_ENI = ("describe_network_interfaces", {"NetworkInterfaceIds": [ENI]})
DELETE_ENI = ("delete_network_interface", {"NetworkInterfaceId": ENI})
ENI_GONE = error("InvalidNetworkInterfaceID.NotFound")
WAITING = f"{ACCOUNT}/{REGION}: waiting for ECS to release {ENI}"


@pytest.mark.parametrize(("described", "deleted", "status", "calls", "said"), [
    (_eni("available"), {}, Status.DELETED, [DESCRIBE_ENI, DELETE_ENI], []),
    ([_eni("in-use"), _eni("in-use"), _eni("available")], {}, Status.DELETED,
     [DESCRIBE_ENI] * 3 + [DELETE_ENI], [WAITING] * 2),
    ([_eni("in-use"), _eni(None)], {}, Status.DELETED, [DESCRIBE_ENI] * 2, [WAITING]),
    ([_eni("in-use"), ENI_GONE], {}, Status.DELETED, [DESCRIBE_ENI] * 2, [WAITING]),
    (_eni("available"), ENI_GONE, Status.ALREADY_GONE, [DESCRIBE_ENI, DELETE_ENI], []),
    (_eni(None), {}, Status.ALREADY_GONE, [DESCRIBE_ENI], []),
    (ENI_GONE, {}, Status.ALREADY_GONE, [DESCRIBE_ENI], []),
], ids=["available", "released-to-available", "released-by-ecs", "released-not-found",
        "deleted-meanwhile", "gone-before-empty-answer", "gone-before"])
def test_rule_task_eni_waited_for_then_deleted(
        tmp_path: Path, described: Any, deleted: Any, status: Status,
        calls: list[tuple[str, dict[str, Any]]], said: list[str]) -> None:
    """Rule "Trivy task ENI" (deleting): while ECS holds it (in-use) the run waits and says so;
    released by ECS counts as deleted; left available, it is deleted; gone before, or during
    the delete, is already gone."""
    client = Ec2(describe_network_interfaces=described, delete_network_interface=deleted)
    ctx, told = _ctx(tmp_path, client, eni_timeout=30, poll_interval=0.001)
    assert vpc.NetworkInterface().delete(ctx, _res("network-interface", ENI)) is status
    assert client.calls == calls
    assert told == said


def test_rule_task_eni_delete_is_audited_and_other_errors_fail(tmp_path: Path) -> None:
    """Rule "audit log" and "gone means not found" (ENI): the delete is recorded under the ENI;
    an error other than its not-found (AWS refusing an ENI still attached) fails it."""
    client = Ec2(describe_network_interfaces=_eni("available"),
                 delete_network_interface=[{}, error("InvalidParameterValue")])
    ctx, _ = _ctx(tmp_path, client)
    assert vpc.NetworkInterface().delete(ctx, _res("network-interface", ENI)) is Status.DELETED
    with pytest.raises(ClientError, match="InvalidParameterValue"):
        vpc.NetworkInterface().delete(ctx, _res("network-interface", ENI))
    assert _audited(tmp_path) == [
        ("ec2:DeleteNetworkInterface", ENI, OK, REGION),
        ("ec2:DeleteNetworkInterface", ENI, "InvalidParameterValue", REGION)]


def test_rule_task_eni_wait_is_bounded_by_the_timeout(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Trivy task ENI" (deleting): the wait ends at --eni-timeout, counted from before
    the first look, with advice naming the ENI and the timeout; nothing is deleted."""
    clock = iter([1000.0, 1000.0, 1089.0, 1090.0])
    monkeypatch.setattr("migrate.kinds.vpc.time.monotonic", lambda: next(clock))
    client = Ec2(describe_network_interfaces=_eni("in-use"))
    ctx, told = _ctx(tmp_path, client, eni_timeout=90, poll_interval=0.001)
    with pytest.raises(CannotDelete) as caught:
        vpc.NetworkInterface().delete(ctx, _res("network-interface", ENI))
    assert str(caught.value) == (
        f"{ENI} is still in use after 90s; ECS releases a stopped task's ENI within minutes: "
        "run apply again later (plan keeps listing the ENI and its VPC for deletion until then)")
    assert told == [WAITING, WAITING]
    assert client.calls == [DESCRIBE_ENI] * 3


def test_rule_task_eni_wait_stops_on_ctrl_c(tmp_path: Path) -> None:
    """Rule "Ctrl-C" (ENI): an interrupt during the wait stops it at once, saying the ENI is
    still waited for; nothing is deleted."""
    client = Ec2(describe_network_interfaces=_eni("in-use"))
    ctx, told = _ctx(tmp_path, client, eni_timeout=3600, poll_interval=3600)
    ctx.stop.set()
    with pytest.raises(StopRequested) as caught:
        vpc.NetworkInterface().delete(ctx, _res("network-interface", ENI))
    assert str(caught.value) == ("interrupted (Ctrl-C) while waiting for ECS to release this "
                                 "ENI; run apply again to finish")
    assert told == [WAITING]
    assert client.calls == [DESCRIBE_ENI]


@pytest.mark.parametrize(("described", "exists"), [
    (_eni("in-use"), True), (_eni("available"), True), (_eni(None), False), (ENI_GONE, False)])
def test_rule_task_eni_exists_until_not_listed(tmp_path: Path, described: Any,
                                               exists: bool) -> None:
    """Rule "gone means not found" (ENI): described in any state is there; an empty answer or
    its not-found is gone."""
    client = Ec2(describe_network_interfaces=described)
    ctx, _ = _ctx(tmp_path, client)
    assert vpc.NetworkInterface().exists(ctx, _res("network-interface", ENI)) is exists
    assert client.calls == [DESCRIBE_ENI]


# --- security group, subnet, VPC: one call each -----------------------------------------------

ONE_CALL = [
    (vpc.SECURITY_GROUP, "sg-trivy", "delete_security_group", {"GroupId": "sg-trivy"},
     "ec2:DeleteSecurityGroup", "describe_security_groups", {"GroupIds": ["sg-trivy"]},
     "InvalidGroup.NotFound"),
    (vpc.SUBNET, "subnet-trivy", "delete_subnet", {"SubnetId": "subnet-trivy"},
     "ec2:DeleteSubnet", "describe_subnets", {"SubnetIds": ["subnet-trivy"]},
     "InvalidSubnetID.NotFound"),
    (vpc.VPC, VPC_ID, "delete_vpc", {"VpcId": VPC_ID}, "ec2:DeleteVpc", "describe_vpcs",
     {"VpcIds": [VPC_ID]}, "InvalidVpcID.NotFound"),
]
ONE_CALL_IDS = ["security-group", "subnet", "vpc"]


@pytest.mark.parametrize(("kind", "id_", "call", "params", "operation", "describe",
                          "asked", "gone"), ONE_CALL, ids=ONE_CALL_IDS)
def test_rule_one_call_kind_deleted_retrying_dependency_violation(
        tmp_path: Path, kind: vpc.OneCallKind, id_: str, call: str, params: dict[str, Any],
        operation: str, describe: str, asked: dict[str, Any], gone: str) -> None:
    """Rule "security group, subnet, VPC" (deleting): one delete call, retried (bounded) while
    AWS answers DependencyViolation (the ENIs and gateway inside still going), each attempt
    audited under the resource; its not-found during the delete is already gone."""
    client = Ec2(**{call: [error(DEPENDENCY), error(DEPENDENCY), {}]})
    ctx, told = _ctx(tmp_path, client)
    assert kind.delete(ctx, _res(kind.name, id_)) is Status.DELETED
    assert client.calls == [(call, params)] * 3
    assert told == _retry(f"delete {id_}", 1, 2)
    assert _audited(tmp_path) == [(operation, id_, DEPENDENCY, REGION)] * 2 + [
        (operation, id_, OK, REGION)]
    meanwhile = Ec2(**{call: error(gone)})
    assert kind.delete(_ctx(tmp_path, meanwhile)[0], _res(kind.name, id_)) is Status.ALREADY_GONE
    for code, attempts in ((DEPENDENCY, RETRIES), ("UnauthorizedOperation", 1)):
        failing = Ec2(**{call: error(code)})
        with pytest.raises(ClientError, match=code):
            kind.delete(_ctx(tmp_path, failing)[0], _res(kind.name, id_))
        assert len(failing.calls) == attempts


@pytest.mark.parametrize(("kind", "id_", "call", "params", "operation", "describe",
                          "asked", "gone"), ONE_CALL, ids=ONE_CALL_IDS)
def test_rule_one_call_kind_exists_until_not_found(
        tmp_path: Path, kind: vpc.OneCallKind, id_: str, call: str, params: dict[str, Any],
        operation: str, describe: str, asked: dict[str, Any], gone: str) -> None:
    """Rule "gone means not found" (security group, subnet, VPC): described by its ID is there,
    its not-found is gone."""
    client = Ec2(**{describe: [{}, error(gone)]})
    ctx, _ = _ctx(tmp_path, client)
    assert kind.exists(ctx, _res(kind.name, id_)) is True
    assert kind.exists(ctx, _res(kind.name, id_)) is False
    assert client.calls == [(describe, asked)] * 2


# --- discovery's own calls --------------------------------------------------------------------

TAG = [{"Key": "name", "Value": NAME}]
TAGS_ASKED = ("describe_tags", {"Filters": [
    {"Name": "resource-type", "Values": ["vpc", "internet-gateway"]},
    {"Name": "key", "Values": ["name", "Name"]},
    {"Name": "value", "Values": [NAME]}]})


def _tags(*resources: tuple[str, str]) -> dict[str, Any]:
    return {"Tags": [{"ResourceType": kind, "ResourceId": id_, "Key": "name", "Value": NAME}
                     for kind, id_ in resources]}


def _discover(world: dict[str, Any], task_enis: frozenset[str] = frozenset(),
              cluster_active: bool = False) -> tuple[list[Resource], FakeClient]:
    ctx = fake_ctx(ACCOUNT, REGION, ec2=world)
    found = vpc.discover(ctx, set(task_enis), cluster_active)
    return found, ctx.account.clients["ec2"]  # type: ignore[attr-defined]


def test_rule_trivy_tag_search_asks_once_for_both_kinds() -> None:
    """Rule "Trivy tag": one DescribeTags call, for VPCs and internet gateways carrying either
    spelling of the tag key with the scanner's value, finds the candidates; an account without
    any (an answer with no Tags at all, as AWS gives) costs nothing more and finds nothing."""
    found, client = _discover({"describe_tags": {}})
    assert found == []
    assert client.calls == [TAGS_ASKED]


def test_rule_trivy_vpc_and_gateway_gone_between_two_calls_are_not_found() -> None:
    """Rule "gone is gone": a VPC or gateway tagged in DescribeTags but no longer described
    (deleted meanwhile; AWS's answer then has no list) gives no row, and each is described
    by its own ID only."""
    found, client = _discover({"describe_tags": _tags(("vpc", VPC_ID), ("internet-gateway",
                                                                        IGW)),
                               "describe_vpcs": {}, "describe_internet_gateways": {}})
    assert found == []
    assert client.calls == [
        TAGS_ASKED,
        ("describe_vpcs", {"Filters": [{"Name": "vpc-id", "Values": [VPC_ID]}]}),
        ("describe_internet_gateways", {"Filters": [{"Name": "internet-gateway-id",
                                                     "Values": [IGW]}]})]


@pytest.mark.parametrize("attachments", [{"Attachments": []}, {}],
                         ids=["empty-attachments", "no-attachments-key"])
def test_rule_detached_trivy_gateway_row_in_full(attachments: dict[str, Any]) -> None:
    """Rule "Trivy VPC": a Trivy-tagged gateway attached to no VPC (an interrupted run) is
    deleted on its own, with no parent, and says why."""
    found, _ = _discover({
        "describe_tags": [{"ResourceType": "internet-gateway", "ResourceId": IGW,
                           "Key": "name", "Value": NAME}],
        "describe_internet_gateways": [{"InternetGatewayId": IGW, "Tags": TAG,
                                        **attachments}]})
    assert found == [Resource(ACCOUNT, REGION, "internet-gateway", IGW, Action.DELETE,
                              "Trivy-tagged internet gateway, already detached from its VPC")]


def _tagged_vpc(cidr: str) -> dict[str, Any]:
    return {"describe_tags": [{"ResourceType": "vpc", "ResourceId": VPC_ID, "Key": "name",
                               "Value": NAME}],
            "describe_vpcs": [{"VpcId": VPC_ID, "CidrBlock": cidr, "IsDefault": False,
                               "Tags": TAG}]}


def test_rule_trivy_vpc_unlike_is_kept_without_looking_inside() -> None:
    """Rule "Trivy VPC": a tagged VPC with another CIDR is one KEEP row (its CIDR shown), and
    nothing inside it is listed."""
    found, client = _discover(_tagged_vpc("10.1.0.0/16"))
    assert found == [Resource(
        ACCOUNT, REGION, "vpc", VPC_ID, Action.KEEP,
        "tagged like the Trivy VPC but its CIDR is 10.1.0.0/16, not 10.0.0.0/16",
        details={"cidr": "10.1.0.0/16"})]
    assert [op for op, _ in client.calls] == ["describe_tags", "describe_vpcs"]


@pytest.mark.parametrize("listing", ["describe_subnets", "describe_instances"])
def test_rule_trivy_vpc_deleted_while_looked_into_is_gone(listing: str) -> None:
    """Rule "gone is gone": a VPC deleted while its contents are listed (the listing answers
    InvalidVpcID.NotFound) gives no row; any other refusal of the scanner's own listings is an
    error, never an empty VPC."""
    world = {**_tagged_vpc("10.0.0.0/16"), listing: error("InvalidVpcID.NotFound")}
    assert _discover(world)[0] == []
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        _discover({**world, "describe_subnets": error("UnauthorizedOperation", 403)})


def test_rule_trivy_vpc_listings_without_their_list_hold_nothing() -> None:
    """Rule "Trivy VPC holds only the scanner's": AWS leaves an empty list out of its answer;
    every listing of an empty VPC answered so is nothing inside (the VPC alone is deleted),
    never a crash."""
    listings = [*vpc_checks.OWN.values(), *(
        c.source for c in vpc_checks.CHECKS if isinstance(c.source, vpc_checks.Listing))]
    ctx = fake_ctx(ACCOUNT, REGION, ec2=_tagged_vpc("10.0.0.0/16"))
    for listing in listings:
        ctx.account.clients.setdefault(  # type: ignore[attr-defined]
            listing.service, FakeClient()).answers[listing.operation] = {}
    found = vpc.discover(ctx, set(), False)
    assert [(r.account, r.region, r.kind, r.id, r.action) for r in found] == [
        (ACCOUNT, REGION, "vpc", VPC_ID, Action.DELETE)]
    asked = {(s, op) for s, c in ctx.account.clients.items()  # type: ignore[attr-defined]
             for op, _ in c.calls}
    assert {(x.service, x.operation) for x in listings} <= asked


def test_rule_private_hosted_zones_asked_for_this_regions_vpc() -> None:
    """Rule "Trivy VPC holds only the scanner's": Route 53 names a VPC by ID and region; the
    private hosted zones are asked for the Trivy VPC in the region being scanned."""
    ctx = fake_ctx(ACCOUNT, REGION, ec2=_tagged_vpc("10.0.0.0/16"))
    vpc.discover(ctx, set(), False)
    route53 = ctx.account.clients["route53"]  # type: ignore[attr-defined]
    assert route53.calls == [("list_hosted_zones_by_vpc", {"VPCId": VPC_ID,
                                                           "VPCRegion": REGION})]


def test_rule_attached_trivy_gateway_is_deleted_with_its_vpc_only() -> None:
    """Rule "Trivy VPC": a Trivy-tagged gateway attached to the Trivy VPC is one row, inside
    that VPC; only a detached one stands on its own."""
    gateway = {"InternetGatewayId": IGW, "Tags": TAG,
               "Attachments": [{"VpcId": VPC_ID, "State": "available"}]}
    world = _tagged_vpc("10.0.0.0/16")
    world["describe_tags"].append({"ResourceType": "internet-gateway", "ResourceId": IGW,
                                   "Key": "name", "Value": NAME})
    world["describe_internet_gateways"] = [gateway]
    found, _ = _discover(world)
    assert [(r.kind, r.id, r.action, r.parent) for r in found] == [
        ("internet-gateway", IGW, Action.DELETE, VPC_ID), ("vpc", VPC_ID, Action.DELETE, None)]


def test_rule_trivy_vpc_contents_read_on_every_page() -> None:
    """Rule "Trivy VPC holds only the scanner's": AWS answers a listing page by page; what
    keeps the VPC on a later page (an instance, a subnet the scanner did not create) keeps it
    as surely as on the first."""
    world = _tagged_vpc("10.0.0.0/16")
    world["describe_instances"] = [
        {"Instances": [{"InstanceId": f"i-{n}", "VpcId": VPC_ID, "State": {"Name": "running"}}]}
        for n in (1, 2)]
    world["describe_subnets"] = [
        {"SubnetId": "subnet-trivy", "VpcId": VPC_ID, "CidrBlock": "10.0.1.0/24", "Tags": TAG},
        {"SubnetId": "subnet-app", "VpcId": VPC_ID, "CidrBlock": "10.0.2.0/24"}]
    ctx = fake_ctx(ACCOUNT, REGION, ec2=world)
    ctx.account.clients["ec2"].page_size = 1  # type: ignore[attr-defined]
    row = next(r for r in vpc.discover(ctx, set(), False) if r.kind == "vpc")
    assert row.action is Action.KEEP
    assert "EC2 instance i-2" in row.details["foreign"]
    assert [f for f in row.details["foreign"] if "subnet-app" in f]


@pytest.mark.parametrize(("listing", "code"), [
    ("describe_carrier_gateways", "RequestLimitExceeded"),
    ("describe_instances", "UnauthorizedOperation"),
    ("describe_nat_gateways", "AccessDenied"),
], ids=["refusable-listing-throttled", "instances-refused", "nat-gateways-refused"])
def test_rule_trivy_vpc_scan_fails_when_a_listing_fails(listing: str, code: str) -> None:
    """Rule "Trivy VPC holds only the scanner's": only the listings that may be refused (and
    then keep the VPC as "cannot be ruled out") tolerate a refusal, and only a refusal; an
    instance or NAT listing refused, or any listing throttled, fails the scan: the VPC is
    never judged on a listing that was not made."""
    world = {**_tagged_vpc("10.0.0.0/16"), listing: error(code, 403)}
    with pytest.raises(ClientError, match=code):
        _discover(world)
