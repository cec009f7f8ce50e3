"""``mobileca-ca``: the CA operator's command line, for trainers, QA and CA operators.

Every subcommand opens the CA data folder as a one-shot engine (no background KMC thread),
does one thing, and closes it. Reviewer actions run as the in-process CA operator
(``CAEngine.operator_session``). Errors a user can cause are typed
(``mobileca_desktop.domain.errors``): they are printed as ``错误 / error [code]: message``
and the command exits 2; ``audit verify`` exits 1 when the chain is broken.

``serve`` starts the HTTP server; the server itself lives in ``mobileca_desktop.server``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
import os
import random
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from mobileca_desktop.ca import audit, idcheck
from mobileca_desktop.ca.clock import format_display
from mobileca_desktop.ca.db import AccountRow, CertificateRow, Store
from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import KeyringSecret, PassphraseFileSecret, SecretSource
from mobileca_desktop.config import default_data_dir, load_settings
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    DocKind,
    LegalEntityRegistration,
    MessageKind,
    PersonalRegistration,
    Purpose,
    ReviewItem,
    RevocationReason,
    VerificationState,
    label,
)

PROG = "mobileca-ca"
DB_FILENAME = "ca.sqlite3"
CA_DATA_DIR_ENV = "MOBILECA_CA_DATA_DIR"
# TEST-ONLY: when "1", one-shot engines hash passwords with the cheap Argon2 profile so that
# the CLI tests stay fast. Never set it for a real CA: it weakens every password stored.
CHEAP_PASSWORDS_ENV = "MOBILECA_TEST_CHEAP_PASSWORDS"

# --- demo data (fixed, readable values; identity numbers from a fixed seed) --------------

DEMO_SEED = 2026
DEMO_PASSWORD = "Demo2026pass"
DEMO_COMPANY = "山西示例建设工程有限公司"
DEMO_PROVINCE = "山西省"
DEMO_CITY = "太原市"
DEMO_BANK = "中国工商银行太原迎泽支行"
DEMO_BANK_ACCOUNT = "0502123456789012345"
DEMO_LEGAL_PERSON = "王建国"
DEMO_LEGAL_PHONE = "13935100001"
DEMO_AGENT = "李经办"
DEMO_AGENT_PHONE = "13935100002"
DEMO_REVIEWER_PHONE = "13800000000"

# --- labels ------------------------------------------------------------------------------

APP_STATE_LABELS = {
    AppState.DRAFT: "草稿 draft",
    AppState.SUBMITTED: "审核中 submitted",
    AppState.ISSUED: "已签发 issued",
    AppState.REJECTED: "已驳回 rejected",
    AppState.CANCELLED: "已取消 cancelled",
}
PURPOSE_LABELS = {
    Purpose.NEW: "证书新办 new",
    Purpose.RENEW: "证书更新 renewal",
    Purpose.CHANGE: "证书变更 change",
}
VERIFICATION_LABELS = {
    VerificationState.NOT_STARTED: "未开始 not started",
    VerificationState.PENDING: "待审核 pending",
    VerificationState.PASSED: "已通过 passed",
    VerificationState.FAILED: "未通过 failed",
}
DOC_LABELS = {
    DocKind.ID_FRONT: "身份证人像面 ID front",
    DocKind.ID_BACK: "身份证国徽面 ID back",
    DocKind.LICENCE: "营业执照 business licence",
    DocKind.LETTER: "授权书 letter of authorisation",
    DocKind.FACE: "刷脸照片 face photo",
    DocKind.SIGNATURE: "个人手写签名 handwritten signature",
}
MESSAGE_LABELS = {
    MessageKind.SMS: "短信 SMS",
    MessageKind.DEPOSIT: "银行到账 deposit",
    MessageKind.ELICENCE: "电子营业执照 e-licence",
}


def _label(value: Any) -> str:
    if value is None:
        return "-"
    text = label(value)
    return f"{text} {value.value}" if text else str(value)


# --- output ------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_json(data: Any) -> None:
    print(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


def _write_output(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise E.InvalidInput(
            field="output", reason=f"cannot write {path}: {exc.strerror or exc}"
        ) from None


# --- opening the CA ----------------------------------------------------------------------


def _resolve_globals(args: argparse.Namespace) -> None:
    """Fills the global options: flag > environment > settings file > default."""
    settings = load_settings({"public_url": getattr(args, "public_url", None)})
    args.public_url = settings.public_url
    data_dir = getattr(args, "data_dir", None)
    if data_dir is None:
        env = os.environ.get(CA_DATA_DIR_ENV, "").strip()
        data_dir = Path(env) if env else settings.ca_data_dir
    args.data_dir = Path(data_dir).expanduser()
    args.passphrase_file = getattr(args, "passphrase_file", None)
    args.json = getattr(args, "json", False)


def _secret(args: argparse.Namespace) -> SecretSource:
    if args.passphrase_file is not None:
        return PassphraseFileSecret(Path(args.passphrase_file).expanduser())
    return KeyringSecret(args.data_dir)


def _engine_config(args: argparse.Namespace) -> EngineConfig:
    config = EngineConfig(public_url=args.public_url, kmc_background=False)
    if os.environ.get(CHEAP_PASSWORDS_ENV) == "1":
        config.passwords = CHEAP_PASSWORDS
    return config


def _initialised(store: Store) -> bool:
    with store.read() as s:
        return store.get_meta(s, "secret_salt") is not None


def _not_initialised(folder: Path) -> E.MobileCAError:
    return E.ConfigurationError(
        reason=f"no CA in {folder}: run `{PROG} init` first, or choose the folder with "
        f"--data-dir or {CA_DATA_DIR_ENV}"
    )


def _remove_new_store(folder: Path, *, remove_folder: bool) -> None:
    """Undoes a failed ``init``: the half-made database, and the folder if it made it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with suppress(OSError):
            (folder / f"{DB_FILENAME}{suffix}").unlink(missing_ok=True)
    if remove_folder:
        with suppress(OSError):
            folder.rmdir()  # only if empty


