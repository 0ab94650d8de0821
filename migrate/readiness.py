"""Is an account onboarded to MDVM? Checked before anything of the Trivy scanner is deleted there.

Deleting the Trivy scanner before Microsoft Defender Vulnerability Management (MDVM) scans the
account's registries leaves them with no vulnerability assessment at all. The connector with image
assessment on creates the image-assessment role, trusting Defender's OIDC provider for the
containers audience (docs/reference.md §3); its presence is the evidence checked here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from migrate.aws import Arn, describe_error
from migrate.context import Ctx
from migrate.kinds.iam import get_role
from migrate.trust import trust_policy, trusts_defender_oidc

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_iam.type_defs import RoleTypeDef

FIX = ("deploy the connector with image assessment first: see README (AWS connector), or pass "
       "--skip-readiness-check")


@dataclass(frozen=True)
class Readiness:
    ready: bool
    role: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"ready": self.ready, "role": self.role, "reason": self.reason}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Readiness:
        return cls(bool(doc["ready"]), str(doc["role"]), str(doc["reason"]))


def check(ctx: Ctx, role_name: str,
          listed: Iterable[RoleTypeDef] | None = None) -> Readiness:
    """From the account's ListRoles listing when the caller has one (plan: no extra call; the
    listing has each role's trust policy), else one GetRole call; never raises for AWS errors
    (they make the account not ready)."""
    if listed is not None:
        role = next((r for r in listed if r.get("RoleName") == role_name), None)
    else:
        try:
            role = get_role(ctx, role_name)
        except (ClientError, BotoCoreError) as exc:
            return unreadable(role_name, exc)
    return assess(role_name, role, ctx.account.id)


def unreadable(role_name: str, exc: BaseException) -> Readiness:
    """Any error reading the role (AccessDenied included) is not evidence of MDVM."""
    return Readiness(False, role_name, f"cannot read IAM role {role_name}: "
                                       f"{describe_error(exc)}")


def assess(role_name: str, role: RoleTypeDef | None, account: str) -> Readiness:
    """Ready only when the role exists and trusts Defender's OIDC provider for the containers
    audience, in `account` (the role's own partition)."""
    if role is None:
        return Readiness(False, role_name, f"no IAM role {role_name}: MDVM image assessment is "
                                           "not onboarded in this account")
    partition = Arn.parse(role["Arn"]).partition
    why_not = trusts_defender_oidc(trust_policy(role), partition, account)
    if why_not is not None:
        return Readiness(False, role_name, f"IAM role {role_name} exists but {why_not}")
    return Readiness(True, role_name, f"MDVM image-assessment role {role_name} trusts Defender's "
                                      "OIDC provider (containers audience)")
