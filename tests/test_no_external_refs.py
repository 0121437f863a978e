"""Code, comments and build files point only to what is in the repository.

A reader of a clone has the code and ``docs/``; a pointer to a design document section by
number, or to an issue tracker's number, sends them nowhere. The rules such comments mean to
cite live in ``docs/design.rst``, which a comment names instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SKIP_DIRS = {
    ".git",
    ".tox",
    ".nox",
    "build",
    "dist",
    "_build",
    "__pycache__",
    "node_modules",
    "artifacts",
    "var",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
SUFFIXES = {".py", ".ini", ".toml", ".cfg", ".txt", ".in", ".sh", ".html"}
NAMES = {"Makefile", "run"}  # .ci/run has no suffix

PATTERNS = [
    re.compile(r"\bDESIGN\s*(?:§\s*)?\d"),  # a section of the design document by number
    re.compile(r"\bDESIGN\.md\b"),
    re.compile(r"\b[Ii]ssues?\s*#?\d+"),  # an issue tracker's number
    re.compile(r"\.\./shared\b"),  # the folder beside a checkout, not in the repository
]


def _skipped(name: str) -> bool:
    return name in SKIP_DIRS or name.startswith(".venv") or name.endswith(".egg-info")


def checked_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not _skipped(d)]  # never walk into virtualenvs
        found += [Path(folder, f) for f in files if Path(f).suffix in SUFFIXES or f in NAMES]
    return sorted(found)


def offenders() -> list[str]:
    found = []
    for path in checked_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(p.search(line) for p in PATTERNS):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_scan_sees_the_code() -> None:
    names = {str(p.relative_to(ROOT)) for p in checked_files()}
    assert {"Makefile", ".ci/run", "ot_views/span.py", "tests/conftest.py"} <= names


def test_patterns_catch_what_they_are_for() -> None:
    # Built from parts, so this file does not match its own samples.
    doc, ssue, up = "DESIGN", "ssue", ".."
    samples = (
        f"(see {doc} 4)",
        f"{doc}.md says",
        f"I{ssue} 10: e2e",
        f"i{ssue} #8",
        f"{up}/shared",
    )
    for line in samples:
        assert any(p.search(line) for p in PATTERNS), line
    for line in ("docs/design.rst, The request span", "a known issue with", "tissue 3"):
        assert not any(p.search(line) for p in PATTERNS), line


def test_no_reference_outside_the_repository() -> None:
    found = offenders()
    assert not found, "point to docs/design.rst instead of:\n" + "\n".join(found)
