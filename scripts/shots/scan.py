"""Screenshots of 扫一扫: the camera preview with the scan box over the platform's QR code,
the confirm pages (扫码登录, and 扫码签章 with its PDF preview), the results (success, and a
tampered code refused), the screen-region and image sources, a missing camera, and the
法人刷脸 page fed by the camera.

``render(out_dir, lang)`` seeds a throw-away local CA, a device keystore (in-memory keyring)
holding the company's certificate and the trading-platform simulator on loopback, then
drives the real window: the "camera" is a picture file showing the platform's QR code in a
1280×720 frame. It returns the PNGs it wrote (``scan-*.png``; ``scan-*-en.png`` in English).
"""

from __future__ import annotations

import base64
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support
import cv2
import httpx
import numpy as np
from _support import FONTS
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtWidgets import QApplication

from mobileca_desktop.app import application
from mobileca_desktop.config import Settings
from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    Method,
)
from mobileca_desktop.keystore.kdf import CHEAP
from mobileca_desktop.keystore.secretstore import MemorySecretStore
from mobileca_desktop.keystore.store import Keystore
from mobileca_desktop.platform.run import PlatformConfig, start_platform
from mobileca_desktop.services.device import DeviceService
from mobileca_desktop.services.scan import (
    NonceStore,
    PlatformScanService,
    TrustedPlatform,
)
from mobileca_desktop.services.wizard import ApplicationWizard
from mobileca_desktop.views import camera_view, i18n
from mobileca_desktop.views.main_window import MainWindow
from mobileca_desktop.views.scan.scan_page import CAMERA, IMAGE, SCREEN, ScanPage
from mobileca_desktop.views.wizard.wizard_page import WizardPage

ROOT = _support.ROOT
PASSWORD = _support.PASSWORD
CERT_PASSWORD = "Zhengshu#2026"
DEVICE = "wang-laptop"
DOCUMENTS = {
    DocKind.LETTER: ("pdf", "授权书", "授权书.pdf"),
    DocKind.LICENCE: ("pdf", "营业执照", "l.pdf"),
    DocKind.ID_FRONT: ("jpg", "身份证人像面", "f.jpg"),
    DocKind.ID_BACK: ("jpg", "身份证国徽面", "b.jpg"),
}


def document(doc: DocKind) -> tuple[bytes, str]:
    kind, title, name = DOCUMENTS[doc]
    return painted(kind, [title]), name


def painted(kind: str, lines: list[str]) -> bytes:
    """A page drawn by Qt: a PDF (A4) or a JPEG, with Chinese lines."""
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    font = QFont()
    font.setFamilies(FONTS)
    if kind == "pdf":
        writer = QPdfWriter(buf)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setResolution(300)
        p = QPainter(writer)
        font.setPointSize(22)
        p.setFont(font)
        p.drawText(900, 450, lines[0])
        font.setPointSize(12)
        p.setFont(font)
        for i, line in enumerate(lines[1:]):
            p.drawText(250, 800 + i * 110, line)
        p.end()
    else:
        img = QImage(640, 400, QImage.Format.Format_RGB32)
        img.fill(QColor("#EEF3FA"))
        p = QPainter(img)
        font.setPixelSize(30)
        p.setFont(font)
        p.drawRect(20, 20, 600, 360)
        p.drawText(60, 120, lines[0])
        p.end()
        img.save(buf, "JPEG", 85)
    buf.close()
    return bytes(data.data())


