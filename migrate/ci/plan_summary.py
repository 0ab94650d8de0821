"""Turn a `defender-migrate` JSON plan (or apply result) into Markdown for a CI job summary.

    python scripts/plan_summary.py plan.json >> "$GITHUB_STEP_SUMMARY"   (the entry point)

Resources are grouped per account and region: first what is (or was) deleted, in deletion
order, then what is kept, with the reason. The document is read with the tool's own model
(`migrate.document`, `migrate.model`), so the summary reads what this release writes; both CI
jobs install the project before this step. It tolerates a document's missing optional parts
(an older or hand-trimmed file still renders) but refuses another format or version.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrate.document import NotJSON, read_json
from migrate.model import FORMAT, VERSION, Action, Resource, Status

PLAN_FORMAT = FORMAT
SUPPORTED_VERSIONS = frozenset({VERSION})
REQUIRED_RESOURCE_FIELDS = ("account", "region", "kind", "id", "action")
STATUSES = tuple(Status)
# GitHub rejects a step summary over 1 MiB; stay under it with room for other steps' text.
DEFAULT_MAX_BYTES = 900_000


class PlanError(Exception):
    """The input is not a defender-migrate plan; the message is one line."""


@dataclass(frozen=True)
class Document:
    command: str
    created: str | None
    resources: list[Resource]
    errors: list[dict[str, str]]

    @property
    def is_apply(self) -> bool:
        return self.command == "apply" or any(r.status is not None for r in self.resources)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _resource(index: int, item: Any) -> Resource:
    if not isinstance(item, Mapping):
        raise PlanError(f"resources[{index}] is not an object")
    missing = [field for field in REQUIRED_RESOURCE_FIELDS if item.get(field) in (None, "")]
    if missing:
        raise PlanError(f"resources[{index}] lacks {', '.join(missing)}")
    try:
        resource = Resource.from_json({**item, "reason": _text(item.get("reason"))})
        resource.status = None if item.get("status") is None else Status(item["status"])
    except (ValueError, TypeError) as exc:  # an unknown action or status, details not an object
        raise PlanError(f"resources[{index}]: {exc}") from None
    order = item.get("order")
    resource.order = order if isinstance(order, int) and not isinstance(order, bool) else None
    resource.error = None if item.get("error") in (None, "") else str(item["error"])
    return resource


def parse(raw: Any) -> Document:
    """Validate the parts of the document the summary relies on; tolerate the rest."""
    if not isinstance(raw, Mapping):
        raise PlanError("not a defender-migrate plan (the document is not a JSON object)")
    if raw.get("format") != PLAN_FORMAT:
        found = raw.get("format")
        shown = "missing" if found is None else repr(found)
        raise PlanError(f"not a defender-migrate plan (format is {shown}, not {PLAN_FORMAT!r})")
    if raw.get("version") not in SUPPORTED_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_VERSIONS))
        raise PlanError(
            f"plan version {raw.get('version')!r} is not supported (supported: {supported}); "
            "use the plan_summary.py of the same release as defender-migrate"
        )
    resources = raw.get("resources")
    if not isinstance(resources, list):
        raise PlanError("not a defender-migrate plan ('resources' is not a list)")
    errors_raw = raw.get("errors") or []
    if not isinstance(errors_raw, list):
        raise PlanError("not a defender-migrate plan ('errors' is not a list)")
    errors = [
        {key: _text(err.get(key)) for key in ("account", "region", "error")}
        if isinstance(err, Mapping)
        else {"account": "", "region": "", "error": _text(err)}
        for err in errors_raw
    ]
    return Document(
        command=_text(raw.get("command")) or "plan",
        created=None if raw.get("created") is None else str(raw["created"]),
        resources=[_resource(i, item) for i, item in enumerate(resources)],
        errors=errors,
    )


def load(path: Path) -> Document:
    try:
        raw = read_json(path)
    except FileNotFoundError:
        raise PlanError("file not found") from None
    except OSError as exc:
        raise PlanError(f"cannot read the file ({exc})") from None
    except NotJSON as exc:
        raise PlanError(f"{exc}; was defender-migrate run with --output json?") from None
    return parse(raw)


def cell(value: str) -> str:
    """Make text safe inside one Markdown table cell."""
    flat = " ".join(value.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|") or " "


def code(value: str) -> str:
    flat = " ".join(value.split()).replace("|", "\\|")
    return f"`{flat}`" if "`" not in flat else cell(flat)


def _delete_key(resource: Resource) -> tuple[int, int, str, str]:
    # Resources without an order go last; kind and id keep the output stable.
    missing = resource.order is None
    return (int(missing), resource.order or 0, resource.kind, resource.id)


def _count(word: str, n: int) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def headline(doc: Document) -> str:
    actions = Counter(r.action for r in doc.resources)
    deletes, keeps = actions.get(Action.DELETE, 0), actions.get(Action.KEEP, 0)
    accounts = {r.account for r in doc.resources}
    accounts |= {e["account"] for e in doc.errors if e["account"]}
    parts: list[str]
    if doc.is_apply:
        statuses = Counter(r.status or "no status" for r in doc.resources
                           if r.action is Action.DELETE)
        parts = [f"{statuses.get(s, 0)} {s}" for s in STATUSES if statuses.get(s)]
        parts += [f"{n} {s}" for s, n in sorted(statuses.items()) if s not in STATUSES]
        parts = parts or ["nothing to delete"]
        parts.append(f"{keeps} kept")
    else:
        parts = [f"**{deletes} to delete**" if deletes else "nothing to delete", f"{keeps} kept"]
    if doc.errors:
        parts.append(f"**{_count('error', len(doc.errors))}**")
    return f"{', '.join(parts)} ({_count('account', len(accounts))})"


def _group_table(resources: Sequence[Resource], is_apply: bool) -> list[str]:
    deletes = sorted((r for r in resources if r.action is Action.DELETE), key=_delete_key)
    others = sorted((r for r in resources if r.action is not Action.DELETE),
                    key=lambda r: (r.kind, r.id))
    header = ["#", "action", "kind", "id", "reason"]
    if is_apply:
        header += ["status", "error"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number, resource in enumerate([*deletes, *others], start=1):
        step = str(number) if resource.action is Action.DELETE else ""
        row = [
            step,
            cell(resource.action),
            cell(resource.kind),
            code(resource.id),
            cell(resource.reason),
        ]
        if is_apply:
            row += [cell(resource.status or ""), cell(resource.error or "")]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _errors_table(errors: Iterable[Mapping[str, str]]) -> list[str]:
    lines = ["### Errors", "", "| account | region | error |", "|---|---|---|"]
    lines += [
        f"| {cell(e['account'])} | {cell(e['region'])} | {cell(e['error'])} |" for e in errors
    ]
    return [*lines, ""]


def render(doc: Document, *, title: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    heading = title or f"Trivy scanner leftovers: {'apply' if doc.is_apply else 'plan'}"
    head = [f"## {heading}", "", headline(doc)]
    if doc.created:
        head[-1] += f" · created {doc.created}"
    head.append("")
    if doc.errors:
        head += _errors_table(doc.errors)
    if not doc.resources:
        head.append("No Trivy scanner resources or look-alikes were found.")
        return "\n".join(head) + "\n"

    groups: dict[tuple[str, str], list[Resource]] = {}
    for resource in doc.resources:
        groups.setdefault((resource.account, resource.region), []).append(resource)
    # Groups with something to delete first: that is what a reviewer must look at.
    keys = sorted(groups, key=lambda k: (all(r.action is not Action.DELETE for r in groups[k]), k))

    out = "\n".join(head) + "\n"
    for shown, key in enumerate(keys):
        resources = groups[key]
        deletes = sum(r.action is Action.DELETE for r in resources)
        section = (
            "\n".join(
                [
                    f"### Account {key[0]} · {key[1]}",
                    "",
                    f"{deletes} to delete, {len(resources) - deletes} kept",
                    "",
                    *_group_table(resources, doc.is_apply),
                    "",
                ]
            )
            + "\n"
        )
        if len((out + section).encode()) > max_bytes:
            rest = len(keys) - shown
            out += (
                f"\n_{_count('more account/region group', rest)} not shown (the job summary is "
                "limited in size); the full document is in the workflow's artifacts._\n"
            )
            break
        out += section
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="plan_summary.py",
        description="Render a defender-migrate JSON plan or apply result as Markdown.",
    )
    parser.add_argument("document", type=Path, help="the JSON written by defender-migrate")
    parser.add_argument("--title", help="heading to use instead of the default")
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help=f"truncate the Markdown at a group boundary to this size ({DEFAULT_MAX_BYTES})",
    )
    args = parser.parse_args(argv)
    try:
        doc = load(args.document)
    except PlanError as exc:
        print(f"plan_summary.py: error: {args.document}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(render(doc, title=args.title, max_bytes=args.max_bytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
