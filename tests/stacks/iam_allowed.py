"""Is an action allowed on a resource by a role's identity policies? Evaluated by moto's IAM
policy logic (`moto.iam.access_control.IAMPolicy`), with AWS managed policies taken from moto's
copy of their documents.

A contract's action or resource may itself be a pattern (`firehose:*`,
`arn:aws:s3:::azuredefender-*`). It is evaluated as a literal string: a policy pattern whose
only wildcard is `*` matches the literal text of a pattern exactly when it matches everything
that pattern stands for, so "allowed on the pattern" means "allowed on all it covers". Three
things would break that, and are refused rather than guessed: `?` and other regex characters in
a policy (moto turns patterns into regular expressions), conditions on Allow statements (moto
treats an unmet one as a deny), and a Deny that could overlap a pattern query only partly.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.aws_managed_policies import aws_managed_policies_data

Document = dict[str, Any]

MANAGED_PREFIX = "arn:aws:iam::aws:policy/"
_UNSAFE = re.compile(r"[?.+()\[\]{}|^$\\]")


class CannotTell(Exception):
    """The document holds something this evaluation would get wrong."""


@cache
def _managed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(aws_managed_policies_data)
    return data


def managed_policy_document(arn: str) -> Document:
    """The document of an AWS managed policy, by ARN (moto's snapshot of AWS's policies)."""
    if not arn.startswith(MANAGED_PREFIX) or arn[len(MANAGED_PREFIX):] not in _managed():
        raise KeyError(f"{arn} is not an AWS managed policy moto knows")
    document: Document = _managed()[arn[len(MANAGED_PREFIX):]]["Document"]
    return document


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _statements(document: Document) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return [statements] if isinstance(statements, dict) else list(statements)


def _concerns(action_patterns: list[str], service: str) -> bool:
    return any(p == "*" or p.split(":", maxsplit=1)[0] == service for p in action_patterns)


def _check(document: Document, action: str, resource: str) -> None:
    query_is_pattern = "*" in action or "*" in resource
    service = action.split(":", maxsplit=1)[0]
    for statement in _statements(document):
        if "NotResource" in statement:
            raise CannotTell(f"NotResource is not evaluated: {statement}")
        actions = _listed(statement.get("Action", statement.get("NotAction", [])))
        unsafe = [p for p in actions + _listed(statement.get("Resource", []))
                  if _UNSAFE.search(p)]
        if unsafe:
            raise CannotTell(f"regex characters in policy patterns {unsafe}")
        # ReadOnlyAccess has one conditioned statement; a query it could concern is refused.
        if (statement["Effect"] == "Allow" and "Condition" in statement
                and _concerns(actions, service)):
            raise CannotTell(f"conditioned Allow for {service}: {statement}")
        if statement["Effect"] == "Deny" and query_is_pattern and _concerns(actions, service):
            raise CannotTell(f"a Deny for {service} may cover part of {action} on {resource}")


def allowed(documents: list[Document], action: str, resource: str) -> bool:
    """True when the documents together allow `action` on `resource` (no explicit deny)."""
    permitted = False
    for document in documents:
        _check(document, action, resource)
        result = IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted
