"""The small layer over moto's IAM evaluation that the contract test relies on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stacks.iam_allowed import CannotTell, allowed, managed_policy_document


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


BUCKETS = doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::azuredefender-*"})


def test_a_pattern_is_allowed_only_when_the_policy_covers_all_of_it() -> None:
    assert allowed([BUCKETS], "s3:*", "arn:aws:s3:::azuredefender-*")
    assert allowed([BUCKETS], "s3:GetObject", "arn:aws:s3:::azuredefender-x/key")
    assert not allowed([BUCKETS], "s3:*", "arn:aws:s3:::*")  # wider resource
    assert not allowed([BUCKETS], "s3:*", "arn:aws:s3:::ms-defender-*")
    narrow = doc({"Effect": "Allow", "Action": "s3:GetObject",
                  "Resource": "arn:aws:s3:::azuredefender-*"})
    assert not allowed([narrow], "s3:*", "arn:aws:s3:::azuredefender-*")  # wider action
    logs = doc({"Effect": "Allow", "Action": "logs:PutSubscriptionFilter",
                "Resource": "arn:aws:logs:*:123456789012:log-group:/aws/eks/*"})
    assert not allowed([logs], "logs:PutSubscriptionFilter",
                       "arn:aws:logs:*:123456789012:log-group:*:*")


def test_documents_combine_and_an_explicit_deny_wins() -> None:
    other = doc({"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"})
    assert allowed([BUCKETS, other], "sqs:ReceiveMessage", "arn:aws:sqs:*:1:azuredefender-q")
    deny = doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    assert not allowed([BUCKETS, deny], "s3:DeleteBucket", "arn:aws:s3:::azuredefender-b")
    assert not allowed([], "s3:GetObject", "*")


def test_what_the_evaluation_would_get_wrong_is_refused() -> None:
    deny = doc({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    with pytest.raises(CannotTell, match="Deny"):
        allowed([BUCKETS, deny], "s3:*", "arn:aws:s3:::azuredefender-*")
    question = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a?c"})
    with pytest.raises(CannotTell, match="regex"):
        allowed([question], "s3:GetObject", "arn:aws:s3:::abc")
    conditioned = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                       "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    with pytest.raises(CannotTell, match="conditioned"):
        allowed([conditioned], "s3:GetObject", "*")


def test_managed_policies_come_from_aws_documents() -> None:
    power_user = managed_policy_document(
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")
    read_only = managed_policy_document(
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly")
    assert allowed([power_user], "ecr:PutImage", "*")
    assert not allowed([read_only], "ecr:PutImage", "*")
    assert allowed([read_only], "ecr:BatchGetImage", "*")
    with pytest.raises(KeyError, match="not an AWS managed policy"):
        managed_policy_document("arn:aws:iam::aws:policy/NoSuchPolicy")
