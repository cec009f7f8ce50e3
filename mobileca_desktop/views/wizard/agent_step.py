"""经办人信息: name, ID number and phone of the agent who handles the application."""

from __future__ import annotations

from typing import ClassVar

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView


class AgentStep(StepView):
    aliases: ClassVar[dict[str, str]] = {
        "name": "agent_name",
        "id_number": "agent_id_number",
        "phone": "agent_phone",
    }

    def __init__(self, page) -> None:
        super().__init__(page)
        note = set_role(
            PlainLabel(
                self.tr("非法人本人办理，请完善经办人信息。经办人将通过短信验证码完成电子签名。")
            ),
            "muted",
        )
        note.setWordWrap(True)
        self.box.addWidget(note)
        card = Card(spacing=12)
        d = self.wizard.data
        for name, label, value in (
            ("agent_name", self.tr("经办人姓名"), d.agent_name),
            ("agent_id_number", self.tr("经办人身份证号"), d.agent_id_number),
            ("agent_phone", self.tr("经办人手机号"), d.agent_phone),
        ):
            self.fields[name] = FormField(name, label, value=value, max_length=64)
            card.box.addWidget(self.fields[name])
        self.box.addWidget(card)

    def apply(self) -> None:
        d = self.wizard.data
        d.agent_name = self.fields["agent_name"].value()
        d.agent_id_number = self.fields["agent_id_number"].value().upper()
        d.agent_phone = self.fields["agent_phone"].value()
