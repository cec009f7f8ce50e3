"""上传证件: each required document, from a file or dropped onto its slot."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mobileca_desktop.domain.errors import DocumentRejected
from mobileca_desktop.domain.models import DocKind, DocumentInfo
from mobileca_desktop.views import messages
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.document_slot import DocumentSlot
from mobileca_desktop.views.wizard.step_view import StepView

if TYPE_CHECKING:
    from mobileca_desktop.config import Settings

# Previews of files uploaded in this run (the engine keeps the documents themselves).
_PREVIEWS: dict[int, bytes] = {}


class DocumentsStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        note = set_role(
            PlainLabel(
                self.tr(
                    "请根据要求上传相关必要证件（JPG、PNG，营业执照也可为 PDF，"
                    "单个文件不超过 10 MB）。"
                )
            ),
            "muted",
        )
        note.setWordWrap(True)
        self.box.addWidget(note)
        self.slots: dict[DocKind, DocumentSlot] = {}
        self._last_kind: DocKind | None = None
        self._build()

    def _build(self) -> None:
        for slot in self.slots.values():
            self.box.removeWidget(slot)
            slot.hide()
            slot.deleteLater()
        self.slots = {}
        for kind, doc in self.wizard.document_slots():
            slot = DocumentSlot(
                kind, doc, _PREVIEWS.get(doc.id) if doc else None, settings=self._settings()
            )
            slot.upload_requested.connect(self.upload)
            slot.remove_requested.connect(self.remove)
            slot.photo_taken.connect(self.upload_photo)
            self.box.addWidget(slot)
            slot.show()  # now, not at the next event-loop turn
            self.slots[kind] = slot

    def _settings(self) -> Settings | None:
        ctx = self.page.nav.ctx
        return ctx.settings if ctx is not None else None

    def upload(self, kind: DocKind, path: Path) -> None:
        wizard = self.wizard
        self._last_kind = kind

        def op() -> tuple[DocumentInfo, bytes]:
            data = path.read_bytes()
            return wizard.upload(kind, data, path.name), data

        def done(result: tuple[DocumentInfo, bytes]) -> None:
            doc, data = result
            _PREVIEWS[doc.id] = data
            self._build()

        self.run(op, done)

    def upload_photo(self, kind: DocKind, data: bytes, name: str) -> None:
        """A photo taken with the camera (拍照 on the slot)."""
        wizard = self.wizard
        self._last_kind = kind

        def done(doc: DocumentInfo) -> None:
            _PREVIEWS[doc.id] = data
            self._build()

        self.run(lambda: wizard.upload(kind, data, name), done)

    def remove(self, doc: DocumentInfo) -> None:
        self.run(lambda: self.wizard.remove(doc.id), lambda _r: self._build())

    def show_error(self, err: BaseException) -> bool:
        if isinstance(err, DocumentRejected | OSError) and self._last_kind in self.slots:
            self.slots[self._last_kind].set_error(messages.error_text(err))
            return True
        return False
