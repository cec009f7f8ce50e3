"""``mobileca-ca``: the CA operator's command line, for trainers, QA and CA operators.

This module holds the parser and ``main``; the commands live beside it by concern
(``lifecycle``, ``review``, ``audit``, ``demo``) and share ``common``. Errors a user can
cause are typed (``mobileca_desktop.domain.errors``): they are printed as
``错误 / error [code]: message`` and the command exits 2; ``audit verify`` exits 1 when
the chain is broken.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from mobileca_desktop.cacli.audit import cmd_audit_tail, cmd_audit_verify
from mobileca_desktop.cacli.common import CA_DATA_DIR_ENV, PROG, positive_int, resolve_globals
from mobileca_desktop.cacli.demo import (
    cmd_clock_advance,
    cmd_clock_reset,
    cmd_clock_show,
    cmd_demo_seed,
    cmd_inbox,
)
from mobileca_desktop.cacli.lifecycle import (
    cmd_export_chain,
    cmd_init,
    cmd_institutions,
    cmd_serve,
    cmd_upgrade,
)
from mobileca_desktop.cacli.review import (
    cmd_crl,
    cmd_review_accept_letter,
    cmd_review_approve,
    cmd_review_cancel,
    cmd_review_list,
    cmd_review_reject,
    cmd_review_reject_letter,
    cmd_review_show,
    cmd_revoke,
)
from mobileca_desktop.config import default_data_dir
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import RevocationReason

# --- the parser ---------------------------------------------------------------------------


def _global_options() -> argparse.ArgumentParser:
    """Options accepted before and after any subcommand. SUPPRESS keeps a value given
    before the subcommand from being overwritten by the subparser's default."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("全局选项 / global options")
    g.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help=f"CA 数据目录 / the CA data folder (env {CA_DATA_DIR_ENV}; default: the sub-folder "
        f"ca of the mobileca data folder, MOBILECA_DATA_DIR or {default_data_dir() / 'ca'})",
    )
    g.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="服务器模式的口令文件 / server mode: the passphrase file that protects the CA keys "
        "(default: the OS keyring)",
    )
    g.add_argument(
        "--public-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="公开地址 / base URL written into CRL and OCSP pointers "
        "(env MOBILECA_PUBLIC_URL; default http://127.0.0.1:8470)",
    )
    g.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="机器可读输出 / machine-readable output",
    )
    return p


