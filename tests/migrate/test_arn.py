"""`Arn`: the one place migrate splits an ARN (IAM, STS and ECS ones)."""

from __future__ import annotations

import pytest

from migrate.aws import Arn


def test_a_policy_arn_with_a_path_gives_its_fields_and_name() -> None:
    arn = Arn.parse("arn:aws-cn:iam::123456789012:policy/team/a/TrivyScanner")
    assert arn == Arn("aws-cn", "iam", "", "123456789012", "policy/team/a/TrivyScanner")
    assert arn.name == "TrivyScanner"


def test_an_assumed_role_arn_gives_its_partition() -> None:
    arn = Arn.parse("arn:aws-us-gov:sts::123456789012:assumed-role/Admin/me@example.com")
    assert (arn.partition, arn.service, arn.account) == ("aws-us-gov", "sts", "123456789012")


@pytest.mark.parametrize("text", [
    "", "TrivyScanner", "arn:aws:iam::123456789012", "xrn:aws:iam::123456789012:policy/P",
    "arn:aws:iam::123456789012:policy/a:b/P",  # a colon in the resource: no IAM ARN has one
])
def test_what_is_not_an_arn_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an ARN"):
        Arn.parse(text)


def test_an_ecs_arn_may_hold_colons_when_asked() -> None:
    text = "arn:aws:ecs:eu-west-1:123456789012:task-definition/payments-api:3"
    with pytest.raises(ValueError, match="not an ARN"):
        Arn.parse(text)
    arn = Arn.parse(text, colons=True)
    assert (arn.region, arn.resource) == ("eu-west-1", "task-definition/payments-api:3")
    assert arn.name == "payments-api:3"


@pytest.mark.parametrize(("text", "name"), [
    ("arn:aws:iam::123456789012:role/team/TrivyRole", "TrivyRole"),  # ECS: a role by its ARN
    ("TrivyRole", "TrivyRole"),  # ... or by its short name
    ("arn:aws:ecs:us-east-1:123456789012:cluster/trivy", "trivy"),
    ("arn:aws:ecs:us-east-1:123456789012:task/trivy/0123abcd", "0123abcd"),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/trivy:12", "trivy:12"),
    ("arn:aws:iam::123456789012", "arn:aws:iam::123456789012"),  # not an ARN: as it is
    ("", ""),
])
def test_name_of_is_the_last_segment_of_an_arn_or_the_text_itself(text: str, name: str) -> None:
    assert Arn.name_of(text) == name
