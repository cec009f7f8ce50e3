#!/usr/bin/env python3
"""Keeps mypy's list of not-yet-clean modules honest: it may only shrink.

Usage: python scripts/check_mypy_overrides.py

pyproject.toml exempts the modules with type errors still to fix (the ``[[tool.mypy.overrides]]``
section with ``ignore_errors = true``). This runs mypy once with that exemption removed and
everything else in the configuration unchanged, and exits 1 if a listed module

- has no errors any more (take it off the list so it stays clean), or
- names no module of the package (a file moved or was split: list what is there now, or
  nothing if the new files are clean).

It does not fail for the errors of listed modules: those are the list's reason to exist.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mobileca_desktop"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error:")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list):
        return json.dumps(value)  # strings and lists of strings: JSON is valid TOML here
    raise TypeError(f"unexpected mypy setting in pyproject.toml: {value!r}")


def _write_config(base: dict[str, object], overrides: list[dict[str, object]], path: Path) -> None:
    lines = ["[tool.mypy]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in base.items()]
    for section in overrides:
        lines += ["", "[[tool.mypy.overrides]]"]
        lines += [f"{key} = {_toml_value(value)}" for key, value in section.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _module_of(path: str) -> str:
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    overrides: list[dict[str, object]] = config.pop("overrides", [])
    exempt = [s for s in overrides if s.get("ignore_errors") is True]
    if len(exempt) != 1:
        print(f"expected one override with ignore_errors = true, found {len(exempt)}")
        return 1
    listed = exempt[0]["module"]
    assert isinstance(listed, list)
    if not listed:  # nothing exempt: the plain `mypy` step checks everything
        print("no modules exempt from mypy")
        return 0
    config.pop("files", None)
    present = {_module_of(str(p.relative_to(ROOT))) for p in (ROOT / PACKAGE).rglob("*.py")}

    os.chdir(ROOT)  # mypy reports paths relative to the working directory
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "pyproject.toml"
        _write_config(config, [s for s in overrides if s is not exempt[0]], cfg)
        out, err, status = api.run(
            [
                "--config-file",
                str(cfg),
                "--cache-dir",
                str(ROOT / ".mypy_cache" / "overrides"),
                PACKAGE,
            ]
        )
    if status not in (0, 1):  # 2: mypy itself failed (bad configuration, crash)
        print(out + err)
        return 1
    failing = {_module_of(m["path"]) for m in map(ERROR.match, out.splitlines()) if m}

    stale = [m for m in listed if m not in present]
    clean = [m for m in listed if m in present and m not in failing]
    for module in stale:
        print(f"{module}: listed in pyproject.toml's mypy overrides but no such module")
    for module in clean:
        print(f"{module}: clean under mypy; take it off pyproject.toml's override list")
    print(f"{len(listed)} modules exempt from mypy, {len(clean) + len(stale)} of them need not be")
    return 1 if stale or clean else 0


if __name__ == "__main__":
    sys.exit(main())
