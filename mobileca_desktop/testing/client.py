"""The client window on a device profile, as a QA test drives it (Qt, pytest-qt's ``qtbot``).

Each ``Client`` is one computer: its own device folder and keystore (on the test's
in-memory keyring), its own scan service trusting the platforms given, one ``MainWindow``
on the shared CA. The services the window gets are guarded: a call on the GUI thread fails
the test, as the application's rule says.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobileca_desktop.testing import pages

if TYPE_CHECKING:
    from mobileca_desktop.testing.world import Platform, World
    from mobileca_desktop.views.main_window import MainWindow

# How long a wait may take before it fails: a step that seals a PDF (Argon2id unlock, PAdES
# with a time-stamp and revocation data) took over 15 s on a 2-core machine at load 8.
WAIT_MS = 30000


def frame_with(png: bytes | None, size: tuple[int, int] = (1280, 720), side: int = 420) -> Any:
    """A grey camera frame (BGR, ``size``) with the picture ``png`` (e.g. the platform's QR)
    ``side`` pixels wide in the middle; just grey when ``png`` is None."""
    import cv2
    import numpy as np

    w, h = size
    frame = np.full((h, w, 3), 170, np.uint8)
    if png is not None:
        code = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        if code is None:
            raise ValueError("not a picture")
        code = cv2.resize(code, (side, side), interpolation=cv2.INTER_NEAREST)
        y, x = (h - side) // 2, (w - side) // 2
        frame[y : y + side, x : x + side] = code
    return frame


def write_video(
    path: Path, pictures: Sequence[bytes | None], frames_each: int = 10, fps: int = 10
) -> Path:
    """A video file (Motion-JPEG in ``.avi``) showing each of ``pictures`` in turn for
    ``frames_each`` frames (None: an empty grey frame), for ``mca_client(camera=path)``: the
    webcam plays it, from the start again at its end."""
    import cv2

    frames = [frame_with(png) for png in pictures]
    h, w = frames[0].shape[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (w, h))
    try:
        for frame in frames:
            for _ in range(frames_each):
                writer.write(frame)
    finally:
        writer.release()
    return path


class Camera:
    """The device's webcam, played from a picture file (the client's ``camera`` setting): it
    shows a grey frame until ``show`` puts a QR code in front of it. The scanner reads the
    picture when it starts, so show the code before opening 扫一扫."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.show(None)

    def show(self, png: bytes | None, size: tuple[int, int] = (1280, 720), side: int = 420):
        """A 1280×720 frame with ``png`` (e.g. the platform's QR) in the middle."""
        import cv2

        ok, data = cv2.imencode(".png", frame_with(png, size, side))
        assert ok
        self.path.write_bytes(data.tobytes())


def guarded_context(
    services: Any, device: str, keys: Any = None, scan: Any = None, settings: Any = None
) -> Any:
    """The ``AppContext`` of a window on ``services`` (``.ca``, ``.inbox``, ``.review``,
    ``.clock``), the device's ``keys`` (``DeviceService``) and ``scan`` service, each guarded:
    a call on the GUI thread fails the test, as the application's rule says."""
    from mobileca_desktop.views.context import AppContext
    from mobileca_desktop.views.thread_guard import GuiThreadGuard

    def guard(service: Any, name: str) -> Any:  # the guard stands in for the service
        return GuiThreadGuard(service, name) if service is not None else None

    return AppContext(
        ca=guard(services.ca, "ca"),
        inbox=guard(services.inbox, "inbox"),
        review=guard(services.review, "review"),
        clock=guard(services.clock, "clock"),
        device=device,
        keys=guard(keys, "keys"),
        scan=guard(scan, "scan"),
        settings=settings,
    )


