"""One grant of 授权管理 as a card: certificate kind, status badge, the agent (for the legal
person) or the company (for the agent), the period, and the actions the status allows."""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout

from mobileca_desktop.domain.models import CertStatus, GrantInfo, GrantStatus
from mobileca_desktop.views.format import display_time, text_of
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import badge_style, set_role

# Grant statuses in the colours of 证书管理's badges.
_BADGE_COLOURS = {
    GrantStatus.ACTIVE: CertStatus.NORMAL,
    GrantStatus.WITHDRAWN: CertStatus.REVOKED,
    GrantStatus.EXPIRED: CertStatus.EXPIRED,
}


class GrantOnDevice(StrEnum):
    """A received grant's certificate on this device (the agent's list)."""

    NONE = ""  # not downloaded here, or nothing to say
    READY = "ready"  # downloaded and usable: 扫一扫 can act for the company
    REVOKED = "revoked"  # the device's certificate was revoked: 重新下载
    LOCKED = "locked"  # too many wrong passwords: 重新下载


class GrantBadge(PlainLabel):
    """授权中 / 已撤销 / 已过期."""

    def __init__(self, status: GrantStatus) -> None:
        super().__init__()
        self.setObjectName("grantBadge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = status
        self.setText(text_of(status))
        self.setAccessibleName(self.tr("状态：{}").format(text_of(status)))
        self.setStyleSheet(badge_style(_BADGE_COLOURS[status]))


class GrantRow(QFrame):
    """``mine`` is True in the legal person's list (the agent is shown, 撤销授权 offered) and
    False in the agent's (the company is shown, 下载到本机 offered)."""

    withdraw_requested = Signal(object)  # GrantInfo
    download_requested = Signal(object)  # GrantInfo

    def __init__(
        self,
        grant: GrantInfo,
        *,
        mine: bool,
        subject: str = "",
        device_state: GrantOnDevice = GrantOnDevice.NONE,
    ) -> None:
        super().__init__()
        self.grant = grant
        set_role(self, "card")
        self.setObjectName(f"grantRow_{grant.id}")
        kind = text_of(grant.certificate_kind)
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 12, 12)
        box.setSpacing(4)

        head = QHBoxLayout()
        title = PlainLabel(kind)
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.badge = GrantBadge(grant.status)
        head.addWidget(title)
        head.addStretch()
        head.addWidget(self.badge)
        box.addLayout(head)

        period = self.tr("授权期限：{} 至 {}").format(
            display_time(grant.valid_from)[:10], display_time(grant.valid_until)
        )
        if mine:
            lines = [
                subject or grant.company_name,
                self.tr("经办人：{}（{}）").format(grant.agent_name, grant.agent_id_masked),
                self.tr("经办人手机号：{}").format(grant.agent_phone_masked),
                period,
            ]
        else:
            lines = [grant.company_name]
            if grant.granted_by and grant.granted_by != grant.company_name:
                lines.append(self.tr("授权人：{}").format(grant.granted_by))
            lines.append(period)
        for text in lines:
            line = set_role(PlainLabel(text), "muted")
            line.setWordWrap(True)
            box.addWidget(line)
        self.setAccessibleName(" ".join([kind, text_of(grant.status), *lines]))

        note = self._note(grant, mine, device_state)
        if note:
            banner = set_role(PlainLabel(note), "banner")
            banner.setObjectName("grantNote")
            banner.setWordWrap(True)
            box.addWidget(banner)

        self.withdraw_button: QPushButton | None = None
        self.download_button: QPushButton | None = None
        foot = QHBoxLayout()
        foot.addStretch()
        if grant.status is GrantStatus.ACTIVE and mine:
            self.withdraw_button = set_role(QPushButton(self.tr("撤销授权")), "small")
            self.withdraw_button.setObjectName("withdrawButton")
            self.withdraw_button.setStyleSheet("color: #E5484D;")
            self.withdraw_button.setAccessibleName(
                self.tr("撤销授权 {} {}").format(kind, grant.agent_name)
            )
            self.withdraw_button.clicked.connect(lambda: self.withdraw_requested.emit(self.grant))
            foot.addWidget(self.withdraw_button)
        if (
            grant.status is GrantStatus.ACTIVE
            and not mine
            and device_state is not GrantOnDevice.READY
        ):
            revoked = device_state is GrantOnDevice.REVOKED
            text = self.tr("重新下载") if revoked else self.tr("下载到本机")
            self.download_button = set_role(QPushButton(text), "small")
            self.download_button.setObjectName("downloadButton")
            self.download_button.setAccessibleName(f"{text} {grant.company_name} {kind}")
            self.download_button.clicked.connect(lambda: self.download_requested.emit(self.grant))
            foot.addWidget(self.download_button)
        if foot.count() > 1:
            box.addLayout(foot)

    def _note(self, grant: GrantInfo, mine: bool, device_state: GrantOnDevice) -> str:
        if grant.status is GrantStatus.WITHDRAWN:
            if mine:
                return self.tr("授权已撤销，经办人设备上的证书已吊销。")
            return self.tr("授权已被撤销，您设备上下载的该证书已吊销，不能再使用。")
        if grant.status is GrantStatus.EXPIRED:
            if mine:
                return self.tr("授权已到期，经办人设备上的证书已吊销。")
            return self.tr("授权已到期，您设备上下载的该证书已吊销，不能再使用。")
        if not mine:
            if device_state is GrantOnDevice.READY:
                return self.tr("已下载到本机，可在扫一扫中代表单位使用。")
            if device_state is GrantOnDevice.REVOKED:
                return self.tr("本机的证书已吊销，请重新下载。")
            if device_state is GrantOnDevice.LOCKED:
                return self.tr("证书密码错误次数过多，已在本机锁定，请重新下载。")
        return ""
