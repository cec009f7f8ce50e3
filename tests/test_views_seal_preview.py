"""所见即所签 on the confirm page: the seal drawn on the page preview lands exactly where the
seal is drawn in the sealed PDF (rendered by the same PDF engine), for odd pages (CropBox,
rotation); the user drags it and picks the page, and it stays on the page."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pdf_corpus import CORPUS
from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from mobileca_desktop.crypto import pdfcheck
from mobileca_desktop.services import pdfseal
from mobileca_desktop.services.scan_api import ScanOperation, ScanPrompt, ScanRequest
from mobileca_desktop.views.scan.seal_preview import SealPlacer

WAIT = 10_000


def _seal_image_png() -> bytes:
    """Red, with a blue top-left quarter: shows position and which way it is turned."""
    img = Image.new("RGBA", (80, 80), (255, 0, 0, 255))
    img.paste((0, 0, 255, 255), (0, 0, 40, 40))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def _prompt(pdf: bytes, png: bytes) -> ScanPrompt:
    request = ScanRequest(
        version=1,
        operation=ScanOperation.SEAL,
        platform_id="p",
        platform_name="平台",
        origin="http://127.0.0.1:1",
        session_ref="s" * 16,
        callback_url="http://127.0.0.1:1/cb",
        nonce="n" * 22,
        expires_at=dt.datetime.now(dt.UTC),
    )
    pages = pdfcheck.measure(pdf).pages
    return ScanPrompt(
        request=request,
        summary="签章",
        document=pdf,
        document_name="x.pdf",
        seal_image=png,
        seal_pages=pages,
        seal_page=1,
        seal_box=pages[0].default_box(),
    )


def _signer():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "t")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    return pdfseal.KeystoreSigner(lambda d: key.sign(d, ec.ECDSA(hashes.SHA256())), cert)


def _load(qtbot, pdf: bytes, parent) -> QPdfDocument:
    data = QByteArray(pdf)
    buffer = QBuffer(data, parent)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    doc = QPdfDocument(parent)
    doc.load(buffer)
    parent._keep = (data, buffer)
    qtbot.waitUntil(lambda: doc.status() == QPdfDocument.Status.Ready, timeout=WAIT)
    return doc


def _bbox(image: QImage, colour: str):
    """The bounding box (x1, y1, x2, y2) of the strongly red or blue pixels."""
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    xs, ys = [], []
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            c = image.pixelColor(x, y)
            r, g, b = c.red(), c.green(), c.blue()
            hit = (
                (r > 200 and g < 60 and b < 60)
                if colour == "red"
                else (b > 200 and r < 60 and g < 60)
            )
            if hit:
                xs.append(x)
                ys.append(y)
    assert xs, f"no {colour} pixels"
    return min(xs), min(ys), max(xs), max(ys)


def _poppler(pdf: bytes, page: int, scale: float, tmp_path) -> QImage:
    src = tmp_path / "sealed.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        [
            *("pdftoppm", "-png", "-cropbox", "-singlefile", "-f", str(page), "-l", str(page)),
            *("-r", f"{72 * scale:.4f}", str(src), str(tmp_path / "page")),
        ],
        check=True,
        timeout=60,
    )
    return QImage(str(tmp_path / "page.png"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is needed")
@pytest.mark.parametrize(
    "case", ["plain", "rotate_90", "rotate_180_cropped", "rotate_270_inherited", "negative_origin"]
)
def test_the_seal_on_the_preview_is_where_the_sealed_pdf_shows_it(qtbot, case, tmp_path):
    pdf = CORPUS[case][0]()
    png = _seal_image_png()
    from PySide6.QtWidgets import QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    doc = _load(qtbot, pdf, holder)
    placer = SealPlacer(doc, _prompt(pdf, png), holder)
    canvas = placer.canvas
    qtbot.waitUntil(canvas.rendered, timeout=WAIT)
    preview = canvas.grab().toImage()
    shown_red, shown_blue = _bbox(preview, "red"), _bbox(preview, "blue")

    page, box = placer.placement()
    sealed = pdfseal.seal_pdf(pdf, _signer(), pdfseal.SealPlacement(page, box), png)
    # The sealed file as another PDF engine (poppler) shows it, at the preview's size.
    rendered = _poppler(sealed, page, canvas.scale(), tmp_path)
    assert abs(rendered.height() - canvas.height()) <= 1
    real_red, real_blue = _bbox(rendered, "red"), _bbox(rendered, "blue")
    # the same place, the same size, turned the same way (within 3 pixels)
    assert all(abs(a - b) <= 3 for a, b in zip(shown_red, real_red, strict=True)), (
        shown_red,
        real_red,
    )
    assert all(abs(a - b) <= 3 for a, b in zip(shown_blue, real_blue, strict=True)), (
        shown_blue,
        real_blue,
    )


def test_the_user_drags_the_seal_and_picks_the_page_and_it_stays_on_the_page(qtbot):
    pdf = CORPUS["three_pages_inherited_mediabox"][0]()
    from PySide6.QtWidgets import QWidget

    holder = QWidget()
    qtbot.addWidget(holder)
    doc = _load(qtbot, pdf, holder)
    prompt = _prompt(pdf, _seal_image_png())
    placer = SealPlacer(doc, prompt, holder)
    canvas = placer.canvas
    qtbot.waitUntil(canvas.rendered, timeout=WAIT)
    start_page, start_box = placer.placement()
    centre = canvas.seal_rect().center().toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, centre - QPoint(150, 300))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=centre - QPoint(150, 300))
    page, box = placer.placement()
    assert page == start_page and box != start_box
    assert box[0] < start_box[0] and box[1] > start_box[1]  # left and up (PDF y grows up)
    # dragged far beyond the corner: stops at the page's edge
    centre = canvas.seal_rect().center().toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseMove(canvas, QPoint(-500, -900))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(-500, -900))
    area = prompt.seal_pages[0]
    page, box = placer.placement()
    assert area.contains(box) and box[0] == pytest.approx(area.crop[0], abs=1)
    # arrow keys move it too (keyboard users)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert placer.placement()[1][0] > box[0]
    # another page: the seal goes to that page's default place
    placer.page_spin.setValue(3)
    page, box = placer.placement()
    assert page == 3 and prompt.seal_pages[2].contains(box)
    assert "第 3 页" in placer.where.text()
    qtbot.waitUntil(canvas.rendered, timeout=WAIT)
