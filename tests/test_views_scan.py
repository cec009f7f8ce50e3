"""扫一扫 through the real window against the trading-platform simulator (H2's platform on
127.0.0.1): the platform makes the QR code, the scanner reads it from a camera frame (a file
frame source showing the code in a 1280×720 picture), the clipboard or a dropped file; the
confirm page shows the platform, the operation, the document and the certificate; the user
types the certificate password; the platform's session is confirmed. A wrong password shows
the tries left; a refused code (expired, tampered) is explained and nothing is signed."""

from __future__ import annotations

import base64
import datetime as dt
import json

import cv2
import numpy as np
import pytest
from conftest import pdf_bytes
from helpers_keystore import CERT_PASSWORD
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QPainter,
    QPixmap,
)
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton
from qt_support import child, click

from mobileca_desktop.domain.models import CertKind
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    ScanOperation,
    ScanPrompt,
    ScanRequest,
    ScanSource,
)
from mobileca_desktop.testing import pages
from mobileca_desktop.views import camera_view
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.scan import scan_page, screen_source
from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage
from mobileca_desktop.views.scan.scan_page import CAMERA, IMAGE, SCREEN

WAIT = 20000


@pytest.fixture(autouse=True)
def _no_remembered_region():
    """The screen region is remembered for the app's run: each test starts without one."""
    screen_source.forget_regions()
    yield
    screen_source.forget_regions()


@pytest.fixture
def world(mca_world, mca_client, mca_platform, mca_phone):
    """The demo company's certificate downloaded on a laptop, the platform running and
    trusted (the kit's ``mca_platform``), the client window logged in as the legal person;
    the laptop's camera is the kit's picture file (``client.camera``), its clock
    ``client.clock_offset`` seconds ahead when a test moves it."""
    company, s = mca_world.demo.company, mca_world.legal_session()
    cid = mca_world.approved_certificate()
    client = mca_client("laptop")
    after = mca_phone.last_id(company.legal_person_phone)
    client.keys.request_code(s, cid)
    code = mca_phone.last_code(company.legal_person_phone, after)
    client.keys.activate(s, cid, code, CERT_PASSWORD, CERT_PASSWORD)
    home = client.login_page().log_in_as_company()
    return dict(
        company=company, s=s, cid=cid, platform=mca_platform, scan=client.scan, client=client,
        window=client.window, home=home,
    )  # fmt: skip


def open_scanner(world) -> pages.ScanPage:
    """扫一扫 on the home page (the certificate is on this device: the scanner opens)."""
    scan = pages.HomePage(world["client"]).open_scan()
    assert isinstance(scan, pages.ScanPage)
    return scan


def show_to_camera(world, png: bytes) -> None:
    world["client"].camera.show(png)


def login_page_via_service(world) -> None:
    """The platform's browser page logged in (a scan answered by the service directly), so
    seal / encrypt / decrypt sessions can be made on it."""
    platform, scan, s = world["platform"], world["scan"], world["s"]
    sid, text, _png = platform.login_qr()
    scan.perform(s, scan.prepare(s, scan.read(text)), world["cid"], CERT_PASSWORD)
    platform.finish_login(sid)


def test_login_from_the_camera_with_a_wrong_password_first(world):
    client, window, platform = world["client"], world["window"], world["platform"]
    sid, _text, png = platform.login_qr()
    show_to_camera(world, png)
    scan = open_scanner(world)
    scanner = scan.widget
    assert scanner.tabs.currentIndex() == CAMERA
    assert scan.find("cameraCombo").currentText() == "文件：camera.png"

    confirm = scan.from_camera()
    assert confirm.widget.prompt.request.source is ScanSource.CAMERA  # signed (src)
    assert platform.state(sid)["state"] == "scanned"  # fetched, nothing answered yet
    assert confirm.platform_name == platform.trusted().name
    assert confirm.operation == "扫码登录"
    assert world["company"].name in confirm.find("certificateLabel", QLabel).text()
    assert confirm.widget.confirm_button.text() == "确认登录"

    said = confirm.confirm_refused("Wrong#Pass2026")
    assert said == "证书密码错误，本机还可尝试 5 次"
    assert platform.state(sid)["state"] == "scanned"  # nothing was sent
    assert window.current() is confirm.widget

    result = confirm.confirm(CERT_PASSWORD)
    assert result.heading == "扫码成功"
    st = platform.state(sid)
    assert st["state"] == "confirmed"
    assert result.message == st["message"]
    platform.finish_login(sid)

    # 继续扫码: the camera still shows the code just used; it is not acted on again.
    assert result.scan_again().widget is scanner
    seen: list = []
    scanner.view.analysed.connect(seen.append)
    client.wait_until(lambda: sum(1 for codes, _ in seen if codes) >= 4, "four frames read")
    assert window.current() is scanner and not scanner.busy

    # A new code comes into view: read at once; 取消 on the confirm page signs nothing.
    sid2, _text, png = platform.login_qr()
    show_to_camera(world, png)
    scanner.select_source(CAMERA)  # 重新打开 the camera (the file is read when opened)
    confirm = pages.ScanConfirmPage(client)
    confirm.click(confirm.widget.cancel_button)
    scan = pages.ScanPage(client)
    assert scan.widget is scanner
    assert platform.state(sid2)["state"] == "scanned"
    assert scan.back().object_name == "homePage"  # leaving 扫一扫 releases the camera
    client.wait_until(camera_view.idle, "the camera released")


