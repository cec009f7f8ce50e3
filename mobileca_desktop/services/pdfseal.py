"""扫码签章: seal a PDF with the keystore's device key through pyHanko.

``KeystoreSigner`` is a pyHanko ``Signer`` whose raw signature comes from a ``sign(data)``
callable (``UnlockedKeys.sign``: ECDSA P-256 / SHA-256, DER), so the private key never leaves
the keystore object. ``seal_pdf`` adds one visible signature field in the requested page and
box, with the seal's PNG as the stamp (the seal's CJK characters are drawn into the PNG by
the CA; pyHanko draws no text), as an incremental update: the original bytes are a prefix of
the result.

The signature is PAdES (SubFilter ``ETSI.CAdES.detached``). With ``long_term`` material from
``services.ltv`` it carries a signature time-stamp (B-T), the chain's revocation data in the
DSS (B-LT) and a document time-stamp (B-LTA), so it validates offline for years.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from mobileca_desktop.domain.errors import CertificateUnavailable, DocumentRejected
from mobileca_desktop.services.ltv import LongTermMaterial, PadesLevel

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_ECDSA_P256_DER = 72  # SEQUENCE of two INTEGERs of up to 33 bytes
MAX_PAGE_SIDE = 14_400  # PDF's own limit for a page side, in points


class KeystoreSigner(signers.Signer):
    """A pyHanko signer over the keystore: ECDSA P-256 with SHA-256, device cert + chain."""

    def __init__(
        self,
        sign: Callable[[bytes], bytes],
        certificate: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
    ) -> None:
        self._sign = sign
        super().__init__(
            signing_cert=_asn1(certificate),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            embed_roots=True,
        )

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if digest_algorithm != "sha256":
            raise SigningError(f"the device key signs with SHA-256 only, not {digest_algorithm}")
        if dry_run:  # pyHanko sizes the signature container with this
            return bytes(MAX_ECDSA_P256_DER)
        return self._sign(data)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))


@dataclass(frozen=True)
class SealPlacement:
    """Where the seal goes: 1-based page and a box in PDF points (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]


def _reject(name: str, reason: str) -> DocumentRejected:
    return DocumentRejected(filename=name, reason=reason)


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(pdf), strict=False)


def check_placement(pdf: bytes, placement: SealPlacement, name: str = "document.pdf") -> None:
    """The page exists and the box is a sane rectangle inside that page's media box."""
    try:
        reader = _reader(pdf)
        total = int(reader.root["/Pages"]["/Count"])
        if not 1 <= placement.page <= total:
            raise _reject(name, f"page {placement.page} does not exist ({total} pages)")
        ref = reader.find_page_for_modification(placement.page - 1)[0]
        node = ref.get_object() if hasattr(ref, "get_object") else reader.get_object(ref)
        for _ in range(32):  # the media box may be inherited from the page tree
            if "/MediaBox" in node or "/Parent" not in node:
                break
            node = node["/Parent"]
        media = [float(v) for v in node.get("/MediaBox", [0, 0, 612, 792])]
    except DocumentRejected:
        raise
    except Exception as exc:
        raise _reject(name, f"not a readable PDF ({type(exc).__name__})") from None
    x1, y1, x2, y2 = placement.box
    if len(media) != 4:
        raise _reject(name, "the page has no usable media box")
    mx1, mx2 = sorted(media[0::2])
    my1, my2 = sorted(media[1::2])
    if not (x1 < x2 and y1 < y2 and x2 - x1 >= 10 and y2 - y1 >= 10):
        raise _reject(name, "the seal box is empty or smaller than 10 points")
    if not (mx1 <= x1 and x2 <= mx2 and my1 <= y1 and y2 <= my2):
        raise _reject(name, "the seal box lies outside the page")


def _stamp(png: bytes) -> StaticStampStyle:
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _reject("seal.png", "the seal image is not a readable PNG") from exc
    if image.format != "PNG":
        raise _reject("seal.png", "the seal image is not a PNG")
    if image.mode not in ("RGBA", "RGB", "LA", "L"):
        image = image.convert("RGBA")
    return StaticStampStyle(
        border_width=0,
        background=PdfImage(image),
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins.uniform(0),
        ),
        background_opacity=1.0,
    )


def _field_name(reader: PdfFileReader) -> str:
    taken = set()
    try:
        for name, _value, _ref in fields.enumerate_sig_fields(reader):
            taken.add(str(name))
    except Exception:  # an odd AcroForm: fall back to a name nobody else uses
        pass
    n = 1
    while f"MobileCA-Seal-{n}" in taken:
        n += 1
    return f"MobileCA-Seal-{n}"


def seal_pdf(
    pdf: bytes,
    signer: KeystoreSigner,
    placement: SealPlacement,
    seal_png: bytes,
    *,
    name: str = "document.pdf",
    signer_name: str | None = None,
    reason: str | None = "扫码签章",
    long_term: LongTermMaterial | None = None,
) -> bytes:
    """``pdf`` with one more visible signature (an incremental update; the input is a prefix
    of the output). Raises ``DocumentRejected`` for a PDF or placement that cannot be used,
    ``CertificateUnavailable`` when the signer's or the TSA's certificate does not validate
    against ``long_term``'s revocation data (revoked, expired)."""
    if len(pdf) > MAX_PDF_BYTES:
        raise _reject(name, f"larger than {MAX_PDF_BYTES} bytes")
    check_placement(pdf, placement, name)
    style = _stamp(seal_png)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        field_name = _field_name(writer.prev)
        box = tuple(round(v) for v in placement.box)
        spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=placement.page - 1, box=box)
        level = long_term.level if long_term else PadesLevel.B_B
        lt = level in (PadesLevel.B_LT, PadesLevel.B_LTA)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            reason=reason,
            name=signer_name,
            subfilter=SigSeedSubFilter.PADES,
            embed_validation_info=lt,
            use_pades_lta=level is PadesLevel.B_LTA,
            timestamp_field_name=f"{field_name}-DocTimeStamp" if lt else None,
            validation_context=long_term.validation_context if lt else None,
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer,
            stamp_style=style,
            new_field_spec=spec,
            timestamper=long_term.timestamper if long_term else None,
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
    except TimestampRequestError as exc:
        raise _reject(name, f"the CA's time-stamp was refused ({exc})") from None
    except SigningError as exc:
        cause = exc.__cause__
        if isinstance(cause, (PathValidationError, PathBuildingError)):
            # Revoked, expired, or a chain the CA's own revocation data does not vouch for:
            # pyHanko validates the signer against ``long_term`` before it signs.
            status = "revoked" if isinstance(cause, RevokedError) else "not valid at the CA"
            raise CertificateUnavailable(status=status) from None
        raise _reject(name, f"the PDF could not be sealed ({type(exc).__name__})") from None
    except (PdfError, KeyError, ValueError, TypeError) as exc:
        raise _reject(name, f"the PDF could not be sealed ({type(exc).__name__})") from None
    result = out.getvalue()
    if not result.startswith(pdf):  # never hand back anything but an incremental update
        raise _reject(name, "the sealed PDF is not an incremental update of the original")
    return result
