"""Every screen is usable by QA tools and by the keyboard alone: the real screens are opened
with real data (a local CA in a temporary folder, a device keystore on an in-memory keyring)
and, on each, every visible interactive widget is checked for

* an ``objectName`` of the app's own (QA drives the widget by it), unique on the screen
  unless the widgets are the same control of repeated items, each in a named item of its
  own (``removeDocButton`` in ``doc_licence`` and in ``doc_id_front``);
* a name for assistive technology: ``accessibleName()``, or for a button its text;
* a place in the Tab order: in the window's focus chain (``nextInFocusChain``), with a focus
  policy that accepts Tab, a text editor letting Tab move on, a link in a label opened by
  keyboard; then Tab is really pressed round the window (``tab_walk``): every widget must
  be reached and none may keep Tab (a keyboard trap). In an exclusive group of radio
  buttons Qt stops Tab on the chosen button only: the others must be reached by the arrows;

the entries of the ⋯ menu (QActions) need an objectName and a text; and every SVG icon of
``resources/icons`` must load and draw at 1× and 2× device pixel ratio.

Interactive: QAbstractButton (push, tool, check, radio), QLineEdit, QTextEdit and
QPlainTextEdit, QComboBox, QAbstractSpinBox (QSpinBox, QDateEdit), QTabBar, QAbstractItemView
(lists, tables, PDF views), QSlider; an app widget that acts on a click (it shows the
pointing hand: a certificate row) and a label with a link; and any other widget Tab stops on
(a page's scroll area, which the keyboard scrolls: a screen reader announces it too).

Qt's own parts of a widget are not the app's to name, and are left out (``qt_internal``):

* anything Qt named ``qt_*`` (a QDockWidget's float and close buttons, the line edit of a
  QSpinBox / QDateEdit);
* the line edit inside a QAbstractSpinBox or an editable QComboBox (the box is checked);
* a QTabBar's scroll arrows and a QLineEdit's icon buttons (the clear button);
* the direct children of a QAbstractItemView (its headers, a table's corner button; what
  the app puts in its viewport is checked), a QComboBox's popup list, a QCalendarWidget's
  parts (a QDateEdit's popup);
* the standard buttons of a QDialogButtonBox / QMessageBox (Qt makes and translates them;
  buttons the app adds with its own text are the app's and are checked).

A scroll bar is not interactive here (the scroll area it belongs to is the Tab stop).

The wizard's steps are reached as scripts/screenshots.py reaches them (the wizard's model
filled in, then the real page rendered); everything else through the window's own buttons.
A gap in a file someone else is editing is not worked around: the test fails and says which
widget lacks what.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import jpeg_bytes, pdf_bytes
from helpers_keystore import CERT_PASSWORD
from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSlider,
    QSpinBox,
    QTabBar,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from qt_support import WAIT_MS, child, click, settle, type_text, wait_page

from mobileca_desktop.app import startup_problem
from mobileca_desktop.domain.errors import ScanRefused, SecretUnavailable
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    DocKind,
    Handler,
    Method,
)
from mobileca_desktop.services import frames
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    ScanOperation,
    ScanOutcome,
    ScanPrompt,
    ScanRequest,
)
from mobileca_desktop.services.wizard import ApplicationWizard, Step
from mobileca_desktop.views import icons
from mobileca_desktop.views.scan import screen_source
from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage
from mobileca_desktop.views.scan.result_page import ScanResultPage
from mobileca_desktop.views.scan.scan_page import CAMERA, IMAGE, SCREEN
from mobileca_desktop.views.wizard.wizard_page import WizardPage

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QTextEdit,
    QPlainTextEdit,
    QComboBox,
    QAbstractSpinBox,
    QTabBar,
    QAbstractItemView,
    QSlider,
)

# --- the checks -----------------------------------------------------------------------------


def qt_internal(w: QWidget) -> bool:
    """Qt's own part of a widget (see the module's docstring for why each is left out)."""
    if w.objectName().startswith("qt_"):
        return True
    parent = w.parentWidget()
    if parent is None:
        return False
    if isinstance(w, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox)):
        return True
    if isinstance(w, QToolButton) and isinstance(parent, (QTabBar, QLineEdit)):
        return True
    if isinstance(parent, QAbstractItemView):  # headers, corner button (not the viewport's)
        return True
    if isinstance(w, QAbstractButton) and isinstance(parent, QDialogButtonBox):
        return parent.standardButton(w) != QDialogButtonBox.StandardButton.NoButton
    ancestor = parent
    while ancestor is not None:
        if isinstance(ancestor, QCalendarWidget):
            return True
        if type(ancestor).__name__ == "QComboBoxPrivateContainer":
            return True
        ancestor = ancestor.parentWidget()
    return False


def link_label(w: QWidget) -> bool:
    return isinstance(w, QLabel) and "<a " in w.text()


def clickable(w: QWidget) -> bool:
    """An app widget that acts on a click (a certificate row): it shows the pointing hand,
    and a link in a label."""
    hand = (
        w.testAttribute(Qt.WidgetAttribute.WA_SetCursor)
        and w.cursor().shape() == Qt.CursorShape.PointingHandCursor
    )
    return hand or link_label(w)


def tab_stop(w: QWidget) -> bool:
    """Any other widget Tab stops on (a scroll area scrolled by the keyboard): a screen
    reader announces it, so it needs a name as well."""
    return w.focusProxy() is None and tab_focus(w)


def interactive(root: QWidget) -> list[QWidget]:
    """The visible interactive widgets of ``root`` (itself included) that are the app's."""
    found = [root, *root.findChildren(QWidget)]
    return [
        w
        for w in found
        if (isinstance(w, INTERACTIVE) or clickable(w) or tab_stop(w)) and w.isVisible()
        and w.window() is root.window() and not qt_internal(w)
    ]  # fmt: skip


