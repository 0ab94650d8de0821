"""Make in-process moto refuse what AWS refuses (docs/reference.md §6).

moto deletes a VPC with an internet gateway attached, a subnet with ENIs in it, the default
security group, an in-use ENI, and a cluster that still runs services; it accepts DeleteObjects
with more than 1000 keys and never releases a stopped Fargate task's ENI. Tests that pass on
plain moto therefore prove little about deletion order. `install_strict_rules` registers botocore
handlers on a boto3 Session: a `before-call` handler that returns `(http_response, parsed)`
short-circuits the request and botocore raises `ClientError` from it (botocore/client.py
`_make_api_call`: `emit_until_response('before-call...')`, then `status_code >= 300` -> raise).
The rules read moto's in-process backends, so they apply to `moto.mock_aws`, not to a server
in another process.

Install the rules BEFORE creating clients: a client copies the session's event handlers when it
is created.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import boto3
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from moto.core.utils import unix_time_millis
from moto.ec2.models import ec2_backends
from moto.ecs.models import ecs_backends
from moto.iam.models import get_account_id_from, iam_backends
from moto.s3.models import s3_backends

from localaws import fargate, motofixes
from localaws.sessions import shared_session

# Task ENIs carry ECS's description and requester, as on AWS, whoever seeds them.
fargate.install()

_PARAMS = "strict_rules_api_params"
Response = tuple[AWSResponse, dict[str, Any]]


@dataclass(frozen=True)
class Refusal:
    """One call the strict layer refused (whether by a rule or an injected failure)."""

    service: str
    operation: str
    code: str
    resource: str


@dataclass
class _Injection:
    code: str
    message: str
    remaining: int
    status: int


@dataclass
class StrictRules:
    """Handle returned by `install_strict_rules`: inspect refusals, inject failures."""

    eni_release_after: int = 2
    disabled: set[str] = field(default_factory=set)
    refusals: list[Refusal] = field(default_factory=list)
    # (account, region) -> {eni id: DescribeNetworkInterfaces calls left before it is released}
    pending_eni_releases: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    _injections: dict[str, list[_Injection]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def fail_next(
        self,
        operation: str,
        code: str = "DependencyViolation",
        *,
        times: int = 1,
        message: str = "injected transient failure",
        status: int = 400,
    ) -> None:
        """Refuse the next `times` calls of `operation` (e.g. "DeleteVpc") with `code`,
        before any other rule, whatever the resource. Tests retries and interrupted runs."""
        if times < 1:
            raise ValueError(f"times={times}: use clear_injections() to stop injecting")
        with self._lock:
            self._injections.setdefault(operation, []).append(
                _Injection(code, message, times, status)
            )

    def clear_injections(self) -> None:
        """Drop every failure still waiting to be injected."""
        with self._lock:
            self._injections.clear()

    def release_pending_enis(self) -> list[str]:
        """ECS catches up: every stopped task's ENI still waiting is released now."""
        released: list[str] = []
        with self._lock:
            for (account, region), pending in self.pending_eni_releases.items():
                released += fargate.release_task_enis(account, region, list(pending))
                pending.clear()
        return released

    def _inject(self, service: str, operation: str) -> Response | None:
        """The next failure waiting for `operation` (recorded as a refusal), or None."""
        with self._lock:
            injected = self._injections.get(operation)
            if not injected:
                return None
            first = injected[0]
            first.remaining -= 1
            if first.remaining <= 0:
                injected.pop(0)
            self.refusals.append(Refusal(service, operation, first.code, "injected"))
            return _error(first.code, first.message, first.status)

    def refused(self, operation: str | None = None, code: str | None = None) -> list[Refusal]:
        return [
            r
            for r in self.refusals
            if (operation is None or r.operation == operation) and (code is None or r.code == code)
        ]


def new_session(region: str = "us-east-1") -> boto3.Session:
    """A fresh boto3 Session (own credentials and event handlers) that reuses the process's
    parsed service models."""
    return shared_session(region_name=region)


def _error(code: str, message: str, status: int = 400) -> Response:
    http = AWSResponse("https://strict-rules.invalid/", status, HTTPHeaders(), None)
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
    }
    return http, parsed


