"""The security connector's offerings (API 2024-08-01-preview), one per enabled capability,
each naming the role ARNs it uses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import security

from stacks.config.aws import AwsConnectorConfig

CSPM_MONITOR = "CspmMonitorAws"
DEFENDER_FOR_CONTAINERS = "DefenderForContainersAws"
DEFENDER_CSPM = "DefenderCspmAws"


def connector_offerings(config: AwsConnectorConfig, role_arns: Mapping[str, pulumi.Output[str]],
                        data_collection_external_id: pulumi.Output[str] | None) -> list[Any]:
    offerings: list[Any] = []
    if config.offerings.cspm:
        offerings.append(security.CspmMonitorAwsOfferingArgs(
            offering_type=CSPM_MONITOR,
            native_cloud_connection=security.CspmMonitorAwsOfferingNativeCloudConnectionArgs(
                cloud_role_arn=role_arns["cspmMonitor"]),
        ))
    if config.offerings.containers:
        offerings.append(security.DefenderForContainersAwsOfferingArgs(
            offering_type=DEFENDER_FOR_CONTAINERS,
            kubernetes_service=security.DefenderForContainersAwsOfferingKubernetesServiceArgs(
                cloud_role_arn=role_arns["k8s"]),
            kubernetes_data_collection=(
                security.DefenderForContainersAwsOfferingKubernetesDataCollectionArgs(
                    cloud_role_arn=role_arns["k8sDataCollection"])),
            cloud_watch_to_kinesis=security.DefenderForContainersAwsOfferingCloudWatchToKinesisArgs(
                cloud_role_arn=role_arns["cloudWatchToKinesis"]),
            kinesis_to_s3=security.DefenderForContainersAwsOfferingKinesisToS3Args(
                cloud_role_arn=role_arns["kinesisToS3"]),
            enable_audit_logs_auto_provisioning=True,
            enable_defender_agent_auto_provisioning=True,
            enable_policy_agent_auto_provisioning=True,
            kube_audit_retention_time=float(config.advanced.kube_audit_retention_days),
            # The external ID the data-collection role's trust demands of Microsoft's user.
            data_collection_external_id=data_collection_external_id,
            # The MDVM registry scan that replaces the retired Trivy-based assessment.
            mdc_containers_image_assessment=(
                security.DefenderForContainersAwsOfferingMdcContainersImageAssessmentArgs(
                    enabled=True, cloud_role_arn=role_arns["imageAssessment"])),
            mdc_containers_agentless_discovery_k8_s=(
                security.DefenderForContainersAwsOfferingMdcContainersAgentlessDiscoveryK8SArgs(
                    enabled=True, cloud_role_arn=role_arns["agentlessDiscovery"])),
        ))
    if config.offerings.defender_cspm:
        offerings.append(security.DefenderCspmAwsOfferingArgs(
            offering_type=DEFENDER_CSPM,
            mdc_containers_image_assessment=(
                security.DefenderCspmAwsOfferingMdcContainersImageAssessmentArgs(
                    enabled=True, cloud_role_arn=role_arns["imageAssessment"])),
            mdc_containers_agentless_discovery_k8_s=(
                security.DefenderCspmAwsOfferingMdcContainersAgentlessDiscoveryK8SArgs(
                    enabled=True, cloud_role_arn=role_arns["agentlessDiscovery"])),
        ))
    return offerings
