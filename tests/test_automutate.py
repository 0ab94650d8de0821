"""The automatic mutation driver (devtools/automutate.py): its module map, its list of
equivalent mutants, and how it sorts mutmut's results (mutmut itself is faked here; the real
run takes minutes per module and is not part of the suite)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from devtools import automutate
from devtools.automutate import (
    MODULE_TESTS,
    Equivalent,
    change_of,
    function_of,
    load_equivalents,
    mutate_module,
    mutmut_config,
)

ROOT = Path(__file__).resolve().parent.parent
SAFETY_MODULES = {"migrate/fingerprint.py", "migrate/document.py", "migrate/readiness.py",
                  "migrate/targeting.py", "migrate/executor.py", "stacks/aws_connector/policies.py",
                  "stacks/aws_connector/roles.py"}

DIFF = """--- migrate/kinds/vpc.py
+++ migrate/kinds/vpc.py
@@ -1,3 +1,3 @@
 def f():
-    return a == b
+    return a != b
"""


def test_every_safety_module_is_mapped_to_tests_that_exist() -> None:
    """Every module the issue names (all of migrate/kinds/ too) has guarding tests."""
    kinds = {f"migrate/kinds/{p.name}" for p in (ROOT / "migrate" / "kinds").glob("*.py")
             if p.name != "__init__.py"}
    assert SAFETY_MODULES | kinds <= set(MODULE_TESTS)
    for module, tests in MODULE_TESTS.items():
        assert (ROOT / module).is_file(), module
        assert tests, module
        for test in tests:
            assert (ROOT / test).is_file(), f"{module}: {test} does not exist"


def test_equivalent_mutants_still_apply_and_say_why() -> None:
    """Each listed equivalent mutant names a mapped module and a line that is still there (a
    stale entry would hide nothing, but would mislead)."""
    for entry in load_equivalents():
        assert entry.module in MODULE_TESTS, entry
        assert len(entry.reason) > 20, entry
        source = (ROOT / entry.module).read_text(encoding="utf-8")
        stripped = {line.strip() for line in source.splitlines()}
        for line in entry.change.splitlines():
            if line.startswith("-"):
                assert line[1:] in stripped, f"{entry.module} {entry.function}: {line!r} is gone"


def test_an_equivalent_mutant_without_a_reason_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "eq.toml"
    path.write_text('[[equivalent]]\nmodule = "m.py"\nfunction = "f"\nchange = "-a\\n+b"\n'
                    'reason = " "\n')
    with pytest.raises(ValueError, match="needs its reason"):
        load_equivalents(path)


def test_mutant_names_and_changes_are_read_the_way_mutmut_writes_them() -> None:
    assert function_of("migrate.kinds.vpc.x_task_eni_evidence__mutmut_12") == "task_eni_evidence"
    assert function_of("migrate.kinds.vpc.xǁVpcǁdelete__mutmut_3") == "Vpc.delete"
    assert change_of(DIFF) == "-return a == b\n+return a != b"


def test_config_mutates_one_module_and_copies_the_rest() -> None:
    conf = mutmut_config("migrate/kinds/iam.py", ["tests/a.py", "tests/b.py"])
    assert 'source_paths = ["migrate"]' in conf
    assert 'only_mutate = ["migrate/kinds/iam.py"]' in conf
    assert 'pytest_add_cli_args_test_selection = ["tests/a.py", "tests/b.py"]' in conf
    assert '"localaws"' in conf
    assert '"migrate"' not in conf.split("also_copy")[1].split("\n")[0]


class FakeMutmut:
    """Answers `mutmut run/results/show` as mutmut 3 prints them."""

    def __init__(self, statuses: dict[str, str], finished: bool = True, code: int = 0) -> None:
        self.statuses, self.finished, self.code = statuses, finished, code
        self.cwd: list[Path] = []
        self.mutants_at_run: set[str] = set()  # what `mutmut run` found in mutants/

    def __call__(self, cmd: Sequence[str], cwd: Path, timeout: float) -> tuple[int, str, bool]:
        self.cwd.append(cwd)
        verb = cmd[3]
        if verb == "run":
            assert "[tool.mutmut]" in (cwd / "pyproject.toml").read_text()
            self.mutants_at_run = {p.relative_to(cwd / "mutants").as_posix()
                                   for p in (cwd / "mutants").rglob("*") if p.is_file()}
            return self.code, "mutmut output", self.finished
        if verb == "results":
            return 0, "".join(f"    {n}: {s}\n" for n, s in self.statuses.items()), True
        return 0, DIFF, True


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    return root


def test_survivors_are_equivalent_only_when_listed(tree: Path) -> None:
    fake = FakeMutmut({"m.x_f__mutmut_1": "killed", "m.x_f__mutmut_2": "survived",
                       "m.x_g__mutmut_1": "survived", "m.x_g__mutmut_2": "no tests",
                       "m.x_g__mutmut_3": "timeout"})
    listed = [Equivalent("m.py", "f", "-return a == b\n+return a != b", "because")]

    result = mutate_module(tree, "m.py", ["tests/t.py"], listed, time_box=10, children=2,
                           runner=fake, say=lambda _: None)

    assert result.total == 5
    assert result.equivalent == ["m.x_f__mutmut_2"]
    assert [(n, s) for n, s, _ in result.unexplained] == [
        ("m.x_g__mutmut_1", "survived"), ("m.x_g__mutmut_2", "no tests")]
    assert result.statuses["timeout"] == 1  # caught looping: counted, not unexplained
    assert all(cwd != tree for cwd in fake.cwd)  # a copy, never the working tree
    assert "[tool.mutmut]" not in (tree / "pyproject.toml").read_text()


def test_a_module_over_its_time_box_is_partial(tree: Path) -> None:
    fake = FakeMutmut({"m.x_f__mutmut_1": "killed", "m.x_f__mutmut_2": "not checked"},
                      finished=False)
    result = mutate_module(tree, "m.py", ["tests/t.py"], [], time_box=1, children=2,
                           runner=fake, say=lambda _: None)
    assert not result.finished
    assert result.unexplained == []
    assert "PARTIAL" in automutate.format_result(result)


def test_exit_codes(tree: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(automutate, "MODULE_TESTS", {"m.py": ("tests/t.py",)})
    monkeypatch.setattr(automutate, "load_equivalents", lambda: [])
    assert automutate.main([], root=tree, runner=FakeMutmut({"m.x_f__mutmut_1": "killed"})) == 0
    assert automutate.main([], root=tree, runner=FakeMutmut(
        {"m.x_f__mutmut_1": "survived"})) == 1
    assert "SURVIVED m.x_f__mutmut_1  (f)" in capsys.readouterr().out
    assert automutate.main([], root=tree, runner=FakeMutmut({}, code=1)) == 2
    assert automutate.main(["nope.py"], root=tree) == 2
    assert automutate.main(["--list"], root=tree) == 0
    assert "m.py: tests/t.py" in capsys.readouterr().out


def test_the_plan_schema_is_ascii() -> None:
    """What makes document.schema's encoding mutants equivalent (equivalent_mutants.toml)."""
    (ROOT / "migrate" / "schema" / "plan.schema.json").read_bytes().decode("ascii")


