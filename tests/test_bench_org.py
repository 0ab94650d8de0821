"""The Organization benchmark's tooling: seeding, the latency proxy's counts, moto's filters."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from localaws.org import (
    Noise,
    assumed_session,
    calls_per_account,
    latency_moto_server,
    seed_organization,
)
from localaws.server import local_aws_environment

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ("us-east-1", "eu-central-1")
SMALL = Noise(roles=7, log_groups=60, stacks=2, vpcs=1, buckets=3, clusters=1, task_families=1)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[str, object]]:
    with latency_moto_server(0.0) as (endpoint, proxy):
        for key, value in local_aws_environment(endpoint, tmp_path).items():
            monkeypatch.setenv(key, value)
        yield endpoint, proxy


def test_organization_seeding_and_per_account_counts(server: tuple[str, object]) -> None:
    _, proxy = server
    management = boto3.Session()
    org = seed_organization(management, 2, REGIONS, leftover_share=0.34, noise=SMALL)

    assert len(org.members) == 2
    assert len(org.accounts) == 3
    assert org.with_leftovers == [org.members[0]]
    listed = management.client("organizations").list_accounts()["Accounts"]
    assert {a["Id"] for a in listed} == set(org.accounts)

    proxy.take()  # type: ignore[attr-defined]
    for account in org.members:
        session = assumed_session(management, account)
        roles = session.client("iam").list_roles(MaxItems=1000)["Roles"]
        assert sum(r["RoleName"].startswith("app-") for r in roles) == SMALL.roles
        for region in REGIONS:
            logs = session.client("logs", region_name=region)
            assert len(list(logs.get_paginator("describe_log_groups").paginate())) == 2
            vpcs = session.client("ec2", region_name=region).describe_vpcs(
                Filters=[{"Name": "tag:name", "Values": ["defender-for-containers-va"]}])["Vpcs"]
            assert len(vpcs) == (1 if account in org.with_leftovers else 0)
    counts = calls_per_account(proxy.take())  # type: ignore[attr-defined]
    # Per member: iam (1), 2 x (2 log pages + 1 DescribeVpcs); the AssumeRole calls are the
    # management account's.
    assert {a: counts[a] for a in org.members} == {a: 7 for a in org.members}
    assert counts[org.management] == 2


def test_log_group_name_pattern_is_a_case_sensitive_substring(
        server: tuple[str, object]) -> None:
    logs = boto3.client("logs", region_name="us-east-1")
    for i in range(60):
        logs.create_log_group(logGroupName=f"/trivy/{i:02d}")
    logs.create_log_group(logGroupName="/TRIVY/upper")
    pages = list(logs.get_paginator("describe_log_groups").paginate(logGroupNamePattern="trivy"))
    names = [g["logGroupName"] for p in pages for g in p["logGroups"]]
    assert len(pages) == 2
    assert names == [f"/trivy/{i:02d}" for i in range(60)]


def test_the_proxy_adds_latency_to_every_call(server: tuple[str, object]) -> None:
    _, proxy = server
    sts = boto3.client("sts", region_name="us-east-1")
    sts.get_caller_identity()
    proxy.latency = 0.2  # type: ignore[attr-defined]
    start = time.perf_counter()
    sts.get_caller_identity()
    sts.get_caller_identity()
    assert time.perf_counter() - start >= 0.4


