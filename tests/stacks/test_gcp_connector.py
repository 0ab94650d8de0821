"""`defender:gcp:GcpConnector` under Pulumi mocks: what it registers, with which real inputs.

The mocks answer service-account emails in a `from-mock` domain that no code could compute from
the account ID, so the connector's offerings can only hold them if they were wired from the
accounts. Each configuration is rendered once per test process (`rendered`).
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import pulumi
import pytest

from stacks.config.errors import ConfigError
from stacks.config.gcp import parse_gcp
from stacks.gcp_connector import GcpConnector, GcpConnectorArgs
from stacks.offline.mocks import RecordingMocks, RecordingMonitor, Registration, install
from stacks.offline.placeholders import gcp_outputs
from tests.stacks.test_gcp_config import MINIMAL, ORGANIZATION, with_

PROJECT = MINIMAL["projectId"]
NUMBER = MINIMAL["projectNumber"]
ORG = ORGANIZATION["organizationId"]
POOL = "11111111222233334444555555555555"
PRINCIPALS = (f"principalSet://iam.googleapis.com/projects/{NUMBER}/locations/global/"
              f"workloadIdentityPools/{POOL}/*")

CLIENT_CONFIG = "gcp:organizations/getClientConfig:getClientConfig"
GET_PROJECT = "gcp:organizations/getProject:getProject"
GET_ORGANIZATION = "gcp:organizations/getOrganization:getOrganization"
POOL_TYPE = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool"
PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
ACCOUNT = "gcp:serviceaccount/account:Account"
SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
ORG_MEMBER = "gcp:organizations/iAMMember:IAMMember"
PROJECT_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
ORG_ROLE = "gcp:organizations/iAMCustomRole:IAMCustomRole"
SERVICE = "gcp:projects/service:Service"
PROJECT_AUDIT = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
ORG_AUDIT = "gcp:organizations/iamAuditConfig:IamAuditConfig"
CONNECTOR = "azure-native:security:SecurityConnector"


class GcpMocks(RecordingMocks):
    # The SDK's MockMonitor iterates the failures list; the shared harness returns None there.
    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[Any]]:
        result, failures = super().call(args)
        return result, list(failures or [])


def mock_email(account_id: str) -> str:
    return f"{account_id}@from-mock.iam.gserviceaccount.com"


def outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    found = gcp_outputs(args.typ, args.inputs, NUMBER)
    if args.typ == ACCOUNT:
        email = mock_email(args.inputs["accountId"])
        found.update(email=email, name=f"projects/{PROJECT}/serviceAccounts/{email}")
    return found


def mocks(provider_project: str = PROJECT, number: str = NUMBER, org: str = ORG) -> GcpMocks:
    return GcpMocks(
        invokes={
            CLIENT_CONFIG: lambda _args: {"project": provider_project, "id": "x"},
            GET_PROJECT: lambda args: {"projectId": args["projectId"], "number": number},
            GET_ORGANIZATION: lambda args: {"orgId": org, "organization": args["organization"]},
        },
        outputs_for=outputs,
    )


def deploy(raw: dict[str, Any], monitor: RecordingMonitor | None = None) -> RecordingMonitor:
    monitor = monitor or install(mocks())
    config = parse_gcp(raw)

    @pulumi.runtime.test
    def build() -> pulumi.Output[Any]:
        connector = GcpConnector("gcp", GcpConnectorArgs(config))
        return pulumi.Output.all(connector.connector_id,
                                 *connector.service_account_emails.values())

    build()
    return monitor


def raw_config(organization: bool, least_privilege: bool) -> dict[str, Any]:
    raw = with_("leastPrivilege", least_privilege)
    if organization:
        raw = with_("organization", {**ORGANIZATION, "excludedProjectNumbers": ["456789012345"]},
                    raw)
    return raw


@cache
def rendered(organization: bool, least_privilege: bool) -> RecordingMonitor:
    """One rendering per mode and variant for the whole test process."""
    return deploy(raw_config(organization, least_privilege))


MODES = [pytest.param(org, id="organization" if org else "project") for org in (False, True)]


def the(monitor: RecordingMonitor, type_: str) -> Registration:
    found = monitor.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, got {len(found)}"
    return found[0]


def offerings_by_type(monitor: RecordingMonitor) -> dict[str, dict[str, Any]]:
    offerings = the(monitor, CONNECTOR).inputs["offerings"]
    by_type = {o["offeringType"]: o for o in offerings}
    assert len(by_type) == len(offerings)
    return by_type


def grants(monitor: RecordingMonitor) -> list[Registration]:
    return monitor.of_type(PROJECT_MEMBER) + monitor.of_type(ORG_MEMBER)


# --- wiring ------------------------------------------------------------------------------------

@pytest.mark.parametrize("organization", MODES)
def test_every_child_is_parented_to_the_component(organization: bool) -> None:
    monitor = rendered(organization, True)
    (component,) = [r for r in monitor.registrations if r.type == "defender:gcp:GcpConnector"]
    children = [r for r in monitor.registrations if r is not component]
    assert children
    assert {r.parent for r in children} == {component.urn}


@pytest.mark.parametrize("organization", MODES)
def test_the_connector_takes_emails_and_provider_ids_from_the_gcp_resources(
        organization: bool) -> None:
    monitor = rendered(organization, True)
    connector = the(monitor, CONNECTOR).inputs
    assert connector["environmentName"] == "GCP"
    assert connector["hierarchyIdentifier"] == NUMBER
    assert connector["securityConnectorName"] == f"gcp-{PROJECT}"
    data = connector["environmentData"]
    assert data["environmentType"] == "GcpProject"
    assert data["projectDetails"] == {"projectId": PROJECT, "projectNumber": NUMBER}
    assert data["scanInterval"] == 4
    offerings = offerings_by_type(monitor)
    assert set(offerings) == {"CspmMonitorGcp", "DefenderForContainersGcp"}
    assert offerings["CspmMonitorGcp"]["nativeCloudConnection"] == {
        "serviceAccountEmailAddress": mock_email("microsoft-defender-cspm"),
        "workloadIdentityProviderId": "cspm"}
    containers = offerings["DefenderForContainersGcp"]
    assert containers["nativeCloudConnection"] == {
        "serviceAccountEmailAddress": mock_email("microsoft-defender-containers"),
        "workloadIdentityProviderId": "containers"}
    assert containers["dataPipelineNativeCloudConnection"] == {
        "serviceAccountEmailAddress": mock_email("ms-defender-containers-stream"),
        "workloadIdentityProviderId": "containers-streams"}
    assert containers["mdcContainersAgentlessDiscoveryK8S"] == {
        "enabled": True, "workloadIdentityProviderId": "containers",
        "serviceAccountEmailAddress": mock_email("mdc-containers-k8s-operator")}
    assert containers["mdcContainersImageAssessment"] == {
        "enabled": True, "workloadIdentityProviderId": "containers",
        "serviceAccountEmailAddress": mock_email("mdc-containers-artifact-assess")}
    assert (containers["enableAuditLogsAutoProvisioning"],
            containers["enableDefenderAgentAutoProvisioning"],
            containers["enablePolicyAgentAutoProvisioning"]) == (True, True, True)
    if organization:
        assert data["organizationalData"] == {
            "organizationMembershipType": "Organization",
            "excludedProjectNumbers": ["456789012345"],
            "serviceAccountEmailAddress": mock_email("mdc-onboarding-sa"),
            "workloadIdentityProviderId": "auto-provisioner"}
    else:
        assert "organizationalData" not in data


@pytest.mark.parametrize("organization", MODES)
def test_iam_is_only_ever_added_never_made_authoritative(organization: bool) -> None:
    monitor = rendered(organization, False)
    types = {r.type for r in monitor.registrations}
    assert not {t for t in types if "IAMBinding" in t or "IAMPolicy" in t or "iamBinding" in t}
    assert types & {PROJECT_MEMBER, ORG_MEMBER}
    # Project mode grants on the project only; organization mode on the organization only.
    assert (PROJECT_MEMBER in types, ORG_MEMBER in types) == (not organization, organization)
    assert (PROJECT_ROLE in types, ORG_ROLE in types) == (not organization, organization)


@pytest.mark.parametrize("organization", MODES)
def test_apis_stay_on_and_audit_logs_are_retained_when_the_stack_is_destroyed(
        organization: bool) -> None:
    monitor = rendered(organization, True)
    services = monitor.of_type(SERVICE)
    assert services
    assert {s.inputs["disableOnDestroy"] for s in services} == {False}
    assert {s.inputs["project"] for s in services} == {PROJECT}
    audit = the(monitor, ORG_AUDIT if organization else PROJECT_AUDIT)
    assert audit.inputs["service"] == "container.googleapis.com"
    assert [c["logType"] for c in audit.inputs["auditLogConfigs"]] == [
        "ADMIN_READ", "DATA_READ", "DATA_WRITE"]
    assert audit.inputs.get("orgId" if organization else "project") == (
        ORG if organization else PROJECT)


class OptionsMonitor(RecordingMonitor):
    """Also records which resources ask the engine to leave them in the cloud on delete."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.retained: set[str] = set()

    def RegisterResource(self, request: Any) -> Any:
        if request.retainOnDelete:
            self.retained.add(request.type)
        return super().RegisterResource(request)


