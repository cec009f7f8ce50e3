"""Frame sources (services/frames.py): image files as a still camera, a real video file
written with cv2.VideoWriter, webcams that are absent, busy or unplugged, camera listing, and
``source_for`` specs. The frames go through the real ScanPipeline and ConsistentFrames."""

from __future__ import annotations

import io
import sys

import cv2
import numpy as np
import pytest
import segno

from mobileca_desktop.domain.errors import CameraUnavailable, DocumentRejected, InvalidInput
from mobileca_desktop.services import frames
from mobileca_desktop.services.frames import (
    CameraInfo,
    ImageFileSource,
    VideoFileSource,
    WebcamSource,
    list_cameras,
    quiet_opencv,
    source_for,
)
from mobileca_desktop.services.qr import ConsistentFrames, ScanPipeline
from mobileca_desktop.views.messages import error_text

SIZE = (320, 240)


def qr_frame(text: str) -> np.ndarray:
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=5, border=3)
    code = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    frame = np.full((SIZE[1], SIZE[0], 3), 230, np.uint8)
    frame[20 : 20 + code.shape[0], 60 : 60 + code.shape[1]] = code
    return frame


def write_video(path, frames_: list[np.ndarray]) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, SIZE)
    assert writer.isOpened()
    for f in frames_:
        writer.write(f)
    writer.release()


@pytest.fixture
def clip(tmp_path):
    """Six frames: two blank, three showing a code, one blank."""
    blank = np.full((SIZE[1], SIZE[0], 3), 230, np.uint8)
    path = tmp_path / "scan.avi"
    code = qr_frame("MCA1.video-frame")
    write_video(path, [blank, blank, code, code, code, blank])
    return path


# --- image files -----------------------------------------------------------------------------


def test_one_image_is_a_still_camera(tmp_path):
    path = tmp_path / "code.png"
    cv2.imwrite(str(path), qr_frame("MCA1.still"))
    pipeline, accept = ScanPipeline(), ConsistentFrames(needed=2, window=5)
    with ImageFileSource(path) as source:
        assert source.name == "code.png"
        first = source.read()
        first[:] = 0  # a consumer drawing on a frame does not change the next one
        results = [accept.feed(pipeline.decode(source.read())) for _ in range(3)]
    assert results == [None, "MCA1.still", None]
    assert source.read() is None  # closed


def test_several_images_in_turn_with_and_without_loop(tmp_path):
    paths = []
    for i in range(3):
        paths.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(paths[-1]), qr_frame(f"code {i}"))
    pipeline = ScanPipeline()
    with ImageFileSource(paths, loop=False) as source:
        texts = [pipeline.decode(source.read())[0].text for _ in range(3)]
        assert source.read() is None
    assert texts == ["code 0", "code 1", "code 2"]
    with ImageFileSource(paths) as source:
        texts = [pipeline.decode(source.read())[0].text for _ in range(4)]
    assert texts == ["code 0", "code 1", "code 2", "code 0"]
    assert source.name == "0.png (+2)"


def test_a_bad_image_fails_at_open(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"JFIF? no")
    with pytest.raises(DocumentRejected) as err, ImageFileSource(bad):
        pass
    assert err.value.params["filename"] == str(bad)
    with pytest.raises(InvalidInput):
        ImageFileSource([])


# --- video files -----------------------------------------------------------------------------


def test_video_plays_once_or_loops(clip):
    with VideoFileSource(clip, loop=False) as source:
        got = []
        while (frame := source.read()) is not None:
            got.append(frame)
        assert source.read() is None
    assert len(got) == 6
    assert all(f.shape == (SIZE[1], SIZE[0], 3) and f.dtype == np.uint8 for f in got)

    with VideoFileSource(clip) as source:
        looped = [source.read() for _ in range(8)]
    assert all(f is not None for f in looped)
    # frame 7 is frame 1 again (JPEG-compressed both times: equal pixels)
    assert np.array_equal(looped[6], got[0]) and np.array_equal(looped[7], got[1])


def test_video_frames_through_the_scanner(clip):
    pipeline, accept = ScanPipeline(), ConsistentFrames(needed=2, window=5)
    accepted = []
    with VideoFileSource(clip, loop=False) as source:
        while (frame := source.read()) is not None:
            accepted.append(accept.feed(pipeline.decode(frame)))
    assert accepted == [None, None, None, "MCA1.video-frame", None, None]


def test_unreadable_or_missing_video(tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100)
    with pytest.raises(DocumentRejected) as err:
        VideoFileSource(fake).open()
    assert err.value.params["reason"] == "not a video this program can read"
    with pytest.raises(DocumentRejected) as err:
        VideoFileSource(tmp_path / "gone.avi").open()
    assert err.value.params["reason"] == "the file does not exist"


# --- webcams ---------------------------------------------------------------------------------


