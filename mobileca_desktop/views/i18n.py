"""The UI language: Chinese by default, English through Qt translation files.

Every text the views show is written in Chinese (the handbook's words) and wrapped with
``self.tr()``, or ``QCoreApplication.translate`` / ``QT_TRANSLATE_NOOP`` outside a method.
``scripts/update_translations.py`` extracts them into ``resources/i18n/mobileca_en.ts`` (the
translator's file, kept in git) and compiles ``mobileca_en.qm``, which ``install`` loads.
Chinese needs no file of ours: the source texts are Chinese. Qt's own words (the buttons of
a message box, a text field's context menu, the file dialog) come from Qt's ``qtbase_*.qm``
of the chosen language, shipped in the PySide6 wheel (``QtWordsTranslator``), and Qt's
default locale is set to the chosen language.

The language is chosen once, before the first window is made (``Settings.lang``): widgets
take their texts when they are built. ``install`` also switches the error texts of
``messages``, so a window and its errors speak one language.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

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


class QtWordsTranslator(QTranslator):
    """Qt's own words (``qtbase_*.qm``), also where Qt's catalogue lags behind its widgets:
    Qt 6's file dialog asks for "&Look in:" and "Files of &type:" while ``qtbase_zh_CN``
    has them without the ``&`` only, so the dialog stayed half English. Such a text is
    looked up without its ``&`` and gets its accelerator back the Chinese way, "(&L)"."""

    def translate(  # Qt override
        self, context: str, source: str, disambiguation: str | None = None, n: int = -1
    ) -> str | None:
        # None, not "": an empty string would stop Qt's search of the other translators.
        found = super().translate(context, source, disambiguation, n)
        if found:
            return found
        if "&" not in source:
            return None
        bare = source.replace("&&", "\0").replace("&", "").replace("\0", "&")
        found = super().translate(context, bare, disambiguation, n)
        if not found:
            return None
        key = source[source.index("&") + 1 : source.index("&") + 2].upper()
        if not key.isalnum():
            return found
        tail = found[-1] if found[-1] in "：:" else ""
        return f"{found[: len(found) - len(tail)]}(&{key}){tail}"


def _load(app: QCoreApplication, path: Path, kind: type[QTranslator] = QTranslator) -> bool:
    translator = kind(app)
    if not translator.load(str(path)):
        return False
    app.installTranslator(translator)
    _installed.append(translator)
    return True


def qt_words_file(lang: str) -> Path:
    """Qt's own catalogue for ``lang``, shipped in the PySide6 wheel."""
    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    return qt_dir / ("qtbase_en.qm" if normalise(lang) == EN else "qtbase_zh_CN.qm")


def install(app: QCoreApplication, lang: str) -> str:
    """Makes ``lang`` the UI language of the windows built from now on; returns the
    language in effect (Chinese if the English translation cannot be loaded)."""
    uninstall(app)
    lang = normalise(lang)
    if lang == EN and not _load(app, qm_file(EN)):
        log.warning("the English translation %s cannot be loaded; using Chinese", qm_file(EN))
        lang = ZH
    if not _load(app, qt_words_file(lang), QtWordsTranslator):
        log.info("Qt's own translation %s is not available", qt_words_file(lang))
    # Qt's dialogs, dates and numbers follow the chosen language, not the desktop's.
    QLocale.setDefault(QLocale("en_US" if lang == EN else "zh_CN"))
    messages.set_language(lang)
    return lang


def uninstall(app: QCoreApplication) -> None:
    """Removes the translators ``install`` put in: the Chinese source texts again."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale("zh_CN"))
    messages.set_language(ZH)


def language() -> str:
    """The language chosen by the last ``install`` (Chinese before any)."""
    return messages.language()
