"""What a trainer in front of a class and a supplier alone hit in a full walk (issue: the demo
and the client without a stumble): the phone inbox is a window of its own that never resizes
the client and opens on the number the newest message went to; the CA 审核台 opens beside the
client on a reviewer's login, closes with the usual keys and shows only current messages."""

from __future__ import annotations

from conftest import PASSWORD, last_code
from helpers_flow import apply
from PySide6.QtCore import QRect, Qt
from qt_support import WAIT_MS, click, open_window, settle, type_text, wait_page
from qt_support import log_in as login

from mobileca_desktop.domain.models import AccountKind, CertKind, Handler, Method
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow, place_beside


def test_the_inbox_is_a_window_of_its_own_and_never_resizes_the_client(qtbot, services, company):
    reg, _ = company
    window = open_window(qtbot, services)
    window.move(0, 0)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    size = window.size()
    panel = window.inbox_panel
    for _ in range(3):
        window.toggle_inbox()
        qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
        assert panel.isWindow()
        assert not window.frameGeometry().intersects(panel.frameGeometry())
        window.toggle_inbox()
        qtbot.waitUntil(lambda: not panel.isVisible(), timeout=WAIT_MS)
        assert window.size() == size  # was 420 → 760 → 1100 → 1440
    # Esc puts the phone away.
    window.toggle_inbox()
    qtbot.waitUntil(panel.isVisible, timeout=WAIT_MS)
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    settle(qtbot)


def test_the_inbox_opens_on_the_number_the_newest_message_went_to(
    qtbot, services, company, agent, portrait
):
    reg, s = company
    person, _ = agent
    window = open_window(qtbot, services)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    panel = window.inbox_panel
    # The demo puts both numbers on the phone; the agent's was chosen last.
    panel.add_phone(reg.legal_person_phone, select=False)
    panel.add_phone(person.phone)
    assert panel.current_phone() == person.phone
    apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    code = last_code(services, reg.legal_person_phone)
    window.show_inbox()  # "打开手机收件箱查看验证码", and the top bar's inbox button
    qtbot.waitUntil(lambda: panel.current_phone() == reg.legal_person_phone, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: bool(panel.cards) and panel.cards[0].message.code == code, timeout=WAIT_MS
    )
    settle(qtbot)


def test_the_reviewer_window_opens_beside_on_a_login_and_closes_with_the_usual_keys(
    qtbot, services, company
):
    reg, s = company
    services.engine.create_reviewer(
        services.review.operator_session(),
        login_name="reviewer-ux",
        name="审核员乔",
        password=PASSWORD,
        institution_id="bjca",
    )
    window = open_window(qtbot, services)
    window.move(0, 0)
    login(qtbot, window, AccountKind.LEGAL, reg.uscc)
    window.open_reviewer()
    reviewer = window.findChild(ReviewerWindow)
    assert reviewer is not None and reviewer.isVisible()
    assert reviewer.pages.currentWidget() is reviewer.login_page
    assert reviewer.operator_button.isVisible()  # the trainers' view stays available
    # Where it opens: test_the_reviewer_window_goes_where_the_screen_has_room (this
    # offscreen screen is narrower than the two windows side by side).
    type_text(qtbot, reviewer.login_name, "reviewer-ux")
    type_text(qtbot, reviewer.login_password, PASSWORD)
    click(qtbot, reviewer.login_button)
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT_MS)
    assert "审核员乔" in reviewer.who.text()
    qtbot.keyClick(reviewer, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not reviewer.isVisible()
    window.open_reviewer()
    assert reviewer.isVisible()
    qtbot.keyClick(reviewer, Qt.Key.Key_Escape)
    assert not reviewer.isVisible()
    settle(qtbot)


def test_a_banner_about_one_application_goes_when_another_is_chosen(qtbot, services, company):
    reg, s = company
    ids = [
        apply(services, s, kind=CertKind.UNIT, method=Method.DEPOSIT,
              handler=Handler.LEGAL_PERSON, legal_phone=reg.legal_person_phone, portrait=b"")
        for _ in range(3)
    ]  # fmt: skip
    window = open_window(qtbot, services)
    wait_page(qtbot, window, "loginPage")
    window.open_reviewer()
    reviewer = window.findChild(ReviewerWindow)
    click(qtbot, reviewer.operator_button)
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT_MS)
    reviewer.select(ids[0])
    qtbot.waitUntil(lambda: reviewer.detail_loaded, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "approveButton" in reviewer.action_buttons, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: reviewer.action_buttons["approveButton"].isVisible(), timeout=WAIT_MS)
    click(qtbot, reviewer.action_buttons["approveButton"])
    qtbot.waitUntil(lambda: reviewer.banner.isVisible(), timeout=WAIT_MS)
    assert f"#{ids[0]}" in reviewer.banner.text()
    settle(qtbot)
    reviewer.select(ids[2])
    qtbot.waitUntil(
        lambda: reviewer.detail_loaded and reviewer.item.application.id == ids[2],
        timeout=WAIT_MS,
    )
    assert not reviewer.banner.isVisible()
    settle(qtbot)


def test_the_reviewer_window_goes_where_the_screen_has_room(qtbot):
    from PySide6.QtWidgets import QWidget

    client, other = QWidget(), QWidget()
    for w in (client, other):
        qtbot.addWidget(w)
    area = client.screen().availableGeometry()
    client.resize(300, 400)
    client.move(area.left(), area.top())
    client.show()
    other.resize(200, 200)
    place_beside(other, client)
    assert other.geometry().left() > client.frameGeometry().right()
    # Client on the right edge: the reviewer goes to its left.
    client.move(area.right() - 300, area.top())
    place_beside(other, client)
    assert other.geometry().right() < client.frameGeometry().left()
    assert QRect(area).contains(other.geometry())


def test_qt_own_dialogs_speak_the_chosen_language(qapp):
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QFileDialog, QLabel

    from mobileca_desktop.views import i18n

    def labels() -> list[str]:
        dialog = QFileDialog(None, "x")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        texts = [label.text() for label in dialog.findChildren(QLabel) if label.text()]
        dialog.deleteLater()
        return texts

    try:
        assert i18n.install(qapp, "zh_CN") == "zh_CN"
        chinese = labels()
        assert "查找范围(&L)：" in chinese and "文件类型(&T)：" in chinese, chinese
        assert not [t for t in chinese if t.isascii()], chinese
        assert QLocale().language() is QLocale.Language.Chinese
        assert i18n.install(qapp, "en") == "en"
        assert "&Look in:" in labels()
        assert QLocale().language() is QLocale.Language.English
    finally:
        i18n.uninstall(qapp)
        i18n.install(qapp, "zh_CN")


def test_english_texts_use_english_punctuation():
    """English uses English quotation marks and punctuation: no 「」《》 or full-width marks in
    a translation or an English error text (the demo banners and the reviewer's words too)."""
    import re
    import xml.etree.ElementTree as ET

    from mobileca_desktop.views import messages
    from mobileca_desktop.views.i18n import I18N_DIR

    chinese_marks = re.compile(r"[「」『』《》〈〉【】，。：；！？（）、]")
    english = [m.findtext("translation") or "" for m in
               ET.parse(I18N_DIR / "mobileca_en.ts").getroot().iter("message")]  # fmt: skip
    for table in vars(messages).values():
        if isinstance(table, dict):
            english += [
                v[1]
                for v in table.values()
                if isinstance(v, tuple) and len(v) == 2 and isinstance(v[1], str)
            ]
    assert len(english) > 800  # the translation file and the error texts were read
    bad = [text for text in english if chinese_marks.search(text)]
    assert not bad, bad