def describe(w: QWidget) -> str:
    text = w.text() if isinstance(w, QAbstractButton) else ""
    parents = []
    p = w.parentWidget()
    while p is not None and len(parents) < 3:
        if p.objectName():
            parents.append(p.objectName())
        p = p.parentWidget()
    where = "/".join(reversed(parents))
    return f"{type(w).__name__}({w.objectName()!r}, text={text!r}) in {where or '?'}"


def spoken_name(w: QWidget) -> str:
    """What a screen reader announces: the accessible name, or a button's own text."""
    name = w.accessibleName().strip()
    if not name and isinstance(w, QAbstractButton):
        name = w.text().replace("&", "").strip()
    return name


def nearest_named_ancestor(w: QWidget, root: QWidget) -> QWidget | None:
    p = w.parentWidget()
    while p is not None and p is not root:
        if p.objectName() and not p.objectName().startswith("qt_"):
            return p
        p = p.parentWidget()
    return None


def focus_chain(start: QWidget) -> set[int]:
    """The widgets Tab walks through from ``start`` (Qt's focus chain, once around)."""
    seen: set[int] = set()
    w = start.nextInFocusChain()
    for _ in range(20000):
        if w is None or w is start:
            break
        seen.add(id(w))
        w = w.nextInFocusChain()
    return seen


def tab_focus(w: QWidget) -> bool:
    return bool(w.focusPolicy().value & Qt.FocusPolicy.TabFocus.value)


def audit(screen: str, root: QWidget) -> list[str]:
    """The problems of one screen, each a line saying the screen, the widget and the gap."""
    widgets = interactive(root)
    assert widgets, f"{screen}: nothing interactive is visible (wrong screen?)"
    problems: list[str] = []
    chain = focus_chain(root)
    by_name: dict[str, list[QWidget]] = defaultdict(list)
    for w in widgets:
        name = w.objectName()
        if not name:
            problems.append(f"{screen}: {describe(w)} has no objectName")
        else:
            by_name[name].append(w)
        if not spoken_name(w):
            problems.append(f"{screen}: {describe(w)} has no accessible name")
        if not w.isEnabled():
            continue
        if w is not root and id(w) not in chain:
            problems.append(f"{screen}: {describe(w)} is not in the focus chain")
        target = w.focusProxy() or w
        if radio_group(w) is not None:
            # Qt keeps Tab on the chosen button of an exclusive group only (the arrow keys
            # move within it): some button of the group must take Tab.
            group = [m for m in widgets if radio_group(m) == radio_group(w) and m.isEnabled()]
            if w is group[0] and not any(tab_focus(m) for m in group):
                problems.append(f"{screen}: the group of {describe(w)} is skipped by Tab")
        elif not tab_focus(target):
            problems.append(
                f"{screen}: {describe(w)} is skipped by Tab (focusPolicy {w.focusPolicy().name})"
            )
        keyboard_links = Qt.TextInteractionFlag.LinksAccessibleByKeyboard.value
        if link_label(w) and not w.textInteractionFlags().value & keyboard_links:
            problems.append(f"{screen}: {describe(w)}: its link cannot be opened by keyboard")
        if isinstance(w, (QTextEdit, QPlainTextEdit)) and not w.tabChangesFocus():
            problems.append(f"{screen}: {describe(w)} keeps Tab (setTabChangesFocus(True))")
    for name, same in by_name.items():
        if len(same) < 2:
            continue
        # The same control of repeated items (a row of a list, a document's slot) is found
        # through its item: each must sit in a named container of its own. Two of them in
        # one container (or loose on the screen) cannot be told apart.
        holders = [nearest_named_ancestor(w, root) for w in same]
        if any(h is None for h in holders) or len({id(h) for h in holders}) < len(holders):
            problems.append(
                f"{screen}: objectName {name!r} is used by {len(same)} widgets: "
                + "; ".join(describe(w) for w in same)
            )
    return problems


