"""The certificate password: the strength meter, the new password entered twice (shared by
证书下载 / 激活 and 修改证书密码), and the 修改证书密码 page.

The certificate password protects this device's keys (services/device.py); it never leaves
the device. The meter and the checks before sending use ``services.device.password_strength``
and ``check_new_password`` (pure functions, no service call); the keystore checks again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from mobileca_desktop.domain.errors import (
    CertificateLocked,
    KeystoreCorrupt,
    NotActivated,
    NotThisDevice,
    PasswordChangedElsewhere,
    PasswordMismatch,
    WeakPassword,
    WrongPassword,
)
from mobileca_desktop.services.device import password_strength
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import BORDER, ERROR, set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

# Meter colours by score 0-4 (weak → strong).
LEVEL_COLOURS = ("#E5484D", "#E5484D", "#F59E0B", "#12A05C", "#12805C")
SEGMENTS = 4


class StrengthMeter(QWidget):
    """Four bars and a word (弱 / 中 / 强 / 很强), with what to fix when it is not accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("strengthMeter")
        self.setAccessibleName(self.tr("密码强度"))
        self.score = 0
        self.problems: list[str] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.bars: list[QFrame] = []
        for _ in range(SEGMENTS):
            bar = QFrame()
            bar.setFixedHeight(5)
            row.addWidget(bar, 1)
            self.bars.append(bar)
        self.level = set_role(PlainLabel(), "muted")
        self.level.setObjectName("strengthLevel")
        self.level.setMinimumWidth(64)
        self.level.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.level)
        box.addLayout(row)
        self.advice = set_role(PlainLabel(), "muted")
        self.advice.setObjectName("strengthAdvice")
        self.advice.setWordWrap(True)
        box.addWidget(self.advice)
        self.update_for("")

    def level_text(self, score: int, problems: list[str]) -> str:
        if problems:
            return self.tr("强度：弱")
        return (
            self.tr("强度：弱"),
            self.tr("强度：弱"),
            self.tr("强度：中"),
            self.tr("强度：强"),
            self.tr("强度：很强"),
        )[max(0, min(score, 4))]

    def problem_text(self, problems: list[str]) -> str:
        words = {
            "too_short": self.tr("至少 8 位"),
            "too_long": self.tr("最多 128 位"),
            "one_kind": self.tr("须混合字母、数字、符号中的至少两类"),
            "common": self.tr("这是常见密码，容易被猜中"),
            "pattern": self.tr("避免重复字符、连续序列（如 12345678）和键盘排列"),
            "edge_space": self.tr("首尾不能有空格"),
            "control": self.tr("不能包含控制字符"),
        }
        return self.tr("；").join(words.get(p, p) for p in problems)

    def update_for(self, password: str) -> None:
        self.score, self.problems = password_strength(password)
        empty = not password
        lit = 0 if empty else max(1, self.score)
        colour = LEVEL_COLOURS[self.score if not self.problems else 0]
        for i, bar in enumerate(self.bars):
            bar.setStyleSheet(
                f"background: {colour if i < lit else BORDER}; border-radius: 2px; border: none;"
            )
        self.level.setText("" if empty else self.level_text(self.score, self.problems))
        if empty:
            self.advice.setText(
                self.tr("至少 8 位，混合字母、数字或符号；避免常见密码和连续字符。")
            )
        elif self.problems:
            self.advice.setText(self.problem_text(self.problems))
        else:
            self.advice.setText(self.tr("可以使用。请牢记证书密码：忘记后需重新下载证书。"))
        self.level.setStyleSheet(
            f"color: {ERROR};" if self.problems and not empty else "color: #12805C;"
        )
        self.setAccessibleDescription(f"{self.level.text()} {self.advice.text()}".strip())


class NewPasswordFields(QWidget):
    """A new certificate password entered twice, with the strength meter under the first."""

    def __init__(self, label: str, again_label: str) -> None:
        super().__init__()
        self.setObjectName("newPasswordFields")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(8)
        self.password = FormField(
            "password", label, password=True, placeholder=self.tr("至少 8 位，字母与数字组合")
        )
        self.meter = StrengthMeter()
        self.again = FormField(
            "password_again", again_label, password=True, placeholder=self.tr("再次输入证书密码")
        )
        self.password.edit.textChanged.connect(self.meter.update_for)
        box.addWidget(self.password)
        box.addWidget(self.meter)
        box.addWidget(self.again)

    @property
    def fields(self) -> dict[str, FormField]:
        return {"password": self.password, "password_again": self.again}

    def values(self) -> tuple[str, str]:
        # Not stripped: a space is part of a password (the meter says if it is at an edge).
        return self.password.edit.text(), self.again.edit.text()

    def check(self) -> bool:
        """The checks the service makes before anything is sent, shown next to the fields."""
        first, second = self.values()
        ok = True
        _score, problems = password_strength(first)
        if problems:
            self.password.set_error(self.weak_text(problems))
            ok = False
        if not second:
            self.again.set_error(self.tr("请再次输入证书密码"))
            ok = False
        elif first != second:
            self.again.set_error(messages.error_text(PasswordMismatch(field="password_again")))
            ok = False
        return ok

    def weak_text(self, problems: list[str]) -> str:
        return self.tr("密码强度不够：{}").format(self.meter.problem_text(problems))

    def show_error(self, err: BaseException) -> bool:
        """A typed error of the service next to its field; False when it names neither."""
        if isinstance(err, PasswordMismatch):
            self.again.set_error(messages.error_text(err))
            return True
        if isinstance(err, WeakPassword):
            problems = list(err.params.get("problems") or [])
            self.password.set_error(
                self.weak_text(problems) if problems else messages.error_text(err)
            )
            return True
        return False


