"""Validation of uploaded application documents (ID card photos, licences, letters).

Files are judged by their content, never by their name or claimed MIME type: the magic
bytes pick a parser, and the parser must really read the file. ``check_header`` is the cheap
part (size, magic bytes, the pixel count from the image header) that callers run before
they spend memory; ``validate_document`` then decodes images in full, and parses PDFs with
pyHanko, which must find a page, and inflates every stream a viewer could reach under a
budget of its own (``max_inflated``), so a PDF whose content streams inflate to hundreds of
MiB is refused at upload, like a bomb in its object streams (pyHanko's own limits).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin

from mobileca_desktop.domain.errors import (
    DocumentBomb,
    DocumentTooLarge,
    DocumentUnsupported,
    PdfBomb,
)

if TYPE_CHECKING:
    import numpy as np

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# All the streams of an uploaded PDF together, decoded. Scans are JPEG images (/DCTDecode,
# which is not inflated here and counts by its pixels), so text, fonts and Flate images of a
# real letter or licence stay far below this.
DEFAULT_MAX_INFLATED = 128 * 1024 * 1024

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


def check_header(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allow_pdf: bool = True,
) -> str:
    """The checks that cost no decoding: size, magic bytes, and for an image the pixel count
    its header announces. Returns the MIME type, or raises a ``DocumentRejected``."""
    size = len(data)
    if size > max_bytes:
        raise DocumentTooLarge(filename=filename, size=size, limit=max_bytes)
    mime = sniff_mime(data)
    if mime is None or (mime == "application/pdf" and not allow_pdf):
        raise DocumentUnsupported(filename=filename)
    if mime != "application/pdf":
        _image_header(data, filename, mime, max_pixels).close()
    return mime


def validate_document(
    data: bytes,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    allow_pdf: bool = True,
    max_inflated: int = DEFAULT_MAX_INFLATED,
) -> ValidatedDocument:
    """Accept a JPEG, PNG or (if ``allow_pdf``) PDF upload, or raise a ``DocumentRejected``.

    ``filename`` is only used in error messages.
    """
    mime = check_header(
        data, filename, max_bytes=max_bytes, max_pixels=max_pixels, allow_pdf=allow_pdf
    )
    size = len(data)
    digest = hashlib.sha256(data).hexdigest()
    if mime == "application/pdf":
        pages = _count_pdf_pages(data, filename, max_inflated, max_pixels)
        return ValidatedDocument(mime, None, None, pages, size, digest)
    width, height = _decode_image(data, filename, mime, max_pixels)
    return ValidatedDocument(mime, width, height, None, size, digest)


def _image_header(data: bytes, filename: str, mime: str, max_pixels: int) -> ImageFile.ImageFile:
    """The parsed header (nothing decoded yet), its pixel count checked."""
    parser, fmt = _IMAGE_PARSERS[mime]
    try:
        im = parser(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError):
        raise DocumentUnsupported(filename=filename) from None
    width, height = im.size
    pixels = width * height
    if im.format != fmt or pixels == 0:
        im.close()
        raise DocumentUnsupported(filename=filename)
    if pixels > max_pixels:
        im.close()
        raise DocumentBomb(filename=filename, pixels=pixels, limit=max_pixels)
    return im


def _decode_image(data: bytes, filename: str, mime: str, max_pixels: int) -> tuple[int, int]:
    pixels: int | None = None
    try:
        with _image_header(data, filename, mime, max_pixels) as im:
            width, height = im.size
            pixels = width * height
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


def _count_pdf_pages(data: bytes, filename: str, max_inflated: int, max_pixels: int) -> int:
    # Imported here: pyHanko is heavy and only PDFs need it.
    from pyhanko.pdf_utils.crypt.api import AuthStatus
    from pyhanko.pdf_utils.decode_limits import (
        DecodeLimits,
        DocumentDecodeBudget,
        StreamDecodeLimits,
    )
    from pyhanko.pdf_utils.misc import PdfDecodeLimitError
    from pyhanko.pdf_utils.reader import PdfFileReader

    # pyHanko's limits for untrusted input, with our total budget over the whole document.
    limits = DecodeLimits(
        per_stream=StreamDecodeLimits(max_output_size=max_inflated),
        document_budget=DocumentDecodeBudget(base_allowance=max_inflated, max_ratio=0),
    )
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False, decode_limits=limits)
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
        _inflate_all(reader.root, filename, max_pixels)
    except (DocumentUnsupported, DocumentBomb, PdfBomb):
        raise
    except PdfDecodeLimitError:
        raise PdfBomb(filename=filename, limit=max_inflated) from None
    except Exception:  # any parser failure means "not a readable PDF"
        raise DocumentUnsupported(filename=filename) from None
    return count


# Image codecs a viewer decodes but pyHanko does not: counted by the pixels they announce.
_IMAGE_FILTERS = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}


def _inflate_all(root: object, filename: str, max_pixels: int) -> None:
    """Decodes every stream reachable from the catalogue (pages, content streams, forms,
    fonts, images), as a viewer showing the file to a reviewer would; the reader's decode
    budget stops a bomb. Image codecs pyHanko does not decode count by their pixels."""
    from pyhanko.pdf_utils.generic import (
        ArrayObject,
        DictionaryObject,
        IndirectObject,
        StreamObject,
    )

    seen: set[tuple[int, int]] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, StreamObject):
            filters = obj.get("/Filter")
            names = (
                {str(f) for f in filters} if isinstance(filters, ArrayObject) else {str(filters)}
            )
            if names & _IMAGE_FILTERS:
                try:
                    pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
                except (TypeError, ValueError):
                    pixels = 0
                if pixels > max_pixels:
                    raise DocumentBomb(filename=filename, pixels=pixels, limit=max_pixels)
            else:
                obj.data  # noqa: B018 - decoding under the reader's budget is the check
        if isinstance(obj, DictionaryObject):
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def image_to_bgr(data: bytes, filename: str = "image") -> np.ndarray:
    """Decode JPEG/PNG bytes into an OpenCV BGR array (EXIF orientation applied)."""
    import cv2  # here, not with the engine: OpenCV and NumPy take ~0.3 s to import
    import numpy as np

    array = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if array is None:
        raise DocumentUnsupported(filename=filename)
    return array
