"""Screenshots of the trainer's tools: the CA 审核台 window (an application handled by an
agent with its documents and a valid 电子签名, a tampered one, a letter of authorisation
refused without a reason) and the demo clock moved 400 days with 证书管理 showing 已过期.

``render(out_dir, lang)`` seeds a throw-away local CA, drives the real windows and returns
the PNGs it wrote (``reviewer-*.png``; ``reviewer-*-en.png`` for English).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QWidget

from mobileca_desktop.app import application
from mobileca_desktop.ca import idcheck
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    Handler,
    Method,
)
from mobileca_desktop.views import i18n
from mobileca_desktop.views.reviewer.clock_dialog import ClockDialog
from mobileca_desktop.views.reviewer.reviewer_window import ReviewerWindow

ROOT = _support.ROOT
PASSWORD = _support.PASSWORD
document = _support.drawn_documents("授权书（加盖公章）", "正面.jpg", "反面.jpg")


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
        self.services = _support.open_services(folder, "reviewer-shots-passphrase-0123456789")
        rng = random.Random(9)
        ca = self.services.ca
        self.company = _support.demo_company(rng)
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
        return _support.inbox_code(self.services, phone)

    def agent_app(self) -> int:
        ca, s = self.services.ca, self.legal
        app = ca.create_application(s, CertKind.UNIT, "bjca")
        ca.set_method(s, app.id, Method.FACE)
        ca.set_handler(s, app.id, Handler.AGENT, self.agent)
        ca.verify_face(s, app.id, portrait(), "face.jpg")
        ca.confirm_auth_code(s, app.id, self.code(self.company.legal_person_phone))
        _support.upload_documents(self.services, s, app.id, document)
        ca.request_signing_code(s, app.id)
        ca.submit(s, app.id, self.code(self.agent.phone))
        return app.id

    def letter_app(self, kind: CertKind, *, submit: bool) -> int:
        phone = self.company.legal_person_phone
        return _support.apply(
            self.services, self.legal, kind, document, phone, op=self.op, submit=submit
        )

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
    return _support.side_by_side(left.grab(), right.grab(), "#D9DEE5")


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    previous = i18n.language()
    lang = i18n.install(app, lang)
    save = _support.Saver(out_dir, "reviewer-{name}" + _support.suffix(lang))

    def settle() -> None:
        _support.settle(app, rounds=30)

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            window = _support.main_window(services, "trainer-pc", session=seed.legal)
            window.open_certificates()
            settle()

            window.open_reviewer()
            reviewer = window.findChild(ReviewerWindow)
            assert reviewer is not None
            reviewer.enter_as_operator()
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
    return save.taken


if __name__ == "__main__":
    lang_arg = sys.argv[1] if len(sys.argv) > 1 else "zh_CN"
    for path in render(ROOT / "docs" / "screenshots", lang_arg):
        print(path)
