"""The platform's scan sessions and the four operations, without HTTP (``app.py`` serves them).

A scan session is one QR code: ``waiting`` (shown) → ``scanned`` (its operation data was
fetched) → ``confirmed`` / ``rejected`` (with the reason) / ``expired``; a decrypt session
passes ``authorized`` (the wrapped key was released) on its way to ``confirmed``. A confirmed
扫码登录 holds its login until the browser that asked confirms the account (``take_login``)
or declines it (``decline_login``, the session becomes ``rejected``), at most
``LOGIN_CONFIRM_WINDOW`` seconds (then ``expired``).

``Platform`` is built in layers: ``model`` (the records and limits), ``sessions`` (sessions,
logins, operation data, stored bids), ``answers`` (the client's answers); this module adds
the starts of the logged-in pages' operations and re-exports the names others import.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mobileca_desktop.domain.filenames import clean_filename
from mobileca_desktop.platform import pdfcheck
from mobileca_desktop.platform.answers import PlatformAnswers
from mobileca_desktop.platform.model import (
    ANSWER_GRACE,
    BINDING_SKEW,
    KEEP_ENDED,
    KEEP_ENDED_OWNED,
    LIVE,
    LOGIN_CONFIRM_WINDOW,
    LOGIN_HOURS,
    MAX_BID_BYTES,
    MAX_BID_ID,
    MAX_FETCH_ADDRESSES,
    OP_LABEL,
    QR_LIFETIME,
    SEAL_LABEL,
    STATE_LABEL,
    Bid,
    Login,
    ScanSession,
)
from mobileca_desktop.platform.requesters import Requester
from mobileca_desktop.platform.trust import Refusal

__all__ = [
    "ANSWER_GRACE",
    "BINDING_SKEW",
    "KEEP_ENDED",
    "KEEP_ENDED_OWNED",
    "LIVE",
    "LOGIN_CONFIRM_WINDOW",
    "LOGIN_HOURS",
    "MAX_BID_BYTES",
    "MAX_BID_ID",
    "MAX_FETCH_ADDRESSES",
    "OP_LABEL",
    "QR_LIFETIME",
    "SEAL_LABEL",
    "STATE_LABEL",
    "Bid",
    "Login",
    "Platform",
    "Refusal",
    "ScanSession",
]


class Platform(PlatformAnswers):
    """One trading platform: its signing key and certificate, its sessions and bids."""

    # --- creating the operations' sessions (from the logged-in pages) ----------------------

    def start_seal(
        self,
        owner: Login,
        *,
        requester: Requester,
        name: str,
        pdf: bytes,
        seal: str,
        page: int,
        box: list[float] | None,
    ) -> tuple[ScanSession, str]:
        """``box`` None: the page's default place (its bottom-right corner as shown)."""
        if seal not in SEAL_LABEL:
            raise Refusal("bad_request", "印章种类只能是 公章 / 法人章 / 个人签名")
        if owner.subject.kind == "personal" and seal != "signature":
            raise Refusal("bad_request", "个人证书只能使用个人签名")
        if len(pdf) > pdfcheck.MAX_PDF_BYTES:
            raise Refusal("bad_request", "请上传 PDF 文件（不超过 20 MB）")
        if box is not None and (len(box) != 4 or not all(isinstance(v, int | float) for v in box)):
            raise Refusal("bad_request", "印章位置需要四个数字 [x1, y1, x2, y2]")
        # The same check the client runs before it asks for the password (with a trial
        # seal): a file accepted here is one the client can seal and check_sealed reads.
        checked_name = _clean_name(name, "document.pdf")
        sealable, placed = pdfcheck.check_upload(pdf, checked_name, int(page), box)
        x1, y1, x2, y2 = placed
        pages = len(sealable.pages)
        name = checked_name
        return self.new_session(
            "seal",
            requester=requester,
            owner=owner,
            document=pdf,
            document_name=name,
            seal={"kind": seal, "page": int(page), "box": [x1, y1, x2, y2]},
            summary=f"签章《{name}》",
            details=[
                ["平台", self.name],
                ["文件", name],
                ["印章", SEAL_LABEL[seal]],
                [
                    "位置",
                    f"第 {int(page)} 页（共 {pages} 页）"
                    f"({x1:.0f}, {y1:.0f}) – ({x2:.0f}, {y2:.0f})",
                ],
                ["签章主体", owner.subject.display],
            ],
        )

    def start_encrypt(
        self,
        owner: Login,
        *,
        requester: Requester,
        name: str,
        content: bytes,
        project: str = "",
    ) -> tuple[ScanSession, str]:
        if owner.subject.kind == "personal":
            raise Refusal("certificate_kind", "个人证书不能加密单位的投标文件")
        if not content or len(content) > MAX_BID_BYTES:
            raise Refusal("bad_request", "请选择投标文件（不超过 10 MB）")
        name = _clean_name(name, "投标文件")
        return self.new_session(
            "encrypt",
            requester=requester,
            owner=owner,
            bid_name=name,
            bid_content=content,
            project=_clean_name(project, "")[:80] if project else "",
            summary=f"加密投标文件《{name}》",
            details=[
                ["平台", self.name],
                *([["投标项目", _clean_name(project, "")]] if project else []),
                ["投标文件", name],
                ["大小", f"{len(content)} 字节"],
                ["SHA-256", hashlib.sha256(content).hexdigest()],
                ["投标人", owner.subject.name],
            ],
        )

    def start_decrypt(
        self, owner: Login, *, requester: Requester, bid_id: str
    ) -> tuple[ScanSession, str]:
        bid = self.bid(bid_id)
        if bid.subject_key != owner.subject.key:
            raise Refusal("wrong_subject", "只能开启本单位的投标文件", status=403)
        return self.new_session(
            "decrypt",
            requester=requester,
            owner=owner,
            bid_id=bid.id,
            summary=f"开标解密《{bid.name}》",
            details=[
                ["平台", self.name],
                ["投标文件", bid.name],
                ["投标人", bid.subject_name],
                ["加密证书", bid.encryption_serial],
                ["投标时间", bid.created_at],
            ],
        )


def _clean_name(name: Any, default: str) -> str:
    # The same cleaning as the CA's uploads: shown to the signer and saved on any OS.
    return clean_filename(name, default)
