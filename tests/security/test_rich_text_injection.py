"""Rich-text injection: text from outside (an applicant's company, legal person's and agent's
names, uploaded file names, a reviewer's reject reason, a trading platform's name, summary,
details and document name) carries markup, ``<b>MARK</b>``. Registration accepts such names
(they are only length-checked), and a remote CA or a platform can send anything, so the
client must show them as text. Every screen, dialog and message box they reach is opened, and
every widget of every top-level window is walked: a label, message box or tooltip whose text
contains the markup must not interpret it (a format other than PlainText, or AutoText where
``Qt.mightBeRichText`` is true). Each check also waits until the marked texts expected
there are on screen, so the test cannot pass by showing nothing; on the code before
views/text.py it reported over 40 widgets (labels on every screen named here, three message
boxes, the reviewer's queue tooltips).

A static check keeps it so: the views build labels, message boxes and outside-text tooltips
only through ``views/text.py`` (``PlainLabel``, ``PlainMessageBox``, ``tooltip``)."""

from __future__ import annotations

import ast
import datetime as dt
import uuid
from pathlib import Path

import pytest
from conftest import PASSWORD, jpeg_bytes, pdf_bytes
from helpers_flow import sign_and_submit, verify
from helpers_keystore import CERT_PASSWORD, approved_certificate, download
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QLabel,
    QMessageBox,
    QTableWidget,
    QWidget,
)
from qt_support import WAIT_MS, child, click, settle, type_text, wait_page
from sqlalchemy import update

import mobileca_desktop.views
from mobileca_desktop.ca.db import DocumentRow
from mobileca_desktop.domain.errors import InvalidInput
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
)
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    ScanOperation,
    ScanOutcome,
    ScanPrompt,
)
from mobileca_desktop.testing.world import Platform
from mobileca_desktop.views.background import show_error
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow
from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage
from mobileca_desktop.views.scan.result_page import ScanResultPage
from mobileca_desktop.views.scan.scan_page import IMAGE

MARK = "<b>MARK"  # the raw markup; an escaped copy (&lt;b&gt;MARK) does not contain it


def marked(text: str) -> str:
    return f"{text}<b>MARK</b>"


PLATFORM_NAME = marked("山西省公共资源交易平台")


# --- the check ----------------------------------------------------------------------------


def _interprets(fmt: Qt.TextFormat, text: str) -> bool:
    if fmt == Qt.TextFormat.PlainText:
        return False
    if fmt == Qt.TextFormat.AutoText:
        return GuiQt.mightBeRichText(text)
    return True  # RichText, MarkdownText


def _tip_interprets(tip: str) -> bool:
    return MARK in tip and GuiQt.mightBeRichText(tip)


def scan_windows() -> tuple[list[str], list[str]]:
    """Walks every widget of every top-level window: (what would interpret the markup,
    every text that shows it: labels, message boxes, buttons, titles, table cells)."""
    bad: list[str] = []
    seen: list[str] = []
    for top in QApplication.topLevelWidgets():
        for w in [top, *top.findChildren(QWidget)]:
            where = f"{type(w).__name__}#{w.objectName() or '?'} in {top.objectName() or '?'}"
            if isinstance(w, QLabel) and MARK in w.text():
                seen.append(w.text())
                if _interprets(w.textFormat(), w.text()):
                    bad.append(f"label {where} ({w.textFormat().name}): {w.text()!r}")
            if isinstance(w, QMessageBox) and MARK in w.text() + w.informativeText():
                seen.append(w.text() + w.informativeText())
                if w.textFormat() != Qt.TextFormat.PlainText:
                    bad.append(f"message box {where} ({w.textFormat().name}): {w.text()!r}")
            if isinstance(w, QAbstractButton) and MARK in w.text():
                seen.append(w.text())  # a button's text is always plain in Qt
            if MARK in w.windowTitle():
                seen.append(w.windowTitle())  # so is a window title
            if _tip_interprets(w.toolTip()):
                bad.append(f"tooltip of {where}: {w.toolTip()!r}")
            for action in w.actions():
                if _tip_interprets(action.toolTip()):
                    bad.append(f"tooltip of action {action.objectName()} in {where}")
            if isinstance(w, QTableWidget):
                for r in range(w.rowCount()):
                    for c in range(w.columnCount()):
                        item = w.item(r, c)
                        if item is None:
                            continue
                        if MARK in item.text():
                            seen.append(item.text())  # drawn as plain text by the delegate
                        if _tip_interprets(item.toolTip()):
                            bad.append(f"tooltip of cell {r},{c} of {where}: {item.toolTip()!r}")
            if isinstance(w, QComboBox):
                for i in range(w.count()):
                    if MARK in w.itemText(i):
                        seen.append(w.itemText(i))
                    tip = w.itemData(i, Qt.ItemDataRole.ToolTipRole)
                    if isinstance(tip, str) and _tip_interprets(tip):
                        bad.append(f"tooltip of item {i} of {where}: {tip!r}")
    return bad, seen


