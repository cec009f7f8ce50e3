"""``mobileca doctor``: check this computer and print a fix for each problem.

Each check is a small function returning a :class:`Check`; what it probes (a command, a
module, an environment) can be passed in, so the tests drive every failure path. A failed
*required* check makes the exit status non-zero; the others are warnings. Qt is probed in a
child process: a broken platform plugin aborts the process it loads in.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import MobileCAError

# The platform the app will use: this environment's QT_QPA_PLATFORM, or Qt's own choice
# (xcb or wayland), never offscreen unless asked, so "ok" means the window can open.
QT_PROBE = (
    "from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]);print(app.platformName())"
)
QT_LIBRARIES_FIX = (
    "Debian/Ubuntu: scripts/bootstrap.sh app installs the Qt libraries (libegl1 libgl1 "
    "libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libfontconfig1 ...); without a display "
    "run under xvfb-run (QT_QPA_PLATFORM=offscreen only for tests: it shows nothing)"
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    @property
    def mark(self) -> str:
        if self.ok:
            return "ok  "
        return "FAIL" if self.required else "warn"


# --- the checks ----------------------------------------------------------------------------


def qt_check(
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
) -> Check:
    """The Qt platform plugin the app will use loads and connects to its display: first the
    checks ``mobileca`` makes before Qt starts (``display.py``), then a ``QGuiApplication``
    in a child process (an abort there cannot end the doctor)."""
    from mobileca_desktop.display import display_problem

    env = dict(os.environ if env is None else env)
    problem = display_problem(env, platform)
    if problem is not None:
        return Check("Qt", False, str(problem.params["reason"]), str(problem.params["fix"]))
    try:
        out = subprocess.run(
            [python, "-c", QT_PROBE],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("Qt", False, str(exc), "reinstall PySide6-Essentials (pip install -e .)")
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return Check("Qt", False, f"the platform plugin does not load: {last}", QT_LIBRARIES_FIX)
    return Check("Qt", True, f"platform plugin {out.stdout.strip()}")


def font_check(fc_list: str | None = "fc-list", env: Mapping[str, str] | None = None) -> Check:
    """A CJK font: fontconfig's ``fc-list :lang=zh`` (Linux), else the seal renderer's search
    (``MOBILECA_CJK_FONT``, known font files; Windows and macOS ship one)."""
    fix = "Debian/Ubuntu: apt-get install fonts-wqy-microhei (or fonts-noto-cjk)"
    env = os.environ if env is None else env
    named = env.get("MOBILECA_CJK_FONT", "").strip()
    if named:
        if Path(named).is_file():
            return Check("CJK font", True, f"{named} (MOBILECA_CJK_FONT)")
        return Check("CJK font", False, f"MOBILECA_CJK_FONT={named}: no such file", fix)
    exe = shutil.which(fc_list) if fc_list else None
    if exe is not None:
        try:
            out = subprocess.run(
                [exe, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Check("CJK font", False, f"fc-list failed: {exc}", fix)
        families = sorted({line.split(",")[0].strip() for line in out.stdout.splitlines()} - {""})
        if out.returncode == 0 and families:
            shown = ", ".join(families[:3]) + (" …" if len(families) > 3 else "")
            return Check("CJK font", True, f"{len(families)} Chinese font families: {shown}")
        return Check("CJK font", False, "fontconfig knows no font for Chinese (:lang=zh)", fix)
    if os.name == "posix" and sys.platform != "darwin":
        return Check("CJK font", False, "fontconfig's fc-list is not installed", fix)
    from mobileca_desktop.ca import seals

    try:
        return Check("CJK font", True, seals.find_cjk_font())
    except MobileCAError as exc:
        return Check("CJK font", False, exc.message, fix)


def keyring_check(env: Mapping[str, str] | None = None, backend: object | None = None) -> Check:
    """The OS keyring the device keystore would use, and whether it is unlocked now."""
    from mobileca_desktop.keystore.secretstore import OSKeyring, insecure_file_requested

    env = os.environ if env is None else env
    if insecure_file_requested(None, env):
        return Check(
            "OS keyring",
            False,
            "MOBILECA_INSECURE_FILE_KEYRING is set: device keys are protected by the "
            "certificate password only (INSECURE file store)",
            "unset MOBILECA_INSECURE_FILE_KEYRING outside CI and kiosks",
            required=False,
        )
    store = OSKeyring(backend)
    name = store.backend_name()
    fix_linux = (
        "Linux: start and unlock a Secret Service in your session (GNOME Keyring: "
        "gnome-keyring-daemon --unlock --components=secrets, or KeePassXC's Secret Service); "
        "`mobileca demo` starts a private one by itself"
    )
    try:
        store.get("doctor-check")
    except MobileCAError as exc:
        reason = str(exc.params.get("reason", ""))
        if reason == "locked":
            return Check("OS keyring", False, f"{name}: locked", "unlock the keyring (" + fix_linux)
        if reason == "insecure_backend":
            return Check(
                "OS keyring",
                False,
                f"{name} stores secrets in a plain file",
                "uninstall keyrings.alt and use the desktop's keyring",
            )
        return Check("OS keyring", False, f"{name}: {reason or exc.message}", fix_linux)
    locked = _secret_service_locked(store)
    if locked:
        return Check("OS keyring", False, f"{name}: locked", fix_linux)
    return Check("OS keyring", True, f"{name}, unlocked")


def _secret_service_locked(store: object) -> bool:
    """Secret Service only: whether the default collection is locked (asked without
    prompting). Other backends unlock with the user's session and say so on use."""
    if "Secret Service" not in getattr(store, "backend_name", lambda: "")():
        return False
    try:
        import secretstorage

        conn = secretstorage.dbus_init()
        try:
            return bool(secretstorage.get_default_collection(conn).is_locked())
        finally:
            conn.close()
    except Exception:  # no collection yet, or D-Bus trouble: the get above decided already
        return False


