"""One document of 上传证件: its name, what was uploaded, a preview, choose / replace /
remove, a file dropped onto it, and 拍照 (a snapshot from the camera)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
)

from mobileca_desktop.domain.models import DocKind, DocumentInfo
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.camera_view import SnapshotDialog, jpeg_of
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.scan import sources
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.labels import DOC_LABELS, text
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP

if TYPE_CHECKING:
    from mobileca_desktop.config import Settings

FILTERS = {
    DocKind.LICENCE: QT_TRANSLATE_NOOP("DocumentSlot", "营业执照 (*.pdf *.jpg *.jpeg *.png)"),
}
IMAGE_FILTER = QT_TRANSLATE_NOOP("DocumentSlot", "图片 (*.jpg *.jpeg *.png)")


class DocumentSlot(Card):
    upload_requested = Signal(object, object)  # DocKind, Path
    remove_requested = Signal(object)  # DocumentInfo
    photo_taken = Signal(object, bytes, str)  # DocKind, JPEG bytes, file name

    def __init__(
        self,
        kind: DocKind,
        doc: DocumentInfo | None,
        preview: bytes | None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__(spacing=6)
        self.kind = kind
        self.settings = settings  # the configured camera (拍照)
        self.doc = doc
        self.setObjectName(f"doc_{kind.value}")
        label = text(DOC_LABELS[kind])
        self.setAccessibleName(label)
        self.setAcceptDrops(True)
        row = QHBoxLayout()
        self.thumb = PlainLabel()
        self.thumb.setFixedSize(84, 56)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setStyleSheet("background: #F4F5F7; border-radius: 6px; color: #A0A6B1;")
        words = QVBoxLayout()
        title = PlainLabel(label)
        title.setStyleSheet("font-weight: 600;")
        self.state = set_role(PlainLabel(), "muted")
        self.state.setObjectName("docState")
        self.state.setWordWrap(True)
        words.addWidget(title)
        words.addWidget(self.state)
        row.addWidget(self.thumb)
        row.addLayout(words, 1)
        self.box.addLayout(row)
        buttons = QHBoxLayout()
        self.choose = set_role(
            QPushButton(self.tr("替换") if doc else self.tr("选择文件")), "small"
        )
        self.choose.setObjectName("chooseDocButton")
        self.choose.setAccessibleName(self.tr("选择{doc}文件").format(doc=label))
        self.choose.clicked.connect(self._choose)
        self.remove = set_role(QPushButton(self.tr("删除")), "small")
        self.remove.setObjectName("removeDocButton")
        self.remove.setAccessibleName(self.tr("删除{doc}").format(doc=label))
        self.remove.setVisible(doc is not None)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.doc))
        self.camera = set_role(QPushButton(self.tr("拍照")), "small")
        self.camera.setObjectName("cameraDocButton")
        self.camera.setAccessibleName(self.tr("拍照上传{doc}").format(doc=label))
        self.camera.clicked.connect(self.take_photo)
        self.dialog: SnapshotDialog | None = None
        buttons.addStretch()
        buttons.addWidget(self.remove)
        buttons.addWidget(self.camera)
        buttons.addWidget(self.choose)
        self.box.addLayout(buttons)
        self.error = set_role(PlainLabel(), "error")
        self.error.setObjectName("docError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.box.addWidget(self.error)

        if doc is None:
            self.state.setText(self.tr("未上传 · 拍照或选择文件，也可把文件拖放到此处"))
            self.thumb.setText(self.tr("未上传"))
        else:
            self.state.setText(
                self.tr("已上传：{name}（{kb} KB）").format(
                    name=doc.filename, kb=max(1, doc.size // 1024)
                )
            )
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
            self.thumb.setText("PDF" if mime == "application/pdf" else self.tr("已上传"))

    def set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("选择{doc}").format(doc=text(DOC_LABELS[self.kind])),
            "",
            self.tr(FILTERS.get(self.kind, IMAGE_FILTER)),
        )
        if path:
            self.upload_requested.emit(self.kind, Path(path))

    def take_photo(self) -> None:
        """拍照: a live preview of the configured camera in a dialog; the photo is uploaded."""
        (spec, _label), *_ = sources.configured(self.settings)
        self.dialog = SnapshotDialog(
            self.window(),
            self.tr("拍照：{doc}").format(doc=text(DOC_LABELS[self.kind])),
            sources.opener(spec),
            self.tr("请将证件平放，四角完整入镜，避免反光。"),
        )
        self.dialog.finished.connect(self._photo_done)
        self.dialog.open()

    def _photo_done(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or dialog.image is None:
            return
        image, kind = dialog.image, self.kind
        name = f"{kind.value}-camera.jpg"
        BackgroundOp(
            self,
            lambda: jpeg_of(image),
            on_success=lambda data: self.photo_taken.emit(kind, data, name),
        ).run()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.upload_requested.emit(self.kind, Path(urls[0].toLocalFile()))
            event.acceptProposedAction()
