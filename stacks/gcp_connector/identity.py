"""The connector's GCP identities, defined once from Microsoft's contract (docs/reference.md §10).

`identity_plan(config)` says which workload identity providers, service accounts, custom roles
and role grants the enabled offerings need; `component.py` only turns the plan into resources.
Project mode grants on the onboarded project, with project custom roles; organization mode
grants on the organization, with organization custom roles (GCP refuses a project custom role
in an organization-level binding, the bug of Microsoft's 2023 organizational module).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stacks.config.gcp import GcpConnectorConfig

CONTAINERS_ROLE = "MicrosoftDefenderContainersRole"
DATA_COLLECTION_ROLE = "MicrosoftDefenderContainersDataCollectionRole"
CLUSTER_WRITE_ROLE = "MDCGkeClusterWriteRole"
RESPONSE_ACTIONS_ROLE = "MDCGkeContainerResponseActionsRole"
INVENTORY_ROLE = "MDCGkeContainerInventoryCollectionRole"
GAR_WRITE_ROLE = "MDCWritingGarAssessmentsRole"
CSPM_ROLE = "MDCCspmCustomRole"
ONBOARDING_ROLE = "MDCCustomRole"

WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
# Defender's tokens carry the caller in `sub`; the contract maps nothing else.
ATTRIBUTE_MAPPING: Mapping[str, str] = {"google.subject": "assertion.sub"}
CLOUD_LOGS_WRITER = "serviceAccount:cloud-logs@system.gserviceaccount.com"
PUBSUB_PUBLISHER = "roles/pubsub.publisher"

# Image assessment: least privilege reads Artifact Registry and Cloud Storage; Microsoft's
# default access may also write, to publish assessment results for gated deployment.
ARTIFACT_LEAST_PRIVILEGE = ("roles/artifactregistry.reader", "roles/storage.objectViewer")
ARTIFACT_DEFAULT_ACCESS = ("roles/storage.objectUser", "roles/artifactregistry.writer")

# GCP allows these only in organization (or folder) custom roles: a project custom role that
# lists one is refused, so project mode leaves them out.
ORGANIZATION_ONLY_PERMISSIONS = frozenset({
    "resourcemanager.folders.get",
    "resourcemanager.folders.getIamPolicy",
    "resourcemanager.folders.list",
    "resourcemanager.organizations.get",
    "resourcemanager.organizations.getIamPolicy",
    "resourcemanager.projects.list",
})


@dataclass(frozen=True)
class CustomRole:
    role_id: str
    title: str
    permissions: tuple[str, ...]
    stage: str = "GA"


CUSTOM_ROLES: Mapping[str, CustomRole] = {r.role_id: r for r in (
    CustomRole(CONTAINERS_ROLE, "Microsoft Defender Containers Custom Role", (
        "logging.sinks.list", "logging.sinks.get", "logging.sinks.create", "logging.sinks.update",
        "logging.sinks.delete", "resourcemanager.projects.getIamPolicy", "iam.serviceAccounts.get",
        "iam.workloadIdentityPoolProviders.get",
        # PERM lists it; the project role of the 2023 module omits it (project mode drops it).
        "resourcemanager.organizations.getIamPolicy"), "ALPHA"),
    CustomRole(DATA_COLLECTION_ROLE, "Microsoft Defender Containers Data Collection Custom Role",
               ("pubsub.subscriptions.consume", "pubsub.subscriptions.get"), "ALPHA"),
    CustomRole(CLUSTER_WRITE_ROLE, "MDC GKE Cluster Write Role", ("container.clusters.update",)),
    CustomRole(RESPONSE_ACTIONS_ROLE, "MDC GKE Container Response Actions Role", (
        "container.pods.update", "container.pods.delete", "container.networkPolicies.create",
        "container.networkPolicies.update", "container.networkPolicies.delete")),
    CustomRole(INVENTORY_ROLE, "MDC GKE Container Inventory Collection Role",
               ("container.nodes.proxy", "container.secrets.list")),
    CustomRole(GAR_WRITE_ROLE, "MDC Writing GAR Assessments Role", (
        "artifactregistry.repositories.uploadArtifacts",
        "artifactregistry.repositories.deleteArtifacts")),
    CustomRole(CSPM_ROLE, "MDC CSPM Custom Role", (
        "resourcemanager.folders.getIamPolicy", "resourcemanager.folders.list",
        "resourcemanager.organizations.get", "resourcemanager.organizations.getIamPolicy",
        "storage.buckets.getIamPolicy", "artifactregistry.repositories.list",
        "artifactregistry.repositories.getIamPolicy", "artifactregistry.dockerimages.list")),
    # TF's list without its invalid entry `logging.googleapis.com` (a service, not a permission).
    CustomRole(ONBOARDING_ROLE, "MDC Onboarding Custom Role", (
        "resourcemanager.folders.get", "resourcemanager.folders.list",
        "resourcemanager.projects.get", "resourcemanager.projects.list",
        "serviceusage.services.enable", "iam.roles.create", "iam.roles.list",
        "iam.serviceAccounts.actAs", "compute.projects.get",
        "compute.projects.setCommonInstanceMetadata")),
)}


@dataclass(frozen=True)
class Provider:
    key: str  # `advanced.providerIds.<key>` / `advanced.audiences.<key>`
    provider_id: str
    audience: str
    description: str


@dataclass(frozen=True)
class ServiceAccount:
    key: str  # `advanced.serviceAccountIds.<key>`; also the output name
    account_id: str
    display_name: str
    provider: str  # the Provider key Defender authenticates through
    predefined_roles: tuple[str, ...]
    custom_roles: tuple[str, ...]


@dataclass(frozen=True)
class IdentityPlan:
    organization: bool
    providers: tuple[Provider, ...]
    service_accounts: tuple[ServiceAccount, ...]
    custom_roles: tuple[CustomRole, ...]  # each with the permissions valid at its scope


def _scoped(role: CustomRole, organization: bool) -> CustomRole:
    if organization:
        return role
    kept = tuple(p for p in role.permissions if p not in ORGANIZATION_ONLY_PERMISSIONS)
    return CustomRole(role.role_id, role.title, kept, role.stage)


def identity_plan(config: GcpConnectorConfig) -> IdentityPlan:
    adv = config.advanced
    ids = adv.service_account_ids
    organization = config.organization is not None
    provider_keys: list[str] = []
    accounts: list[ServiceAccount] = []
    if config.offerings.containers:
        provider_keys += ["containers", "containersStreams"]
        accounts += [
            ServiceAccount("containers", ids["containers"], "Microsoft Defender Containers",
                           "containers", adv.containers_predefined_roles, (CONTAINERS_ROLE,)),
            ServiceAccount("dataCollection", ids["dataCollection"],
                           "Microsoft Defender Data Collector", "containersStreams", (),
                           (DATA_COLLECTION_ROLE,)),
            ServiceAccount("k8sOperator", ids["k8sOperator"],
                           "Microsoft Defender Containers Kubernetes Operator", "containers",
                           ("roles/container.viewer",),
                           (CLUSTER_WRITE_ROLE, *adv.k8s_operator_extra_roles)),
            ServiceAccount("artifactAssess", ids["artifactAssess"],
                           "Microsoft Defender Containers Artifact Assessment", "containers",
                           ARTIFACT_LEAST_PRIVILEGE if config.least_privilege
                           else ARTIFACT_DEFAULT_ACCESS,
                           () if config.least_privilege else (GAR_WRITE_ROLE,)),
        ]
    if config.offerings.cspm:
        provider_keys.append("cspm")
        accounts.append(ServiceAccount("cspm", ids["cspm"], "Microsoft Defender CSPM", "cspm",
                                       ("roles/viewer",), (CSPM_ROLE,)))
    if organization:
        provider_keys.append("autoProvisioner")
        accounts.append(ServiceAccount("onboarding", ids["onboarding"],
                                       "Microsoft Onboarding management service account",
                                       "autoProvisioner", (), (ONBOARDING_ROLE,)))
    descriptions = {
        "containers": "OIDC identity pool provider for Containers.",
        "containersStreams": "OIDC identity pool provider for Containers Data Collection.",
        "cspm": "OIDC identity pool provider for CSPM",
        "autoProvisioner": "OIDC identity pool provider for the auto-provisioner",
    }
    providers = tuple(Provider(k, adv.providers[k].provider_id, adv.providers[k].audience,
                               descriptions[k]) for k in provider_keys)
    used = dict.fromkeys(r for a in accounts for r in a.custom_roles)
    roles = tuple(_scoped(CUSTOM_ROLES[r], organization) for r in used)
    return IdentityPlan(organization, providers, tuple(accounts), roles)
