"""The 法人刷脸 (face check) verification: the photo must show exactly one frontal face.

This is a liveness-free plausibility check with OpenCV's stock Haar cascade, not face
recognition: it proves a person was in front of the camera, and the reviewer compares
the face with the ID card by eye.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from mobileca_desktop.ca.documents import DEFAULT_MAX_BYTES, image_to_bgr, validate_document
from mobileca_desktop.domain.errors import VerificationFailed

if TYPE_CHECKING:
    import cv2
    import numpy as np

# OpenCV (with NumPy, ~0.3 s) is imported at the first face check, not with the engine: the
# client opens its CA sooner (bench/startup.py).

CASCADE_FILE = "haarcascade_frontalface_default.xml"

# Phone photos are 12+ megapixels; a face that fills a selfie is still ~100 px wide at this
# size, and detection time grows with the pixel count.
_MAX_SIDE = 1024
# A selfie's face is large; ignoring faces smaller than a tenth of the short side drops the
# small false positives the cascade finds in textures and backgrounds.
_MIN_FACE_FRACTION = 0.1
_MIN_FACE_PIXELS = 30
_SCALE_FACTOR = 1.1
_MIN_NEIGHBORS = 6

_lock = threading.Lock()
_classifier: cv2.CascadeClassifier | None = None


def _get_classifier() -> cv2.CascadeClassifier:
    global _classifier
    import cv2.data  # binds cv2 too; named so the type checker sees the data module

    with _lock:
        if _classifier is None:
            classifier = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE_FILE)
            if classifier.empty():
                raise RuntimeError(f"OpenCV's {CASCADE_FILE} could not be loaded")
            _classifier = classifier
        return _classifier


def _prepare(image: np.ndarray) -> np.ndarray:
    import cv2.data  # binds cv2 too; named so the type checker sees the data module

    height, width = image.shape[:2]
    scale = _MAX_SIDE / max(height, width)
    if scale < 1:
        image = cv2.resize(
            image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    # Evens out back-lit and dim photos, which the cascade otherwise misses.
    return cv2.equalizeHist(gray)


def count_faces(image_bytes: bytes) -> int:
    """Return how many frontal faces the JPEG/PNG image shows."""
    gray = _prepare(image_to_bgr(image_bytes))
    min_side = max(_MIN_FACE_PIXELS, int(min(gray.shape) * _MIN_FACE_FRACTION))
    classifier = _get_classifier()
    # detectMultiScale keeps per-call state inside the classifier object, so one shared
    # classifier must not run in two threads at once; OpenCV releases the GIL meanwhile.
    with _lock:
        faces = classifier.detectMultiScale(
            gray,
            scaleFactor=_SCALE_FACTOR,
            minNeighbors=_MIN_NEIGHBORS,
            minSize=(min_side, min_side),
        )
    return len(faces)


def check_face(
    image_bytes: bytes,
    filename: str = "face photo",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    validated: bool = False,
) -> None:
    """Accept a photo with exactly one face, or raise ``VerificationFailed(method="face")``.

    The bytes are validated as an upload first (unless the caller has, ``validated``), so
    oversized files and image bombs are refused (with ``DocumentRejected`` errors) before
    OpenCV decodes anything.
    """
    if not validated:
        validate_document(image_bytes, filename, max_bytes=max_bytes, allow_pdf=False)
    faces = count_faces(image_bytes)
    if faces == 0:
        raise VerificationFailed(method="face", reason="no face found")
    if faces > 1:
        raise VerificationFailed(method="face", reason=f"more than one face found ({faces})")