def menu_problems(screen: str, menu: QMenu) -> list[str]:
    problems = []
    for action in menu.actions():
        if action.isSeparator() or not action.isVisible():
            continue
        if not action.objectName():
            problems.append(f"{screen}: menu entry {action.text()!r} has no objectName")
        if not action.text().replace("&", "").strip():
            problems.append(f"{screen}: menu entry {action.objectName()!r} has no text")
    return problems


def radio_group(w: QWidget) -> tuple | None:
    """The exclusive group of a radio button (its QButtonGroup, or its auto-exclusive
    siblings): Tab stops once in such a group and the arrow keys move within it."""
    if not isinstance(w, QRadioButton):
        return None
    group = w.group()
    if group is not None:
        return ("group", id(group)) if group.exclusive() else None
    return ("parent", id(w.parentWidget())) if w.autoExclusive() else None


def arrow_walk(qtbot, start: QWidget) -> set[int]:
    """The radio buttons the arrow keys reach from ``start``; the choice is put back."""
    group = radio_group(start)
    members = [
        w for w in start.window().findChildren(QRadioButton) if radio_group(w) == group
    ]  # fmt: skip
    checked = next((w for w in members if w.isChecked()), None)
    reached = {id(start)}
    for key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
        start.setFocus(Qt.FocusReason.TabFocusReason)
        for _ in range(len(members) + 1):
            QTest.keyClick(QApplication.focusWidget(), key)
            reached.add(id(QApplication.focusWidget()))
    if checked is not None:
        checked.setChecked(True)
    return reached


