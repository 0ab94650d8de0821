"""Offline preview: run the Pulumi program under mocks with one stack file's config.

    python -m stacks.offline Pulumi.<stack>.yaml [--output table|json]

No Pulumi CLI, no plugin, no cloud call: the program (`stacks/__main__.py`) runs exactly as
`pulumi preview` would run it, but the resource monitor is `stacks.offline.placeholders`, which
records each registration with its real inputs and answers with placeholder IDs. Invalid config
stops it the way it stops `pulumi preview`: `error: <full key>: <problem>`, exit status 1.
"""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings

from stacks.config.errors import PROJECT
from stacks.offline.mocks import RecordingMonitor, Registration
from stacks.offline.placeholders import PlaceholderMocks
from stacks.offline.stackfile import StackFile, StackFileError, read_stack_file
from stacks.offline.summary import summarize

PROGRAM = Path(__file__).resolve().parents[1] / "__main__.py"


@dataclass
class Rendering:
    stack: StackFile
    aws_account: str | None
    registrations: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)

    # Registration order depends on how outputs resolve; sorted output is stable to compare.
    def children(self, parent: str) -> list[Registration]:
        return sorted((r for r in self.registrations if r.parent == parent), key=_order)

    def roots(self) -> list[Registration]:
        urns = {r.urn for r in self.registrations}
        return sorted((r for r in self.registrations if r.parent not in urns), key=_order)


def _order(registration: Registration) -> tuple[str, str]:
    return registration.type, registration.name


def _aws_account(stack: StackFile) -> str | None:
    try:
        raw = json.loads(stack.config.get(f"{PROJECT}:aws", "null"))
    except json.JSONDecodeError:
        return None
    account = raw.get("accountId") if isinstance(raw, dict) else None
    return account if isinstance(account, str) else None


def _gcp_identity(stack: StackFile) -> tuple[str, str, str]:
    """(projectId, projectNumber, organizationId) the GCP lookups answer with."""
    try:
        raw = json.loads(stack.config.get(f"{PROJECT}:gcp", "null"))
    except json.JSONDecodeError:
        raw = None
    raw = raw if isinstance(raw, dict) else {}
    organization = raw.get("organization")
    organization = organization if isinstance(organization, dict) else {}

    def text(value: Any, default: str) -> str:
        return value if isinstance(value, str) else default

    return (text(raw.get("projectId"), "offline-preview-project"),
            text(raw.get("projectNumber"), "000000000000"),
            text(organization.get("organizationId"), "000000000000"))


def render(stack: StackFile) -> Rendering:
    """Run the program with the stack's config; raise `pulumi.RunError` for invalid config."""
    account = _aws_account(stack)
    project, number, organization = _gcp_identity(stack)
    mocks = PlaceholderMocks(aws_account=account or "000000000000", gcp_project=project,
                             gcp_project_number=number, gcp_organization=organization)
    monitor = RecordingMonitor(mocks)
    # set_mocks keeps an existing root stack resource (and its exports) from an earlier run.
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack.stack, preview=False,
                             monitor=monitor)
    pulumi.runtime.set_all_config(stack.config, list(stack.secret_keys))
    outputs: dict[str, Any] = {}

    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        root = settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}) or {})
        if not exported:
            return pulumi.Output.from_input(None)
        return pulumi.Output.all(**exported).apply(outputs.update)

    try:
        # Runs the program and waits for every registration and output, like the engine does.
        pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]
    finally:
        pulumi.runtime.set_all_config({})
    return Rendering(stack, account, monitor.registrations, outputs)


def header(rendering: Rendering) -> list[str]:
    stack = rendering.stack
    lines = [
        f"Offline preview of stack {stack.stack!r} ({stack.path.name}): the Pulumi program ran "
        "under mocks.",
        "No cloud was called and nothing was checked against one: IDs, ARNs and principal IDs "
        "are placeholders.",
    ]
    if rendering.aws_account:
        lines.append(f"AWS answers as if the credentials were for account "
                     f"{rendering.aws_account} (pulumi up checks that they are).")
    if any(r.type.startswith("gcp:") for r in rendering.registrations):
        lines.append("GCP answers as if the provider were set to the stack's projectId (and "
                     "organization), with its projectNumber (pulumi up checks that they are).")
    if stack.secret_keys:
        lines.append(f"Secret values are not decrypted: {', '.join(stack.secret_keys)}.")
    return lines


def as_table(rendering: Rendering) -> str:
    lines = [*header(rendering), ""]

    def walk(registration: Registration, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        lines.append(f"{prefix}{branch}{registration.type}  {registration.name}")
        inner = prefix if top else prefix + ("   " if last else "│  ")
        kids = rendering.children(registration.urn)
        detail_prefix = inner + ("│  " if kids else "   ")
        for key, value in summarize(registration.type, registration.inputs):
            lines.append(f"{detail_prefix}  {key}: {value}")
        for i, kid in enumerate(kids):
            walk(kid, inner, i == len(kids) - 1, False)

    for root in rendering.roots():
        walk(root, "", True, True)
        lines.append("")
    components = sum(not r.custom for r in rendering.registrations)
    lines.append(f"{len(rendering.registrations)} resources would be registered: "
                 f"{len(rendering.registrations) - components} in the clouds (or explicit "
                 f"providers), {components} component(s) grouping them.")
    if rendering.outputs:
        lines += ["", "Outputs:"]
        lines += [f"  {key}: {json.dumps(value, sort_keys=True)}"
                  for key, value in sorted(rendering.outputs.items())]
    return "\n".join(lines) + "\n"


def as_json(rendering: Rendering) -> str:
    by_urn = {r.urn: r for r in rendering.registrations}
    document = {
        "format": "defender-containers/offline-preview",
        "version": 1,
        "stack": rendering.stack.stack,
        "note": " ".join(header(rendering)),
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "urn": r.urn,
                "parent": r.parent if r.parent in by_urn else None,
                "component": not r.custom,
                "summary": dict(summarize(r.type, r.inputs)),
                "inputs": r.inputs,
            }
            for r in sorted(rendering.registrations, key=lambda r: r.urn)
        ],
        "outputs": rendering.outputs,
    }
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m stacks.offline",
        description="Show what a stack file's config would create, without the Pulumi CLI or "
        "any cloud: the program runs under mocks and prints the resources it registers.",
    )
    parser.add_argument("stack_file", type=Path, metavar="Pulumi.<stack>.yaml",
                        help="the stack file to render")
    parser.add_argument("-o", "--output", choices=("table", "json"), default="table")
    args = parser.parse_args(argv)

    try:
        stack = read_stack_file(args.stack_file)
    except StackFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    try:
        rendering = render(stack)
    except pulumi.RunError as exc:
        # What `pulumi preview` prints for a RunError: the message, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(as_json(rendering) if args.output == "json" else as_table(rendering))
    return 0
