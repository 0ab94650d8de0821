"""The small scripts the workflows call: stack discovery and migration targeting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.ci import targets as migrate_targets
from stacks.ci import stack_files as list_stacks


def test_stacks_are_the_committed_stack_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (
        "Pulumi.yaml",
        "Pulumi.prod.yaml",
        "Pulumi.dev-eu_1.yaml",
        "Pulumi.yml.bak",
        "Pulumi.staging.yml",
        "README.md",
    ):
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "Pulumi.adir.yaml").mkdir()
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.nested.yaml").write_text("{}\n")
    assert list_stacks.main([str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == ["dev-eu_1", "prod"]


def test_no_stack_files_gives_an_empty_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("{}\n")
    assert list_stacks.main([str(tmp_path)]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_listing_outside_a_pulumi_project_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert list_stacks.main([str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"list_stacks.py: error: {tmp_path / 'Pulumi.yaml'} not found: "
        "not a Pulumi project directory\n"
    )


def test_default_root_is_this_repository() -> None:
    assert Path(__file__).resolve().parent.parent == list_stacks.ROOT
    assert list_stacks.stacks(list_stacks.ROOT) == sorted(
        p.name[len("Pulumi.") : -len(".yaml")] for p in list_stacks.ROOT.glob("Pulumi.*.yaml")
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, []),
        ({"MIGRATE_REGIONS": "all"}, ["--all-regions"]),
        ({"MIGRATE_REGIONS": " ALL "}, ["--all-regions"]),
        ({"MIGRATE_REGIONS": "us-east-1, eu-central-1\n"}, ["--regions", "us-east-1,eu-central-1"]),
        (
            {"MIGRATE_ACCOUNTS": "111111111111 222222222222", "MIGRATE_ROLE_NAME": "TrivyCleanup"},
            ["--accounts", "111111111111,222222222222", "--role-name", "TrivyCleanup"],
        ),
        (
            {
                "MIGRATE_ORGANIZATION": "true",
                "MIGRATE_ROLE_NAME": "path/TrivyCleanup",
                "MIGRATE_REGIONS": "us-gov-west-1",
            },
            ["--regions", "us-gov-west-1", "--organization", "--role-name", "path/TrivyCleanup"],
        ),
        ({"MIGRATE_ORGANIZATION": "false"}, []),
    ],
)
def test_variables_become_targeting_options(env: dict[str, str], expected: list[str]) -> None:
    assert migrate_targets.targets(env) == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MIGRATE_REGIONS": "us-east-1,mars"}, "MIGRATE_REGIONS: mars is not a region name"),
        ({"MIGRATE_ORGANIZATION": "maybe"}, "MIGRATE_ORGANIZATION: 'maybe' is neither"),
        ({"MIGRATE_ACCOUNTS": "111111111111"}, "MIGRATE_ROLE_NAME: needed to reach other"),
        ({"MIGRATE_ORGANIZATION": "true"}, "MIGRATE_ROLE_NAME: needed to reach other"),
        (
            {"MIGRATE_ACCOUNTS": "1234,111111111111", "MIGRATE_ROLE_NAME": "R"},
            "MIGRATE_ACCOUNTS: 1234 is not a 12-digit AWS account ID",
        ),
        (
            {
                "MIGRATE_ACCOUNTS": "111111111111",
                "MIGRATE_ORGANIZATION": "true",
                "MIGRATE_ROLE_NAME": "R",
            },
            "exclude each other",
        ),
        ({"MIGRATE_ROLE_NAME": "R"}, "MIGRATE_ROLE_NAME is set but neither"),
        (
            {"MIGRATE_ACCOUNTS": "111111111111", "MIGRATE_ROLE_NAME": "bad role"},
            "MIGRATE_ROLE_NAME: 'bad role' is not an IAM role name",
        ),
    ],
)
def test_wrong_variables_are_named_in_the_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(migrate_targets.TargetsError) as err:
        migrate_targets.targets(env)
    assert message in str(err.value)
    assert str(err.value).startswith("MIGRATE_")


def test_main_prints_one_argument_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MIGRATE_ACCOUNTS", "111111111111")
    monkeypatch.setenv("MIGRATE_ROLE_NAME", "TrivyCleanup")
    monkeypatch.delenv("MIGRATE_REGIONS", raising=False)
    monkeypatch.delenv("MIGRATE_ORGANIZATION", raising=False)
    assert migrate_targets.main([]) == 0
    assert capsys.readouterr().out == "--accounts\n111111111111\n--role-name\nTrivyCleanup\n"


def test_main_reports_errors_on_one_line_without_annotation_outside_actions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MIGRATE_ORGANIZATION", "sometimes")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert migrate_targets.main([]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "migrate_targets.py: MIGRATE_ORGANIZATION: 'sometimes' is neither true nor false\n"
    )
