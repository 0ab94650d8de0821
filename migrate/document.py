"""The one JSON document `--output json` prints and `plan --out` writes; `apply` reads it back."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from migrate.errors import InputError
from migrate.fingerprint import CLUSTER_NAME
from migrate.model import FORMAT, VERSION, Action, Resource, ScanError, Status, Targets


def build(command: str, targets: Targets, resources: list[Resource],
          errors: list[ScanError]) -> dict[str, Any]:
    summary: dict[str, int] = {"delete": 0, "keep": 0}
    summary.update(Counter(r.action.value for r in resources))
    summary.update(Counter(r.status.value for r in resources if r.status is not None))
    summary.update(account_outcomes(targets.accounts, resources, errors))
    return {
        "format": FORMAT,
        "version": VERSION,
        "command": command,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "targets": targets.to_json(),
        "summary": summary,
        "errors": [e.to_json() for e in errors],
        "resources": [r.to_json() for r in resources],
    }


def account_outcomes(accounts: list[str], resources: list[Resource],
                     errors: list[ScanError]) -> dict[str, int]:
    """How many accounts were done, failed (a scan error or a failed deletion) or skipped (a
    deletion left undone without an error of its own: interrupted, or no longer matching)."""
    failed = {e.account for e in errors}
    failed |= {r.account for r in resources if r.status is Status.FAILED}
    skipped = {r.account for r in resources
               if r.action is Action.DELETE and r.status is Status.SKIPPED} - failed
    return {"accounts_done": len(set(accounts) - failed - skipped),
            "accounts_failed": len(failed & set(accounts)),
            "accounts_skipped": len(skipped & set(accounts))}


def write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def load_plan(path: Path) -> tuple[Targets, list[Resource]]:
    """Read a plan file back; anything that is not one is a one-line error naming the problem."""
    def bad(problem: str) -> InputError:
        return InputError(f"{path} is not a usable plan file: {problem}; "
                           "make one with `defender-migrate trivy plan --out FILE`")

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read plan file {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad(f"not JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise bad(f"no \"format\": \"{FORMAT}\"")
    if doc.get("version") != VERSION:
        raise bad(f"version {doc.get('version')!r}, this tool reads version {VERSION}")
    if doc.get("command") != "plan":
        raise bad(f"it records a {doc.get('command')!r}, not a plan")
    try:
        t = doc["targets"]
        targets = Targets([str(r) for r in t["regions"]], [str(a) for a in t["accounts"]],
                          t.get("role_name"))
        resources = [Resource.from_json(r) for r in doc["resources"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise bad(f"missing or invalid field {exc}") from exc
    for res in resources:
        if res.account not in targets.accounts:
            raise bad(f"resource {res.id} is in account {res.account}, not among its targets")
        if res.action is Action.DELETE and res.kind == "ecs-cluster" and res.id != CLUSTER_NAME:
            raise bad(f"it would delete ECS cluster {res.id}, which is not the Trivy cluster")
    return targets, resources
