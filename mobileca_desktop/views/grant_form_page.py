"""新增授权: the certificate (单位 or 法定代表人, 正常), the agent's name, ID number and phone,
and the period (授权有效期至, within the certificate's validity), then 确认授权.

Empty fields are found here; the ID number's check character, the phone and the period are
checked by the CA and come back as typed errors, shown under the field they name. Nothing
entered is lost on an error.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from mobileca_desktop.domain.errors import CertificateUnavailable, GrantNotAllowed
from mobileca_desktop.domain.models import (
    AgentDetails,
    CertificateRow,
    CertKind,
    CertStatus,
    GrantInfo,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp, show_error
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import SHANGHAI, display_time, text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

GRANTABLE_KINDS = (CertKind.UNIT, CertKind.LEGAL_REP)
DEFAULT_YEARS = 1


def _qdate(value: dt.datetime) -> QDate:
    local = value.astimezone(SHANGHAI).date()
    return QDate(local.year, local.month, local.day)


def agent_choice_text(agent: AgentDetails) -> str:
    """An agent in the choice list: the name, with the ID number and phone partly hidden
    (the fields below show them in full once chosen)."""
    number, phone = agent.id_number, agent.phone
    number = number[:4] + "*" * max(len(number) - 8, 0) + number[-4:] if len(number) > 8 else number
    phone = phone[:3] + "****" + phone[-4:] if len(phone) == 11 else phone
    return f"{agent.name} · {number} · {phone}"


def end_of_day(date: QDate) -> dt.datetime:
    """授权有效期至 a date: 23:59:59 in Asia/Shanghai, as the CA ends validity."""
    return dt.datetime(date.year(), date.month(), date.day(), 23, 59, 59, tzinfo=SHANGHAI)


class NewGrantPage(Page):
    aliases: ClassVar[dict[str, str]] = {
        "name": "agent_name",
        "id_number": "agent_id_number",
        "phone": "agent_phone",
    }

    def __init__(self, window: Navigator) -> None:
        super().__init__()
        self.title = self.tr("新增授权")
        self.setObjectName("newGrantPage")
        self.nav = window
        self.certificates: list[CertificateRow] = []
        self.today = QDate.currentDate()
        self.loaded = False

        intro = set_role(
            PlainLabel(
                self.tr(
                    "授权后，经办人个人登录即可在授权管理中看到该证书，并下载到自己的设备使用。"
                    "授权短信会发送到经办人手机。"
                )
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)

        # 选择证书
        self.body.addWidget(set_role(PlainLabel(self.tr("选择证书")), "section"))
        self.cert_card = Card(spacing=6)
        self.cert_card.setObjectName("grantCertificates")
        self.cert_group = QButtonGroup(self)
        self.cert_group.setExclusive(True)
        self.cert_buttons: dict[int, QRadioButton] = {}
        self.cert_status = set_role(PlainLabel(self.tr("正在加载证书…")), "muted")
        self.cert_status.setObjectName("grantCertStatus")
        self.cert_status.setWordWrap(True)
        self.cert_card.box.addWidget(self.cert_status)
        self.cert_list = QVBoxLayout()
        self.cert_list.setSpacing(2)
        self.cert_card.box.addLayout(self.cert_list)
        note = set_role(
            PlainLabel(
                self.tr(
                    "仅状态为正常的单位证书（企业数字证书）和法定代表人证书可以授权；"
                    "个人证书不支持授权。"
                )
            ),
            "muted",
        )
        note.setObjectName("grantKindsNote")
        note.setWordWrap(True)
        self.cert_card.box.addWidget(note)
        self.cert_error = set_role(PlainLabel(), "error")
        self.cert_error.setObjectName("certificateError")
        self.cert_error.setWordWrap(True)
        self.cert_error.hide()
        self.cert_card.box.addWidget(self.cert_error)
        self.body.addWidget(self.cert_card)

        # 经办人信息
        self.body.addWidget(set_role(PlainLabel(self.tr("经办人信息")), "section"))
        agent = Card(spacing=12)
        # The agents already named in this account's applications, to pick instead of typing.
        self.agents: list[AgentDetails] = []
        self.agent_choice_label = set_role(
            PlainLabel(self.tr("选择已办理申请的经办人")), "fieldLabel"
        )
        self.agent_choice = QComboBox()
        self.agent_choice.setObjectName("agentChoice")
        self.agent_choice.setAccessibleName(self.tr("选择已办理申请的经办人"))
        self.agent_choice.setMinimumHeight(38)
        # A long name never widens the page past the narrowest window: the entry elides.
        self.agent_choice.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.agent_choice.setMinimumContentsLength(12)
        self.agent_choice.currentIndexChanged.connect(self._agent_chosen)
        self.agent_choice_label.setBuddy(self.agent_choice)
        self.agent_choice_label.hide()
        self.agent_choice.hide()
        agent.box.addWidget(self.agent_choice_label)
        agent.box.addWidget(self.agent_choice)
        self.fields: dict[str, FormField] = {}
        for name, label, placeholder in (
            ("agent_name", self.tr("经办人姓名"), self.tr("与身份证一致")),
            ("agent_id_number", self.tr("经办人身份证号"), self.tr("18 位居民身份证号")),
            ("agent_phone", self.tr("经办人手机号"), self.tr("接收授权通知和验证码")),
        ):
            field = FormField(name, label, placeholder=placeholder, max_length=64)
            self.fields[name] = field
            agent.box.addWidget(field)
        self.body.addWidget(agent)

        # 授权期限
        self.body.addWidget(set_role(PlainLabel(self.tr("授权期限")), "section"))
        period = Card(spacing=8)
        until_label = set_role(PlainLabel(self.tr("授权有效期至")), "fieldLabel")
        self.until = QDateEdit()
        self.until.setObjectName("validUntilInput")
        self.until.setAccessibleName(self.tr("授权有效期至"))
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.until.setMinimumHeight(38)
        self.until.dateChanged.connect(lambda _d: self._set_period_error(None))
        until_label.setBuddy(self.until)
        period.box.addWidget(until_label)
        period.box.addWidget(self.until)
        presets = QGridLayout()  # two a row: four are wider than the narrowest window
        presets.setSpacing(6)
        self.preset_buttons: dict[str, QPushButton] = {}
        for key, text in (
            ("3m", self.tr("3 个月")),
            ("6m", self.tr("半年")),
            ("1y", self.tr("1 年")),
            ("max", self.tr("至证书到期")),
        ):
            button = set_role(QPushButton(text), "small")
            button.setObjectName(f"period_{key}")
            button.setAccessibleName(self.tr("授权期限 {}").format(text))
            button.clicked.connect(lambda _=False, k=key: self.preset(k))
            presets.addWidget(button, len(self.preset_buttons) // 2, len(self.preset_buttons) % 2)
            self.preset_buttons[key] = button
        period.box.addLayout(presets)
        self.period_hint = set_role(PlainLabel(), "muted")
        self.period_hint.setObjectName("periodHint")
        self.period_hint.setWordWrap(True)
        period.box.addWidget(self.period_hint)
        self.period_error = set_role(PlainLabel(), "error")
        self.period_error.setObjectName("validUntilError")
        self.period_error.setWordWrap(True)
        self.period_error.hide()
        period.box.addWidget(self.period_error)
        self.body.addWidget(period)

        self.submit_button = set_role(QPushButton(self.tr("确认授权")), "primary")
        self.submit_button.setObjectName("confirmGrantButton")
        self.submit_button.setAccessibleName(self.tr("确认授权"))
        self.submit_button.setMinimumHeight(44)
        self.submit_button.setEnabled(False)
        self.submit_button.clicked.connect(self.submit)
        self.fields["agent_phone"].edit.returnPressed.connect(self.submit)
        self.body.addWidget(self.submit_button)
        self.body.addStretch()

    # --- loading -----------------------------------------------------------------------

    def shown(self) -> None:
        if self.loaded:
            return
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        clock = ctx.clock

        def op() -> tuple[list[CertificateRow], dt.datetime, list[AgentDetails]]:
            rows = ctx.ca.list_certificates(session)
            now = clock.info().now if clock is not None else dt.datetime.now(dt.UTC)
            return rows, now, ctx.ca.application_agents(session)

        BackgroundOp(self, op, on_success=self._show).run()

    def _show(self, result: tuple[list[CertificateRow], dt.datetime, list[AgentDetails]]) -> None:
        rows, now, agents = result
        self.loaded = True
        self._show_agents(agents)
        self.today = _qdate(now)
        own = [
            r
            for r in rows
            if r.certificate_id is not None
            and r.kind in GRANTABLE_KINDS
            and r.granted_by is None
            and r.status in (CertStatus.NORMAL, CertStatus.EXPIRED, CertStatus.REVOKED)
        ]
        own.sort(key=lambda r: (r.status is not CertStatus.NORMAL, r.kind != CertKind.UNIT))
        self.certificates = own
        first: QRadioButton | None = None
        for r in own:
            assert r.certificate_id is not None
            grantable = r.status is CertStatus.NORMAL
            # A radio button's text never wraps: the subject (up to 100 characters) goes in
            # a wrapping label under it, so no name widens the page past the window.
            text = text_of(r.kind) + "\n"
            if grantable:
                text += self.tr("有效期至 {}").format(display_time(r.not_after))
            else:
                text += self.tr("{}，不能授权").format(text_of(r.status))
            button = QRadioButton(text)
            button.setObjectName(f"grantCert_{r.certificate_id}")
            button.setAccessibleName(f"{text_of(r.kind)} {r.subject_name} " + text.split("\n")[1])
            subject = set_role(PlainLabel(r.subject_name), "muted")
            subject.setObjectName(f"grantCertSubject_{r.certificate_id}")
            subject.setWordWrap(True)
            subject.setContentsMargins(24, 0, 0, 4)
            subject.setEnabled(grantable)
            button.setEnabled(grantable)
            button.toggled.connect(partial(self._toggled, r))
            self.cert_group.addButton(button, r.certificate_id)
            self.cert_list.addWidget(button)
            self.cert_list.addWidget(subject)
            self.cert_buttons[r.certificate_id] = button
            if grantable and first is None:
                first = button
        if first is None:
            self.cert_status.setText(
                self.tr(
                    "暂无可授权的证书。请先在首页申请单位证书或法定代表人证书，审核通过"
                    "（状态为正常）后再授权。"
                )
            )
        else:
            self.cert_status.hide()
            first.setChecked(True)
        self.submit_button.setEnabled(first is not None)

    def _show_agents(self, agents: list[AgentDetails]) -> None:
        self.agents = agents
        self.agent_choice.blockSignals(True)
        self.agent_choice.clear()
        self.agent_choice.addItem(self.tr("填写新的经办人"))
        for agent in agents:
            self.agent_choice.addItem(agent_choice_text(agent))
        self.agent_choice.setCurrentIndex(0)
        self.agent_choice.blockSignals(False)
        self.agent_choice_label.setVisible(bool(agents))
        self.agent_choice.setVisible(bool(agents))

    def _agent_values(self) -> tuple[str, str, str]:
        name, number, phone = (
            self.fields[n].value() for n in ("agent_name", "agent_id_number", "agent_phone")
        )
        return name, number, phone

    def _agent_chosen(self, index: int) -> None:
        """A chosen agent fills the three fields; 填写新的经办人 empties them again, unless
        the user has changed them since (nothing typed is lost)."""
        chosen = self.agents[index - 1] if 0 < index <= len(self.agents) else None
        if chosen is None:
            if self._agent_values() in {(a.name, a.id_number, a.phone) for a in self.agents}:
                for field in self.fields.values():
                    field.set_value("")
            self.fields["agent_name"].edit.setFocus()
            return
        for name, value in (
            ("agent_name", chosen.name),
            ("agent_id_number", chosen.id_number),
            ("agent_phone", chosen.phone),
        ):
            self.fields[name].set_value(value)
            self.fields[name].set_error(None)

    def selected(self) -> CertificateRow | None:
        cid = self.cert_group.checkedId()
        return next((r for r in self.certificates if r.certificate_id == cid), None)

    def _toggled(self, row: CertificateRow, on: bool) -> None:
        if on:
            self._chosen(row)

    def _chosen(self, row: CertificateRow) -> None:
        self.cert_error.hide()
        latest = _qdate(row.not_after) if row.not_after else self.today.addYears(DEFAULT_YEARS)
        self.until.setMinimumDate(self.today)
        self.until.setMaximumDate(latest)
        default = self.today.addYears(DEFAULT_YEARS)
        self.until.setDate(min(default, latest))
        self.period_hint.setText(
            self.tr("授权期限不能超过证书有效期（{}）；到期后经办人设备上的证书自动吊销。").format(
                display_time(row.not_after)[:10]
            )
        )

    def preset(self, key: str) -> None:
        base = self.today
        target = {
            "3m": base.addMonths(3),
            "6m": base.addMonths(6),
            "1y": base.addYears(1),
            "max": self.until.maximumDate(),
        }[key]
        self.until.setDate(min(target, self.until.maximumDate()))

    # --- submitting --------------------------------------------------------------------

    def _set_period_error(self, text: str | None) -> None:
        self.period_error.setText(text or "")
        self.period_error.setVisible(bool(text))
        self.until.setAccessibleDescription(text or "")

    def _set_cert_error(self, text: str | None) -> None:
        self.cert_error.setText(text or "")
        self.cert_error.setVisible(bool(text))

    def _check_here(self) -> bool:
        ok = True
        if self.selected() is None:
            self._set_cert_error(self.tr("请选择要授权的证书"))
            ok = False
        for field in self.fields.values():
            if not field.value():
                field.set_error(self.tr("请填写{}").format(field.label.text()))
                ok = False
        return ok

    def submit(self) -> None:
        for field in self.fields.values():
            field.set_error(None)
        self._set_cert_error(None)
        self._set_period_error(None)
        if not self._check_here():
            self._focus_first_error()
            return
        ctx, session = self.nav.ctx, self.nav.session
        row = self.selected()
        assert ctx is not None and session is not None and row is not None
        cid = row.certificate_id
        assert cid is not None
        agent = AgentDetails(
            name=self.fields["agent_name"].value(),
            id_number=self.fields["agent_id_number"].value().upper(),
            phone=self.fields["agent_phone"].value(),
        )
        until = end_of_day(self.until.date())

        self.submit_button.setEnabled(False)
        job = BackgroundOp(
            self,
            lambda: ctx.ca.grant(session, cid, agent, until),
            on_success=self._granted,
            on_failure=self._failed,
        )
        job.finished.connect(lambda: self.submit_button.setEnabled(True))
        job.run()

    def _granted(self, grant: GrantInfo) -> None:
        self.nav.notify(self.tr("授权成功，已短信通知经办人 {}").format(grant.agent_name))
        self.nav.pop()

    def _failed(self, err: BaseException) -> None:
        text = messages.error_text(err)
        name = messages.route_error(err, self.aliases)
        if isinstance(err, GrantNotAllowed) and name == "agent_id_number":
            text = self.tr("经办人不能是法定代表人本人：法定代表人可直接使用该证书")
        if name in self.fields:
            self.fields[name].set_error(text)
            self._focus_first_error()
        elif name == "valid_until":
            self._set_period_error(text)
            self.until.setFocus()
        elif isinstance(err, GrantNotAllowed | CertificateUnavailable):
            self._set_cert_error(text)
            self.scroll_area.ensureWidgetVisible(self.cert_error)
        else:
            show_error(self, err)

    def _focus_first_error(self) -> None:
        if self.cert_error.isVisible():
            self.scroll_area.ensureWidgetVisible(self.cert_card)
            return
        for field in self.fields.values():
            if field.error_text():
                self.scroll_area.ensureWidgetVisible(field)
                field.edit.setFocus()
                return
