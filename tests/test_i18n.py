"""English through Qt translation files: the .ts holds every text of the views, translated;
the .qm is compiled from it; an English window shows English; Settings.lang switches the
windows and the error texts together."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from enum import StrEnum
from html import unescape
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QTabBar, QToolButton, QWidget

from mobileca_desktop.config import Settings
from mobileca_desktop.domain import models
from mobileca_desktop.domain.errors import AuthenticationFailed
from mobileca_desktop.domain.models import AccountKind, CertKind, CertStatus, Method
from mobileca_desktop.testing.pages import HomePage
from mobileca_desktop.views import format as view_format
from mobileca_desktop.views import i18n, messages
from mobileca_desktop.views.format import text_of

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def load_script():
    spec = importlib.util.spec_from_file_location(
        "update_translations", ROOT / "scripts" / "update_translations.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tools = load_script()


@pytest.fixture
def english(qapp):
    assert i18n.install(qapp, "en") == "en"
    yield
    i18n.uninstall(qapp)


# --- the files ----------------------------------------------------------------------------


def test_every_text_of_the_views_is_in_the_ts_and_translated(tmp_path):
    fresh = tmp_path / "mobileca_en.ts"
    shutil.copy(tools.TS, fresh)
    tools.lupdate(fresh)  # what lupdate finds in the code today, merged into a copy
    committed, wanted = tools.messages(tools.TS), tools.messages(fresh)
    assert len(wanted) > 200
    new = sorted(f"{c}: {s}" for c, s, _ in wanted.keys() - committed.keys())
    assert not new, "run scripts/update_translations.py and translate:\n" + "\n".join(new)
    untranslated = sorted(f"{c}: {s}" for (c, s, _), forms in committed.items() if not forms)
    assert not untranslated, "translate in mobileca_en.ts:\n" + "\n".join(untranslated)


def test_the_qm_is_compiled_from_the_ts(tmp_path):
    compiled = tmp_path / "mobileca_en.qm"
    tools.lrelease(tools.TS, compiled)
    assert tools.QM.read_bytes() == compiled.read_bytes(), "run scripts/update_translations.py"


def fields(text: str) -> tuple[int, list[str], set[str]]:
    """The placeholders of a text: how many ``{}``, the named ones (``{name}``; ``{0}`` may
    reorder ``{}``), and Qt's ``%1`` / ``%n``."""
    braces = PLACEHOLDER.findall(text)
    named = sorted(b for b in braces if b[1:-1] and not b[1:-1].isdigit())
    return len(braces), named, set(re.findall(r"%(?:\d+|n)", text))


def test_translations_keep_placeholders_and_have_no_chinese():
    for (context, source, _), forms in tools.messages(tools.TS).items():
        for english in forms or ():  # untranslated: reported by the test above
            where = f"{context}: {source!r} -> {english!r}"
            assert fields(english) == fields(source), where
            assert not CJK.search(english), where
            assert english.count("<") == source.count("<"), where  # rich text keeps its tags
            if "{0}" in english or "{1}" in english:
                english.format(*(["x"] * fields(source)[0]))  # numbered fields must be valid


def test_the_ts_names_no_folder_of_this_machine():
    text = tools.TS.read_text(encoding="utf-8")
    assert str(ROOT) not in text and 'filename="/' not in text


def view_sources() -> list[Path]:
    return [ROOT / p for p in tools.sources()]


def test_every_context_is_a_class_or_a_named_context():
    """``self.tr`` is looked up under the class that runs it; lupdate files it under the
    class it is written in, or under the name before ``.tr`` (``window.tr("…")`` would be
    filed under "window" and never found: use QCoreApplication.translate there)."""
    known: set[str] = set()
    for path in view_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                known.add(node.name)
            elif isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                first = node.args[0]
                if name in ("translate", "QT_TRANSLATE_NOOP") and isinstance(first, ast.Constant):
                    known.add(str(first.value))
    contexts = {c for c, _, _ in tools.messages(tools.TS)}
    assert contexts <= known, f"contexts that are no class: {sorted(contexts - known)}"


def test_every_enum_word_is_listed_for_translation():
    listed = set(view_format.ENUM_WORDS)
    for enum in vars(models).values():
        if isinstance(enum, type) and issubclass(enum, StrEnum) and enum is not StrEnum:
            for member in enum:
                word = models.label(member)
                assert word is None or word in listed, f"{member!r}: add {word} to ENUM_WORDS"


# --- install ------------------------------------------------------------------------------