def test_seal_from_a_screenshot_on_the_clipboard(qtbot, world):
    client, window, platform = world["client"], world["window"], world["platform"]
    login_page_via_service(world)
    original = pdf_bytes("投标函 第一页")
    sid, _text, png = platform.seal_qr(original, seal="official")
    scan = open_scanner(world)
    scanner = scan.widget
    scanner.select_source(IMAGE)
    assert not scanner.view.running
    confirm = scan.paste_image(png)  # the screenshot on the clipboard, 粘贴剪贴板

    page = confirm.widget
    assert page.prompt.request.source is ScanSource.CLIPBOARD  # signed (src)
    assert confirm.operation == "扫码签章"
    assert confirm.text("documentName") == "投标函.pdf"
    client.wait_until(lambda: page.pdf.status() == QPdfDocument.Status.Ready, "the PDF")
    assert page.pdf.pageCount() == 1
    assert page.prompt.document == original  # what is shown is what is sealed
    # the seal on its page where the platform asked for it; the user moves it a little
    placer = page.placer
    assert placer is not None and placer.placement() == (1, (380, 80, 520, 220))
    client.wait_until(placer.canvas.rendered, "the page rendered")
    placer.canvas.setFocus()
    qtbot.keyClick(placer.canvas, Qt.Key.Key_Left)
    moved = placer.placement()
    assert moved[1][0] < 380
    result = confirm.confirm(CERT_PASSWORD)
    assert result.heading == "签章成功"
    st = platform.state(sid)
    assert st["state"] == "confirmed", st
    # sealed where the user put it, and the platform accepted that position on that page
    sealed = platform.running.platform.get(sid).sealed
    from mobileca_desktop.crypto import pdfcheck

    assert pdfcheck.inspect_sealed(original, sealed).rect == moved[1]

    assert result.done().object_name == "homePage"  # 完成: home, scanner closed
    assert window.stack.count() == 1


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_encrypt_from_a_dropped_file_then_decrypt_from_the_camera(world, tmp_path):
    client, platform = world["client"], world["platform"]
    login_page_via_service(world)
    bid = "投标文件：报价 100 万元".encode()
    sid, _text, png = platform.encrypt_qr(bid)
    dropped = tmp_path / "encrypt-qr.png"
    dropped.write_bytes(png)
    scanner = open_scanner(world).widget
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    at, action = QPointF(40, 40), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at.toPoint(), action, mime, buttons, keys)
    QApplication.sendEvent(scanner, enter)  # dragged over the scanner: it takes files
    assert enter.isAccepted()
    QApplication.sendEvent(scanner, QDropEvent(at, action, mime, buttons, keys))
    assert scanner.tabs.currentIndex() == IMAGE
    confirm = pages.ScanConfirmPage(client)
    assert confirm.widget.prompt.request.source is ScanSource.FILE  # signed (src)
    assert confirm.operation == "扫码加密"
    result = confirm.confirm(CERT_PASSWORD)
    assert result.heading == "加密证书已提交"
    assert platform.state(sid)["state"] == "confirmed"
    [stored] = platform.bids()

    sid, _text, png = platform.decrypt_qr(stored["id"])
    show_to_camera(world, png)
    scanner = result.scan_again().widget
    scanner.select_source(CAMERA)
    confirm = pages.ScanConfirmPage(client)
    assert confirm.operation == "扫码解密"
    # which bid is opened, in the client's own words (checked inside the envelope later)
    values = confirm.widget.values
    assert values["投标项目"].text() == "太原东站改造工程"
    assert values["投标人"].text() == world["company"].name
    assert values["加密时间"].text().startswith("20")
    result = confirm.confirm(CERT_PASSWORD)
    assert result.heading == "解密成功"
    assert platform.state(sid)["state"] == "confirmed"
    assert platform.bids()[0]["opened_at"]


