"""No file refers to a document that is not in the repository, and every `docs/reference.md §N`
citation names a section that exists."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", ".venv-awscli", "__pycache__", ".mypy_cache", ".pytest_cache",
             ".ruff_cache", "build", ".automutate"}  # .automutate: mutmut's kept copies
TEXT_SUFFIXES = {".py", ".md", ".yml", ".yaml", ".toml", ".json", ".txt", ""}
# A Markdown document named by path (not inside a URL).
DOCUMENT = re.compile(r"(?<![\w/.:-])((?:\.\./|[\w.-]+/)*[\w.-]+\.md)\b")
URL = re.compile(r"\bhttps?://\S+")
CITATION = re.compile(r"docs/reference\.md (?:§|section )(\d+)")


@cache
def text_files() -> tuple[Path, ...]:
    found = []
    for directory, dirs, files in os.walk(ROOT):
        # Prune in place: never walk into virtualenvs or caches.
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for file in files:
            path = Path(directory) / file
            if path.suffix in TEXT_SUFFIXES and path.stat().st_size < 2_000_000:
                found.append(path)
    return tuple(found)


def missing_documents(path: Path, text: str) -> list[str]:
    text = URL.sub("", text)
    documents = {p.relative_to(ROOT).as_posix() for p in text_files() if p.suffix == ".md"}
    missing = []
    for name in DOCUMENT.findall(text):
        candidates = [(ROOT / name).resolve(), (path.parent / name).resolve()]
        # A document outside the clone (say ../shared/...) is not in the repository; a bare
        # name in code (`ROOT / "docs" / "reference.md"`) is the repository's file of that name.
        inside = any(c.is_file() and c.is_relative_to(ROOT) for c in candidates)
        if not inside and not any(d == name or d.endswith(f"/{name}") for d in documents):
            missing.append(f"{path.relative_to(ROOT)}: {name}")
    return missing


# Unmodified copies of public data (tests/fixtures/README.md): they name their sources' files in
# other repositories (e.g. a Markdown page of Microsoft's docs repository).
FIXTURES = ROOT / "tests" / "fixtures"


def test_every_document_named_in_the_repository_is_in_it() -> None:
    missing = []
    for path in text_files():
        if path.is_relative_to(FIXTURES) and path.suffix == ".json":
            continue
        missing += missing_documents(path, path.read_text(errors="replace"))
    assert missing == []


def test_the_check_catches_a_document_outside_the_repository() -> None:
    outside = "../shared/reference/FACTS" + ".md"  # spelt apart so this file passes the check
    text = f"see {outside} §8, README.md and https://example.com/x.md"
    assert missing_documents(ROOT / "README.md", text) == [f"README.md: {outside}"]


def test_every_reference_citation_names_an_existing_section() -> None:
    sections = set(re.findall(r"^## (\d+)\.", (ROOT / "docs" / "reference.md").read_text(),
                              re.MULTILINE))
    bad = [f"{path.relative_to(ROOT)}: §{n}" for path in text_files()
           for n in CITATION.findall(path.read_text(errors="replace")) if n not in sections]
    assert sections
    assert bad == []
