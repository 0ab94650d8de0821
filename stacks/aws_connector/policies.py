"""Every IAM policy document of the connector, built as data.

Sources: Microsoft's (since removed) Terraform onboarding module and the current Defender for
Cloud docs (docs/reference.md §3). Microsoft's current CloudFormation text could not be checked,
so the permission lists below are the documented ones, scoped to this account's resources
wherever the actions allow a resource ARN. The tests lint every document with parliament.
"""

from __future__ import annotations

from typing import Any

from stacks.aws_connector.refs import Refs

Document = dict[str, Any]
Statement = dict[str, Any]

VERSION = "2012-10-17"

# Billing and payment data stay out of reach of the read-only CSPM scan (Microsoft's template
# pairs ReadOnlyAccess with the same kind of deny).
BILLING_ACTIONS = [
    "aws-portal:*", "billing:*", "ce:*", "consolidatedbilling:*", "cur:*", "freetier:*",
    "invoicing:*", "payments:*", "tax:*",
]

# Defender for Containers onboards EKS clusters: turn on control-plane audit logs and give its
# identities access through EKS access entries.
EKS_ONBOARDING_ACTIONS = [
    "eks:AssociateAccessPolicy", "eks:CreateAccessEntry", "eks:DescribeCluster",
    "eks:ListAccessEntries", "eks:ListAssociatedAccessPolicies", "eks:UpdateClusterConfig",
]


def document(*statements: Statement) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def oidc_trust(refs: Refs, microsoft_tenant_id: str, audience: str, session_name: str
               ) -> Document:
    """Only Microsoft's Defender app for this audience, acting for this customer's tenant."""
    issuer = f"sts.windows.net/{microsoft_tenant_id}/"
    return document({
        "Effect": "Allow",
        "Principal": {"Federated": refs.oidc_provider_arn()},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{issuer}:aud": audience},
            "StringLike": {"sts:RoleSessionName": session_name},
        },
    })


def logs_service_trust(refs: Refs) -> Document:
    """CloudWatch Logs, delivering this account's subscription filters (confused-deputy guard)."""
    return document({
        "Effect": "Allow",
        "Principal": {"Service": "logs.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:SourceArn": refs.arn("logs", "*")}},
    })


def firehose_service_trust(external_id: Any) -> Document:
    return document({
        "Effect": "Allow",
        "Principal": {"Service": "firehose.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
    })


def deny_billing() -> Document:
    return document({"Sid": "DenyBillingData", "Effect": "Deny", "Action": BILLING_ACTIONS,
                     "Resource": "*"})


def _eks_clusters(refs: Refs) -> list[Any]:
    return [refs.arn("eks", "cluster/*"), refs.arn("eks", "access-entry/*/*/*/*/*")]


def eks_onboarding(refs: Refs) -> Document:
    """Agentless discovery: read clusters and create Defender's access entries."""
    return document(
        {"Sid": "ListClusters", "Effect": "Allow", "Action": "eks:ListClusters",
         "Resource": "*"},
        {"Sid": "OnboardClusters", "Effect": "Allow", "Action": EKS_ONBOARDING_ACTIONS,
         "Resource": _eks_clusters(refs)},
    )


def kubernetes_service(refs: Refs, cloud_watch_to_kinesis: str, kinesis_to_s3: str
                       ) -> Document:
    """MDCContainersK8sRole: EKS audit logs -> CloudWatch -> Firehose -> S3 -> SQS, set up by
    Defender itself; `iam:PassRole` covers exactly the two Kinesis roles."""
    return document(
        {"Sid": "ListClusters", "Effect": "Allow", "Action": "eks:ListClusters",
         "Resource": "*"},
        {"Sid": "OnboardClusters", "Effect": "Allow", "Action": EKS_ONBOARDING_ACTIONS,
         "Resource": _eks_clusters(refs)},
        {"Sid": "DescribeLogGroups", "Effect": "Allow", "Action": "logs:DescribeLogGroups",
         "Resource": "*"},
        {"Sid": "SubscribeClusterLogs", "Effect": "Allow",
         "Action": ["logs:DescribeSubscriptionFilters", "logs:PutRetentionPolicy",
                    "logs:PutSubscriptionFilter"],
         "Resource": refs.arn("logs", "log-group:/aws/eks/*")},
        {"Sid": "AuditLogStreams", "Effect": "Allow",
         "Action": ["firehose:CreateDeliveryStream", "firehose:DescribeDeliveryStream",
                    "firehose:UpdateDestination"],
         "Resource": refs.arn("firehose", "deliverystream/*")},
        {"Sid": "AuditLogBuckets", "Effect": "Allow",
         "Action": ["s3:CreateBucket", "s3:GetBucketLocation", "s3:PutBucketNotification",
                    "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration"],
         "Resource": refs.arn("s3", "*", region="", account=False)},
        {"Sid": "AuditLogQueues", "Effect": "Allow",
         "Action": ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                    "sqs:SetQueueAttributes"],
         "Resource": refs.arn("sqs", "*")},
        {"Sid": "PassKinesisRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": [refs.role_arn(cloud_watch_to_kinesis), refs.role_arn(kinesis_to_s3)],
         "Condition": {"StringEquals": {"iam:PassedToService": [
             "firehose.amazonaws.com", "logs.amazonaws.com"]}}},
    )


def kubernetes_data_collection(refs: Refs) -> Document:
    """MDCContainersK8sDataCollectionRole: read the audit logs Firehose wrote, via SQS events."""
    return document(
        {"Sid": "ReadAuditLogEvents", "Effect": "Allow",
         "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
         "Resource": refs.arn("sqs", "*")},
        {"Sid": "ReadAuditLogObjects", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": refs.arn("s3", "*/*", region="", account=False)},
    )


def cloud_watch_to_kinesis(refs: Refs) -> Document:
    return document(
        {"Sid": "DeliverToFirehose", "Effect": "Allow",
         "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
         "Resource": refs.arn("firehose", "deliverystream/*")},
    )


def kinesis_to_s3(refs: Refs) -> Document:
    """The Firehose S3 destination permissions from the AWS Firehose docs."""
    return document(
        {"Sid": "WriteAuditLogBuckets", "Effect": "Allow",
         "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject",
                    "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
         "Resource": [refs.arn("s3", "*", region="", account=False),
                      refs.arn("s3", "*/*", region="", account=False)]},
    )
