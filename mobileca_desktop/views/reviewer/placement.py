"""Where the CA 审核台 opens: beside the client's window where the screen has room."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def place_beside(reviewer: QWidget, window: QWidget) -> None:
    """Beside the client's window where the screen has room (right, else left), else as far
    from it as the screen allows; never at the screen's corner over both demo windows."""
    screen = window.screen()
    frame = window.frameGeometry()
    if screen is None:
        reviewer.move(frame.right() + 16, frame.top())
        return
    area = screen.availableGeometry()
    width = min(reviewer.width(), area.width())
    height = min(reviewer.height(), area.height())
    reviewer.resize(width, height)
    end_x, end_y = area.x() + area.width(), area.y() + area.height()
    right, left = frame.x() + frame.width() + 16, frame.x() - 16 - width
    if right + width <= end_x:
        x = right
    elif left >= area.x():
        x = left
    else:
        x = end_x - width if frame.center().x() < area.center().x() else area.x()
    y = min(max(frame.y(), area.y()), end_y - height)
    reviewer.move(x, y)
