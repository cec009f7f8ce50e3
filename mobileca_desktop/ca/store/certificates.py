"""Queries on certificates: the logical ones (证书管理), every X.509 certificate signed,
the KMC's escrowed keys, seal images and grants (授权)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca.db import CertificateRecord, EscrowKeyRow, GrantRow, IssuedCertRow, SealRow
from mobileca_desktop.ca.store.connection import Store


def certificate(s: DB, certificate_id: int) -> CertificateRecord | None:
    return s.get(CertificateRecord, certificate_id)


def of_account(s: DB, account_id: int) -> list[CertificateRecord]:
    q = select(CertificateRecord).where(CertificateRecord.account_id == account_id)
    return list(s.execute(q.order_by(CertificateRecord.id)).scalars())


def add_certificate(s: DB, **fields: Any) -> CertificateRecord:
    cert = CertificateRecord(**fields)
    s.add(cert)
    s.flush()
    return cert


# --- issued X.509 certificates -----------------------------------------------------------


def issued(s: DB, serial_hex: str) -> IssuedCertRow | None:
    return s.get(IssuedCertRow, serial_hex)


def add_issued(s: DB, **fields: Any) -> IssuedCertRow:
    row = IssuedCertRow(**fields)
    s.add(row)
    return row


def by_activation_key(s: DB, activation_key: str) -> IssuedCertRow | None:
    q = select(IssuedCertRow).where(IssuedCertRow.activation_key == activation_key)
    return s.execute(q).scalar()


def unrevoked_of_certificate(s: DB, certificate_id: int) -> list[IssuedCertRow]:
    q = select(IssuedCertRow).where(
        IssuedCertRow.certificate_id == certificate_id, IssuedCertRow.revoked_at.is_(None)
    )
    return list(s.execute(q).scalars())


def unrevoked_of_grant(s: DB, grant_id: int) -> list[IssuedCertRow]:
    q = select(IssuedCertRow).where(
        IssuedCertRow.grant_id == grant_id, IssuedCertRow.revoked_at.is_(None)
    )
    return list(s.execute(q).scalars())


def revoked_of_institution(s: DB, institution_id: str) -> list[IssuedCertRow]:
    q = select(IssuedCertRow).where(
        IssuedCertRow.institution_id == institution_id, IssuedCertRow.revoked_at.is_not(None)
    )
    return list(s.execute(q).scalars())


def latest_device_cert(
    s: DB, certificate_id: int, holder_account_id: int, device_name: str | None
) -> IssuedCertRow | None:
    """The holder's newest unrevoked device certificate (on ``device_name`` if given)."""
    q = select(IssuedCertRow).where(
        IssuedCertRow.certificate_id == certificate_id,
        IssuedCertRow.role == "device",
        IssuedCertRow.holder_account_id == holder_account_id,
        IssuedCertRow.revoked_at.is_(None),
    )
    if device_name:
        q = q.where(IssuedCertRow.device_name == device_name)
    return s.execute(q.order_by(IssuedCertRow.not_before.desc()).limit(1)).scalar()


def device_certs(s: DB, certificate_id: int, holder_account_id: int | None) -> list[IssuedCertRow]:
    q = select(IssuedCertRow).where(
        IssuedCertRow.certificate_id == certificate_id, IssuedCertRow.role == "device"
    )
    if holder_account_id is not None:
        q = q.where(IssuedCertRow.holder_account_id == holder_account_id)
    return list(s.execute(q.order_by(IssuedCertRow.not_before)).scalars())


class RevocationStatus(NamedTuple):
    revoked_at: dt.datetime | None
    revocation_reason: str | None


_OCSP_LOOKUP = select(IssuedCertRow.revoked_at, IssuedCertRow.revocation_reason).where(
    IssuedCertRow.serial == bindparam("serial"), IssuedCertRow.institution_id == bindparam("inst")
)


def revocation_status(
    store: Store, serial_hex: str, institution_id: str
) -> RevocationStatus | None:
    """OCSP's lookup: a Core query on a plain connection (an ORM session per request cost
    ~0.2 ms of a ~0.4 ms response, bench/issuance.py's profile). None: never issued."""
    with store.read_connection() as conn:
        row = conn.execute(_OCSP_LOOKUP, {"serial": serial_hex, "inst": institution_id}).first()
    if row is None:
        return None
    return RevocationStatus(row.revoked_at, row.revocation_reason)


# --- the KMC's escrow and seal images ----------------------------------------------------


def last_generation(s: DB, certificate_id: int) -> int:
    q = select(EscrowKeyRow.generation).where(EscrowKeyRow.certificate_id == certificate_id)
    return max(s.execute(q).scalars(), default=0)


def add_escrow(
    s: DB, *, serial: str, certificate_id: int, generation: int, wrapped_key: bytes
) -> None:
    s.add(
        EscrowKeyRow(
            serial=serial,
            certificate_id=certificate_id,
            generation=generation,
            wrapped_key=wrapped_key,
        )
    )


def escrowed(s: DB, certificate_id: int) -> list[EscrowKeyRow]:
    q = select(EscrowKeyRow).where(EscrowKeyRow.certificate_id == certificate_id)
    return list(s.execute(q).scalars())


def add_seal(s: DB, *, certificate_id: int, kind: str, png: bytes) -> None:
    s.add(SealRow(certificate_id=certificate_id, kind=kind, png=png))


def seals(s: DB, certificate_id: int) -> list[tuple[str, bytes]]:
    """(kind, PNG) of the certificate's seal images, in the order they were made."""
    q = select(SealRow).where(SealRow.certificate_id == certificate_id).order_by(SealRow.id)
    return [(r.kind, r.png) for r in s.execute(q).scalars()]


# --- grants (授权) -------------------------------------------------------------------------


def grant(s: DB, grant_id: int) -> GrantRow | None:
    return s.get(GrantRow, grant_id)


def add_grant(s: DB, **fields: Any) -> GrantRow:
    g = GrantRow(**fields)
    s.add(g)
    s.flush()
    return g


def grants_of_certificate(s: DB, certificate_id: int, status: str) -> list[GrantRow]:
    q = select(GrantRow).where(GrantRow.certificate_id == certificate_id, GrantRow.status == status)
    return list(s.execute(q).scalars())


def grants_to_agent(s: DB, agent_id_number: str, status: str | None = None) -> list[GrantRow]:
    q = select(GrantRow).where(GrantRow.agent_id_number == agent_id_number)
    if status is not None:
        q = q.where(GrantRow.status == status)
    return list(s.execute(q.order_by(GrantRow.id)).scalars())


def grants_by_grantor(s: DB, account_id: int) -> list[GrantRow]:
    q = select(GrantRow).where(GrantRow.grantor_account_id == account_id)
    return list(s.execute(q.order_by(GrantRow.id)).scalars())


def grants_ended_by(s: DB, status: str, now: dt.datetime) -> list[GrantRow]:
    """Grants in ``status`` whose period ended before ``now``."""
    q = select(GrantRow).where(GrantRow.status == status, GrantRow.valid_until < now)
    return list(s.execute(q).scalars())


def any_grant_ended_by(s: DB, status: str, now: dt.datetime) -> bool:
    q = select(GrantRow.id).where(GrantRow.status == status, GrantRow.valid_until < now)
    return s.execute(q).first() is not None
