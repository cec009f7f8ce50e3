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
import time

import cv2
import numpy as np
import pytest
from conftest import PASSWORD, pdf_bytes
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device
from helpers_platform import (
    bids,
    browser,
    decrypt_qr,
    encrypt_qr,
    finish_login,
    login_qr,
    seal_qr,
    start,
    state,
    trusted,
)
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
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QToolButton
from qt_support import child, click, open_window, settle, type_text, wait_page

from mobileca_desktop.config import Settings
from mobileca_desktop.domain.models import AccountKind, CertKind
from mobileca_desktop.services.scan import NonceStore, PlatformScanService
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    ScanOperation,
    ScanPrompt,
    ScanRequest,
    ScanSource,
)
from mobileca_desktop.views import camera_view
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.scan import scan_page, screen_source
from mobileca_desktop.views.scan.confirm_page import ScanConfirmPage
from mobileca_desktop.views.scan.scan_page import CAMERA, IMAGE, SCREEN

WAIT = 20000


class Clock:
    """The scan service's clock, movable (an expired code without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def frame_with(png: bytes, size=(1280, 720), side: int = 420) -> np.ndarray:
    """The platform's QR PNG in a camera-like frame: grey background, the code centred."""
    w, h = size
    code = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    frame = np.full((h, w, 3), 170, np.uint8)
    y, x = (h - side) // 2, (w - side) // 2
    frame[y : y + side, x : x + side] = code
    return frame


@pytest.fixture(autouse=True)
def _no_remembered_region():
    """The screen region is remembered for the app's run: each test starts without one."""
    screen_source.forget_regions()
    yield
    screen_source.forget_regions()


@pytest.fixture
def world(qtbot, services, company, tmp_path):
    """The company's certificate downloaded on a laptop, the platform running and trusted,
    the client window logged in as the legal person with the laptop's scan service; the
    laptop's camera is a picture file (``camera``) the test writes frames into."""
    reg, s = company
    cid = approved_certificate(services, reg, s)
    laptop = new_device(services, tmp_path, "laptop")
    download(services, laptop, s, cid, reg.legal_person_phone)
    platform = start(services, tmp_path)
    clock = Clock()
    scan = PlatformScanService(
        services.ca,
        laptop,
        [trusted(platform)],
        NonceStore(tmp_path / "devices" / "laptop" / "scan-nonces.json"),
        clock=clock,
    )
    camera = tmp_path / "camera.png"
    cv2.imwrite(str(camera), np.full((720, 1280, 3), 170, np.uint8))
    settings = Settings(data_dir=tmp_path / "client", device="laptop", camera=str(camera))
    window = open_window(qtbot, services, "laptop", keys=laptop, scan=scan, settings=settings)
    login = wait_page(qtbot, window, "loginPage")
    form = login.form(AccountKind.LEGAL)
    type_text(qtbot, form.login_name, reg.uscc)
    type_text(qtbot, form.password, PASSWORD)
    click(qtbot, form.login_button)
    wait_page(qtbot, window, "homePage")
    page = browser(platform)
    yield dict(
        reg=reg, s=s, cid=cid, platform=platform, scan=scan, clock=clock, camera=camera,
        window=window, page=page,
    )  # fmt: skip
    window.close()
    settle(qtbot)
    assert camera_view.stop_all(5000)
    page.close()
    scan.close()
    platform.stop()


def open_scanner(qtbot, window):
    """扫一扫 on the home page (the certificate is on this device: the scanner opens)."""
    click(qtbot, child(window.current(), "scanTile", QToolButton))
    return wait_page(qtbot, window, "scanPage")


def show_to_camera(world, png: bytes) -> None:
    cv2.imwrite(str(world["camera"]), frame_with(png))


def wait_confirm(qtbot, window):
    page = wait_page(qtbot, window, "scanConfirmPage")
    settle(qtbot)
    return page


def confirm_with(qtbot, page, password: str) -> None:
    type_text(qtbot, page.password, password)
    click(qtbot, page.confirm_button)


def login_page_via_service(world) -> None:
    """The platform's browser page logged in (a scan answered by the service directly), so
    seal / encrypt / decrypt sessions can be made on it."""
    platform, scan, s = world["platform"], world["scan"], world["s"]
    sid, text, _png = login_qr(platform, world["page"])
    scan.perform(s, scan.prepare(s, scan.read(text)), world["cid"], CERT_PASSWORD)
    finish_login(platform, world["page"], sid)


