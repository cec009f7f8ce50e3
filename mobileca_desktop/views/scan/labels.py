"""The words of 扫一扫's operations (the handbook: 扫码登录、扫码签章、扫码加解密)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.services.scan_api import ScanOperation
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP

CONTEXT = "ScanLabel"

_OPERATION = {
    ScanOperation.LOGIN: QT_TRANSLATE_NOOP("ScanLabel", "扫码登录"),
    ScanOperation.SEAL: QT_TRANSLATE_NOOP("ScanLabel", "扫码签章"),
    ScanOperation.ENCRYPT: QT_TRANSLATE_NOOP("ScanLabel", "扫码加密"),
    ScanOperation.DECRYPT: QT_TRANSLATE_NOOP("ScanLabel", "扫码解密"),
}
_CONFIRM = {
    ScanOperation.LOGIN: QT_TRANSLATE_NOOP("ScanLabel", "确认登录"),
    ScanOperation.SEAL: QT_TRANSLATE_NOOP("ScanLabel", "确认签章"),
    ScanOperation.ENCRYPT: QT_TRANSLATE_NOOP("ScanLabel", "确认加密"),
    ScanOperation.DECRYPT: QT_TRANSLATE_NOOP("ScanLabel", "确认解密"),
}
_DONE = {
    ScanOperation.LOGIN: QT_TRANSLATE_NOOP("ScanLabel", "扫码成功"),  # the browser confirms
    ScanOperation.SEAL: QT_TRANSLATE_NOOP("ScanLabel", "签章成功"),
    ScanOperation.ENCRYPT: QT_TRANSLATE_NOOP("ScanLabel", "加密证书已提交"),
    ScanOperation.DECRYPT: QT_TRANSLATE_NOOP("ScanLabel", "解密成功"),
}
# The refusal reasons of ScanRefused (docs/scan-protocol.md §2), said to the user.
_REASONS = {
    "unsigned": QT_TRANSLATE_NOOP("ScanLabel", "二维码没有交易平台的签名"),
    "bad_signature": QT_TRANSLATE_NOOP("ScanLabel", "二维码的签名不正确，内容可能被篡改"),
    "unknown_platform": QT_TRANSLATE_NOOP("ScanLabel", "二维码来自未被信任的交易平台"),
    "expired": QT_TRANSLATE_NOOP("ScanLabel", "二维码已过期，请在交易平台刷新二维码后重新扫描"),
    "not_yet_valid": QT_TRANSLATE_NOOP("ScanLabel", "二维码尚未生效，请检查本机时间"),
    "replayed": QT_TRANSLATE_NOOP("ScanLabel", "此二维码已使用过，请在交易平台刷新后重新扫描"),
    "foreign_origin": QT_TRANSLATE_NOOP("ScanLabel", "二维码中的地址不属于该交易平台"),
    "operation_not_allowed": QT_TRANSLATE_NOOP("ScanLabel", "本机证书不能办理此项操作"),
    "certificate_kind": QT_TRANSLATE_NOOP("ScanLabel", "此类证书不能办理此项操作"),
}


def _tr(word: str) -> str:
    return QCoreApplication.translate(CONTEXT, word)


def operation_text(op: ScanOperation) -> str:
    return _tr(_OPERATION[op])


def confirm_text(op: ScanOperation) -> str:
    return _tr(_CONFIRM[op])


def done_text(op: ScanOperation) -> str:
    return _tr(_DONE[op])


def refusal_text(reason: str) -> str | None:
    word = _REASONS.get(reason)
    return _tr(word) if word else None
