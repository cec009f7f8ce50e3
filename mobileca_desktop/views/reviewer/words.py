"""The 审核台's words for a signature check and a document kind (context "ReviewerWindow")."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.domain.models import DocKind, SignatureCheck


def signature_words(check: SignatureCheck) -> tuple[str, bool]:
    """(word, good) for the 电子签名 check: 有效 / 已篡改 / 未签名."""
    if not check.signed:
        return QCoreApplication.translate("ReviewerWindow", "未签名"), False
    if check.valid:
        return QCoreApplication.translate("ReviewerWindow", "有效"), True
    if check.detail.startswith("tampered"):
        return QCoreApplication.translate("ReviewerWindow", "已篡改"), False
    return QCoreApplication.translate("ReviewerWindow", "无效"), False


def doc_label(kind: DocKind) -> str:
    return {
        DocKind.ID_FRONT: QCoreApplication.translate("ReviewerWindow", "身份证人像面"),
        DocKind.ID_BACK: QCoreApplication.translate("ReviewerWindow", "身份证国徽面"),
        DocKind.LICENCE: QCoreApplication.translate("ReviewerWindow", "营业执照"),
        DocKind.LETTER: QCoreApplication.translate("ReviewerWindow", "授权书"),
        DocKind.FACE: QCoreApplication.translate("ReviewerWindow", "刷脸照片"),
        DocKind.SIGNATURE: QCoreApplication.translate("ReviewerWindow", "个人手写签名"),
    }[kind]