def _account(request_signer: Any) -> str:
    # Same precedence as moto's BaseResponse.get_current_account.
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    credentials = request_signer._credentials if request_signer is not None else None
    if credentials is None:
        return get_account_id_from("")
    return get_account_id_from(credentials.get_frozen_credentials().access_key)


@dataclass(frozen=True)
class _Call:
    account: str
    region: str
    params: dict[str, Any]


Rule = Callable[["StrictRules", _Call], tuple[str, str, str] | None]
AfterRule = Callable[["StrictRules", _Call, dict[str, Any]], None]


# --- EC2 -------------------------------------------------------------------------------------


def _ec2(call: _Call) -> Any:
    return ec2_backends[call.account][call.region]


def _enis_in_vpc(backend: Any, vpc_id: str) -> list[Any]:
    return [e for e in list(backend.enis.values()) if e.subnet and e.subnet.vpc_id == vpc_id]


def _delete_vpc(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    vpc_id = call.params["VpcId"]
    b = _ec2(call)
    if vpc_id not in b.vpcs:
        return None
    deps: list[str] = []
    deps += [g.id for g in list(b.internet_gateways.values()) if g.vpc and g.vpc.id == vpc_id]
    deps += [
        s.id for subnets in list(b.subnets.values()) for s in subnets.values() if s.vpc_id == vpc_id
    ]
    deps += [g.id for g in list(b.groups.get(vpc_id, {}).values()) if g.name != "default"]
    deps += [
        rt.id
        for rt in list(b.route_tables.values())
        if rt.vpc_id == vpc_id and not rt.main_association_id
    ]
    deps += [e.id for e in _enis_in_vpc(b, vpc_id)]
    deps += [e.id for e in list(b.vpc_end_points.values()) if e.vpc_id == vpc_id]
    # Gateways without an ENI of their own (issue 16): AWS refuses DeleteVpc while they stay.
    deps += [g.id for g in list(b.egress_only_internet_gateways.values()) if g.vpc_id == vpc_id]
    deps += [g.id for g in list(b.carrier_gateways.values()) if g.vpc_id == vpc_id]
    deps += [group for group, vpc in motofixes.sg_vpc_associations(b) if vpc == vpc_id]
    if deps:
        return (
            "DependencyViolation",
            f"The vpc '{vpc_id}' has dependencies and cannot be deleted.",
            vpc_id,
        )
    return None


def _delete_subnet(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    subnet_id = call.params["SubnetId"]
    b = _ec2(call)
    in_use = [e.id for e in list(b.enis.values()) if e.subnet and e.subnet.id == subnet_id]
    in_use += [
        n.id
        for n in list(b.nat_gateways.values())
        if n.subnet_id == subnet_id and n.state != "deleted"
    ]
    if in_use:
        return (
            "DependencyViolation",
            f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
            subnet_id,
        )
    return None


def _delete_igw(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    igw_id = call.params["InternetGatewayId"]
    igw = _ec2(call).internet_gateways.get(igw_id)
    if igw is not None and igw.vpc is not None:
        return (
            "DependencyViolation",
            f"The internetGateway '{igw_id}' has dependencies and cannot be deleted.",
            igw_id,
        )
    return None


def _delete_security_group(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    b = _ec2(call)
    group_id = call.params.get("GroupId")
    group = (
        b.get_security_group_from_id(group_id)
        if group_id
        else b.get_security_group_from_name(call.params.get("GroupName"))
    )
    if group is None:
        return None
    if group.name == "default":
        return (
            "CannotDelete",
            f'the specified group: "{group.id}" name: "default" cannot be deleted by a user',
            group.id,
        )
    users = [e.id for e in list(b.enis.values()) if group in list(e._group_set)]
    referrers = [
        other.id
        for groups in list(b.groups.values())
        for other in list(groups.values())
        if other.id != group.id
        for rule in list(other.ingress_rules) + list(other.egress_rules)
        if group.id in _rule_group_ids(rule)
    ]
    if users or referrers:
        return (
            "DependencyViolation",
            f"resource {group.id} has a dependent object",
            group.id,
        )
    return None


def _rule_group_ids(rule: Any) -> set[str]:
    source = getattr(rule, "source_group", None) or {}
    found = {source.get("GroupId")} if isinstance(source, dict) else set()
    for pair in getattr(rule, "source_groups", None) or []:
        if isinstance(pair, dict):
            found.add(pair.get("GroupId"))
    return {g for g in found if g}


def _delete_route_table(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    rt_id = call.params["RouteTableId"]
    rt = _ec2(call).route_tables.get(rt_id)
    if rt is not None and (rt.main_association_id or rt._associations):
        return (
            "DependencyViolation",
            f"The routeTable '{rt_id}' has dependencies and cannot be deleted.",
            rt_id,
        )
    return None


def _delete_eni(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    eni_id = call.params["NetworkInterfaceId"]
    eni = _ec2(call).enis.get(eni_id)
    if eni is not None and (eni.status == "in-use" or eni.instance is not None):
        return ("InvalidNetworkInterface.InUse", f"Interface: [{eni_id}] in use.", eni_id)
    return None


def _tick_eni_releases(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    """AWS releases a stopped Fargate task's ENI a while after StopTask; moto never does.
    Here each DescribeNetworkInterfaces in that account and region counts as time passing."""
    pending = rules.pending_eni_releases.get((call.account, call.region), {})
    for eni_id in list(pending):
        pending[eni_id] -= 1
        if pending[eni_id] <= 0:
            del pending[eni_id]
            _ec2(call).enis.pop(eni_id, None)
    return None


# --- ECS -------------------------------------------------------------------------------------


def _ecs(call: _Call) -> Any:
    return ecs_backends[call.account][call.region]


def _name(arn_or_name: str) -> str:
    return arn_or_name.rsplit("/", 1)[-1]


def _active_tasks(backend: Any, cluster: str) -> list[Any]:
    return [
        t for t in list(backend.tasks.get(cluster, {}).values()) if t.desired_status != "STOPPED"
    ]


def _delete_cluster(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    name = _name(call.params["cluster"])
    b = _ecs(call)
    cluster = b.clusters.get(name)
    if cluster is None:
        return None
    if cluster.status == "INACTIVE":
        return ("ClusterNotFoundException", "Cluster not found.", name)
    services = [
        s
        for key, s in list(b.services.items())
        if key.split(":", 1)[0] == name and s.status != "INACTIVE"
    ]
    if services:
        return (
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
            name,
        )
    if _active_tasks(b, name):
        return (
            "ClusterContainsTasksException",
            "The Cluster cannot be deleted while Tasks are active.",
            name,
        )
    if b.container_instances.get(name):
        return (
            "ClusterContainsContainerInstancesException",
            "The Cluster cannot be deleted while Container Instances are active or draining.",
            name,
        )
    return None


def _delete_service(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    cluster = _name(call.params.get("cluster", "default"))
    service_name = _name(call.params["service"])
    service = _ecs(call).services.get(f"{cluster}:{service_name}")
    if service is not None and service.desired_count > 0 and not call.params.get("force"):
        return (
            "InvalidParameterException",
            "The service cannot be stopped while it is scaled above 0.",
            service_name,
        )
    return None


def _schedule_eni_release(rules: StrictRules, call: _Call, task: Any) -> None:
    pending = rules.pending_eni_releases.setdefault((call.account, call.region), {})
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId":
                if rules.eni_release_after <= 0:
                    _ec2(call).enis.pop(detail["value"], None)
                else:
                    pending.setdefault(detail["value"], rules.eni_release_after)


def _after_stop_task(rules: StrictRules, call: _Call, parsed: dict[str, Any]) -> None:
    cluster = _name(call.params.get("cluster", "default"))
    task_id = _name(call.params["task"])
    for arn, task in list(_ecs(call).tasks.get(cluster, {}).items()):
        if arn.endswith(task_id):
            _schedule_eni_release(rules, call, task)


def _stop_service_tasks(rules: StrictRules, call: _Call, cluster: str, service: str) -> None:
    # The ECS scheduler stops a deleted (or scaled-to-0) service's tasks; moto's does not.
    for task in _active_tasks(_ecs(call), cluster):
        if task.group == f"service:{service}":
            task.desired_status = "STOPPED"
            task.status = "STOPPED"
            task.stopped_reason = "Scaling activity initiated by deployment"
            _schedule_eni_release(rules, call, task)


def _after_delete_service(rules: StrictRules, call: _Call, parsed: dict[str, Any]) -> None:
    cluster = _name(call.params.get("cluster", "default"))
    _stop_service_tasks(rules, call, cluster, _name(call.params["service"]))


def _after_update_service(rules: StrictRules, call: _Call, parsed: dict[str, Any]) -> None:
    if call.params.get("desiredCount") == 0:
        cluster = _name(call.params.get("cluster", "default"))
        _stop_service_tasks(rules, call, cluster, _name(call.params["service"]))


def _after_list_clusters(rules: StrictRules, call: _Call, parsed: dict[str, Any]) -> None:
    # AWS stops listing a deleted cluster; moto keeps it as INACTIVE.
    clusters = _ecs(call).clusters
    parsed["clusterArns"] = [
        arn
        for arn in parsed.get("clusterArns", [])
        if getattr(clusters.get(_name(arn)), "status", "ACTIVE") != "INACTIVE"
    ]


# --- S3 --------------------------------------------------------------------------------------


def _bucket(name: str, account: str) -> Any:
    # moto records each bucket's owner as (partition, account): names are global.
    owner = s3_backends.bucket_accounts.get(name)
    partition, account = owner if isinstance(owner, tuple) else ("aws", owner or account)
    return s3_backends[account][partition].buckets.get(name)


def _delete_bucket(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    name = call.params["Bucket"]
    bucket = _bucket(name, call.account)
    if bucket is not None and any(True for _ in bucket.keys.iterlists()):
        return (
            "BucketNotEmpty",
            "The bucket you tried to delete is not empty. You must delete all versions in the "
            "bucket.",
            name,
        )
    return None


def resume_markers(
    keys: Any, key_marker: str, version_marker: str
) -> tuple[str | None, str | None]:
    """Markers moto can resume from at the position AWS would.

    AWS resumes a ListObjectVersions page at the markers' position even when the marker version
    was deleted meanwhile ("list a page, delete it, list the next" works). moto 5.2 looks for the
    exact marker version and returns an empty, untruncated page when it is gone. A vanished
    marker becomes the last version still listed before its position (in moto's order: name,
    then newest first), or no marker at all. `keys` is a moto bucket's `keys` store."""
    if any(v.version_id == version_marker for v in keys.getlist(key_marker, None) or []):
        return key_marker, version_marker
    before = [name for name in list(keys) if name < key_marker and keys.getlist(name, None)]
    if not before:
        return None, None
    name = max(before)
    ordered = sorted(keys.getlist(name), key=lambda v: -unix_time_millis(v.last_modified))
    return name, ordered[-1].version_id


def _list_object_versions(rules: StrictRules, call: _Call, params: dict[str, Any]) -> None:
    key_marker, version_marker = params.get("KeyMarker"), params.get("VersionIdMarker")
    if not (key_marker and version_marker):
        return
    bucket = _bucket(params["Bucket"], call.account)
    if bucket is None:
        return
    new_key, new_version = resume_markers(bucket.keys, key_marker, version_marker)
    for param, value in (("KeyMarker", new_key), ("VersionIdMarker", new_version)):
        if value is None:
            params.pop(param, None)
        else:
            params[param] = value


def _delete_objects(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    if len(call.params.get("Delete", {}).get("Objects", [])) > 1000:
        return (
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published "
            "schema",
            call.params["Bucket"],
        )
    return None


# --- IAM -------------------------------------------------------------------------------------


def _delete_policy(rules: StrictRules, call: _Call) -> tuple[str, str, str] | None:
    """AWS refuses DeletePolicy while the policy is attached or has non-default versions; moto
    deletes it anyway."""
    arn = call.params["PolicyArn"]
    policy = iam_backends[call.account]["aws"].managed_policies.get(arn)
    if policy is None:
        return None
    if policy.attachment_count:
        return ("DeleteConflict", "Cannot delete a policy attached to entities.", arn)
    if any(not v.is_default for v in policy.versions):
        return ("DeleteConflict", "This policy has more than one version. Before you delete a "
                "policy, you must delete the policy's versions.", arn)
    return None


BEFORE: dict[tuple[str, str], Rule] = {
    ("ec2", "DeleteVpc"): _delete_vpc,
    ("ec2", "DeleteSubnet"): _delete_subnet,
    ("ec2", "DeleteInternetGateway"): _delete_igw,
    ("ec2", "DeleteSecurityGroup"): _delete_security_group,
    ("ec2", "DeleteRouteTable"): _delete_route_table,
    ("ec2", "DeleteNetworkInterface"): _delete_eni,
    ("ec2", "DescribeNetworkInterfaces"): _tick_eni_releases,
    ("ecs", "DeleteCluster"): _delete_cluster,
    ("ecs", "DeleteService"): _delete_service,
    ("s3", "DeleteBucket"): _delete_bucket,
    ("s3", "DeleteObjects"): _delete_objects,
    ("iam", "DeletePolicy"): _delete_policy,
}
AFTER: dict[tuple[str, str], AfterRule] = {
    ("ecs", "StopTask"): _after_stop_task,
    ("ecs", "DeleteService"): _after_delete_service,
    ("ecs", "UpdateService"): _after_update_service,
    ("ecs", "ListClusters"): _after_list_clusters,
}
STATUS = {"BucketNotEmpty": 409, "ClusterNotFoundException": 400, "DeleteConflict": 409}
# Rewrite a call's parameters before it is serialised (AWS behaviour moto lacks).
PARAMS: dict[tuple[str, str], Callable[[StrictRules, _Call, dict[str, Any]], None]] = {
    ("s3", "ListObjectVersions"): _list_object_versions,
}
RULE_NAMES = (
    frozenset(op for _, op in BEFORE)
    | frozenset(op for _, op in AFTER)
    | frozenset(op for _, op in PARAMS)
)


def install_strict_rules(
    session: boto3.Session,
    *,
    eni_release_after: int = 2,
    disabled: Iterable[str] = (),
    rules: StrictRules | None = None,
) -> StrictRules:
    """Register the rules on `session`; returns a handle to inspect refusals and inject faults.

    eni_release_after: DescribeNetworkInterfaces calls (same account and region) after which a
    stopped task's ENIs disappear (0: at once). disabled: operation names whose rule is off.
    """
    motofixes.install()
    # Passing `rules` shares one handle (refusals, injections) across several sessions.
    rules = rules or StrictRules(eni_release_after=eni_release_after, disabled=set(disabled))
    unknown = rules.disabled - RULE_NAMES
    if unknown:
        raise ValueError(f"no strict rule for {sorted(unknown)}")

    def keep_params(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        rewrite = PARAMS.get((model.service_model.service_name, model.name))
        if rewrite is not None and model.name not in rules.disabled:
            signer = context.get("strict_rules_signer")
            with rules._lock:
                rewrite(rules, call_of(signer, context), params)
        context[_PARAMS] = dict(params)

    def call_of(request_signer: Any, context: dict[str, Any]) -> _Call:
        return _Call(
            account=_account(request_signer),
            region=context.get("client_region") or "us-east-1",
            params=context.get(_PARAMS, {}),
        )

    def before(
        model: Any, request_signer: Any, context: dict[str, Any], **_: Any
    ) -> Response | None:
        key = (model.service_model.service_name, model.name)
        with rules._lock:
            injected = rules._inject(*key)
            if injected is not None:
                return injected
            rule = BEFORE.get(key)
            if rule is None or model.name in rules.disabled:
                return None
            refused = rule(rules, call_of(request_signer, context))
            if refused is None:
                return None
            code, message, resource = refused
            rules.refusals.append(Refusal(key[0], key[1], code, resource))
            return _error(code, message, STATUS.get(code, 400))

    def after(
        model: Any,
        http_response: Any,
        parsed: dict[str, Any],
        context: dict[str, Any],
        **_: Any,
    ) -> None:
        key = (model.service_model.service_name, model.name)
        rule = AFTER.get(key)
        if rule is None or model.name in rules.disabled or http_response.status_code >= 300:
            return
        signer = context.get("strict_rules_signer")
        with rules._lock:
            rule(rules, call_of(signer, context), parsed)

    def keep_signer(request_signer: Any, context: dict[str, Any], **_: Any) -> None:
        context["strict_rules_signer"] = request_signer

    session.events.register("before-parameter-build", keep_params)
    session.events.register_first("before-call", keep_signer)
    session.events.register("before-call", cast(Any, before))
    session.events.register("after-call", after)
    return rules
