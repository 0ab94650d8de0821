"""Plan items and the JSON document that `plan --out` writes and `apply` reads back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FORMAT = "defender-migrate/plan"
VERSION = 1
GLOBAL_REGION = "global"  # IAM is not regional
ALL_REGIONS = "*"  # an error that concerns the whole account (its role cannot be assumed)


class Action(StrEnum):
    DELETE = "delete"
    KEEP = "keep"


class Status(StrEnum):
    DELETED = "deleted"
    ALREADY_GONE = "already-gone"
    FAILED = "failed"
    SKIPPED = "skipped"


Key = tuple[str, str, str, str]


@dataclass
class Resource:
    account: str
    region: str
    kind: str
    id: str
    action: Action
    reason: str
    parent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    order: int | None = None
    status: Status | None = None
    error: str | None = None
    # Found by apply's fresh scan but not listed in the approved plan: reported, never counted
    # in the progress or the summary (they count only what the plan lists). Not serialised.
    unlisted: bool = False

    @property
    def key(self) -> Key:
        return (self.account, self.region, self.kind, self.id)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "account": self.account,
            "region": self.region,
            "kind": self.kind,
            "id": self.id,
            "action": self.action.value,
            "reason": self.reason,
            "order": self.order,
            "parent": self.parent,
            "details": self.details,
        }
        if self.status is not None:
            doc["status"] = self.status.value
            doc["error"] = self.error
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Resource:
        return cls(
            account=str(doc["account"]),
            region=str(doc["region"]),
            kind=str(doc["kind"]),
            id=str(doc["id"]),
            action=Action(doc["action"]),
            reason=str(doc.get("reason", "")),
            parent=doc.get("parent"),
            details=dict(doc.get("details") or {}),
            order=doc.get("order"),
        )


@dataclass(frozen=True)
class ScanError:
    account: str
    region: str
    error: str

    def to_json(self) -> dict[str, str]:
        return {"account": self.account, "region": self.region, "error": self.error}


@dataclass
class Targets:
    regions: list[str]
    accounts: list[str]
    role_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"regions": self.regions, "accounts": self.accounts, "role_name": self.role_name}