def shown_as_text(qtbot, *expected: str) -> None:
    """Waits until each of the ``expected`` outside texts is on screen somewhere (so the
    check below has something to check), then fails on any widget of any window that
    would interpret the markup."""

    def missing() -> list[str]:
        seen = scan_windows()[1]
        return [e for e in expected if not any(e in text for text in seen)]

    try:
        qtbot.waitUntil(lambda: not missing(), timeout=WAIT_MS)
    except AssertionError:
        raise AssertionError(f"never shown: {missing()}") from None
    bad, _seen = scan_windows()
    assert not bad, "outside text rendered as rich text:\n" + "\n".join(bad)


# --- the world: a company, an agent and their applications, all named with markup ------------


@pytest.fixture
def services(mca_world):
    """The kit's CA (its demo people named without markup stay out of these screens)."""
    return mca_world.services


@pytest.fixture
def marked_company(services, people):
    reg = LegalEntityRegistration(
        company_name=marked("山西示例建设工程有限公司"),
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国工商银行太原分行",
        bank_account="0502 1234 5678 9012 345",
        legal_person_name=marked("王建国"),
        legal_person_id_number=people.id_number(1975),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    services.ca.register_legal(reg)
    return reg, services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)


@pytest.fixture
def marked_agent(services, people):
    reg = PersonalRegistration(
        name=marked("李经办"), id_number=people.id_number(1990), phone=people.phone(),
        password=PASSWORD,
    )  # fmt: skip
    services.ca.register_personal(reg)
    return reg


def application_by_agent(services, reg, s, agent: PersonalRegistration) -> int:
    """A unit certificate applied for through the agent, its documents with marked file
    names, submitted (signed by the agent's SMS code)."""
    ca = services.ca
    app = ca.create_application(s, CertKind.UNIT, "bjca", idempotency_key=str(uuid.uuid4()))
    ca.set_method(s, app.id, Method.DEPOSIT)
    details = AgentDetails(agent.name, agent.id_number, agent.phone)
    ca.set_handler(s, app.id, Handler.AGENT, details)
    phone = reg.legal_person_phone
    verify(services, s, app.id, Method.DEPOSIT, legal_phone=phone, portrait=b"",
           handler=Handler.AGENT)  # fmt: skip
    licence = "<b>MARK<b>营业执照.pdf"  # no "/": a path would be cut to its last part
    for kind, data, name in [
        (DocKind.LICENCE, pdf_bytes("营业执照"), licence),
        (DocKind.ID_FRONT, jpeg_bytes("front"), "<b>MARK<b>正面.jpg"),
        (DocKind.ID_BACK, jpeg_bytes("back"), "back.jpg"),
    ]:
        ca.upload_document(s, app.id, kind, data, name)
    # Should uploads clean such names, a remote CA may still send one: stored as is.
    with services.engine.store.tx() as db:
        changed = db.execute(
            update(DocumentRow)
            .where(DocumentRow.application_id == app.id, DocumentRow.kind == DocKind.LICENCE.value)
            .values(filename=licence)
        )
    assert changed.rowcount == 1
    sign_and_submit(services, s, app.id, agent.phone)
    return app.id