def test_settings_lang_switches_the_windows_and_the_errors(qapp, mca_client, tmp_path):
    cases = (
        ("en", "Company login", "Under review", "The account or the password is wrong"),
        ("zh_CN", "法人登录", "审核中", "账号或密码错误"),
    )
    try:
        for lang, tab, status, error in cases:
            settings = Settings(lang=lang, data_dir=tmp_path)
            assert i18n.install(qapp, settings.lang) == lang
            client = mca_client(f"pc-{lang}")  # the program started in that language
            page = client.login_page()
            assert page.widget.tabs.tabText(0) == tab
            assert text_of(CertStatus.REVIEWING) == status
            assert messages.error_text(AuthenticationFailed()) == error
            client.close()
    finally:
        i18n.uninstall(qapp)


def test_english_variants_and_a_missing_file(qapp, monkeypatch, tmp_path):
    try:
        assert i18n.install(qapp, "en_US") == "en"
        assert text_of(Method.DEPOSIT) == "Bank deposit"
        monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)  # a broken install: no .qm
        assert i18n.install(qapp, "en") == "zh_CN"
        assert text_of(Method.DEPOSIT) == "对公打款"
        assert messages.language() == "zh_CN"  # the errors follow the windows
    finally:
        i18n.uninstall(qapp)
    assert text_of(Method.DEPOSIT) == "对公打款"


# --- an English window --------------------------------------------------------------------


def texts(widget: QWidget) -> list[str]:
    """What a user (or a screen reader) gets from the visible widgets under ``widget``."""
    out: list[str] = []
    widgets = [widget, *widget.findChildren(QWidget)]
    for w in widgets:
        if not w.isVisibleTo(widget.window()):
            continue
        out += [w.accessibleName(), w.accessibleDescription(), w.toolTip()]
        if isinstance(w, QLabel):
            out.append(unescape(re.sub(r"<[^>]+>", "", w.text())))
        elif isinstance(w, QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            out += [w.placeholderText(), w.text()]
        elif isinstance(w, QTabBar):
            out += [w.tabText(i) for i in range(w.count())]
    return [t for t in out if t]


def assert_english(widget: QWidget, data: tuple[str, ...] = ()) -> None:
    """No Chinese on screen but the user's own data (a company's name stays Chinese)."""
    for text in texts(widget):
        for value in data:
            text = text.replace(value, "")
        assert not CJK.search(text), f"{text!r} in {widget.objectName()}"


def test_english_login_and_home(english, mca_client, mca_demo):
    company = mca_demo.company
    client = mca_client("test-laptop")
    window = client.window
    login = client.login_page()
    page = login.widget
    assert [page.tabs.tabText(i) for i in range(2)] == ["Company login", "Personal login"]
    assert window.top_bar.title.text() == "Log in"
    assert page.legal.login_name.label.text() == "Unified social credit code"
    assert_english(page)
    page.select(AccountKind.PERSONAL)
    assert_english(page)

    form = page.form(AccountKind.LEGAL)
    page.select(AccountKind.LEGAL)
    login.click(form.login_button)  # empty: said next to each field, in English
    assert form.login_name.error_text() == "Unified social credit code is required"
    login.log_in_refused(AccountKind.LEGAL, company.uscc, "Wrong2026pass")
    assert form.password.error_text() == "The account or the password is wrong"

    login.type(form.password, company.password)
    login.click(form.login_button)
    home = HomePage(client)
    assert window.top_bar.title.text() == "Mobile CA services"
    tiles = {name: home.find(name, QToolButton).text() for name in home.widget.tiles}
    assert tiles["certsTile"] == "Certificates"
    assert tiles["grantsTile"] == "Authorisations"
    assert tiles["scanTile"] == "Scan"
    assert_english(home.widget, data=(company.name, company.legal_person_name))

    wizard = home.apply(CertKind.UNIT)
    assert window.top_bar.title.text() == "Apply for a company certificate"
    assert wizard.heading == "Choose the CA institution"
    assert wizard.widget.next_button.text() == "Next"
    client.settle()


def test_english_registration_errors(english, mca_client):
    client = mca_client("test-laptop")
    registration = client.login_page().open_registration(AccountKind.PERSONAL)
    page = registration.widget
    assert client.window.top_bar.title.text() == "Personal registration"
    registration.fill(password="Demo2026pass", password_again="Demo2026past")
    registration.click(page.submit_button)
    assert page.fields["name"].error_text() == "Name is required"
    assert page.fields["password_again"].error_text() == "The two passwords are not the same"
    assert page.fields["id_number"].edit.placeholderText() == "18-character resident ID number"
    assert_english(page)
