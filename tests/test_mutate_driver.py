"""The safety-mutation driver itself, on a toy tree: kills, survivors, stale entries, and the
working tree is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.mutate import Mutation, main

RULE = "def allowed(n: int) -> bool:\n    return n > 3\n"
TEST = ("from toy.rules import allowed\n\n\n"
        "def test_boundary() -> None:\n    assert allowed(4)\n    assert not allowed(3)\n")


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    root = tmp_path / "toy-project"
    (root / "toy").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "toy" / "__init__.py").write_text("")
    (root / "toy" / "rules.py").write_text(RULE)
    (root / "tests" / "test_rules.py").write_text(TEST)
    return root


def mutation(name: str, old: str, new: str) -> Mutation:
    return Mutation(name, "toy rule", "toy/rules.py", old, new, ("tests/test_rules.py",))


def test_killed_and_surviving_mutations_are_reported(
        toy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mutations = [mutation("off-by-one", "n > 3", "n >= 3"),
                 mutation("untested-extra", "n > 3", "n > 3 or n == 100")]

    rc = main([], root=toy, mutations=mutations, packages=["toy"])

    out = capsys.readouterr().out
    assert rc == 1
    (killed,) = [line for line in out.splitlines() if "off-by-one" in line]
    assert killed.startswith("KILLED")
    assert "tests/test_rules.py::test_boundary" in killed
    (survived,) = [line for line in out.splitlines() if "untested-extra" in line]
    assert survived.startswith("SURVIVED")
    assert "2 mutations: 1 killed, 1 survived; total" in out
    assert (toy / "toy" / "rules.py").read_text() == RULE  # the tree itself is never mutated


def test_all_killed_exits_0(toy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["--only", "off-by-one"], root=toy, packages=["toy"],
              mutations=[mutation("off-by-one", "n > 3", "n >= 3"),
                         mutation("untested-extra", "n > 3", "n > 3 or n == 100")])
    assert rc == 0
    assert "1 mutations: 1 killed, 0 survived" in capsys.readouterr().out


@pytest.mark.parametrize(("old", "problem"), [
    ("n > 4", "occurs 0 times"),
    ("n", "must be exactly once"),
])
def test_stale_mutation_is_an_error_before_anything_runs(
        toy: Path, capsys: pytest.CaptureFixture[str], old: str, problem: str) -> None:
    rc = main([], root=toy, packages=["toy"], mutations=[mutation("stale", old, "n > 0")])
    captured = capsys.readouterr()
    assert rc == 2
    assert "stale" in captured.err
    assert problem in captured.err
    assert "baseline" not in captured.out


def test_failing_baseline_is_an_error(toy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (toy / "toy" / "rules.py").write_text(RULE.replace("n > 3", "n > 4"))
    rc = main([], root=toy, packages=["toy"],
              mutations=[mutation("m", "n > 4", "n >= 4")])
    assert rc == 2
    assert "fail on the unmutated copy" in capsys.readouterr().err


def test_list_and_help(toy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"], root=toy, mutations=[mutation("m", "n > 3", "n >= 3")]) == 0
    assert "toy/rules.py: toy rule" in capsys.readouterr().out
    assert main(["--only", "nope"], root=toy, mutations=[mutation("m", "n > 3", "n >= 3")]) == 2
    assert "no mutation named nope" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "SURVIVED" in capsys.readouterr().out


def test_the_curated_list_matches_the_code() -> None:
    """Every curated mutation still applies exactly once (the full run takes minutes)."""
    from devtools.mutate import check_applicable
    from devtools.mutations import MUTATIONS

    root = Path(__file__).resolve().parent.parent
    check_applicable(root, MUTATIONS)
    assert len(MUTATIONS) >= 40
    for m in MUTATIONS:
        for test in m.tests:
            assert (root / test.split("::")[0]).is_file(), (m.name, test)