def test_keep_retests_only_what_was_not_killed(tree: Path) -> None:
    """`--keep`: the kept copy is the working tree again (old files gone), mutmut's results stay,
    and every verdict but killed is forgotten so the current tests decide it again."""
    (tree / "m.py").write_text("x = 1\n")
    kept = tree / automutate.KEEP_DIR / "m.py"
    meta = kept / "mutants" / "m.py.meta"
    meta.parent.mkdir(parents=True)
    (kept / "stale.py").write_text("gone from the working tree\n")
    (kept / automutate.KEPT_CONFIG).write_text(mutmut_config("m.py", ["tests/t.py"]))
    meta.write_text(json.dumps({"exit_code_by_key": {"k1": 1, "k2": 0, "k3": 33, "k4": None,
                                                     "k5": 37, "k6": 35, "k7": -24}}))
    fake = FakeMutmut({"m.x_f__mutmut_1": "killed"})

    result = mutate_module(tree, "m.py", ["tests/t.py"], [], time_box=10, children=2,
                           runner=fake, say=lambda _: None, keep=True)

    assert result.total == 1
    assert fake.cwd[0] == kept
    assert (kept / "m.py").read_text() == "x = 1\n"
    assert not (kept / "stale.py").exists()
    assert not (kept / automutate.KEEP_DIR).exists()  # the copy never copies itself
    assert json.loads(meta.read_text())["exit_code_by_key"] == {
        "k1": 1, "k2": None, "k3": None, "k4": None, "k5": 37, "k6": None, "k7": -24}
    assert "[tool.mutmut]" not in (tree / "pyproject.toml").read_text()


