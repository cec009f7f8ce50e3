"""The ``mobileca`` command: the desktop client and its subcommands.

``mobileca`` opens the client window (``app.run``); ``mobileca doctor`` checks this computer
and prints a fix for each problem (``doctor.py``); ``mobileca demo`` starts a local CA, the
trading-platform simulator and two client windows for trainers (``demo.py``). With no
display for the windows, both say so in one line and exit with status 3 before Qt starts
(``display.py``).
"""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path

from mobileca_desktop import __version__
from mobileca_desktop.config import Settings, add_common_arguments, load_settings
from mobileca_desktop.domain.errors import MobileCAError


def doctor(settings: Settings) -> int:
    """``mobileca doctor``: the checks live in ``mobileca_desktop.doctor``."""
    from mobileca_desktop.doctor import doctor as run_doctor

    return run_doctor(settings)


def decode(images: list[str], decoder: str | None) -> int:
    """``mobileca decode IMAGE...``: one JSON line per image with the codes found by the live
    scanner's pipeline; status 0 if every image was read (with or without a code), 1 if any
    could not be read, 2 if the decoder is unavailable."""
    import json

    from mobileca_desktop.services.qr import ScanPipeline, get_decoder, read_image

    if not images:
        print("mobileca decode: give at least one image file", file=sys.stderr)
        return 2
    try:
        # The whole picture at full resolution, through the cascade by default.
        pipeline = ScanPipeline(get_decoder(decoder))
    except MobileCAError as exc:
        print(f"错误 / error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")  # JSON is UTF-8 (RFC 8259)
    status = 0
    for path in images:
        line: dict[str, object] = {"path": path}
        try:
            line["codes"] = [c.to_dict() for c in pipeline.decode(read_image(path))]
        except MobileCAError as exc:
            line["error"] = {"code": exc.code, "message": exc.message}
            status = 1
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return status


def _ca_services(settings: Settings):
    """The CA services the settings name, without Qt (``app.open_ca_services`` loads it)."""
    if settings.is_local_ca:
        from mobileca_desktop.services.local import LocalServices

        return LocalServices.open(settings.ca_data_dir)
    from mobileca_desktop.services.remote import RemoteServices

    return RemoteServices.connect(settings.ca, root_fingerprint=settings.ca_root_sha256 or None)


def ltv_renew(
    settings: Settings, files: list[str], *, out: str | None, check: bool, days: int
) -> int:
    """``mobileca ltv-renew FILE...``: a new archive time-stamp on each sealed PDF (the last
    time-stamp's current revocation data and a document time-stamp from the CA's TSA,
    ``services/ltvrenew.py``), written atomically in place or into the folder ``--out``.
    ``--check`` asks nothing of the CA and says which files need it: their last time-stamp's
    TSA certificate ends within ``--days``. One JSON line per file; status 0 if all went
    well (and, with ``--check``, none is due), 1 if any file was refused or is due, 2 if
    the CA cannot be used."""
    import datetime as dt
    import json

    from mobileca_desktop.services import ltvrenew

    if not files:
        print("mobileca ltv-renew: give at least one sealed PDF file", file=sys.stderr)
        return 2
    if out is not None and not Path(out).is_dir():
        print(f"mobileca ltv-renew: --out {out!r} is not a folder", file=sys.stderr)
        return 2
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    services = None
    if not check:
        try:
            services = _ca_services(settings)
        except MobileCAError as exc:
            print(f"错误 / error [{exc.code}]: {exc.message}", file=sys.stderr)
            return 2
    status = 0
    now = dt.datetime.now(dt.UTC)
    try:
        for name in files:
            path = Path(name)
            line: dict[str, object] = {"path": name}
            try:
                if services is None:
                    state = ltvrenew.archive_state(path.read_bytes(), path.name)
                else:
                    target = Path(out) / path.name if out is not None else None
                    state = ltvrenew.renew_file(path, services.ca, out=target)
                    line["written"] = str(target or path)
                due = state.due(now, days)
                line.update(
                    time_stamped_at=state.time_stamped_at.isoformat(),
                    tsa_expires=state.tsa_expires.isoformat(),
                    time_stamps=state.time_stamps,
                    due=due,
                )
                if check and due:
                    status = max(status, 1)
            except OSError as exc:
                line["error"] = {"code": "file_unreadable", "message": str(exc)}
                status = max(status, 1)
            except MobileCAError as exc:
                line["error"] = {"code": exc.code, "message": exc.message}
                status = max(status, 2 if exc.code == "service_unavailable" else 1)
            print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        if services is not None:
            services.close()
    return status


