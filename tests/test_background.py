"""The background helper, the GUI-thread guard, the stall watchdog, the error texts, and the
app's start-up (window first, CA after; a missing keyring explained)."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QMessageBox, QWidget
from qt_support import settle, wait_page

from mobileca_desktop.app import Client
from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import (
    ALL_ERRORS,
    AlreadyExists,
    AuthenticationFailed,
    DocumentTooLarge,
    GrantNotAllowed,
    InvalidInput,
    InvalidUSCC,
    PreconditionFailed,
    SecretUnavailable,
    VerificationFailed,
)
from mobileca_desktop.domain.models import CertKind, CertStatus, SealImageKind
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.thread_guard import GuiThreadGuard, GuiThreadViolation
from mobileca_desktop.views.watchdog import GuiWatchdog


def test_op_runs_off_the_gui_thread_and_answers_on_it(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    gui = threading.get_ident()
    seen: dict[str, int] = {}

    def op() -> int:
        seen["op"] = threading.get_ident()
        return 42

    job = BackgroundOp(parent, op, on_success=lambda v: seen.update(cb=threading.get_ident(), v=v))
    with qtbot.waitSignal(job.finished, timeout=5000):
        job.run()
    assert seen["op"] != gui and seen["cb"] == gui and seen["v"] == 42
    assert BackgroundOp.idle()


def test_failures_come_back_typed_and_the_default_handler_shows_chinese(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def op():
        raise AuthenticationFailed()

    job = BackgroundOp(parent, op)
    with qtbot.waitSignal(job.failed, timeout=5000) as blocker:
        job.run()
    assert isinstance(blocker.args[0], AuthenticationFailed)
    qtbot.waitUntil(lambda: parent.findChild(QMessageBox, "errorDialog") is not None)
    box = parent.findChild(QMessageBox, "errorDialog")
    assert box.text() == "账号或密码错误" and box.windowTitle() == "提示"
    box.close()


def test_callbacks_are_skipped_when_the_widget_is_gone(qtbot):
    parent = QWidget()
    called = []
    gate = threading.Event()
    job = BackgroundOp(parent, lambda: gate.wait(5), on_success=called.append)
    job.run()
    parent.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(parent))
    with qtbot.waitSignal(job.finished, timeout=5000):
        gate.set()
    assert called == []


def test_the_guard_refuses_service_calls_on_the_gui_thread(qtbot, services):
    ca = GuiThreadGuard(services.ca, "ca")
    with pytest.raises(GuiThreadViolation, match=r"ca\.institutions\(\) was called on the GUI"):
        ca.institutions()
    job = BackgroundOp(None, ca.institutions)
    with qtbot.waitSignal(job.succeeded, timeout=5000) as blocker:
        job.run()
    assert blocker.args[0][0].name == "北京数字认证股份有限公司"


def test_the_watchdog_logs_a_stall_over_200_ms(qtbot, caplog):
    dog = GuiWatchdog(threshold_ms=200, interval_ms=20)
    dog.start()
    try:
        with (
            caplog.at_level(logging.WARNING, "mobileca_desktop.views.watchdog"),
            qtbot.waitSignal(dog.stalled, timeout=5000) as blocker,
        ):
            end = time.monotonic() + 0.6  # long enough for the sampler to see it
            while time.monotonic() < end:  # the GUI thread is busy: no events
                pass
        assert blocker.args[0] > 200
        assert "GUI thread blocked for" in caplog.text
        assert "test_background.py" in caplog.text  # where it was stuck
    finally:
        dog.stop()


def test_short_pauses_are_not_stalls():
    clock = iter([0.0, 0.05, 0.15, 0.30, 0.60]).__next__
    dog = GuiWatchdog(threshold_ms=200, interval_ms=50, clock=clock)
    stalls: list[int] = []
    dog.stalled.connect(stalls.append)
    for _ in range(4):
        dog.beat()
    assert stalls == [250]


def test_certificate_types_keep_their_own_words():
    # CertKind.LEGAL_REP and SealImageKind.LEGAL_REP share the value "legal_rep" (one LABELS key).
    assert text_of(CertKind.LEGAL_REP) == "法人数字证书"
    assert text_of(SealImageKind.LEGAL_REP) == "法人章"
    assert text_of(CertStatus.EXPIRED) == "已过期"


def test_every_error_code_has_words_in_both_languages():
    assert set(ALL_ERRORS) <= set(messages.ERRORS)
    err = InvalidUSCC(value="X", reason="wrong check character")
    assert messages.error_text(err, "zh_CN") == "统一社会信用代码有误：校验位错误"
    assert messages.error_text(err, "en") == "The credit code is not valid: wrong check character"
    missing = PreconditionFailed(action="submit", missing="verification, doc:licence")
    assert messages.error_text(missing, "zh_CN") == "请先完成核验、上传营业执照"
    wrong = VerificationFailed(method="deposit", reason="the amount is wrong (2 tries left)")
    assert messages.error_text(wrong, "zh_CN") == "对公打款核验未通过：金额不正确，还可尝试 2 次"
    big = DocumentTooLarge(filename="a.png", size=1, limit=10 * 1024 * 1024)
    assert messages.error_text(big, "zh_CN") == "文件“a.png”过大，请上传 10 MB 以内的文件"
    field = InvalidInput(field="agent_phone", reason="required")
    assert messages.error_text(field, "zh_CN") == "经办人手机号填写有误：必填"
    assert messages.error_text(RuntimeError("boom"), "zh_CN").startswith(
        "出现意外错误（RuntimeError）"
    )


def test_an_error_finds_its_form_field_by_name_not_by_its_words():
    taken = AlreadyExists(what="手机号", value="138****0000", field="phone")
    assert messages.route_error(taken, {"phone": "legal_person_phone"}) == "legal_person_phone"
    assert messages.field_of(AlreadyExists(what="手机号", value="138****0000")) is None
    himself = GrantNotAllowed(reason="the legal person uses the certificate directly")
    assert messages.field_of(himself) is None
    aimed = GrantNotAllowed(reason="any words", field="id_number")
    assert messages.route_error(aimed, {"id_number": "agent_id_number"}) == "agent_id_number"


def test_the_window_shows_first_then_the_local_ca(qtbot, tmp_path, memory_keyring):
    client = Client(Settings(data_dir=tmp_path, device="laptop"))
    qtbot.addWidget(client.window)
    with qtbot.waitSignal(client.ready, timeout=60000):
        client.start()
        assert client.window.isVisible()
        assert client.window.current().objectName() == "startupPage"
    wait_page(qtbot, client.window, "loginPage")
    assert client.window.windowTitle().endswith("laptop")
    settle(qtbot)
    client.close()


def test_no_keyring_is_explained_with_what_to_do(qtbot, tmp_path):
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        client = Client(Settings(data_dir=tmp_path))
        qtbot.addWidget(client.window)
        with qtbot.waitSignal(client.failed, timeout=60000) as blocker:
            client.start()
    finally:
        keyring.set_keyring(previous)
    assert isinstance(blocker.args[0], SecretUnavailable)
    page = client.window.current()
    assert page.heading.text() == "无法使用系统钥匙串"
    assert "gnome-keyring" in page.text.text() and "mobileca doctor" in page.text.text()
    client.close()


def test_cyclic_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """A worker thread must never run the cyclic collector (it would destroy Qt objects on
    the wrong thread): after the first BackgroundOp the collector is the GUI-thread timer."""
    import gc
    import weakref

    from mobileca_desktop.views import gc_guard

    class Node:
        pass

    def cycles(n: int) -> weakref.ref:
        """n two-node cycles, unreachable once made; a weak reference to the last one."""
        for _ in range(n):
            a, b = Node(), Node()
            a.other, b.other = b, a
        return weakref.ref(a)

    gui_thread = threading.get_ident()
    collector_threads: set[int] = set()

    def record(phase, info):
        if phase == "start":
            collector_threads.add(threading.get_ident())

    op = BackgroundOp(None, lambda: None)
    with qtbot.waitSignal(op.finished, timeout=10000):
        op.run()
    assert not gc.isenabled()

    gc.callbacks.append(record)
    try:
        # Garbage made on a worker, far past the first generation's threshold.
        op = BackgroundOp(None, lambda: cycles(5_000))
        with qtbot.waitSignal(op.succeeded, timeout=10000) as made:
            op.run()
        ref = made.args[0]
        qtbot.waitUntil(lambda: ref() is None, timeout=4 * gc_guard.INTERVAL_MS + 5000)
    finally:
        gc.callbacks.remove(record)
    assert collector_threads == {gui_thread}
