"""A pytest plugin for the automatic mutation run: the fast tests of a mutant first.

mutmut runs, for each mutant, the tests that reach the mutated function, in no particular order
(a set), and stops at the first failure. A mutant that a millisecond rule-table test kills would
otherwise often wait for a moto-backed test first. This puts the test files in the order the run's
`pytest_add_cli_args_test_selection` lists them (`MODULE_TESTS`: the pure rule tables first),
keeping each file's own order; it changes which test fails first, never whether one does.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest


def file_order(pyproject: Path) -> list[str]:
    if not pyproject.is_file():
        return []
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    selection = data.get("tool", {}).get("mutmut", {}).get("pytest_add_cli_args_test_selection")
    return [str(p) for p in selection or []]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order = file_order(Path(str(config.rootpath)) / "pyproject.toml")
    rank = {path: i for i, path in enumerate(order)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
