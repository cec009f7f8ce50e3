"""证书管理: the account's certificates and applications, newest first, with their status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from mobileca_desktop.domain.models import CertificateRow, CertStatus, Institution
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.cert_row import CertRow
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator


class CertListPage(Page):
    title = "证书管理"

    def __init__(self, window: Navigator) -> None:
        super().__init__()
        self.setObjectName("certListPage")
        self.nav = window
        self.rows: list[CertRow] = []
        self.loaded = False
        self.title = self.tr("证书管理")
        self.status = set_role(PlainLabel(self.tr("正在加载…")), "muted")
        self.status.setObjectName("certListStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.status)
        self.body.addStretch()

    def shown(self) -> None:
        self.reload()

    def reload(self) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None

        def op() -> tuple[list[CertificateRow], list[Institution]]:
            return ctx.ca.list_certificates(session), ctx.ca.institutions()

        BackgroundOp(self, op, on_success=self._show).run()

    def _show(self, result: tuple[list[CertificateRow], list[Institution]]) -> None:
        rows, institutions = result
        by_id = {i.id: i for i in institutions}
        for old in self.rows:
            self.body.removeWidget(old)
            old.hide()
            old.deleteLater()
        self.rows = []
        # Newest first; drafts and reviews (what needs attention) before the rest.
        rows = sorted(rows, key=lambda r: r.applied_at, reverse=True)
        rows.sort(key=lambda r: r.status not in (CertStatus.DRAFT, CertStatus.REVIEWING))
        for i, row in enumerate(rows):
            widget = CertRow(row, by_id.get(row.institution_id))
            widget.opened.connect(lambda r: self.nav.open_certificate(r.certificate_id))
            widget.continued.connect(self.nav.continue_row)
            self.body.insertWidget(i + 1, widget)
            widget.show()  # now, not at the next turn of the event loop
            self.rows.append(widget)
        self.status.setText(
            "" if rows else self.tr("暂无证书。可在首页申请单位证书、法定代表人证书或个人证书。")
        )
        self.status.setVisible(not rows)
        self.loaded = True
