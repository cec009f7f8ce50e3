"""The camera on the views side: the live preview reads and analyses frames off the GUI
thread, says plainly when a camera cannot be used, and feeds 法人刷脸 and the documents'
拍照 through the real wizard pages (a file frame source stands in for the webcam)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from conftest import jpeg_bytes, pdf_bytes
from PySide6.QtWidgets import QDialog, QPushButton, QWidget
from qt_support import child, click

from mobileca_desktop.domain.models import CertKind, DocKind
from mobileca_desktop.services.frames import ImageFileSource, WebcamSource
from mobileca_desktop.services.qr import (
    CascadeDecoder,
    ConsistentFrames,
    ScanPipeline,
    available_decoders,
)
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views import camera_view
from mobileca_desktop.views.camera_view import (
    CameraView,
    SnapshotDialog,
    frame_from_qimage,
    qimage_from_frame,
)
from mobileca_desktop.views.watchdog import GuiWatchdog

WAIT = 15000


@pytest.fixture(autouse=True)
def _threads_stopped(qtbot):
    yield
    assert camera_view.stop_all(5000), "a reader or analyser thread did not stop"


def qr_frame(text: str, size=(1280, 720)) -> np.ndarray:
    """A camera-like frame: grey background, the code in the middle."""
    w, h = size
    frame = np.full((h, w, 3), 180, np.uint8)
    code = segno.make(text, error="m")
    matrix = np.array([[0 if dark else 255 for dark in row] for row in code.matrix], np.uint8)
    matrix = np.pad(matrix, 4, constant_values=255)
    side = 360
    tile = cv2.resize(matrix, (side, side), interpolation=cv2.INTER_NEAREST)
    y, x = (h - side) // 2, (w - side) // 2
    frame[y : y + side, x : x + side] = tile[:, :, None]
    return frame


def test_frames_and_qimages_round_trip():
    frame = np.zeros((30, 40, 3), np.uint8)
    frame[:, :, 0] = 200  # blue in BGR
    frame[5, 7] = (1, 2, 3)
    image = qimage_from_frame(frame)
    assert (image.width(), image.height()) == (40, 30)
    assert image.pixelColor(0, 0).blue() == 200 and image.pixelColor(0, 0).red() == 0
    back = frame_from_qimage(image)
    assert np.array_equal(back, frame)


def test_preview_reads_and_decodes_off_the_gui_thread(qtbot, tmp_path):
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), qr_frame("HELLO-CAMERA"))
    threads: set[str] = set()
    pipeline = ScanPipeline(region=CameraView.DEFAULT_BOX)

    def analyse(frame):
        threads.add(threading.current_thread().name)
        return [c.text for c in pipeline.decode(frame)]

    view = CameraView(analyser=analyse)
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    results: list = []
    view.analysed.connect(results.append)
    view.start(lambda: ImageFileSource(path))
    qtbot.waitUntil(lambda: view.frames_seen >= 3, timeout=WAIT)
    qtbot.waitUntil(lambda: ["HELLO-CAMERA"] in results, timeout=WAIT)
    assert view.running and view.message() == ""
    assert threading.main_thread().name not in threads
    assert view.snapshot().shape == (720, 1280, 3)
    # The frame is painted (grey 180 inside the scan box), shaded outside the box.
    image = view.grab().toImage()
    inside = image.pixelColor(image.width() // 4, image.height() // 2).lightness()
    outside = image.pixelColor(image.width() // 20, image.height() // 2).lightness()
    assert inside > 150 and 40 < outside < inside - 40, (inside, outside)

    view.hide()  # hidden: the camera is released
    assert not view.running
    qtbot.waitUntil(camera_view.idle, timeout=WAIT)
    seen = view.frames_seen
    view.show()  # shown again: it resumes
    qtbot.waitUntil(lambda: view.frames_seen > seen, timeout=WAIT)
    view.stop()
    qtbot.waitUntil(camera_view.idle, timeout=WAIT)


@pytest.mark.skipif(
    "wechat" not in available_decoders(), reason="no WeChat decoder (contrib OpenCV + models)"
)
def test_live_scanner_decodes_a_monitor_frame_with_the_fallback_and_the_gui_stays_free(
    qtbot, tmp_path, caplog
):
    """A webcam frame of a monitor that only the cascade's WeChat stage reads (the bench's
    generator), played as the camera: every frame runs all stages, on the analyser thread;
    the code is accepted (two reads) within a second or two, and the watchdog (50 ms) never
    finds the GUI thread stuck in the preview or the decoder while it happens."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from qr_sets import monitor_frame, payload

    rng = np.random.default_rng(2)
    text = payload(rng, 120, 200)
    frame = monitor_frame(rng, text)
    crop_pipeline = ScanPipeline(CascadeDecoder(), region=CameraView.DEFAULT_BOX)
    assert [c.text for c in crop_pipeline.decode(frame)] == [text]
    assert crop_pipeline.decoder.last_stage == "wechat"
    path = tmp_path / "monitor.png"
    cv2.imwrite(str(path), frame)

    pipeline = ScanPipeline(CascadeDecoder(), region=CameraView.DEFAULT_BOX)
    accept = ConsistentFrames(needed=2, window=5)
    threads: set[str] = set()

    def analyse(frame):
        threads.add(threading.current_thread().name)
        return accept.feed(pipeline.decode(frame))

    view = CameraView(analyser=analyse, analyse_interval=0.12)
    qtbot.addWidget(view)
    view.resize(480, 360)
    view.show()
    accepted: list = []
    view.analysed.connect(lambda text: accepted.append(text) if text else None)
    dog = GuiWatchdog(threshold_ms=50, interval_ms=20)
    stalls: list[tuple[int, int]] = []
    dog.stalled_cpu.connect(lambda wall, cpu: stalls.append((wall, cpu)))
    caplog.set_level(logging.WARNING, logger="mobileca_desktop.views.watchdog")
    dog.start()
    try:
        started = time.monotonic()
        view.start(lambda: ImageFileSource(path))
        qtbot.waitUntil(lambda: bool(accepted), timeout=WAIT)
        took = time.monotonic() - started
        seen = view.frames_seen
        qtbot.waitUntil(lambda: view.frames_seen >= seen + 15, timeout=WAIT)  # ~1 s more
        beats = (time.monotonic() - started) / 0.02
    finally:
        dog.stop()
        view.stop()
    assert accepted[0] == text
    assert threading.main_thread().name not in threads
    assert took < 5, took  # under 1 s on an idle machine; this one is shared
    # The GUI thread never worked 50 ms at a stretch. A longer wall-clock stall with little
    # CPU on the GUI thread was spent waiting for a core on this shared machine (the log
    # says both figures); stalls at one beat in ten would point at lock contention.
    worked = [(wall, cpu) for wall, cpu in stalls if cpu > 50]
    assert not worked, caplog.text
    assert len(stalls) <= max(5, beats / 10), caplog.text


