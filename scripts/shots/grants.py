"""Screenshots of 授权管理: the legal person's list, 新增授权 with an error next to the ID
number, the withdrawal confirmation, and the agent's view of the grants received.

``render(out_dir, lang)`` seeds a throw-away local CA, drives the real window and returns the
PNGs it wrote (``grants-*.png``; ``grants-*-en.png`` for English).
"""

from __future__ import annotations

import datetime as dt
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

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QThread  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from mobileca_desktop.app import application  # noqa: E402
from mobileca_desktop.ca import idcheck  # noqa: E402
from mobileca_desktop.ca.engine import EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
    AccountKind,
    AgentDetails,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
)
from mobileca_desktop.services.local import LocalServices  # noqa: E402
from mobileca_desktop.views import i18n  # noqa: E402
from mobileca_desktop.views.background import BackgroundOp  # noqa: E402
from mobileca_desktop.views.context import AppContext  # noqa: E402
from mobileca_desktop.views.main_window import MainWindow  # noqa: E402

PASSWORD = "Demo2026pass"


def jpeg(title: str) -> bytes:
    """A plain document photo with a Chinese caption, drawn by Qt."""
    img = QImage(640, 400, QImage.Format.Format_RGB32)
    img.fill(QColor("#EEF3FA"))
    p = QPainter(img)
    p.setPen(QColor("#1F2329"))
    font = QFont()
    font.setFamilies(["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Sans Serif"])
    font.setPixelSize(34)
    p.setFont(font)
    p.drawRect(20, 20, 600, 360)
    p.drawText(60, 120, title)
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "JPEG", 85)
    return bytes(data.data())


def pdf(title: str) -> bytes:
    from PySide6.QtGui import QPageSize, QPdfWriter

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    p = QPainter(writer)
    font = QFont()
    font.setFamilies(["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Sans Serif"])
    font.setPointSize(28)
    p.setFont(font)
    p.drawText(600, 1400, title)
    p.end()
    buf.close()
    return bytes(data.data())


class Seed:
    """A company with a 正常 unit and legal-representative certificate, two persons, one
    active grant and one withdrawn."""

    def __init__(self, folder: Path) -> None:
        secret = folder / "passphrase"
        secret.write_text("grants-shots-passphrase-0123456789")
        self.services = LocalServices.open(
            folder / "ca",
            PassphraseFileSecret(secret),
            EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False),
        )
        rng = random.Random(4)
        ca = self.services.ca
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
        self.agent = PersonalRegistration(
            name="李经办",
            id_number=idcheck.make_id_number(rng, dt.date(1990, 6, 2)),
            phone="13935100002",
            password=PASSWORD,
        )
        self.other = AgentDetails(
            "赵投标", idcheck.make_id_number(rng, dt.date(1986, 11, 20)), "13935100003"
        )
        ca.register_legal(self.company)
        ca.register_personal(self.agent)
        self.legal = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.unit = self.issued(CertKind.UNIT)
        self.legal_rep = self.issued(CertKind.LEGAL_REP)
        now = self.services.clock.info().now
        old = ca.grant(self.legal, self.legal_rep, self.other, now + dt.timedelta(days=90))
        ca.withdraw_grant(self.legal, old.id)
        me = AgentDetails(self.agent.name, self.agent.id_number, self.agent.phone)
        ca.grant(self.legal, self.unit, me, now + dt.timedelta(days=365))
        self.person = ca.login(AccountKind.PERSONAL, self.agent.phone, PASSWORD)

    def issued(self, kind: CertKind) -> int:
        ca, s, review = self.services.ca, self.legal, self.services.review
        app = ca.create_application(s, kind, "bjca")
        ca.set_method(s, app.id, Method.LETTER)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        ca.upload_document(s, app.id, DocKind.LETTER, pdf("授权书"), "授权书.pdf")
        op = review.operator_session()
        review.accept_letter(op, app.id)
        ca.upload_document(s, app.id, DocKind.LICENCE, pdf("营业执照"), "营业执照.pdf")
        ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg("身份证人像面"), "front.jpg")
        ca.upload_document(s, app.id, DocKind.ID_BACK, jpeg("身份证国徽面"), "back.jpg")
        ca.request_signing_code(s, app.id)
        phone = self.company.legal_person_phone
        code = next(m.code for m in self.services.inbox.messages(phone) if m.code)
        ca.submit(s, app.id, code)
        review.approve(op, app.id)
        return ca.get_application(s, app.id).certificate_id


def settle(app: QApplication, rounds: int = 12) -> None:
    deadline = time.monotonic() + 30
    while not BackgroundOp.idle() and time.monotonic() < deadline:
        app.processEvents()
        QThread.msleep(10)
    for _ in range(rounds):
        app.processEvents()
        QThread.msleep(5)


def with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    """The window with a dialog drawn over its centre, as a user sees it."""
    shot = window.grab()
    box = dialog.grab()
    p = QPainter(shot)
    p.fillRect(shot.rect(), QColor(0, 0, 0, 60))
    ratio = shot.devicePixelRatio()
    w, h = shot.width() / ratio, shot.height() / ratio
    bw, bh = box.width() / box.devicePixelRatio(), box.height() / box.devicePixelRatio()
    p.drawPixmap(QPoint(int((w - bw) / 2), int((h - bh) / 2)), box)
    p.end()
    return shot


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    previous = i18n.language()
    lang = i18n.install(app, lang)
    suffix = "" if lang == i18n.ZH else "-en"
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def save(pix: QPixmap, name: str) -> None:
        path = out_dir / f"grants-{name}{suffix}.png"
        pix.save(str(path))
        taken.append(path)

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            ctx = AppContext(
                ca=services.ca,
                inbox=services.inbox,
                review=services.review,
                clock=services.clock,
                device="wang-laptop",
            )
            window = MainWindow()
            window.show()
            window.attach(ctx)
            window.logged_in(seed.legal, services.ca.me(seed.legal))
            window.open_grants()
            settle(app)
            window.toast.hide()
            save(window.grab(), "list")

            page = window.current()
            page.ask_withdraw(page.grants[0])
            settle(app)
            assert page.confirm is not None
            save(with_dialog(window, page.confirm), "withdraw-confirm")
            page.confirm.reject()
            settle(app)

            page.open_new()
            settle(app)
            form = window.current()
            form.fields["agent_name"].set_value("张新经办")
            bad = seed.other.id_number[:-1] + ("1" if seed.other.id_number[-1] != "1" else "2")
            form.fields["agent_id_number"].set_value(bad)
            form.fields["agent_phone"].set_value("13935100004")
            form.submit()
            settle(app)
            form.scroll.verticalScrollBar().setValue(0)
            settle(app)
            save(window.grab(), "new")

            # The agent, on a device of their own.
            window.logged_in(seed.person, services.ca.me(seed.person))
            window.open_grants()
            settle(app)
            window.toast.hide()
            save(window.grab(), "received")
            window.close()
            settle(app)
        finally:
            services.close()
            i18n.install(app, previous)
    return taken


if __name__ == "__main__":
    for path in render(
        ROOT / "docs" / "screenshots", sys.argv[1] if len(sys.argv) > 1 else "zh_CN"
    ):
        print(path)
