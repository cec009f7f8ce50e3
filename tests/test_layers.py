"""The architecture holds: import-linter's contracts pass, and the core is provably Qt-free.

Two independent proofs of the Qt ban: import-linter's import graph (``.importlinter``), and a
plain ``ast`` scan of every source file that does not depend on import-linter at all.
"""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mobileca_desktop"
CONTRACTS = ROOT / ".importlinter"

# Everything that must run without Qt (the engine, the servers, the client's services).
QT_FREE = [
    "mobileca_desktop.services",
    "mobileca_desktop.keystore",
    "mobileca_desktop.ca",
    "mobileca_desktop.crypto",
    "mobileca_desktop.domain",
    "mobileca_desktop.server",
    "mobileca_desktop.platform",
    "mobileca_desktop.config",
    "mobileca_desktop.display",
    "mobileca_desktop.locking",
    "mobileca_desktop.cacli",
]
QT_PACKAGES = ("PySide6", "shiboken6")


def test_import_contracts_are_kept():
    # A subprocess, so that import-linter's sys.path change and output stay out of this run.
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(CONTRACTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report, report


def test_the_contract_and_this_test_guard_the_same_packages():
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    contract = parser["importlinter:contract:qt-free-core"]
    assert contract["source_modules"].split() == QT_FREE
    assert set(contract["forbidden_modules"].split()) == set(QT_PACKAGES)
    assert parser["importlinter"].getboolean("include_external_packages")


def test_the_ca_layer_is_kept_free_of_its_server_and_command_line():
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    contract = parser["importlinter:contract:ca-below-its-server-and-command-line"]
    assert contract["type"] == "forbidden"
    assert contract["source_modules"].split() == ["mobileca_desktop.ca"]
    assert set(contract["forbidden_modules"].split()) == {
        "mobileca_desktop.server",
        "mobileca_desktop.cacli",
    }
    assert not contract.getboolean("allow_indirect_imports", fallback=False)


def _files_of(module: str) -> list[Path]:
    relative = Path(*module.split(".")[1:])
    package = PACKAGE / relative
    if package.is_dir():
        return sorted(package.rglob("*.py"))
    return [package.with_suffix(".py")]


def _is_qt(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in QT_PACKAGES


def _qt_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Every way ``path`` names a Qt package in an import, as "file:line: source"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        hit = False
        if isinstance(node, ast.Import):
            hit = any(_is_qt(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            hit = node.level == 0 and _is_qt(node.module)
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("PySide6...") and __import__("PySide6...")
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            hit = (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and _is_qt(first.value)
            )
        if hit:
            where = path.relative_to(root).as_posix()
            found.append((node.lineno, f"{where}:{node.lineno}: {ast.unparse(node)}"))
    return [text for _, text in sorted(found)]


@pytest.mark.parametrize("module", QT_FREE)
def test_qt_free_sources_never_import_qt(module):
    files = _files_of(module)
    assert files and all(f.is_file() for f in files), f"{module} has no source files"
    offenders = [line for f in files for line in _qt_imports(f)]
    assert not offenders, "Qt imported in a Qt-free package:\n" + "\n".join(offenders)


def test_the_scan_finds_qt_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "import PySide6.QtCore as qc\n"
        "from PySide6 import QtWidgets\n"
        "from .PySide6 import fine  # a relative module of that name is not Qt\n"
        "import importlib\n"
        "importlib.import_module('shiboken6')\n"
        "__import__('PySide6.QtGui')\n",
        encoding="utf-8",
    )
    lines = [line.split(":")[1] for line in _qt_imports(sample, root=tmp_path)]
    assert lines == ["2", "3", "6", "7"]


# The CA operator's command line (cacli) reads the CA through the engine and the Store's query
# methods; only the storage code names the ORM tables (the classes mapped on ca/db.py's Base).
def _orm_table_names() -> set[str]:
    from mobileca_desktop.ca.db import Base

    return {mapper.class_.__name__ for mapper in Base.registry.mappers}


def _orm_uses(path: Path, tables: set[str], root: Path = ROOT) -> list[str]:
    """Every place ``path`` names an ORM table class, as "file:line: name"."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [alias.name.rsplit(".", 1)[-1] for alias in node.names]
        elif isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        for name in names:
            if name in tables:
                where = path.relative_to(root).as_posix()
                found.add((node.lineno, f"{where}:{node.lineno}: {name}"))
    return [text for _, text in sorted(found)]


def test_the_ca_command_line_names_no_orm_table():
    tables = _orm_table_names()
    assert len(tables) >= 10, tables  # the mapped tables are found, so the scan can see them
    files = _files_of("mobileca_desktop.cacli")
    assert files, "mobileca_desktop.cacli has no source files"
    offenders = [line for f in files for line in _orm_uses(f, tables)]
    assert not offenders, "ORM tables used by the CA command line:\n" + "\n".join(offenders)


def test_the_scan_finds_orm_tables(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from mobileca_desktop.ca.db import Store, AccountRow\n"
        "import mobileca_desktop.ca.db as db\n"
        "row = db.CertificateRow\n"
        "store = Store\n"
        "q = select(AccountRow.id)\n",
        encoding="utf-8",
    )
    tables = {"AccountRow", "CertificateRow"}
    lines = [line.split(":")[1] for line in _orm_uses(sample, tables, root=tmp_path)]
    assert lines == ["1", "3", "5"]


# --- the ORM tables are the storage package's -------------------------------------------------

TABLES = "mobileca_desktop.ca.db"
# Who may import the tables: the storage package, and the schema code that creates and
# upgrades them.
TABLE_IMPORTERS = [
    "mobileca_desktop.ca.store",
    "mobileca_desktop.ca.schema",
    "mobileca_desktop.ca.migrate",
    "mobileca_desktop.ca.migrations",
]


def test_the_contract_and_this_test_guard_the_same_table_importers():
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS, encoding="utf-8")
    contract = parser["importlinter:contract:only-the-store-touches-tables"]
    assert contract["type"] == "protected"
    assert contract["protected_modules"].split() == [TABLES]
    assert contract["allowed_importers"].split() == TABLE_IMPORTERS
    assert "ignore_imports" not in contract


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_tables(path: Path) -> list[int]:
    """Lines of ``path`` that import ``ca.db`` (absolute, or relative from within ``ca``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    lines = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import db / from .db import X / from ..ca import db
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        if any(n == TABLES or n.startswith(TABLES + ".") for n in names):
            lines.append(node.lineno)
    return lines


def test_only_the_storage_package_imports_the_tables():
    """A plain ``ast`` scan, independent of import-linter."""
    allowed = tuple(TABLE_IMPORTERS)
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        if module == TABLES or any(module == a or module.startswith(a + ".") for a in allowed):
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _imports_tables(path)]
    assert not offenders, "ORM tables imported outside the store:\n" + "\n".join(offenders)