def test_login_from_the_camera_with_a_wrong_password_first(qtbot, world):
    window, platform, reg = world["window"], world["platform"], world["reg"]
    sid, _text, png = login_qr(platform, world["page"])
    show_to_camera(world, png)
    scanner = open_scanner(qtbot, window)
    assert scanner.tabs.currentIndex() == CAMERA
    assert child(scanner, "cameraCombo").currentText() == "文件：camera.png"

    confirm = wait_confirm(qtbot, window)
    assert confirm.prompt.request.source is ScanSource.CAMERA  # signed (src)
    assert state(platform, sid)["state"] == "scanned"  # fetched, nothing answered yet
    assert child(confirm, "platformName").text() == trusted(platform).name
    assert child(confirm, "operationValue").text() == "扫码登录"
    assert reg.company_name in child(confirm, "certificateLabel", QLabel).text()
    assert confirm.confirm_button.text() == "确认登录"

    confirm_with(qtbot, confirm, "Wrong#Pass2026")
    qtbot.waitUntil(lambda: confirm.password.error_text() != "", timeout=WAIT)
    assert confirm.password.error_text() == "证书密码错误，本机还可尝试 5 次"
    assert state(platform, sid)["state"] == "scanned"  # nothing was sent
    assert window.current() is confirm

    confirm_with(qtbot, confirm, CERT_PASSWORD)
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "扫码成功"
    st = state(platform, sid)
    assert st["state"] == "confirmed"
    assert child(result, "resultMessage").text() == st["message"]
    finish_login(platform, world["page"], sid)

    # 继续扫码: the camera still shows the code just used; it is not acted on again.
    click(qtbot, child(result, "scanAgainButton", QPushButton))
    assert wait_page(qtbot, window, "scanPage") is scanner
    seen: list = []
    scanner.view.analysed.connect(seen.append)
    qtbot.waitUntil(lambda: sum(1 for codes, _ in seen if codes) >= 4, timeout=WAIT)
    assert window.current() is scanner and not scanner.busy

    # A new code comes into view: read at once; 取消 on the confirm page signs nothing.
    sid2, _text, png = login_qr(platform, world["page"])
    show_to_camera(world, png)
    scanner.select_source(CAMERA)  # 重新打开 the camera (the file is read when opened)
    confirm = wait_confirm(qtbot, window)
    click(qtbot, confirm.cancel_button)
    assert wait_page(qtbot, window, "scanPage") is scanner
    assert state(platform, sid2)["state"] == "scanned"
    click(qtbot, window.top_bar.back)  # leaving 扫一扫 releases the camera
    wait_page(qtbot, window, "homePage")
    qtbot.waitUntil(camera_view.idle, timeout=WAIT)


