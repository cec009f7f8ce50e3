"""Can this PDF be sealed? One answer for the platform's upload and the client's 扫码签章.

``check_sealable`` opens the file the way the sealing code opens it, refuses what cannot be
sealed with a specific typed error (encrypted, certified without changes allowed, damaged
cross-reference table / object streams / page tree, unreadable), measures every page (its
visible area: the CropBox clipped to the MediaBox, and its /Rotate), and then *seals it once
for trial* with a throw-away key at the requested place and reads the result back with
``inspect_sealed`` - the same structural check the platform runs on the sealed file it
receives. So a file this check accepted is one the client can seal and the platform can read:
no user types a password and spends a one-time code for a file that is then refused.

Words: the *seal image* is the PNG of the company's stamp; the *PDF signature* is the
signature field pyHanko adds (drawn with the seal image); ``SealBox`` is where the seal image
goes, in the page's PDF user space (points, unrotated, origin bottom-left).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop.crypto.pdfpages import (  # noqa: F401 (re-exported)
    MIN_SEAL_SIDE,
    SEAL_MARGIN,
    SEAL_SIDE,
    Box,
    PageArea,
)
from mobileca_desktop.domain.errors import (
    DocumentTooLarge,
    MobileCAError,
    PdfCertified,
    PdfDamaged,
    PdfEncrypted,
    PdfHiddenContent,
    PdfNotSealable,
    PdfUnreadable,
    SealPositionInvalid,
)

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_PAGES = 5_000  # pages measured (and offered for the seal)
MAX_TREE_DEPTH = 64
FIELD_PREFIX = "MobileCA-Seal-"


@dataclass(frozen=True)
class SealablePdf:
    """A PDF ``check_sealable`` accepted, and its pages."""

    name: str
    pages: tuple[PageArea, ...]

    def page(self, number: int) -> PageArea:
        if not 1 <= number <= len(self.pages):
            raise SealPositionInvalid(
                filename=self.name, page=number, reason=f"the file has {len(self.pages)} pages"
            )
        return self.pages[number - 1]

    def check_box(self, number: int, box: Any) -> Box:
        """``box`` as four floats if it is a usable seal position on page ``number``."""
        area = self.page(number)
        return check_box(area, box, self.name)


def whole_points(box: Box) -> tuple[int, int, int, int]:
    """``box`` rounded to whole PDF points, as the signature field is drawn."""
    x0, y0, x1, y1 = box
    return round(x0), round(y0), round(x1), round(y1)


def check_box(area: PageArea, box: Any, name: str = "document.pdf") -> Box:
    if not (
        isinstance(box, list | tuple)
        and len(box) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
    ):
        raise SealPositionInvalid(filename=name, page=area.number, reason="not four numbers")
    x1, y1, x2, y2 = (float(v) for v in box)
    if not all(abs(v) < 1e6 for v in (x1, y1, x2, y2)) or x1 != x1 or y1 != y1:
        raise SealPositionInvalid(filename=name, page=area.number, reason="not a position")
    if not (x2 - x1 >= MIN_SEAL_SIDE and y2 - y1 >= MIN_SEAL_SIDE):
        raise SealPositionInvalid(
            filename=name, page=area.number, reason="the seal is smaller than 20 points"
        )
    if not area.contains((x1, y1, x2, y2)):
        raise SealPositionInvalid(
            filename=name, page=area.number, reason="the seal lies outside the page"
        )
    return x1, y1, x2, y2


# --- opening a PDF ----------------------------------------------------------------------------

_XREF_WORDS = re.compile(
    r"xref|trailer|startxref|cross.?reference|malformed PDF file", re.IGNORECASE
)
_OBJSTM_WORDS = re.compile(r"object stream|objstm|/ObjStm|compressed object", re.IGNORECASE)
_OBJECT_WORDS = re.compile(r"object header|read object|object \d+ 0|Reference\(", re.IGNORECASE)


def classify(exc: BaseException, name: str) -> MobileCAError:
    """A typed error for whatever pyHanko (or the PDF's structure) raised."""
    if isinstance(exc, MobileCAError):
        return exc
    text = str(exc)
    kind = type(exc).__name__
    if _OBJSTM_WORDS.search(text):
        return PdfDamaged(filename=name, reason=f"an object stream is damaged ({kind})")
    if _OBJECT_WORDS.search(text) or type(exc).__name__ == "ObjectHeaderReadError":
        return PdfDamaged(filename=name, reason=f"an object cannot be read ({kind})")
    if _XREF_WORDS.search(text):
        return PdfDamaged(filename=name, reason=f"the cross-reference table is damaged ({kind})")
    if isinstance(exc, RecursionError):
        return PdfDamaged(filename=name, reason="the objects refer to each other in a loop")
    if isinstance(exc, PdfError | SigningError):
        return PdfNotSealable(filename=name, reason=f"{text[:120] or kind}")
    return PdfNotSealable(filename=name, reason=f"an unexpected structure ({kind})")


def open_reader(pdf: bytes, name: str = "document.pdf") -> PdfFileReader:
    """A pyHanko reader over ``pdf`` (as the sealing code reads it), or a typed refusal."""
    if len(pdf) > MAX_PDF_BYTES:
        raise DocumentTooLarge(
            filename=name, size=len(pdf), limit=MAX_PDF_BYTES, limit_mb=MAX_PDF_BYTES >> 20
        )
    if b"%PDF-" not in pdf[:1024]:
        raise PdfUnreadable(filename=name, reason="the file does not start like a PDF")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        err = classify(exc, name)
        if type(err) is PdfNotSealable:
            raise PdfUnreadable(filename=name, reason=err.params["reason"]) from None
        raise err from None
    try:
        encrypted = reader.encrypted or "/Encrypt" in reader.trailer
    except Exception:
        encrypted = True
    if encrypted:
        raise PdfEncrypted(filename=name)
    return reader


def _certified_no_changes(reader: PdfFileReader, name: str) -> bool:
    try:
        perms = reader.root.get("/Perms")
        perms = perms.get_object() if perms is not None else None
        if not isinstance(perms, generic.DictionaryObject) or "/DocMDP" not in perms:
            return False
    except Exception as exc:
        raise classify(exc, name) from None
    try:
        sig = perms["/DocMDP"]
        for ref in sig.get("/Reference", ()):
            ref = ref.get_object() if hasattr(ref, "get_object") else ref
            if ref.get("/TransformMethod") == "/DocMDP":
                params = ref.get("/TransformParams", generic.DictionaryObject())
                return int(params.get("/P", 2)) == 1
        return False
    except Exception:
        return True


def _box(value: Any) -> Box | None:
    try:
        value = value.get_object() if hasattr(value, "get_object") else value
        nums = [float(v.get_object() if hasattr(v, "get_object") else v) for v in value]
    except Exception:
        return None
    if len(nums) != 4 or not all(abs(v) < 1e6 for v in nums):
        return None
    x1, x2 = sorted(nums[0::2])
    y1, y2 = sorted(nums[1::2])
    if x2 - x1 < 1 or y2 - y1 < 1:
        return None
    return x1, y1, x2, y2


def _intersect(a: Box, b: Box) -> Box | None:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    return (x1, y1, x2, y2) if x2 - x1 >= 1 and y2 - y1 >= 1 else None


def _measure_pages(
    reader: PdfFileReader, name: str
) -> tuple[tuple[PageArea, ...], list[int | None]]:
    """Every page's visible area and rotation, walking the page tree with its inheritance
    and refusing loops, over-deep trees and pages without a usable MediaBox."""

    def damaged(why: str) -> PdfDamaged:
        return PdfDamaged(filename=name, reason=f"the page tree is damaged ({why})")

    pages: list[PageArea] = []
    ids: list[int | None] = []
    seen: set[int] = set()

    def walk(node_ref: Any, inherited: dict[str, Any], depth: int) -> None:
        if depth > MAX_TREE_DEPTH:
            raise damaged("too deep")
        node = node_ref.get_object() if hasattr(node_ref, "get_object") else node_ref
        if not isinstance(node, generic.DictionaryObject):
            raise damaged("a node is not a dictionary")
        key = id(node) if not isinstance(node_ref, generic.IndirectObject) else node_ref.idnum
        if key in seen:
            raise damaged("a page or node appears twice")
        seen.add(key)
        attrs = dict(inherited)
        for k in ("/MediaBox", "/CropBox", "/Rotate"):
            if k in node:
                attrs[k] = node.raw_get(k)
        kind = node.get("/Type")
        if kind == "/Pages" or (kind is None and "/Kids" in node):
            kids = node.get("/Kids")
            if not isinstance(kids, generic.ArrayObject):
                raise damaged("/Kids is not an array")
            for kid in kids:
                walk(kid, attrs, depth + 1)
            return
        if kind != "/Page":
            raise damaged("a node is neither a page nor a page list")
        if len(pages) >= MAX_PAGES:
            raise PdfNotSealable(filename=name, reason=f"more than {MAX_PAGES} pages")
        media = _box(attrs.get("/MediaBox"))
        if media is None:
            raise damaged(f"page {len(pages) + 1} has no usable MediaBox")
        crop = _box(attrs["/CropBox"]) if "/CropBox" in attrs else None
        visible = _intersect(media, crop) if crop else media
        try:
            rotate = int(generic_value(attrs.get("/Rotate", 0))) % 360
        except (TypeError, ValueError):
            rotate = 0
        if rotate % 90:
            rotate = 0  # viewers ignore a rotation that is not a multiple of 90
        pages.append(PageArea(len(pages) + 1, visible or media, rotate))
        ids.append(node_ref.idnum if isinstance(node_ref, generic.IndirectObject) else None)

    try:
        root_pages = reader.root.raw_get("/Pages")
        walk(root_pages, {}, 0)
    except MobileCAError:
        raise
    except Exception as exc:
        err = classify(exc, name)
        raise (err if type(err) is not PdfNotSealable else damaged(type(exc).__name__)) from None
    if not pages:
        raise damaged("no pages")
    return tuple(pages), ids


def generic_value(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


# --- sealing (shared by the trial here and the real seal in services/pdfseal.py) ----------------


def seal_image_style(image: Image.Image) -> StaticStampStyle:
    """The PDF signature's appearance: the seal image scaled to fill the box (up or down,
    aspect kept, centred), no border - the same rule the confirm page's preview draws by."""
    if image.mode not in ("RGBA", "RGB", "LA", "L"):
        image = image.convert("RGBA")
    return StaticStampStyle(
        border_width=0,
        background=PdfImage(image),
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins.uniform(0),
            inner_content_scaling=InnerScaling.STRETCH_TO_FIT,
        ),
        background_opacity=1.0,
    )


def signature_field_name(reader: PdfFileReader) -> str:
    """A signature field name not yet used in the document."""
    taken = set()
    try:
        for name, _value, _ref in fields.enumerate_sig_fields(reader):
            taken.add(str(name))
    except Exception:
        pass
    n = 1
    while f"{FIELD_PREFIX}{n}" in taken:
        n += 1
    return f"{FIELD_PREFIX}{n}"


def add_signature(
    pdf: bytes,
    signer: signers.Signer,
    page: int,
    box: Box,
    style: StaticStampStyle,
    name: str,
    meta: Callable[[str], signers.PdfSignatureMetadata] | None = None,
    **signer_kw: Any,
) -> bytes:
    """``pdf`` with one more visible PDF signature at ``box`` on ``page`` (an incremental
    update). Every failure is a typed error."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        field_name = signature_field_name(writer.prev)
        spec = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=page - 1, box=whole_points(box)
        )
        metadata = (
            meta(field_name)
            if meta
            else signers.PdfSignatureMetadata(field_name=field_name, md_algorithm="sha256")
        )
        pdf_signer = signers.PdfSigner(
            metadata, signer, stamp_style=style, new_field_spec=spec, **signer_kw
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
    except MobileCAError:
        raise
    except Exception as exc:
        raise classify(exc, name) from None
    result = out.getvalue()
    if not result.startswith(pdf):
        raise PdfNotSealable(filename=name, reason="the result is not an incremental update")
    return result


# --- reading a sealed PDF back ----------------------------------------------------------------


@dataclass(frozen=True)
class SealedView:
    signature: Any  # pyHanko's EmbeddedPdfSignature: the one new PDF signature
    page: PageArea | None  # the page its widget is on
    rect: Box | None  # the widget's rectangle, user space
    has_appearance: bool


def inspect_sealed(original: bytes, sealed: bytes, name: str = "document.pdf") -> SealedView:
    """The structural half of the platform's acceptance check, also run on the trial seal:
    the sealed file is an incremental update of ``original``, readable, with exactly one new
    PDF signature, whose widget sits on a page. Typed errors only."""
    if len(sealed) > MAX_PDF_BYTES:
        raise DocumentTooLarge(
            filename=name, size=len(sealed), limit=MAX_PDF_BYTES, limit_mb=MAX_PDF_BYTES >> 20
        )
    if len(sealed) <= len(original) or not sealed.startswith(original):
        raise PdfNotSealable(filename=name, reason="not an incremental update of the original")
    try:
        reader = PdfFileReader(io.BytesIO(sealed), strict=False)
        signatures = list(reader.embedded_regular_signatures)
        new = [s for s in signatures if _range_end(s) > len(original)]
        if len(new) != 1:
            raise PdfNotSealable(filename=name, reason=f"{len(new)} new signatures instead of one")
        sig = new[0]
        field = sig.sig_field
        widget = field if "/Rect" in field else field["/Kids"][0].get_object()
        rect = _box(widget["/Rect"])
        has_ap = "/AP" in widget
        page = None
        page_ref = widget.raw_get("/P") if "/P" in widget else None
        if isinstance(page_ref, generic.IndirectObject):
            areas, ids = _measure_pages(reader, name)
            if page_ref.idnum in ids:
                page = areas[ids.index(page_ref.idnum)]
    except MobileCAError:
        raise
    except Exception as exc:
        raise classify(exc, name) from None
    return SealedView(sig, page, rect, has_ap)


def _range_end(sig: Any) -> int:
    byte_range = sig.sig_object.get("/ByteRange")
    try:
        return int(byte_range[2]) + int(byte_range[3])
    except (TypeError, IndexError, ValueError):
        return 0


# --- the check ----------------------------------------------------------------------------------


class _TrialSigner(signers.Signer):
    """A throw-away EC P-256 key and self-signed certificate, for the trial seal."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "trial seal")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .sign(self._key, hashes.SHA256())
        )
        from asn1crypto import algos

        self.certificate = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
        super().__init__(
            signing_cert=self.certificate,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


_TRIAL_IMAGE: Image.Image | None = None


def _trial_style() -> StaticStampStyle:
    global _TRIAL_IMAGE
    if _TRIAL_IMAGE is None:
        _TRIAL_IMAGE = Image.new("RGBA", (16, 16), (200, 0, 0, 255))
    return seal_image_style(_TRIAL_IMAGE)


def measure(pdf: bytes, name: str = "document.pdf") -> SealablePdf:
    """The structural half of ``check_sealable`` (no trial seal): readable, not encrypted,
    not certified against changes, every page measured."""
    reader = open_reader(pdf, name)
    pages, _ids = _measure_pages(reader, name)
    if _certified_no_changes(reader, name):
        raise PdfCertified(filename=name)
    _read_every_object(reader, name)
    _refuse_screen_print_differences(reader, name)
    return SealablePdf(name, pages)


# Annotation flags (ISO 32000-1 §12.5.3).
_HIDDEN, _PRINT, _NO_VIEW = 2, 4, 32


def _refuse_screen_print_differences(reader: PdfFileReader, name: str) -> None:
    """What the confirm page shows (a screen rendering) must be what a printout shows: an
    annotation with an appearance that is shown but not printed, or printed but not shown,
    and optional content whose state follows viewing or printing (/AS, /Usage) are refused
    (an outside review sealed a PDF whose print-only stamp read "PAY 9,999,999 CNY")."""
    try:
        properties = generic_value(reader.root.get("/OCProperties"))
        if isinstance(properties, generic.DictionaryObject):
            configs = [generic_value(properties.get("/D"))]
            configs += [generic_value(c) for c in generic_value(properties.get("/Configs")) or []]
            for config in configs:
                if isinstance(config, generic.DictionaryObject) and config.get("/AS"):
                    raise PdfHiddenContent(filename=name, reason="layers that follow printing")
            for group in generic_value(properties.get("/OCGs")) or []:
                usage = generic_value(generic_value(group).get("/Usage"))
                if isinstance(usage, generic.DictionaryObject) and (
                    "/Print" in usage or "/View" in usage
                ):
                    raise PdfHiddenContent(filename=name, reason="layers for print or view only")
        for number in range(1, len(_page_objects(reader)) + 1):
            page = _page_objects(reader)[number - 1]
            for annot in generic_value(page.get("/Annots")) or []:
                annot = generic_value(annot)
                if not isinstance(annot, generic.DictionaryObject) or "/AP" not in annot:
                    continue
                flags = int(generic_value(annot.get("/F", 0)) or 0)
                shown = not flags & (_HIDDEN | _NO_VIEW)
                printed = bool(flags & _PRINT) and not flags & _HIDDEN
                if shown != printed:
                    what = "shown but not printed" if shown else "printed but not shown"
                    raise PdfHiddenContent(
                        filename=name, reason=f"an annotation on page {number} is {what}"
                    )
    except MobileCAError:
        raise
    except Exception as exc:
        raise classify(exc, name) from None


def _page_objects(reader: PdfFileReader) -> list[generic.DictionaryObject]:
    """The page dictionaries in order (the tree was checked by ``_measure_pages``)."""
    cached: list[generic.DictionaryObject] | None = getattr(reader, "_mobileca_pages", None)
    if cached is not None:
        return cached
    pages: list[generic.DictionaryObject] = []

    def walk(node: Any) -> None:
        node = generic_value(node)
        if node.get("/Type") == "/Pages" or (node.get("/Type") is None and "/Kids" in node):
            for kid in generic_value(node.get("/Kids")):
                walk(kid)
        else:
            pages.append(node)

    walk(reader.root.raw_get("/Pages"))
    reader._mobileca_pages = pages  # type: ignore[attr-defined]
    return pages


def check_sealable(
    pdf: bytes,
    name: str = "document.pdf",
    *,
    page: int | None = None,
    box: Any = None,
) -> SealablePdf:
    """The one "can this PDF be sealed" check (see the module's docstring). ``page``/``box``:
    the place asked for (checked to be on that page); without a box the trial seal goes to
    the page's default place. Raises ``PdfEncrypted``, ``PdfCertified``, ``PdfDamaged``,
    ``PdfUnreadable``, ``PdfNotSealable``, ``DocumentTooLarge`` or ``SealPositionInvalid``."""
    sealable = measure(pdf, name)
    number = 1 if page is None else page
    area = sealable.page(number)
    trial_box = area.default_box() if box is None else sealable.check_box(number, box)
    trial = _TrialSigner()
    sealed = add_signature(pdf, trial, number, trial_box, _trial_style(), name)
    check_seal_landed(pdf, sealed, number, trial_box, name)
    _validate_trial(pdf, sealed, trial, name)
    return sealable


def _validate_trial(original: bytes, sealed: bytes, trial: _TrialSigner, name: str) -> None:
    """pyHanko validates the trial signature as the platform validates the real one
    (integrity, coverage, the difference analysis that reads every object of the file):
    a PDF whose damaged objects only show there is refused now, not after the seal."""
    view = inspect_sealed(original, sealed, name)
    vc = ValidationContext(trust_roots=[trial.certificate], allow_fetching=False)
    try:
        status = validate_pdf_signature(view.signature, vc)
    except Exception as exc:
        raise classify(exc, name) from None
    whole = (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
    if not (status.intact and status.valid) or status.coverage not in whole:
        raise PdfNotSealable(filename=name, reason="the trial seal does not validate")


MAX_OBJECTS = 200_000


def _read_every_object(reader: PdfFileReader, name: str) -> None:
    """Every object the cross-reference sections name can be read (the platform's validator
    compares revisions object by object; a damaged object nobody draws still breaks it)."""
    try:
        xrefs = reader.xrefs
        refs: set[generic.Reference] = set()
        for revision in range(xrefs.total_revisions):
            refs |= xrefs.explicit_refs_in_revision(revision)
            if len(refs) > MAX_OBJECTS:
                raise PdfNotSealable(filename=name, reason="too many objects")
        for ref in refs:
            reader.get_object(ref, revision=xrefs.get_introducing_revision(ref))
    except MobileCAError:
        raise
    except Exception as exc:
        err = classify(exc, name)
        if type(err) is PdfNotSealable:
            why = f"an object cannot be read ({type(exc).__name__})"
            err = PdfDamaged(filename=name, reason=why)
        raise err from None


def check_seal_landed(original: bytes, sealed: bytes, page: int, box: Box, name: str) -> None:
    """``sealed`` passes ``inspect_sealed`` and its one new PDF signature is drawn at ``box``
    on ``page`` (run by the client on its own result before anything is sent)."""
    view = inspect_sealed(original, sealed, name)
    if view.page is None or view.page.number != page or view.rect is None:
        raise PdfNotSealable(filename=name, reason="the seal is not on its page")
    if not view.has_appearance or any(
        abs(a - b) > 1.5 for a, b in zip(view.rect, box, strict=True)
    ):
        raise PdfNotSealable(filename=name, reason="the seal is not where it was placed")
