"""Rules of the run's context (`migrate.context.Ctx`), pure: every mutating call is audited
whatever happens to it, a call without an answer becomes an unknown outcome, Ctrl-C stops before
the next call, and retries are bounded and said."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from migrate.audit import OK, RECHECK, UNKNOWN, AuditLog
from migrate.aws import Account
from migrate.context import Ctx, Settings, StopRequested, TypedClient, UnknownOutcome
from migrate.model import Action, Resource
from tests.migrate.fakeaws import FakeClient, error

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass
class RegionalAccount:
    """Like fakeaws's account, but a client per (service, region): which region a call went to
    is part of the rule."""

    id: str
    clients: dict[tuple[str, str], FakeClient] = field(default_factory=dict)

    def client(self, service: str, region: str) -> FakeClient:
        client = self.clients.setdefault((service, region), FakeClient())
        client.service, client.region = service, region  # what the audit names a call by
        return client

    @contextmanager
    def active(self) -> Iterator[None]:
        yield


def _ctx(tmp_path: Path, **answers: Any) -> tuple[Ctx, RegionalAccount, Path]:
    account = RegionalAccount(ACCOUNT, {("ec2", REGION): FakeClient(dict(answers))})
    path = tmp_path / "audit.jsonl"
    ctx = Ctx(cast(Account, account), REGION, audit=AuditLog(path), stop=threading.Event())
    return ctx, account, path


def _records(path: Path) -> list[dict[str, Any]]:
    found = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in found:
        assert record.pop("time")
    return found


def test_rule_audit_every_mutating_call_ok(tmp_path: Path) -> None:
    """Rule "audit log": a call that succeeds is recorded `ok` with its account, region,
    service:operation and resource; the answer and the parameters pass through unchanged."""
    ctx, account, path = _ctx(tmp_path, delete_vpc={"Return": True})
    answer: object = ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    assert answer == {"Return": True}
    assert account.clients[("ec2", REGION)].calls == [("delete_vpc", {"VpcId": "vpc-1"})]
    assert _records(path) == [{"account": ACCOUNT, "region": REGION, "operation": "ec2:DeleteVpc",
                               "resource": "vpc-1", "result": OK}]


def test_rule_audit_call_in_another_region(tmp_path: Path) -> None:
    """Rule "audit log": a call made in another region than the context's (S3's bucket region)
    goes to that region's client and is recorded there."""
    ctx, account, path = _ctx(tmp_path)
    ctx.audited(ctx.s3("eu-central-1").delete_bucket, "b", Bucket="b")
    assert account.clients[("s3", "eu-central-1")].calls == [("delete_bucket", {"Bucket": "b"})]
    assert ("s3", REGION) not in account.clients
    assert _records(path)[0]["region"] == "eu-central-1"


def test_rule_audit_aws_error_is_recorded_and_raised(tmp_path: Path) -> None:
    """Rule "audit log": an AWS error is recorded with its code and message, then raised as
    it is (the kind decides whether it means gone); an error without a code reads `Error`."""
    ctx, _, path = _ctx(tmp_path, delete_vpc=error("DependencyViolation"),
                        delete_subnet=ClientError({"Error": {}}, "DeleteSubnet"))
    with pytest.raises(ClientError, match="DependencyViolation"):
        ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    with pytest.raises(ClientError):
        ctx.audited(ctx.ec2().delete_subnet, "subnet-1", SubnetId="subnet-1")
    assert _records(path) == [
        {"account": ACCOUNT, "region": REGION, "operation": "ec2:DeleteVpc",
         "resource": "vpc-1", "result": "DependencyViolation",
         "error": "DependencyViolation: DependencyViolation (fake)"},
        {"account": ACCOUNT, "region": REGION, "operation": "ec2:DeleteSubnet",
         "resource": "subnet-1", "result": "Error", "error": "Error"}]


class _NoAnswer(FakeClient):
    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.exc = exc

    def answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        raise self.exc