def tab_walk(qtbot, root: QWidget) -> list[str]:
    """Presses Tab round the window from its first stop, as a keyboard user does, and says
    which enabled interactive widgets of ``root`` it never reached. In an exclusive group of
    radio buttons Tab stops once (on the chosen one) and the arrow keys reach the others."""
    window = root.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT_MS)
    wanted = [w for w in interactive(root) if w.isEnabled()]
    stops = [w for w in wanted if tab_focus(w.focusProxy() or w) or radio_group(w) is not None]
    if not stops:
        return []
    first = stops[0].focusProxy() or stops[0]
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=WAIT_MS)
    order = [first]
    # Round the whole window once; a keyboard trap (a widget that keeps Tab) stops it.
    presses = 2 * len(window.findChildren(QWidget)) + 20
    for _ in range(presses):
        current = QApplication.focusWidget()
        QTest.keyClick(current, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is None or now is first:
            break
        order.append(now)
    reached = {id(w) for w in order}
    problems = []
    kept = [w for w in set(order) if order.count(w) > 3]
    for w in kept:
        problems.append(f"{describe(w)} keeps Tab (a keyboard trap)")
    for w in {id(w): w for w in order if radio_group(w) is not None}.values():
        reached |= arrow_walk(qtbot, w)
    problems += [
        f"{describe(w)} is not reached by pressing Tab (or the arrow keys in its group)"
        for w in stops
        if id(w.focusProxy() or w) not in reached
    ]
    return problems


def clipped(screen: str, root: QWidget) -> list[str]:
    """Controls and texts that the window cuts off: each visible widget must lie inside the
    window and, inside a scrolling page, within the page's width (a page scrolls up and
    down, never sideways)."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractScrollArea, QScrollBar

    problems = []
    window_rect = root.rect()
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or qt_internal(w) or isinstance(w, QScrollBar):
            continue
        if not isinstance(w, (*INTERACTIVE, QLabel)) or w.width() <= 0:
            continue
        rect = QRect(w.mapTo(root, QPoint(0, 0)), w.size())
        holder, area = w.parentWidget(), None
        while holder is not None and holder is not root:
            if isinstance(holder, QAbstractScrollArea) and holder.viewport().isAncestorOf(w):
                area = holder
                break
            holder = holder.parentWidget()
        if area is not None:
            view = area.viewport()
            box = QRect(view.mapTo(root, QPoint(0, 0)), view.size())
            inside = rect.left() >= box.left() - 1 and rect.right() <= box.right() + 1
            if not inside and not problems:
                wide = sorted(
                    (c.minimumSizeHint().width(), describe(c))
                    for c in area.widget().findChildren(QWidget)
                    if c.isVisible() and c.minimumSizeHint().width() > view.width() - 60
                )
                problems.append(f"{screen}: the widest: {wide[:6]}")
        else:
            inside = window_rect.adjusted(-1, -1, 1, 1).contains(rect)
        if not inside:
            problems.append(
                f"{screen}: {describe(w)} is cut off at {root.width()}×{root.height()} "
                f"(at {rect.x()},{rect.y()} {rect.width()}×{rect.height()}; "
                f"its minimum width {w.minimumSizeHint().width()})"
            )
    return problems


class Screens:
    """Collects the problems of every screen of a test; ``check`` fails with all of them.
    A main window is checked at its minimum size too: no control is ever clipped."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.problems: list[str] = []

    def audit(self, screen: str, root: QWidget) -> None:
        settle(self.qtbot)
        # Widgets added to a shown window appear at the next turn of the event loop.
        self.qtbot.waitUntil(lambda: root.isVisible(), timeout=WAIT_MS)
        QApplication.processEvents()
        self.problems += audit(screen, root)
        self.problems += [f"{screen}: {p}" for p in tab_walk(self.qtbot, root)]
        if root.isWindow():
            size = root.size()
            root.resize(root.minimumSize())
            QApplication.processEvents()
            self.problems += clipped(screen, root)
            root.resize(size)
            QApplication.processEvents()

    def check(self) -> None:
        assert not self.problems, "\n" + "\n".join(self.problems)


def test_the_checks_find_what_they_look_for(qtbot):
    """The checker itself, on a dialog with one gap of each kind and Qt's own parts."""
    dialog = QDialog()
    dialog.setObjectName("sample")
    qtbot.addWidget(dialog)
    box = QVBoxLayout(dialog)
    unnamed = QPushButton("确定")
    icon_only = QToolButton()
    icon_only.setObjectName("iconOnly")
    no_tab = QLineEdit()
    no_tab.setObjectName("noTab")
    no_tab.setAccessibleName("不可 Tab")
    no_tab.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    notes = QPlainTextEdit()
    notes.setObjectName("notes")
    notes.setAccessibleName("备注")
    twins = [QPushButton("甲"), QPushButton("乙")]
    for twin in twins:
        twin.setObjectName("twin")
    days = QSpinBox()  # its line edit is Qt's
    days.setObjectName("days")
    days.setAccessibleName("天数")
    rows = []
    for _ in range(2):  # the same button in two rows: fine
        row = QWidget()
        row.setObjectName("row")
        button = QPushButton("删除", row)
        button.setObjectName("removeButton")
        QVBoxLayout(row).addWidget(button)
        rows.append(row)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)  # Qt's own button
    buttons.setObjectName("sampleButtons")
    for w in (unnamed, icon_only, no_tab, *twins, days, *rows, buttons, notes):
        box.addWidget(w)
    dialog.show()
    qtbot.waitExposed(dialog)
    found = audit("样例", dialog)
    assert sorted(found) == sorted(
        [
            f"样例: {describe(unnamed)} has no objectName",
            f"样例: {describe(icon_only)} has no accessible name",
            f"样例: {describe(no_tab)} is skipped by Tab (focusPolicy ClickFocus)",
            f"样例: {describe(notes)} keeps Tab (setTabChangesFocus(True))",
            "样例: objectName 'twin' is used by 2 widgets: "
            + "; ".join(describe(w) for w in twins),
        ]
    ), "\n".join(found)
    walked = tab_walk(qtbot, dialog)
    assert walked == [f"{describe(notes)} keeps Tab (a keyboard trap)"], walked


# --- getting to the screens -----------------------------------------------------------------


def open_tile(qtbot, window, tile: str, page_name: str):
    click(qtbot, child(window.current(), tile, QToolButton))
    return wait_page(qtbot, window, page_name)


def visible_dialog(qtbot, window, name: str) -> QDialog:
    def find():
        return next((d for d in window.findChildren(QDialog, name) if d.isVisible()), None)

    qtbot.waitUntil(lambda: find() is not None, timeout=WAIT_MS)
    return find()


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """No real camera is listed (none here), and no screen region is remembered."""
    monkeypatch.setattr(frames, "list_cameras", lambda: [])
    screen_source._REMEMBERED.clear()
    yield
    screen_source._REMEMBERED.clear()


@pytest.fixture(autouse=True, params=["zh_CN", "en"])
def language(request, qapp):
    """Every screen in both languages: English texts are longer, and no control may be cut
    off at the window's minimum size in either."""
    from mobileca_desktop.views import i18n

    i18n.install(qapp, request.param)
    yield request.param
    i18n.uninstall(qapp)


# --- the screens ----------------------------------------------------------------------------


