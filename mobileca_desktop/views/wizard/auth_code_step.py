"""授权码: sent through the chosen verification method's channel (非法人申请时需要)."""

from __future__ import annotations

from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.wizard.labels import AUTH_CODE_CHANNELS, text
from mobileca_desktop.views.wizard.step_view import StepView


class AuthCodeStep(StepView):
    code_field = "auth_code"

    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        card = Card(spacing=10)
        channel = text(AUTH_CODE_CHANNELS[app.method]) if app and app.method else ""
        hint = PlainLabel(self.tr("非法人申请时需要授权码。{}").format(channel))
        hint.setObjectName("authCodeHint")
        hint.setWordWrap(True)
        card.box.addWidget(hint)
        if app is not None and app.auth_code_confirmed:
            card.box.addWidget(PlainLabel(self.tr("授权码已确认，请点击下一步。")))
        self.fields["auth_code"] = FormField(
            "auth_code", self.tr("授权码"), value=self.wizard.data.auth_code, max_length=6
        )
        card.box.addWidget(self.fields["auth_code"])
        self.box.addWidget(card)

    def apply(self) -> None:
        self.wizard.data.auth_code = self.fields["auth_code"].value()
