"""What the reviewer window and the clock dialog share: the operator's session, the
reviewer's words for errors, and telling the client's window to reload what it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.domain.errors import (
    IllegalState,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    SessionExpired,
)
from mobileca_desktop.domain.models import Session
from mobileca_desktop.services.api import ReviewService
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

# Pages of the client window that show what review and the clock change.
RELOADING_PAGES = ("certListPage", "grantsPage", "receivedGrantsPage")


def operator_login(review: ReviewService) -> Callable[[], Session]:
    """The call (run it off the GUI thread) that gives the CA operator's session: in local
    mode, or on a remote CA started with --demo and its operator token. Raises
    PermissionDenied when this CA has no operator for us (then a reviewer logs in)."""
    op = getattr(review, "operator_session", None)

    def call() -> Session:
        if op is None:
            raise PermissionDenied(action="act as the CA operator")
        return op()

    return call


def reviewer_error_text(err: BaseException) -> str:
    """A typed error in the reviewer's words (as the web 审核台 says them)."""
    if isinstance(err, PreconditionFailed):
        return QCoreApplication.translate(
            "reviewer", "条件不满足，无法执行此操作：电子签名无效或已篡改"
        )
    if isinstance(err, IllegalState):
        return QCoreApplication.translate(
            "reviewer", "该申请当前的状态不允许此操作（可能已被处理）"
        )
    if isinstance(err, NotFound):
        return QCoreApplication.translate("reviewer", "未找到该申请或文件（或它不属于本机构）")
    if isinstance(err, PermissionDenied):
        return QCoreApplication.translate(
            "reviewer", "无权执行此操作：仅 CA 审核员或本机 CA 操作员可以使用"
        )
    if isinstance(err, InvalidInput) and err.params.get("field") == "reason":
        return QCoreApplication.translate("reviewer", "请填写原因（不超过 500 字）")
    return messages.error_text(err)


def refresh_client(window: Navigator) -> None:
    """After a review: the client's 证书管理 / 授权管理, if shown, reload."""
    try:
        page = window.current()
    except (AssertionError, RuntimeError):
        return
    if page.objectName() in RELOADING_PAGES and hasattr(page, "reload"):
        page.reload()


def refresh_after_clock(window: Navigator) -> None:
    """After the clock moved: a login that the new time has expired goes back to the login
    page (its account filled in, with a word why); otherwise the shown page reloads."""
    ctx, session, account = window.ctx, window.session, window.account
    if ctx is None or session is None or account is None:
        return

    def expired(err: BaseException) -> None:
        if not isinstance(err, SessionExpired):
            return
        if window.session is not session:
            return  # logged out or in again meanwhile
        window.login_expired()
        window.notify(
            QCoreApplication.translate("reviewer", "CA 时钟已调整，登录已过期，请重新登录")
        )

    BackgroundOp(
        window.host(),
        lambda: ctx.ca.me(session),
        on_success=lambda _a: refresh_client(window),
        on_failure=expired,
    ).run()