def test_login_registration_home_menu_and_inbox(qtbot, mca_client, mca_demo):
    company = mca_demo.company
    screens = Screens(qtbot)
    client = mca_client("test-laptop")
    window = client.window
    page = client.login_page().widget
    for index, kind in enumerate((AccountKind.LEGAL, AccountKind.PERSONAL)):
        qtbot.mouseClick(
            page.tabs, Qt.MouseButton.LeftButton, pos=page.tabs.tabRect(index).center()
        )
        qtbot.waitUntil(lambda k=kind, p=page: p.form(k).isVisible(), timeout=WAIT_MS)
        screens.audit(f"登录（{kind.name}）", window)

        click(qtbot, page.form(kind).register_button)
        register = wait_page(
            qtbot, window, "registerLegalPage" if index == 0 else "registerPersonalPage"
        )
        screens.audit(f"注册（{kind.name}）", window)
        click(qtbot, window.top_bar.back)
        qtbot.waitUntil(lambda r=register: window.current() is not r, timeout=WAIT_MS)
        page = wait_page(qtbot, window, "loginPage")

    client.login_page().log_in_as_company()
    screens.audit("首页（法人）", window)

    # The ⋯ menu: its button is checked with the window; its entries here.
    bar = window.top_bar
    bar.refresh_menu()
    bar.menu.popup(bar.more.mapToGlobal(QPoint(0, bar.more.height())))
    qtbot.waitUntil(bar.menu.isVisible, timeout=WAIT_MS)
    shown = {a.objectName() for a in bar.menu.actions() if a.isVisible()}
    assert shown == {"settingsAction", "reviewerAction", "clockAction", "inboxAction"}, shown
    screens.problems += menu_problems("⋯ 菜单", bar.menu)
    bar.menu.hide()

    # The phone inbox with the messages of the legal person's phone.
    window.toggle_inbox()
    window.inbox_panel.add_phone(company.legal_person_phone)
    qtbot.waitUntil(window.inbox_panel.isVisible, timeout=WAIT_MS)
    screens.audit("手机收件箱", window.inbox_panel)
    window.toggle_inbox()

    click(qtbot, child(window.current(), "logoutButton"))
    client.login_page().log_in_as_agent()
    screens.audit("首页（个人）", window)

    # The start-up page telling what went wrong.
    window.show_problem(*startup_problem(SecretUnavailable(reason="no OS keyring")))
    qtbot.waitUntil(lambda: window.current() is window.startup, timeout=WAIT_MS)
    screens.audit("启动问题", window)
    screens.check()


def test_each_wizard_step(qtbot, mca_client, mca_world, mca_phone, portrait, tmp_path):
    services, s = mca_world.services, mca_world.legal_session()
    company, agent = mca_world.demo.company, mca_world.demo.agent
    screens = Screens(qtbot)
    client = mca_client("test-laptop")
    window = client.window
    client.login_page().log_in_as_company()
    me = AgentDetails(agent.name, agent.id_number, agent.phone)

    # One application by an agent (对公打款), every step of it.
    wizard = ApplicationWizard(services.ca, s, CertKind.UNIT)
    page = WizardPage(window, wizard)
    window.push(page)
    screens.audit("向导 1 CA 机构", window)

    def step(name: str, expected: Step, fill) -> None:
        fill()
        wizard.next()
        assert wizard.step is expected, name
        page.render_step()
        screens.audit(name, window)

    def fill_agent() -> None:
        wizard.data.agent_name, wizard.data.agent_id_number = me.name, me.id_number
        wizard.data.agent_phone = me.phone

    step("向导 2 核验方式", Step.METHOD, lambda: setattr(wizard.data, "institution_id", "bjca"))
    step("向导 3 办理人员", Step.HANDLER, lambda: setattr(wizard.data, "method", Method.DEPOSIT))
    step("向导 4 经办人", Step.AGENT, lambda: setattr(wizard.data, "handler", Handler.AGENT))
    step("向导 5 对公打款", Step.VERIFY, fill_agent)
    wizard.start_deposit()
    page.render_step()
    screens.audit("向导 5 对公打款（已打款）", window)
    deposit = next(
        m for m in mca_phone.messages(company.legal_person_phone) if m.kind.name == "DEPOSIT"
    )
    amount = mca_phone.deposit_amount(company.legal_person_phone)
    step("向导 6 授权码", Step.AUTH_CODE, lambda: setattr(wizard.data, "deposit_amount", amount))
    step("向导 7 信息确认", Step.CONFIRM, lambda: setattr(wizard.data, "auth_code", deposit.code))
    step("向导 8 上传证件", Step.DOCUMENTS, lambda: None)
    wizard.upload(DocKind.LICENCE, pdf_bytes("licence"), "licence.pdf")
    wizard.upload(DocKind.ID_FRONT, jpeg_bytes("front"), "front.jpg")
    page.render_step()
    screens.audit("向导 8 上传证件（部分已上传）", window)
    wizard.upload(DocKind.ID_BACK, jpeg_bytes("back"), "back.jpg")
    step("向导 9 签名提交", Step.SIGN, lambda: None)
    wizard.request_sms_code()
    code = mca_phone.last_code(me.phone)
    step("向导 10 已提交", Step.SUBMITTED, lambda: setattr(wizard.data, "sms_code", code))
    window.pop()

    # The other verification methods' pages (法人刷脸, 电子营业执照, 授权书).
    for method in (Method.FACE, Method.ELICENCE, Method.LETTER):
        wizard = ApplicationWizard(services.ca, s, CertKind.LEGAL_REP)
        page = WizardPage(window, wizard)
        window.push(page)
        wizard.data.institution_id = "bjca"
        wizard.next()
        wizard.data.method = method
        wizard.next()
        wizard.data.handler = Handler.LEGAL_PERSON
        wizard.next()
        assert wizard.step is Step.VERIFY
        page.render_step()
        screens.audit(f"向导 核验（{method.name}）", window)
        if method is Method.FACE:  # and with the photo chosen (what 选择照片 does)
            photo = tmp_path / "face.png"
            photo.write_bytes(portrait)
            page.view.load_photo(photo)
            qtbot.waitUntil(lambda w=wizard: w.data.face_photo == portrait, timeout=WAIT_MS)
            screens.audit("向导 核验（FACE，已选照片）", window)
        window.pop()
    settle(qtbot)
    screens.check()


