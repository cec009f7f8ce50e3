"""演示时钟: the CA's clock, which the CA, the client and the trading platform all read.
Trainers and QA move it forward (1 day, 30 days, any number of days) to show 已过期, and put
it back. Moving it is the CA operator's right; in local mode the window acts as the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from mobileca_desktop.domain.errors import PermissionDenied
from mobileca_desktop.domain.models import ClockInfo, Session
from mobileca_desktop.services.api import ClockService, ReviewService
from mobileca_desktop.views import theme
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.format import display_time
from mobileca_desktop.views.reviewer.common import (
    operator_login,
    refresh_after_clock,
    reviewer_error_text,
)
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

DAY = 86400
CUSTOM_DEFAULT_DAYS = 400


def offset_words(seconds: int) -> str:
    if seconds <= 0:
        return QCoreApplication.translate("ClockDialog", "未拨快（与真实时间一致）")
    days, rest = divmod(seconds, DAY)
    hours = rest // 3600
    if hours:
        return QCoreApplication.translate("ClockDialog", "已拨快 {} 天 {} 小时").format(days, hours)
    return QCoreApplication.translate("ClockDialog", "已拨快 {} 天").format(days)


class ClockDialog(QDialog):
    def __init__(
        self, clock: ClockService, review: ReviewService | None, window: Navigator
    ) -> None:
        super().__init__(window.host())
        self.clock = clock
        self.review = review
        self.nav = window
        self.session: Session | None = None
        self.info: ClockInfo | None = None
        self.setObjectName("clockDialog")
        self.setWindowTitle(self.tr("演示时钟"))
        self.setAccessibleName(self.tr("演示时钟"))
        theme.apply(self)
        self.setMinimumWidth(400)

        box = QVBoxLayout(self)
        box.setContentsMargins(18, 18, 18, 16)
        box.setSpacing(12)
        heading = set_role(PlainLabel(self.tr("演示时钟")), "heading")
        box.addWidget(heading)
        card = Card(spacing=6)
        card.box.addWidget(set_role(PlainLabel(self.tr("CA 时钟")), "muted"))
        self.now_label = PlainLabel(self.tr("正在读取…"))
        self.now_label.setObjectName("clockNow")
        self.now_label.setStyleSheet("font-size: 24px; font-weight: 700; color: #1B6EF3;")
        self.now_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.box.addWidget(self.now_label)
        self.offset_label = PlainLabel()
        self.offset_label.setObjectName("clockOffset")
        self.offset_label.setStyleSheet("font-weight: 600;")
        card.box.addWidget(self.offset_label)
        self.real_label = set_role(PlainLabel(), "muted")
        self.real_label.setObjectName("clockReal")
        card.box.addWidget(self.real_label)
        box.addWidget(card)

        note = set_role(
            PlainLabel(
                self.tr(
                    "CA、客户端和交易平台共用此时钟。拨快后，证书和授权按新的时间判断是否"
                    "过期（例如证书管理显示“已过期”）。仅用于演示和测试。"
                )
            ),
            "muted",
        )
        note.setWordWrap(True)
        box.addWidget(note)

        quick = QHBoxLayout()
        quick.setSpacing(8)
        self.buttons: list[QPushButton] = []
        for name, text, days in (
            ("advanceDay", self.tr("拨快 1 天"), 1),
            ("advanceMonth", self.tr("拨快 30 天"), 30),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setAccessibleName(text)
            button.clicked.connect(lambda _=False, d=days: self.advance(d))
            quick.addWidget(button)
            self.buttons.append(button)
        quick.addStretch()
        box.addLayout(quick)

        custom = QHBoxLayout()
        custom.setSpacing(8)
        label = PlainLabel(self.tr("自定义天数"))
        self.days = QSpinBox()
        self.days.setObjectName("customDays")
        self.days.setAccessibleName(self.tr("自定义拨快天数"))
        self.days.setRange(1, 3650)
        self.days.setValue(CUSTOM_DEFAULT_DAYS)
        self.days.setSuffix(self.tr(" 天"))
        self.days.setMinimumHeight(34)
        label.setBuddy(self.days)
        self.custom_button = set_role(QPushButton(self.tr("拨快")), "primary")
        self.custom_button.setObjectName("advanceCustom")
        self.custom_button.setAccessibleName(self.tr("按自定义天数拨快"))
        self.custom_button.setFixedHeight(42)
        self.days.setMinimumHeight(38)
        self.custom_button.clicked.connect(lambda: self.advance(self.days.value()))
        custom.addWidget(label)
        custom.addWidget(self.days, 1)
        custom.addWidget(self.custom_button)
        box.addLayout(custom)
        self.buttons.append(self.custom_button)

        self.error = set_role(PlainLabel(), "error")
        self.error.setObjectName("clockError")
        self.error.setWordWrap(True)
        self.error.hide()
        box.addWidget(self.error)

        foot = QHBoxLayout()
        self.reset_button = set_role(QPushButton(self.tr("恢复真实时间")), "small")
        self.reset_button.setObjectName("resetClock")
        self.reset_button.setAccessibleName(self.tr("恢复真实时间"))
        self.reset_button.clicked.connect(self.reset)
        self.buttons.append(self.reset_button)
        close = set_role(QPushButton(self.tr("关闭")), "small")
        close.setObjectName("closeClock")
        close.setAccessibleName(self.tr("关闭"))
        close.clicked.connect(self.close)
        foot.addWidget(self.reset_button)
        foot.addStretch()
        foot.addWidget(close)
        box.addLayout(foot)
        self.busy = False

    # --- reading and moving ------------------------------------------------------------

    def refresh(self) -> None:
        clock = self.clock
        BackgroundOp(self, clock.info, on_success=self._show, on_failure=self._failed).run()

    def _show(self, info: ClockInfo) -> None:
        self.info = info
        self.now_label.setText(display_time(info.now))
        self.now_label.setAccessibleName(self.tr("CA 时钟 {}").format(display_time(info.now)))
        self.offset_label.setText(offset_words(info.offset_seconds))
        self.real_label.setText(self.tr("真实时间 {}").format(display_time(info.real_now)))
        self.reset_button.setEnabled(info.offset_seconds > 0 and not self.busy)

    def advance(self, days: int) -> None:
        clock = self.clock
        self._run(
            lambda s: clock.advance(s, days * DAY), self.tr("CA 时钟已拨快 {} 天").format(days)
        )

    def reset(self) -> None:
        clock = self.clock
        self._run(clock.reset, self.tr("CA 时钟已恢复为真实时间"))

    def _run(self, call, done_text: str) -> None:
        review = self.review
        known = self.session

        def op() -> tuple[Session, ClockInfo]:
            session = known
            if session is None:
                if review is None:
                    raise PermissionDenied(action="move the demo clock")
                session = operator_login(review)()
            return session, call(session)

        self.error.hide()
        self._set_busy(True)

        def ok(result: tuple[Session, ClockInfo]) -> None:
            self.session, info = result
            self._set_busy(False)
            self._show(info)
            self.nav.notify(done_text)
            refresh_after_clock(self.nav)

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            self._failed(err)

        BackgroundOp(self, op, on_success=ok, on_failure=failed).run()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for button in self.buttons:
            button.setEnabled(not busy)
        if not busy and self.info is not None:
            self.reset_button.setEnabled(self.info.offset_seconds > 0)

    def _failed(self, err: BaseException) -> None:
        self.error.setText(reviewer_error_text(err))
        self.error.show()


def show_clock(window: Navigator) -> ClockDialog | None:
    """Opens (or raises) the demo clock of this client window (not modal)."""
    ctx = window.ctx
    if ctx is None or ctx.clock is None:
        window.notify(QCoreApplication.translate("ClockDialog", "此 CA 不提供演示时钟"))
        return None
    dialog = window.host().findChild(ClockDialog)
    if dialog is None:
        dialog = ClockDialog(ctx.clock, ctx.review, window)
        window.closing.connect(dialog.close)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    dialog.refresh()
    return dialog