def test_watchdog_limit_from_the_environment(qtbot, monkeypatch):
    monkeypatch.setenv("MOBILECA_WATCHDOG_MS", "50")
    assert GuiWatchdog().threshold_ms == 50
    monkeypatch.setenv("MOBILECA_WATCHDOG_MS", "fast")
    assert GuiWatchdog().threshold_ms == 200
    monkeypatch.delenv("MOBILECA_WATCHDOG_MS")
    assert GuiWatchdog(threshold_ms=70).threshold_ms == 70


def test_a_missing_camera_is_said_on_the_preview(qtbot):
    view = CameraView()
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.failed, timeout=WAIT) as failed:
        view.start(lambda: WebcamSource(57))  # no /dev/video57 here
    assert failed.args[0].code == "camera_unavailable"
    assert "摄像头 camera:57 无法使用" in view.message()
    assert not view.running and view.snapshot() is None


def test_snapshot_dialog_takes_the_newest_frame(qtbot, tmp_path, portrait):
    path = tmp_path / "face.png"
    path.write_bytes(portrait)
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = SnapshotDialog(parent, "拍照", lambda: ImageFileSource(path))
    dialog.show()
    shutter = child(dialog, "shutterButton", QPushButton)
    qtbot.waitUntil(shutter.isEnabled, timeout=WAIT)
    with qtbot.waitSignal(dialog.finished, timeout=WAIT) as done:
        click(qtbot, shutter)
    assert done.args[0] == QDialog.DialogCode.Accepted
    assert (dialog.image.width(), dialog.image.height()) == (512, 512)


