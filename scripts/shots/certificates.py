"""Screenshots of the certificate actions and 证书下载 / 激活: 证书详情 before and after this
device downloaded the certificate, the download page (code sent, strength meter, an error
next to its field) and its success card, 扫一扫's first-use prompt, 修改证书密码 with the tries
left, the 证书更新 and 吊销 confirmations, 证书变更's form and a revoked certificate.

``render(out_dir, lang)`` seeds a throw-away local CA and device keystore (in memory keyring,
cheap KDF: nothing of this machine is touched), drives the real window and returns the PNGs
it wrote (``cert-*.png`` and ``activation-*.png``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402
from PySide6.QtCore import QPoint, QThread  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QWidget  # noqa: E402

from mobileca_desktop.app import application  # noqa: E402
from mobileca_desktop.ca import idcheck  # noqa: E402
from mobileca_desktop.ca.engine import EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
)
from mobileca_desktop.keystore.kdf import CHEAP  # noqa: E402
from mobileca_desktop.keystore.secretstore import MemorySecretStore  # noqa: E402
from mobileca_desktop.keystore.store import Keystore  # noqa: E402
from mobileca_desktop.services.device import DeviceService  # noqa: E402
from mobileca_desktop.services.local import LocalServices  # noqa: E402
from mobileca_desktop.views import i18n  # noqa: E402
from mobileca_desktop.views.background import BackgroundOp  # noqa: E402
from mobileca_desktop.views.context import AppContext  # noqa: E402
from mobileca_desktop.views.main_window import MainWindow  # noqa: E402

PASSWORD = "Demo2026pass"
CERT_PASSWORD = "Zhengshu#2026"
DEVICE = "wang-laptop"


def document(kind: str, caption: str) -> tuple[bytes, str]:
    img = Image.new("RGB", (640, 400), (236, 241, 250))
    ImageDraw.Draw(img).rectangle((20, 20, 620, 380), outline=(60, 60, 60), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PDF" if kind == "pdf" else "JPEG")
    return buf.getvalue(), f"{caption}.{kind}"


class Seed:
    """A company with two 正常 certificates (unit, legal representative) and a device."""

    def __init__(self, folder: Path) -> None:
        secret = folder / "passphrase"
        secret.write_text("certificate-shots-passphrase-0123456789")
        self.services = LocalServices.open(
            folder / "ca",
            PassphraseFileSecret(secret),
            EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False),
        )
        rng = random.Random(11)
        self.company = LegalEntityRegistration(
            company_name="山西示例建设工程有限公司",
            uscc=idcheck.make_uscc(rng),
            province="山西省",
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account="0502123456789012345",
            legal_person_name="王建国",
            legal_person_id_number=idcheck.make_id_number(rng, dt.date(1975, 3, 14)),
            legal_person_phone="13935100001",
            password=PASSWORD,
        )
        ca = self.services.ca
        ca.register_legal(self.company)
        self.session = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.unit = self.issued(CertKind.UNIT)
        self.legal_rep = self.issued(CertKind.LEGAL_REP)
        keystore = Keystore(folder / "device", DEVICE, MemorySecretStore(), CHEAP)
        self.device = DeviceService(ca, keystore, DEVICE)

    def issued(self, kind: CertKind) -> int:
        ca, s, review = self.services.ca, self.session, self.services.review
        op = review.operator_session()
        app = ca.create_application(s, kind, "bjca")
        ca.set_method(s, app.id, Method.LETTER)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        ca.upload_document(s, app.id, DocKind.LETTER, *document("pdf", "letter"))
        review.accept_letter(op, app.id)
        ca.upload_document(s, app.id, DocKind.LICENCE, *document("pdf", "licence"))
        ca.upload_document(s, app.id, DocKind.ID_FRONT, *document("jpg", "front"))
        ca.upload_document(s, app.id, DocKind.ID_BACK, *document("jpg", "back"))
        ca.request_signing_code(s, app.id)
        ca.submit(s, app.id, self.code())
        review.approve(op, app.id)
        return ca.get_application(s, app.id).certificate_id

    def code(self) -> str:
        phone = self.company.legal_person_phone
        return next(m.code for m in self.services.inbox.messages(phone) if m.code)


def settle(app: QApplication, rounds: int = 12) -> None:
    deadline = time.monotonic() + 30
    while not BackgroundOp.idle() and time.monotonic() < deadline:
        app.processEvents()
        QThread.msleep(10)
    for _ in range(rounds):
        app.processEvents()
        QThread.msleep(5)


def over(window: QWidget, dialog: QWidget) -> QPixmap:
    """The window dimmed, with the dialog in its middle (what the user sees)."""
    base = window.grab()
    top = dialog.grab()
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, 70))
    r_base, r_top = base.devicePixelRatio(), top.devicePixelRatio()
    x = (base.width() / r_base - top.width() / r_top) / 2
    y = (base.height() / r_base - top.height() / r_top) / 2
    painter.drawPixmap(QPoint(int(x), int(y)), top)
    painter.end()
    return base


def open_dialog(window: QWidget, name: str) -> QDialog:
    found = [d for d in window.findChildren(QDialog, name) if d.isVisible()]
    assert found, f"no {name} dialog"
    return found[-1]


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    i18n.install(app, lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def save(pix: QPixmap, name: str) -> None:
        path = out_dir / f"{name}.png"
        pix.save(str(path))
        taken.append(path)

    def shot(window: MainWindow, name: str) -> None:
        settle(app)
        window.toast.hide()
        save(window.grab(), name)

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            ctx = AppContext(
                ca=services.ca,
                inbox=services.inbox,
                review=services.review,
                clock=services.clock,
                device=DEVICE,
                keys=seed.device,
            )
            window = MainWindow()
            window.show()
            window.attach(ctx)
            window.logged_in(seed.session, services.ca.me(seed.session))
            settle(app)

            # 扫一扫 with nothing on this device: the handbook's first-use prompt.
            window.open_scan()
            settle(app)
            save(over(window, open_dialog(window, "firstUseDialog")), "activation-first-use")
            open_dialog(window, "firstUseDialog").reject()
            settle(app)

            # 证书详情 before the download: encryption serial, 下载证书.
            window.open_certificates()
            window.open_certificate(seed.unit)
            shot(window, "cert-detail-not-downloaded")

            # 证书下载: code sent, a password with its meter, the second one mistyped.
            detail = window.current()
            detail.download()
            settle(app)
            page = window.current()
            page.request_code()
            settle(app)
            page.sms.set_value(seed.code())
            page.passwords.password.set_value(CERT_PASSWORD)
            page.passwords.again.set_value(CERT_PASSWORD[:-1])
            page.activate()
            window.toggle_inbox()
            window.inbox_panel.add_phone(seed.company.legal_person_phone)
            shot(window, "activation-form")
            window.toggle_inbox()
            page.passwords.again.set_value(CERT_PASSWORD)
            page.activate()
            shot(window, "activation-done")
            page.finish()
            shot(window, "cert-detail-downloaded")

            # 修改证书密码: a wrong old password says how many tries are left.
            window.current().change_password()
            settle(app)
            pw = window.current()
            pw.old.set_value("Wrong#Pass2026")
            pw.new.password.set_value("Xinmima@2027!")
            pw.new.again.set_value("Xinmima@2027!")
            pw.submit()
            shot(window, "cert-change-password")
            window.pop()
            settle(app)

            # 证书更新 and 吊销 ask first.
            window.current().renew()
            settle(app)
            dialog = open_dialog(window, "renewDialog")
            save(over(window, dialog), "cert-renew-confirm")
            dialog.reject()
            settle(app)
            window.current().revoke()
            settle(app)
            dialog = open_dialog(window, "revokeDialog")
            save(over(window, dialog), "cert-revoke-confirm")
            dialog.reject()
            settle(app)

            # 证书变更's form.
            window.current().change()
            settle(app)
            change = window.current()
            change.fields["company_name"].set_value("山西示例建设集团有限公司")
            shot(window, "cert-change")
            window.pop()
            settle(app)

            # A revoked certificate (the legal representative's).
            services.ca.revoke(seed.session, seed.legal_rep)
            window.pop()
            window.open_certificate(seed.legal_rep)
            shot(window, "cert-detail-revoked")
            window.close()
            settle(app)
        finally:
            services.close()
    return taken


if __name__ == "__main__":
    out = ROOT / "docs" / "screenshots"
    for path in render(out, sys.argv[1] if len(sys.argv) > 1 else "zh_CN"):
        print(path)