def home(window) -> None:
    while window.stack.count() > 1:
        window.pop()


def open_tile(qtbot, window, tile: str, page: str):
    home(window)
    click(qtbot, window.current().tiles[tile])
    return wait_page(qtbot, window, page)


def test_applicant_agent_and_reviewer_screens_show_outside_text_as_text(
    qtbot, mca_client, services, marked_company, marked_agent
):
    reg, s = marked_company
    agent = marked_agent
    op = services.review.operator_session()
    unit = approved_certificate(services, reg, s, CertKind.UNIT)
    pending = application_by_agent(services, reg, s, agent)
    rejected = application_by_agent(services, reg, s, agent)
    reason = marked("营业执照不清晰")
    services.review.reject(op, rejected, reason)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=90)
    services.ca.grant(s, unit, AgentDetails(agent.name, agent.id_number, agent.phone), until)

    laptop = mca_client("laptop")
    download(services, laptop.keys, s, unit, reg.legal_person_phone)
    window = laptop.window
    window.setObjectName("legalWindow")
    laptop.login_page().log_in(AccountKind.LEGAL, reg.uscc, PASSWORD)
    shown_as_text(qtbot, reg.company_name)  # 首页

    # 证书管理: each row's subject, the reject reason under the rejected application.
    certs = open_tile(qtbot, window, "certsTile", "certListPage")
    qtbot.waitUntil(lambda: certs.loaded, timeout=WAIT_MS)
    shown_as_text(qtbot, reg.company_name, reason)

    # 证书详情, and 证书变更 with a new (marked) name up to the wizard's confirm step.
    row = next(r for r in certs.rows if r.row.certificate_id == unit)
    qtbot.mouseClick(row, Qt.MouseButton.LeftButton)
    detail = wait_page(qtbot, window, "certDetailPage")
    qtbot.waitUntil(lambda: detail.loads >= 1, timeout=WAIT_MS)
    shown_as_text(qtbot, reg.company_name)
    click(qtbot, detail.buttons["passwordButton"])  # 修改证书密码 names the certificate
    wait_page(qtbot, window, "changePasswordPage")
    shown_as_text(qtbot, reg.company_name)
    window.back()
    click(qtbot, detail.buttons["revokeButton"])  # 吊销证书 asks about it by name
    qtbot.waitUntil(lambda: window.findChild(QDialog, "revokeDialog") is not None, timeout=WAIT_MS)
    dialog = window.findChild(QDialog, "revokeDialog")
    shown_as_text(qtbot, f"“{reg.company_name}”")
    click(qtbot, dialog.cancel_button)
    settle(qtbot)
    click(qtbot, detail.buttons["changeButton"])
    change = wait_page(qtbot, window, "changeCertificatePage")
    shown_as_text(qtbot, reg.company_name)
    renamed = marked("山西示例建设集团有限公司")
    type_text(qtbot, change.fields["company_name"], renamed)
    click(qtbot, change.submit_button)
    wait_page(qtbot, window, "wizardPage")
    shown_as_text(qtbot, renamed)  # the confirm step's values
    settle(qtbot)

    # 授权管理: the agent's name on the grant, and in the 撤销授权 confirmation.
    grants = open_tile(qtbot, window, "grantsTile", "grantsPage")
    qtbot.waitUntil(lambda: len(grants.rows) == 1, timeout=WAIT_MS)
    shown_as_text(qtbot, agent.name)
    button = grants.rows[0].withdraw_button
    qtbot.waitUntil(lambda: button.isVisible() and button.isEnabled(), timeout=WAIT_MS)
    click(qtbot, button)
    qtbot.waitUntil(
        lambda: grants.confirm is not None and grants.confirm.isVisible(), timeout=WAIT_MS
    )
    shown_as_text(qtbot, f"经办人 {agent.name} ")
    click(qtbot, child(grants.confirm, "cancelWithdraw", QAbstractButton))
    settle(qtbot)

    # 手机收件箱: the agent's phone got the grant notice naming the company.
    window.toggle_inbox()
    window.inbox_panel.add_phone(agent.phone)
    qtbot.waitUntil(lambda: bool(window.inbox_panel.cards), timeout=WAIT_MS)
    shown_as_text(qtbot, reg.company_name)

    # The toast (its texts are ours today; a name in one would show as typed).
    window.notify(marked("已撤销"))
    shown_as_text(qtbot, marked("已撤销"))

    # An error whose words came from elsewhere (a remote CA's answer is rebuilt as is).
    box = show_error(window, InvalidInput(field=marked("name"), reason=marked("reason")))
    shown_as_text(qtbot, marked("reason"))
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()
    settle(qtbot)

    # CA 审核台: the queue (applicant and tooltip), the application with its agent and files.
    window.open_reviewer()
    reviewer = window.findChild(ReviewerWindow)
    reviewer.enter_as_operator()
    qtbot.waitUntil(lambda: reviewer.loaded, timeout=WAIT_MS)
    reviewer.select(pending)
    qtbot.waitUntil(
        lambda: reviewer.detail_loaded and reviewer.item.application.id == pending,
        timeout=WAIT_MS,
    )
    shown_as_text(qtbot, reg.company_name, agent.name)
    applicants = [reviewer.table.item(r, 1) for r in range(reviewer.table.rowCount())]
    assert any(MARK in cell.text() for cell in applicants)  # the queue's applicant column
    assert all("&lt;b&gt;MARK" in c.toolTip() for c in applicants if MARK in c.text())
    titles = [
        w.text() for w in reviewer.detail_holder.findChildren(QLabel) if "KB" in w.text()
    ]  # the documents' titles: our markup, the file names escaped, shown as stored
    rendered = []
    for title in titles:
        document = QTextDocument()
        document.setHtml(title)
        rendered.append(document.toPlainText())
    # File names are cleaned when stored and when read (domain/filenames.py): a name stored
    # with markup reaches the reviewer with its "<" and ">" replaced, never as markup.
    assert any("MARK" in t and "营业执照.pdf" in t for t in rendered), rendered
    assert not any(MARK in t for t in rendered), rendered
    reviewer.close()
    settle(qtbot)

    # The agent's window: 首页 (the agent's name) and the grants received (the company's).
    agent_pc = mca_client("agent-pc")
    agent_window = agent_pc.window
    agent_window.setObjectName("agentWindow")
    agent_pc.login_page().log_in(AccountKind.PERSONAL, agent.phone, PASSWORD)
    shown_as_text(qtbot, agent.name)
    received = open_tile(qtbot, agent_window, "grantsTile", "receivedGrantsPage")
    qtbot.waitUntil(lambda: len(received.rows) == 1, timeout=WAIT_MS)
    shown_as_text(qtbot, reg.company_name)
    download_button = received.rows[0].download_button
    qtbot.waitUntil(
        lambda: download_button.isVisible() and download_button.isEnabled(), timeout=WAIT_MS
    )
    click(qtbot, download_button)
    activation = wait_page(qtbot, agent_window, "activationPage")
    qtbot.waitUntil(lambda: activation.loaded, timeout=WAIT_MS)
    shown_as_text(qtbot, reg.company_name)
    settle(qtbot)


