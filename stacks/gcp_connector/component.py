"""`defender:gcp:GcpConnector`: both sides of the Defender for Cloud GCP connector for GKE.

GCP (pulumi-gcp): the workload identity pool and one OIDC provider per capability, trusting
Microsoft's tenant; the service accounts Defender impersonates through them; their custom roles
and role grants; the APIs; the Kubernetes Engine Data Access audit logs. Azure
(pulumi-azure-native): the security connector, whose offerings name each service account's
email and provider ID from the GCP resources themselves, so the two sides cannot disagree.

The GCP provider must point at `projectId` (and, in organization mode, see `organizationId`):
the project (and organization) are looked up before anything is created, and every GCP resource
takes its project or organization from that check, so wrong credentials or a wrong project
number fail instead of putting identities in another project.

Every IAM grant is non-authoritative (`IAMMember`): the stack adds its members and never
removes anyone else's from a role in the user's project or organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import security
from pulumi_gcp import iam, organizations, projects, serviceaccount

from stacks.config.errors import ConfigError
from stacks.config.gcp import GcpConnectorConfig
from stacks.gcp_connector.identity import (
    ATTRIBUTE_MAPPING,
    CLOUD_LOGS_WRITER,
    PUBSUB_PUBLISHER,
    WORKLOAD_IDENTITY_USER,
    IdentityPlan,
    ServiceAccount,
    identity_plan,
)
from stacks.gcp_connector.offerings import connector_offerings

POOL_DISPLAY_NAME = "Microsoft Defender for Cloud"
POOL_DESCRIPTION = "Microsoft defender for cloud provisioner workload identity pool"
KUBERNETES_ENGINE_API = "container.googleapis.com"


@dataclass(frozen=True)
class GcpConnectorArgs:
    config: GcpConnectorConfig


class GcpConnector(pulumi.ComponentResource):
    connector_id: pulumi.Output[str]
    pool_name: pulumi.Output[str]
    service_account_emails: dict[str, pulumi.Output[str]]
    provider_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: GcpConnectorArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("defender:gcp:GcpConnector", name, None, opts)
        config = args.config
        plan = identity_plan(config)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        project, org = self._checked(config)

        for api in config.advanced.apis:
            projects.Service(
                f"{name}-api-{api.split('.')[0]}",
                project=project,
                service=api,
                # The user's clusters may rely on it: destroying the stack must not switch it off.
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=self._child,
            )

        pool = iam.WorkloadIdentityPool(
            f"{name}-pool",
            project=project,
            workload_identity_pool_id=config.pool_id,
            display_name=POOL_DISPLAY_NAME,
            description=POOL_DESCRIPTION,
            opts=self._child,
        )
        self.pool_name = pool.name

        self.provider_ids = {}
        for provider in plan.providers:
            created = iam.WorkloadIdentityPoolProvider(
                f"{name}-provider-{provider.provider_id}",
                project=project,
                workload_identity_pool_id=pool.workload_identity_pool_id,
                workload_identity_pool_provider_id=provider.provider_id,
                description=provider.description,
                attribute_mapping=dict(ATTRIBUTE_MAPPING),
                oidc=iam.WorkloadIdentityPoolProviderOidcArgs(
                    issuer_uri=config.advanced.issuer_uri,
                    allowed_audiences=[provider.audience],
                ),
                opts=self._child,
            )
            self.provider_ids[provider.key] = created.workload_identity_pool_provider_id

        # Any identity of the pool may impersonate each account (the contract binds the whole
        # pool, not a provider); which account a token may use is decided by its provider's
        # audience, i.e. by which Microsoft application asked.
        pool_principals = pool.workload_identity_pool_id.apply(
            lambda pool_id: f"principalSet://iam.googleapis.com/projects/"
                            f"{config.project_number}/locations/global/workloadIdentityPools/"
                            f"{pool_id}/*")

        roles = self._custom_roles(plan, project, org)
        self.service_account_emails = {}
        for account in plan.service_accounts:
            sa = serviceaccount.Account(
                f"{name}-sa-{account.key}",
                project=project,
                account_id=account.account_id,
                display_name=account.display_name,
                opts=self._child,
            )
            self.service_account_emails[account.key] = sa.email
            serviceaccount.IAMMember(
                f"{name}-sa-{account.key}-workload-identity-user",
                service_account_id=sa.name,
                role=WORKLOAD_IDENTITY_USER,
                member=pool_principals,
                opts=self._child,
            )
            self._grants(account, sa, roles, project, org)

        if config.advanced.cloud_logs_publisher and config.offerings.containers:
            self._grant(f"{name}-cloud-logs-pubsub-publisher", PUBSUB_PUBLISHER,
                        pulumi.Output.from_input(CLOUD_LOGS_WRITER), project, org)

        if config.offerings.containers:
            self._audit_logs(config, project, org)

        organizational_data: Any = None
        if config.organization is not None:
            organizational_data = security.GcpOrganizationalDataOrganizationArgs(
                organization_membership_type="Organization",
                excluded_project_numbers=list(config.organization.excluded_project_numbers),
                service_account_email_address=self.service_account_emails["onboarding"],
                workload_identity_provider_id=self.provider_ids["autoProvisioner"],
            )

        connector = security.SecurityConnector(
            f"{name}-connector",
            security_connector_name=config.connector.name,
            resource_group_name=config.connector.resource_group_name,
            location=config.connector.location,
            environment_name="GCP",
            hierarchy_identifier=config.project_number,
            environment_data=security.GcpProjectEnvironmentDataArgs(
                environment_type="GcpProject",
                project_details=security.GcpProjectDetailsArgs(
                    project_id=config.project_id, project_number=config.project_number),
                organizational_data=organizational_data,
                scan_interval=float(config.scan_interval_hours),
            ),
            offerings=connector_offerings(config, self.service_account_emails,
                                          self.provider_ids),
            opts=self._child,
        )
        self.connector_id = connector.id

        self.register_outputs({
            "connectorId": self.connector_id,
            "poolName": self.pool_name,
            "serviceAccountEmails": self.service_account_emails,
            "providerIds": self.provider_ids,
        })

    def _checked(self, config: GcpConnectorConfig
                 ) -> tuple[pulumi.Output[str], pulumi.Output[str] | None]:
        """The project ID (and organization ID), known only once the credentials are checked."""
        invoke = pulumi.InvokeOutputOptions(parent=self)
        client = organizations.get_client_config_output(opts=invoke)
        found = organizations.get_project_output(project_id=config.project_id, opts=invoke)
        project = pulumi.Output.all(client.project, found.number).apply(
            lambda got: _expect_project(config, got[0], got[1]))
        if config.organization is None:
            return project, None
        wanted = config.organization.organization_id
        org = organizations.get_organization_output(
            organization=f"organizations/{wanted}", opts=invoke).org_id.apply(
            lambda got: _expect_organization(wanted, got))
        # Project resources wait for both checks, so nothing is created before either fails.
        return pulumi.Output.all(project, org).apply(lambda ids: ids[0]), org

    def _custom_roles(self, plan: IdentityPlan, project: pulumi.Output[str],
                      org: pulumi.Output[str] | None) -> dict[str, pulumi.Output[str]]:
        """Role ID -> the custom role's full name (projects/... or organizations/...)."""
        names: dict[str, pulumi.Output[str]] = {}
        for role in plan.custom_roles:
            resource_name = f"{self._name}-role-{role.role_id}"
            if org is None:
                names[role.role_id] = projects.IAMCustomRole(
                    resource_name, project=project, role_id=role.role_id, title=role.title,
                    permissions=list(role.permissions), stage=role.stage, opts=self._child,
                ).name
            else:
                names[role.role_id] = organizations.IAMCustomRole(
                    resource_name, org_id=org, role_id=role.role_id, title=role.title,
                    permissions=list(role.permissions), stage=role.stage, opts=self._child,
                ).name
        return names

    def _grants(self, account: ServiceAccount, sa: serviceaccount.Account,
                roles: dict[str, pulumi.Output[str]], project: pulumi.Output[str],
                org: pulumi.Output[str] | None) -> None:
        member = sa.email.apply(lambda email: f"serviceAccount:{email}")
        base = f"{self._name}-sa-{account.key}"
        for role in account.predefined_roles:
            self._grant(f"{base}-{role.removeprefix('roles/')}", role, member, project, org)
        for role_id in account.custom_roles:
            self._grant(f"{base}-{role_id}", roles[role_id], member, project, org)

    def _grant(self, resource_name: str, role: pulumi.Input[str], member: pulumi.Output[str],
               project: pulumi.Output[str], org: pulumi.Output[str] | None) -> None:
        # IAMMember only: IAMBinding/IAMPolicy would remove the role's other members.
        if org is None:
            projects.IAMMember(resource_name, project=project, role=role, member=member,
                               opts=self._child)
        else:
            organizations.IAMMember(resource_name, org_id=org, role=role, member=member,
                                    opts=self._child)

    def _audit_logs(self, config: GcpConnectorConfig, project: pulumi.Output[str],
                    org: pulumi.Output[str] | None) -> None:
        """Data Access audit logs for the Kubernetes Engine API, Defender's control-plane feed.

        pulumi-gcp has no non-authoritative audit config: IAMAuditConfig owns the audit config
        of one service (here container.googleapis.com only; other services' configs and every
        role binding are left alone). It would replace exemptions someone set for that service,
        so the README says so; and `retain_on_delete` keeps the logs on when the stack is
        destroyed, as other tools (and Defender's own sink) may rely on them.
        """
        configs = [{"log_type": t} for t in config.advanced.audit_log_types]
        opts = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        if org is None:
            projects.IAMAuditConfig(
                f"{self._name}-gke-data-access-logs", project=project,
                service=KUBERNETES_ENGINE_API,
                audit_log_configs=[projects.IAMAuditConfigAuditLogConfigArgs(**c)
                                   for c in configs],
                opts=opts)
        else:
            organizations.IamAuditConfig(
                f"{self._name}-gke-data-access-logs", org_id=org,
                service=KUBERNETES_ENGINE_API,
                audit_log_configs=[organizations.IamAuditConfigAuditLogConfigArgs(**c)
                                   for c in configs],
                opts=opts)


def _expect_project(config: GcpConnectorConfig, provider_project: str | None,
                    number: str | None) -> str:
    wanted = config.project_id
    if provider_project != wanted:
        raise ConfigError(
            "gcp.projectId", f"is {wanted} but this stack's GCP provider is set to project "
            f"{provider_project or '(none)'}: set `gcp:project: {wanted}` and credentials "
            "that can administer it")
    if str(number) != config.project_number:
        raise ConfigError(
            "gcp.projectNumber", f"is {config.project_number} but project {wanted} has number "
            f"{number}: copy it from `gcloud projects describe {wanted} "
            "--format='value(projectNumber)'`")
    return wanted


def _expect_organization(wanted: str, found: str | None) -> str:
    if found != wanted:
        raise ConfigError(
            "gcp.organization.organizationId", f"is {wanted} but this stack's GCP credentials "
            f"see organization {found or '(none)'}: use credentials in organization {wanted}")
    return wanted