def test_refused_codes_are_explained_and_nothing_is_signed(world):
    client, window, platform = world["client"], world["window"], world["platform"]
    # A code past its expiry (the client's clock moved on): refused before anything is fetched.
    sid, _text, png = platform.login_qr()
    show_to_camera(world, png)
    client.clock_offset = 200
    pages.HomePage(client).click("scanTile")  # 扫一扫
    result = pages.ScanResultPage(client)
    assert result.heading == "已拒绝此二维码"
    assert "已过期" in result.message
    assert "未进行任何签名" in result.text("resultNote")
    assert platform.state(sid)["state"] == "waiting"
    client.clock_offset = 0

    # A tampered code text pasted: the platform's signature does not match.
    scan = result.scan_again()
    sid, text, _png = platform.login_qr()
    head, payload, signature = text.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["exp"] -= 1  # still well formed and in time, no longer what the platform signed
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    tampered = f"{head}.{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{signature}"
    scan.widget.select_source(IMAGE)
    QGuiApplication.clipboard().setText(tampered)
    scan.click("pasteButton")
    result = pages.ScanResultPage(client)
    assert result.heading == "已拒绝此二维码"
    assert result.message == "二维码的签名不正确，内容可能被篡改"
    assert "未进行任何签名" in result.text("resultNote")
    assert platform.state(sid)["state"] == "waiting"

    # Text that is not a platform code at all: said on the scanner, which stays open.
    scan = result.scan_again()
    scanner = scan.widget
    scanner.select_source(IMAGE)
    QGuiApplication.clipboard().setText("https://example.com/not-a-platform-code")
    scan.click("pasteButton")
    client.wait_until(lambda: "不是本程序可识别的交易平台二维码" in scan.status, "the status")
    assert window.current() is scanner


def test_a_picture_without_a_code_and_a_missing_camera(world, tmp_path):
    client = world["client"]
    scan = open_scanner(world)
    scanner = scan.widget
    client.wait_until(lambda: scanner.view.frames_seen > 0, "the grey frame")
    empty = tmp_path / "nothing.png"
    cv2.imwrite(str(empty), np.full((200, 300, 3), 255, np.uint8))
    scanner.decode_file(empty)
    status = scan.find("scanStatus", QLabel)
    client.wait_until(lambda: status.text() == "图片中没有找到二维码", "no code found")

    scanner.camera_combo.addItem("摄像头 57", "camera:57")
    scanner.camera_combo.setCurrentIndex(scanner.camera_combo.count() - 1)
    scanner.select_source(CAMERA)
    client.wait_until(
        lambda: "摄像头 camera:57 无法使用" in scanner.view.message(), "the camera's failure"
    )
    assert "屏幕区域" in status.text()


def test_login_from_a_region_of_the_screen(qtbot, world):
    """The platform's page on the same screen: one drag around its QR code in the region
    picker, then the region is grabbed and decoded until the code is read."""
    client, platform = world["client"], world["platform"]
    sid, _text, png = platform.login_qr()
    shown = QLabel()  # the browser's page with the code, beside the client's window
    qtbot.addWidget(shown)
    shown.setWindowFlags(Qt.WindowType.FramelessWindowHint)
    pix = QPixmap()
    assert pix.loadFromData(png)
    shown.setPixmap(pix)
    shown.setGeometry(440, 60, pix.width() + 20, pix.height() + 20)
    shown.show()
    qtbot.waitExposed(shown)

    scan = open_scanner(world)
    scanner = scan.widget
    scanner.select_source(SCREEN)
    assert scan.text("regionLabel") == "尚未选择区域"
    scan.click("pickRegionButton")
    picker = scanner.picker
    qtbot.waitExposed(picker)
    geo = shown.geometry()
    start, end = geo.topLeft() - QPoint(10, 10), geo.bottomRight() + QPoint(10, 10)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(picker, end)
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=end)
    assert "已记住框选区域" in scan.text("regionLabel")
    confirm = pages.ScanConfirmPage(client)
    assert confirm.widget.prompt.request.source is ScanSource.SCREEN  # signed (src)
    assert confirm.operation == "扫码登录"
    confirm.confirm(CERT_PASSWORD)
    assert platform.state(sid)["state"] == "confirmed"


def black_screen(monkeypatch, *, wayland: bool, portal: bool) -> None:
    """The screen grab comes back all black, as under Wayland."""
    black = QPixmap(800, 600)
    black.fill(Qt.GlobalColor.black)
    monkeypatch.setattr(scan_page, "grab_screen", lambda *a: black)
    monkeypatch.setattr(screen_source, "grab_screen", lambda *a: black)
    monkeypatch.setattr(scan_page, "wayland_session", lambda: wayland)
    monkeypatch.setattr(scan_page, "portal_available", lambda: portal)