def test_certificates_activation_and_password(qtbot, mca_client, mca_world, mca_phone):
    services, s = mca_world.services, mca_world.legal_session()
    company = mca_world.demo.company
    mca_world.approved_certificate(CertKind.UNIT)
    mca_world.approved_certificate(CertKind.LEGAL_REP)
    screens = Screens(qtbot)
    client = mca_client("test-laptop")
    window = client.window
    client.login_page().log_in_as_company()
    # One more application waiting (审核中: 对公打款, 法人本人), for the list's other rows.
    mca_world.submitted_application(CertKind.LEGAL_REP)
    services.ca.create_application(s, CertKind.UNIT, "bjca")  # a draft: 继续 in its row

    # 扫一扫 before any download: the first-use prompt, then which certificate (two are 正常).
    click(qtbot, child(window.current(), "scanTile", QToolButton))
    dialog = visible_dialog(qtbot, window, "firstUseDialog")
    screens.audit("扫一扫 初次使用", dialog)
    click(qtbot, dialog.confirm_button)
    chooser = wait_page(qtbot, window, "chooseCertificatePage")
    screens.audit("选择证书", window)
    click(qtbot, window.top_bar.back)
    qtbot.waitUntil(lambda: window.current() is not chooser, timeout=WAIT_MS)
    wait_page(qtbot, window, "homePage")

    certs = open_tile(qtbot, window, "certsTile", "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=WAIT_MS)
    screens.audit("证书管理", window)

    row = next(r for r in certs.rows if r.row.kind is CertKind.UNIT and r.row.certificate_id)
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.loads >= 1, timeout=WAIT_MS)
    screens.audit("证书详情（未下载）", window)

    click(qtbot, detail.buttons["downloadButton"])
    activation = wait_page(qtbot, window, "activationPage")
    qtbot.waitUntil(
        lambda: activation.loaded and activation.activate_button.isEnabled(), timeout=WAIT_MS
    )
    screens.audit("证书下载 / 激活", window)
    click(qtbot, activation.code_button)
    qtbot.waitUntil(lambda: not activation.code_button.isEnabled(), timeout=WAIT_MS)
    settle(qtbot)
    type_text(qtbot, activation.sms, mca_phone.last_code(company.legal_person_phone))
    type_text(qtbot, activation.passwords.password, CERT_PASSWORD)
    type_text(qtbot, activation.passwords.again, CERT_PASSWORD)
    click(qtbot, activation.activate_button)
    qtbot.waitUntil(child(activation, "activationDone").isVisible, timeout=WAIT_MS)
    screens.audit("证书下载 / 激活（完成）", window)
    click(qtbot, child(activation, "activationDoneButton"))

    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.buttons["passwordButton"].isEnabled(), timeout=WAIT_MS)
    screens.audit("证书详情（已下载）", window)

    click(qtbot, detail.buttons["passwordButton"])
    wait_page(qtbot, window, "changePasswordPage")
    screens.audit("修改证书密码", window)
    click(qtbot, window.top_bar.back)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.loads >= 1, timeout=WAIT_MS)

    # 证书更新 and 吊销 ask first, in dialogs of their own; 证书变更 is a form.
    for button, name, screen in (
        ("renewButton", "renewDialog", "证书更新确认"),
        ("revokeButton", "revokeDialog", "吊销确认"),
    ):
        click(qtbot, detail.buttons[button])
        dialog = visible_dialog(qtbot, window, name)
        screens.audit(screen, dialog)
        dialog.reject()
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=WAIT_MS)
        settle(qtbot)
    click(qtbot, detail.buttons["changeButton"])
    wait_page(qtbot, window, "changeCertificatePage")
    screens.audit("证书变更", window)
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "certDetailPage")
    settle(qtbot)
    screens.check()


