"""Rule table "gone means not found": for every kind, the AWS error codes that mean the
resource has already gone (`already-gone`, `exists` False), and that any other code (access
denied, another kind's not-found, throttling) is an error, never "gone". Driven through each
kind's `delete` and `exists` on canned answers where every call fails with that code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from migrate.audit import AuditLog
from migrate.context import CannotDelete, Ctx, Settings
from migrate.kinds import KINDS
from migrate.model import Action, Resource, Status
from tests.migrate.fakeaws import FakeClient, error, fake_ctx

ACCOUNT = "123456789012"
REGION = "us-east-1"

GONE_CODES: dict[str, tuple[str, ...]] = {
    "network-interface": ("InvalidNetworkInterfaceID.NotFound",),
    "internet-gateway": ("InvalidInternetGatewayID.NotFound",),
    "route-table": ("InvalidRouteTableID.NotFound",),
    "security-group": ("InvalidGroup.NotFound", "InvalidGroupId.NotFound"),
    "subnet": ("InvalidSubnetID.NotFound",),
    "vpc": ("InvalidVpcID.NotFound",),
    "ecs-service": ("ClusterNotFoundException", "ServiceNotFoundException",
                    "ServiceNotActiveException"),
    "ecs-task": ("ClusterNotFoundException",),
    "ecs-container-instance": ("ClusterNotFoundException",),
    "iam-role": ("NoSuchEntity",),
    "iam-policy": ("NoSuchEntity",),
    "s3-bucket": ("404", "NoSuchBucket", "NotFound"),
}
NOT_GONE = ("AccessDenied", "UnauthorizedOperation", "Throttling", "InvalidVpcID.Malformed",
            "403")


class Failing(FakeClient):
    """Every call fails with one code."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        raise error(self.code, 404 if "NotFound" in self.code or self.code == "404" else 403)


def ctx_failing(code: str, tmp_path: Path) -> Ctx:
    ctx = fake_ctx(ACCOUNT, REGION)
    for service in ("ec2", "ecs", "iam", "s3"):
        ctx.account.clients[service] = Failing(code)  # type: ignore[attr-defined]
    ctx.audit = AuditLog(tmp_path / "audit.jsonl")
    ctx.settings = Settings(retry_attempts=2, retry_base_delay=0.001, retry_max_delay=0.001,
                            eni_timeout=0.01, poll_interval=0.001)
    return ctx


def _res(kind: str) -> Resource:
    details = {"arn": f"arn:aws:iam::{ACCOUNT}:policy/P"} if kind == "iam-policy" else {}
    return Resource(ACCOUNT, REGION, kind, f"{kind}-1", Action.DELETE, "", None, details)


CASES = [(kind, code) for kind, codes in GONE_CODES.items() for code in codes]


@pytest.mark.parametrize(("kind", "code"), CASES, ids=[f"{k}-{c}" for k, c in CASES])
def test_rule_gone_codes_mean_already_gone(kind: str, code: str, tmp_path: Path) -> None:
    """Rule "gone means not found": the kind's own not-found codes are `already-gone`."""
    ctx = ctx_failing(code, tmp_path)
    assert KINDS[kind].exists(ctx, _res(kind)) is False
    assert KINDS[kind].delete(ctx, _res(kind)) is Status.ALREADY_GONE


OTHER = [(kind, code) for kind in GONE_CODES for code in NOT_GONE] + [
    (kind, other) for kind, codes in GONE_CODES.items()
    for other in ("InvalidVpcID.NotFound", "NoSuchEntity", "NoSuchBucket") if other not in codes
    and kind != "s3-bucket"]


@pytest.mark.parametrize(("kind", "code"), OTHER, ids=[f"{k}-{c}" for k, c in OTHER])
def test_rule_other_codes_are_errors_not_gone(kind: str, code: str, tmp_path: Path) -> None:
    """Rule "gone means not found": access denied, throttling or another kind's not-found is
    an error: the resource fails, it is never taken as gone."""
    ctx = ctx_failing(code, tmp_path)
    with pytest.raises(ClientError):
        KINDS[kind].delete(ctx, _res(kind))


