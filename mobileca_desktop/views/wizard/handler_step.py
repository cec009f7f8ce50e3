"""信息确认及选择办理人员角色: the subject as registered, and 法人本人 or 经办人."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton

from mobileca_desktop.domain.models import Handler
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView


class HandlerStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        info = Card(spacing=6)
        if app is not None:
            for label, value in (
                (self.tr("证书类型"), text_of(app.kind)),
                (self.tr("证书主体"), app.subject_name),
                (self.tr("核验方式"), text_of(app.method) if app.method else ""),
            ):
                line = PlainLabel(self.tr("{label}：{value}").format(label=label, value=value))
                line.setWordWrap(True)
                info.box.addWidget(line)
        self.box.addWidget(info)
        self.box.addWidget(set_role(PlainLabel(self.tr("办理人员角色")), "section"))
        card = Card(spacing=2)
        self.group = QButtonGroup(self)
        self.buttons: dict[Handler, QRadioButton] = {}
        for handler, hint in (
            (Handler.LEGAL_PERSON, self.tr("法定代表人本人办理")),
            (Handler.AGENT, self.tr("非法人本人办理：需填写经办人信息，并填写授权码")),
        ):
            button = QRadioButton(text_of(handler))
            button.setObjectName(f"handler_{handler.value}")
            button.setAccessibleName(text_of(handler))
            note = set_role(PlainLabel(hint), "muted")
            note.setWordWrap(True)
            note.setContentsMargins(28, 0, 0, 8)
            self.group.addButton(button)
            card.box.addWidget(button)
            card.box.addWidget(note)
            self.buttons[handler] = button
        if self.wizard.data.handler in self.buttons:
            self.buttons[self.wizard.data.handler].setChecked(True)
        self.box.addWidget(card)

    def apply(self) -> None:
        for handler, button in self.buttons.items():
            if button.isChecked():
                self.wizard.data.handler = handler
