"""IAM as it is in an account that ran the Trivy scanner: roles that have been used, and task
definitions of other teams that name a scanner role.

moto's default world is kinder than AWS: a role created by `localaws.seed.seed_trivy_iam` has
never been used, so `RoleLastUsed` is empty, and no task definition but the scanner's own names
its roles. Every account that ran the scanner has `RoleLastUsed.LastUsedDate` on its roles, and
another team may have registered a task definition with the scanner's task role.

moto records a role's use the way AWS does: a request signed with the credentials of an
assumed role sets the role's `RoleLastUsed.LastUsedDate` (`moto.iam.models.
mark_account_as_visited`), in-process and in the server alike; `use_role` checks it did.

Works against any boto3 Session (moto in-process or a moto server through `AWS_ENDPOINT_URL`).
The functions take a Session and a region, so the shared "real account" seeding calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from localaws.seed import TrivyIam, account_of, seed_trivy_iam
from localaws.sessions import shared_session

# Families another team could have registered, naming the scanner's task role.
FOREIGN_FAMILY = "payments-api"
SESSION_NAME = "trivy-scan"


def role_arn(session: boto3.Session, role_name: str) -> str:
    return f"arn:aws:iam::{account_of(session)}:role/{role_name}"


def use_role(session: boto3.Session, role_name: str, region: str = "us-east-1") -> datetime:
    """Assume `role_name` and make one call with its credentials; returns the role's
    `RoleLastUsed.LastUsedDate` (RuntimeError if IAM did not record the use)."""
    creds = session.client("sts", region_name=region).assume_role(
        RoleArn=role_arn(session, role_name), RoleSessionName=SESSION_NAME)["Credentials"]
    assumed = shared_session(aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name=region)
    assumed.client("sts").get_caller_identity()
    role = session.client("iam").get_role(RoleName=role_name)["Role"]
    when = role.get("RoleLastUsed", {}).get("LastUsedDate")
    if when is None:
        raise RuntimeError(f"IAM recorded no use of {role_name} after a call with its "
                           "credentials: RoleLastUsed stays empty, unlike AWS")
    return when


def register_task_definition(session: boto3.Session, region: str, role_name: str, *,
                             family: str = FOREIGN_FAMILY, as_execution_role: bool = False,
                             short_name: bool = False) -> str:
    """An ACTIVE task definition of `family` whose task role (or execution role) is
    `role_name`, given as its ARN or (`short_name`) its bare name, both of which ECS accepts;
    returns its ARN."""
    named = role_name if short_name else role_arn(session, role_name)
    ecs = session.client("ecs", region_name=region)
    containers: list[Any] = [{"name": "api", "image": "nginx", "memory": 128}]
    if as_execution_role:
        answer = ecs.register_task_definition(family=family, containerDefinitions=containers,
                                              executionRoleArn=named)
    else:
        answer = ecs.register_task_definition(family=family, containerDefinitions=containers,
                                              taskRoleArn=named)
    return str(answer["taskDefinition"]["taskDefinitionArn"])


@dataclass
class UsedIam:
    """What `seed_used_scanner_iam` made: the scanner's IAM, when each role was last used, and
    the foreign task definitions naming a scanner role."""

    iam: TrivyIam
    last_used: dict[str, datetime]
    task_definitions: list[str] = field(default_factory=list)


def seed_used_scanner_iam(session: boto3.Session, region: str = "us-east-1", *,
                          naming: str = "cloudformation",
                          foreign_task_definition_regions: Sequence[str] = ()) -> UsedIam:
    """The scanner's roles and policies (`seed_trivy_iam`), both roles used once, and in each
    of `foreign_task_definition_regions` a `payments-api` task definition that names the task
    role (which must then be kept, with the policies it holds)."""
    trivy = seed_trivy_iam(session, naming)
    used = {name: use_role(session, name, region) for name in (trivy.va_role, trivy.task_role)}
    arns = [register_task_definition(session, r, trivy.task_role)
            for r in foreign_task_definition_regions]
    return UsedIam(trivy, used, arns)
