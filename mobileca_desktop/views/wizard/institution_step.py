"""选择证书办理 CA 机构: every compatible CA institution, any one will do."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton

from mobileca_desktop.domain.models import Institution
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView


class InstitutionStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        intro = set_role(
            PlainLabel(
                self.tr("列表展示所有兼容的 CA 机构，可根据自身需求任选一家，各机构办理流程类似。")
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.box.addWidget(intro)
        self.card = Card(spacing=4)
        self.loading = set_role(PlainLabel(self.tr("正在加载 CA 机构…")), "muted")
        self.card.box.addWidget(self.loading)
        self.box.addWidget(self.card)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        ca = page.nav.ctx.ca
        BackgroundOp(self, ca.institutions, on_success=self._show).run()

    def _show(self, institutions: list[Institution]) -> None:
        self.loading.hide()
        for inst in institutions:
            button = QRadioButton(inst.name)
            button.setObjectName(f"institution_{inst.id}")
            button.setAccessibleName(inst.name)
            contact = set_role(
                PlainLabel(self.tr("客服电话 {}").format(inst.contact_phone)), "muted"
            )
            contact.setContentsMargins(28, 0, 0, 6)
            self.group.addButton(button)
            self.card.box.addWidget(button)
            self.card.box.addWidget(contact)
            self.buttons[inst.id] = button
        chosen = self.wizard.data.institution_id
        if chosen in self.buttons:
            self.buttons[chosen].setChecked(True)

    def apply(self) -> None:
        for inst_id, button in self.buttons.items():
            if button.isChecked():
                self.wizard.data.institution_id = inst_id