def test_each_mutants_tests_run_in_module_tests_order(tmp_path: Path) -> None:
    """The ordering plugin puts the files in the order the mutmut config selects them (the pure
    rule tables first) and keeps each file's own order."""
    from devtools import mutmut_order

    (tmp_path / "pyproject.toml").write_text(
        mutmut_config("migrate/trust.py", ["tests/fast.py", "tests/slow.py"]))

    class Item:
        def __init__(self, nodeid: str) -> None:
            self.nodeid = nodeid

    class Config:
        rootpath = tmp_path

    items = [Item(n) for n in ("tests/slow.py::a", "tests/other.py::z", "tests/fast.py::b",
                               "tests/slow.py::c", "tests/fast.py::a")]
    mutmut_order.pytest_collection_modifyitems(Config(), items)  # type: ignore[arg-type]
    assert [i.nodeid for i in items] == ["tests/fast.py::b", "tests/fast.py::a",
                                         "tests/slow.py::a", "tests/slow.py::c",
                                         "tests/other.py::z"]
    assert '"devtools.mutmut_order"' in mutmut_config("migrate/trust.py", ["tests/fast.py"])


def _kept_copy(tree: Path, tests: Sequence[str]) -> Path:
    """A kept copy as the last `--keep` run left it: verdicts, test map, and its config."""
    kept = tree / automutate.KEEP_DIR / "m.py"
    (kept / "mutants").mkdir(parents=True)
    (kept / "mutants" / "m.py.meta").write_text(
        json.dumps({"exit_code_by_key": {"k1": 1, "k2": 0, "k3": 33}}))
    (kept / "mutants" / "mutmut-stats.json").write_text(json.dumps(
        {"tests_by_mangled_function_name": {"m.x_f": ["tests/t.py::test_f"]}}))
    (kept / automutate.KEPT_CONFIG).write_text(mutmut_config("m.py", tests))
    return kept


def test_rule_keep_relearns_which_test_reaches_which_function(tree: Path) -> None:
    """Rule `--keep` is safe: mutmut re-learns its test map only for tests it has not seen, so a
    change that makes an existing test reach a function (a new helper) would leave that
    function's mutants "no tests". The kept map is dropped before each run (mutmut then learns
    it from every selected test); the killed verdicts stay."""
    kept = _kept_copy(tree, ["tests/t.py"])
    fake = FakeMutmut({"m.x_f__mutmut_1": "killed"})

    mutate_module(tree, "m.py", ["tests/t.py"], [], time_box=10, children=2, runner=fake,
                  say=lambda _: None, keep=True)

    assert fake.mutants_at_run == {"m.py.meta"}  # the verdicts, without mutmut-stats.json
    assert json.loads((kept / "mutants" / "m.py.meta").read_text())["exit_code_by_key"] == {
        "k1": 1, "k2": None, "k3": None}


@pytest.mark.parametrize("last_tests", [["tests/t.py", "tests/gone.py"], None])
def test_rule_keep_starts_afresh_when_the_modules_tests_changed(
        tree: Path, last_tests: list[str] | None) -> None:
    """Rule `--keep` is safe: a mutant killed only by a test file no longer selected (or by a
    config the copy does not record) must be tested again, so the whole verdict store goes, as
    mutmut itself would do on its test selection changing had its map not been dropped."""
    kept = _kept_copy(tree, last_tests or [])
    if last_tests is None:
        (kept / automutate.KEPT_CONFIG).unlink()
    fake = FakeMutmut({"m.x_f__mutmut_1": "killed"})

    mutate_module(tree, "m.py", ["tests/t.py"], [], time_box=10, children=2, runner=fake,
                  say=lambda _: None, keep=True)

    assert fake.mutants_at_run == set()
    assert (kept / automutate.KEPT_CONFIG).read_text() == mutmut_config("m.py", ["tests/t.py"])
