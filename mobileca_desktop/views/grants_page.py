"""授权管理: the legal person's grants (新增授权, 撤销授权), or, after 个人登录, the grants an
agent received, each with 下载到本机 (证书下载 / 激活 on this device)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from mobileca_desktop.domain.models import AccountKind, GrantInfo, GrantStatus
from mobileca_desktop.services.device import LocalState
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.grant_row import GrantOnDevice, GrantRow
from mobileca_desktop.views.icons import icon
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel, PlainMessageBox
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator


def open_grants(window: Navigator) -> None:
    """The home tile 授权管理: the legal person's page or the agent's."""
    account = window.account
    assert account is not None
    if account.kind is AccountKind.LEGAL:
        window.push(GrantsPage(window))
    else:
        window.push(ReceivedGrantsPage(window))


class _GrantListPage(Page):
    """A list of grant rows below a fixed head, reloaded each time the page is shown."""

    empty_text = ""

    def __init__(self, window: Navigator) -> None:
        super().__init__()
        self.nav = window
        self.rows: list[GrantRow] = []
        self.grants: list[GrantInfo] = []
        self.loaded = False
        self.head_count = 0
        # Texts are set by the subclasses (self.tr looks up the class that runs it).
        self.status = set_role(PlainLabel(), "muted")
        self.status.setObjectName("grantListStatus")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)

    def finish_head(self) -> None:
        self.head_count = self.body.count()
        self.body.addWidget(self.status)
        self.body.addStretch()

    def shown(self) -> None:
        self.reload()

    def reload(self) -> None:
        raise NotImplementedError

    def show_rows(self, grants: list[GrantInfo], make: Any) -> None:
        for old in self.rows:
            self.body.removeWidget(old)
            old.hide()
            old.deleteLater()
        self.rows = []
        # Active grants first, newest first within each group.
        ordered = sorted(grants, key=lambda g: g.id, reverse=True)
        ordered.sort(key=lambda g: g.status is not GrantStatus.ACTIVE)
        self.grants = ordered
        for i, grant in enumerate(ordered):
            row = make(grant)
            self.body.insertWidget(self.head_count + i, row)
            self.rows.append(row)
        self.status.setText(self.empty_text)
        self.status.setVisible(not ordered)
        self.loaded = True

    def row_for(self, grant_id: int) -> GrantRow | None:
        return next((r for r in self.rows if r.grant.id == grant_id), None)


class GrantsPage(_GrantListPage):
    """法人登录: the grants this company made."""

    def __init__(self, window: Navigator) -> None:
        super().__init__(window)
        self.setObjectName("grantsPage")
        self.title = self.tr("授权管理")
        self.status.setText(self.tr("正在加载…"))
        self.empty_text = self.tr("暂无授权记录。点击“新增授权”把证书授权给经办人使用。")
        self.subjects: dict[int, str] = {}
        intro = set_role(
            PlainLabel(
                self.tr(
                    "可将状态为正常的单位证书、法定代表人证书授权给经办人使用，经办人个人登录后"
                    "可下载到自己的设备。个人证书不支持授权。"
                )
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.new_button = set_role(QPushButton(self.tr("新增授权")), "primary")
        self.new_button.setObjectName("newGrantButton")
        self.new_button.setAccessibleName(self.tr("新增授权"))
        self.new_button.setIcon(icon("grants"))
        self.new_button.setMinimumHeight(44)
        self.new_button.clicked.connect(self.open_new)
        self.body.addWidget(self.new_button)
        self.body.addWidget(set_role(PlainLabel(self.tr("授权记录")), "section"))
        self.finish_head()
        self.confirm: QMessageBox | None = None

    def open_new(self) -> None:
        from mobileca_desktop.views.grant_form_page import NewGrantPage

        self.nav.push(NewGrantPage(self.nav))

    def reload(self) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None

        def op() -> tuple[list[GrantInfo], dict[int, str]]:
            grants = ctx.ca.list_grants(session)
            subjects = {
                r.certificate_id: r.subject_name
                for r in ctx.ca.list_certificates(session)
                if r.certificate_id is not None
            }
            return grants, subjects

        BackgroundOp(self, op, on_success=self._show).run()

    def _show(self, result: tuple[list[GrantInfo], dict[int, str]]) -> None:
        grants, self.subjects = result
        self.show_rows(grants, self._row)

    def _row(self, grant: GrantInfo) -> GrantRow:
        row = GrantRow(grant, mine=True, subject=self.subjects.get(grant.certificate_id, ""))
        row.withdraw_requested.connect(self.ask_withdraw)
        return row

    def ask_withdraw(self, grant: GrantInfo) -> QMessageBox:
        box = PlainMessageBox(self.window())
        box.setObjectName("withdrawConfirm")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("撤销授权"))
        box.setText(
            self.tr("确定撤销对经办人 {} 的{}授权吗？").format(
                grant.agent_name, text_of(grant.certificate_kind)
            )
        )
        box.setInformativeText(
            self.tr(
                "撤销后授权立即失效：经办人在其设备上下载的该证书将被吊销，不能再用于登录、"
                "签章或解密。撤销不能恢复，如需继续使用请重新授权。"
            )
        )
        yes = box.addButton(self.tr("撤销授权"), QMessageBox.ButtonRole.DestructiveRole)
        yes.setObjectName("confirmWithdraw")
        no = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        no.setObjectName("cancelWithdraw")
        box.setDefaultButton(no)
        box.setAccessibleName(box.windowTitle())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        yes.clicked.connect(lambda: self.withdraw(grant))
        self.confirm = box
        box.open()
        return box

    def withdraw(self, grant: GrantInfo) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        row = self.row_for(grant.id)
        if row is not None and row.withdraw_button is not None:
            row.withdraw_button.setEnabled(False)

        def done(_g: GrantInfo) -> None:
            self.nav.notify(self.tr("已撤销授权，经办人设备上的证书已吊销"))
            self.reload()

        BackgroundOp(
            self, lambda: ctx.ca.withdraw_grant(session, grant.id), on_success=done
        ).run().finished.connect(self._enable_rows)

    def _enable_rows(self) -> None:
        for row in self.rows:
            if row.withdraw_button is not None:
                row.withdraw_button.setEnabled(True)


class ReceivedGrantsPage(_GrantListPage):
    """个人登录: the grants this person received, with 下载到本机."""

    def __init__(self, window: Navigator) -> None:
        super().__init__(window)
        self.setObjectName("receivedGrantsPage")
        self.title = self.tr("授权管理")
        self.status.setText(self.tr("正在加载…"))
        self.empty_text = self.tr(
            "暂无授权。单位的法定代表人在授权管理中把证书授权给您后，会在这里显示。"
        )
        self.device_states: dict[int, GrantOnDevice] = {}
        intro = set_role(
            PlainLabel(
                self.tr(
                    "以下为单位授权给您使用的证书。下载到本机并设置证书密码后，可在扫一扫中"
                    "代表单位登录、签章和解密。"
                )
            ),
            "muted",
        )
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.finish_head()

    def reload(self) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        keys = ctx.keys

        def op() -> tuple[list[GrantInfo], dict[int, GrantOnDevice]]:
            grants = ctx.ca.list_grants(session)
            states: dict[int, GrantOnDevice] = {}
            if keys is not None and any(g.status is GrantStatus.ACTIVE for g in grants):
                for st in keys.statuses(session):
                    if st.usable:
                        states[st.certificate_id] = GrantOnDevice.READY
                    elif st.device_cert_revoked:
                        states[st.certificate_id] = GrantOnDevice.REVOKED
                    elif st.local is LocalState.LOCKED:
                        states[st.certificate_id] = GrantOnDevice.LOCKED
            return grants, states

        BackgroundOp(self, op, on_success=self._show).run()

    def _show(self, result: tuple[list[GrantInfo], dict[int, GrantOnDevice]]) -> None:
        grants, self.device_states = result
        self.show_rows(grants, self._row)

    def _row(self, grant: GrantInfo) -> GrantRow:
        row = GrantRow(
            grant,
            mine=False,
            device_state=self.device_states.get(grant.certificate_id, GrantOnDevice.NONE),
        )
        row.download_requested.connect(self.download)
        return row

    def download(self, grant: GrantInfo) -> None:
        """证书下载 / 激活 of the granted certificate on this device."""
        if self.nav.ctx is None or self.nav.ctx.keys is None:
            self.nav.notify(self.tr("本机证书库未打开，无法下载证书"))
            return
        from mobileca_desktop.views.activation_page import ActivationPage

        # The page closes itself when done; this page reloads when shown again.
        self.nav.push(ActivationPage(self.nav, grant.certificate_id))
