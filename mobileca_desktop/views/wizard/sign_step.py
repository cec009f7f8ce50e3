"""短信验证码电子签名: the handler signs the application with an SMS code, then submits."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mobileca_desktop.domain.models import Handler
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView

COOLDOWN_S = 60


class SignStep(StepView):
    code_field = "sms_code"

    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        agent = app is not None and app.handler is Handler.AGENT
        who = (
            self.tr("经办人 {name}（{phone}）").format(name=app.agent.name, phone=app.agent.phone)
            if agent and app is not None and app.agent
            else self.tr("申请人（法定代表人）")
        )
        card = Card(spacing=10)
        hint = PlainLabel(
            self.tr(
                "由{}通过短信验证码完成证书申请材料的电子签名。提交后等待 CA 机构审核。"
            ).format(who)
        )
        hint.setObjectName("signHint")
        hint.setWordWrap(True)
        card.box.addWidget(hint)
        self.fields["sms_code"] = FormField(
            "sms_code", self.tr("短信验证码"), value=self.wizard.data.sms_code, max_length=6
        )
        row = QHBoxLayout()
        row.addWidget(self.fields["sms_code"], 1)
        self.code_button = set_role(QPushButton(self.tr("获取验证码")), "small")
        self.code_button.setObjectName("smsCodeButton")
        self.code_button.setAccessibleName(self.tr("获取验证码"))
        self.code_button.clicked.connect(self._request)
        row.addWidget(self.code_button)
        card.box.addLayout(row)
        self.sent = set_role(PlainLabel(), "muted")
        self.sent.setObjectName("smsSent")
        self.sent.hide()
        card.box.addWidget(self.sent)
        self.box.addWidget(card)
        self._left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def _request(self) -> None:
        self.run(self.wizard.request_sms_code, lambda _r: self._sent())

    def _sent(self) -> None:
        self.sent.setText(self.tr("验证码已发送（可在“手机收件箱”查看），5 分钟内有效。"))
        self.sent.show()
        self._left = COOLDOWN_S
        self.code_button.setEnabled(False)
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        if self._left <= 0:
            self._timer.stop()
            self.code_button.setEnabled(True)
            self.code_button.setText(self.tr("重新获取"))
            return
        self.code_button.setText(self.tr("{} 秒").format(self._left))
        self._left -= 1

    def apply(self) -> None:
        self.wizard.data.sms_code = self.fields["sms_code"].value()
