"""The Pulumi program: read config once, wire the components. Nothing else lives here."""

from __future__ import annotations

import pulumi

from stacks.config import load_config

config = load_config()

if config.azure is not None:
    from stacks.policy.component import ContainersPolicy

    azure_policy = ContainersPolicy("defender-containers", config.azure)
    pulumi.export("azurePolicyAssignmentIds", azure_policy.assignment_ids)
    pulumi.export("azurePolicyPrincipalIds", azure_policy.principal_ids)
    pulumi.export("azureSensorWorkspaceIds", azure_policy.sensor_workspace_ids)
    pulumi.export("azureTagPolicyExemptionIds", azure_policy.exemption_ids)
    pulumi.export("azureTrustedAccessBindingIds", azure_policy.trusted_access_binding_ids)

if config.aws is not None:
    from stacks.aws_connector import AwsConnector, AwsConnectorArgs

    aws_connector = AwsConnector("defender-aws", AwsConnectorArgs(config.aws))
    pulumi.export("awsConnectorId", aws_connector.connector_id)
    pulumi.export("awsRoleArns", aws_connector.role_arns)

if config.gcp is not None:
    from stacks.gcp_connector import GcpConnector, GcpConnectorArgs

    gcp_connector = GcpConnector("defender-gcp", GcpConnectorArgs(config.gcp))
    pulumi.export("gcpConnectorId", gcp_connector.connector_id)
    pulumi.export("gcpServiceAccountEmails", gcp_connector.service_account_emails)