def camera_check(lister: Callable[[], list] | None = None) -> Check:
    """Cameras for 法人刷脸 and 扫一扫 (optional: image files and the screen work too)."""
    if lister is None:
        try:
            from mobileca_desktop.services.frames import list_cameras

            lister = list_cameras
        except ImportError:
            lister = _dev_video
    try:
        cameras = list(lister())
    except Exception as exc:  # OpenCV and drivers fail in many ways
        return Check(
            "cameras", False, f"listing cameras failed: {exc}", _CAMERA_FIX, required=False
        )
    if not cameras:
        return Check(
            "cameras",
            False,
            "none found: 法人刷脸 and 扫一扫 can use image files or the screen instead",
            _CAMERA_FIX,
            required=False,
        )
    return Check("cameras", True, ", ".join(str(getattr(c, "name", c)) for c in cameras))


_CAMERA_FIX = "connect a camera (Linux: check /dev/video* and that your user is in the video group)"


def _dev_video() -> list[str]:
    if os.name == "nt":
        return ["probed when the scanner opens (Windows)"]
    return sorted(str(p) for p in Path("/dev").glob("video*"))


def decoder_check(available: Callable[[], list] | None = None) -> Check:
    """QR decoders for 扫一扫, 电子营业执照 and ``mobileca decode``."""
    if available is None:
        try:
            from mobileca_desktop.services.qr import available_decoders

            available = available_decoders
        except ImportError:
            available = _importable_decoders
    try:
        found = [str(getattr(d, "name", d)) for d in available()]
    except Exception as exc:
        return Check("QR decoders", False, f"probing decoders failed: {exc}", _DECODER_FIX)
    if not found:
        return Check("QR decoders", False, "none", _DECODER_FIX)
    return Check("QR decoders", True, ", ".join(found))


_DECODER_FIX = "pip install zxing-cpp (and for pyzbar: apt-get install libzbar0)"
_WECHAT_FIX = (
    "python -m mobileca_desktop.services.qr_models (fetches the model files; scripts/"
    "bootstrap.sh does it), with opencv-contrib-python-headless 4.x installed"
)
OPENCV_DISTS = (
    "opencv-python",
    "opencv-python-headless",
    "opencv-contrib-python",
    "opencv-contrib-python-headless",
)
_OPENCV_FIX = (
    "pip uninstall -y " + " ".join(OPENCV_DISTS) + " && pip install "
    "'opencv-contrib-python-headless>=4.10,<5' (or run scripts/bootstrap.sh again)"
)


def wechat_check(probe: Callable[[], object] | None = None) -> Check:
    """The QR cascade's fallback, OpenCV's WeChat CNN decoder: the contrib module and the
    four model files (not required: without it 扫一扫 decodes with zxing-cpp alone)."""
    name = "QR fallback (WeChat CNN)"
    try:
        if probe is None:
            from mobileca_desktop.services.qr import WeChatDecoder

            probe = WeChatDecoder
        decoder = probe()
    except Exception as exc:
        detail = f"off, zxing-cpp decodes alone ({type(exc).__name__}: {exc})"
        return Check(name, False, detail, _WECHAT_FIX, required=False)
    return Check(name, True, f"active (models in {getattr(decoder, 'models', '?')})")


def opencv_check(installed: Callable[[], list[str]] | None = None) -> Check:
    """Exactly one OpenCV wheel: they all write the same ``cv2`` folder, so two of them
    installed together leave whichever was unpacked last (face detection and the QR
    fallback then break at random after an upgrade)."""
    found = (installed or _opencv_dists)()
    if len(found) > 1:
        detail = f"{' and '.join(found)} are both installed (they overwrite the same cv2 folder)"
        return Check("OpenCV", False, detail, _OPENCV_FIX)
    if not found:
        return Check("OpenCV", False, "not installed", _OPENCV_FIX)
    if "contrib" not in found[0]:
        detail = f"{found[0]}: no WeChat QR decoder (it is in the contrib build)"
        return Check("OpenCV", False, detail, _OPENCV_FIX, required=False)
    return Check("OpenCV", True, found[0])