@contextmanager
def _engine(args: argparse.Namespace, *, create: bool = False) -> Iterator[CAEngine]:
    """Opens the CA data folder; only ``init`` may create a new CA. Always closed."""
    folder: Path = args.data_dir
    if not create and not (folder / DB_FILENAME).is_file():
        raise _not_initialised(folder)
    if folder.exists() and not folder.is_dir():
        raise E.ConfigurationError(reason=f"{folder} is not a folder")
    folder_existed, db_existed = folder.exists(), (folder / DB_FILENAME).exists()
    store = None
    try:
        try:
            store = Store.for_folder(folder)
        except (OSError, SQLAlchemyError) as exc:
            detail = getattr(exc, "strerror", None) or type(exc).__name__
            raise E.ConfigurationError(
                reason=f"cannot use the CA data folder {folder}: {detail}"
            ) from None
        args.created = not _initialised(store)
        if args.created and not create:
            raise _not_initialised(folder)
        engine = CAEngine(store, _secret(args), _engine_config(args))
    except BaseException:
        if store is not None:
            store.dispose()
        if not db_existed:
            _remove_new_store(folder, remove_folder=not folder_existed)
        raise
    try:
        yield engine
    finally:
        engine.close()


# --- init, institutions, export-chain ------------------------------------------------------


def _institution_dicts(engine: CAEngine) -> list[dict]:
    return [
        {
            "id": i.id,
            "name": i.name,
            "short_name": i.short_name,
            "contact_phone": i.contact_phone,
            "contact_address": i.contact_address,
            "contact_url": i.contact_url,
            "root_fingerprint_sha256": i.root_fingerprint_sha256,
        }
        for i in engine.institutions()
    ]


def _print_institutions(items: list[dict]) -> None:
    for i in items:
        print(f"{i['id']:<5} {i['name']} ({i['short_name']})")
        print(f"      联系 contact: {i['contact_phone']} · {i['contact_address']}")
        print(f"      根证书 SHA-256 root: {i['root_fingerprint_sha256']}")


