"""Tests for the 法人刷脸 check in ``ca.face`` (scikit-image only supplies test photos)."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from PIL import Image
from skimage import data

from mobileca_desktop.ca import face
from mobileca_desktop.domain.errors import DocumentTooLarge, DocumentUnsupported, VerificationFailed


def _encode(rgb: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_astronaut_has_one_face(astronaut, fmt):
    photo = _encode(astronaut, fmt)
    assert face.count_faces(photo) == 1
    face.check_face(photo)  # does not raise


def test_large_photo_is_downscaled_and_still_found(astronaut):
    big = np.asarray(Image.fromarray(astronaut).resize((2048, 2048), Image.Resampling.BICUBIC))
    assert face.count_faces(_encode(big, "JPEG")) == 1


def test_blank_image_has_no_face():
    blank = np.full((480, 640, 3), 235, dtype=np.uint8)
    assert face.count_faces(_encode(blank)) == 0
    with pytest.raises(VerificationFailed) as info:
        face.check_face(_encode(blank))
    assert info.value.params == {"method": "face", "reason": "no face found"}


def test_noise_image_has_no_face():
    noise = np.random.default_rng(4).integers(0, 256, (512, 512, 3), dtype=np.uint8)
    with pytest.raises(VerificationFailed) as info:
        face.check_face(_encode(noise, "JPEG"))
    assert info.value.params["reason"] == "no face found"


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket"])
def test_photos_without_people_have_no_face(name):
    assert face.count_faces(_encode(getattr(data, name)())) == 0


def test_two_astronauts_fail(astronaut):
    pair = _encode(np.hstack([astronaut, astronaut]))
    assert face.count_faces(pair) == 2
    with pytest.raises(VerificationFailed) as info:
        face.check_face(pair)
    assert info.value.params == {"method": "face", "reason": "more than one face found (2)"}


def test_non_image_refused_before_detection():
    with pytest.raises(DocumentUnsupported):
        face.check_face(b"%PDF-1.4\n...")
    with pytest.raises(DocumentUnsupported):
        face.check_face(b"hello")


def test_size_limit_applies(astronaut):
    photo = _encode(astronaut)
    with pytest.raises(DocumentTooLarge):
        face.check_face(photo, max_bytes=len(photo) - 1)


def test_parallel_checks_agree(astronaut):
    photo = _encode(astronaut, "JPEG")
    results: list[int] = []

    def work() -> None:
        results.append(face.count_faces(photo))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [1] * 6
