"""扫码签章's acceptance check: what you see is what you seal.

A sealed PDF is accepted only if it is an incremental update of exactly the bytes the
platform served, carries exactly one new signature covering the whole file up to it (only the
DSS and document time-stamps may follow: PAdES B-LT/B-LTA), passes pyHanko's long-term
validation offline (``ltvcheck``: time-stamped, trusted to the pinned institution's root, not
revoked at the time-stamp's time by the revocation data it carries), and its signer is the
session's subject.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel

from mobileca_desktop.platform import ltvcheck
from mobileca_desktop.platform.trust import (
    OCSP_SKEW,
    CertificateChecker,
    CheckedCertificate,
    Refusal,
)

MAX_PDF_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SealCheck:
    signer: CheckedCertificate
    field_name: str
    summary: str  # pyHanko's one-line bottom line
    signing_time: dt.datetime  # from the signature time-stamp


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
    # The seal must validate as it will years from now: offline, at the time-stamp's time,
    # with the revocation data it carries, against the pinned institution's root alone.
    authority = checker.authority_for(signer)
    result = ltvcheck.validate(sig, authority.root)
    if result.signing_time > now + OCSP_SKEW:
        raise Refusal("pdf_signature_invalid", "签章时间戳晚于平台当前时间，不予接受")
    checked = checker.check(signer, now=result.signing_time, live_status=False)
    if checked.subject.key != subject_key:
        raise Refusal(
            "wrong_signer",
            f"签章人（{checked.subject.display}）不是本次登录的主体，不予接受",
        )
    if result.coverage not in _WHOLE or result.modifications not in _LTA_ONLY:
        raise Refusal("pdf_coverage", "签名没有覆盖整个文件（签名之后还有未签名的改动）")
    return SealCheck(checked, sig.field_name, result.summary, result.signing_time)


_WHOLE = (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
# After the seal only the DSS and document time-stamps may be added (PAdES B-LT/B-LTA).
_LTA_ONLY = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


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