class Client:
    def __init__(
        self,
        qtbot: Any,
        world: World,
        device: str,
        folder: Path,
        platforms: Sequence[Platform] = (),
        pace_ms: int = 0,
        timeout_ms: int = WAIT_MS,
        camera: Path | str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> None:
        from mobileca_desktop.config import Settings
        from mobileca_desktop.keystore.kdf import CHEAP
        from mobileca_desktop.keystore.secretstore import OSKeyring
        from mobileca_desktop.keystore.store import Keystore
        from mobileca_desktop.services.device import DeviceService
        from mobileca_desktop.services.scan import NonceStore, PlatformScanService
        from mobileca_desktop.views.main_window import MainWindow

        self.qtbot = qtbot
        self.world = world
        self.device = device
        self.pace_ms = pace_ms
        self.timeout_ms = timeout_ms
        self.camera: Camera | None = None
        if camera is None:
            self.camera = Camera(folder / "camera.png")
            camera = self.camera.path
        camera_setting = str(camera)
        # 设置 saves into the client's own folder, never the user's settings file.
        values: dict[str, Any] = {"settings_file": folder / "settings.toml", **(settings or {})}
        self.settings = Settings(data_dir=folder, device=device, camera=camera_setting, **values)
        services = world.services
        keystore = Keystore(self.settings.device_dir, device, OSKeyring(), CHEAP)
        self.keys = DeviceService(services.ca, keystore, device)
        engine = getattr(services, "engine", None)
        # This computer's clock: the CA's (demo clock included) when it is in process, else
        # the machine's; ``clock_offset`` seconds ahead (a clock that runs fast).
        self.clock_offset = 0.0

        def clock() -> float:
            now = engine.clock.now().timestamp() if engine is not None else time.time()
            return now + self.clock_offset

        self.scan = PlatformScanService(
            services.ca,
            self.keys,
            [p.trusted() for p in platforms],
            NonceStore(self.settings.device_dir / "scan-nonces.json"),
            clock=clock,
        )
        ctx = guarded_context(services, device, self.keys, self.scan, self.settings)
        self.window: MainWindow = MainWindow()
        qtbot.addWidget(self.window)
        self.window.show()
        self.window.attach(ctx)
        self.phones_seen: set[str] = set()
        self._closed = False

    # --- waiting ----------------------------------------------------------------------------

    def wait_until(self, condition, what: str | Callable[[], str] = "") -> None:
        """Waits on a condition of the app (never a fixed sleep); fails saying ``what`` (a
        callable: what it says when the wait runs out, e.g. the page shown by then)."""
        from pytestqt.exceptions import TimeoutError as WaitTimedOut

        try:
            self.qtbot.waitUntil(condition, timeout=self.timeout_ms)
        except WaitTimedOut as exc:
            said = what() if callable(what) else what
            raise AssertionError(f"{self.device}: waited {self.timeout_ms} ms for {said}") from exc

    def settle(self) -> None:
        """Waits until no background operation of the app is waiting for its result."""
        from mobileca_desktop.views.background import BackgroundOp

        self.wait_until(BackgroundOp.idle, "the background operations to finish")

    def current_page(self) -> Any:
        return self.window.current()

    def wait_page(self, object_name: str) -> Any:
        """The window's current page once it is ``object_name`` (the stack's current widget:
        never a stale page the stack still holds)."""
        self.wait_until(
            lambda: (
                self.window.current().objectName() == object_name
                and self.window.current().isVisible()
            ),
            lambda: f"the page {object_name!r} (now {self.window.current().objectName()!r})",
        )
        return self.window.current()

    def pace(self) -> None:
        """At a watchable pace (``--mobileca-pace MS``): lets the window be seen after each
        step. Off (0) by default; never used to wait for the app."""
        if self.pace_ms > 0:
            self.qtbot.wait(self.pace_ms)

    # --- entry points -----------------------------------------------------------------------

    def login_page(self) -> pages.LoginPage:
        return pages.LoginPage(self)

    def page(self) -> pages.PageObject:
        """The page object of whatever page is showing now."""
        return pages.page_object_for(self)

    def phone_inbox(self, number: str | None = None) -> pages.PhoneInbox:
        """手机收件箱 beside this window (opened with the top bar's inbox button), on
        ``number`` when given."""
        inbox = pages.PhoneInbox(self)
        return inbox.show(number) if number else inbox

    def demo_clock(self) -> pages.DemoClockDialog:
        """演示时钟 from the window's ⋯ menu (local CA, or a CA in demo mode)."""
        return pages.DemoClockDialog(self)

    def reviewer_desk(self, login: tuple[str, str] | None = None) -> pages.ReviewerDesk:
        """The CA 审核台 as a trainer opens it from the window's ⋯ menu (local CA), as the
        CA operator, or as the reviewer ``login`` (name, password)."""
        return pages.ReviewerDesk.open(self, login)

    @contextmanager
    def file_dialog_answers(self, path: Path | str | None) -> Iterator[list[tuple[str, str]]]:
        """While inside, the file dialog (选择文件, 选择授权书文件...) answers with ``path``
        at once, as a user picking that file does (None: the user cancels). Yields what the
        dialogs asked: (caption, file filter) each time."""
        from unittest import mock

        from PySide6.QtWidgets import QFileDialog

        asked: list[tuple[str, str]] = []

        def dialog(
            _parent: Any = None,
            caption: str = "",
            _dir: str = "",
            filt: str = "",
            *_a: Any,
            **_k: Any,
        ):
            asked.append((caption, filt))
            return (str(path) if path is not None else "", filt)

        with mock.patch.object(QFileDialog, "getOpenFileName", side_effect=dialog):
            yield asked

    def top_bar_button(self, object_name: str) -> Any:
        """A button of the top bar (``backButton``, ``inboxButton``, ``moreButton``), by its
        object name (unique in the window)."""
        from PySide6.QtWidgets import QAbstractButton, QWidget

        bar = self.window.findChild(QWidget, "topBar")
        button = bar.findChild(QAbstractButton, object_name) if bar is not None else None
        assert button is not None, f"no {object_name!r} in the top bar"
        return button

    def choose_from_menu(self, action_name: str) -> None:
        """Opens the top bar's ⋯ menu and clicks its entry ``action_name`` (``settingsAction``,
        ``reviewerAction``, ``clockAction``, ``inboxAction``), as a user does."""
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QAction

        more = self.top_bar_button("moreButton")
        menu = more.menu()
        menu.popup(more.mapToGlobal(more.rect().bottomLeft()))  # what a click on ⋯ does
        self.wait_until(menu.isVisible, "the ⋯ menu")
        action = menu.findChild(QAction, action_name)
        assert action is not None, f"no {action_name!r} in the ⋯ menu"
        self.wait_until(
            lambda: action.isVisible() and action.isEnabled(), f"{action.text()} in the ⋯ menu"
        )
        self.qtbot.mouseClick(
            menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center()
        )
        self.wait_until(lambda: not menu.isVisible(), "the ⋯ menu to close")
        self.pace()

    def screenshot(self, path: Path) -> Path:
        """The window as it looks now, as a PNG."""
        self.window.grab().save(str(path), "PNG")
        return path

    def inbox_screenshot(self, path: Path) -> Path | None:
        """The phone inbox window (手机收件箱) as it looks now, as a PNG, when it is open;
        None when it is not."""
        from PySide6.QtWidgets import QWidget

        panel = self.window.findChild(QWidget, "inboxDock")
        if panel is None or not panel.isVisible():
            return None
        panel.grab().save(str(path), "PNG")
        return path

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Closes the window, as quitting the program on this computer does (its keystore and
        settings stay: ``mca_client`` with the same device name starts it again)."""
        if self._closed:
            return
        self._closed = True
        if self.window is not None:
            self.window.close()
            self.settle()
        self.scan.close()
