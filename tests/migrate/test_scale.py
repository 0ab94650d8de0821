"""Organization scale: shared clients, server-side filters, call budget, credential refresh,
per-account failures."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import botocore.session
import pytest

import migrate.aws as aws_module
from localaws import seed
from localaws.calls import record_calls
from localaws.org import Noise, seed_noise
from migrate.aws import Account, SessionFactory
from migrate.errors import EXIT_FAILED
from tests.conftest import OTHER, ROLE, assumed
from tests.migrate.conftest import ACCOUNT, Harness

THIRD = "333333333333"
REGIONS = ("us-east-1", "eu-central-1")
# More of each than one page of the unfiltered listing holds (ListRoles 100, DescribeLogGroups
# 50, ListBuckets everything): a scan that listed them would make more calls.
NOISE = Noise(roles=120, log_groups=120, stacks=3, vpcs=2, buckets=12, clusters=2,
              task_families=2)


def plan_calls(harness: Harness, *args: str) -> Counter[str]:
    harness.reset_calls()
    result = harness.run("trivy", "plan", *args)
    assert result.exit_code == 0, result.stderr
    return Counter(c.operation for c in harness.calls)


def test_calls_do_not_grow_with_what_else_the_account_holds(
        aws: boto3.Session, harness: Harness) -> None:
    quiet = plan_calls(harness)
    seed_noise(ACCOUNT, REGIONS, NOISE)
    noisy = plan_calls(harness)

    assert noisy == quiet
    # The budget of an account without leftovers, both regions (docs/reference.md §9): 16 for
    # the scan, and 2 for the scanner's policies (GetPolicy x 2); the ListRoles listing answers
    # the scanner's roles and the MDVM readiness gate (no GetRole), and no task definition is
    # read (no role to delete).
    assert sum(noisy.values()) - noisy["GetCallerIdentity"] == 18
    assert (noisy["GetRole"], noisy["GetPolicy"]) == (0, 2)
    assert noisy["DescribeTaskDefinition"] == noisy["ListTaskDefinitions"] == 0
    listings = [c for c in harness.calls if c.operation in ("DescribeLogGroups", "ListBuckets")]
    assert {c.params.get("logGroupNamePattern") for c in listings
            if c.operation == "DescribeLogGroups"} == {"ontainers", "rivy"}
    assert all(c.params.get("Prefix") == "defender-for-containers" for c in listings
               if c.operation == "ListBuckets")


def test_filtered_listings_still_find_every_lookalike(aws: boto3.Session,
                                                      harness: Harness) -> None:
    seed_noise(ACCOUNT, REGIONS, NOISE)
    logs = aws.client("logs", region_name="us-east-1")
    for name in ("/ecs/defender-for-containers-va", "/aws/ecs/DefenderForContainers",
                 "TrivyScans", "trivy-db-cache", "/aws/lambda/containers-api"):
        logs.create_log_group(logGroupName=name)
    seed.create_bucket(aws.client("s3"), "defender-for-containers-vault-logs", "us-east-1")

    result, doc = harness.json("trivy", "plan")

    assert result.exit_code == 0, result.stderr
    found = {(r["kind"], r["id"]) for r in doc["resources"]}
    assert {("log-group", "/ecs/defender-for-containers-va"),
            ("log-group", "/aws/ecs/DefenderForContainers"), ("log-group", "TrivyScans"),
            ("log-group", "trivy-db-cache"),
            ("s3-bucket", "defender-for-containers-vault-logs")} <= found
    assert ("log-group", "/aws/lambda/containers-api") not in found
    assert not any(r["id"].startswith(("/aws/lambda/service-", "data-", "app-"))
                   for r in doc["resources"])


def test_tagged_vpc_without_a_tagged_gateway_is_still_inspected(
        aws: boto3.Session, harness: Harness) -> None:
    ids = seed.seed_trivy_leftovers(aws, "us-east-1", tag_key="Name")
    _, doc = harness.json("trivy", "plan", "--regions", "us-east-1")
    deletes = {(r["kind"], r["id"]) for r in doc["resources"] if r["action"] == "delete"}
    assert ("vpc", ids.vpc_id) in deletes
    assert ("internet-gateway", ids.internet_gateway_id) in deletes
    # Untagged look-alike VPCs are never described one by one.
    described = [c for c in harness.calls if c.operation == "DescribeVpcs"]
    assert [c.params["Filters"][0]["Values"] for c in described] == [[ids.vpc_id]]


def test_one_session_and_one_set_of_clients_serve_every_account(
        aws: boto3.Session, harness: Harness) -> None:
    for account in (OTHER, THIRD):
        seed.seed_trivy_leftovers(assumed(account), "us-east-1")

    def sessions_and_clients(accounts: str) -> tuple[int, int]:
        harness.reset_calls()
        result, _doc = harness.json("trivy", "plan", "--accounts", accounts, "--role-name", ROLE)
        assert result.exit_code == 0, result.stderr
        assert harness.app is not None
        return len(harness.logs), len(harness.app.factory._clients)

    assert sessions_and_clients(OTHER) == sessions_and_clients(f"{ACCOUNT},{OTHER},{THIRD}")
    assert len(harness.logs) == 2  # the caller's own session, and the one behind the clients


def test_each_account_is_scanned_with_its_own_credentials(
        aws: boto3.Session, harness: Harness) -> None:
    ids = {a: seed.seed_trivy_leftovers(assumed(a), "us-east-1") for a in (OTHER, THIRD)}
    ids[ACCOUNT] = seed.seed_trivy_leftovers(aws, "us-east-1")

    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1", "--accounts",
                               f"{ACCOUNT},{OTHER},{THIRD}", "--role-name", ROLE)

    assert result.exit_code == 0, result.stderr
    vpcs = {(r["account"], r["id"]) for r in doc["resources"] if r["kind"] == "vpc"}
    assert vpcs == {(a, i.vpc_id) for a, i in ids.items()}
    assert Counter(c.params["RoleArn"] for c in harness.calls if c.operation == "AssumeRole") \
        == Counter({f"arn:aws:iam::{OTHER}:role/{ROLE}": 1,
                    f"arn:aws:iam::{THIRD}:role/{ROLE}": 1})
    assert doc["summary"]["accounts_done"] == 3


def test_results_do_not_depend_on_concurrency_across_accounts(
        aws: boto3.Session, harness: Harness) -> None:
    for account in (OTHER, THIRD):
        seed.seed_trivy_leftovers(assumed(account), "eu-central-1")
        seed.seed_lookalikes(assumed(account), "us-east-1", bucket_names=(f"x-{account}",))
    targeting = ("--accounts", f"{ACCOUNT},{OTHER},{THIRD}", "--role-name", ROLE)

    _, one = harness.json("trivy", "plan", *targeting, "--concurrency", "1")
    _, auto = harness.json("trivy", "plan", *targeting)

    assert one["resources"]
    assert one["resources"] == auto["resources"]


def test_assumed_role_credentials_are_refreshed_before_they_expire(aws: boto3.Session) -> None:
    logs = []
    factory = SessionFactory(hook=lambda s: logs.append(record_calls(s)))
    now = [datetime.now(UTC)]
    account = Account(OTHER, factory, f"arn:aws:iam::{OTHER}:role/{ROLE}",
                      clock=lambda: now[0])

    def call() -> str:
        with account.active():
            return account.sts("us-east-1").get_caller_identity()["Account"]

    def key() -> str:
        return str(account.credentials().get_frozen_credentials().access_key)

    def assumes() -> int:
        return sum(c.operation == "AssumeRole" for log in logs for c in log)

    assert call() == OTHER
    first = key()
    assert call() == OTHER
    assert assumes() == 1
    assert key() == first
    # 50 minutes later: less than botocore's 15-minute advisory window is left of the hour that
    # a chained role session lasts at most, so the next call assumes the role again.
    now[0] += timedelta(minutes=50)
    assert call() == OTHER
    assert assumes() == 2
    now[0] = datetime.now(UTC)  # the new credentials are fresh again
    assert key() != first
    assert call() == OTHER
    assert assumes() == 2


def test_an_account_whose_role_cannot_be_assumed_is_reported_and_others_go_on(
        aws: boto3.Session, harness: Harness) -> None:
    third = seed.seed_trivy_leftovers(assumed(THIRD), "us-east-1")
    # Units start in order (the caller's account needs no role): the first AssumeRole is OTHER's.
    harness.rules.fail_next("AssumeRole", "AccessDenied", times=1,
                            message="not authorized to perform sts:AssumeRole")

    result, doc = harness.json("trivy", "plan", "--accounts", f"{ACCOUNT},{OTHER},{THIRD}",
                               "--role-name", ROLE, "--concurrency", "1")

    assert result.exit_code == EXIT_FAILED
    assert doc["errors"] == [{"account": OTHER, "region": "*", "error": (
        f"cannot assume arn:aws:iam::{OTHER}:role/{ROLE}: AccessDenied: not authorized to "
        "perform sts:AssumeRole; check that the role exists in the account and trusts the "
        "caller")}]
    assert (THIRD, third.vpc_id) in {(r["account"], r["id"]) for r in doc["resources"]}
    assert {k: v for k, v in doc["summary"].items() if k.startswith("accounts_")} == {
        "accounts_done": 2, "accounts_failed": 1, "accounts_skipped": 0}
    # OTHER's three units (global, two regions) asked once, not three times.
    assert sum(c.operation == "AssumeRole" for c in harness.calls) == 2
    assert f"error: {OTHER}/*: cannot assume" in result.stderr


def test_a_denied_call_fails_that_account_only(aws: boto3.Session, harness: Harness) -> None:
    harness.rules.fail_next("ListClusters", "AccessDeniedException", times=1,
                            message="User is not authorized to perform ecs:ListClusters")
    result, doc = harness.json("trivy", "plan", "--regions", "us-east-1", "--accounts",
                               f"{ACCOUNT},{OTHER},{THIRD}", "--role-name", ROLE,
                               "--concurrency", "1")
    assert result.exit_code == EXIT_FAILED
    assert [(e["account"], e["region"]) for e in doc["errors"]] == [(ACCOUNT, "us-east-1")]
    assert doc["summary"]["accounts_failed"] == 1
    assert doc["summary"]["accounts_done"] == 2


def test_apply_deletes_in_the_reachable_accounts_and_reports_the_others(
        aws: boto3.Session, harness: Harness) -> None:
    other = seed.seed_trivy_leftovers(assumed(OTHER), "us-east-1")
    third = seed.seed_trivy_leftovers(assumed(THIRD), "us-east-1")
    harness.rules.fail_next("AssumeRole", "AccessDenied", times=1)

    result = harness.run("-o", "json", "trivy", "apply", "--yes", "--regions", "us-east-1",
                         "--accounts", f"{OTHER},{THIRD}", "--role-name", ROLE,
                         "--concurrency", "1")

    assert result.exit_code == EXIT_FAILED
    doc = json.loads(result.stdout)
    status = {(r["account"], r["kind"]): r["status"] for r in doc["resources"]
              if r["action"] == "delete"}
    assert status[(THIRD, "vpc")] == "deleted"
    assert doc["summary"]["accounts_failed"] == 1
    assert doc["summary"]["accounts_done"] == 1
    assert "1 account(s) could not be reached or scanned" in result.stderr
    assert third.vpc_id not in {v["VpcId"] for v in assumed(THIRD).client("ec2").describe_vpcs()[
        "Vpcs"]}
    assert other.vpc_id in {v["VpcId"] for v in assumed(OTHER).client("ec2").describe_vpcs()[
        "Vpcs"]}


def test_concurrent_units_of_an_account_share_one_assume_role_attempt(
        aws: boto3.Session, harness: Harness) -> None:
    seed.seed_trivy_leftovers(assumed(OTHER), "us-east-1")
    # One failure only: a second attempt by another unit of the account would succeed.
    harness.rules.fail_next("AssumeRole", "AccessDenied", times=1)

    result, doc = harness.json("trivy", "plan", "--accounts", OTHER, "--role-name", ROLE,
                               "--concurrency", "3")

    assert result.exit_code == EXIT_FAILED
    assert [(e["account"], e["region"]) for e in doc["errors"]] == [(OTHER, "*")]
    assert doc["resources"] == []
    assert sum(c.operation == "AssumeRole" for c in harness.calls) == 1


def test_apply_of_a_plan_file_goes_on_without_an_unreachable_account(
        aws: boto3.Session, harness: Harness, tmp_path: Path) -> None:
    own = seed.seed_trivy_leftovers(aws, "us-east-1")
    other = seed.seed_trivy_leftovers(assumed(OTHER), "us-east-1")
    plan = tmp_path / "plan.json"
    made = harness.run("trivy", "plan", "--regions", "us-east-1", "--accounts",
                       f"{ACCOUNT},{OTHER}", "--role-name", ROLE, "--out", str(plan))
    assert made.exit_code == 0, made.stderr
    harness.rules.fail_next("AssumeRole", "AccessDenied", times=1)

    result = harness.run("-o", "json", "trivy", "apply", str(plan), "--yes")

    assert result.exit_code == EXIT_FAILED
    doc = json.loads(result.stdout)
    status = {(r["account"], r["kind"]): (r["status"], r["error"]) for r in doc["resources"]
              if r["action"] == "delete"}
    assert status[(ACCOUNT, "vpc")] == ("deleted", None)
    assert status[(OTHER, "vpc")] == (
        "skipped", f"not attempted: account {OTHER} could not be reached or scanned")
    assert [(e["account"], e["region"]) for e in doc["errors"]] == [(OTHER, "*")]
    assert own.vpc_id not in {v["VpcId"] for v in aws.client("ec2").describe_vpcs()["Vpcs"]}
    assert other.vpc_id in {v["VpcId"] for v in assumed(OTHER).client("ec2").describe_vpcs()[
        "Vpcs"]}


def _at_once(call: Callable[[], object], workers: int = 6) -> list[object]:
    """`call()` from several threads released together, like the first units of a run."""
    start = threading.Barrier(workers)

    def one() -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda _: one(), range(workers)))


def test_workers_asking_where_a_service_exists_share_one_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each answer costs a session and the service's model: six Trivy VPCs inspected at once
    made six (0.4 s of CPU in a run of three accounts with leftovers)."""
    made: list[object] = []
    real = botocore.session.Session

    def counted() -> botocore.session.Session:
        made.append(None)
        return real()

    monkeypatch.setattr(botocore.session, "Session", counted)
    aws_module._service_regions.cache_clear()
    try:
        answers = _at_once(lambda: aws_module.service_regions("vpc-lattice"))
    finally:
        aws_module._service_regions.cache_clear()
    assert len(made) == 1
    assert all(a == answers[0] for a in answers)
    assert {"us-east-1", "eu-central-1"} <= answers[0]  # type: ignore[operator]


def test_threads_sharing_the_loader_parse_each_model_once() -> None:
    loader = aws_module._SharedLoader()
    reads: Counter[str] = Counter()
    read_file = loader.file_loader.load_file

    def counted(path: str) -> object:
        reads[path] += 1
        return read_file(path)

    loader.file_loader.load_file = counted  # type: ignore[method-assign,assignment]
    models = _at_once(lambda: loader.load_service_model("ec2", "service-2"))
    assert all(m is models[0] for m in models)
    assert reads
    assert max(reads.values()) == 1, reads


def test_sessions_on_the_shared_loader_add_nothing_to_its_search_paths(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 appends its data path to the loader of every session it makes: a session joins the
    shared loader only after that, or every account's session would add one more path to search
    (the command's sessions and the local tooling's alike)."""
    from localaws.sessions import shared_session

    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    paths = list(aws_module._LOADER.search_paths)
    factory = SessionFactory(profile=None)
    factory.base()
    for _ in range(3):
        session = shared_session(region_name="us-east-1")
        assert session._session.get_component("data_loader") is aws_module._LOADER
    assert aws_module._LOADER.search_paths == paths
