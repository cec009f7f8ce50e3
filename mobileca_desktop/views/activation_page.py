"""证书下载 / 激活: the certificate comes to this device.

The handbook's first use of 扫一扫: an SMS code to the legal person's phone (it appears in
the phone inbox panel), the certificate password entered twice, 激活. The key pair is made on
this device (services/device.py). On entering, an activation left unfinished (a crash, a
lost connection) is completed or rolled back first (``resume_pending``). A certificate
locked by wrong passwords is recovered the same way (``recover_locked``).

``ActivationPage(window, certificate_id, on_done=None)``: when the user presses the success
card's button the page closes itself, then ``on_done`` (if given) runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mobileca_desktop.domain.errors import (
    AlreadyActivated,
    InvalidInput,
    SmsCodeExpired,
    SmsCodeWrong,
    SmsCooldown,
    SmsTooManyTries,
)
from mobileca_desktop.domain.models import CertificateDetail, CertStatus
from mobileca_desktop.services.device import (
    DeviceCertificateStatus,
    LocalState,
    ResumeOutcome,
    ResumeReport,
)
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import spaced_serial, text_of
from mobileca_desktop.views.icons import pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.password_pages import NewPasswordFields
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.keystore.store import KeyFileInfo
    from mobileca_desktop.views.navigation import Navigator

COOLDOWN_S = 60
# States of this device in which 激活 means recovery (new keys replace the old device cert).
RECOVERY_STATES = (LocalState.LOCKED,)


class ActivationPage(Page):
    def __init__(
        self,
        window: Navigator,
        certificate_id: int,
        on_done: Callable[[], None] | None = None,
        done_text: str | None = None,
    ) -> None:
        super().__init__()
        self.title = self.tr("证书下载")
        self.setObjectName("activationPage")
        self.nav = window
        self.certificate_id = certificate_id
        self.on_done = on_done
        self.done_text = done_text or self.tr("完成")
        self.local: DeviceCertificateStatus | None = None
        self.loaded = False
        self.busy = False
        self.activated_serial: str | None = None

        # --- what this is ---
        intro = Card(spacing=8)
        self.subject = PlainLabel()
        self.subject.setObjectName("activationSubject")
        self.subject.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.subject.setWordWrap(True)
        self.kind = set_role(PlainLabel(), "muted")
        self.kind.setObjectName("activationKind")
        explain = PlainLabel(
            self.tr(
                "下载（激活）后，本机会生成本机的签名密钥并取得签名证书，同时取回单位的"
                "加密密钥，用于扫码登录、签章和解密投标文件。私钥只保存在本机，"
                "由您设置的证书密码保护。"
            )
        )
        explain.setObjectName("activationExplain")
        explain.setWordWrap(True)
        self.state = set_role(PlainLabel(self.tr("正在查看本机的证书…")), "muted")
        self.state.setObjectName("activationState")
        self.state.setWordWrap(True)
        intro.box.addWidget(self.subject)
        intro.box.addWidget(self.kind)
        intro.box.addWidget(explain)
        intro.box.addWidget(self.state)
        self.body.addWidget(intro)

        self.banner = set_role(PlainLabel(), "banner")
        self.banner.setObjectName("activationBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.body.addWidget(self.banner)

        # --- the form ---
        self.form = Card(spacing=12)
        self.form.setObjectName("activationForm")
        self.sms = FormField(
            "sms_code",
            self.tr("短信验证码"),
            placeholder=self.tr("6 位验证码"),
            max_length=6,
        )
        code_row = QHBoxLayout()
        code_row.setSpacing(8)
        code_row.addWidget(self.sms, 1)
        self.code_button = set_role(QPushButton(self.tr("获取验证码")), "small")
        self.code_button.setObjectName("smsCodeButton")
        self.code_button.setAccessibleName(self.tr("获取验证码"))
        self.code_button.setMinimumWidth(92)
        self.code_button.clicked.connect(self.request_code)
        code_row.addWidget(self.code_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.form.box.addLayout(code_row)
        self.sent = set_role(
            PlainLabel(self.tr("验证码将以短信发送至法定代表人的手机（经办人下载时也是如此）。")),
            "muted",
        )
        self.sent.setObjectName("smsSent")
        self.sent.setWordWrap(True)
        self.form.box.addWidget(self.sent)
        self.inbox_button = set_role(QPushButton(self.tr("打开手机收件箱查看验证码")), "link")
        self.inbox_button.setObjectName("openInboxButton")
        self.inbox_button.setAccessibleName(self.tr("打开手机收件箱"))
        self.inbox_button.clicked.connect(self._open_inbox)
        self.form.box.addWidget(self.inbox_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.passwords = NewPasswordFields(self.tr("设置证书密码"), self.tr("确认证书密码"))
        self.form.box.addWidget(self.passwords)
        self.body.addWidget(self.form)

        self.activate_button = set_role(QPushButton(self.tr("激活")), "primary")
        self.activate_button.setObjectName("activateButton")
        self.activate_button.setAccessibleName(self.tr("激活"))
        self.activate_button.setMinimumHeight(44)
        self.activate_button.clicked.connect(self.activate)
        self.body.addWidget(self.activate_button)
        for edit in (self.sms.edit, self.passwords.password.edit, self.passwords.again.edit):
            edit.returnPressed.connect(self.activate)

        # --- success ---
        self.done_card = Card(spacing=10)
        self.done_card.setObjectName("activationDone")
        mark = PlainLabel()
        mark.setPixmap(pixmap("logo", 56, self.devicePixelRatioF()))
        mark.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_heading = set_role(PlainLabel(self.tr("证书下载成功")), "heading")
        self.done_heading.setObjectName("activationDoneHeading")
        self.done_heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_text_label = PlainLabel()
        self.done_text_label.setObjectName("activationDoneText")
        self.done_text_label.setWordWrap(True)
        self.done_text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.done_button = set_role(QPushButton(self.done_text), "primary")
        self.done_button.setObjectName("activationDoneButton")
        self.done_button.setAccessibleName(self.done_text)
        self.done_button.setMinimumHeight(44)
        self.done_button.clicked.connect(self.finish)
        self.done_card.box.addWidget(mark)
        self.done_card.box.addWidget(self.done_heading)
        self.done_card.box.addWidget(self.done_text_label)
        self.done_card.box.addWidget(self.done_button)
        self.done_card.hide()
        self.body.addWidget(self.done_card)
        self.body.addStretch()

        self._left = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._set_form_enabled(False)

    # --- loading ----------------------------------------------------------------------------

    def shown(self) -> None:
        if self.loaded:
            return
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        keys, cid, device = ctx.keys, self.certificate_id, ctx.device
        if keys is None:
            self.state.setText(self.tr("本机密钥库未打开（系统钥匙串不可用），无法下载证书。"))
            self.loaded = True
            return

        def op() -> tuple[list[ResumeReport], DeviceCertificateStatus | None, CertificateDetail]:
            reports = keys.resume_pending(session)
            local = next((s for s in keys.statuses(session) if s.certificate_id == cid), None)
            return reports, local, ctx.ca.certificate_detail(session, cid, device)

        BackgroundOp(self, op, on_success=self._loaded, on_failure=self._load_failed).run()

    def _load_failed(self, err: BaseException) -> None:
        self.loaded = True
        self.state.setText(messages.error_text(err))

    def _loaded(
        self, result: tuple[list[ResumeReport], DeviceCertificateStatus | None, CertificateDetail]
    ) -> None:
        reports, local, detail = result
        self.loaded = True
        self.local = local
        self.subject.setText(detail.subject_name)
        kind = text_of(detail.kind)
        if local is not None and local.granted_by:
            kind = self.tr("{}（授权人：{}）").format(kind, local.granted_by)
        self.kind.setText(kind)
        mine = [r for r in reports if r.certificate_id == self.certificate_id]
        if any(r.outcome is ResumeOutcome.COMPLETED for r in mine):
            serial = local.device_serial_hex if local is not None else None
            self._succeeded(
                serial,
                self.tr("上次中断的证书下载已在本机完成，请使用当时设置的证书密码。"),
            )
            return
        if any(r.outcome is ResumeOutcome.STILL_PENDING for r in mine):
            self._show_banner(
                self.tr("上次的证书下载尚未完成，暂时无法连接 CA，请稍后再打开此页面。")
            )
            self.state.setText(self.tr("上次下载未完成"))
            return
        if detail.status is not CertStatus.NORMAL:
            self.state.setText(self.tr("证书状态为“{}”，不能下载。").format(text_of(detail.status)))
            return
        if local is not None and local.usable:
            self._succeeded(
                local.device_serial_hex, self.tr("本机已下载此证书，可直接使用，无需再次下载。")
            )
            self.done_heading.setText(self.tr("本机已下载此证书"))
            return
        self.state.setText(self._state_text(local))
        self._set_form_enabled(True)
        self.sms.edit.setFocus()

    def _state_text(self, local: DeviceCertificateStatus | None) -> str:
        if local is None:
            return self.tr("本机尚未下载此证书。")
        if local.local in RECOVERY_STATES:
            return self.tr(
                "证书密码错误次数过多，已在本机锁定。重新下载后设置新的证书密码即可解锁；"
                "本机原来的签名证书将被吊销（已被取代）。"
            )
        if local.device_cert_revoked:
            return self.tr("本机的签名证书已失效（如授权已撤回或证书已更新），请重新下载。")
        if local.local is LocalState.CORRUPT:
            return self.tr("本机的证书文件已损坏或被改动，请重新下载。")
        if local.local is LocalState.NOT_THIS_DEVICE:
            return self.tr("本机的证书文件是在其他电脑上生成的，请在本机重新下载。")
        return self.tr("本机尚未下载此证书。")

    @property
    def recovering(self) -> bool:
        return self.local is not None and self.local.local in RECOVERY_STATES

    # --- the SMS code -----------------------------------------------------------------------

    def request_code(self) -> None:
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        keys, cid = ctx.keys, self.certificate_id
        if keys is None:
            return
        self.code_button.setEnabled(False)
        BackgroundOp(
            self,
            lambda: keys.request_code(session, cid),
            on_success=self._code_sent,
            on_failure=self._code_failed,
        ).run()

    def _code_sent(self, masked_phone: str) -> None:
        self.sent.setText(
            self.tr(
                "验证码已发送至法定代表人手机 {}（可在“手机收件箱”查看），5 分钟内有效。"
            ).format(masked_phone)
        )
        self._start_cooldown(COOLDOWN_S)
        self.sms.edit.setFocus()

    def _code_failed(self, err: BaseException) -> None:
        self.sms.set_error(messages.error_text(err))
        if isinstance(err, SmsCooldown):
            self._start_cooldown(int(err.params.get("seconds") or COOLDOWN_S))
        else:
            self.code_button.setEnabled(not self.busy)

    def _start_cooldown(self, seconds: int) -> None:
        self._left = seconds
        self.code_button.setEnabled(False)
        self._timer.start()
        self._tick()

    def _tick(self) -> None:
        if self._left <= 0:
            self._timer.stop()
            self.code_button.setEnabled(not self.busy)
            self.code_button.setText(self.tr("重新获取"))
            self.code_button.setAccessibleName(self.tr("重新获取验证码"))
            return
        self.code_button.setText(self.tr("{} 秒").format(self._left))
        self._left -= 1

    def _open_inbox(self) -> None:
        # On the number the code went to: the newest message of the known phones.
        self.nav.show_inbox()

    # --- 激活 -------------------------------------------------------------------------------

    def activate(self) -> None:
        if self.busy or not self.activate_button.isEnabled():
            return
        self._show_banner("")
        code = self.sms.value()
        ok = True
        if not code:
            self.sms.set_error(self.tr("请输入短信验证码"))
            ok = False
        if not self.passwords.check() or not ok:
            return
        ctx, session = self.nav.ctx, self.nav.session
        assert ctx is not None and session is not None
        keys, cid = ctx.keys, self.certificate_id
        assert keys is not None
        password, again = self.passwords.values()
        run = keys.recover_locked if self.recovering else keys.activate
        self._set_busy(True)
        job = BackgroundOp(
            self,
            lambda: run(session, cid, code, password, again),
            on_success=self._activated,
            on_failure=self._failed,
        )
        job.finished.connect(lambda: self._set_busy(False))
        job.run()

    def _activated(self, info: KeyFileInfo) -> None:
        self._succeeded(
            info.device_serial_hex,
            self.tr("请牢记证书密码：扫码登录、签章和解密时都需要输入。"),
        )
        self.nav.notify(self.tr("证书已下载到本机"))

    def _failed(self, err: BaseException) -> None:
        if isinstance(err, AlreadyActivated):
            self._succeeded(None, messages.error_text(err))
            self.done_heading.setText(self.tr("本机已下载此证书"))
            return
        if isinstance(err, SmsCodeWrong | SmsCodeExpired | SmsTooManyTries) or (
            isinstance(err, InvalidInput) and err.params.get("field") == "sms_code"
        ):
            self.sms.set_error(messages.error_text(err))
            self.sms.edit.setFocus()
            return
        if self.passwords.show_error(err):
            return
        self._show_banner(messages.error_text(err))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.activate_button.setEnabled(not busy)
        self.activate_button.setText(self.tr("正在下载证书…") if busy else self.tr("激活"))

    def _set_form_enabled(self, enabled: bool) -> None:
        self.form.setEnabled(enabled)
        self.activate_button.setEnabled(enabled)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    # --- success ----------------------------------------------------------------------------

    def _succeeded(self, serial_hex: str | None, note: str) -> None:
        self.activated_serial = serial_hex
        self._timer.stop()
        self.form.hide()
        self.activate_button.hide()
        self.banner.hide()
        self.state.setText(self.tr("本机已下载此证书。"))
        lines = []
        if serial_hex:
            lines.append(self.tr("本机签名证书序列号：{}").format(spaced_serial(serial_hex)))
        lines.append(note)
        self.done_text_label.setText("\n".join(lines))
        self.done_card.show()
        self.done_button.setFocus()

    def finish(self) -> None:
        """The success card's button: close this page, then whatever comes next."""
        window = self.nav
        if window.current() is self:
            window.pop()
        if self.on_done is not None:
            self.on_done()