class ChangePasswordPage(Page):
    """修改证书密码: the old password, the new one twice. A wrong old password says how many
    tries are left on this device; a locked certificate leads to 重新下载 (recovery)."""

    def __init__(self, window: Navigator, certificate_id: int, subject_name: str = "") -> None:
        super().__init__()
        self.title = self.tr("修改证书密码")
        self.setObjectName("changePasswordPage")
        self.nav = window
        self.certificate_id = certificate_id
        self.busy = False

        intro = Card()
        if subject_name:
            subject = PlainLabel(subject_name)
            subject.setObjectName("passwordSubject")
            subject.setStyleSheet("font-size: 15px; font-weight: 600;")
            subject.setWordWrap(True)
            intro.box.addWidget(subject)
        hint = set_role(
            PlainLabel(
                self.tr(
                    "证书密码保护本机的签名密钥和加密密钥，只保存在本机，不会发送给 CA 机构。"
                    "修改后，扫码登录、签章和解密请使用新密码。"
                )
            ),
            "muted",
        )
        hint.setWordWrap(True)
        intro.box.addWidget(hint)
        self.body.addWidget(intro)

        self.banner = set_role(PlainLabel(), "banner")
        self.banner.setObjectName("passwordBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.body.addWidget(self.banner)

        # Shown when the certificate is locked (or its key file unusable): recovery.
        self.recovery = Card()
        self.recovery.setObjectName("recoveryCard")
        self.recovery_text = PlainLabel()
        self.recovery_text.setObjectName("recoveryText")
        self.recovery_text.setWordWrap(True)
        self.recover_button = set_role(QPushButton(self.tr("重新下载证书")), "primary")
        self.recover_button.setObjectName("recoverButton")
        self.recover_button.setAccessibleName(self.tr("重新下载证书"))
        self.recover_button.setMinimumHeight(42)
        self.recover_button.clicked.connect(self.recover)
        self.recovery.box.addWidget(self.recovery_text)
        self.recovery.box.addWidget(self.recover_button)
        self.recovery.hide()
        self.body.addWidget(self.recovery)

        form = Card(spacing=12)
        self.old = FormField(
            "old_password",
            self.tr("原证书密码"),
            password=True,
            placeholder=self.tr("请输入当前的证书密码"),
        )
        self.new = NewPasswordFields(self.tr("新证书密码"), self.tr("确认新证书密码"))
        form.box.addWidget(self.old)
        form.box.addWidget(self.new)
        self.body.addWidget(form)

        self.submit_button = set_role(QPushButton(self.tr("确认修改")), "primary")
        self.submit_button.setObjectName("changePasswordButton")
        self.submit_button.setAccessibleName(self.tr("确认修改"))
        self.submit_button.setMinimumHeight(44)
        self.submit_button.clicked.connect(self.submit)
        self.body.addWidget(self.submit_button)
        self.body.addStretch()
        for edit in (self.old.edit, self.new.password.edit, self.new.again.edit):
            edit.returnPressed.connect(self.submit)

    def submit(self) -> None:
        if self.busy:
            return
        self.banner.hide()
        old = self.old.edit.text()
        ok = True
        if not old:
            self.old.set_error(self.tr("请输入原证书密码"))
            ok = False
        if not self.new.check() or not ok:
            return
        keys = self.nav.ctx.keys if self.nav.ctx is not None else None
        if keys is None:
            self.banner.setText(self.tr("本机密钥库未打开，无法修改证书密码。"))
            self.banner.show()
            return
        new, again = self.new.values()
        cid = self.certificate_id
        self._set_busy(True)
        job = BackgroundOp(
            self,
            lambda: keys.change_password(cid, old, new, again),
            on_success=self._changed,
            on_failure=self._failed,
        )
        job.finished.connect(lambda: self._set_busy(False))
        job.run()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.submit_button.setEnabled(not busy)
        self.submit_button.setText(self.tr("正在修改…") if busy else self.tr("确认修改"))

    def _changed(self, _result: object) -> None:
        self.nav.notify(self.tr("证书密码已修改"))
        self.nav.pop()

    def _failed(self, err: BaseException) -> None:
        # Changed in another window meanwhile: nothing was changed here, never a success.
        if isinstance(err, WrongPassword | PasswordChangedElsewhere):
            self.old.set_error(messages.error_text(err))
            self.old.edit.setFocus()
            return
        if isinstance(err, CertificateLocked | KeystoreCorrupt | NotThisDevice | NotActivated):
            text = messages.error_text(err)
            if isinstance(err, CertificateLocked):
                self.old.set_error(text)
                text = self.tr(
                    "证书密码错误次数过多，已在本机锁定。重新下载证书即可解锁："
                    "用法定代表人手机收到的短信验证码验证后，设置新的证书密码。"
                )
            self.recovery_text.setText(text)
            self.recovery.show()
            self.recover_button.setFocus()
            return
        if self.new.show_error(err):
            return
        self.banner.setText(messages.error_text(err))
        self.banner.show()

    def recover(self) -> None:
        """重新下载证书: the activation page in recovery; afterwards back to 证书详情."""
        from mobileca_desktop.views.activation_page import ActivationPage

        window = self.nav

        def done() -> None:
            if window.current() is self:
                window.pop()

        window.push(ActivationPage(window, self.certificate_id, on_done=done))
