"""扫码签章's acceptance check: what you see is what you seal.

A sealed PDF is accepted only if it is an incremental update of exactly the bytes the
platform served, carries exactly one new signature whose coverage is the whole file (so the
whole original is covered), validates in pyHanko (intact, trusted to the CA's roots at the
CA's clock, with the OCSP response the platform fetched), and its signer is the session's
subject.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop.platform.trust import CertificateChecker, CheckedCertificate, Refusal

log = logging.getLogger(__name__)
MAX_PDF_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SealCheck:
    signer: CheckedCertificate
    field_name: str
    summary: str  # pyHanko's one-line bottom line


def _asn1(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def check_sealed(
    original: bytes,
    sealed: bytes,
    checker: CertificateChecker,
    *,
    subject_key: str,
    now: dt.datetime,
    box: list[float] | None = None,
) -> SealCheck:
    if len(sealed) > MAX_PDF_BYTES:
        raise Refusal("pdf_too_large", "签章后的文件过大")
    if len(sealed) <= len(original) or not sealed.startswith(original):
        raise Refusal(
            "not_incremental",
            "签章文件不是平台所发文件的增量更新（原文内容被改动或被替换），不予接受",
        )
    try:
        reader = PdfFileReader(io.BytesIO(sealed), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise Refusal("pdf_unreadable", "签章文件无法解析为 PDF") from exc
    new = [s for s in signatures if _range_end(s) > len(original)]
    if len(new) != 1:
        raise Refusal(
            "pdf_signature_count",
            f"签章文件应当恰好新增一个签名（实际新增 {len(new)} 个）",
        )
    sig = new[0]
    if box is not None:
        _check_position(sig, box)
    try:
        signer = x509.load_der_x509_certificate(sig.signer_cert.dump())
    except (ValueError, AttributeError) as exc:
        raise Refusal("pdf_signature_invalid", "签名中没有签名证书") from exc
    checked = checker.check(signer, now=now)
    if checked.subject.key != subject_key:
        raise Refusal(
            "wrong_signer",
            f"签章人（{checked.subject.display}）不是本次登录的主体，不予接受",
        )
    vc = ValidationContext(
        trust_roots=[_asn1(checked.authority.root)],
        other_certs=[_asn1(checked.authority.issuing)],
        moment=now,
        ocsps=[checked.ocsp_der],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    try:
        status = validate_pdf_signature(sig, vc)
    except Exception as exc:
        log.warning("pyHanko could not validate a sealed PDF: %r", exc, exc_info=True)
        raise Refusal("pdf_signature_invalid", "签名无法验证") from exc
    if not status.intact or not status.valid:
        raise Refusal("pdf_signature_invalid", "签名无效：签名后的内容被改动或签名值错误")
    if not status.trusted:
        raise Refusal("untrusted_chain", "签名证书不被信任（证书链校验失败）")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        raise Refusal("pdf_coverage", "签名没有覆盖整个文件（签名之后还有未签名的改动）")
    return SealCheck(checked, sig.field_name, status.summary())


def _check_position(sig, box: list[float]) -> None:
    """The seal is a visible signature in the box the user chose on the platform."""
    try:
        field = sig.sig_field
        widget = field if "/Rect" in field else field["/Kids"][0].get_object()
        rect = [float(v) for v in widget["/Rect"]]
        has_appearance = "/AP" in widget
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise Refusal("seal_position", "签章没有可见的印章") from exc
    x1, y1, x2, y2 = (
        min(rect[0], rect[2]),
        min(rect[1], rect[3]),
        max(rect[0], rect[2]),
        max(rect[1], rect[3]),
    )
    if not has_appearance or any(
        abs(a - b) > 1.5 for a, b in zip((x1, y1, x2, y2), box, strict=True)
    ):
        raise Refusal("seal_position", "印章不在所选的位置上（所见即所签）")


def _range_end(sig) -> int:
    byte_range = sig.sig_object.get("/ByteRange")
    try:
        return int(byte_range[2]) + int(byte_range[3])
    except (TypeError, IndexError, ValueError):
        return 0
