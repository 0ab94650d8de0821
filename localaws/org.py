"""An AWS Organization at scale for benchmarks: member accounts with realistic noise, some with the
Trivy leftovers, served by moto behind a proxy that adds latency to every call and counts calls
per account.

The moto server runs in this process (`moto_server()` is in-process too), so the noise is written
straight into moto's backends: hundreds of roles and log groups per account through HTTP would
take far longer to seed than the run being measured. The Trivy leftovers go through the API
(`localaws.seed`), like in the tests.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from localaws import motofixes
from localaws.seed import seed_trivy_leftovers
from localaws.server import moto_wsgi_app, serve_in_thread
from localaws.sessions import shared_session

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

DEFAULT_ROLE = "OrganizationAccountAccessRole"
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})
# The smallest template moto accepts: a stack with one resource that creates nothing.
STACK_TEMPLATE = json.dumps(
    {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}})


def _access_key(environ: dict[str, Any]) -> str:
    """The access key ID of a SigV4-signed request (`Credential=AKID/date/region/...`)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    start = auth.find("Credential=")
    if start < 0:
        return ""
    return auth[start + len("Credential="):].split("/", 1)[0]


class LatencyProxy:
    """WSGI middleware: waits `latency` seconds before each request, counts requests per access
    key. Set `latency` to 0 while seeding."""

    def __init__(self, app: WsgiApp, latency: float) -> None:
        self.app = app
        self.latency = latency
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        key = _access_key(environ)
        with self._lock:
            self._counts[key] += 1
        if self.latency:
            time.sleep(self.latency)
        return self.app(environ, start_response)

    def take(self) -> Counter[str]:
        """The counts per access key since the last `take()`, and start again from zero."""
        with self._lock:
            taken, self._counts = self._counts, Counter()
        return taken


@contextmanager
def latency_moto_server(latency: float = 0.05) -> Iterator[tuple[str, LatencyProxy]]:
    """A moto server on an ephemeral localhost port behind a `LatencyProxy`; yields
    (endpoint URL, proxy)."""
    motofixes.install()
    proxy = LatencyProxy(moto_wsgi_app(), latency)
    with serve_in_thread(proxy) as endpoint:
        yield endpoint, proxy


def account_of_key(access_key: str) -> str:
    """The account moto serves a request signed with `access_key` from (temporary keys of
    assumed roles belong to the role's account; unknown keys to moto's default account)."""
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


def calls_per_account(counts: Counter[str]) -> Counter[str]:
    out: Counter[str] = Counter()
    for key, n in counts.items():
        out[account_of_key(key)] += n
    return out


@dataclass(frozen=True)
class Noise:
    """What a typical account holds that is not the scanner's (per account; per region for the
    regional kinds)."""

    roles: int = 200
    log_groups: int = 300
    stacks: int = 30
    vpcs: int = 3
    buckets: int = 4
    clusters: int = 2
    task_families: int = 5


@dataclass
class Organization:
    management: str
    members: list[str]
    with_leftovers: list[str] = field(default_factory=list)

    @property
    def accounts(self) -> list[str]:
        return [self.management, *self.members]

    @property
    def empty(self) -> list[str]:
        chosen = set(self.with_leftovers)
        return [a for a in self.accounts if a not in chosen]


def seed_noise(account: str, regions: Sequence[str], noise: Noise) -> None:
    """Unrelated resources in one account, written straight into moto's in-process backends."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import ecs_backends
    from moto.iam.models import iam_backends
    from moto.logs.models import logs_backends
    from moto.s3.models import s3_backends

    iam = iam_backends[account]["aws"]
    for i in range(noise.roles):
        iam.create_role(f"app-{i:04d}-role", TRUST, "/", None, "", [], None)
    s3 = s3_backends[account]["aws"]
    for i in range(noise.buckets):
        s3.create_bucket(f"data-{account}-{i:02d}", regions[i % len(regions)])
    for region in regions:
        logs = logs_backends[account][region]
        for i in range(noise.log_groups):
            logs.create_log_group(f"/aws/lambda/service-{i:04d}", {})
        cfn = cloudformation_backends[account][region]
        with warnings.catch_warnings():  # moto says it does not model the (empty) resource
            warnings.simplefilter("ignore", UserWarning)
            for i in range(noise.stacks):
                cfn.create_stack(f"app-stack-{i:03d}", STACK_TEMPLATE, {})
        ec2 = ec2_backends[account][region]
        for i in range(noise.vpcs):
            vpc = ec2.create_vpc(f"172.{16 + i}.0.0/16")
            ec2.create_tags([vpc.id], {"Name": f"workload-{i}"})
        ecs = ecs_backends[account][region]
        for i in range(noise.clusters):
            ecs.create_cluster(f"workload-{i}")
        for i in range(noise.task_families):
            ecs.register_task_definition(
                f"workload-{i}", [{"name": "app", "image": "nginx", "memory": 128}])


def assumed_session(management: boto3.Session, account: str,
                    role_name: str = DEFAULT_ROLE) -> boto3.Session:
    creds = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{role_name}", RoleSessionName="seed",
    )["Credentials"]
    return shared_session(aws_access_key_id=creds["AccessKeyId"],
                         aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"], region_name="us-east-1")


def seed_organization(management: boto3.Session, members: int, regions: Sequence[str], *,
                      leftover_share: float = 0.1, noise: Noise | None = None,
                      role_name: str = DEFAULT_ROLE) -> Organization:
    """An Organization with `members` member accounts besides the management account.

    Every account gets `noise`; the first `ceil(leftover_share * accounts)` members get the Trivy
    leftovers in every region of `regions` (spread evenly through the list would not change any
    figure: accounts are scanned independently).
    """
    noise = noise if noise is not None else Noise()
    org = management.client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for i in range(members):
        status = org.create_account(AccountName=f"member-{i:04d}",
                                    Email=f"member-{i:04d}@example.com")["CreateAccountStatus"]
        ids.append(str(status["AccountId"]))
    management_id = str(management.client("sts").get_caller_identity()["Account"])
    result = Organization(management_id, ids)
    total = len(result.accounts)
    with_leftovers = max(1, round(total * leftover_share)) if leftover_share > 0 else 0
    result.with_leftovers = ids[:with_leftovers]
    for account in result.accounts:
        seed_noise(account, regions, noise)
    for account in result.with_leftovers:
        session = assumed_session(management, account, role_name)
        for region in regions:
            seed_trivy_leftovers(session, region, objects=4)
    return result
