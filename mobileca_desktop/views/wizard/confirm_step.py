"""信息确认: what will be applied for, before the documents and the signature."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel

from mobileca_desktop.domain.models import CertKind, Handler, Method
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.step_view import StepView


class ConfirmStep(StepView):
    def __init__(self, page) -> None:
        super().__init__(page)
        app = self.wizard.application
        assert app is not None
        note = set_role(
            PlainLabel(self.tr("请确认以下信息无误后点击确认，然后上传证件。")), "muted"
        )
        note.setWordWrap(True)
        self.box.addWidget(note)
        card = Card()
        grid = QGridLayout()
        grid.setVerticalSpacing(10)
        # (key, label, value): ``values`` is keyed by the Chinese label, whatever the language.
        rows = [
            ("证书类型", self.tr("证书类型"), text_of(app.kind)),
            ("证书主体", self.tr("证书主体"), app.subject_name),
            ("CA 机构", self.tr("CA 机构"), app.institution_id),
            (
                "核验方式",
                self.tr("核验方式"),
                self.tr("{}（已通过）").format(self._method_text(app)) if app.method else "",
            ),
        ]
        if app.handler is not None:
            who = text_of(app.handler)
            if app.handler is Handler.AGENT and app.agent is not None:
                who = self.tr("{role}：{name}（{phone}）").format(
                    role=who, name=app.agent.name, phone=app.agent.phone
                )
            rows.append(("办理人员", self.tr("办理人员"), who))
        self.values: dict[str, QLabel] = {}
        for i, (key, label, value) in enumerate(rows):
            grid.addWidget(set_role(PlainLabel(label), "muted"), i, 0)
            text = PlainLabel(value)
            text.setWordWrap(True)
            grid.addWidget(text, i, 1)
            self.values[key] = text
        grid.setColumnStretch(1, 1)
        card.box.addLayout(grid)
        self.box.addWidget(card)
        ca = page.nav.ctx.ca
        BackgroundOp(self, ca.institutions, on_success=self._names).run()

    def _method_text(self, app) -> str:
        """个人证书 are verified by the applicant's own face (本人刷脸), as the verify page says."""
        if app.kind is CertKind.PERSONAL and app.method is Method.FACE:
            return self.tr("本人刷脸")
        return text_of(app.method)

    def _names(self, institutions) -> None:
        app = self.wizard.application
        names = {i.id: i.name for i in institutions}
        if app is not None and app.institution_id in names:
            self.values["CA 机构"].setText(names[app.institution_id])