def test_absent_webcam_is_a_typed_error_not_a_hang():
    source = WebcamSource(57)
    with pytest.raises(CameraUnavailable) as err:
        source.open()
    assert err.value.params == {"reason": "absent", "device": "camera:57"}
    assert err.value.message == "The camera camera:57 cannot be used: there is no such camera"
    assert error_text(err.value, "zh_CN") == "摄像头 camera:57 无法使用：未找到该设备"
    assert "(absent)" in error_text(err.value, "en")
    assert source.read() is None  # never opened: no frame, no crash
    with pytest.raises(InvalidInput):
        WebcamSource(-1)


def test_a_camera_that_stops_sending_pictures_is_unplugged(clip):
    """A capture that delivers frames and then fails (a real VideoCapture on a clip standing
    in for a camera pulled out mid-stream)."""
    source = WebcamSource(0, capture=lambda: cv2.VideoCapture(str(clip)))
    source.open()
    frames_read = [source.read() for _ in range(6)]
    assert all(f is not None for f in frames_read)
    misses = []
    with pytest.raises(CameraUnavailable) as err:
        for _ in range(frames.MAX_FAILED_READS + 1):
            misses.append(source.read())
    assert misses == [None] * (frames.MAX_FAILED_READS - 1)
    assert err.value.params == {"reason": "unplugged", "device": "camera:0"}
    with pytest.raises(CameraUnavailable):
        source.read()
    source.close()  # twice is fine


def test_a_camera_that_opens_but_sends_nothing_is_busy(tmp_path):
    empty = tmp_path / "empty.avi"
    write_video(empty, [])
    with pytest.raises(CameraUnavailable) as err:
        WebcamSource(2, capture=lambda: cv2.VideoCapture(str(empty))).open()
    assert err.value.params["reason"] == "busy"
    with pytest.raises(CameraUnavailable) as err:
        WebcamSource(3, capture=lambda: cv2.VideoCapture(str(tmp_path / "none.avi"))).open()
    assert err.value.params["reason"] == "absent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="V4L2 device nodes")
def test_probing_cameras_is_quiet(capfd):
    logging = cv2.utils.logging
    before = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_WARNING)  # OpenCV's default, whatever ran before
    try:
        cv2.VideoCapture(57, cv2.CAP_V4L2).release()
        assert "57" in capfd.readouterr().err  # OpenCV warns without the guard
        _probe_quietly(capfd)
    finally:
        logging.setLogLevel(before)


def _probe_quietly(capfd):
    with quiet_opencv():
        cv2.VideoCapture(57, cv2.CAP_V4L2).release()
    cameras = list_cameras(max_index=4)
    with pytest.raises(CameraUnavailable):
        WebcamSource(57).open()
    assert capfd.readouterr().err == ""
    assert all(isinstance(c, CameraInfo) and c.width > 0 for c in cameras)
    assert [c.spec for c in cameras] == [f"camera:{c.index}" for c in cameras]


def test_quiet_opencv_nests_and_restores_the_level():
    logging = cv2.utils.logging
    before = logging.getLogLevel()
    with quiet_opencv():
        with quiet_opencv():
            assert logging.getLogLevel() == logging.LOG_LEVEL_SILENT
        assert logging.getLogLevel() == logging.LOG_LEVEL_SILENT
    assert logging.getLogLevel() == before


# --- specs -----------------------------------------------------------------------------------


def test_source_for_specs(tmp_path, clip):
    cam = source_for("camera:3")
    assert isinstance(cam, WebcamSource) and cam.index == 3 and cam.width == 1280
    cam = source_for(" camera:1@640x480 ")
    assert (cam.index, cam.width, cam.height) == (1, 640, 480)
    for bad in ("camera:", "camera:one", "camera:0@640", ""):
        with pytest.raises(InvalidInput):
            source_for(bad)

    png = tmp_path / "code.png"
    cv2.imwrite(str(png), qr_frame("x"))
    assert isinstance(source_for(f"file:{png}"), ImageFileSource)
    assert isinstance(source_for(str(png)), ImageFileSource)
    assert isinstance(source_for(str(clip)), VideoFileSource)
    assert isinstance(source_for(f"file:{clip}"), VideoFileSource)
    # No telling extension: the content decides.
    (tmp_path / "picture.bin").write_bytes(png.read_bytes())
    (tmp_path / "movie.bin").write_bytes(clip.read_bytes())
    with source_for(str(tmp_path / "picture.bin")) as source:
        assert source.read().shape == (SIZE[1], SIZE[0], 3)
    with source_for(str(tmp_path / "movie.bin")) as source:
        assert isinstance(source, VideoFileSource) and source.read() is not None
    with pytest.raises(DocumentRejected):
        source_for(str(tmp_path / "missing.png")).open()
