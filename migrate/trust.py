"""Whose trust an IAM role's trust policy grants: only Defender's OIDC provider (for one
audience), or only one AWS service.

Used by the IAM kinds (is a scanner-named role the scanner's?) and by readiness (does the MDVM
image-assessment role trust Defender?): pure functions of the policy document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from migrate.fingerprint import CONTAINERS_AUDIENCE, OIDC_ISSUER

if TYPE_CHECKING:  # boto3-stubs is a dev dependency: the product never imports it
    from mypy_boto3_iam.type_defs import RoleTypeDef

# A policy document as read here: boto3-stubs' type for it knows no Principal or Condition.
Policy = Mapping[str, Any]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def trust_policy(role: RoleTypeDef) -> Policy:
    """A role's trust policy as boto3 decodes it; a document it could not decode (left as text)
    or a missing one trusts nobody."""
    doc = role.get("AssumeRolePolicyDocument")
    return doc if isinstance(doc, Mapping) else {}


def oidc_provider_arn(partition: str, account: str) -> str:
    return f"arn:{partition}:iam::{account}:oidc-provider/{OIDC_ISSUER}"


def trusts_defender_oidc(doc: Policy, partition: str, account: str,
                         audience: str = CONTAINERS_AUDIENCE) -> str | None:
    """None when every Allow statement lets only Defender's OIDC provider in, for `audience`;
    otherwise what differs."""
    statements = [s for s in _as_list(doc.get("Statement", [])) if s.get("Effect") == "Allow"]
    if not statements:
        return "it trusts nobody"
    provider = oidc_provider_arn(partition, account)
    for st in statements:
        principal = st.get("Principal", {})
        federated = _as_list(principal.get("Federated", [])) if isinstance(principal, dict) else []
        others = set(principal) - {"Federated"} if isinstance(principal, dict) else {"*"}
        if federated != [provider] or others:
            return f"it trusts {principal!r}, not only {provider}"
        if _as_list(st.get("Action", [])) != ["sts:AssumeRoleWithWebIdentity"]:
            return f"it allows {st.get('Action')!r}, not only sts:AssumeRoleWithWebIdentity"
        key = f"{OIDC_ISSUER}:aud"
        conditions = st.get("Condition", {})
        values = [_as_list(v.get(key)) for op, v in conditions.items()
                  if op in ("StringEquals", "StringLike") and key in v]
        if [audience] not in values:
            return f"its audience condition is not {audience}"
    return None


def trusts_service(doc: Policy, service: str) -> str | None:
    statements = [s for s in _as_list(doc.get("Statement", [])) if s.get("Effect") == "Allow"]
    if not statements:
        return "it trusts nobody"
    for st in statements:
        principal = st.get("Principal", {})
        if not isinstance(principal, dict) or set(principal) != {"Service"} or _as_list(
                principal["Service"]) != [service]:
            return f"it trusts {principal!r}, not only {service}"
    return None