def to_face_page(mca_client, camera):
    """On a computer whose webcam is ``camera`` (a picture file: a file frame source, or a
    camera spec), logs the demo company in and walks the unit-certificate wizard to 法人刷脸."""
    client = mca_client("test-laptop", camera=camera)
    wizard = client.login_page().log_in_as_company().apply(CertKind.UNIT)
    wizard.choose("institution_bjca").next(Step.METHOD)
    wizard.choose("method_face").next(Step.HANDLER)
    wizard.choose("handler_legal_person").next(Step.VERIFY)
    return client.window, wizard.widget


@pytest.fixture
def wizard_at_verify(mca_client, tmp_path, portrait):
    """The wizard at 法人刷脸, with the portrait as the camera (a file frame source)."""
    camera = tmp_path / "webcam.png"
    camera.write_bytes(portrait)
    return to_face_page(mca_client, camera)


def next_step(qtbot, page, expected: Step) -> None:
    click(qtbot, page.next_button)
    qtbot.waitUntil(lambda: page.wizard.step is expected and not page.busy, timeout=WAIT)


def test_face_check_and_document_photos_from_the_camera(qtbot, wizard_at_verify, tmp_path):
    window, page = wizard_at_verify
    view = page.view
    assert child(view, "faceCamera").isHidden()
    click(qtbot, child(view, "startCameraButton", QPushButton))
    camera = child(view, "faceCamera", CameraView)
    capture = child(view, "captureFaceButton", QPushButton)
    assert camera.isVisible() and "webcam.png" in child(view, "faceCameraNote").text()
    qtbot.waitUntil(capture.isEnabled, timeout=WAIT)  # a frame arrived
    click(qtbot, capture)
    qtbot.waitUntil(lambda: page.wizard.data.face_photo is not None, timeout=WAIT)
    assert page.wizard.data.face_photo.startswith(b"\x89PNG")
    assert page.wizard.data.face_filename == "camera.png"
    assert not camera.running and camera.isHidden()
    assert not child(view, "facePreview").pixmap().isNull()
    next_step(qtbot, page, Step.CONFIRM)  # the engine's face check passed
    assert page.wizard.verified
    next_step(qtbot, page, Step.DOCUMENTS)

    # 拍照 on a document slot: the dialog's live preview, the shutter, the upload.
    slot = page.view.slots[DocKind.ID_FRONT]
    click(qtbot, child(slot, "cameraDocButton", QPushButton))
    qtbot.waitUntil(lambda: slot.dialog is not None and slot.dialog.isVisible(), timeout=WAIT)
    shutter = child(slot.dialog, "shutterButton", QPushButton)
    qtbot.waitUntil(shutter.isEnabled, timeout=WAIT)
    click(qtbot, shutter)
    qtbot.waitUntil(lambda: page.view.slots[DocKind.ID_FRONT].doc is not None, timeout=WAIT)
    uploaded = page.view.slots[DocKind.ID_FRONT].doc
    assert uploaded.filename == "id_front-camera.jpg" and uploaded.mime == "image/jpeg"
    assert (
        "已上传：id_front-camera.jpg" in child(page.view.slots[DocKind.ID_FRONT], "docState").text()
    )

    # The other two from files, and the wizard moves on: the photo counts as the document.
    for kind, (name, data) in {
        DocKind.LICENCE: ("licence.pdf", pdf_bytes("营业执照")),
        DocKind.ID_BACK: ("back.jpg", jpeg_bytes("back")),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        page.view.upload(kind, path)
        qtbot.waitUntil(lambda k=kind: page.view.slots[k].doc is not None, timeout=WAIT)
    next_step(qtbot, page, Step.SIGN)


def test_face_camera_missing_offers_the_photo(qtbot, mca_client):
    _window, page = to_face_page(mca_client, "camera:57")
    click(qtbot, child(page.view, "startCameraButton", QPushButton))
    note = child(page.view, "faceCameraNote")
    qtbot.waitUntil(lambda: "无法使用" in note.text(), timeout=WAIT)
    assert "选择照片" in note.text()
    assert not child(page.view, "captureFaceButton", QPushButton).isEnabled()
    assert child(page.view, "choosePhotoButton", QPushButton).isEnabled()
