"""The docs name files that exist: every backticked repository path in README.md and
docs/*.md (``ca/ra/review.py``, ``tests/security/``, ``crypto/pdfcheck.inspect_sealed``) is
found in the repository, and a ``path.name`` form names something its module holds.

A path counts when it starts with a folder of the repository or of the package (the docs
write package paths without ``mobileca_desktop/``, and the views' own sub-folders without
``views/``). Files made at run time (``keystore.json``, ``.venv/...``) start with neither and
are not checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mobileca_desktop"
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# Where a path written in the docs may start: the repository, the package, the views.
BASES = [ROOT, PACKAGE, PACKAGE / "views"]
TOP = {p.name for base in BASES for p in base.iterdir() if p.is_dir() and p.name[0] not in "._"}

# Paths the docs name as gone, in the sentence that says so.
GONE = {"ca/cli.py"}

BACKTICKED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^[A-Za-z_][\w-]*(?:/[\w.*-]+)*/?$")
SUFFIXES = {"py", "md", "ts", "qm", "svg", "sh", "toml", "ini", "json", "txt", "png", "crl"}


def _named_paths() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for match in BACKTICKED.finditer(line):
                for part in re.split(r"\s*(?:,|\+| / )\s*", match.group(1).strip()):
                    if "/" in part and part.split("/", 1)[0] in TOP:
                        found.append((f"{doc.relative_to(ROOT)}:{number}", part))
    return found


def _resolve(path: str) -> Path | None:
    for base in BASES:
        if "*" in path:
            if any(base.glob(path)):
                return base
        elif (base / path).exists():
            return base / path
    return None


def _problem(text: str) -> str | None:
    if PATH.match(text) is None:
        return None  # not a path: an endpoint, a command line, prose
    path, attr = text, None
    head, _, last = text.rpartition("/")
    stem, dot, suffix = last.rpartition(".")
    if dot and suffix not in SUFFIXES:  # crypto/pdfcheck.inspect_sealed: a module's name
        path, attr = f"{head}/{stem}", suffix
    if path in GONE:
        return None
    if attr is None:
        return None if _resolve(path) else f"{path} does not exist"
    module = _resolve(path + ".py") or _resolve(path + "/__init__.py")
    if module is None:
        return f"{path}.py does not exist"
    if not re.search(rf"\b{re.escape(attr)}\b", module.read_text(encoding="utf-8")):
        return f"{module.relative_to(ROOT)} has no {attr}"
    return None


def test_the_docs_name_paths():
    # The check below is not empty: the docs name many files of the package and the tests.
    assert len(_named_paths()) > 200


@pytest.mark.parametrize("text", ["views/nowhere.py", "ca/ra/review.nowhere", "tests/nothing/"])
def test_a_wrong_path_is_found(text):
    assert _problem(text)


def test_every_path_the_docs_name_exists():
    problems = [
        f"{where}: {problem}" for where, text in _named_paths() if (problem := _problem(text))
    ]
    assert not problems, "\n".join(problems)


LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)|<img src=\"([^\"]+)\"")


def test_every_link_and_picture_the_docs_show_exists():
    missing = []
    for doc in DOCS:
        for match in LINK.finditer(doc.read_text(encoding="utf-8")):
            target = match.group(1) or match.group(2)
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {target}")
    assert not missing, "\n".join(missing)