def test_seal_from_a_screenshot_on_the_clipboard(qtbot, world):
    window, platform = world["window"], world["platform"]
    login_page_via_service(world)
    original = pdf_bytes("投标函 第一页")
    sid, _text, png = seal_qr(platform, world["page"], original, seal="official")
    scanner = open_scanner(qtbot, window)
    scanner.select_source(IMAGE)
    assert not scanner.view.running
    shot = QImage()
    assert shot.loadFromData(png)
    QGuiApplication.clipboard().setImage(shot)
    click(qtbot, child(scanner, "pasteButton", QPushButton))

    confirm = wait_confirm(qtbot, window)
    assert confirm.prompt.request.source is ScanSource.CLIPBOARD  # signed (src)
    assert child(confirm, "operationValue").text() == "扫码签章"
    assert child(confirm, "documentName").text() == "投标函.pdf"
    qtbot.waitUntil(lambda: confirm.pdf.status() == QPdfDocument.Status.Ready, timeout=WAIT)
    assert confirm.pdf.pageCount() == 1
    assert confirm.prompt.document == original  # what is shown is what is sealed
    # the seal on its page where the platform asked for it; the user moves it a little
    placer = confirm.placer
    assert placer is not None and placer.placement() == (1, (380, 80, 520, 220))
    qtbot.waitUntil(placer.canvas.rendered, timeout=WAIT)
    placer.canvas.setFocus()
    qtbot.keyClick(placer.canvas, Qt.Key.Key_Left)
    moved = placer.placement()
    assert moved[1][0] < 380
    confirm_with(qtbot, confirm, CERT_PASSWORD)
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "签章成功"
    st = state(platform, sid)
    assert st["state"] == "confirmed", st
    # sealed where the user put it, and the platform accepted that position on that page
    sealed = platform.platform.get(sid).sealed
    from mobileca_desktop.crypto import pdfcheck

    assert pdfcheck.inspect_sealed(original, sealed).rect == moved[1]

    click(qtbot, child(result, "doneButton", QPushButton))  # 完成: home, scanner closed
    wait_page(qtbot, window, "homePage")
    assert window.stack.count() == 1


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")
def test_encrypt_from_a_dropped_file_then_decrypt_from_the_camera(qtbot, world, tmp_path):
    window, platform = world["window"], world["platform"]
    login_page_via_service(world)
    bid = "投标文件：报价 100 万元".encode()
    sid, _text, png = encrypt_qr(platform, world["page"], bid)
    dropped = tmp_path / "encrypt-qr.png"
    dropped.write_bytes(png)
    scanner = open_scanner(qtbot, window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    at, action = QPointF(40, 40), Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(at.toPoint(), action, mime, buttons, keys)
    QApplication.sendEvent(scanner, enter)  # dragged over the scanner: it takes files
    assert enter.isAccepted()
    QApplication.sendEvent(scanner, QDropEvent(at, action, mime, buttons, keys))
    assert scanner.tabs.currentIndex() == IMAGE
    confirm = wait_confirm(qtbot, window)
    assert confirm.prompt.request.source is ScanSource.FILE  # signed (src)
    assert child(confirm, "operationValue").text() == "扫码加密"
    confirm_with(qtbot, confirm, CERT_PASSWORD)
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "加密证书已提交"
    assert state(platform, sid)["state"] == "confirmed"
    [stored] = bids(world["page"])

    sid, _text, png = decrypt_qr(platform, world["page"], stored["id"])
    show_to_camera(world, png)
    click(qtbot, child(result, "scanAgainButton", QPushButton))
    scanner = wait_page(qtbot, window, "scanPage")
    scanner.select_source(CAMERA)
    confirm = wait_confirm(qtbot, window)
    assert child(confirm, "operationValue").text() == "扫码解密"
    # which bid is opened, in the client's own words (checked inside the envelope later)
    assert confirm.values["投标项目"].text() == "太原东站改造工程"
    assert confirm.values["投标人"].text() == world["reg"].company_name
    assert confirm.values["加密时间"].text().startswith("20")
    confirm_with(qtbot, confirm, CERT_PASSWORD)
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "解密成功"
    assert state(platform, sid)["state"] == "confirmed"
    assert bids(world["page"])[0]["opened_at"]


def test_refused_codes_are_explained_and_nothing_is_signed(qtbot, world):
    window, platform, clock = world["window"], world["platform"], world["clock"]
    # A code past its expiry (the client's clock moved on): refused before anything is fetched.
    sid, _text, png = login_qr(platform, world["page"])
    show_to_camera(world, png)
    clock.offset = 200
    scanner = open_scanner(qtbot, window)
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "已拒绝此二维码"
    assert "已过期" in child(result, "resultMessage").text()
    assert "未进行任何签名" in child(result, "resultNote").text()
    assert state(platform, sid)["state"] == "waiting"
    clock.offset = 0

    # A tampered code text pasted: the platform's signature does not match.
    click(qtbot, child(result, "scanAgainButton", QPushButton))
    scanner = wait_page(qtbot, window, "scanPage")
    sid, text, _png = login_qr(platform, world["page"])
    head, payload, signature = text.split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["exp"] -= 1  # still well formed and in time, no longer what the platform signed
    body = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    tampered = f"{head}.{base64.urlsafe_b64encode(body).decode().rstrip('=')}.{signature}"
    scanner.select_source(IMAGE)
    QGuiApplication.clipboard().setText(tampered)
    click(qtbot, child(scanner, "pasteButton", QPushButton))
    result = wait_page(qtbot, window, "scanResultPage")
    assert child(result, "resultHeading").text() == "已拒绝此二维码"
    assert child(result, "resultMessage").text() == "二维码的签名不正确，内容可能被篡改"
    assert "未进行任何签名" in child(result, "resultNote").text()
    assert state(platform, sid)["state"] == "waiting"

    # Text that is not a platform code at all: said on the scanner, which stays open.
    click(qtbot, child(result, "scanAgainButton", QPushButton))
    scanner = wait_page(qtbot, window, "scanPage")
    scanner.select_source(IMAGE)
    QGuiApplication.clipboard().setText("https://example.com/not-a-platform-code")
    click(qtbot, child(scanner, "pasteButton", QPushButton))
    status = child(scanner, "scanStatus", QLabel)
    qtbot.waitUntil(lambda: "不是本程序可识别的交易平台二维码" in status.text(), timeout=WAIT)
    assert window.current() is scanner


def test_a_picture_without_a_code_and_a_missing_camera(qtbot, world, tmp_path, monkeypatch):
    window = world["window"]
    scanner = open_scanner(qtbot, window)
    qtbot.waitUntil(lambda: scanner.view.frames_seen > 0, timeout=WAIT)  # the grey frame
    empty = tmp_path / "nothing.png"
    cv2.imwrite(str(empty), np.full((200, 300, 3), 255, np.uint8))
    scanner.decode_file(empty)
    status = child(scanner, "scanStatus", QLabel)
    qtbot.waitUntil(lambda: status.text() == "图片中没有找到二维码", timeout=WAIT)

    scanner.camera_combo.addItem("摄像头 57", "camera:57")
    scanner.camera_combo.setCurrentIndex(scanner.camera_combo.count() - 1)
    scanner.select_source(CAMERA)
    qtbot.waitUntil(lambda: "摄像头 camera:57 无法使用" in scanner.view.message(), timeout=WAIT)
    assert "屏幕区域" in status.text()


def test_login_from_a_region_of_the_screen(qtbot, world):
    """The platform's page on the same screen: one drag around its QR code in the region
    picker, then the region is grabbed and decoded until the code is read."""
    window, platform = world["window"], world["platform"]
    sid, _text, png = login_qr(platform, world["page"])
    shown = QLabel()  # the browser's page with the code, beside the client's window
    qtbot.addWidget(shown)
    shown.setWindowFlags(Qt.WindowType.FramelessWindowHint)
    pix = QPixmap()
    assert pix.loadFromData(png)
    shown.setPixmap(pix)
    shown.setGeometry(440, 60, pix.width() + 20, pix.height() + 20)
    shown.show()
    qtbot.waitExposed(shown)

    scanner = open_scanner(qtbot, window)
    scanner.select_source(SCREEN)
    assert child(scanner, "regionLabel", QLabel).text() == "尚未选择区域"
    click(qtbot, child(scanner, "pickRegionButton", QPushButton))
    picker = scanner.picker
    qtbot.waitExposed(picker)
    geo = shown.geometry()
    start, end = geo.topLeft() - QPoint(10, 10), geo.bottomRight() + QPoint(10, 10)
    qtbot.mousePress(picker, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(picker, end)
    qtbot.mouseRelease(picker, Qt.MouseButton.LeftButton, pos=end)
    assert "已记住框选区域" in child(scanner, "regionLabel", QLabel).text()
    confirm = wait_confirm(qtbot, window)
    assert confirm.prompt.request.source is ScanSource.SCREEN  # signed (src)
    assert child(confirm, "operationValue").text() == "扫码登录"
    confirm_with(qtbot, confirm, CERT_PASSWORD)
    wait_page(qtbot, window, "scanResultPage")
    assert state(platform, sid)["state"] == "confirmed"


def black_screen(monkeypatch, *, wayland: bool, portal: bool) -> None:
    """The screen grab comes back all black, as under Wayland."""
    black = QPixmap(800, 600)
    black.fill(Qt.GlobalColor.black)
    monkeypatch.setattr(scan_page, "grab_screen", lambda *a: black)
    monkeypatch.setattr(screen_source, "grab_screen", lambda *a: black)
    monkeypatch.setattr(scan_page, "wayland_session", lambda: wayland)
    monkeypatch.setattr(scan_page, "portal_available", lambda: portal)


def test_a_black_screen_grab_is_said_plainly(qtbot, world, monkeypatch):
    """Under Wayland without a desktop portal: the picker does not open, and the message
    says what to do instead."""
    black_screen(monkeypatch, wayland=True, portal=False)
    window = world["window"]
    scanner = open_scanner(qtbot, window)
    scanner.select_source(SCREEN)
    click(qtbot, child(scanner, "pickRegionButton", QPushButton))
    status = child(scanner, "scanStatus", QLabel)
    assert "Wayland" in status.text() and "剪贴板" in status.text()
    assert not hasattr(scanner, "picker") and not scanner.view.running
    assert child(scanner, "portalShotButton", QPushButton).isHidden()

    click(qtbot, child(scanner, "wholeScreenButton", QPushButton))  # polls, then says why
    qtbot.waitUntil(lambda: "Wayland" in scanner.view.message(), timeout=WAIT)
    assert "Wayland" in status.text() and not scanner.view.running
    assert child(scanner, "regionLabel", QLabel).text() == "扫描整个屏幕"


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


def test_wayland_screen_through_the_desktop_portal(qtbot, world, monkeypatch):
    window, platform = world["window"], world["platform"]
    black_screen(monkeypatch, wayland=True, portal=True)
    sid, _text, png = login_qr(platform, world["page"])
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
    scanner = open_scanner(qtbot, window)
    scanner.select_source(SCREEN)
    click(qtbot, child(scanner, "pickRegionButton", QPushButton))  # one click, as on X11
    confirm = wait_confirm(qtbot, window)
    assert confirm.prompt.request.source is ScanSource.SCREEN  # signed (src)
    assert [d.requests for d in doubles] == [1]
    assert child(confirm, "operationValue").text() == "扫码登录"
    assert state(platform, sid)["state"] == "scanned"
    click(qtbot, confirm.cancel_button)
    assert wait_page(qtbot, window, "scanPage") is scanner
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
