"""Screenshots of the certificate actions and 证书下载 / 激活: 证书详情 before and after this
device downloaded the certificate, the download page (code sent, strength meter, an error
next to its field) and its success card, 扫一扫's first-use prompt, 修改证书密码 with the tries
left, the 证书更新 and 吊销 confirmations, 证书变更's form and a revoked certificate.

``render(out_dir, lang)`` seeds a throw-away local CA and device keystore (in memory keyring,
cheap KDF: nothing of this machine is touched), drives the real window and returns the PNGs
it wrote (``cert-*.png`` and ``activation-*.png``).
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support
from _support import settle
from PIL import Image, ImageDraw
from PySide6.QtWidgets import QDialog, QWidget

from mobileca_desktop.app import application
from mobileca_desktop.domain.models import AccountKind, CertKind, DocKind
from mobileca_desktop.keystore.kdf import CHEAP
from mobileca_desktop.keystore.secretstore import MemorySecretStore
from mobileca_desktop.keystore.store import Keystore
from mobileca_desktop.services.device import DeviceService
from mobileca_desktop.views import i18n
from mobileca_desktop.views.main_window import MainWindow

ROOT = _support.ROOT
PASSWORD = _support.PASSWORD
CERT_PASSWORD = "Zhengshu#2026"
DEVICE = "wang-laptop"


def document(doc: DocKind) -> tuple[bytes, str]:
    kind, caption = _support.CAPTIONS[doc]
    img = Image.new("RGB", (640, 400), (236, 241, 250))
    ImageDraw.Draw(img).rectangle((20, 20, 620, 380), outline=(60, 60, 60), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PDF" if kind == "pdf" else "JPEG")
    return buf.getvalue(), f"{caption}.{kind}"


class Seed:
    """A company with two 正常 certificates (unit, legal representative) and a device."""

    def __init__(self, folder: Path) -> None:
        self.services = _support.open_services(folder, "certificate-shots-passphrase-0123456789")
        rng = random.Random(11)
        self.company = _support.demo_company(rng)
        ca = self.services.ca
        ca.register_legal(self.company)
        self.session = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.unit = self.issued(CertKind.UNIT)
        self.legal_rep = self.issued(CertKind.LEGAL_REP)
        keystore = Keystore(folder / "device", DEVICE, MemorySecretStore(), CHEAP)
        self.device = DeviceService(ca, keystore, DEVICE)

    def issued(self, kind: CertKind) -> int:
        phone = self.company.legal_person_phone
        return _support.issue(self.services, self.session, kind, document, phone)

    def code(self) -> str:
        return _support.inbox_code(self.services, self.company.legal_person_phone)


def open_dialog(window: QWidget, name: str) -> QDialog:
    found = [d for d in window.findChildren(QDialog, name) if d.isVisible()]
    assert found, f"no {name} dialog"
    return found[-1]


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    i18n.install(app, lang)
    save = _support.Saver(out_dir)

    def shot(window: MainWindow, name: str) -> None:
        settle(app)
        window.toast.hide()
        save(window.grab(), name)

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            window = _support.main_window(services, DEVICE, keys=seed.device, session=seed.session)
            settle(app)

            # 扫一扫 with nothing on this device: the handbook's first-use prompt.
            window.open_scan()
            settle(app)
            first_use = open_dialog(window, "firstUseDialog")
            save(_support.over(window, first_use), "activation-first-use")
            first_use.reject()
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
            shot(window, "activation-form")
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
            for action, name, file in (
                ("renew", "renewDialog", "cert-renew-confirm"),
                ("revoke", "revokeDialog", "cert-revoke-confirm"),
            ):
                getattr(window.current(), action)()
                settle(app)
                dialog = open_dialog(window, name)
                save(_support.over(window, dialog), file)
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
    return save.taken


if __name__ == "__main__":
    out = ROOT / "docs" / "screenshots"
    for path in render(out, sys.argv[1] if len(sys.argv) > 1 else "zh_CN"):
        print(path)
