"""Every IAM policy document of the connector, built as data.

Source: Microsoft's published contract, role by role (`tests/fixtures/aws-connector-contract.json`,
docs/reference.md §3): its Terraform onboarding module and the current Defender for Cloud docs.
Each document grants what Microsoft's does. Where this module is stricter, it only narrows what
Microsoft leaves open without removing an action, and says why that cannot break the service;
`tests/stacks/test_aws_contract.py` checks every role against the contract and lists each
remaining difference with its reason. The tests also lint every document with parliament.
"""

from __future__ import annotations

from typing import Any

from stacks.aws_connector.refs import Refs

Document = dict[str, Any]
Statement = dict[str, Any]

VERSION = "2012-10-17"

# Microsoft's AWS user that reads the collected audit logs on Defender's side (contract:
# MDCContainersK8sDataCollectionRole trust). It lives in Microsoft's account, in the `aws`
# partition, whatever partition the customer's role is in.
DATA_COLLECTION_USER = "arn:aws:iam::197857026523:user/azuredefender-eks"

# Defender names every bucket, queue and stream it creates per EKS cluster with one of these
# prefixes (azuredefender-<region>-<account>-<cluster>; ms-defender-* in newer onboardings).
DEFENDER_PREFIXES = ("azuredefender-", "ms-defender-")

# Microsoft's deny next to ReadOnlyAccess: billing and payment data stay out of the CSPM scan.
BILLING_ACTIONS = [
    "billing:*", "consolidatedbilling:*", "cur:*", "freetier:*", "invoicing:*", "payments:*",
    "tax:*",
]

# Agentless discovery and the K8s role onboard EKS clusters: UpdateClusterConfig adds Defender's
# IP ranges to a restricted public endpoint and switches CONFIG_MAP-only clusters to
# API_AND_CONFIG_MAP, so that Defender's access entries can be created.
EKS_ONBOARDING_ACTIONS = ["eks:DescribeCluster", "eks:UpdateClusterConfig"]
EKS_ACCESS_ENTRY_ACTIONS = [
    "eks:AssociateAccessPolicy", "eks:CreateAccessEntry", "eks:ListAccessEntries",
    "eks:ListAssociatedAccessPolicies",
]

KINESIS_TO_S3_ACTIONS = [
    "s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket",
    "s3:ListBucketMultipartUploads", "s3:PutObject",
]


def document(*statements: Statement) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def allow(sid: str, actions: str | list[str], resources: Any) -> Statement:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def _buckets(refs: Refs) -> list[Any]:
    # `arn:aws:s3:::azuredefender-*` also covers the objects (`bucket/key`): `*` spans `/`.
    return [refs.arn("s3", f"{p}*", region="", account=False) for p in DEFENDER_PREFIXES]


def _queues(refs: Refs) -> list[Any]:
    return [refs.arn("sqs", f"{p}*") for p in DEFENDER_PREFIXES]


def _streams(refs: Refs) -> list[Any]:
    return [refs.arn("firehose", f"deliverystream/{p}*") for p in DEFENDER_PREFIXES]


def _eks(refs: Refs) -> Any:
    return refs.arn("eks", "*")


def oidc_statement(refs: Refs, microsoft_tenant_id: str, audience: str, session_name: str
                   ) -> Statement:
    """Only Microsoft's Defender app for this audience, acting for this customer's tenant.

    Microsoft's template tests the audience with StringLike on an exact value; StringEquals on
    the same value matches the same tokens, and cannot be widened by a `*` in an override.
    """
    issuer = f"sts.windows.net/{microsoft_tenant_id}/"
    return {
        "Effect": "Allow",
        "Principal": {"Federated": refs.oidc_provider_arn()},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {f"{issuer}:aud": audience},
            "StringLike": {"sts:RoleSessionName": session_name},
        },
    }


def oidc_trust(refs: Refs, microsoft_tenant_id: str, audience: str, session_name: str
               ) -> Document:
    return document(oidc_statement(refs, microsoft_tenant_id, audience, session_name))


def data_collection_trust(refs: Refs, microsoft_tenant_id: str, audience: str,
                          session_name: str) -> Document:
    """Microsoft's data-collection user with the connector's external ID, and the OIDC
    data-collection audience: Defender uses both."""
    return document(
        {"Effect": "Allow",
         "Principal": {"AWS": DATA_COLLECTION_USER},
         "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": refs.data_collection_external_id()}}},
        oidc_statement(refs, microsoft_tenant_id, audience, session_name),
    )


