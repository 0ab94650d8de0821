"""Helpers for the policy stack tests: run the whole program under the recording mocks.

Extends stacks/offline/mocks.py (not a rewrite): policy assignments get a system-assigned identity
with a principal ID, and registrations also record the explicit provider they use.
"""

from __future__ import annotations

import copy
import json
import runpy
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings

from stacks.offline.mocks import RecordingMocks, RecordingMonitor, Registration

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "stacks" / "__main__.py"
FIXTURES = ROOT / "tests" / "fixtures"

PA = "azure-native:authorization:PolicyAssignment"
RA = "azure-native:authorization:RoleAssignment"
REM_MG = "azure-native:policyinsights:RemediationAtManagementGroup"
REM_SUB = "azure-native:policyinsights:RemediationAtSubscription"
EXEMPTION = "azure-native:authorization:PolicyExemption"
WORKSPACE = "azure-native:operationalinsights:Workspace"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
TRUSTED_ACCESS = "azure-native:containerservice:TrustedAccessRoleBinding"
PROVIDER = "pulumi:providers:azure-native"

SUB_A = "11111111-1111-1111-1111-111111111111"
SUB_B = "22222222-2222-2222-2222-222222222222"
SUB_C = "33333333-3333-3333-3333-333333333333"
MG = "contoso-platform"
MG_SCOPE = f"/providers/Microsoft.Management/managementGroups/{MG}"


def principal_for(name: str) -> str:
    """The principal ID the mocks give the identity of the policy assignment named `name`."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"principal/{name}"))


def _outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    if args.typ == PA:
        identity = args.inputs.get("identity")
        # Azure creates a principal only for a system-assigned identity that was asked for
        if identity and identity.get("type") == "SystemAssigned":
            identity = {**identity, "principalId": principal_for(args.name),
                        "tenantId": "99999999-9999-9999-9999-999999999999"}
        return {
            "identity": identity,
            "id": f"{args.inputs['scope']}/providers/Microsoft.Authorization/policyAssignments/"
                  f"{args.inputs['policyAssignmentName']}",
        }
    if args.typ == RESOURCE_GROUP:
        # azure-native returns the group's name as the `name` output
        return {"name": args.inputs["resourceGroupName"],
                "id": f"/subscriptions/{SUB_C}/resourceGroups/{args.inputs['resourceGroupName']}"}
    if args.typ == WORKSPACE:
        return {"id": f"/subscriptions/{SUB_C}/resourceGroups/{args.inputs['resourceGroupName']}"
                      f"/providers/Microsoft.OperationalInsights/workspaces/"
                      f"{args.inputs['workspaceName']}"}
    return {}


class PolicyMocks(RecordingMocks):
    """Gives resources the Azure resource ID the real API would (`id` from `outputs_for`)."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        resource_id, state = super().new_resource(args)
        return state.pop("id", resource_id), state


@dataclass
class Recorded(Registration):
    provider: str = ""


class ProviderRecordingMonitor(RecordingMonitor):
    """Also records each registration's explicit provider reference (`<urn>::<id>`)."""

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if self.registrations and self.registrations[-1].urn == response.urn:
            last = self.registrations[-1]
            self.registrations[-1] = Recorded(**vars(last), provider=request.provider)
        return response

    @staticmethod
    def provider_urn(registration: Registration) -> str:
        """The URN of the provider a registration uses ("" for none recorded)."""
        reference: str = getattr(registration, "provider", "")
        return reference.rsplit("::", 1)[0] if reference else ""


def install_policy_mocks() -> ProviderRecordingMonitor:
    monitor = ProviderRecordingMonitor(PolicyMocks(outputs_for=_outputs))
    # set_mocks keeps an existing root stack, and with it the previous program's exports
    settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        monitor.mocks, project="defender-containers", stack="test", preview=False, monitor=monitor
    )
    return monitor


_RUNS: dict[str, tuple[ProviderRecordingMonitor, dict[str, Any]]] = {}


def run_program(azure: dict[str, Any] | None, other_config: dict[str, str] | None = None, *,
                fresh: bool = False) -> tuple[ProviderRecordingMonitor, dict[str, Any]]:
    """Run stacks/__main__.py with `defender-containers:azure` = `azure`.

    Returns the monitor and the stack's exports (resolved). Calls with the same config (the
    same JSON, key order included) in one test process share one run of the program: each
    gets a new monitor holding deep copies of that run's registrations and resources, and a
    deep copy of its exports, so it gets exactly what a fresh run returns (the program is
    deterministic but for the order of registrations, which also varies between fresh runs;
    the tests that check determinism pass fresh=True for the run they compare) and no test
    sees what another changed. A run that raises is not kept: it raises every time.
    """
    key = json.dumps([azure, other_config])
    if fresh or key not in _RUNS:
        _RUNS[key] = _run_program(azure, other_config)
    monitor, exports = _RUNS[key]
    assert isinstance(monitor.mocks, RecordingMocks)
    copied = ProviderRecordingMonitor(copy.deepcopy(monitor.mocks))
    copied.registrations = copy.deepcopy(monitor.registrations)
    copied.resources = copy.deepcopy(monitor.resources)
    return copied, copy.deepcopy(exports)


def _run_program(azure: dict[str, Any] | None, other_config: dict[str, str] | None
                 ) -> tuple[ProviderRecordingMonitor, dict[str, Any]]:
    monitor = install_policy_mocks()
    config = dict(other_config or {})
    if azure is not None:
        config["defender-containers:azure"] = json.dumps(azure)
    pulumi.runtime.set_all_config(config)
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        stack = settings.get_root_resource()
        outputs = dict(getattr(stack, "outputs", {}) or {})
        return pulumi.Output.all(**outputs).apply(exports.update) if outputs else \
            pulumi.Output.from_input(None)

    program()
    return monitor, exports


def load_fixture(*parts: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURES.joinpath(*parts).read_text())
    return data