# --- 扫一扫: a platform's name, summary, details and document name -----------------------------


@pytest.fixture
def mca_platform(mca_world, tmp_path):
    """The kit's platform simulator, publishing a name that carries markup."""
    platform = Platform.start(mca_world.services.engine, tmp_path / "platform", name=PLATFORM_NAME)
    yield platform
    platform.stop()


@pytest.fixture
def scanning(mca_client, mca_platform, services, marked_company):
    """The company's certificate on a laptop; a trusted platform whose name carries markup
    (this module's ``mca_platform``); the client window logged in on the laptop."""
    reg, s = marked_company
    cid = approved_certificate(services, reg, s)
    laptop = mca_client("laptop")
    download(services, laptop.keys, s, cid, reg.legal_person_phone)
    window = laptop.window
    window.setObjectName("scanWindow")
    laptop.login_page().log_in(AccountKind.LEGAL, reg.uscc, PASSWORD)
    return dict(reg=reg, s=s, cid=cid, platform=mca_platform, window=window)


def paste_code(qtbot, window, text: str):
    """扫一扫 → 图片 → 粘贴剪贴板 with the code's text; waits for the confirm page."""
    home(window)
    click(qtbot, window.current().tiles["scanTile"])
    scanner = wait_page(qtbot, window, "scanPage")
    scanner.select_source(IMAGE)
    QGuiApplication.clipboard().setText(text)
    click(qtbot, child(scanner, "pasteButton", QAbstractButton))
    confirm = wait_page(qtbot, window, "scanConfirmPage")
    settle(qtbot)
    return confirm


