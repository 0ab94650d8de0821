"""Pulumi mocks that record every registration with its real inputs, parent and dependencies.

docs/reference.md §7: `install()` must run before the program or component module builds resources,
with preview=False (with preview=True unknown outputs make assertions inside `apply` never run).
Tests use `@pulumi.runtime.test` and return an Output; pytest runs with
`-W error::pytest.PytestReturnNotNoneWarning` so an undecorated test cannot pass silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    parent: str
    dependencies: list[str]
    custom: bool


InvokeHandler = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class RecordingMocks(pulumi.runtime.Mocks):
    """Echoes inputs as outputs (plus any `outputs_for` extras); answers invokes from `invokes`."""

    invokes: dict[str, InvokeHandler] = field(default_factory=dict)
    outputs_for: Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]] | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        state = dict(args.inputs)
        if self.outputs_for is not None:
            state.update(self.outputs_for(args))
        return f"{args.name}-id", state

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        self.calls.append((args.token, dict(args.args)))
        handler = self.invokes.get(args.token)
        if handler is None:
            raise AssertionError(f"unexpected invoke {args.token}: add a handler to RecordingMocks")
        return handler(dict(args.args)), []  # the SDK iterates over the failures


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    inputs=self.resources[response.urn].state if response.urn in self.resources
                    else {},
                    parent=request.parent,
                    dependencies=list(request.dependencies),
                    custom=bool(request.custom),
                )
            )
        return response

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def by_name(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, got {len(found)}"
        return found[0]


def install(mocks: RecordingMocks | None = None, stack: str = "test") -> RecordingMonitor:
    """Route the Pulumi runtime to recording mocks (call before building any resource)."""
    monitor = RecordingMonitor(mocks or RecordingMocks())
    pulumi.runtime.set_mocks(
        monitor.mocks, project="defender-containers", stack=stack, preview=False, monitor=monitor
    )
    return monitor
