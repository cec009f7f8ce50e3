"""The UI language: Chinese by default, English through Qt translation files.

Every text the views show is written in Chinese (the handbook's words) and wrapped with
``self.tr()``, or ``QCoreApplication.translate`` / ``QT_TRANSLATE_NOOP`` outside a method.
``scripts/update_translations.py`` extracts them into ``resources/i18n/mobileca_en.ts`` (the
translator's file, kept in git) and compiles ``mobileca_en.qm``, which ``install`` loads.
Chinese needs no file of ours: the source texts are Chinese; Qt's own words (the buttons of
a message box, a text field's context menu) come from Qt's ``qtbase_zh_CN.qm`` when present.

The language is chosen once, before the first window is made (``Settings.lang``): widgets
take their texts when they are built. ``install`` also switches the error texts of
``messages``, so a window and its errors speak one language.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from mobileca_desktop.views import messages

log = logging.getLogger(__name__)

ZH = messages.ZH
EN = messages.EN
LANGUAGES = (ZH, EN)
I18N_DIR = Path(__file__).resolve().parent.parent / "resources" / "i18n"

# The translators installed by the last ``install`` (removed by the next one).
_installed: list[QTranslator] = []


def normalise(lang: str) -> str:
    """``zh_CN`` or ``en`` for a setting's value (``en_US``, ``en-GB`` and ``EN`` are English)."""
    return EN if lang.strip().lower().replace("-", "_").split("_")[0] == "en" else ZH


def qm_file(lang: str) -> Path:
    """The compiled translation of this project for ``lang`` (English only)."""
    return I18N_DIR / f"mobileca_{normalise(lang)}.qm"


def _load(app: QCoreApplication, path: Path) -> bool:
    translator = QTranslator(app)
    if not translator.load(str(path)):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True


def install(app: QCoreApplication, lang: str) -> str:
    """Makes ``lang`` the UI language of the windows built from now on; returns the
    language in effect (Chinese if the English translation cannot be loaded)."""
    uninstall(app)
    lang = normalise(lang)
    if lang == EN and not _load(app, qm_file(EN)):
        log.warning("the English translation %s cannot be loaded; using Chinese", qm_file(EN))
        lang = ZH
    if lang == ZH:
        qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
        _load(app, qt_dir / "qtbase_zh_CN.qm")  # optional: Qt's own words
    messages.set_language(lang)
    return lang


def uninstall(app: QCoreApplication) -> None:
    """Removes the translators ``install`` put in: the Chinese source texts again."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    messages.set_language(ZH)


def language() -> str:
    """The language chosen by the last ``install`` (Chinese before any)."""
    return messages.language()