def test_rule_ecs_cluster_gone_when_inactive_or_missing(tmp_path: Path) -> None:
    """Rule "gone means not found": DescribeClusters answers a deleted cluster as INACTIVE or
    not at all; both are gone."""
    for clusters in ([], [{"status": "INACTIVE"}]):
        ctx = fake_ctx(ACCOUNT, REGION, ecs={"describe_clusters": {"clusters": clusters}})
        ctx.audit = AuditLog(tmp_path / "audit.jsonl")
        assert KINDS["ecs-cluster"].exists(ctx, _res("ecs-cluster")) is False
        assert KINDS["ecs-cluster"].delete(ctx, _res("ecs-cluster")) is Status.ALREADY_GONE
    ctx = fake_ctx(ACCOUNT, REGION, ecs={"describe_clusters": {"clusters": [
        {"status": "ACTIVE"}]}})
    assert KINDS["ecs-cluster"].exists(ctx, _res("ecs-cluster")) is True


class EniSequence(FakeClient):
    """DescribeNetworkInterfaces answers in turn (the last repeats); the delete succeeds."""

    def __init__(self, *answers: Any) -> None:
        super().__init__({"delete_network_interface": {}})
        self.sequence = list(answers)

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        if operation == "describe_network_interfaces":
            self.calls.append((operation, params))
            now = self.sequence.pop(0) if len(self.sequence) > 1 else self.sequence[0]
            if isinstance(now, ClientError):
                raise now
            return {"NetworkInterfaces": [] if now is None else [{"Status": now}]}
        return super().answer(operation, params)


ENI_GONE = error("InvalidNetworkInterfaceID.NotFound", 400)


@pytest.mark.parametrize(("answers", "status", "deleted"), [
    (("available",), Status.DELETED, True),
    (("in-use", "in-use", "available"), Status.DELETED, True),
    (("in-use", ENI_GONE), Status.DELETED, False),
    (("in-use", None), Status.DELETED, False),
    ((ENI_GONE,), Status.ALREADY_GONE, False),
    ((None,), Status.ALREADY_GONE, False),
], ids=["available", "released-to-available", "released-by-ecs", "released-empty-answer",
        "gone", "gone-empty-answer"])
def test_rule_task_eni_waits_for_ecs(answers: tuple[Any, ...], status: Status, deleted: bool,
                                     tmp_path: Path) -> None:
    """Rule "Trivy task ENI" (deleting): wait while ECS holds it; released by ECS counts as
    deleted; left available, it is deleted; gone before, already-gone."""
    ctx = ctx_failing("unused", tmp_path)
    ctx.settings = Settings(eni_timeout=30, poll_interval=0.001)
    client = EniSequence(*answers)
    ctx.account.clients["ec2"] = client  # type: ignore[attr-defined]
    assert KINDS["network-interface"].delete(ctx, _res("network-interface")) is status
    assert (("delete_network_interface", {"NetworkInterfaceId": "network-interface-1"})
            in client.calls) is deleted


def test_rule_task_eni_wait_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule "Trivy task ENI" (deleting): still in use at the deadline (even on a clock that has
    not moved), it fails with advice instead of waiting on."""
    ctx = ctx_failing("unused", tmp_path)
    ctx.settings = Settings(eni_timeout=0, poll_interval=0.001)
    ctx.stop.set()  # a further wait would end as "interrupted", not as the timeout
    ctx.account.clients["ec2"] = EniSequence("in-use")  # type: ignore[attr-defined]
    monkeypatch.setattr("migrate.kinds.vpc.time.monotonic", lambda: 100.0)
    with pytest.raises(CannotDelete, match="network-interface-1 is still in use after 0s; ECS "
                       "releases a stopped task's ENI within minutes: run apply again later"):
        KINDS["network-interface"].delete(ctx, _res("network-interface"))
