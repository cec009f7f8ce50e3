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
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError, RevokedError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from mobileca_desktop.crypto import pdfcheck
from mobileca_desktop.domain.errors import CertificateUnavailable, DocumentRejected, MobileCAError
from mobileca_desktop.services.ltv import LongTermMaterial, PadesLevel

MAX_PDF_BYTES = pdfcheck.MAX_PDF_BYTES
MAX_ECDSA_P256_DER = 72  # SEQUENCE of two INTEGERs of up to 33 bytes


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

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
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


def check_placement(
    pdf: bytes, placement: SealPlacement, name: str = "document.pdf"
) -> pdfcheck.SealablePdf:
    """The shared "can this PDF be sealed" check (``crypto/pdfcheck.py``), with a trial seal
    at ``placement``: run before the user is asked for the password."""
    return pdfcheck.check_sealable(pdf, name, page=placement.page, box=list(placement.box))


def _seal_image_style(png: bytes) -> StaticStampStyle:
    try:
        image = Image.open(io.BytesIO(png))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise _reject("seal.png", "the seal image is not a readable PNG") from exc
    if image.format != "PNG":
        raise _reject("seal.png", "the seal image is not a PNG")
    return pdfcheck.seal_image_style(image)


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
    """``pdf`` with one more visible PDF signature drawn with the seal image (an incremental
    update; the input is a prefix of the output). Raises ``DocumentRejected`` or one of its
    typed kinds (``PdfEncrypted``, ``PdfDamaged``, ``SealPositionInvalid``, ...) for a PDF or
    placement that cannot be used, ``CertificateUnavailable`` when the signer's or the TSA's
    certificate does not validate against ``long_term``'s revocation data (revoked,
    expired); no other exception type escapes but the keystore's own."""
    area = pdfcheck.measure(pdf, name).page(placement.page)
    box = pdfcheck.check_box(area, list(placement.box), name)
    style = _seal_image_style(seal_png)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        field_name = pdfcheck.signature_field_name(writer.prev)
        rounded = pdfcheck.whole_points(box)
        spec = fields.SigFieldSpec(
            sig_field_name=field_name, on_page=placement.page - 1, box=rounded
        )
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
            validation_context=long_term.validation_context if long_term and lt else None,
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
        raise pdfcheck.classify(exc, name) from None
    except MobileCAError:  # the keystore's own errors (a closed key session, ...)
        raise
    except Exception as exc:  # pyHanko raises many kinds; all become typed
        raise pdfcheck.classify(exc, name) from None
    result = out.getvalue()
    # Never hand back anything the platform's structural check would refuse: an incremental
    # update with one new PDF signature drawn where the user placed it.
    pdfcheck.check_seal_landed(pdf, result, placement.page, rounded, name)
    return result
