"""扫码签章's acceptance check: what you see is what you seal.

An uploaded PDF is accepted for 扫码签章 only if ``crypto/pdfcheck.check_sealable`` accepts
it (the same check the client runs before asking for the password, including a trial seal
read back with ``inspect_sealed``). A sealed PDF is accepted only if it is an incremental
update of exactly the bytes the platform served, readable by ``inspect_sealed`` (whatever the
upload check accepted and the client sealed, it reads), carries exactly one new signature
covering the whole file up to it (only the DSS and document time-stamps may follow: PAdES
B-LT/B-LTA), drawn with an appearance inside the page it is on (the position the client
reports, if it reports one), passes pyHanko's long-term validation offline (``ltvcheck``:
time-stamped, trusted to the pinned institution's root, not revoked at the time-stamp's time
by the revocation data it carries), and its signer is the session's subject.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel

from mobileca_desktop.crypto import pdfcheck as shared
from mobileca_desktop.domain.errors import MobileCAError
from mobileca_desktop.platform import ltvcheck
from mobileca_desktop.platform.trust import (
    OCSP_SKEW,
    CertificateChecker,
    CheckedCertificate,
    Refusal,
)

MAX_PDF_BYTES = shared.MAX_PDF_BYTES

# The platform's pages are Chinese: its words for the shared check's typed refusals.
_ZH = {
    "pdf_encrypted": "PDF 文件已加密（设有打开密码或权限密码），无法签章；请上传未加密的 PDF",
    "pdf_certified": "PDF 文件已被认证签名锁定（不允许任何修改），无法再签章",
    "pdf_damaged": "PDF 文件已损坏（交叉引用表、对象流或页面树无法读取），无法签章",
    "pdf_unreadable": "文件不是可读取的 PDF，无法签章",
    "pdf_not_sealable": "PDF 文件结构异常，无法签章",
    "pdf_hidden_content": "PDF 含有屏幕显示与打印不同的内容（隐藏或仅打印的批注、图层），无法签章",
    "document_too_large": "请上传 PDF 文件（不超过 20 MB）",
    "seal_position_invalid": "印章位置不在该页面内（或小于 20pt），请重新选择",
}


_POSITION_ZH = {
    "the seal lies outside the page": "印章超出了该页的页面范围",
    "the seal is smaller than 20 points": "印章位置不合理（宽高至少 20pt）",
    "not four numbers": "印章位置需要四个数字 [x1, y1, x2, y2]",
    "not a position": "印章位置需要四个数字 [x1, y1, x2, y2]",
}


def refusal(err: MobileCAError) -> Refusal:
    """The platform's refusal for one of the shared check's typed errors (same code)."""
    reason = str(err.params.get("reason", ""))
    if err.code == "seal_position_invalid":
        if reason.startswith("the file has "):
            pages = reason.removeprefix("the file has ").split()[0]
            return Refusal(err.code, f"页码超出范围（共 {pages} 页）")
        return Refusal(err.code, _POSITION_ZH.get(reason, _ZH[err.code]))
    text = _ZH.get(err.code, "PDF 文件无法签章")
    if reason and err.code in ("pdf_damaged", "pdf_not_sealable"):
        text += f"（{reason}）"
    return Refusal(err.code, text)


def check_upload(
    pdf: bytes, name: str, page: int, box: list[float] | None
) -> tuple[shared.SealablePdf, tuple[float, float, float, float]]:
    """The shared check on an upload, and the seal's box (the page's default when none was
    given)."""
    try:
        sealable = shared.check_sealable(pdf, name, page=page, box=box)
        area = sealable.page(page)
        return sealable, area.default_box() if box is None else shared.check_box(area, box, name)
    except MobileCAError as err:
        raise refusal(err) from None


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
    page: int | None = None,
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
        view = shared.inspect_sealed(original, sealed)
    except MobileCAError as err:
        if "new_signatures" in err.params:  # not exactly one new signature
            raise Refusal("pdf_signature_count", f"签章文件应当恰好新增一个签名（{err}）") from None
        raise Refusal("pdf_unreadable", f"签章文件无法解析为 PDF（{err.code}）") from None
    sig = view.signature
    _check_position(view, page, box)
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


def _check_position(view: shared.SealedView, page: int | None, box: list[float] | None) -> None:
    """The seal is visible, inside the page it is on, and (when the client reported a
    position) on that page at that box."""
    if view.rect is None or not view.has_appearance or view.page is None:
        raise Refusal("seal_position", "签章没有可见的印章")
    if not view.page.contains(view.rect):
        raise Refusal("seal_position", f"印章不在第 {view.page.number} 页的页面范围内")
    if page is not None and view.page.number != page:
        raise Refusal("seal_position", "印章不在所选的页面上（所见即所签）")
    if box is not None and any(abs(a - b) > 1.5 for a, b in zip(view.rect, box, strict=True)):
        raise Refusal("seal_position", "印章不在所选的位置上（所见即所签）")
