"""The CA's rules, in one place: limits, the documents each certificate needs, what a
certificate's subject is and which of it may change, validity, and a certificate's status.

Pure functions of their arguments (no database, no keys): the registration authority and
the issuer ask; this module decides.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509

from mobileca_desktop.ca import idcheck, pki
from mobileca_desktop.ca.clock import end_of_day_shanghai
from mobileca_desktop.ca.store import AccountRow, ApplicationRow, CertificateRecord
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    Handler,
    Method,
    Purpose,
    RevocationReason,
    VerificationState,
)

DEPOSIT_TRIES = 3  # 对公打款: wrong amounts before the deposit must start again
AUTH_CODE_TRIES = 5  # 授权码: wrong codes before it is refused

REQUIRED_DOCS: dict[CertKind, tuple[DocKind, ...]] = {
    CertKind.UNIT: (DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK),
    CertKind.LEGAL_REP: (DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK),
    CertKind.PERSONAL: (DocKind.ID_FRONT, DocKind.ID_BACK),
}

# The subject fields 证书变更 may change, per kind.
CHANGEABLE: dict[CertKind, tuple[str, ...]] = {
    CertKind.UNIT: ("company_name", "province", "city"),
    CertKind.LEGAL_REP: ("company_name", "legal_person_name"),
    CertKind.PERSONAL: ("person_name",),
}


def missing(app: ApplicationRow, document_kinds: set[str]) -> list[str]:
    """What a draft still lacks before it can be signed and submitted."""
    out = []
    if app.method is None:
        out.append("method")
    if app.kind != CertKind.PERSONAL.value and app.handler is None:
        out.append("handler")
    if app.verification != VerificationState.PASSED.value:
        out.append("verification")
    if app.handler == Handler.AGENT.value and not app.auth_code_confirmed:
        out.append("auth_code")
    for k in REQUIRED_DOCS[CertKind(app.kind)]:
        if k.value not in document_kinds:
            out.append(f"doc:{k.value}")
    if app.method == Method.LETTER.value and DocKind.LETTER.value not in document_kinds:
        out.append("doc:letter")
    return out


def subject_for_account(acc: AccountRow, kind: CertKind, id_digest_key: bytes) -> dict[str, Any]:
    """The certificate subject an account applies for (a person's ID number only digested)."""
    if kind is CertKind.PERSONAL:
        assert acc.id_number is not None  # every personal account has one
        return {
            "person_name": acc.display_name,
            "person_id_digest": idcheck.id_number_digest(acc.id_number, id_digest_key),
        }
    return {
        "company_name": acc.company_name,
        "uscc": acc.uscc,
        "province": acc.province,
        "city": acc.city,
        "legal_person_name": acc.legal_person_name,
    }


def subject_name(kind: CertKind, subject: dict[str, Any]) -> str:
    """The name 证书管理 shows for a subject."""
    key = {CertKind.UNIT: "company_name", CertKind.LEGAL_REP: "legal_person_name"}
    name: str = subject[key.get(kind, "person_name")]
    return name


def x509_subject(kind: CertKind, subject: dict[str, Any]) -> x509.Name:
    return pki.subject_for(
        kind,
        company_name=subject.get("company_name"),
        uscc=subject.get("uscc"),
        province=subject.get("province"),
        city=subject.get("city"),
        legal_person_name=subject.get("legal_person_name"),
        person_name=subject.get("person_name"),
        person_id_digest=subject.get("person_id_digest"),
    )


def not_after(now: dt.datetime, *, validity_days: int, validity_minutes: int | None) -> dt.datetime:
    """A new certificate's end: the end of the day (Shanghai) ``validity_days`` on; demos
    may ask for minutes instead."""
    if validity_minutes:
        return now + dt.timedelta(minutes=validity_minutes)
    return end_of_day_shanghai(now + dt.timedelta(days=validity_days))


def renewed_after_expiry(cert: CertificateRecord) -> bool:
    """An 已过期 certificate renewed by 继续: superseded only after it had expired. It stays
    in 证书管理 as 已过期 beside its successor (its superseded revocation is bookkeeping)."""
    return (
        cert.successor_id is not None
        and cert.revoked_at is not None
        and cert.revocation_reason == RevocationReason.SUPERSEDED.value
        and cert.revoked_at > cert.not_after
    )


def cert_status(cert: CertificateRecord, now: dt.datetime) -> CertStatus:
    if renewed_after_expiry(cert):
        return CertStatus.EXPIRED
    if cert.revoked_at is not None:
        return CertStatus.REVOKED
    if now > cert.not_after:
        return CertStatus.EXPIRED
    return CertStatus.NORMAL


def successor_application(
    acc: AccountRow,
    cert: CertificateRecord,
    orig: ApplicationRow,
    purpose: Purpose,
    state: AppState,
    subject: dict[str, Any],
    now: dt.datetime,
) -> dict[str, Any]:
    """The application behind a renewal or change (its fields): it keeps the verified method
    and handler of the application it follows, and points at the certificate it replaces."""
    return {
        "account_id": acc.id,
        "kind": cert.kind,
        "purpose": purpose.value,
        "institution_id": cert.institution_id,
        "state": state.value,
        "method": orig.method,
        "handler": orig.handler,
        "agent_name": orig.agent_name,
        "agent_id_number": orig.agent_id_number,
        "agent_phone": orig.agent_phone,
        "auth_code_confirmed": orig.auth_code_confirmed or orig.handler != Handler.AGENT.value,
        "verification": VerificationState.PASSED.value,
        "verification_data": {"from": orig.id},
        "subject": subject,
        "previous_certificate_id": cert.id,
        "created_at": now,
    }


def parse_amount(text: str) -> int:
    """'0.37' / '0.37元' / '.37' -> 37 cents; anything else is a typed error."""
    t = (text or "").strip().removesuffix("元").strip()
    try:
        if not t or len(t) > 8:
            raise ValueError
        whole, _, frac = t.partition(".")
        if not (whole or "0").isdigit() or (frac and not frac.isdigit()) or len(frac) > 2:
            raise ValueError
        return int(whole or "0") * 100 + int((frac + "00")[:2])
    except ValueError:
        raise E.InvalidInput(field="amount", reason="enter the amount in yuan, e.g. 0.37") from None
