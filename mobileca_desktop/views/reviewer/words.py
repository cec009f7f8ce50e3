"""The 审核台's word for an application's signature check (context "ReviewerWindow")."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.domain.models import SignatureCheck


def signature_words(check: SignatureCheck) -> tuple[str, bool]:
    """(word, good) for the 电子签名 check: 有效 / 已篡改 / 未签名."""
    if not check.signed:
        return QCoreApplication.translate("ReviewerWindow", "未签名"), False
    if check.valid:
        return QCoreApplication.translate("ReviewerWindow", "有效"), True
    if check.detail.startswith("tampered"):
        return QCoreApplication.translate("ReviewerWindow", "已篡改"), False
    return QCoreApplication.translate("ReviewerWindow", "无效"), False