def test_scan_screens_show_a_platforms_text_as_text(qtbot, scanning, tmp_path):
    window, platform = scanning["window"], scanning["platform"]
    name = platform.trusted().name  # as the platform publishes it, and signs it in each code
    assert name == PLATFORM_NAME

    # 扫码登录: who asks (the platform's name), confirmed with the certificate password.
    sid, text, _png = platform.login_qr()
    confirm = paste_code(qtbot, window, text)
    shown_as_text(qtbot, name)
    type_text(qtbot, confirm.password, CERT_PASSWORD)
    click(qtbot, confirm.confirm_button)
    wait_page(qtbot, window, "scanResultPage")
    shown_as_text(qtbot, name)
    platform.finish_login(sid)

    # 扫码签章 of a document whose name carries markup: summary, details, document name
    # (as the platform passes them on).
    document = "<b>MARK<b>投标函.pdf"
    _sid, text, _png = platform.seal_qr(pdf_bytes("投标函"), name=document)
    confirm = paste_code(qtbot, window, text)
    prompt = confirm.prompt
    # The platform cleans a document's name as the CA does (no "<" or ">" remain).
    assert "MARK" in (prompt.document_name or "") and MARK not in (prompt.document_name or "")
    shown_as_text(qtbot, name, *(t for t in (prompt.summary,) if MARK in t))
    type_text(qtbot, confirm.password, CERT_PASSWORD)
    click(qtbot, confirm.confirm_button)
    wait_page(qtbot, window, "scanResultPage")
    shown_as_text(qtbot, name)

    # What a hostile platform may send in its signed data and its answer, whatever a genuine
    # one would clean: the confirm page (several certificates, one for an agent) and the
    # result page, made here from that data.
    hostile = ScanPrompt(
        request=prompt.request,
        summary=marked("签章"),
        details=((marked("文件"), marked("投标函.pdf")), ("印章", marked("公章"))),
        document=pdf_bytes("投标函"),
        document_name=marked("投标函") + ".pdf",
        certificates=(
            CertificateChoice(1, CertKind.UNIT, marked("甲"), marked("单位证书 · 甲")),
            CertificateChoice(2, CertKind.UNIT, "乙", "单位证书 · 乙", agent_for=marked("李")),
        ),
    )
    home(window)
    window.push(ScanConfirmPage(window, hostile))
    shown_as_text(qtbot, hostile.summary, marked("文件"), marked("投标函.pdf"), marked("公章"))
    shown_as_text(qtbot, marked("投标函") + ".pdf", marked("单位证书 · 甲"), marked("李"))
    outcome = ScanOutcome(ScanOperation.SEAL, marked("签章成功："), {marked("文件"): marked("x")})
    window.push(ScanResultPage(window, outcome=outcome, prompt=hostile))
    shown_as_text(qtbot, marked("签章成功："), marked("x"))

    # 设置 → add this platform by its address: the confirmation names it.
    home(window)
    window.open_settings()
    settings = wait_page(qtbot, window, "settingsPage")
    settle(qtbot)
    type_text(qtbot, settings.platform_url, platform.url)
    click(qtbot, settings.add_platform)
    qtbot.waitUntil(lambda: getattr(settings, "confirm_box", None) is not None, timeout=WAIT_MS)
    shown_as_text(qtbot, name)
    settings.confirm_box.done(QMessageBox.StandardButton.No)
    settle(qtbot)


