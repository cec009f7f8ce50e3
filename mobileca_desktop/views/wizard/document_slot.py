"""One document of 上传证件: its name, what was uploaded, a preview, choose / replace /
remove, and a file dropped onto it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from mobileca_desktop.domain.models import DocKind, DocumentInfo
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.labels import DOC_LABELS

FILTERS = {
    DocKind.LICENCE: "营业执照 (*.pdf *.jpg *.jpeg *.png)",
}
IMAGE_FILTER = "图片 (*.jpg *.jpeg *.png)"


class DocumentSlot(Card):
    upload_requested = Signal(object, object)  # DocKind, Path
    remove_requested = Signal(object)  # DocumentInfo

    def __init__(self, kind: DocKind, doc: DocumentInfo | None, preview: bytes | None) -> None:
        super().__init__(spacing=6)
        self.kind = kind
        self.doc = doc
        self.setObjectName(f"doc_{kind.value}")
        self.setAccessibleName(DOC_LABELS[kind])
        self.setAcceptDrops(True)
        row = QHBoxLayout()
        self.thumb = QLabel()
        self.thumb.setFixedSize(84, 56)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("background: #F4F5F7; border-radius: 6px; color: #A0A6B1;")
        text = QVBoxLayout()
        title = QLabel(DOC_LABELS[kind])
        title.setStyleSheet("font-weight: 600;")
        self.state = set_role(QLabel(), "muted")
        self.state.setObjectName("docState")
        self.state.setWordWrap(True)
        text.addWidget(title)
        text.addWidget(self.state)
        row.addWidget(self.thumb)
        row.addLayout(text, 1)
        self.box.addLayout(row)
        buttons = QHBoxLayout()
        self.choose = set_role(QPushButton("替换" if doc else "选择文件"), "small")
        self.choose.setObjectName("chooseDocButton")
        self.choose.setAccessibleName(f"选择{DOC_LABELS[kind]}文件")
        self.choose.clicked.connect(self._choose)
        self.remove = set_role(QPushButton("删除"), "small")
        self.remove.setObjectName("removeDocButton")
        self.remove.setAccessibleName(f"删除{DOC_LABELS[kind]}")
        self.remove.setVisible(doc is not None)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.doc))
        buttons.addStretch()
        buttons.addWidget(self.remove)
        buttons.addWidget(self.choose)
        self.box.addLayout(buttons)
        self.error = set_role(QLabel(), "error")
        self.error.setObjectName("docError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.box.addWidget(self.error)

        if doc is None:
            self.state.setText(
                "未上传 · 点击选择文件，或把文件拖放到此处（拍照将随摄像头功能提供）"
            )
            self.thumb.setText("未上传")
        else:
            self.state.setText(f"已上传：{doc.filename}（{max(1, doc.size // 1024)} KB）")
            self._preview(preview, doc.mime)

    def _preview(self, data: bytes | None, mime: str) -> None:
        pix = QPixmap()
        if data and mime.startswith("image/") and pix.loadFromData(data):
            ratio = self.devicePixelRatioF()
            scaled = pix.scaled(
                round(84 * ratio),
                round(56 * ratio),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            scaled.setDevicePixelRatio(ratio)
            self.thumb.setPixmap(scaled)
        else:
            self.thumb.setText("PDF" if mime == "application/pdf" else "已上传")

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"选择{DOC_LABELS[self.kind]}", "", FILTERS.get(self.kind, IMAGE_FILTER)
        )
        if path:
            self.upload_requested.emit(self.kind, Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.upload_requested.emit(self.kind, Path(urls[0].toLocalFile()))
            event.acceptProposedAction()