def _opencv_dists() -> list[str]:
    from importlib import metadata

    found = []
    for dist in OPENCV_DISTS:
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return found


def _importable_decoders() -> list[str]:
    found = []
    for module in ("zxingcpp", "pyzbar.pyzbar"):
        try:
            __import__(module)
            found.append(module.split(".")[0])
        except Exception:  # a missing native library raises all kinds of errors
            continue
    return found


def ca_check(settings: Settings, timeout: float = 5.0) -> Check:
    """Local: the CA's data folder opens (its secret is in this keyring) or can be made.
    Remote: the server answers (with the pinned root over https)."""
    if not settings.is_local_ca:
        return _remote_ca_check(settings, timeout)
    folder = settings.ca_data_dir
    db = folder / "ca.sqlite3"
    if folder.exists() and not folder.is_dir():
        return Check("CA", False, f"{folder} is a file, not a folder", _FOLDER_FIX)
    if not db.exists():
        problem = _writable(folder)
        if problem:
            return Check("CA", False, f"cannot create the CA in {folder}: {problem}", _FOLDER_FIX)
        return Check("CA", True, f"embedded local CA, created at first start in {folder}")
    from mobileca_desktop.ca.engine import CAEngine, EngineConfig

    try:
        engine = CAEngine.open(folder, config=EngineConfig(kmc_pool_target=0, kmc_background=False))
    except MobileCAError as exc:
        return Check(
            "CA",
            False,
            f"the local CA in {folder} does not open: {exc.message}",
            "start and unlock the OS keyring it was made with, or choose a new folder with "
            "--data-dir",
        )
    except Exception as exc:
        return Check("CA", False, f"the local CA in {folder} does not open: {exc!r}", _FOLDER_FIX)
    try:
        count = len(engine.institutions())
    finally:
        engine.close()
    return Check("CA", True, f"embedded local CA in {folder} ({count} CA institutions)")


_FOLDER_FIX = "choose another folder with --data-dir or MOBILECA_DATA_DIR"


def _remote_ca_check(settings: Settings, timeout: float) -> Check:
    from mobileca_desktop.services.remote import RemoteServices

    fix = (
        "check the URL and that `mobileca-ca serve` runs there; over https pin its root with "
        "--ca-root-sha256 (the fingerprint the server prints)"
    )
    try:
        services = RemoteServices.connect(
            settings.ca,
            root_fingerprint=settings.ca_root_sha256 or None,
            timeout=timeout,
            connect_timeout=timeout,
            retries=0,
        )
        try:
            count = len(services.ca.institutions())
        finally:
            services.close()
    except MobileCAError as exc:
        return Check("CA", False, f"remote CA {settings.ca}: {exc.message}", fix)
    pinned = " (root pinned)" if settings.ca_root_sha256 else ""
    return Check("CA", True, f"remote CA {settings.ca}{pinned}: {count} CA institutions")


def _writable(folder: Path) -> str | None:
    """Why ``folder`` cannot be written (made if missing), or None. Tested by writing: as
    root, permission bits say nothing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def folder_check(settings: Settings) -> Check:
    """The data folder and this device profile's folder can be written."""
    problems = []
    for folder in (settings.data_dir, settings.device_dir):
        problem = _writable(folder)
        if problem:
            problems.append(f"{folder}: {problem}")
            break  # the device folder is inside the data folder
    if problems:
        return Check("data folders", False, "; ".join(problems), _FOLDER_FIX)
    return Check("data folders", True, f"{settings.data_dir} (device {settings.device})")


def run_checks(settings: Settings) -> list[Check]:
    checks = [
        qt_check(),
        font_check(),
        keyring_check(),
        camera_check(),
        decoder_check(),
        opencv_check(),
        wechat_check(),
        ca_check(settings),
        folder_check(settings),
    ]
    if shutil.which("openssl") is None:
        checks.append(
            Check("openssl", False, "not installed (only the tests need it)", required=False)
        )
    return checks


def report(checks: list[Check], out=None) -> int:
    """Print one line a check, with the fix under each failure; the exit status."""
    out = out or sys.stdout
    width = max(len(c.name) for c in checks)
    for c in checks:
        print(f"[{c.mark}] {c.name.ljust(width)}  {c.detail}", file=out)
        if not c.ok and c.fix:
            print(f"       {' ' * width}  fix: {c.fix}", file=out)
    failed = [c.name for c in checks if not c.ok and c.required]
    if failed:
        print(f"\n{len(failed)} required check(s) failed: {', '.join(failed)}", file=out)
        return 1
    return 0


def doctor(settings: Settings) -> int:
    return report(run_checks(settings))
