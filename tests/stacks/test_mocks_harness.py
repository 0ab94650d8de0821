"""The recording mocks themselves: they see real inputs and dependencies, and fail loudly."""

from __future__ import annotations

import pulumi
import pytest

from stacks.offline.mocks import RecordingMocks, install


def test_registrations_carry_inputs_parent_and_dependencies() -> None:
    monitor = install(RecordingMocks())

    class Parent(pulumi.ComponentResource):
        def __init__(self, name: str) -> None:
            super().__init__("defender:test:Parent", name)
            first = pulumi.CustomResource("test:index:Thing", "first", {"colour": "blue"},
                                          opts=pulumi.ResourceOptions(parent=self))
            self.second = pulumi.CustomResource(
                "test:index:Thing", "second", {"size": 3},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[first]),
            )
            self.register_outputs({})

    @pulumi.runtime.test
    def build() -> pulumi.Output[str]:
        parent = Parent("p")
        return parent.second.urn.apply(lambda _: "done")

    build()
    first, second = monitor.by_name("first"), monitor.by_name("second")
    assert first.inputs == {"colour": "blue"}
    assert second.inputs == {"size": 3}
    assert second.parent == monitor.by_name("p").urn
    assert first.urn in second.dependencies


def test_unknown_invoke_fails_instead_of_passing() -> None:
    install(RecordingMocks())

    @pulumi.runtime.test
    def invoke() -> pulumi.Output[object]:
        return pulumi.Output.from_input(
            pulumi.runtime.invoke("aws:index/getCallerIdentity:getCallerIdentity", {}).value
        )

    with pytest.raises(AssertionError, match="unexpected invoke"):
        invoke()


def test_invoke_with_a_handler_returns_its_answer() -> None:
    mocks = RecordingMocks(invokes={
        "aws:index/getCallerIdentity:getCallerIdentity": lambda _: {"accountId": "123456789012"},
    })
    install(mocks)

    @pulumi.runtime.test
    def invoke() -> pulumi.Output[None]:
        result = pulumi.runtime.invoke("aws:index/getCallerIdentity:getCallerIdentity", {})
        assert result.value["accountId"] == "123456789012"
        return pulumi.Output.from_input(None)

    invoke()
    assert mocks.calls == [("aws:index/getCallerIdentity:getCallerIdentity", {})]