# --- the views build text widgets only through views/text.py ---------------------------------

VIEWS = Path(mobileca_desktop.views.__file__).parent
# Qt classes that show text as rich text when it looks like markup; made in views/text.py only.
AUTO_TEXT_CLASSES = {"QLabel", "QMessageBox", "QInputDialog", "QProgressDialog", "QToolTip"}
# Setters whose text Qt may render as rich text: their argument is a translated fixed string,
# a literal, or outside text through tooltip().
RICH_SETTERS = {"setToolTip", "setWhatsThis"}
FIXED_TEXT_CALLS = {"tr", "translate", "tooltip"}


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def misuses(path: Path, root: Path = VIEWS.parent) -> list[str]:
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        where = f"{path.relative_to(root)}:{line}"
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                if _name(base) in AUTO_TEXT_CLASSES:
                    found.append((line, f"{where}: class {node.name}({_name(base)})"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if _name(func) in AUTO_TEXT_CLASSES:
            found.append((line, f"{where}: {_name(func)}(...)"))
        if isinstance(func, ast.Attribute) and _name(func.value) in AUTO_TEXT_CLASSES:
            found.append((line, f"{where}: {_name(func.value)}.{func.attr}(...)"))
        if isinstance(func, ast.Attribute) and func.attr == "setTextFormat":
            found.append((line, f"{where}: setTextFormat (formats are chosen in views/text.py)"))
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "setProperty"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "textFormat"
        ):
            found.append((line, f"{where}: setProperty('textFormat') (chosen in views/text.py)"))
        if isinstance(func, ast.Attribute) and func.attr in RICH_SETTERS and node.args:
            arg = node.args[0]
            # self.tr("...").format(value) is a call of "format": flagged, as it may carry
            # outside text.
            fixed = isinstance(arg, ast.Constant) or (
                isinstance(arg, ast.Call) and _name(arg.func) in FIXED_TEXT_CALLS
            )
            if not fixed:
                found.append((line, f"{where}: {func.attr}({ast.unparse(arg)}) needs tooltip()"))
    return [text for _line, text in sorted(found)]


def test_views_make_labels_message_boxes_and_tooltips_through_the_text_module():
    files = [p for p in VIEWS.rglob("*.py") if p.name != "text.py"]
    assert len(files) > 40
    found = [m for p in sorted(files) for m in misuses(p)]
    assert not found, (
        "outside text could be rendered as rich text: use PlainLabel / PlainMessageBox / "
        "rich_label (fixed markup, outside text escaped) / tooltip() from views/text.py:\n"
        + "\n".join(found)
    )


def test_the_static_check_finds_what_it_looks_for(tmp_path):
    """The check above is not vacuous: each misuse in a sample module is reported."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from PySide6.QtWidgets import QLabel, QMessageBox\n"
        "class Banner(QLabel): ...\n"
        "a = QLabel(name)\n"
        "QMessageBox.warning(None, 'x', name)\n"
        "a.setTextFormat(1)\n"
        "a.setToolTip(name)\n"
        "a.setToolTip(self.tr('fixed'))\n"
        "a.setToolTip(tooltip(name))\n",
        encoding="utf-8",
    )
    found = misuses(sample, tmp_path)
    assert [f.split(": ", 1)[1].split("(")[0] for f in found] == [
        "class Banner",
        "QLabel",
        "QMessageBox.warning",
        "setTextFormat ",
        "setToolTip",
    ], found
