"""选择核验方式: one of the four methods (四种核验方式任选其一)."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QRadioButton

from mobileca_desktop.domain.models import Method
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.labels import METHOD_HINTS, text
from mobileca_desktop.views.wizard.step_view import StepView


class MethodStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        intro = set_role(
            PlainLabel(
                self.tr(
                    "请根据自身情况选择核验方式（四种核验方式任选其一即可），并准备相关办理材料。"
                )
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.box.addWidget(intro)
        card = Card(spacing=2)
        self.group = QButtonGroup(self)
        self.buttons: dict[Method, QRadioButton] = {}
        for method in Method:
            button = QRadioButton(text_of(method))
            button.setObjectName(f"method_{method.value}")
            button.setAccessibleName(text_of(method))
            hint = set_role(PlainLabel(text(METHOD_HINTS[method])), "muted")
            hint.setWordWrap(True)
            hint.setContentsMargins(28, 0, 0, 8)
            self.group.addButton(button)
            card.box.addWidget(button)
            card.box.addWidget(hint)
            self.buttons[method] = button
        if self.wizard.data.method in self.buttons:
            self.buttons[self.wizard.data.method].setChecked(True)
        self.box.addWidget(card)

    def apply(self) -> None:
        for method, button in self.buttons.items():
            if button.isChecked():
                self.wizard.data.method = method