def test_a_black_screen_grab_is_said_plainly(world, monkeypatch):
    """Under Wayland without a desktop portal: the picker does not open, and the message
    says what to do instead."""
    black_screen(monkeypatch, wayland=True, portal=False)
    scan = open_scanner(world)
    scanner = scan.widget
    scanner.select_source(SCREEN)
    scan.click("pickRegionButton")
    status = scan.find("scanStatus", QLabel)
    assert "Wayland" in status.text() and "剪贴板" in status.text()
    assert not hasattr(scanner, "picker") and not scanner.view.running
    assert child(scanner, "portalShotButton", QPushButton).isHidden()

    scan.click("wholeScreenButton")  # polls, then says why
    world["client"].wait_until(lambda: "Wayland" in scanner.view.message(), "Wayland said")
    assert "Wayland" in status.text() and not scanner.view.running
    assert scan.text("regionLabel") == "扫描整个屏幕"


class PortalDouble(QObject):
    """Stands in for the desktop portal on this test's display (the real D-Bus exchange is
    tested in test_screen_grab.py): answers each request with the given screenshot."""

    taken = Signal(QImage)
    failed = Signal(str)

    def __init__(self, image: QImage, parent=None) -> None:
        super().__init__(parent)
        self.image = image
        self.requests = 0

    def request(self, interactive: bool = False) -> bool:
        self.requests += 1
        QTimer.singleShot(0, lambda: self.taken.emit(self.image))
        return True


def test_wayland_screen_through_the_desktop_portal(world, monkeypatch):
    client, platform = world["client"], world["platform"]
    black_screen(monkeypatch, wayland=True, portal=True)
    sid, _text, png = platform.login_qr()
    screen = QImage(1280, 800, QImage.Format.Format_RGB32)
    screen.fill(QColor("#D9DEE7"))
    painter = QPainter(screen)
    code = QImage()
    assert code.loadFromData(png)
    painter.drawImage(700, 200, code)
    painter.end()
    doubles: list[PortalDouble] = []

    def make(parent):
        doubles.append(PortalDouble(screen, parent))
        return doubles[-1]

    monkeypatch.setattr(scan_page, "PortalScreenshot", make)
    scan = open_scanner(world)
    scanner = scan.widget
    scanner.select_source(SCREEN)
    scan.click("pickRegionButton")  # one click, as on X11
    confirm = pages.ScanConfirmPage(client)
    assert confirm.widget.prompt.request.source is ScanSource.SCREEN  # signed (src)
    assert [d.requests for d in doubles] == [1]
    assert confirm.operation == "扫码登录"
    assert platform.state(sid)["state"] == "scanned"
    confirm.click(confirm.widget.cancel_button)
    assert pages.ScanPage(client).widget is scanner
    assert child(scanner, "portalShotButton", QPushButton).isVisible()


def test_confirm_page_with_two_certificates_and_a_document(qtbot):
    """A prompt made here (no platform): the certificate is chosen in a list when several
    may act, an agent's says for whom, and the PDF to seal is previewed."""
    request = ScanRequest(
        version=1,
        operation=ScanOperation.SEAL,
        platform_id="ggzy.test",
        platform_name="山西省公共资源交易平台（模拟）",
        origin="http://127.0.0.1:9",
        session_ref="c2Vzc2lvbi1yZWYtMDAx",
        callback_url="http://127.0.0.1:9/cb",
        nonce="bm9uY2Utbm9uY2UtMDE",
        expires_at=dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC),
    )
    prompt = ScanPrompt(
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
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    page = ScanConfirmPage(window, prompt)
    window.push(page)
    combo = child(page, "certificateCombo", QComboBox)
    assert combo.isVisible() and combo.count() == 2
    assert combo.itemText(1) == "单位证书 · 山西另一公司（经办人代表 李经办）"
    assert page.certificate_id() == 1
    combo.setCurrentIndex(1)
    assert page.certificate_id() == 7
    assert page.values["印章"].text() == "公章" and "平台" not in page.values  # said once
    assert child(page, "expiresValue").text() == "2026-11-24 20:00:00"
    qtbot.waitUntil(lambda: page.pdf.status() == QPdfDocument.Status.Ready, timeout=WAIT)
    assert page.pdf.pageCount() == 1
    click(qtbot, page.confirm_button)  # no password: said next to the field, nothing runs
    assert page.password.error_text() == "请输入证书密码" and not page.busy
    click(qtbot, page.cancel_button)
    assert window.current() is not page
