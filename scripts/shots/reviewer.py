"""Screenshots of the trainer's tools: the CA 审核台 window (an application handled by an
agent with its documents and a valid 电子签名, a tampered one, a letter of authorisation
refused without a reason) and the demo clock moved 400 days with 证书管理 showing 已过期.

``render(out_dir, lang)`` seeds a throw-away local CA, drives the real windows and returns
the PNGs it wrote (``reviewer-*.png``; ``reviewer-*-en.png`` for English).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for folder in (ROOT, HERE):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

try:  # as scripts.shots.reviewer
    from . import grants as shared
except ImportError:  # as a file of its own
    import grants as shared  # type: ignore[no-redef]

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

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
)
from mobileca_desktop.services.local import LocalServices  # noqa: E402
from mobileca_desktop.views import i18n  # noqa: E402
from mobileca_desktop.views.context import AppContext  # noqa: E402
from mobileca_desktop.views.main_window import MainWindow  # noqa: E402
from mobileca_desktop.views.reviewer.clock_dialog import ClockDialog  # noqa: E402
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow  # noqa: E402

PASSWORD = shared.PASSWORD


def portrait() -> bytes:
    from PIL import Image
    from skimage import data

    buf = io.BytesIO()
    Image.fromarray(data.astronaut()).resize((384, 384)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()


class Seed:
    """A company with: an application by an agent (法人刷脸) waiting for review, one whose
    licence was changed after signing, a letter of authorisation waiting, and a 正常
    certificate for the clock."""

    def __init__(self, folder: Path) -> None:
        secret = folder / "passphrase"
        secret.write_text("reviewer-shots-passphrase-0123456789")
        self.services = LocalServices.open(
            folder / "ca",
            PassphraseFileSecret(secret),
            EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False),
        )
        rng = random.Random(9)
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
        self.agent = AgentDetails(
            "李经办", idcheck.make_id_number(rng, dt.date(1990, 6, 2)), "13935100002"
        )
        ca.register_legal(self.company)
        self.legal = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.op = self.services.review.operator_session()
        self.normal = self.letter_app(CertKind.LEGAL_REP, submit=True)
        self.services.review.approve(self.op, self.normal)
        self.by_agent = self.agent_app()
        self.tampered = self.letter_app(CertKind.UNIT, submit=True)
        self.tamper(self.tampered)
        self.letter = self.letter_app(CertKind.UNIT, submit=False)

    def code(self, phone: str) -> str:
        return next(m.code for m in self.services.inbox.messages(phone) if m.code)

    def documents(self, app_id: int) -> None:
        ca, s = self.services.ca, self.legal
        ca.upload_document(s, app_id, DocKind.LICENCE, shared.pdf("营业执照"), "营业执照.pdf")
        ca.upload_document(s, app_id, DocKind.ID_FRONT, shared.jpeg("身份证人像面"), "正面.jpg")
        ca.upload_document(s, app_id, DocKind.ID_BACK, shared.jpeg("身份证国徽面"), "反面.jpg")

    def agent_app(self) -> int:
        ca, s = self.services.ca, self.legal
        app = ca.create_application(s, CertKind.UNIT, "bjca")
        ca.set_method(s, app.id, Method.FACE)
        ca.set_handler(s, app.id, Handler.AGENT, self.agent)
        ca.verify_face(s, app.id, portrait(), "face.jpg")
        ca.confirm_auth_code(s, app.id, self.code(self.company.legal_person_phone))
        self.documents(app.id)
        ca.request_signing_code(s, app.id)
        ca.submit(s, app.id, self.code(self.agent.phone))
        return app.id

    def letter_app(self, kind: CertKind, *, submit: bool) -> int:
        ca, s, review = self.services.ca, self.legal, self.services.review
        app = ca.create_application(s, kind, "bjca")
        ca.set_method(s, app.id, Method.LETTER)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        ca.upload_document(
            s, app.id, DocKind.LETTER, shared.pdf("授权书（加盖公章）"), "授权书.pdf"
        )
        if not submit:
            return app.id
        review.accept_letter(self.op, app.id)
        self.documents(app.id)
        ca.request_signing_code(s, app.id)
        ca.submit(s, app.id, self.code(self.company.legal_person_phone))
        return app.id

    def tamper(self, app_id: int) -> None:
        """A document changed after signing (as an attacker with database access would)."""
        from sqlalchemy import select

        from mobileca_desktop.ca.db import DocumentRow

        with self.services.engine.store.tx() as db:
            doc = db.execute(
                select(DocumentRow).where(
                    DocumentRow.application_id == app_id, DocumentRow.kind == "licence"
                )
            ).scalar()
            doc.sha256 = "0" * 64


def beside(left: QWidget, right: QWidget) -> QPixmap:
    """Two windows side by side on a neutral desk, as a trainer arranges them."""
    a, b = left.grab(), right.grab()
    ra, rb = a.devicePixelRatio(), b.devicePixelRatio()
    gap = 24
    w = int(a.width() / ra + b.width() / rb + 3 * gap)
    h = int(max(a.height() / ra, b.height() / rb) + 2 * gap)
    out = QPixmap(int(w * ra), int(h * ra))
    out.setDevicePixelRatio(ra)
    out.fill(QColor("#D9DEE5"))
    p = QPainter(out)
    p.drawPixmap(QPoint(gap, gap), a)
    p.drawPixmap(QPoint(int(2 * gap + a.width() / ra), gap), b)
    p.end()
    return out


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    previous = i18n.language()
    lang = i18n.install(app, lang)
    suffix = "" if lang == i18n.ZH else "-en"
    out_dir.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []

    def save(pix: QPixmap, name: str) -> None:
        path = out_dir / f"reviewer-{name}{suffix}.png"
        pix.save(str(path))
        taken.append(path)

    def settle() -> None:
        shared.settle(app, rounds=30)

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            ctx = AppContext(
                ca=services.ca,
                inbox=services.inbox,
                review=services.review,
                clock=services.clock,
                device="trainer-pc",
            )
            window = MainWindow()
            window.show()
            window.attach(ctx)
            window.logged_in(seed.legal, services.ca.me(seed.legal))
            window.open_certificates()
            settle()

            window.open_reviewer()
            reviewer = window.findChild(ReviewerWindow)
            assert reviewer is not None
            settle()
            reviewer.select(seed.by_agent)
            settle()
            save(reviewer.grab(), "application")
            reviewer.detail_scroll.verticalScrollBar().setValue(
                reviewer.detail_scroll.verticalScrollBar().maximum()
            )
            settle()
            save(reviewer.grab(), "documents")

            reviewer.select(seed.tampered)
            settle()
            save(reviewer.grab(), "tampered")

            reviewer.select(seed.letter)
            settle()
            bar = reviewer.detail_scroll.verticalScrollBar()
            bar.setValue(bar.maximum())
            reviewer.act("rejectLetterButton", needs_reason=True)  # no reason: refused here
            settle()
            save(reviewer.grab(), "letter")

            reviewer.select(seed.by_agent)
            settle()
            reviewer.act("approveButton", needs_reason=False)
            settle()
            window.toast.hide()
            save(beside(reviewer, window), "approved")
            reviewer.close()

            # The demo clock: 400 days on, log in again, 证书管理 shows 已过期.
            window.open_clock()
            dialog = window.findChild(ClockDialog)
            assert dialog is not None
            settle()
            dialog.advance(dialog.days.value())
            settle()
            again = services.ca.login(AccountKind.LEGAL, seed.company.uscc, PASSWORD)
            window.logged_in(again, services.ca.me(again))
            window.open_certificates()
            settle()
            window.toast.hide()
            save(beside(window, dialog), "clock")
            dialog.reset()
            settle()
            dialog.close()
            window.close()
            settle()
        finally:
            services.close()
            i18n.install(app, previous)
    return taken


if __name__ == "__main__":
    lang_arg = sys.argv[1] if len(sys.argv) > 1 else "zh_CN"
    for path in render(ROOT / "docs" / "screenshots", lang_arg):
        print(path)
