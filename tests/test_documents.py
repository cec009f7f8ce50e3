"""Tests for content-based upload validation in ``ca.documents``."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from mobileca_desktop.ca.documents import (
    ValidatedDocument,
    image_to_bgr,
    sniff_mime,
    validate_document,
)
from mobileca_desktop.domain.errors import DocumentBomb, DocumentTooLarge, DocumentUnsupported


def _image_bytes(fmt: str, size=(64, 48), colour=(200, 30, 10)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def _png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG header for an RGB image of the given size, with tiny pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
        + _png_chunk(b"IEND", b"")
    )


def _hand_written_pdf(pages: int = 1) -> bytes:
    """A minimal but valid PDF with a correct cross-reference table."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def test_png_accepted():
    data = _image_bytes("PNG")
    doc = validate_document(data, "id-front.png")
    assert doc == ValidatedDocument(
        mime="image/png",
        width=64,
        height=48,
        pages=None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_jpeg_accepted_whatever_its_name():
    data = _image_bytes("JPEG", size=(640, 400))
    doc = validate_document(data, "licence.pdf")
    assert (doc.mime, doc.width, doc.height, doc.pages) == ("image/jpeg", 640, 400, None)


def test_hand_written_pdf_accepted():
    doc = validate_document(_hand_written_pdf(), "letter.pdf")
    assert (doc.mime, doc.pages, doc.width, doc.height) == ("application/pdf", 1, None, None)


def test_multi_page_pdf_counts_pages():
    assert validate_document(_hand_written_pdf(3), "letter.pdf").pages == 3
    buf = io.BytesIO()
    first, *rest = [Image.new("RGB", (200, 280), "white") for _ in range(4)]
    first.save(buf, format="PDF", save_all=True, append_images=rest)
    assert validate_document(buf.getvalue(), "scan.pdf").pages == 4


def test_pdf_without_pages_refused():
    with pytest.raises(DocumentUnsupported):
        validate_document(_hand_written_pdf(0), "empty.pdf")


def test_pdf_refused_when_not_allowed():
    with pytest.raises(DocumentUnsupported):
        validate_document(_hand_written_pdf(), "face.pdf", allow_pdf=False)


def test_garbage_after_pdf_header_refused():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40
    with pytest.raises(DocumentUnsupported):
        validate_document(data, "fake.pdf")


def test_renamed_text_file_refused():
    with pytest.raises(DocumentUnsupported) as info:
        validate_document("营业执照\nnot really a scan\n".encode(), "licence.jpg")
    assert info.value.params["filename"] == "licence.jpg"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP", "TIFF"])
def test_other_image_formats_refused(fmt):
    with pytest.raises(DocumentUnsupported):
        validate_document(_image_bytes(fmt), f"photo.{fmt.lower()}")


def test_truncated_png_refused():
    rng = np.random.default_rng(0)
    noisy = Image.fromarray(rng.integers(0, 256, (200, 200, 3), dtype=np.uint8))
    buf = io.BytesIO()
    noisy.save(buf, format="PNG")
    data = buf.getvalue()
    with pytest.raises(DocumentUnsupported):
        validate_document(data[: len(data) // 2], "cut.png")


def test_truncated_jpeg_refused():
    data = _image_bytes("JPEG", size=(400, 300))
    with pytest.raises(DocumentUnsupported):
        validate_document(data[: len(data) // 2], "cut.jpg")


def test_truncation_refused_even_if_pillow_is_told_to_allow_it(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    png = _image_bytes("PNG", size=(300, 200))
    jpeg = _image_bytes("JPEG", size=(300, 200))
    for data, name in ((png[: len(png) - 20], "cut.png"), (jpeg[: len(jpeg) // 2], "cut.jpg")):
        with pytest.raises(DocumentUnsupported):
            validate_document(data, name)


def test_magic_only_refused():
    for data in (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"%PDF-", b""):
        with pytest.raises(DocumentUnsupported):
            validate_document(data, "tiny")


def test_too_large_refused_before_anything_else():
    data = b"\x00" * (10 * 1024 * 1024 + 1)  # not even an image: size is checked first
    with pytest.raises(DocumentTooLarge) as info:
        validate_document(data, "huge.png")
    assert info.value.params["size"] == len(data)
    assert info.value.params["limit"] == 10 * 1024 * 1024


def test_max_bytes_is_configurable():
    data = _image_bytes("PNG")
    with pytest.raises(DocumentTooLarge):
        validate_document(data, "a.png", max_bytes=len(data) - 1)
    assert validate_document(data, "a.png", max_bytes=len(data)).size == len(data)


def test_png_bomb_refused_quickly():
    data = _png_claiming(100_000, 100_000)
    assert len(data) < 200
    started = time.perf_counter()
    with pytest.raises(DocumentBomb) as info:
        validate_document(data, "bomb.png")
    # Decoding 10^10 RGB pixels would need 30 GB; refusing from the header takes no time.
    assert time.perf_counter() - started < 1.0
    assert info.value.params["pixels"] == 10**10
    assert info.value.params["limit"] == 40_000_000


def test_jpeg_bomb_refused():
    data = bytearray(_image_bytes("JPEG", size=(32, 32)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 60_000, 60_000)  # height, width
    with pytest.raises(DocumentBomb):
        validate_document(bytes(data), "bomb.jpg")


def test_bomb_limit_does_not_depend_on_pillow_global(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(DocumentBomb):
        validate_document(_png_claiming(100_000, 100_000), "bomb.png")
    with pytest.raises(DocumentBomb):
        validate_document(_png_claiming(8000, 8000), "bomb.png")


def test_allowed_image_not_refused_by_small_pillow_global(monkeypatch, recwarn):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    doc = validate_document(_image_bytes("PNG", size=(300, 200)), "a.png")
    assert doc.width == 300
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_max_pixels_is_configurable():
    data = _image_bytes("PNG", size=(100, 100))
    with pytest.raises(DocumentBomb):
        validate_document(data, "a.png", max_pixels=9_999)
    assert validate_document(data, "a.png", max_pixels=10_000).width == 100


def test_sniff_mime():
    assert sniff_mime(_image_bytes("PNG")) == "image/png"
    assert sniff_mime(_image_bytes("JPEG")) == "image/jpeg"
    assert sniff_mime(_hand_written_pdf()) == "application/pdf"
    assert sniff_mime(_image_bytes("GIF")) is None


def test_image_to_bgr():
    array = image_to_bgr(_image_bytes("PNG", size=(64, 48), colour=(200, 30, 10)))
    assert array.shape == (48, 64, 3)
    assert array.dtype == np.uint8
    assert tuple(array[10, 10]) == (10, 30, 200)  # blue, green, red
    with pytest.raises(DocumentUnsupported):
        image_to_bgr(b"not an image")
