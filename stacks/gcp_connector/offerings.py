"""The security connector's GCP offerings (API 2024-08-01-preview, pulumi-azure-native's current
typed args), each naming the service account and workload identity provider it uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import security

from stacks.config.gcp import GcpConnectorConfig

CSPM_MONITOR = "CspmMonitorGcp"
DEFENDER_FOR_CONTAINERS = "DefenderForContainersGcp"


def connector_offerings(config: GcpConnectorConfig,
                        emails: Mapping[str, pulumi.Output[str]],
                        providers: Mapping[str, pulumi.Output[str]]) -> list[Any]:
    offerings: list[Any] = []
    if config.offerings.cspm:
        offerings.append(security.CspmMonitorGcpOfferingArgs(
            offering_type=CSPM_MONITOR,
            native_cloud_connection=security.CspmMonitorGcpOfferingNativeCloudConnectionArgs(
                service_account_email_address=emails["cspm"],
                workload_identity_provider_id=providers["cspm"]),
        ))
    if config.offerings.containers:
        offerings.append(security.DefenderForContainersGcpOfferingArgs(
            offering_type=DEFENDER_FOR_CONTAINERS,
            native_cloud_connection=(
                security.DefenderForContainersGcpOfferingNativeCloudConnectionArgs(
                    service_account_email_address=emails["containers"],
                    workload_identity_provider_id=providers["containers"])),
            data_pipeline_native_cloud_connection=(
                security.DefenderForContainersGcpOfferingDataPipelineNativeCloudConnectionArgs(
                    service_account_email_address=emails["dataCollection"],
                    workload_identity_provider_id=providers["containersStreams"])),
            enable_audit_logs_auto_provisioning=True,
            enable_defender_agent_auto_provisioning=True,
            enable_policy_agent_auto_provisioning=True,
            mdc_containers_agentless_discovery_k8_s=(
                security.DefenderForContainersGcpOfferingMdcContainersAgentlessDiscoveryK8SArgs(
                    enabled=True,
                    service_account_email_address=emails["k8sOperator"],
                    workload_identity_provider_id=providers["containers"])),
            # The MDVM registry scan of Artifact Registry (and GCR) images.
            mdc_containers_image_assessment=(
                security.DefenderForContainersGcpOfferingMdcContainersImageAssessmentArgs(
                    enabled=True,
                    service_account_email_address=emails["artifactAssess"],
                    workload_identity_provider_id=providers["containers"])),
        ))
    return offerings