def test_rule_no_answer_is_an_unknown_outcome(tmp_path: Path) -> None:
    """Rule "unknown outcome": a call without an answer (read timeout) is recorded `unknown`
    with what happened, and raised as UnknownOutcome (a per-resource failure that a re-check
    settles), chained to the cause."""
    ctx, account, path = _ctx(tmp_path)
    timeout = ReadTimeoutError(endpoint_url="https://ec2")
    account.clients[("ec2", REGION)] = _NoAnswer(timeout)
    with pytest.raises(UnknownOutcome) as caught:
        ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    error_text = f"ReadTimeoutError: {timeout}"
    assert str(caught.value) == (f"no answer from AWS to ec2:DeleteVpc ({error_text}); it may or "
                                 "may not have been done")
    assert caught.value.__cause__ is timeout
    assert _records(path) == [{"account": ACCOUNT, "region": REGION,
                               "operation": "ec2:DeleteVpc", "resource": "vpc-1",
                               "result": UNKNOWN, "error": error_text}]


def test_rule_ctrl_c_during_a_call_is_audited_unknown_and_stops(tmp_path: Path) -> None:
    """Rule "unknown outcome": Ctrl-C while a call is in flight is recorded `unknown` and goes
    on as Ctrl-C (it stops the run; it is not one resource's failure)."""
    ctx, account, path = _ctx(tmp_path)
    account.clients[("ec2", REGION)] = _NoAnswer(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    assert _records(path) == [{"account": ACCOUNT, "region": REGION,
                               "operation": "ec2:DeleteVpc", "resource": "vpc-1",
                               "result": UNKNOWN, "error": "KeyboardInterrupt: KeyboardInterrupt"}]


def test_rule_judged_answer_is_recorded_as_judged(tmp_path: Path) -> None:
    """Rule "audit log": an answer that reports failures of its own (DeleteObjects' Errors) is
    recorded with the judge's result and fields."""
    ctx, account, path = _ctx(tmp_path)
    account.clients[("s3", REGION)] = FakeClient({"delete_objects": {"Errors": [{"Key": "k"}]}})
    answer: object = ctx.judged(lambda a: ("partial", {"failed": len(a.get("Errors", []))}),
                                ctx.s3().delete_objects, "b", Bucket="b", Delete={"Objects": []})
    assert answer == {"Errors": [{"Key": "k"}]}
    assert _records(path) == [{"account": ACCOUNT, "region": REGION,
                               "operation": "s3:DeleteObjects", "resource": "b",
                               "result": "partial", "failed": 1}]


def test_rule_ctrl_c_stops_before_the_next_call(tmp_path: Path) -> None:
    """Rule "Ctrl-C": once stop is requested, no further mutating call is made or recorded."""
    ctx, account, path = _ctx(tmp_path)
    ctx.stop.set()
    with pytest.raises(StopRequested):
        ctx.audited(ctx.ec2().delete_vpc, "vpc-1", VpcId="vpc-1")
    assert account.clients[("ec2", REGION)].calls == []
    assert path.read_text(encoding="utf-8") == ""


def test_rule_recheck_is_recorded(tmp_path: Path) -> None:
    """Rule "unknown outcome": the re-check that settles an unknown call is recorded as found
    (exists or gone) with the resource's kind; while planning nothing is recorded."""
    ctx, _, path = _ctx(tmp_path)
    res = Resource(ACCOUNT, REGION, "vpc", "vpc-1", Action.DELETE, "why")
    ctx.recheck(res, True)
    ctx.recheck(res, False)
    assert _records(path) == [
        {"account": ACCOUNT, "region": REGION, "operation": RECHECK, "resource": "vpc-1",
         "result": result, "kind": "vpc"} for result in ("exists", "gone")]
    planning = Ctx(ctx.account, REGION)
    planning.recheck(res, True)  # no audit log: must not raise
    assert len(_records(path)) == 2


class _Clock(threading.Event):
    """A stop event whose waits return at once and are remembered."""

    def __init__(self, stop_after: int | None = None) -> None:
        super().__init__()
        self.waits: list[float] = []
        self.stop_after = stop_after

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(float(timeout or 0))
        return self.stop_after is not None and len(self.waits) >= self.stop_after


def test_rule_retry_delays_double_up_to_the_maximum_and_are_said() -> None:
    """Rule "bounded retries": the delay starts at the base, doubles, is capped at the maximum,
    and each retry says which error, which attempt and how long."""
    account = RegionalAccount(ACCOUNT)
    clock = _Clock()
    said: list[str] = []
    ctx = Ctx(cast(Account, account), REGION, stop=clock, say=said.append,
              settings=Settings(retry_attempts=5, retry_base_delay=2, retry_max_delay=5))

    def busy() -> None:
        raise error("DependencyViolation")

    with pytest.raises(ClientError):
        ctx.retrying(["DependencyViolation"], "delete vpc-1", busy)
    assert clock.waits == [2, 4, 5, 5]
    assert said == [f"delete vpc-1: DependencyViolation, retry {n} in {d}s"
                    for n, d in ((1, 2), (2, 4), (3, 5), (4, 5))]


def test_rule_ctrl_c_during_a_retry_wait_stops() -> None:
    """Rule "Ctrl-C": a stop requested while waiting to retry ends the retries at once."""
    clock = _Clock(stop_after=1)
    calls: list[int] = []
    ctx = Ctx(cast(Account, RegionalAccount(ACCOUNT)), REGION, stop=clock)

    def busy() -> None:
        calls.append(1)
        raise error("DependencyViolation")

    with pytest.raises(StopRequested):
        ctx.retrying({"DependencyViolation"}, "x", busy)
    assert calls == [1]


def test_rule_retries_make_at_least_one_attempt() -> None:
    """Rule "bounded retries": a setting of fewer than one attempt is refused (it would make no
    call at all); one attempt is one call, not retried."""
    with pytest.raises(ValueError, match=r"^retry_attempts must be at least 1, not 0$"):
        Settings(retry_attempts=0)
    calls: list[int] = []
    ctx = Ctx(cast(Account, RegionalAccount(ACCOUNT)), REGION, settings=Settings(retry_attempts=1))

    def busy() -> None:
        calls.append(1)
        raise error("DependencyViolation")

    with pytest.raises(ClientError):
        ctx.retrying({"DependencyViolation"}, "x", busy)
    assert calls == [1]


class _Positional(FakeClient):
    """A client whose method also takes positional arguments (botocore's take keywords only)."""

    def put_thing(self, *args: Any, **params: Any) -> dict[str, bool]:
        self.calls.append(("put_thing", {"args": args, **params}))
        return {"ok": True}


def test_rule_audited_call_gets_every_argument(tmp_path: Path) -> None:
    """Rule "audit log": the call made is exactly the one recorded: `audited` and `judged` hand
    it every argument they were given, positional ones too."""
    ctx, _, path = _ctx(tmp_path)
    client = _Positional(service="ec2", region=REGION)
    ctx.audited(client.put_thing, "r-1", "a", "b", Key="k")
    ctx.judged(lambda _: (OK, {}), client.put_thing, "r-2", "c", Key="k")
    assert client.calls == [("put_thing", {"args": ("a", "b"), "Key": "k"}),
                            ("put_thing", {"args": ("c",), "Key": "k"})]
    assert [r["operation"] for r in _records(path)] == ["ec2:PutThing", "ec2:PutThing"]


def test_rule_only_a_clients_method_is_audited(tmp_path: Path) -> None:
    """Rule "audit log": a call that is not an AWS client's method (nothing to name it by in
    the log) is refused before it is made, with a clear error, and nothing is recorded."""
    ctx, _, path = _ctx(tmp_path)
    made: list[str] = []

    def plain(**_: Any) -> None:
        made.append("plain")

    class NotAClient:
        def delete(self, **_: Any) -> None:
            made.append("method")

    for call in (plain, NotAClient().delete):
        with pytest.raises(TypeError, match=r"^not an AWS client's method: <"):
            ctx.audited(call, "r-1")
    assert made == []
    assert path.read_text(encoding="utf-8") == ""


def test_rule_a_typed_client_is_the_runs_client_for_its_service() -> None:
    """Rule "one client per account and region": a typed accessor (`ctx.ec2()`) is the run's
    client for its own service, in the context's region unless another is given."""

    class WithQueues(Ctx):
        sqs: ClassVar[TypedClient[Any]] = TypedClient("sqs")

    account = RegionalAccount(ACCOUNT)
    ctx = WithQueues(cast(Account, account), REGION)
    assert ctx.sqs() is account.clients[("sqs", REGION)]
    assert ctx.sqs("eu-west-1") is account.clients[("sqs", "eu-west-1")]
    assert set(account.clients) == {("sqs", REGION), ("sqs", "eu-west-1")}