def test_only_the_audit_config_is_retained_on_delete() -> None:
    monitor = OptionsMonitor(mocks())
    pulumi.runtime.set_mocks(monitor.mocks, project="defender-containers", stack="test",
                             preview=False, monitor=monitor)
    deploy(MINIMAL, monitor)
    assert monitor.retained == {PROJECT_AUDIT}


def test_each_service_account_may_be_impersonated_by_the_pool_only() -> None:
    monitor = rendered(False, True)
    accounts = {a.inputs["accountId"]: a for a in monitor.of_type(ACCOUNT)}
    bindings = monitor.of_type(SA_MEMBER)
    assert len(bindings) == len(accounts)
    for binding in bindings:
        assert binding.inputs["role"] == "roles/iam.workloadIdentityUser"
        assert binding.inputs["member"] == PRINCIPALS
    bound = {b.inputs["serviceAccountId"].rsplit("/", 1)[-1] for b in bindings}
    assert bound == {mock_email(a) for a in accounts}


def test_providers_trust_microsofts_tenant_with_one_audience_each() -> None:
    monitor = rendered(True, True)
    providers = {p.inputs["workloadIdentityPoolProviderId"]: p.inputs
                 for p in monitor.of_type(PROVIDER)}
    assert {k: p["oidc"]["allowedAudiences"] for k, p in providers.items()} == {
        "containers": ["api://6610e979-c931-41ec-adc7-b9920c9d52f1"],
        "containers-streams": ["api://2041288c-b303-4ca0-9076-9612db3beeb2"],
        "cspm": ["api://6e81e733-9e7f-474a-85f0-385c097f7f52"],
        "auto-provisioner": ["api://d17a7d74-7e73-4e7d-bd41-8d9525e86cab"],
    }
    for provider in providers.values():
        assert provider["oidc"]["issuerUri"] == (
            "https://sts.windows.net/33e01921-4d64-4f8c-a055-5bdaffd5e33d/")
        assert provider["attributeMapping"] == {"google.subject": "assertion.sub"}
        assert provider["workloadIdentityPoolId"] == POOL
        assert provider["project"] == PROJECT


