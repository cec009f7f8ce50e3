#!/usr/bin/env python3
"""Refreshes the English translation: lupdate over the views, then lrelease.

Usage: python scripts/update_translations.py [--check]

pyside6-lupdate reads every ``self.tr("…")``, ``QCoreApplication.translate("Context", "…")``
and ``QT_TRANSLATE_NOOP("Context", "…")`` in mobileca_desktop/views/**/*.py (and app.py, for
the start-up's words) and merges them
into mobileca_desktop/resources/i18n/mobileca_en.ts: new texts come in unfinished, texts no
longer in the code are dropped, finished translations are kept. Translate the unfinished
ones (Qt Linguist: ``pyside6-linguist``, or any editor: fill ``<translation>`` and remove
``type="unfinished"``), then run this again: pyside6-lrelease compiles mobileca_en.qm, which
the client loads for ``--lang en``. Commit both files.

``--check`` changes nothing: it says which texts are new, untranslated or gone, and whether
the .qm is older than the .ts, and exits 1 if anything is to be done.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ROOT / "mobileca_desktop" / "views"
I18N = ROOT / "mobileca_desktop" / "resources" / "i18n"
TS = I18N / "mobileca_en.ts"
QM = I18N / "mobileca_en.qm"


def tool(name: str) -> str:
    """A PySide6 tool: next to this Python (a venv's bin/ or Scripts/), else on PATH."""
    here = Path(sys.executable).parent
    for candidate in (here / name, here / f"{name}.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found: install PySide6 (pip install -e '.[dev]')")
    return found


def sources() -> list[str]:
    """The view modules and app.py (the start-up's words), as paths relative to ROOT, so
    the .ts names no machine's folders."""
    files = [
        *VIEWS.rglob("*.py"),
        ROOT / "mobileca_desktop" / "app.py",
        ROOT / "mobileca_desktop" / "demo.py",  # the demo's banners
        ROOT / "mobileca_desktop" / "play_window.py",  # `mobileca play`'s panel
    ]
    return sorted(p.relative_to(ROOT).as_posix() for p in files)


def lupdate(ts: Path) -> None:
    """Merges the texts of the views into ``ts`` (created if missing)."""
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            *sources(),
            "-source-language",
            "zh_CN",
            "-target-language",
            "en",
            "-locations",
            "relative",
            "-no-obsolete",
            "-silent",
            "-ts",
            str(ts),
        ],
        cwd=ROOT,
        check=True,
    )


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run(
        [tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)], cwd=ROOT, check=True
    )


def messages(ts: Path) -> dict[tuple[str, str, str], tuple[str, ...] | None]:
    """(context, source, disambiguation) -> the translation's forms (one, or one per plural
    form for a ``%n`` text), None while unfinished."""
    out: dict[tuple[str, str, str], tuple[str, ...] | None] = {}
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            key = (name, message.findtext("source") or "", message.findtext("comment") or "")
            translation = message.find("translation")
            if translation is None or translation.get("type") in (
                "unfinished",
                "vanished",
                "obsolete",
            ):
                out[key] = None
                continue
            plural = [form.text or "" for form in translation.iter("numerusform")]
            forms = tuple(plural) if plural else (translation.text or "",)
            out[key] = forms if all(forms) else None
    return out


def check() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / TS.name
        if TS.exists():
            shutil.copy(TS, fresh)
        lupdate(fresh)
        now, wanted = (messages(TS) if TS.exists() else {}), messages(fresh)
        problems += [f"new text, run this script: {k[0]}: {k[1]!r}" for k in wanted if k not in now]
        problems += [f"gone from the code: {k[0]}: {k[1]!r}" for k in now if k not in wanted]
        problems += [
            f"not translated: {k[0]}: {k[1]!r}" for k, v in now.items() if k in wanted and not v
        ]
        if TS.exists():
            compiled = Path(folder) / QM.name
            lrelease(TS, compiled)
            if not QM.exists() or QM.read_bytes() != compiled.read_bytes():
                problems.append(f"{QM.name} is not compiled from {TS.name}: run this script")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "translations up to date")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only; exit 1 if stale")
    args = parser.parse_args()
    if args.check:
        return check()
    I18N.mkdir(parents=True, exist_ok=True)
    lupdate(TS)
    lrelease(TS, QM)
    todo = [k for k, v in messages(TS).items() if not v]
    for context, source, _ in todo:
        print(f"to translate: {context}: {source!r}")
    print(f"{TS.relative_to(ROOT)}: {len(todo)} text(s) to translate; {QM.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