def portrait() -> bytes:
    from skimage import data

    ok, png = cv2.imencode(".png", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert ok
    return png.tobytes()


def frame_with(png: bytes, side: int = 400) -> np.ndarray:
    """The QR PNG in a 1280×720 camera-like frame (a desk, a screen with the code)."""
    code = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[:] = np.linspace(70, 120, 1280, dtype=np.uint8)[None, :, None]  # a darker room
    cv2.rectangle(frame, (340, 110), (940, 610), (235, 235, 235), -1)  # the monitor's page
    y, x = (720 - side) // 2, (1280 - side) // 2
    frame[y : y + side, x : x + side] = code
    return frame


class Seed:
    """A company with a 正常 unit certificate downloaded to this device, and the platform."""

    def __init__(self, folder: Path) -> None:
        self.services = _support.open_services(folder, "scan-shots-passphrase-0123456789")
        rng = random.Random(8)
        self.company = _support.demo_company(rng)
        ca = self.services.ca
        ca.register_legal(self.company)
        self.session = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.unit = self.issued()
        keystore = Keystore(folder / "device", DEVICE, MemorySecretStore(), CHEAP)
        self.device = DeviceService(ca, keystore, DEVICE)
        self.device.request_code(self.session, self.unit)
        self.device.activate(self.session, self.unit, self.code(), CERT_PASSWORD, CERT_PASSWORD)
        self.platform = start_platform(
            PlatformConfig(data_dir=folder / "platform", engine=self.services.engine)
        )
        info = httpx.get(f"{self.platform.url}/.well-known/mobileca-platform").json()
        trust = TrustedPlatform(
            platform_id=info["platform_id"],
            name=info["name"],
            origin=info["origin"],
            certificate_pem=info["certificate_pem"],
        )
        self.scan = PlatformScanService(
            ca, self.device, [trust], NonceStore(folder / "device" / "nonces.json")
        )
        self.browser = httpx.Client(base_url=self.platform.url, timeout=30)
        self.browser.get("/").raise_for_status()

    def issued(self) -> int:
        phone = self.company.legal_person_phone
        return _support.issue(self.services, self.session, CertKind.UNIT, document, phone)

    def code(self) -> str:
        return _support.inbox_code(self.services, self.company.legal_person_phone)

    def qr(self, path: str, body: dict) -> tuple[str, str, bytes]:
        data = self.browser.post(path, json=body).json()
        png = self.browser.get(data["qr_png"]).content
        return data["sid"], data["qr_text"], png

    def close(self) -> None:
        self.browser.close()
        self.scan.close()
        self.platform.stop()
        self.services.close()


def settle(app: QApplication, until=None, timeout: float = 30) -> None:
    _support.settle(app, until=until, timeout=timeout)


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    lang = i18n.install(app, lang)
    saver = _support.Saver(out_dir, "scan-{name}" + _support.suffix(lang))

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        seed = Seed(folder)
        window = MainWindow()
        try:
            camera = folder / "camera.png"
            services = seed.services
            settings = Settings(data_dir=folder / "client", device=DEVICE, camera=str(camera))
            _support.main_window(
                services,
                DEVICE,
                window,
                keys=seed.device,
                scan=seed.scan,
                settings=settings,
                session=seed.session,
            )
            settle(app)

            def save(name: str) -> None:
                window.toast.hide()
                saver(window.grab(), name)

            def current(name: str, timeout: float = 30):
                settle(app, lambda: window.current().objectName() == name, timeout)
                settle(app)
                assert window.current().objectName() == name, window.current().objectName()
                return window.current()

            # 扫码登录 from the camera: the preview with the code outlined, then the pages.
            sid, _text, png = seed.qr("/api/scan/login", {})
            cv2.imwrite(str(camera), frame_with(png))
            scanner = ScanPage(window)
            scanner.view.analysed.disconnect(scanner._analysed)  # hold the code for the shot
            scanner.view.analysed.connect(
                lambda result: scanner.view.set_marks([list(c.corners) for c in result[0]])
            )
            window.push(scanner)
            settle(app, lambda: bool(scanner.view._marks))
            save("camera")
            scanner.view.analysed.connect(scanner._analysed)
            current("scanConfirmPage")
            save("confirm-login")
            confirm = window.current()
            confirm.password.edit.setText(CERT_PASSWORD)
            confirm.confirm()
            current("scanResultPage")
            save("result-login")
            seed.browser.get(f"/api/scan/{sid}")  # the page sees whose account answered
            seed.browser.post(f"/api/scan/{sid}/login").raise_for_status()  # 确认登录

            # 扫码签章 from a screenshot on the clipboard: the PDF to seal, previewed.
            lines = ["投标函", "致：山西省公共资源交易中心", "我方已仔细研究招标文件的全部内容，",
                     "愿意以人民币（大写）壹佰万元整的投标总报价承担本项目。",
                     "投标人：山西示例建设工程有限公司（盖章）"]  # fmt: skip
            pdf = painted("pdf", lines)
            body = {
                "name": "投标函.pdf",
                "pdf": base64.b64encode(pdf).decode(),
                "seal": "official",
                "page": 1,
                "box": [380, 80, 520, 220],
            }
            _sid, _text, png = seed.qr("/api/seal", body)
            window.current().scan_again()
            scanner = current("scanPage")
            scanner.select_source(IMAGE)
            image = QImage()
            image.loadFromData(png)
            QGuiApplication.clipboard().setImage(image)
            scanner.paste()
            confirm = current("scanConfirmPage")
            settle(app, lambda: confirm.pdf is not None and confirm.pdf.pageCount() > 0)
            settle(app)
            save("confirm-seal")
            confirm.scroll_area.verticalScrollBar().setValue(
                confirm.scroll_area.verticalScrollBar().maximum()
            )
            confirm.password.edit.setText("Wrong#2026")
            confirm.confirm()
            settle(app, lambda: confirm.password.error_text() != "")
            save("confirm-seal-password")
            confirm.password.edit.setText(CERT_PASSWORD)
            confirm.confirm()
            current("scanResultPage")
            save("result-seal")

            # A tampered code pasted as text: refused, nothing signed.
            _sid, text, _png = seed.qr("/api/scan/login", {})
            head, payload, signature = text.split(".")
            fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            fields["exp"] -= 1
            forged = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
            text = f"{head}.{base64.urlsafe_b64encode(forged).decode().rstrip('=')}.{signature}"
            window.current().scan_again()
            scanner = current("scanPage")
            scanner.select_source(IMAGE)
            save("image")
            QGuiApplication.clipboard().setText(text)
            scanner.paste()
            current("scanResultPage")
            save("result-refused")

            # The screen-region source before a region is chosen, and a missing camera.
            window.current().scan_again()
            scanner = current("scanPage")
            scanner.select_source(SCREEN)
            settle(app)
            save("screen")
            scanner.camera_combo.addItem(scanner.tr("摄像头 {n}").format(n=5), "camera:5")
            scanner.camera_combo.setCurrentIndex(scanner.camera_combo.count() - 1)
            scanner.select_source(CAMERA)
            settle(app, lambda: scanner.view.error is not None)
            save("no-camera")
            window.pop()
            settle(app)

            # 法人刷脸 with the camera (the astronaut photo stands in for the webcam).
            camera.write_bytes(portrait())
            s = seed.session
            app_info = services.ca.create_application(s, CertKind.LEGAL_REP, "bjca")
            services.ca.set_method(s, app_info.id, Method.FACE)
            services.ca.set_handler(s, app_info.id, Handler.LEGAL_PERSON)
            wizard = ApplicationWizard.resume(services.ca, s, app_info.id)
            window.push(WizardPage(window, wizard))
            settle(app)
            view = window.current().view
            view.open_camera()
            settle(app, lambda: view.capture_button.isEnabled())
            save("face-camera")
        finally:
            window.close()
            camera_view.stop_all(5000)
            settle(app)
            seed.close()
    return saver.taken


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for language in ("zh_CN", "en"):
        folder = target if language == "zh_CN" else target / "en"
        for shot in render(folder, language):
            print(shot)
