"""Pages talk to the navigation interface, not to the main window; logic runs on enums, and
their words are looked up.

Static checks over the views' source (no view but the window itself imports MainWindow,
nothing dispatches on a name built at run time, nothing fishes an attribute out of
``self.window()``), and the behaviour they replaced: the top bar's ⋯ menu reaches the window
through its signals, and where the CA runs is an enum whose word is looked up.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from mobileca_desktop.testing.client import guarded_context
from mobileca_desktop.views import i18n
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.words import CAPlace, word

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ROOT / "mobileca_desktop" / "views"
SERVICES = ROOT / "mobileca_desktop" / "services"


def sources(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.py"))


def test_no_view_but_the_window_imports_the_main_window():
    found = []
    for path in sources(VIEWS):
        if path.name == "main_window.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "mobileca_desktop.views.main_window"
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "pages take a views.navigation.Navigator, not MainWindow: " + str(found)


def test_nothing_calls_a_method_or_reads_the_window_by_a_name_in_a_string():
    found = []
    for path in sources(VIEWS, SERVICES):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr"):
                continue
            target, name = node.args[0], node.args[1]
            from_window = (
                isinstance(target, ast.Call) and getattr(target.func, "attr", "") == "window"
            )
            if isinstance(name, ast.JoinedStr) or from_window:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, "dispatch through a table keyed by an enum: " + str(found)


def test_the_menu_reaches_the_window_through_signals_and_follows_where_the_ca_runs(
    qtbot, mca_client, mca_world
):
    client = mca_client("test-laptop")
    window = client.window
    bar = window.top_bar
    bar.refresh_menu()
    assert window.ctx is not None and window.ctx.ca_place is CAPlace.LOCAL
    assert bar.reviewer_action.isVisible() and bar.clock_action.isVisible()
    bar.settings_action.trigger()
    client.wait_page("settingsPage")

    # A remote CA (no settings given: the place decides), in a window of its own.
    remote = MainWindow()
    qtbot.addWidget(remote)
    ctx = dataclasses.replace(
        guarded_context(mca_world.services, "test-laptop"),
        ca_place=CAPlace.REMOTE,
        ca_url="https://ca.example:8443",
    )
    remote.attach(ctx)
    remote.top_bar.refresh_menu()
    assert not remote.top_bar.reviewer_action.isVisible()
    assert not remote.top_bar.clock_action.isVisible()
    assert ctx.ca_label == "https://ca.example:8443"


def test_where_the_ca_runs_has_its_word_in_the_one_table(qapp):
    assert word(CAPlace.LOCAL) == "本机 CA" and word(CAPlace.REMOTE) is None
    assert guarded_context_label() == text_of(CAPlace.LOCAL) == "本机 CA"
    assert i18n.install(qapp, "en") == "en"
    try:
        assert text_of(CAPlace.LOCAL) == "Local CA"
        assert guarded_context_label() == "Local CA"
    finally:
        i18n.uninstall(qapp)


def guarded_context_label() -> str:
    from mobileca_desktop.views.context import AppContext

    return AppContext(ca=None, inbox=None).ca_label  # type: ignore[arg-type]
