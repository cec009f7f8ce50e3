"""证书详情: 颁发机构, 证书序列号, 申请日期, 有效期至, 证书类型 and 证书关联印章列表."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from mobileca_desktop.domain.models import CertificateDetail, CertStatus
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import display_time, spaced_serial, text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.status_badge import StatusBadge
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.main_window import MainWindow

ACTIONS = [
    ("renewButton", "证书更新"),
    ("changeButton", "证书变更"),
    ("revokeButton", "吊销"),
    ("passwordButton", "修改证书密码"),
]
SEAL_HEIGHT = 120


class CertDetailPage(Page):
    title = "证书详情"

    def __init__(self, window: MainWindow, certificate_id: int) -> None:
        super().__init__()
        self.setObjectName("certDetailPage")
        self.window_ = window
        self.certificate_id = certificate_id
        self.detail: CertificateDetail | None = None
        self.values: dict[str, QLabel] = {}
        self.seals: dict[str, QLabel] = {}
        self.loading = set_role(QLabel("正在加载…"), "muted")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.loading)
        self.body.addStretch()

    def shown(self) -> None:
        if self.detail is None:
            ctx, session = self.window_.ctx, self.window_.session
            assert ctx is not None and session is not None
            cid, device = self.certificate_id, ctx.device
            BackgroundOp(
                self,
                lambda: ctx.ca.certificate_detail(session, cid, device),
                on_success=self._show,
            ).run()

    def _show(self, d: CertificateDetail) -> None:
        self.detail = d
        self.loading.hide()
        at = 0

        def add(widget) -> None:
            nonlocal at
            self.body.insertWidget(at, widget)
            at += 1

        head = Card()
        top = QHBoxLayout()
        subject = QLabel(d.subject_name)
        subject.setObjectName("detailSubject")
        subject.setStyleSheet("font-size: 17px; font-weight: 600;")
        subject.setWordWrap(True)
        self.badge = StatusBadge(d.status)
        top.addWidget(subject, 1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        head.box.addLayout(top)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        for object_name, text in ACTIONS:
            button = set_role(QPushButton(text), "small")
            if object_name == "revokeButton":
                button.setProperty("role", "small")
                button.setStyleSheet("color: #E5484D;")
            button.setObjectName(object_name)
            button.setAccessibleName(text)
            button.setEnabled(d.status in (CertStatus.NORMAL, CertStatus.EXPIRED))
            button.clicked.connect(lambda _=False, t=text: self.window_.open_not_built(t))
            actions.addWidget(button)
        actions.addStretch()
        head.box.addLayout(actions)
        add(head)

        info = Card()
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        rows = [
            ("issuer", "颁发机构", d.institution_name),
            ("serial", "证书序列号", spaced_serial(d.serial_hex)),
            ("applied", "申请日期", display_time(d.applied_at)),
            ("notAfter", "有效期至", display_time(d.not_after)),
            ("kind", "证书类型", text_of(d.kind)),
        ]
        for i, (key, label, value) in enumerate(rows):
            name = set_role(QLabel(label), "muted")
            text = set_role(QLabel(value), "value")
            text.setObjectName(f"{key}Value")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{label} {value.replace(chr(0x200B), '')}")
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, i, 1)
            self.values[key] = text
        grid.setColumnStretch(1, 1)
        info.box.addLayout(grid)
        serial_note = set_role(
            QLabel(
                "序列号为本机签名证书的序列号。"
                if d.serial_is_device
                else "本机尚未下载（激活）此证书：序列号为加密证书的序列号。"
            ),
            "muted",
        )
        serial_note.setObjectName("serialNote")
        serial_note.setWordWrap(True)
        info.box.addWidget(serial_note)
        add(info)

        add(set_role(QLabel("证书关联印章列表"), "section"))
        seals = Card()
        row = QHBoxLayout()
        row.setSpacing(16)
        for seal in d.seals:
            cell = QVBoxLayout()
            image = QLabel()
            image.setObjectName(f"seal_{seal.kind.value}")
            image.setAccessibleName(text_of(seal.kind))
            pix = QPixmap()
            pix.loadFromData(seal.png, "PNG")
            ratio = self.devicePixelRatioF()
            scaled = pix.scaledToHeight(
                round(SEAL_HEIGHT * ratio), Qt.TransformationMode.SmoothTransformation
            )
            scaled.setDevicePixelRatio(ratio)
            image.setPixmap(scaled)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = QLabel(text_of(seal.kind))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.addWidget(image)
            cell.addWidget(caption)
            row.addLayout(cell)
            self.seals[seal.kind.value] = image
        if not d.seals:
            row.addWidget(set_role(QLabel("暂无关联印章"), "muted"))
        row.addStretch()
        seals.box.addLayout(row)
        add(seals)
