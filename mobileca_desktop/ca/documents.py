"""Validation of uploaded application documents (ID card photos, licences, letters).

Files are judged by their content, never by their name or claimed MIME type: the magic
bytes pick a parser, and the parser must really read the file. Images are decoded in
full (with a pixel budget checked before any pixel is allocated); PDFs are parsed with
pyHanko, which applies its decode limits for untrusted input, and must have a page.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin

from mobileca_desktop.domain.errors import DocumentBomb, DocumentTooLarge, DocumentUnsupported

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PDF_MAGIC = b"%PDF-"

# The plugin classes are used instead of Image.open(): Image.open() applies the
# process-wide Image.MAX_IMAGE_PIXELS, which other code may change (or set to None). The
# classes only parse the header, so the size is known before anything is decoded and our
# own ``max_pixels`` is the one limit that applies.
_IMAGE_PARSERS: dict[str, tuple[type[ImageFile.ImageFile], str]] = {
    "image/png": (PngImagePlugin.PngImageFile, "PNG"),
    "image/jpeg": (JpegImagePlugin.JpegImageFile, "JPEG"),
}


@dataclass(frozen=True)
class ValidatedDocument:
    """What was found in an accepted upload."""

    mime: str
    width: int | None
    height: int | None
    pages: int | None
    size: int
    sha256: str


def sniff_mime(data: bytes) -> str | None:
    """Return the MIME type the magic bytes announce (JPEG, PNG, PDF) or None."""
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(_PDF_MAGIC):
        return "application/pdf"
    return None


def validate_document(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allow_pdf: bool = True,
) -> ValidatedDocument:
    """Accept a JPEG, PNG or (if ``allow_pdf``) PDF upload, or raise a ``DocumentRejected``.

    ``filename`` is only used in error messages.
    """
    size = len(data)
    if size > max_bytes:
        raise DocumentTooLarge(filename=filename, size=size, limit=max_bytes)
    mime = sniff_mime(data)
    if mime is None or (mime == "application/pdf" and not allow_pdf):
        raise DocumentUnsupported(filename=filename)
    digest = hashlib.sha256(data).hexdigest()
    if mime == "application/pdf":
        pages = _count_pdf_pages(data, filename)
        return ValidatedDocument(mime, None, None, pages, size, digest)
    width, height = _decode_image(data, filename, mime, max_pixels)
    return ValidatedDocument(mime, width, height, None, size, digest)


def _decode_image(data: bytes, filename: str, mime: str, max_pixels: int) -> tuple[int, int]:
    parser, fmt = _IMAGE_PARSERS[mime]
    pixels: int | None = None
    try:
        with parser(io.BytesIO(data)) as im:
            if im.format != fmt:
                raise DocumentUnsupported(filename=filename)
            width, height = im.size
            pixels = width * height
            if pixels > max_pixels:
                raise DocumentBomb(filename=filename, pixels=pixels, limit=max_pixels)
            if pixels == 0:
                raise DocumentUnsupported(filename=filename)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Only reachable if Pillow checks again somewhere (the warning when a caller's
        # warnings filter turns it into an error); it is still a bomb to the user.
        raise DocumentBomb(
            filename=filename, pixels=pixels if pixels is not None else -1, limit=max_pixels
        ) from None
    except (DocumentBomb, DocumentUnsupported):
        raise
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError):
        # Pillow reports truncated and garbage data through all of these.
        raise DocumentUnsupported(filename=filename) from None
    # Pillow accepts cut-off files when ImageFile.LOAD_TRUNCATED_IMAGES is set somewhere in
    # the process; a missing end marker (PNG IEND chunk, JPEG EOI) gives them away anyway.
    end_marker = b"IEND" if mime == "image/png" else b"\xff\xd9"
    if data.rfind(end_marker) < 2:
        raise DocumentUnsupported(filename=filename)
    return width, height


def _count_pdf_pages(data: bytes, filename: str) -> int:
    # Imported here: pyHanko is heavy and only PDFs need it.
    from pyhanko.pdf_utils.crypt.api import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        # Reviewers must be able to open the file; an owner-password-only PDF opens with
        # the empty user password, anything else is unreadable to them.
        if reader.encrypted and reader.decrypt(b"").status == AuthStatus.FAILED:
            raise DocumentUnsupported(filename=filename)
        count = int(reader.root["/Pages"]["/Count"])
        if count < 1:
            raise DocumentUnsupported(filename=filename)
        # /Count is only a claim; walking to the first and last page proves the page tree.
        reader.find_page_for_modification(0)
        reader.find_page_for_modification(count - 1)
    except DocumentUnsupported:
        raise
    except Exception:  # any parser failure means "not a readable PDF"
        raise DocumentUnsupported(filename=filename) from None
    return count


def image_to_bgr(data: bytes, filename: str = "image") -> np.ndarray:
    """Decode JPEG/PNG bytes into an OpenCV BGR array (EXIF orientation applied)."""
    import cv2  # here, not with the engine: OpenCV and NumPy take ~0.3 s to import
    import numpy as np

    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        raise DocumentUnsupported(filename=filename)
    return array
