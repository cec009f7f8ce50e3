"""What scripts/screenshots.py and scripts/shots/*.py share (not a shots module: its name
starts with "_", so scripts/screenshots.py does not render it).

Importing it sets QT_QPA_PLATFORM=offscreen (unless set) and puts the repository on
sys.path. It offers: a throw-away local CA (``open_services``) with the demo company and
person (``demo_company``, ``demo_person``), applications by letter of authorisation applied
for and approved (``apply``, ``issue``), the SMS codes of the phone inbox (``inbox_code``),
waiting for background work (``settle``), the main window on a local CA (``main_window``),
pictures of dialogs and windows (``over``, ``side_by_side``), PNG files (``Saver``) and
Qt-drawn documents (``jpeg``, ``pdf``, ``drawn_documents``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QThread  # noqa: E402
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from mobileca_desktop.ca import idcheck  # noqa: E402
from mobileca_desktop.ca.engine import EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
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
FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Sans Serif"]

#: A document to upload: its bytes and file name, for each kind an application needs.
Documents = Callable[[DocKind], tuple[bytes, str]]
#: The file type and caption of each plain (PIL-drawn) document: letter.pdf, licence.pdf,
#: front.jpg, back.jpg.
CAPTIONS = {
    DocKind.LETTER: ("pdf", "letter"),
    DocKind.LICENCE: ("pdf", "licence"),
    DocKind.ID_FRONT: ("jpg", "front"),
    DocKind.ID_BACK: ("jpg", "back"),
}


def cheap_engine() -> EngineConfig:
    """Fast password hashing, a small key pool filled in the foreground."""
    return EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False)


def open_services(folder: Path, passphrase: str) -> LocalServices:
    """A throw-away local CA in ``folder`` (its key protected by a passphrase file)."""
    secret = folder / "passphrase"
    secret.write_text(passphrase)
    return LocalServices.open(folder / "ca", PassphraseFileSecret(secret), cheap_engine())


def demo_company(rng: random.Random) -> LegalEntityRegistration:
    return LegalEntityRegistration(
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


def demo_person(rng: random.Random) -> PersonalRegistration:
    """李经办, the company's agent."""
    return PersonalRegistration(
        name="李经办",
        id_number=idcheck.make_id_number(rng, dt.date(1990, 6, 2)),
        phone="13935100002",
        password=PASSWORD,
    )


def inbox_code(services: LocalServices, phone: str) -> str:
    return next(m.code for m in services.inbox.messages(phone) if m.code)


def apply(
    services: LocalServices,
    session,
    kind: CertKind,
    documents: Documents,
    phone: str,
    *,
    op=None,
    submit: bool = True,
) -> int:
    """An application by the legal person with a letter of authorisation, accepted, with
    its documents and submitted (signed with the code sent to ``phone``); with
    ``submit=False`` only the letter is uploaded. Returns the application's id."""
    ca, review = services.ca, services.review
    op = op if op is not None else review.operator_session()
    app = ca.create_application(session, kind, "bjca")
    ca.set_method(session, app.id, Method.LETTER)
    ca.set_handler(session, app.id, Handler.LEGAL_PERSON)
    ca.upload_document(session, app.id, DocKind.LETTER, *documents(DocKind.LETTER))
    if not submit:
        return app.id
    review.accept_letter(op, app.id)
    upload_documents(services, session, app.id, documents)
    ca.request_signing_code(session, app.id)
    ca.submit(session, app.id, inbox_code(services, phone))
    return app.id


def upload_documents(services: LocalServices, session, app_id: int, documents: Documents) -> None:
    """The licence and both sides of the ID card."""
    for kind in (DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK):
        services.ca.upload_document(session, app_id, kind, *documents(kind))


def issue(
    services: LocalServices, session, kind: CertKind, documents: Documents, phone: str
) -> int:
    """``apply``, then approved: returns the certificate's id."""
    op = services.review.operator_session()
    app_id = apply(services, session, kind, documents, phone, op=op)
    services.review.approve(op, app_id)
    return services.ca.get_application(session, app_id).certificate_id


