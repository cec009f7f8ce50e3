"""The application's states and the moves between them, checked in one place.

    DRAFT ──submit──> SUBMITTED ──approve──> ISSUED
      │                 │   │
      │ discard         │   └──reject──> REJECTED ──continue──> DRAFT
      v                 │                  │
    DISCARDED           └──cancel──────────┴──cancel──> CANCELLED

A renewal (证书更新) is created SUBMITTED and issued at once; a change (证书变更) is created
as a DRAFT. Every change of ``ApplicationRow.state`` goes through ``move``.
"""

from __future__ import annotations

from mobileca_desktop.ca.store import ApplicationRow
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AppState

# (from, to) -> the operation that makes the move.
TRANSITIONS: dict[tuple[AppState, AppState], str] = {
    (AppState.DRAFT, AppState.SUBMITTED): "submit",
    (AppState.DRAFT, AppState.DISCARDED): "discard",
    (AppState.SUBMITTED, AppState.ISSUED): "approve",
    (AppState.SUBMITTED, AppState.REJECTED): "reject",
    (AppState.SUBMITTED, AppState.CANCELLED): "cancel",
    (AppState.REJECTED, AppState.DRAFT): "continue",
    (AppState.REJECTED, AppState.CANCELLED): "cancel",
}


def allowed(state: str, to: AppState) -> bool:
    return (AppState(state), to) in TRANSITIONS


def check(app: ApplicationRow, to: AppState, action: str) -> None:
    """``IllegalState`` (with the application's state) unless it may move to ``to``."""
    if not allowed(app.state, to):
        raise E.IllegalState(action=action, state=app.state)


def move(app: ApplicationRow, to: AppState, action: str) -> None:
    check(app, to, action)
    app.state = to.value
