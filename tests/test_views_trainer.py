"""What a trainer in front of a class and a supplier alone hit in a full walk (issue: the demo
and the client without a stumble): the phone inbox is a window of its own that never resizes
the client and opens on the number the newest message went to; the CA 审核台 opens beside the
client on a reviewer's login, closes with the usual keys and shows only current messages."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QWidget
from qt_support import WAIT_MS, click, settle

from mobileca_desktop.domain.models import CertKind, Handler, Method
from mobileca_desktop.views.reviewer.reviewer_window import place_beside

# On the QA kit (mobileca_desktop.testing): its demo company and client window; the phone
# and the 审核台 opened as a trainer opens them (the top bar), then checked on their widgets.


def test_the_inbox_is_a_window_of_its_own_and_never_resizes_the_client(qtbot, mca_client):
    client = mca_client("legal-pc")
    window = client.window
    window.move(0, 0)
    client.login_page().log_in_as_company()
    size = window.size()
    for _ in range(3):
        inbox = client.phone_inbox()  # the top bar's inbox button
        panel = inbox.widget
        assert panel.isWindow()
        assert not window.frameGeometry().intersects(panel.frameGeometry())
        click(qtbot, client.top_bar_button("inboxButton"))  # and again: put away
        qtbot.waitUntil(lambda p=panel: not p.isVisible(), timeout=WAIT_MS)
        assert window.size() == size  # was 420 → 760 → 1100 → 1440
    # Esc puts the phone away.
    client.phone_inbox().close()
    settle(qtbot)


def test_the_inbox_opens_on_the_number_the_newest_message_went_to(
    qtbot, mca_client, mca_world, portrait
):
    from helpers_flow import apply

    reg, person = mca_world.demo.company, mca_world.demo.agent
    services, s = mca_world.services, mca_world.legal_session()
    client = mca_client("legal-pc")
    window = client.window
    client.login_page().log_in_as_company()
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
    code = mca_world.phone.last_code(reg.legal_person_phone)
    window.show_inbox()  # "打开手机收件箱查看验证码", and the top bar's inbox button
    qtbot.waitUntil(lambda: panel.current_phone() == reg.legal_person_phone, timeout=WAIT_MS)
    inbox = client.phone_inbox()
    assert inbox.wait_message().code == code
    settle(qtbot)


def test_the_reviewer_window_opens_beside_on_a_login_and_closes_with_the_usual_keys(
    qtbot, mca_client, mca_world
):
    services, password = mca_world.services, mca_world.demo.reviewer_password
    services.engine.create_reviewer(
        services.review.operator_session(),
        login_name="reviewer-ux",
        name="审核员乔",
        password=password,
        institution_id="bjca",
    )
    client = mca_client("legal-pc")
    client.window.move(0, 0)
    client.login_page().log_in_as_company()
    client.choose_from_menu("reviewerAction")
    reviewer = client.window.findChild(QWidget, "reviewerWindow")
    assert reviewer is not None and reviewer.isVisible()
    assert reviewer.pages.currentWidget() is reviewer.login_page
    assert reviewer.operator_button.isVisible()  # the trainers' view stays available
    # Where it opens: test_the_reviewer_window_goes_where_the_screen_has_room (this
    # offscreen screen is narrower than the two windows side by side).
    desk = client.reviewer_desk(login=("reviewer-ux", password))
    assert desk.window is reviewer and "审核员乔" in desk.who
    qtbot.keyClick(reviewer, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not reviewer.isVisible()
    client.choose_from_menu("reviewerAction")  # opened again
    assert reviewer.isVisible()
    qtbot.keyClick(reviewer, Qt.Key.Key_Escape)
    assert not reviewer.isVisible()
    settle(qtbot)


def test_a_banner_about_one_application_goes_when_another_is_chosen(qtbot, mca_client, mca_world):
    ids = [mca_world.submitted_application() for _ in range(3)]
    client = mca_client("legal-pc")
    client.login_page()
    desk = client.reviewer_desk()  # from the login page, as the CA operator
    reviewer = desk.window
    desk.approve(ids[0])
    assert f"#{ids[0]}" in reviewer.banner.text()
    settle(qtbot)
    desk.pick(ids[2])
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
