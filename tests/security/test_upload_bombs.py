"""Attack: uploads that cost the CA server memory and time: a 40-megapixel PNG sent to someone
else's application, many big photos at once, a PDF whose content streams inflate to
hundreds of MiB.

The engine checks that the caller owns the (draft) application before anything is decoded,
reads the pixel count from the image header, decodes under a bounded semaphore
(``EngineConfig.decode_slots``) and inflates every stream of a PDF under a budget.
"""

from __future__ import annotations

import base64
import struct
import threading
import time
import zlib

import httpx
import pytest
from conftest import PASSWORD, jpeg_bytes, pdf_bytes
from sqlalchemy import func, select

from mobileca_desktop.ca import documents
from mobileca_desktop.ca.db import DocumentRow
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
)
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

MiB = 1024 * 1024


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def _png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A PNG of ``width`` x ``height`` black RGB pixels, compressed row by row (a
    40-megapixel one is ~120 KiB but 120 MiB once decoded); ``rows`` cuts the pixel data
    short (only the header tells the size)."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)
    count = height if rows is None else rows
    idat = b"".join(comp.compress(row) for _ in range(count)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def png_40mp() -> bytes:
    return _png(8000, 5000)


def _pdf(content: bytes, *, filters: str = "/FlateDecode", extra: bytes = b"") -> bytes:
    """A one-page PDF whose page content stream is ``content`` (already encoded)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(content), filters.encode())
        + content
        + b"\nendstream",
        extra
        or b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace"
        b" /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream",
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _deflated_spaces(size: int) -> bytes:
    comp = zlib.compressobj(9)
    block = b" " * MiB
    return b"".join(comp.compress(block) for _ in range(size // MiB)) + comp.flush()


@pytest.fixture
def victim_and_attacker(services, company, people):
    """The victim's draft (face method, legal person as handler) and an attacker's session."""
    reg, victim = company
    app = services.ca.create_application(victim, CertKind.UNIT, "bjca")
    services.ca.set_method(victim, app.id, Method.FACE)
    services.ca.set_handler(victim, app.id, Handler.LEGAL_PERSON)
    evil = LegalEntityRegistration(
        "攻击测试公司", people.uscc(), "山西省", "太原市", "中国银行",
        "6222020200000000009", "钱九", people.id_number(1980), people.phone(), PASSWORD,
    )  # fmt: skip
    services.ca.register_legal(evil)
    attacker = services.ca.login(AccountKind.LEGAL, evil.uscc, PASSWORD)
    return app.id, victim, attacker


def _documents(services) -> int:
    with services.engine.store.read() as s:
        return s.execute(select(func.count()).select_from(DocumentRow)).scalar_one()


class _Decodes:
    """Counts full decodes (and the most at once) by wrapping documents.validate_document."""

    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()
        real = documents.validate_document

        def counted(*args, **kwargs):
            with self._lock:
                self.calls += 1
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                return real(*args, **kwargs)
            finally:
                with self._lock:
                    self.now -= 1

        monkeypatch.setattr(documents, "validate_document", counted)


def test_a_40_megapixel_png_to_someone_elses_application_is_refused_in_milliseconds(
    services, victim_and_attacker, png_40mp, monkeypatch
):
    app_id, _victim, attacker = victim_and_attacker
    decodes = _Decodes(monkeypatch)
    with ThreadedServer(create_app(services.engine, ServerConfig())) as server:
        headers = {"Authorization": f"Bearer {attacker.token}"}
        body = {"photo": base64.b64encode(png_40mp).decode(), "filename": "big.png"}
        doc = {"kind": "id_front", "data": body["photo"], "filename": "big.png"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            http.get("/healthz")  # the connection is open before the clock starts
            for path, payload in (
                (f"/api/v1/applications/{app_id}/face", body),
                (f"/api/v1/applications/{app_id}/documents", doc),
            ):
                started = time.perf_counter()
                r = http.post(path, json=payload)
                elapsed = time.perf_counter() - started
                assert r.status_code == 404 and r.json()["code"] == "not_found", r.text
                assert elapsed < 0.5, f"{path}: {elapsed:.3f} s"
    assert decodes.calls == 0
    assert _documents(services) == 0


def test_the_pixel_count_is_read_from_the_header_before_any_decode(
    services, victim_and_attacker, monkeypatch
):
    app_id, victim, _attacker = victim_and_attacker
    decodes = _Decodes(monkeypatch)
    claims_10_gigapixels = _png(100_000, 100_000, rows=1)
    started = time.perf_counter()
    with pytest.raises(E.DocumentBomb):
        services.ca.verify_face(victim, app_id, claims_10_gigapixels, "bomb.png")
    with pytest.raises(E.DocumentBomb):
        services.ca.upload_document(victim, app_id, DocKind.ID_FRONT, claims_10_gigapixels, "b")
    assert time.perf_counter() - started < 0.5
    assert decodes.calls == 0


def test_concurrent_uploads_decode_at_most_decode_slots_at_once(
    services, victim_and_attacker, monkeypatch
):
    app_id, victim, _attacker = victim_and_attacker
    slots = services.engine.config.decode_slots
    decodes = _Decodes(monkeypatch)
    photo = jpeg_bytes("front", size=(2400, 1600))
    errors: list[Exception] = []

    def upload() -> None:
        try:
            services.ca.upload_document(victim, app_id, DocKind.ID_FRONT, photo, "front.jpg")
        except Exception as exc:  # collected and shown below
            errors.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert decodes.calls == 8
    assert 1 <= decodes.most <= slots


def test_a_pdf_whose_content_stream_inflates_to_hundreds_of_mib_is_refused(
    services, victim_and_attacker
):
    app_id, victim, _attacker = victim_and_attacker
    payload = _deflated_spaces(300 * MiB)
    bomb = _pdf(payload)
    assert len(bomb) < 1 * MiB  # small on the wire
    started = time.perf_counter()
    with pytest.raises(E.PdfBomb) as info:
        services.ca.upload_document(victim, app_id, DocKind.LICENCE, bomb, "licence.pdf")
    assert info.value.params["limit"] == documents.DEFAULT_MAX_INFLATED
    assert time.perf_counter() - started < 10
    # Hidden in a second stream that only the page's resources reach: refused the same.
    image_bomb = (
        b"<< /Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
    )
    hidden = _pdf(zlib.compress(b"q Q"), extra=image_bomb % len(payload) + payload + b"\nendstream")
    with pytest.raises(E.PdfBomb):
        services.ca.upload_document(victim, app_id, DocKind.LICENCE, hidden, "licence.pdf")
    # A JPEG image that claims a billion pixels is refused by its size, not decoded.
    huge_jpeg = (
        b"<< /Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace"
        b" /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length 4 >>\nstream\n"
        b"\xff\xd8\xff\xd9\nendstream"
    )
    with pytest.raises(E.DocumentBomb):
        services.ca.upload_document(
            victim, app_id, DocKind.LICENCE, _pdf(zlib.compress(b"q Q"), extra=huge_jpeg), "x"
        )
    assert _documents(services) == 0
    # Ordinary PDFs still pass: a small deflated page, and a scan (DCT image) from Pillow.
    services.ca.upload_document(
        victim, app_id, DocKind.LICENCE, _pdf(_deflated_spaces(4 * MiB)), "licence.pdf"
    )
    services.ca.upload_document(victim, app_id, DocKind.LICENCE, pdf_bytes("营业执照"), "l.pdf")
    assert _documents(services) == 1
