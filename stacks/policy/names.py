"""Deterministic Azure names: `pulumi up` twice, or from two machines, names things alike."""

from __future__ import annotations

import uuid

# Azure: a policy assignment name at management-group scope has at most 24 characters
# (64 at other scopes); the stack uses the shorter limit everywhere so names are the same per scope.
MAX_ASSIGNMENT_NAME = 24
# A fixed namespace: changing it would rename (replace) every role assignment.
_NAMESPACE = uuid.UUID("5b0f7a4e-3d52-4c1e-9a8e-6f1d2c3b4a59")


def assignment_name(stem: str, suffix: str = "") -> str:
    name = f"{stem}-{suffix}" if suffix else stem
    if len(name) > MAX_ASSIGNMENT_NAME:
        raise ValueError(f"policy assignment name {name!r} is longer than {MAX_ASSIGNMENT_NAME}")
    return name


def stable_guid(*parts: str) -> str:
    """A GUID derived from `parts` (case-insensitive), for resources whose name must be a GUID."""
    return str(uuid.uuid5(_NAMESPACE, "|".join(p.lower() for p in parts)))


def scope_label(scope: str) -> str:
    """A short, readable, unique Pulumi logical-name part for a scope ID."""
    last = scope.rstrip("/").rsplit("/", 1)[-1]
    kind = "mg" if "/managementGroups/" in scope else "sub"
    return f"{kind}-{last}"
