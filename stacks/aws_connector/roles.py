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
ECR_READ_ONLY = "AmazonEC2ContainerRegistryReadOnly"


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


def role_definitions(config: AwsConnectorConfig) -> list[RoleDefinition]:
    """The roles the enabled offerings need, the roles others reference coming first."""
    adv = config.advanced
    names = adv.role_names
    session = config.role_session_name

    def oidc(audience: str) -> Callable[[Refs], Document]:
        return lambda refs: policies.oidc_trust(refs, adv.microsoft_tenant_id, audience, session)

    roles: list[RoleDefinition] = []
    if cspm_enabled(config):
        roles.append(RoleDefinition(
            key="cspmMonitor", name=names["cspmMonitor"],
            description="Defender for Cloud foundational CSPM: read-only configuration scan",
            trust=oidc(adv.audiences.cspm),
            managed_policies=(READ_ONLY_ACCESS,),
            inline_policies=(("DenyBillingData", lambda _refs: policies.deny_billing()),),
        ))
    if config.offerings.containers:
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
                trust=lambda refs: policies.firehose_service_trust(
                    adv.data_collection_external_id or refs.account_id()),
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
                trust=oidc(adv.audiences.data_collection),
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
                # Least privilege: pull-only ECR access; otherwise Microsoft's default access.
                managed_policies=(ECR_READ_ONLY,) if config.least_privilege
                else (READ_ONLY_ACCESS,),
                inline_policies=() if config.least_privilege
                else (("DenyBillingData", lambda _refs: policies.deny_billing()),),
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
    if config.offerings.containers:
        wanted.append(audiences.data_collection)
    return list(dict.fromkeys(wanted))  # overrides may give two capabilities one audience


def oidc_provider_url(config: AwsConnectorConfig) -> str:
    return f"https://sts.windows.net/{config.advanced.microsoft_tenant_id}/"
