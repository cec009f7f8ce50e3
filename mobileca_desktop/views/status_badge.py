"""The status badge of 证书管理: 正常 / 审核中 / 已失效 / 已过期 / 已吊销 (and 草稿)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mobileca_desktop.domain.models import CertStatus
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import badge_style


class StatusBadge(PlainLabel):
    def __init__(self, status: CertStatus) -> None:
        super().__init__()
        self.setObjectName("statusBadge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_status(status)

    def set_status(self, status: CertStatus) -> None:
        self.status = status
        self.setText(text_of(status))
        self.setAccessibleName(self.tr("状态：{}").format(text_of(status)))
        self.setStyleSheet(badge_style(status))
