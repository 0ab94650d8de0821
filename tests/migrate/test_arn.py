"""`Arn`: the one place migrate splits an ARN."""

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
