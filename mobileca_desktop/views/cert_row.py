"""One row of 证书管理: type, subject, institution, status badge, dates, and 继续 where the
handbook has it (已失效 and 已过期; 草稿 continues the application)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from mobileca_desktop.domain.models import CertificateRow, CertStatus, Institution
from mobileca_desktop.views.format import display_time, text_of
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.status_badge import StatusBadge
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

# Rows with a certificate behind them open 证书详情.
OPENABLE = (CertStatus.NORMAL, CertStatus.EXPIRED, CertStatus.REVOKED)


class CertRow(QFrame):
    opened = Signal(object)  # CertificateRow
    continued = Signal(object)  # CertificateRow

    def __init__(self, row: CertificateRow, institution: Institution | None) -> None:
        super().__init__()
        self.row = row
        set_role(self, "card")
        # One name per row, as grant rows have: QA tells the certificates apart by it.
        key = row.certificate_id if row.certificate_id is not None else f"app{row.application_id}"
        self.setObjectName(f"certRow_{key}")
        self.openable = row.certificate_id is not None and row.status in OPENABLE
        kind = text_of(row.kind)
        self.setAccessibleName(f"{kind} {row.subject_name} {text_of(row.status)}")
        if self.openable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            self.setToolTip(self.tr("查看证书详情"))

        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 12, 12)
        box.setSpacing(4)
        head = QHBoxLayout()
        title = PlainLabel(kind)
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        title.setWordWrap(True)
        self.badge = StatusBadge(row.status)
        head.addWidget(title, 1)
        head.addWidget(self.badge)
        if self.openable:
            arrow = PlainLabel()
            arrow.setPixmap(pixmap("chevron_right", 16, self.devicePixelRatioF()))
            head.addWidget(arrow)
        box.addLayout(head)

        lines = [row.subject_name, row.institution_name]
        if row.granted_by:
            lines.append(self.tr("授权人：{}").format(row.granted_by))
        lines.append(self.tr("申请日期：{}").format(display_time(row.applied_at)))
        if row.not_after is not None:
            lines.append(self.tr("有效期至：{}").format(display_time(row.not_after)))
        for text in lines:
            label = set_role(PlainLabel(text), "muted")
            label.setWordWrap(True)
            box.addWidget(label)

        note = self._note(row, institution)
        if note:
            banner = set_role(PlainLabel(note), "banner")
            banner.setObjectName("certRowNote")
            banner.setWordWrap(True)
            banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box.addWidget(banner)

        self.continue_button: QPushButton | None = None
        if row.can_continue:
            self.continue_button = set_role(QPushButton(self.tr("继续")), "small")
            self.continue_button.setObjectName("continueButton")
            self.continue_button.setAccessibleName(self.tr("继续 {}").format(kind))
            self.continue_button.clicked.connect(lambda: self.continued.emit(self.row))
            foot = QHBoxLayout()
            foot.addStretch()
            foot.addWidget(self.continue_button)
            box.addLayout(foot)

    def _note(self, row: CertificateRow, institution: Institution | None) -> str:
        if row.status is CertStatus.REVIEWING:
            text = self.tr("申请材料已提交，等待 CA 机构审核制证。")
            if institution is not None:
                text += self.tr("可联系 CA 机构：{}，电话 {}").format(
                    institution.name, institution.contact_phone
                )
            return text
        if row.status is CertStatus.INVALID:
            reason = row.reason or self.tr("申请材料审核不通过")
            tail = self.tr("，可点击继续进行后续处理。") if row.can_continue else self.tr("。")
            return self.tr("已失效：{}").format(reason) + tail
        if row.status is CertStatus.EXPIRED and row.can_continue:
            return self.tr("证书已不在有效期，可点击继续进行证书更新。")
        if row.status is CertStatus.EXPIRED and row.successor_id is not None:
            return self.tr("已完成证书更新，请使用新证书。")
        if row.status is CertStatus.DRAFT:
            return self.tr("申请尚未提交，可点击继续办理。")
        if row.status is CertStatus.REVOKED and row.reason:
            return self.tr("已吊销（{}）").format(row.reason)
        return ""

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # Qt override
        if self.openable and event.button() == Qt.MouseButton.LeftButton:
            self.opened.emit(self.row)
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if self.openable and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.opened.emit(self.row)
            return
        super().keyPressEvent(event)
