"""`-v`: each call's line names the resource it is about, once."""

from __future__ import annotations

from migrate.apilog import _brief


def test_a_policy_call_names_the_policy_once() -> None:
    line = _brief({"PolicyArn": "arn:aws:iam::123456789012:policy/trivy-scanner",
                   "RoleName": "trivy-task", "PolicyDocument": "{...}"})
    assert line == "RoleName=trivy-task PolicyArn=trivy-scanner"


def test_lists_are_shortened_to_three_names() -> None:
    line = _brief({"tasks": [f"arn:aws:ecs:us-east-1:123456789012:task/c/t{i}" for i in range(5)]})
    assert line == "tasks=t0,t1,t2…"
