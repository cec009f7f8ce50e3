"""已提交: the application waits for the CA institution (审核中), with its contact details."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mobileca_desktop.domain.models import CertStatus, Institution
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.status_badge import StatusBadge
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.labels import institution_help
from mobileca_desktop.views.wizard.step_view import StepView


class SubmittedStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        card = Card(spacing=10)
        mark = PlainLabel()
        mark.setPixmap(pixmap("logo", 56, self.devicePixelRatioF()))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        done = set_role(PlainLabel(self.tr("证书申请材料已提交")), "heading")
        done.setObjectName("submittedHeading")
        done.setAlignment(Qt.AlignmentFlag.AlignCenter)
        badge = StatusBadge(CertStatus.REVIEWING)
        text = PlainLabel(
            self.tr("需等待 CA 机构审核制证，请耐心等待！审核结果可在“证书管理”中查看。")
        )
        text.setWordWrap(True)
        self.contact = set_role(
            PlainLabel(self.tr("CA 机构联系方式，请访问{}").format(institution_help())), "muted"
        )
        self.contact.setObjectName("institutionContact")
        self.contact.setWordWrap(True)
        self.contact.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.box.addWidget(mark)
        card.box.addWidget(done)
        card.box.addWidget(badge, 0, Qt.AlignmentFlag.AlignCenter)
        card.box.addWidget(text)
        card.box.addWidget(self.contact)
        self.box.addWidget(card)
        ca = page.nav.ctx.ca
        BackgroundOp(self, ca.institutions, on_success=self._contact).run()

    def _contact(self, institutions: list[Institution]) -> None:
        app = self.wizard.application
        for inst in institutions:
            if app is not None and inst.id == app.institution_id:
                self.contact.setText(
                    self.tr(
                        "可联系 CA 机构：{name}，电话 {phone}。其他 CA 机构联系方式请访问{help}"
                    ).format(name=inst.name, phone=inst.contact_phone, help=institution_help())
                )