def cmd_init(args: argparse.Namespace) -> int:
    with _engine(args, create=True) as engine:
        items = _institution_dicts(engine)
        secret = engine.secret_source.describe()
        created = args.created
    if args.json:
        _print_json(
            {
                "data_dir": args.data_dir,
                "created": created,
                "secret_store": secret,
                "public_url": args.public_url,
                "institutions": items,
            }
        )
        return 0
    if created:
        print(f"已创建 CA / CA created in {args.data_dir}")
    else:
        print(f"CA 已存在 / CA already initialised in {args.data_dir}")
    print(f"密钥保护 / secret store: {secret}")
    print(f"公开地址 / public URL (CRL, OCSP): {args.public_url}")
    print("CA 机构 / institutions:")
    _print_institutions(items)
    return 0


def cmd_institutions(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        items = _institution_dicts(engine)
    if args.json:
        _print_json(items)
    else:
        _print_institutions(items)
    return 0


def cmd_export_chain(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        pem = engine.chain_pem(args.institution)
    if args.output:
        _write_output(args.output, pem.encode())
    if args.json:
        _print_json({"institution": args.institution, "file": args.output, "chain_pem": pem})
    elif args.output:
        print(f"已导出 / wrote issuing CA + root of {args.institution} to {args.output}")
    else:
        sys.stdout.write(pem)
    return 0


# --- review -------------------------------------------------------------------------------


def _encryption_serial(engine: CAEngine, certificate_id: int | None) -> str | None:
    if certificate_id is None:
        return None
    with engine.store.read() as s:
        row = s.get(CertificateRow, certificate_id)
        return row.encryption_serial if row else None


def _signature_text(item: ReviewItem) -> str:
    sig = item.signature
    if not sig.signed:
        return "未签名 not signed"
    if sig.valid:
        return f"有效 valid ({sig.signer}, {format_display(sig.signed_at)})"
    return f"无效 INVALID: {sig.detail} ({sig.signer}, {format_display(sig.signed_at)})"


def _state_text(item: ReviewItem) -> str:
    if item.letter_pending:
        return "授权书待审 letter pending"
    return APP_STATE_LABELS[item.application.state]


def cmd_review_list(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        items = engine.review_queue(engine.operator_session())
    if args.json:
        _print_json(items)
        return 0
    if not items:
        print("没有待审核的申请 / nothing to review")
        return 0
    for it in items:
        app = it.application
        print(
            f"#{app.id:<4} {_state_text(it)} · {_label(app.kind)} · {app.institution_id} · "
            f"{it.applicant} · {format_display(app.submitted_at or app.created_at)}"
        )
        print(f"       电子签名 signature: {_signature_text(it)}")
    return 0


def cmd_review_show(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        item = engine.review_item(engine.operator_session(), args.app_id)
    if args.json:
        _print_json(item)
        return 0
    app = item.application
    rows = [
        ("申请 application", f"#{app.id}"),
        ("状态 state", _state_text(item)),
        ("申请人 applicant", item.applicant),
        ("证书类型 kind", _label(app.kind)),
        ("业务 purpose", PURPOSE_LABELS[app.purpose]),
        ("证书主体 subject", app.subject_name),
        ("CA 机构 institution", app.institution_id),
        ("核验方式 method", _label(app.method)),
        ("核验 verification", VERIFICATION_LABELS[app.verification]),
        ("办理人 handler", _label(app.handler)),
    ]
    if app.agent:
        rows.append(("经办人 agent", f"{app.agent.name} {app.agent.id_number} {app.agent.phone}"))
        rows.append(("授权码 auth code", "已确认 confirmed" if app.auth_code_confirmed else "-"))
    rows += [
        ("创建 created", format_display(app.created_at)),
        ("提交 submitted", format_display(app.submitted_at) or "-"),
        ("电子签名 signature", _signature_text(item)),
    ]
    if app.reject_reason:
        rows.append(("原因 reason", app.reject_reason))
    if app.missing:
        rows.append(("尚缺 missing", ", ".join(app.missing)))
    if app.certificate_id:
        rows.append(("证书 certificate", f"#{app.certificate_id}"))
    for name, value in rows:
        print(f"{name}: {value}")
    print(f"材料 documents ({len(app.documents)}):")
    for d in app.documents:
        label = DOC_LABELS.get(d.kind, d.kind.value)
        print(f"  #{d.id} {label}: {d.filename} ({d.mime}, {d.size} bytes)")
        print(f"      sha256 {d.sha256}")
    return 0


def _review_action(
    args: argparse.Namespace,
    action: Callable[[CAEngine], Any],
    done: str,
    *,
    letter: bool = False,
) -> int:
    with _engine(args) as engine:
        app = action(engine)
        serial = _encryption_serial(engine, app.certificate_id)
    if args.json:
        data = dataclasses.asdict(app)
        data["encryption_serial"] = serial
        _print_json(data)
        return 0
    print(f"{done}: #{app.id} {app.subject_name} → {APP_STATE_LABELS[app.state]}")
    if app.state is AppState.ISSUED and app.certificate_id:
        print(
            f"  证书 certificate #{app.certificate_id}, 加密证书序列号 encryption serial {serial}"
        )
    if app.reject_reason and app.state is not AppState.ISSUED:
        print(f"  原因 reason: {app.reject_reason}")
    if letter:
        print(f"  核验 verification: {VERIFICATION_LABELS[app.verification]}")
    return 0


def cmd_review_approve(args: argparse.Namespace) -> int:
    return _review_action(
        args, lambda e: e.approve(e.operator_session(), args.app_id), "已批准 / approved"
    )


def cmd_review_reject(args: argparse.Namespace) -> int:
    return _review_action(
        args,
        lambda e: e.reject(e.operator_session(), args.app_id, args.reason),
        "已驳回 / rejected",
    )


def cmd_review_cancel(args: argparse.Namespace) -> int:
    def cancel(e: CAEngine):
        if args.reason is None:
            return e.cancel(e.operator_session(), args.app_id)
        return e.cancel(e.operator_session(), args.app_id, args.reason)

    return _review_action(args, cancel, "已永久取消 / cancelled for good")


def cmd_review_accept_letter(args: argparse.Namespace) -> int:
    return _review_action(
        args,
        lambda e: e.accept_letter(e.operator_session(), args.app_id),
        "授权书已通过 / letter accepted",
        letter=True,
    )


def cmd_review_reject_letter(args: argparse.Namespace) -> int:
    return _review_action(
        args,
        lambda e: e.reject_letter(e.operator_session(), args.app_id, args.reason),
        "授权书未通过 / letter rejected",
        letter=True,
    )


# --- revoke, crl --------------------------------------------------------------------------

_HEX_RE = re.compile(r"^[0-9a-f]{1,40}$")


def _normalise_serial(text: str) -> str:
    """Accepts ``abcd12``, ``0xABCD12`` and OpenSSL's ``AB:CD:12``."""
    serial = re.sub(r"[\s:]", "", text or "").lower().removeprefix("0x")
    if not _HEX_RE.fullmatch(serial):
        raise E.InvalidInput(
            field="serial", reason="expected a certificate serial in hexadecimal, e.g. 5f3a9c..."
        )
    return serial.lstrip("0") or "0"


def cmd_revoke(args: argparse.Namespace) -> int:
    serial = _normalise_serial(args.serial)
    reason = RevocationReason(args.reason)
    with _engine(args) as engine:
        engine.revoke_serial(engine.operator_session(), serial, reason)
    if args.json:
        _print_json({"serial": serial, "revoked": True, "reason": reason.value})
    else:
        print(f"已吊销 / revoked {serial} ({reason.value})")
    return 0


def cmd_crl(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        der = engine.crl(args.institution)
    crl = x509.load_der_x509_crl(der)
    pem = crl.public_bytes(serialization.Encoding.PEM)
    if args.output:
        _write_output(args.output, pem if args.pem else der)
    if args.json:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        _print_json(
            {
                "institution": args.institution,
                "crl_number": number,
                "this_update": crl.last_update_utc,
                "next_update": crl.next_update_utc,
                "revoked": [
                    {"serial": format(r.serial_number, "x"), "at": r.revocation_date_utc}
                    for r in crl
                ],
                "file": args.output,
                "crl_pem": pem.decode(),
            }
        )
    elif args.output:
        print(
            f"已写入 / wrote the CRL of {args.institution} ({len(crl)} revoked, "
            f"{'PEM' if args.pem else 'DER'}) to {args.output}"
        )
    elif args.pem:
        sys.stdout.write(pem.decode())
    elif sys.stdout.isatty():
        raise E.InvalidInput(field="output", reason="the CRL is binary (DER): use -o FILE or --pem")
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(der)
        sys.stdout.buffer.flush()
    return 0


# --- inbox --------------------------------------------------------------------------------


def cmd_inbox(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        messages = engine.inbox(args.phone)
    if args.json:
        _print_json(messages)
        return 0
    if not messages:
        print(f"{args.phone}: 没有消息 / no messages")
        return 0
    for m in messages:
        print(f"#{m.id} {format_display(m.created_at)} [{MESSAGE_LABELS[m.kind]}] {m.title}")
        print(f"    {m.body}")
        if m.code:
            print(f"    验证码 code: {m.code}")
        if m.attachment:
            print(f"    二维码内容 QR text: {m.attachment}")
    return 0


# --- audit --------------------------------------------------------------------------------


@contextmanager
def _audit_store(args: argparse.Namespace) -> Iterator[Store]:
    """The CA's database for reading its audit log: ``--db URL`` (e.g. the PostgreSQL CA of
    ``serve --db``) or the data folder's SQLite file. Needs no CA secret: an auditor can
    check the chain without the keys."""
    url = getattr(args, "db", None)
    if url is None and not (args.data_dir / DB_FILENAME).is_file():
        raise _not_initialised(args.data_dir)
    where = _safe_url(url) if url else str(args.data_dir)
    try:
        # create=False: an empty database is "no CA", not a new one made for the auditor.
        store = Store(url, create=False) if url else Store.for_folder(args.data_dir)
    except (OSError, SQLAlchemyError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        reason = f"cannot open the CA database {where}: {detail}"
        raise E.ConfigurationError(reason=reason) from None
    try:
        try:
            initialised = _initialised(store)
        except SQLAlchemyError as exc:
            raise E.ConfigurationError(
                reason=f"cannot read the CA database {where}: {type(exc).__name__}"
            ) from None
        if not initialised:
            raise E.ConfigurationError(reason=f"no CA in {where}")
        yield store
    finally:
        store.dispose()


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Brings the CA database's schema to this release's (what opening it does anyway),
    explicitly: e.g. before starting several server workers. Needs no CA secret."""
    from mobileca_desktop.ca import schema

    url = getattr(args, "db", None)
    if url is None:
        if not (args.data_dir / DB_FILENAME).is_file():
            raise _not_initialised(args.data_dir)
        where = str(args.data_dir / DB_FILENAME)
        url = f"sqlite:///{args.data_dir / DB_FILENAME}"
    else:
        where = _safe_url(url)
    try:
        store = Store(url, create=False)
    except (OSError, SQLAlchemyError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        reason = f"cannot open the CA database {where}: {detail}"
        raise E.ConfigurationError(reason=reason) from None
    change = store.schema_change
    store.dispose()
    before = change.before if change else schema.HEAD
    data = {
        "database": where,
        "from": before,
        "to": schema.HEAD,
        "upgraded": change is not None and change.before != schema.HEAD,
        "stamped": bool(change and change.stamped),
        "backup": change.backup if change else None,
    }
    if args.json:
        _print_json(data)
        return 0
    print(f"数据库 / database: {where}")
    if change is None:
        print(f"结构版本已是最新 / schema already at revision {schema.HEAD}")
        return 0
    if change.stamped:
        print(
            f"迁移功能之前的数据库，已标记为基线版本 / made before migrations: stamped at "
            f"the baseline {schema.BASELINE}"
        )
    if change.before is not None or schema.BASELINE != schema.HEAD:
        print(f"结构版本 / schema revision: {change.before or schema.BASELINE} → {schema.HEAD}")
    if change.backup is not None:
        print(f"升级前的副本 / copy kept before the upgrade: {change.backup}")
    return 0


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown by its scheme only
        return url.split(":", 1)[0] + ":..."


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _audit_store(args) as store, store.read() as s:
        count, bad = audit.verify(s)
    if args.json:
        _print_json({"entries": count, "intact": bad is None, "first_bad_entry": bad})
    elif bad is None:
        print(f"{count} entries, chain intact / 审计日志完整")
    else:
        print(
            f"审计日志被篡改 / audit chain broken at entry {bad} "
            f"(the first bad entry; {count} entries checked)"
        )
    return 0 if bad is None else 1


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("expected a number of 1 or more")
    return value


def cmd_audit_tail(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        entries = list(reversed(engine.audit_tail(args.n)))
    if args.json:
        _print_json(entries)
        return 0
    for a in entries:
        details = json.dumps(a.details, ensure_ascii=False, sort_keys=True) if a.details else ""
        print(f"#{a.id} {format_display(a.at)} {a.actor} {a.action} {a.object} {details}".rstrip())
    return 0


# --- clock --------------------------------------------------------------------------------

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_PART = re.compile(r"(\d+)\s*([dhms])", re.ASCII)
MAX_ADVANCE_SECONDS = 100 * 365 * 86400


def parse_duration(text: str) -> int:
    """``400d``, ``2h``, ``90m``, ``30s``, ``1d12h`` or a number of seconds."""
    t = (text or "").strip().lower()
    bad = E.InvalidInput(
        field="duration", reason="use e.g. 400d, 2h, 90m, 30s, 1d12h or a number of seconds"
    )
    if t.isascii() and t.isdigit():
        seconds = int(t)
    else:
        pos, seconds = 0, 0
        for m in _DURATION_PART.finditer(t):
            if t[pos : m.start()].strip():
                raise bad
            seconds += int(m.group(1)) * _UNITS[m.group(2)]
            pos = m.end()
        if pos == 0 or t[pos:].strip():
            raise bad
    if seconds > MAX_ADVANCE_SECONDS:
        raise E.InvalidInput(field="duration", reason="at most 100 years")
    return seconds


def _format_offset(seconds: int) -> str:
    if seconds == 0:
        return "0 (真实时间 real time)"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{days}d {hours:02d}:{minutes:02d}:{secs:02d} ({seconds} s)"


def _print_clock(args: argparse.Namespace, info, headline: str | None = None) -> None:
    if args.json:
        _print_json(info)
        return
    if headline:
        print(headline)
    print(f"CA 时间 / CA time:    {format_display(info.now)} (Asia/Shanghai)")
    print(f"真实时间 / real time: {format_display(info.real_now)}")
    print(f"偏移 / offset:        {_format_offset(info.offset_seconds)}")


def cmd_clock_show(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        info = engine.clock_info()
    _print_clock(args, info)
    return 0


def cmd_clock_advance(args: argparse.Namespace) -> int:
    seconds = parse_duration(args.duration)
    with _engine(args) as engine:
        info = engine.advance_clock(engine.operator_session(), seconds)
    _print_clock(args, info, f"演示时钟已前进 / demo clock moved forward by {args.duration}")
    return 0


def cmd_clock_reset(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        info = engine.reset_clock(engine.operator_session())
    _print_clock(args, info, "演示时钟已复位 / demo clock back to real time")
    return 0


# --- demo-seed ----------------------------------------------------------------------------


def demo_identities() -> dict[str, str]:
    """The demo company's 统一社会信用代码 and the two ID numbers, the same on every run."""
    rng = random.Random(DEMO_SEED)
    return {
        "uscc": idcheck.make_uscc(rng),
        "legal_person_id_number": idcheck.make_id_number(rng, dt.date(1975, 3, 14)),
        "agent_id_number": idcheck.make_id_number(rng, dt.date(1990, 6, 18)),
    }


def _account_exists(engine: CAEngine, login_name: str) -> bool:
    with engine.store.read() as s:
        return (
            s.execute(select(AccountRow.id).where(AccountRow.login_name == login_name)).first()
            is not None
        )


def _elicence_text(engine: CAEngine, uscc: str) -> str:
    for m in engine.inbox(DEMO_LEGAL_PHONE):
        if m.kind is MessageKind.ELICENCE and m.attachment:
            return m.attachment
    # The registration message is gone (or the phone was reused): make it anew.
    session = engine.login(AccountKind.LEGAL, uscc, DEMO_PASSWORD)
    try:
        return engine.elicence_text(session)
    finally:
        engine.logout(session)


def _seed(engine: CAEngine) -> dict:
    ids = demo_identities()
    company = {
        "login": "法人登录 (legal-entity login)",
        "company_name": DEMO_COMPANY,
        "uscc": ids["uscc"],
        "password": DEMO_PASSWORD,
        "legal_person_name": DEMO_LEGAL_PERSON,
        "legal_person_id_number": ids["legal_person_id_number"],
        "legal_person_phone": DEMO_LEGAL_PHONE,
        "province": DEMO_PROVINCE,
        "city": DEMO_CITY,
        "bank_name": DEMO_BANK,
        "bank_account": DEMO_BANK_ACCOUNT,
    }
    if _account_exists(engine, ids["uscc"]):
        company["status"] = "existing"
    else:
        engine.register_legal(
            LegalEntityRegistration(
                company_name=DEMO_COMPANY,
                uscc=ids["uscc"],
                province=DEMO_PROVINCE,
                city=DEMO_CITY,
                bank_name=DEMO_BANK,
                bank_account=DEMO_BANK_ACCOUNT,
                legal_person_name=DEMO_LEGAL_PERSON,
                legal_person_id_number=ids["legal_person_id_number"],
                legal_person_phone=DEMO_LEGAL_PHONE,
                password=DEMO_PASSWORD,
            )
        )
        company["status"] = "created"
    agent = {
        "login": "个人登录 (personal login, by phone or ID number)",
        "name": DEMO_AGENT,
        "id_number": ids["agent_id_number"],
        "phone": DEMO_AGENT_PHONE,
        "password": DEMO_PASSWORD,
    }
    if _account_exists(engine, ids["agent_id_number"]):
        agent["status"] = "existing"
    else:
        engine.register_personal(
            PersonalRegistration(
                name=DEMO_AGENT,
                id_number=ids["agent_id_number"],
                phone=DEMO_AGENT_PHONE,
                password=DEMO_PASSWORD,
            )
        )
        agent["status"] = "created"
    reviewers = []
    operator = engine.operator_session()
    for inst in engine.institutions():
        login = f"reviewer-{inst.id}"
        item = {
            "login": login,
            "password": DEMO_PASSWORD,
            "name": f"{inst.short_name} 审核员",
            "institution_id": inst.id,
            "institution_name": inst.name,
        }
        if _account_exists(engine, login):
            item["status"] = "existing"
        else:
            engine.create_reviewer(
                operator,
                login_name=login,
                name=item["name"],
                password=DEMO_PASSWORD,
                institution_id=inst.id,
                phone=DEMO_REVIEWER_PHONE,
            )
            item["status"] = "created"
        reviewers.append(item)
    return {
        "company": company,
        "agent": agent,
        "reviewers": reviewers,
        "elicence_qr_text": _elicence_text(engine, ids["uscc"]),
    }


_STATUS_TEXT = {"created": "新建 created", "existing": "已存在 existing"}


def _print_seed(data: dict) -> None:
    c, a = data["company"], data["agent"]
    print(f"演示数据 / demo data in {data['data_dir']}")
    print()
    print(f"法人登录 / legal-entity login  [{_STATUS_TEXT[c['status']]}]")
    print(f"  企业名称 company:              {c['company_name']}")
    print(f"  统一社会信用代码 USCC (login): {c['uscc']}")
    print(f"  密码 password:                 {c['password']}")
    print(f"  法定代表人 legal person:       {c['legal_person_name']}")
    print(f"  身份证号 ID number:            {c['legal_person_id_number']}")
    print(f"  手机 phone (inbox):            {c['legal_person_phone']}")
    print(f"  对公账户 bank account:         {c['bank_name']} {c['bank_account']}")
    print()
    print(f"个人登录 / personal login (经办人 agent)  [{_STATUS_TEXT[a['status']]}]")
    print(f"  姓名 name:                     {a['name']}")
    print(f"  手机 phone (login, inbox):     {a['phone']}")
    print(f"  身份证号 ID number (login):    {a['id_number']}")
    print(f"  密码 password:                 {a['password']}")
    print()
    print("审核员 / reviewers (CA 审核台)")
    for r in data["reviewers"]:
        print(
            f"  {r['login']:<15} {r['password']}  {r['institution_name']}  "
            f"[{_STATUS_TEXT[r['status']]}]"
        )
    print()
    print("电子营业执照 / e-business licence (二维码内容 QR text):")
    print(data["elicence_qr_text"])
    print()
    print("扫描此二维码完成「电子营业执照」核验 / scan this QR code for the e-licence check")
    print("(深色背景终端显示最佳 / drawn for a dark terminal background):")
    _print_qr(data["elicence_qr_text"])


def _print_qr(text: str) -> None:
    import segno

    qr = segno.make_qr(text, error="m")
    sys.stdout.flush()
    qr.terminal(out=sys.stdout, compact=True)
    sys.stdout.flush()


def cmd_demo_seed(args: argparse.Namespace) -> int:
    with _engine(args) as engine:
        data = _seed(engine)
    data = {"data_dir": args.data_dir, **data}
    if args.json:
        _print_json(data)
    else:
        _print_seed(data)
    return 0


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

    def add(parent, name: str, func, help_text: str) -> argparse.ArgumentParser:
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
    p.add_argument("-n", type=_positive_int, default=20, metavar="N", help="default 20")

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
    p.add_argument("--workers", type=_positive_int, default=1, metavar="N", help="default 1")
    p.add_argument(
        "--no-rate-limits",
        action="store_true",
        help="turn off the SMS and login rate limits (load tests only)",
    )
    p.add_argument(
        "--decode-slots",
        type=_positive_int,
        metavar="N",
        help="uploaded images and PDFs decoded at once per worker (default 2; each 40-megapixel "
        "photo takes a few hundred MiB while it is decoded)",
    )
    p.add_argument(
        "--password-slots",
        type=_positive_int,
        metavar="N",
        help="Argon2id hashes (logins, registrations) at once per worker (default 1)",
    )
    p.add_argument(
        "--login-in-flight",
        type=_positive_int,
        metavar="N",
        help="hashes one client address may have queued or running at once; more are "
        "refused with 429 (default 2)",
    )
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    """Runs until Ctrl-C. Creates the CA in an empty database, like ``init``."""
    try:
        from mobileca_desktop.server import run as server_run
    except ImportError as exc:  # FastAPI and uvicorn are the [server] extra
        raise E.ConfigurationError(
            reason=f"the CA server's packages are not installed ({exc.name}): "
            "pip install 'mobileca-desktop[server]'"
        ) from None

    if not args.tls and not server_run.is_loopback(args.host):
        raise E.ConfigurationError(
            reason=f"plain HTTP is only served on loopback; use --tls to listen on {args.host}"
        )
    if not 1 <= args.port <= 65535:
        raise E.InvalidInput(field="port", reason="1 to 65535")
    if args.db:
        db_url = args.db
    else:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        db_url = f"sqlite:///{args.data_dir / DB_FILENAME}"
    settings = server_run.ServeSettings(
        db_url=db_url,
        data_dir=str(args.data_dir),
        public_url=args.public_url,
        passphrase_file=str(args.passphrase_file) if args.passphrase_file else None,
        demo=args.demo,
        cheap_passwords=os.environ.get(CHEAP_PASSWORDS_ENV) == "1",
        tls_institution=args.tls_institution,
        rate_limits=not args.no_rate_limits,
        decode_slots=args.decode_slots,
        password_slots=args.password_slots,
        login_in_flight=args.login_in_flight,
    )
    try:
        server_run.run(settings, host=args.host, port=args.port, tls=args.tls, workers=args.workers)
    except SQLAlchemyError as exc:
        raise E.ConfigurationError(
            reason=f"cannot use the database: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        ) from None
    return 0


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
        _resolve_globals(args)
        return args.func(args)
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