def test_grants_new_grant_and_the_agents_view(qtbot, mca_client, mca_world):
    unit = mca_world.approved_certificate(CertKind.UNIT)
    mca_world.grant(unit, days=90)  # to the demo agent
    screens = Screens(qtbot)

    client = mca_client("test-laptop")
    window = client.window
    client.login_page().log_in_as_company()
    grants = open_tile(qtbot, window, "grantsTile", "grantsPage")
    qtbot.waitUntil(lambda: len(grants.rows) == 1, timeout=WAIT_MS)
    screens.audit("授权管理", window)

    box = grants.ask_withdraw(grants.grants[0])
    qtbot.waitUntil(box.isVisible, timeout=WAIT_MS)
    screens.audit("撤销授权确认", box)
    box.reject()
    settle(qtbot)

    click(qtbot, grants.new_button)
    form = wait_page(qtbot, window, "newGrantPage")
    qtbot.waitUntil(lambda: form.loaded, timeout=WAIT_MS)
    screens.audit("新增授权", window)
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "grantsPage")

    agent_pc = mca_client("agent-pc")
    agent_window = agent_pc.window
    agent_pc.login_page().log_in_as_agent()
    received = open_tile(qtbot, agent_window, "grantsTile", "receivedGrantsPage")
    qtbot.waitUntil(lambda: len(received.rows) == 1, timeout=WAIT_MS)
    screens.audit("授权管理（经办人）", agent_window)
    settle(qtbot)
    screens.check()


def scan_prompt() -> ScanPrompt:
    """A 扫码签章 prompt as the scan service makes it (no platform needed to show it)."""
    request = ScanRequest(
        version=1,
        operation=ScanOperation.SEAL,
        platform_id="ggzy.test",
        platform_name="山西省公共资源交易平台（模拟）",
        origin="http://127.0.0.1:9",
        session_ref="c2Vzc2lvbi1yZWYtMDAx",
        callback_url="http://127.0.0.1:9/cb",
        nonce="bm9uY2Utbm9uY2UtMDE",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
    )
    return ScanPrompt(
        request=request,
        summary="签章《投标函.pdf》",
        details=(("平台", request.platform_name), ("文件", "投标函.pdf"), ("印章", "公章")),
        document=pdf_bytes("投标函"),
        document_name="投标函.pdf",
        certificates=(
            CertificateChoice(1, CertKind.UNIT, "山西示例建设工程有限公司", "单位证书 · 山西示例"),
            CertificateChoice(
                7, CertKind.UNIT, "山西另一公司", "单位证书 · 山西另一公司", agent_for="李经办"
            ),
        ),
    )


def test_scan_page_and_its_confirm_page(qtbot, mca_client, mca_world, mca_phone):
    s, company = mca_world.legal_session(), mca_world.demo.company
    cid = mca_world.approved_certificate()
    # No camera here: the camera tab reads the kit's picture file standing in for one.
    client = mca_client("laptop")
    client.keys.request_code(s, cid)
    code = mca_phone.last_code(company.legal_person_phone)
    client.keys.activate(s, cid, code, CERT_PASSWORD, CERT_PASSWORD)
    screens = Screens(qtbot)
    window = client.window
    client.login_page().log_in_as_company()
    scanner = open_tile(qtbot, window, "scanTile", "scanPage")
    for index, name in ((IMAGE, "剪贴板·图片文件"), (SCREEN, "屏幕区域"), (CAMERA, "摄像头")):
        scanner.select_source(index)
        qtbot.waitUntil(lambda i=index: scanner.controls.currentIndex() == i, timeout=WAIT_MS)
        screens.audit(f"扫一扫（{name}）", window)
    scanner.select_source(IMAGE)

    confirm = ScanConfirmPage(window, scan_prompt())
    window.push(confirm)
    screens.audit("扫一扫 确认", window)
    click(qtbot, confirm.cancel_button)
    qtbot.waitUntil(lambda: window.current() is scanner, timeout=WAIT_MS)

    # The result, as the confirm page shows it: done, or refused (nothing signed).
    prompt = scan_prompt()
    done = ScanOutcome(prompt.request.operation, "签章成功：投标函.pdf", {"印章": "公章"})
    refused = ScanRefused(reason="expired", detail="二维码已过期")
    for name, kw in (("成功", dict(outcome=done)), ("被拒绝", dict(error=refused))):
        result = ScanResultPage(window, prompt=prompt, **kw)
        window.push(result)
        screens.audit(f"扫码结果（{name}）", window)
        window.pop()
        qtbot.waitUntil(lambda: window.current() is scanner, timeout=WAIT_MS)
    click(qtbot, window.top_bar.back)
    wait_page(qtbot, window, "homePage")
    screens.check()


