"""``mobileca-ca`` commands of the CA operator: ``review`` (list, show, approve, reject,
cancel, the letter of authorisation), ``revoke`` and ``crl``.

Reviewer actions run as the in-process CA operator (``CAEngine.operator_session``).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mobileca_desktop.ca.clock import format_display
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.cacli.common import open_engine, print_json, write_output
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    ApplicationInfo,
    AppState,
    DocKind,
    Purpose,
    ReviewItem,
    RevocationReason,
    VerificationState,
    label,
)

# --- labels ------------------------------------------------------------------------------

APP_STATE_LABELS = {
    AppState.DRAFT: "草稿 draft",
    AppState.SUBMITTED: "审核中 submitted",
    AppState.ISSUED: "已签发 issued",
    AppState.REJECTED: "已驳回 rejected",
    AppState.CANCELLED: "已取消 cancelled",
    AppState.DISCARDED: "已撤销 discarded",
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


def _label(value: Any) -> str:
    if value is None:
        return "-"
    text = label(value)
    return f"{text} {value.value}" if text else str(value)


# --- review -------------------------------------------------------------------------------


def _encryption_serial(engine: CAEngine, certificate_id: int | None) -> str | None:
    if certificate_id is None:
        return None
    return engine.store.encryption_serial(certificate_id)


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
    with open_engine(args) as engine:
        items = engine.review_queue(engine.operator_session())
    if args.json:
        print_json(items)
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
    with open_engine(args) as engine:
        item = engine.review_item(engine.operator_session(), args.app_id)
    if args.json:
        print_json(item)
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
    with open_engine(args) as engine:
        app = action(engine)
        serial = _encryption_serial(engine, app.certificate_id)
    if args.json:
        data = dataclasses.asdict(app)
        data["encryption_serial"] = serial
        print_json(data)
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
    def cancel(e: CAEngine) -> ApplicationInfo:
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
    with open_engine(args) as engine:
        engine.revoke_serial(engine.operator_session(), serial, reason)
    if args.json:
        print_json({"serial": serial, "revoked": True, "reason": reason.value})
    else:
        print(f"已吊销 / revoked {serial} ({reason.value})")
    return 0


def cmd_crl(args: argparse.Namespace) -> int:
    with open_engine(args) as engine:
        der = engine.crl(args.institution)
    crl = x509.load_der_x509_crl(der)
    pem = crl.public_bytes(serialization.Encoding.PEM)
    if args.output:
        write_output(args.output, pem if args.pem else der)
    if args.json:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        print_json(
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
