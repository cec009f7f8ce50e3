"""The ``mobileca`` command: the desktop client and its subcommands.

``mobileca`` opens the client window (``app.run``); ``mobileca doctor`` checks this computer
and prints a fix for each problem. ``demo`` and ``decode`` arrive with the client and
scanning issues; until then they say so plainly instead of pretending.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mobileca_desktop import __version__
from mobileca_desktop.config import Settings, add_common_arguments, load_settings
from mobileca_desktop.domain.errors import MobileCAError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _qt_check() -> Check:
    # In a child process: a broken Qt platform plugin aborts the process it loads in.
    code = (
        "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen');"
        "from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]);"
        "print(app.platformName())"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("Qt", False, str(exc), "reinstall PySide6-Essentials")
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return Check(
            "Qt",
            False,
            last,
            "Debian/Ubuntu: scripts/bootstrap.sh installs the Qt "
            "libraries (libegl1 libgl1 libxkbcommon0 libfontconfig1 ...)",
        )
    return Check("Qt", True, f"platform plugin {out.stdout.strip()}")


def _font_check() -> Check:
    from mobileca_desktop.ca import seals

    try:
        return Check("CJK font", True, seals.find_cjk_font())
    except MobileCAError as exc:
        return Check(
            "CJK font", False, exc.message, "apt-get install fonts-wqy-microhei (or fonts-noto-cjk)"
        )


def _keyring_check() -> Check:
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name.startswith("keyring.backends.fail") or (
        "chainer" in name and not getattr(backend, "backends", True)
    ):
        return Check(
            "OS keyring",
            False,
            name,
            "Linux: start gnome-keyring (gnome-keyring-daemon --unlock "
            "--components=secrets) inside a D-Bus session",
        )
    if name.startswith("keyrings.alt"):
        return Check(
            "OS keyring",
            False,
            f"{name} stores secrets in a plain file",
            "uninstall keyrings.alt and use the desktop's keyring",
        )
    return Check("OS keyring", True, name)


def _decoder_check() -> Check:
    found = []
    for module in ("zxingcpp", "pyzbar.pyzbar"):
        try:
            __import__(module)
            found.append(module.split(".")[0])
        except Exception:  # a missing native library raises all kinds of errors
            continue
    if "zxingcpp" not in found:
        return Check("QR decoders", False, ", ".join(found) or "none", "pip install zxing-cpp")
    return Check("QR decoders", True, ", ".join(found))


def _camera_check() -> Check:
    devices = sorted(str(p) for p in Path("/dev").glob("video*")) if os.name != "nt" else []
    if os.name == "nt":
        return Check("cameras", True, "probed when the scanner opens (Windows)")
    if not devices:
        return Check(
            "cameras",
            True,
            "none found: 法人刷脸 and 扫一扫 can use image files or the screen instead",
        )
    return Check("cameras", True, ", ".join(devices))


def _folder_check(settings: Settings) -> Check:
    folder = settings.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check(
            "data folder",
            False,
            f"{folder}: {exc.strerror or exc}",
            "choose another folder with --data-dir or MOBILECA_DATA_DIR",
        )
    return Check("data folder", True, str(folder))


def _ca_check(settings: Settings) -> Check:
    if not settings.is_local_ca:
        return Check(
            "CA",
            False,
            f"remote CA {settings.ca}",
            "the remote CA client arrives with the remote-CA issue; use --ca local",
        )
    db = settings.ca_data_dir / "ca.sqlite3"
    if db.exists():
        return Check("CA", True, f"embedded local CA in {settings.ca_data_dir}")
    return Check("CA", True, f"embedded local CA, created at first start in {settings.ca_data_dir}")


def doctor(settings: Settings) -> int:
    checks = [
        _qt_check(),
        _font_check(),
        _keyring_check(),
        _camera_check(),
        _decoder_check(),
        _ca_check(settings),
        _folder_check(settings),
    ]
    if shutil.which("openssl") is None:
        checks.append(Check("openssl", True, "not installed (only the tests need it)"))
    width = max(len(c.name) for c in checks)
    for c in checks:
        mark = "ok  " if c.ok else "FAIL"
        print(f"[{mark}] {c.name.ljust(width)}  {c.detail}")
        if not c.ok and c.fix:
            print(f"       {' ' * width}  fix: {c.fix}")
    return 0 if all(c.ok for c in checks) else 1


COMMANDS = ("doctor", "demo", "decode")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mobileca", description="山西公共资源交易 移动版 CA — desktop client"
    )
    parser.add_argument("--version", action="version", version=f"mobileca-desktop {__version__}")
    add_common_arguments(parser)
    parser.add_argument(
        "command",
        nargs="?",
        choices=COMMANDS,
        help="doctor: check this computer and print a fix for each problem; "
        "demo: local CA + platform + two client windows (not built yet); "
        "decode: decode QR codes in image files (not built yet)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)
    cli = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    try:
        settings = load_settings(cli)
    except MobileCAError as exc:
        print(f"错误 / error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    if args.command == "doctor":
        return doctor(settings)
    if args.command is None:
        from mobileca_desktop.app import run  # Qt is loaded only for the window

        return run(settings)
    print(
        f"mobileca-desktop: `{args.command}` is not built yet (it comes with the client and "
        "scanning issues). Available now: `mobileca` (the window), `mobileca doctor`, and "
        "the CA operator's `mobileca-ca` (init, demo-seed, review, revoke, crl, inbox, "
        "audit, clock).",
        file=sys.stderr,
    )
    return 3


def gui_main() -> int:
    """``mobileca-gui`` (start menus, no console): the window, with the same flags."""
    return main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