def test_least_privilege_reads_artifacts_and_default_access_may_publish_results() -> None:
    def artifact_roles(least_privilege: bool) -> set[str]:
        monitor = rendered(False, least_privilege)
        member = f"serviceAccount:{mock_email('mdc-containers-artifact-assess')}"
        return {g.inputs["role"] for g in grants(monitor) if g.inputs["member"] == member}

    assert artifact_roles(True) == {"roles/artifactregistry.reader",
                                    "roles/storage.objectViewer"}
    assert artifact_roles(False) == {
        "roles/storage.objectUser", "roles/artifactregistry.writer",
        f"projects/{PROJECT}/roles/MDCWritingGarAssessmentsRole"}


def test_offerings_off_create_neither_their_identities_nor_their_offering() -> None:
    monitor = deploy(with_("offerings", {"containers": False}))
    assert {a.inputs["accountId"] for a in monitor.of_type(ACCOUNT)} == {
        "microsoft-defender-cspm"}
    assert {p.inputs["workloadIdentityPoolProviderId"] for p in monitor.of_type(PROVIDER)} == {
        "cspm"}
    assert set(offerings_by_type(monitor)) == {"CspmMonitorGcp"}
    assert monitor.of_type(PROJECT_AUDIT) == []
    assert "serviceAccount:cloud-logs@system.gserviceaccount.com" not in {
        g.inputs["member"] for g in grants(monitor)}


# --- the credentials check ----------------------------------------------------------------------

@pytest.mark.parametrize(("organization", "found", "key", "message"), [
    (False, {"provider_project": "other-project"}, "gcp.projectId",
     "is contoso-gke-prod but this stack's GCP provider is set to project other-project"),
    (False, {"number": "999999999999"}, "gcp.projectNumber",
     "is 123456789012 but project contoso-gke-prod has number 999999999999"),
    (True, {"org": "111111111111"}, "gcp.organization.organizationId",
     "is 987654321098 but this stack's GCP credentials see organization 111111111111"),
], ids=["other-project", "other-number", "other-organization"])
def test_credentials_for_another_project_create_nothing_in_either_cloud(
        organization: bool, found: dict[str, str], key: str, message: str) -> None:
    monitor = install(mocks(**found))
    # (asyncio later logs "exception never retrieved" for the outputs derived from the check.)
    with pytest.raises(ConfigError) as caught:
        deploy(raw_config(organization, True), monitor)
    assert caught.value.key == key
    assert caught.value.problem.startswith(message)
    assert [r.type for r in monitor.registrations] == ["defender:gcp:GcpConnector"]


def test_nothing_in_gcp_is_registered_before_the_project_is_checked() -> None:
    """While the project lookup is unanswered no GCP resource may reach the engine (it would be
    created with whatever project the credentials reach). The answer is held back until a GCP
    registration arrives or a grace period ends; both run on Pulumi's worker threads."""
    monitor_box: list[RecordingMonitor] = []
    seen_while_waiting: list[str] = []

    def gcp_registered() -> list[str]:
        return [r.type for r in monitor_box[0].registrations if r.type.startswith("gcp:")]

    def project(args: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and not gcp_registered():
            time.sleep(0.01)
        seen_while_waiting.extend(gcp_registered())
        return {"projectId": args["projectId"], "number": NUMBER}

    checked = mocks()
    checked.invokes[GET_PROJECT] = project
    monitor_box.append(install(checked))
    deploy(MINIMAL, monitor_box[0])
    assert seen_while_waiting == []
    assert len(monitor_box[0].of_type(POOL_TYPE)) == 1