def settle(
    app: QApplication,
    rounds: int = 12,
    until: Callable[[], bool] | None = None,
    timeout: float = 30,
    *,
    and_idle: bool = False,
) -> None:
    """Run the event loop until no background work runs (or, given ``until``, until it
    holds; with ``and_idle`` both), at most ``timeout`` seconds, then ``rounds`` more."""

    def done() -> bool:
        if until is None:
            return BackgroundOp.idle()
        return until() and (not and_idle or BackgroundOp.idle())

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        app.processEvents()
        QThread.msleep(10)
    for _ in range(rounds):
        app.processEvents()
        QThread.msleep(5)


def main_window(
    services: LocalServices,
    device: str,
    window: MainWindow | None = None,
    *,
    session=None,
    **extra,
) -> MainWindow:
    """The real window (or ``window``), shown, on the local CA (``extra``: more of
    AppContext), logged in to ``session`` if given."""
    ctx = AppContext(
        ca=services.ca,
        inbox=services.inbox,
        review=services.review,
        clock=services.clock,
        device=device,
        **extra,
    )
    window = window if window is not None else MainWindow()
    window.show()
    window.attach(ctx)
    if session is not None:
        window.logged_in(session, services.ca.me(session))
    return window


def over(window: QWidget, dialog: QWidget, dim: int = 70) -> QPixmap:
    """The window dimmed, with the dialog in its middle (what the user sees)."""
    base = window.grab()
    top = dialog.grab()
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, dim))
    r_base, r_top = base.devicePixelRatio(), top.devicePixelRatio()
    x = (base.width() / r_base - top.width() / r_top) / 2
    y = (base.height() / r_base - top.height() / r_top) / 2
    painter.drawPixmap(QPoint(int(x), int(y)), top)
    painter.end()
    return base


def side_by_side(left: QPixmap, right: QPixmap, desk: str, gap: int = 24) -> QPixmap:
    """Two windows side by side on a neutral desk of colour ``desk``."""
    ra, rb = left.devicePixelRatio(), right.devicePixelRatio()
    w = int(left.width() / ra + right.width() / rb + 3 * gap)
    h = int(max(left.height() / ra, right.height() / rb) + 2 * gap)
    out = QPixmap(int(w * ra), int(h * ra))
    out.setDevicePixelRatio(ra)
    out.fill(QColor(desk))
    p = QPainter(out)
    p.drawPixmap(QPoint(gap, gap), left)
    p.drawPixmap(QPoint(int(2 * gap + left.width() / ra), gap), right)
    p.end()
    return out


def suffix(lang: str) -> str:
    """What English file names end with (before .png)."""
    return "" if lang == i18n.ZH else "-en"


class Saver:
    """Saves pixmaps as ``out_dir/<pattern with name>.png`` and lists them in ``taken``."""

    def __init__(self, out_dir: Path, pattern: str = "{name}") -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.out_dir = out_dir
        self.pattern = pattern
        self.taken: list[Path] = []

    def __call__(self, pix: QPixmap, name: str) -> Path:
        path = self.out_dir / f"{self.pattern.format(name=name)}.png"
        pix.save(str(path))
        self.taken.append(path)
        return path


def _font() -> QFont:
    font = QFont()
    font.setFamilies(FONTS)
    return font


def jpeg(title: str) -> bytes:
    """A plain document photo with a Chinese caption, drawn by Qt."""
    img = QImage(640, 400, QImage.Format.Format_RGB32)
    img.fill(QColor("#EEF3FA"))
    p = QPainter(img)
    p.setPen(QColor("#1F2329"))
    font = _font()
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
    """An A4 PDF with a Chinese title, drawn by Qt."""
    from PySide6.QtGui import QPageSize, QPdfWriter

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    p = QPainter(writer)
    font = _font()
    font.setPointSize(28)
    p.setFont(font)
    p.drawText(600, 1400, title)
    p.end()
    buf.close()
    return bytes(data.data())


def drawn_documents(letter_title: str, front: str, back: str) -> Documents:
    """Qt-drawn documents: a letter of authorisation titled ``letter_title`` (授权书.pdf),
    the licence (营业执照.pdf) and the ID card's sides (file names ``front``, ``back``)."""
    drawn = {
        DocKind.LETTER: lambda: (pdf(letter_title), "授权书.pdf"),
        DocKind.LICENCE: lambda: (pdf("营业执照"), "营业执照.pdf"),
        DocKind.ID_FRONT: lambda: (jpeg("身份证人像面"), front),
        DocKind.ID_BACK: lambda: (jpeg("身份证国徽面"), back),
    }
    return lambda kind: drawn[kind]()
