"""证书详情: 颁发机构, 证书序列号, 申请日期, 有效期至, 证书类型, 证书关联印章列表; whether this
device holds the certificate (下载证书 when it does not); and the actions 证书更新, 证书变更,
吊销, 修改证书密码 (views/cert_actions.py, views/password_pages.py).

The page reloads each time it becomes current, so it shows what an action changed (已吊销,
本机已下载) when the user comes back to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.domain.models import CertificateDetail, CertStatus
from mobileca_desktop.services.device import DeviceCertificateStatus, LocalState
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import display_time, spaced_serial, text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.status_badge import StatusBadge
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

SEAL_HEIGHT = 120
# What this device's keystore says, as words (LocalState values).
NEEDS_NEW_DOWNLOAD = (
    LocalState.ABSENT,
    LocalState.CORRUPT,
    LocalState.NOT_THIS_DEVICE,
    LocalState.LOCKED,
    LocalState.PENDING,
)


class CertDetailPage(Page):
    title = "证书详情"

    def __init__(self, window: Navigator, certificate_id: int) -> None:
        super().__init__()
        self.title = self.tr("证书详情")
        self.setObjectName("certDetailPage")
        self.nav = window
        self.certificate_id = certificate_id
        self.detail: CertificateDetail | None = None
        self.local: DeviceCertificateStatus | None = None
        self.granted_by: str | None = None
        self.loads = 0  # how many times the page was filled (tests wait for a reload)
        self._requested = 0  # the latest reload asked for; older answers are stale
        self.values: dict[str, QLabel] = {}
        self.seals: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.content: QWidget | None = None
        self.loading = set_role(PlainLabel(self.tr("正在加载…")), "muted")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.loading)
        self.body.addStretch()

    # --- loading ----------------------------------------------------------------------------

    def shown(self) -> None:
        self.reload()

    def reload(self) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        cid, device, keys = self.certificate_id, ctx.device, ctx.keys
        self._requested += 1
        seq = self._requested

        def op() -> tuple[CertificateDetail, DeviceCertificateStatus | None, str | None]:
            detail = ctx.ca.certificate_detail(session, cid, device)
            local = None
            if keys is not None:
                local = next((s for s in keys.statuses(session) if s.certificate_id == cid), None)
                granted = local.granted_by if local is not None else None
            else:
                row = next(
                    (r for r in ctx.ca.list_certificates(session) if r.certificate_id == cid),
                    None,
                )
                granted = row.granted_by if row is not None else None
            return detail, local, granted

        BackgroundOp(
            self,
            op,
            on_success=lambda result: self._show(result) if seq == self._requested else None,
            on_failure=self._failed,
        ).run()

    def _failed(self, err: BaseException) -> None:
        if self.detail is None:
            self.loading.setText(messages.error_text(err))
            self.loading.show()
        else:
            self.nav.notify(messages.error_text(err))

    def _show(
        self, result: tuple[CertificateDetail, DeviceCertificateStatus | None, str | None]
    ) -> None:
        d, self.local, self.granted_by = result
        self.detail = d
        self.loading.hide()
        if self.content is not None:
            self.body.removeWidget(self.content)
            self.content.hide()
            self.content.deleteLater()
        self.values, self.seals, self.buttons = {}, {}, {}
        self.content = QWidget()
        self.content.setObjectName("detailContent")
        column = QVBoxLayout(self.content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(12)
        column.addWidget(self._head(d))
        column.addWidget(self._device_card(d))
        column.addWidget(self._info(d))
        column.addWidget(set_role(PlainLabel(self.tr("证书关联印章列表")), "section"))
        column.addWidget(self._seals(d))
        self.body.insertWidget(0, self.content)
        self.content.show()  # now, not at the next turn of the event loop
        self.loads += 1

    # --- the parts --------------------------------------------------------------------------

    def _head(self, d: CertificateDetail) -> Card:
        head = Card()
        top = QHBoxLayout()
        subject = PlainLabel(d.subject_name)
        subject.setObjectName("detailSubject")
        subject.setStyleSheet("font-size: 17px; font-weight: 600;")
        subject.setWordWrap(True)
        self.badge = StatusBadge(d.status)
        top.addWidget(subject, 1)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        head.box.addLayout(top)
        if self.granted_by:
            granted = set_role(PlainLabel(self.tr("授权人：{}").format(self.granted_by)), "muted")
            granted.setObjectName("detailGrantedBy")
            head.box.addWidget(granted)
        if d.successor_id is not None:
            note = set_role(
                PlainLabel(self.tr("此证书已被新证书取代（证书更新或变更），请使用新证书。")),
                "banner",
            )
            note.setObjectName("successorNote")
            note.setWordWrap(True)
            head.box.addWidget(note)
            successor = set_role(QPushButton(self.tr("查看新证书")), "small")
            successor.setObjectName("successorButton")
            successor.setAccessibleName(self.tr("查看新证书"))
            new_id = d.successor_id
            successor.clicked.connect(lambda: self.nav.open_certificate(new_id))
            head.box.addWidget(successor, 0, Qt.AlignmentFlag.AlignLeft)

        owner = self.granted_by is None
        live = d.successor_id is None
        ready = self.local is not None and self.local.local is LocalState.READY
        actions = [
            (
                "renewButton",
                self.tr("证书更新"),
                owner and live and d.status in (CertStatus.NORMAL, CertStatus.EXPIRED),
                self.renew,
            ),
            (
                "changeButton",
                self.tr("证书变更"),
                owner and live and d.status is CertStatus.NORMAL,
                self.change,
            ),
            (
                "revokeButton",
                self.tr("吊销"),
                owner and live and d.status in (CertStatus.NORMAL, CertStatus.EXPIRED),
                self.revoke,
            ),
            (
                "passwordButton",
                self.tr("修改证书密码"),
                ready,
                self.change_password,
            ),
        ]
        # Two a row: four in one row are wider than the window at its minimum size.
        row = QGridLayout()
        row.setSpacing(6)
        for object_name, text, enabled, slot in actions:
            if not owner and object_name != "passwordButton":
                continue  # an agent uses a granted certificate; only its owner manages it
            button = set_role(QPushButton(text), "small")
            colour = "#E5484D" if object_name == "revokeButton" else "#1F2329"
            button.setStyleSheet(
                f"QPushButton {{ color: {colour}; }}"
                " QPushButton:disabled { color: #B0B5BD; background: #F7F8FA; }"
            )
            button.setObjectName(object_name)
            button.setAccessibleName(text)
            button.setEnabled(enabled)
            button.clicked.connect(slot)
            row.addWidget(button, len(self.buttons) // 2, len(self.buttons) % 2)
            self.buttons[object_name] = button
        head.box.addLayout(row)
        if not ready and d.status is CertStatus.NORMAL:
            self.buttons["passwordButton"].setToolTip(self.tr("下载证书到本机后才能修改证书密码"))
        return head

    def _device_card(self, d: CertificateDetail) -> Card:
        """Whether this device holds the certificate, and 下载证书 when it does not."""
        card = Card(spacing=8)
        card.setObjectName("deviceCard")
        ctx = self.nav.ctx
        device = ctx.device if ctx is not None else ""
        title = set_role(PlainLabel(self.tr("本机（{}）").format(device)), "fieldLabel")
        title.setStyleSheet("font-weight: 600;")
        card.box.addWidget(title)
        state = PlainLabel(self._device_text(d))
        state.setObjectName("deviceState")
        state.setWordWrap(True)
        state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.box.addWidget(state)
        self.device_state = state
        local = self.local
        can_download = (
            ctx is not None
            and ctx.keys is not None
            and d.status is CertStatus.NORMAL
            and d.successor_id is None
            and (local is None or local.needs_download or local.local in NEEDS_NEW_DOWNLOAD)
        )
        if can_download:
            again = local is not None and local.local is not LocalState.ABSENT
            text = self.tr("重新下载证书") if again else self.tr("下载证书")
            button = set_role(QPushButton(text), "primary")
            button.setObjectName("downloadButton")
            button.setAccessibleName(text)
            button.setMinimumHeight(40)
            button.clicked.connect(self.download)
            card.box.addWidget(button)
            self.buttons["downloadButton"] = button
        return card

    def _device_text(self, d: CertificateDetail) -> str:
        ctx, local = self.nav.ctx, self.local
        if ctx is None or ctx.keys is None:
            return self.tr("本机密钥库未打开（系统钥匙串不可用），无法查看或下载本机证书。")
        if local is None or local.local is LocalState.ABSENT:
            if d.status is CertStatus.NORMAL:
                return self.tr(
                    "本机尚未下载（激活）此证书。下载后才能在本机扫码登录、签章和解密投标文件。"
                )
            if d.status is CertStatus.REVOKED:
                return self.tr("证书已吊销，不能再下载或使用。")
            if d.status is CertStatus.EXPIRED:
                return self.tr("证书已过期，不能下载；请先进行证书更新。")
            return self.tr("本机未下载此证书。")
        serial = spaced_serial(local.device_serial_hex or "")
        if local.local is LocalState.READY and local.device_cert_revoked:
            return self.tr(
                "本机签名证书 {} 已被吊销（如授权已撤回、证书已更新或已吊销），不能再使用。"
            ).format(serial)
        if local.local is LocalState.READY:
            return self.tr("本机已下载此证书，可用于扫码登录、签章和解密投标文件。")
        if local.local is LocalState.LOCKED:
            return self.tr("证书密码错误次数过多，已在本机锁定。重新下载证书即可解锁。")
        if local.local is LocalState.PENDING:
            return self.tr("上次的下载被中断，打开下载页面会先完成或撤销它。")
        if local.local is LocalState.CORRUPT:
            return self.tr("本机的证书文件已损坏或被改动，请重新下载。")
        if local.local is LocalState.NOT_THIS_DEVICE:
            return self.tr("本机的证书文件是在其他电脑上生成的，请在本机重新下载。")
        return str(local.local)

    def _info(self, d: CertificateDetail) -> Card:
        info = Card()
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        rows = [
            ("issuer", self.tr("颁发机构"), d.institution_name),
            ("serial", self.tr("证书序列号"), spaced_serial(d.serial_hex)),
            ("applied", self.tr("申请日期"), display_time(d.applied_at)),
            ("notAfter", self.tr("有效期至"), display_time(d.not_after)),
            ("kind", self.tr("证书类型"), text_of(d.kind)),
        ]
        for i, (key, label, value) in enumerate(rows):
            name = set_role(PlainLabel(label), "muted")
            text = set_role(PlainLabel(value), "value")
            text.setObjectName(f"{key}Value")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{label} {value.replace(chr(0x200B), '')}")
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, i, 1)
            self.values[key] = text
        grid.setColumnStretch(1, 1)
        info.box.addLayout(grid)
        if d.serial_is_device:
            note = self.tr("证书序列号为本机签名证书的序列号（本机已下载此证书）。")
        elif d.status is CertStatus.NORMAL:
            note = self.tr(
                "本机尚未下载（激活）此证书：证书序列号为加密证书的序列号；"
                "下载后显示本机签名证书的序列号。"
            )
        else:
            note = self.tr("证书序列号为加密证书的序列号（本机未下载此证书）。")
        serial_note = set_role(PlainLabel(note), "muted")
        serial_note.setObjectName("serialNote")
        serial_note.setWordWrap(True)
        info.box.addWidget(serial_note)
        return info

    def _seals(self, d: CertificateDetail) -> Card:
        seals = Card()
        row = QHBoxLayout()
        row.setSpacing(16)
        for seal in d.seals:
            cell = QVBoxLayout()
            image = PlainLabel()
            image.setObjectName(f"seal_{seal.kind.value}")
            image.setAccessibleName(text_of(seal.kind))
            pix = QPixmap()
            pix.loadFromData(seal.png, "PNG")
            ratio = self.devicePixelRatioF()
            scaled = pix.scaledToHeight(
                round(SEAL_HEIGHT * ratio), Qt.TransformationMode.SmoothTransformation
            )
            scaled.setDevicePixelRatio(ratio)
            image.setPixmap(scaled)
            image.setAlignment(Qt.AlignmentFlag.AlignCenter)
            caption = PlainLabel(text_of(seal.kind))
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cell.addWidget(image)
            cell.addWidget(caption)
            row.addLayout(cell)
            self.seals[seal.kind.value] = image
        if not d.seals:
            row.addWidget(set_role(PlainLabel(self.tr("暂无关联印章")), "muted"))
        row.addStretch()
        seals.box.addLayout(row)
        return seals

    # --- actions ----------------------------------------------------------------------------

    def renew(self) -> None:
        from mobileca_desktop.views.cert_actions import renew_from_detail

        renew_from_detail(self.nav, self.certificate_id)

    def change(self) -> None:
        from mobileca_desktop.views.cert_actions import ChangeCertificatePage

        assert self.detail is not None
        self.nav.push(ChangeCertificatePage(self.nav, self.detail))

    def revoke(self) -> None:
        from mobileca_desktop.views.cert_actions import ask_revoke

        assert self.detail is not None
        ask_revoke(self.nav, self.detail, self.reload)

    def change_password(self) -> None:
        from mobileca_desktop.views.password_pages import ChangePasswordPage

        subject = self.detail.subject_name if self.detail is not None else ""
        self.nav.push(ChangePasswordPage(self.nav, self.certificate_id, subject))

    def download(self) -> None:
        from mobileca_desktop.views.activation_page import ActivationPage

        self.nav.push(ActivationPage(self.nav, self.certificate_id))
