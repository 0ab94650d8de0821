"""The speed-ups of the stack tests change nothing: pulumi_speedups.py's stack capture returns what
the SDK's own returns, and a run shared by run_program is what a fresh run returns."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pulumi.runtime import resource

from stacks.offline.mocks import Registration
from tests.stacks import policy_support, pulumi_speedups
from tests.stacks.policy_support import MG, SUB_A, ProviderRecordingMonitor, run_program


def test_the_copy_equals_the_sdk_for_every_registration_of_a_program(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[Any] = []

    def both() -> Any:
        ours = pulumi_speedups.get_stack_trace()
        assert ours == pulumi_speedups.ORIGINAL()
        compared.append(ours)
        return ours

    monkeypatch.setattr(resource, "_get_stack_trace", both)
    run_program({"location": "westeurope", "managementGroups": [MG], "subscriptions": [SUB_A]},
                fresh=True)
    assert len(compared) > 20
    # real positions, not two empty traces: the program's own files appear
    uris = {frame.pc.uri for trace in compared for frame in trace.frames}
    assert any(uri.endswith("/stacks/policy/component.py") for uri in uris)
    assert all(len(trace.frames) > 0 for trace in compared)


def test_traces_share_no_message() -> None:
    """The cached frame messages are copied into each trace: changing one trace leaves the
    next capture as it was."""
    def capture() -> Any:
        return pulumi_speedups.get_stack_trace()

    class A:
        def __init__(self) -> None:
            self.trace = capture()

    class B(A):
        def __init__(self) -> None:
            super().__init__()

    class C(B):
        def __init__(self) -> None:
            super().__init__()

    first, second = (C().trace for _ in range(2))  # the same stack twice
    assert len(first.frames) > 0
    expected = first.frames[0].pc.line
    first.frames[0].pc.line = -1
    assert second.frames[0].pc.line == expected


def by_urn(monitor: ProviderRecordingMonitor) -> dict[str, Registration]:
    """Registrations by URN, each one's dependencies sorted: the order of both differs between
    fresh runs of the program too (Pulumi resolves them concurrently)."""
    found = {r.urn: dataclasses.replace(r, dependencies=sorted(r.dependencies))
             for r in monitor.registrations}
    assert len(found) == len(monitor.registrations)
    return found


def test_a_shared_run_returns_what_a_fresh_run_returns_and_keeps_no_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[object] = []
    real_run = policy_support._run_program

    def counted(*args: Any) -> Any:
        runs.append(args)
        return real_run(*args)

    monkeypatch.setattr(policy_support, "_run_program", counted)
    azure = {"location": "westeurope", "managementGroups": [MG], "remediate": True}
    first, first_exports = run_program(azure)
    shared, shared_exports = run_program(azure)
    assert len(runs) == 1
    assert first.registrations == shared.registrations
    assert first_exports == shared_exports
    next(r for r in first.registrations if r.inputs).inputs.clear()
    first.registrations.clear()
    first_exports.clear()
    again, again_exports = run_program(azure)
    fresh, fresh_exports = run_program(azure, fresh=True)
    assert len(runs) == 2
    assert by_urn(again) == by_urn(shared) == by_urn(fresh)
    assert again_exports == shared_exports == fresh_exports
    assert len(fresh.registrations) > 20
    assert fresh_exports
