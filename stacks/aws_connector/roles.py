"""The connector's IAM roles, defined once.

`role_definitions(config)` is the single source for both the single-account roles (pulumi-aws,
`component.py`) and the member-account roles of organization mode (the CloudFormation template,
`template.py`), so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stacks.aws_connector import policies
from stacks.aws_connector.policies import Document
from stacks.aws_connector.refs import Refs
from stacks.config.aws import AwsConnectorConfig

READ_ONLY_ACCESS = "ReadOnlyAccess"
# Image assessment (contract: MDCContainersImageAssessmentRole). Least privilege reads ECR and
# ECR Public; Microsoft's default access adds the writes that publish assessment results back to
# the registry for gated deployment (the Containers plan's securityGating).
IMAGE_ASSESSMENT_LEAST_PRIVILEGE = (
    "AmazonEC2ContainerRegistryReadOnly", "AmazonElasticContainerRegistryPublicReadOnly")
IMAGE_ASSESSMENT_DEFAULT_ACCESS = (
    "AmazonEC2ContainerRegistryPowerUser", "AmazonElasticContainerRegistryPublicPowerUser")


@dataclass(frozen=True)
class RoleDefinition:
    key: str  # `advanced.roleNames.<key>`; also the role's output name and logical ID base
    name: str
    description: str
    trust: Callable[[Refs], Document]
    # AWS managed policies by name (partition-independent), then the inline policies.
    managed_policies: tuple[str, ...] = ()
    inline_policies: tuple[tuple[str, Callable[[Refs], Document]], ...] = ()
    # Other roles (by key) whose ARNs the inline policies name.
    references: tuple[str, ...] = ()


def cspm_enabled(config: AwsConnectorConfig) -> bool:
    return config.offerings.cspm  # config insists on it whenever Defender CSPM is on


def container_extensions_enabled(config: AwsConnectorConfig) -> bool:
    """Image assessment and agentless discovery serve both containers and Defender CSPM."""
    return config.offerings.containers or config.offerings.defender_cspm


def data_collection_enabled(config: AwsConnectorConfig) -> bool:
    """The data-collection role, and with it the connector's dataCollectionExternalId."""
    return config.offerings.containers


def role_definitions(config: AwsConnectorConfig) -> list[RoleDefinition]:
    """The roles the enabled offerings need, the roles others reference coming first."""
    adv = config.advanced
    names = adv.role_names
    session = config.role_session_name

    def oidc(audience: str) -> Callable[[Refs], Document]:
        return lambda refs: policies.oidc_trust(refs, adv.microsoft_tenant_id, audience, session)

    roles: list[RoleDefinition] = []
    # CSPM: Microsoft's default access in both leastPrivilege modes, because its least-privilege
    # variant is a custom action list the contract does not record (docs/reference.md §3).
    if cspm_enabled(config):
        roles.append(RoleDefinition(
            key="cspmMonitor", name=names["cspmMonitor"],
            description="Defender for Cloud foundational CSPM: read-only configuration scan",
            trust=oidc(adv.audiences.cspm),
            managed_policies=(READ_ONLY_ACCESS,),
            inline_policies=(("DenyBillingData", lambda _refs: policies.deny_billing()),),
        ))
    if data_collection_enabled(config):
        roles += [
            RoleDefinition(
                key="cloudWatchToKinesis", name=names["cloudWatchToKinesis"],
                description="Defender for Containers: CloudWatch Logs delivers EKS audit logs "
                            "to Firehose",
                trust=policies.logs_service_trust,
                inline_policies=(("DeliverToFirehose", policies.cloud_watch_to_kinesis),),
            ),
            RoleDefinition(
                key="kinesisToS3", name=names["kinesisToS3"],
                description="Defender for Containers: Firehose writes EKS audit logs to S3",
                trust=policies.firehose_service_trust,
                inline_policies=(("WriteAuditLogBuckets", policies.kinesis_to_s3),),
            ),
            RoleDefinition(
                key="k8s", name=names["k8s"],
                description="Defender for Containers: onboards EKS clusters and their audit logs",
                trust=oidc(adv.audiences.containers),
                inline_policies=(("OnboardEksClusters", lambda refs: policies.kubernetes_service(
                    refs, "cloudWatchToKinesis", "kinesisToS3")),),
                references=("cloudWatchToKinesis", "kinesisToS3"),
            ),
            RoleDefinition(
                key="k8sDataCollection", name=names["k8sDataCollection"],
                description="Defender for Containers: reads the collected EKS audit logs",
                trust=lambda refs: policies.data_collection_trust(
                    refs, adv.microsoft_tenant_id, adv.audiences.data_collection, session),
                inline_policies=(("ReadAuditLogs", policies.kubernetes_data_collection),),
            ),
        ]
    if container_extensions_enabled(config):
        roles += [
            RoleDefinition(
                key="agentlessDiscovery", name=names["agentlessDiscovery"],
                description="Defender for Cloud agentless discovery for Kubernetes (EKS)",
                trust=oidc(adv.audiences.containers),
                inline_policies=(("DiscoverEksClusters", policies.eks_onboarding),),
            ),
            RoleDefinition(
                key="imageAssessment", name=names["imageAssessment"],
                description="Defender for Cloud MDVM vulnerability assessment of ECR images",
                trust=oidc(adv.audiences.containers),
                managed_policies=IMAGE_ASSESSMENT_LEAST_PRIVILEGE if config.least_privilege
                else IMAGE_ASSESSMENT_DEFAULT_ACCESS,
            ),
        ]
    return roles


def oidc_audiences(config: AwsConnectorConfig) -> list[str]:
    """The OIDC provider's client IDs: the audiences of the enabled roles, and no others."""
    audiences = config.advanced.audiences
    wanted = []
    if cspm_enabled(config):
        wanted.append(audiences.cspm)
    if container_extensions_enabled(config):
        wanted.append(audiences.containers)
    if data_collection_enabled(config):
        wanted.append(audiences.data_collection)
    return list(dict.fromkeys(wanted))  # overrides may give two capabilities one audience


def oidc_provider_url(config: AwsConnectorConfig) -> str:
    return f"https://sts.windows.net/{config.advanced.microsoft_tenant_id}/"