def test_settings_reviewer_and_clock(qtbot, mca_client, mca_world, tmp_path):
    app_id = mca_world.submitted_application(CertKind.UNIT)  # 对公打款, 法人本人
    screens = Screens(qtbot)
    # The kit's keyring has a long name and its camera is a picture file with a long path:
    # the settings page breaks the one and does not grow with the other.
    settings_file = tmp_path / "config" / "settings.toml"
    client = mca_client("laptop", settings_file=settings_file)
    window = client.window
    client.login_page()
    window.top_bar.refresh_menu()
    window.top_bar.settings_action.trigger()
    settings_page = wait_page(qtbot, window, "settingsPage")
    screens.audit("设置", window)
    click(qtbot, child(settings_page, "caRemoteRadio", QRadioButton))
    screens.audit("设置（远程 CA）", window)
    click(qtbot, child(settings_page, "caLocalRadio", QRadioButton))

    from mobileca_desktop.views.reviewer.clock_dialog import ClockDialog
    from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow

    window.top_bar.reviewer_action.trigger()
    reviewer = window.findChild(ReviewerWindow)
    assert reviewer is not None
    screens.audit("CA 审核台（登录）", reviewer)
    click(qtbot, reviewer.operator_button)
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT_MS)
    screens.audit("CA 审核台", reviewer)
    table = reviewer.table
    row = next(r for r, i in enumerate(reviewer.items) if i.application.id == app_id)
    rect = table.visualItemRect(table.item(row, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: reviewer.detail_loaded, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: all(b.isVisible() for b in reviewer.action_buttons.values()), timeout=WAIT_MS
    )
    screens.audit("CA 审核台（申请详情）", reviewer)
    reviewer.close()

    window.top_bar.clock_action.trigger()
    clock = window.findChild(ClockDialog)
    assert clock is not None
    qtbot.waitUntil(lambda: clock.info is not None, timeout=WAIT_MS)
    screens.audit("演示时钟", clock)
    clock.close()
    settle(qtbot)
    screens.check()


# --- the icons ------------------------------------------------------------------------------


def drawn_pixels(image: QImage) -> int:
    """How many pixels are not fully transparent."""
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    data = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
    data = data.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 4]
    return int((data.reshape(image.height(), image.width(), 4)[:, :, 3] > 0).sum())


ICONS = sorted(icons.ICON_DIR.glob("*.svg"))


def test_icons_are_svg():
    assert len(ICONS) >= 10, icons.ICON_DIR
    others = [p.name for p in icons.ICON_DIR.iterdir() if p.suffix != ".svg"]
    assert not others, f"raster icons are blurred at 2×: {others}"


@pytest.mark.parametrize("path", ICONS, ids=lambda p: p.stem)
def test_svg_icon_renders_at_1x_and_2x(qapp, path: Path):
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid(), f"{path.name} does not load"
    assert not renderer.defaultSize().isEmpty(), path.name
    assert "viewBox" in path.read_text(), f"{path.name} has no viewBox: it does not scale"
    blank = path.stem == "blank"  # the back button's placeholder: transparent on purpose
    for ratio in (1.0, 2.0):
        side = int(24 * ratio)
        image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter, QRectF(0, 0, side, side))
        painter.end()
        drawn = drawn_pixels(image)
        assert (drawn == 0) if blank else (drawn > side), f"{path.name} at {ratio}×: {drawn}"
        # And through views/icons.py, as the widgets get it: a pixmap of the asked size.
        pix = icons.pixmap(path.stem, 24, ratio)
        assert not pix.isNull(), f"{path.name} at {ratio}×"
        assert pix.devicePixelRatio() == ratio
        assert pix.size() == QSize(side, side), f"{path.name} at {ratio}×: {pix.size()}"
        if not blank:
            assert drawn_pixels(pix.toImage()) > side, f"{path.name} at {ratio}× is empty"
    assert QGuiApplication.instance() is not None