def logs_service_trust(refs: Refs) -> Document:
    """CloudWatch Logs, delivering subscription filters to Firehose.

    Tighter than Microsoft's (no condition): `aws:SourceArn` limited to this account's log
    groups is the confused-deputy guard AWS documents for exactly this role (CloudWatch Logs
    "Subscription filters with Amazon Data Firehose"), and CloudWatch Logs always sends it, so
    the subscriptions Defender creates in this account still work.
    """
    return document({
        "Effect": "Allow",
        "Principal": {"Service": "logs.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:SourceArn": refs.arn("logs", "*")}},
    })


def firehose_service_trust(refs: Refs) -> Document:
    """Firehose, presenting the account's own ID as external ID (not the connector's
    dataCollectionExternalId, which belongs to the data-collection role)."""
    return document({
        "Effect": "Allow",
        "Principal": {"Service": "firehose.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": refs.account_id()}},
    })


def deny_billing() -> Document:
    return document({"Sid": "DenyBillingData", "Effect": "Deny", "Action": BILLING_ACTIONS,
                     "Resource": "*"})


def eks_onboarding(refs: Refs) -> Document:
    """MDCContainersAgentlessDiscoveryK8sRole."""
    return document(allow("OnboardEksClusters", EKS_ONBOARDING_ACTIONS + EKS_ACCESS_ENTRY_ACTIONS,
                          _eks(refs)))


def kubernetes_service(refs: Refs, cloud_watch_to_kinesis: str, kinesis_to_s3: str
                       ) -> Document:
    """MDCContainersK8sRole: Defender itself creates, per EKS cluster, a bucket, a queue and a
    Firehose stream under its own name prefixes, and later updates, tags and deletes them; it
    subscribes the cluster's audit log group to the stream. Hence whole-service actions on
    Defender's names, as Microsoft grants them."""
    return document(
        allow("SubscribeClusterLogs",
              ["logs:DescribeSubscriptionFilters", "logs:PutRetentionPolicy",
               "logs:PutSubscriptionFilter"],
              refs.arn("logs", "log-group:*:*")),
        # Microsoft lists DescribeLogGroups with the log-group resources above, but AWS's
        # service authorization reference gives it no resource type (only "*" authorizes it),
        # so it is granted on "*": a read-only listing of log group names.
        allow("ListLogGroups", "logs:DescribeLogGroups", "*"),
        allow("AuditLogStreams", "firehose:*", _streams(refs)),
        # Microsoft names role patterns (azuredefender-*, msdefender-*, DefenderForCloud-*) that
        # match its own default role names; the exact ARNs of the two Kinesis roles this stack
        # creates are the only roles Defender passes, whatever their configured names.
        allow("PassKinesisRoles", "iam:PassRole",
              [refs.role_arn(cloud_watch_to_kinesis), refs.role_arn(kinesis_to_s3)]),
        allow("OnboardEksClusters", EKS_ONBOARDING_ACTIONS, _eks(refs)),
        allow("CreateEksAccessEntries", EKS_ACCESS_ENTRY_ACTIONS, _eks(refs)),
        allow("AuditLogQueues", "sqs:*", _queues(refs)),
        allow("AuditLogBuckets", "s3:*", _buckets(refs)),
    )


def kubernetes_data_collection(refs: Refs) -> Document:
    """MDCContainersK8sDataCollectionRole: read the audit logs Firehose wrote, via SQS events."""
    return document(
        allow("ReadAuditLogEvents", ["sqs:DeleteMessage", "sqs:ReceiveMessage"], _queues(refs)),
        allow("ReadAuditLogObjects", ["s3:GetBucketLocation", "s3:GetObject"], _buckets(refs)),
    )


def cloud_watch_to_kinesis(refs: Refs) -> Document:
    """MDCContainersK8sCloudWatchToKinesisRole: CloudWatch Logs writes into Defender's streams."""
    return document(allow("DeliverToFirehose", "firehose:*", _streams(refs)))


def kinesis_to_s3(refs: Refs) -> Document:
    """MDCContainersK8sKinesisToS3Role: Firehose writes into Defender's buckets."""
    return document(allow("WriteAuditLogBuckets", KINESIS_TO_S3_ACTIONS, _buckets(refs)))
