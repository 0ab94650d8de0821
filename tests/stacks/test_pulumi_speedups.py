"""The faster stack capture of pulumi_speedups.py returns what the SDK's own returns."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime import resource

from tests.stacks import pulumi_speedups
from tests.stacks.policy_support import MG, SUB_A, run_program


def test_the_copy_equals_the_sdk_for_every_registration_of_a_program(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[Any] = []

    def both() -> Any:
        ours = pulumi_speedups.get_stack_trace()
        assert ours == pulumi_speedups.ORIGINAL()
        compared.append(ours)
        return ours

    monkeypatch.setattr(resource, "_get_stack_trace", both)
    run_program({"location": "westeurope", "managementGroups": [MG], "subscriptions": [SUB_A]})
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