COMMANDS = ("doctor", "demo", "decode", "play", "ltv-renew")
NO_DISPLAY = 3  # the exit status when there is no screen for the windows


def no_display(program: str) -> bool:
    """Prints why no window can be shown here, if so (before Qt would abort)."""
    from mobileca_desktop.display import display_problem

    problem = display_problem(program=program)
    if problem is None:
        return False
    print(f"mobileca: 错误 / error [{problem.code}]: {problem.message}", file=sys.stderr)
    return True


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
        "demo: local CA + trading platform + the legal person's and the agent's windows; "
        "decode IMAGE...: print the QR codes in image files, one JSON line per file; "
        "play FILE: play a handbook scenario visibly for a classroom; "
        "ltv-renew FILE...: add a new archive time-stamp to sealed PDFs (PAdES B-LTA) before "
        "their last time-stamp's TSA certificate ends",
    )
    parser.add_argument(
        "images",
        nargs="*",
        metavar="FILE",
        help="decode: image files; play: the scenario file; ltv-renew: sealed PDF files",
    )
    renew = parser.add_argument_group("ltv-renew")
    renew.add_argument(
        "--out",
        metavar="FOLDER",
        help="ltv-renew: write the renewed files into this folder (default: replace them)",
    )
    renew.add_argument(
        "--check",
        action="store_true",
        help="ltv-renew: change nothing, say which files need renewal (status 1 if any)",
    )
    renew.add_argument(
        "--days",
        type=int,
        default=None,
        metavar="N",
        help="ltv-renew --check: due when the last TSA certificate ends within N days "
        "(default 365)",
    )
    parser.add_argument(
        "--decoder",
        choices=("cascade", "zxing", "wechat", "zbar"),
        help="decode: the QR decoder (default cascade: zxing-cpp, then the WeChat CNN)",
    )
    add_client_arguments(parser)
    return parser


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of the window and of ``demo`` (not settings: they are never saved)."""
    group = parser.add_argument_group("client and demo")
    group.add_argument(
        "--insecure-file-keyring",
        nargs="?",
        const=True,
        default=None,
        metavar="FILE",
        help="INSECURE: keep device secrets in a plain file instead of the OS keyring "
        "(CI and kiosks only; env MOBILECA_INSECURE_FILE_KEYRING)",
    )
    group.add_argument(
        "--no-browser",
        dest="open_browser",
        action="store_false",
        default=True,
        help="demo: do not open the trading platform in the web browser",
    )
    group.add_argument(
        "--quit-after-ready",
        action="store_true",
        help="demo: exit with status 0 once both windows show the login page (for checks)",
    )
    from mobileca_desktop.trainer import states_help  # Qt-free

    group.add_argument(
        "--state",
        metavar="NAME",
        help="demo: start at a named point of the handbook, played headless from a shipped "
        f"scenario in the windows before you take over. States: {states_help()}",
    )
    group.add_argument(
        "--pace",
        type=int,
        default=None,
        metavar="MS",
        help="play: milliseconds between steps (default 2500)",
    )
    group.add_argument(
        "--portrait",
        metavar="PICTURE",
        help="play: the face the webcam shows for 刷脸 steps (a photo file)",
    )
    group.add_argument(
        "--quit-at-end",
        action="store_true",
        help="play: exit once the scenario ends (status 0) or a step fails (status 1)",
    )
    group.add_argument(
        "--reset",
        action="store_true",
        help="demo: start over in the same folder (--data-dir): the demo's CA, devices and "
        "platform there are deleted first",
    )


RENEW_ONLY = ("out", "check", "days")
CLIENT_ONLY = (
    "insecure_file_keyring",
    "open_browser",
    "quit_after_ready",
    "state",
    "reset",
    "pace",
    "portrait",
    "quit_at_end",
)


def _holds_files(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_intermixed_args(argv)
    if args.command == "decode":
        return decode(args.images, args.decoder)
    renew_flags = args.out is not None or args.check or args.days is not None
    if renew_flags and args.command != "ltv-renew":
        parser.error("only `mobileca ltv-renew` takes --out, --check and --days")
    if args.reset and args.data_dir is None:
        parser.error("--reset starts over in a --data-dir (without one the demo starts afresh)")
    if args.command == "play" and len(args.images) != 1:
        parser.error("`mobileca play` takes one scenario file")
    if (args.images and args.command not in ("play", "ltv-renew")) or args.decoder:
        parser.error("only `mobileca decode` takes image files and --decoder")
    cli = {
        k: v
        for k, v in vars(args).items()
        if k != "command" and k not in CLIENT_ONLY + RENEW_ONLY and v is not None
    }
    try:
        settings = load_settings(cli)
    except MobileCAError as exc:
        print(f"错误 / error [{exc.code}]: {exc.message}", file=sys.stderr)
        return 2
    if args.command == "doctor":
        return doctor(settings)
    if args.command == "ltv-renew":
        from mobileca_desktop.services.ltvrenew import DEFAULT_DAYS

        days = args.days if args.days is not None else DEFAULT_DAYS
        return ltv_renew(settings, args.images, out=args.out, check=args.check, days=days)
    if args.command in ("demo", None) and no_display(f"mobileca {args.command or ''}".strip()):
        return NO_DISPLAY
    if args.command == "demo":
        from mobileca_desktop.demo import DemoOptions, run_demo  # Qt only for the windows

        prepare = None
        if args.state is not None:
            from mobileca_desktop.trainer import ScenarioError, demo_state

            try:
                prepare = demo_state(args.state)
            except ScenarioError as exc:
                print(f"错误 / error: {exc}", file=sys.stderr)
                return 2
            used = cli.get("data_dir")
            if used is not None and not args.reset and _holds_files(Path(used)):
                # A state is played from the handbook's start: on top of an earlier demo's
                # applications and certificates it would not be the state the trainer asked.
                print(
                    f"错误 / error: {used} 已有演示数据：加 --reset 从头开始，"
                    f"或换一个 --data-dir / {used} already holds a demo: add --reset to start "
                    "over, or use another --data-dir",
                    file=sys.stderr,
                )
                return 2

        return run_demo(
            settings,
            DemoOptions(
                data_dir=cli.get("data_dir"),
                open_browser=args.open_browser,
                quit_after_ready=args.quit_after_ready,
                insecure_file_keyring=args.insecure_file_keyring,
                reset=args.reset,
                prepare=prepare,
            ),
        )
    if args.command == "play":
        if no_display("mobileca play"):
            return NO_DISPLAY
        from mobileca_desktop.trainer import play  # Qt and the QA kit only for the play

        return play(
            Path(args.images[0]),
            folder=cli.get("data_dir"),
            pace_ms=args.pace,
            portrait=Path(args.portrait) if args.portrait else None,
            quit_at_end=args.quit_at_end,
            lang=settings.lang,
        )
    if args.command is None:
        # The window first (bench/startup.py): no garbage collection while Qt and the
        # window's modules load (~25 collections, 5 ms, of objects that live on); from the
        # first frame on it runs on the GUI thread only (views/gc_guard.py).
        gc.disable()
        from mobileca_desktop.app import run  # Qt is loaded only for the window

        return run(settings, insecure_file_keyring=args.insecure_file_keyring)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse admits no other


def gui_main() -> int:
    """``mobileca-gui`` (start menus, no console): the window, with the same flags."""
    return main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