def build_parser() -> argparse.ArgumentParser:
    common = _global_options()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="移动CA 管理命令 / the mobile CA's admin command line "
        "(trainers, QA, CA operators)",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        help_text: str,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    add(sub, "init", cmd_init, "创建 CA 数据目录与 CA 机构 / create the CA and its institutions")
    add(sub, "institutions", cmd_institutions, "CA 机构列表 / list the CA institutions")
    p = add(sub, "export-chain", cmd_export_chain, "导出证书链 / issuing CA + root (PEM)")
    p.add_argument("institution", metavar="INSTITUTION", help="e.g. bjca")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")

    review = sub.add_parser(
        "review", parents=[common], help="审核 / review applications as the CA operator"
    )
    rsub = review.add_subparsers(dest="review_cmd", required=True, metavar="ACTION")
    add(rsub, "list", cmd_review_list, "待审核列表 / applications waiting for review")
    p = add(rsub, "show", cmd_review_show, "申请详情 / application details and signature check")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p = add(rsub, "approve", cmd_review_approve, "批准并签发 / approve and issue")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p = add(rsub, "reject", cmd_review_reject, "驳回 / reject (the applicant may 继续)")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = add(rsub, "cancel", cmd_review_cancel, "永久取消审核 / cancel for good")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p.add_argument("--reason", metavar="TEXT", help="default 被永久取消审核")
    p = add(rsub, "accept-letter", cmd_review_accept_letter, "授权书通过 / accept the letter")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p = add(rsub, "reject-letter", cmd_review_reject_letter, "授权书不通过 / reject the letter")
    p.add_argument("app_id", type=int, metavar="APP_ID")
    p.add_argument("--reason", required=True, metavar="TEXT")

    p = add(sub, "revoke", cmd_revoke, "吊销证书 / revoke a certificate by serial")
    p.add_argument("serial", metavar="SERIAL", help="hexadecimal serial (AB:CD:.. accepted)")
    p.add_argument(
        "--reason",
        choices=[r.value for r in RevocationReason],
        default=RevocationReason.UNSPECIFIED.value,
    )

    p = add(sub, "crl", cmd_crl, "证书吊销列表 / the institution's current CRL")
    p.add_argument("institution", metavar="INSTITUTION", help="e.g. bjca")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")
    p.add_argument("--pem", action="store_true", help="PEM instead of DER")

    p = add(sub, "inbox", cmd_inbox, "模拟手机消息 / the simulated phone's messages")
    p.add_argument("phone", metavar="PHONE")

    audit = sub.add_parser("audit", parents=[common], help="审计日志 / the audit log")
    asub = audit.add_subparsers(dest="audit_cmd", required=True, metavar="ACTION")
    p = add(asub, "verify", cmd_audit_verify, "校验哈希链 / verify the hash chain")
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of the CA's database, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite in the data folder)",
    )
    p = add(asub, "tail", cmd_audit_tail, "最近的审计记录 / the latest entries")
    p.add_argument("-n", type=positive_int, default=20, metavar="N", help="default 20")

    p = add(
        sub,
        "upgrade",
        cmd_upgrade,
        "升级数据库结构 / upgrade the CA database's schema to this release's "
        "(opening a CA does it too; a SQLite file is copied first)",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of the CA's database, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite in the data folder)",
    )

    clock = sub.add_parser("clock", parents=[common], help="演示时钟 / the demo clock")
    csub = clock.add_subparsers(dest="clock_cmd", required=True, metavar="ACTION")
    add(csub, "show", cmd_clock_show, "显示时钟 / show the CA time and offset")
    p = add(csub, "advance", cmd_clock_advance, "时钟前进 / move the clock forward")
    p.add_argument("duration", metavar="DURATION", help="e.g. 400d, 2h, 90m, 30s or seconds")
    add(csub, "reset", cmd_clock_reset, "复位到真实时间 / back to real time")

    add(
        sub,
        "demo-seed",
        cmd_demo_seed,
        "演示数据 / create the demo company, agent and reviewers (idempotent)",
    )

    p = add(sub, "serve", cmd_serve, "启动 CA 服务器 / run the CA's HTTP server (API, OCSP, CRL)")
    p.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (plain HTTP: loopback)")
    p.add_argument("--port", type=int, default=8470, help="default 8470")
    p.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite in the data folder)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="演示模式 / serve the simulated phones' inbox and the demo clock (training only)",
    )
    p.add_argument(
        "--tls",
        action="store_true",
        help="HTTPS with a server certificate from the CA's TLS profile (required off loopback)",
    )
    p.add_argument("--tls-institution", metavar="ID", help="the CA that issues the TLS certificate")
    p.add_argument("--workers", type=positive_int, default=1, metavar="N", help="default 1")
    p.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="turn off the SMS and login rate limits (load tests only)",
    )
    p.add_argument(
        "--decode-slots",
        type=positive_int,
        metavar="N",
        help="uploaded images and PDFs decoded at once per worker (default 2; each 40-megapixel "
        "photo takes a few hundred MiB while it is decoded)",
    )
    p.add_argument(
        "--password-slots",
        type=positive_int,
        metavar="N",
        help="Argon2id hashes (logins, registrations) at once per worker (default 1)",
    )
    p.add_argument(
        "--login-in-flight",
        type=positive_int,
        metavar="N",
        help="hashes one client address may have queued or running at once; more are "
        "refused with 429 (default 2)",
    )
    return parser


def _safe_streams() -> None:
    # A console that cannot show Chinese or the QR blocks gets "?" instead of a traceback.
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            with suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> int:
    _safe_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse already explained
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        resolve_globals(args)
        code: int = args.func(args)
        return code
    except E.MobileCAError as exc:
        print(f"错误 / error [{exc.code}]: {exc.message}", file=sys.stderr)
        if (
            isinstance(exc, E.SecretUnavailable)
            and getattr(args, "passphrase_file", None) is None
            and "--passphrase-file" not in exc.message
        ):
            print(
                "提示 / hint: a CA set up in server mode needs --passphrase-file FILE",
                file=sys.stderr,
            )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
