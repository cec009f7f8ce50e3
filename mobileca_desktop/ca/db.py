"""The CA engine's tables (SQLAlchemy 2 ORM), on SQLite or PostgreSQL.

Only the storage package (``ca/store/``) imports this module, and the schema code
(``schema.py``, ``migrate.py``, ``migrations/``); everything else goes through the store's
queries (an import-linter contract in ``.importlinter``). The connection is
``ca/store/connection.py``'s ``Store``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class InstitutionRow(Base):
    __tablename__ = "institutions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    short_name: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(64))
    contact_address: Mapped[str] = mapped_column(String(256))
    contact_url: Mapped[str] = mapped_column(String(256))
    root_pem: Mapped[str] = mapped_column(Text)
    root_key: Mapped[bytes] = mapped_column(LargeBinary)
    issuing_pem: Mapped[str] = mapped_column(Text)
    issuing_key: Mapped[bytes] = mapped_column(LargeBinary)
    ocsp_pem: Mapped[str] = mapped_column(Text)
    ocsp_key: Mapped[bytes] = mapped_column(LargeBinary)
    crl_number: Mapped[int] = mapped_column(Integer, default=0)
    crl_der: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class AccountRow(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    login_name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(128))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    # legal-entity accounts (the company and its legal person)
    company_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    uscc: Mapped[str | None] = mapped_column(String(18), nullable=True, unique=True)
    province: Mapped[str | None] = mapped_column(String(32), nullable=True)
    city: Mapped[str | None] = mapped_column(String(32), nullable=True)
    bank_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bank_account: Mapped[str | None] = mapped_column(String(32), nullable=True)
    legal_person_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the legal person's (legal accounts) or the person's own (personal) ID number
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    institution_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # reviewers
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SessionRow(Base):
    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ApplicationRow(Base):
    __tablename__ = "applications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16), default="new")
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    state: Mapped[str] = mapped_column(String(16), index=True)
    method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    handler: Mapped[str | None] = mapped_column(String(16), nullable=True)
    agent_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    agent_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    verification: Mapped[str] = mapped_column(String(16), default="not_started")
    verification_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auth_code_hmac: Mapped[str | None] = mapped_column(String(64), nullable=True)
    auth_code_tries: Mapped[int] = mapped_column(Integer, default=0)
    auth_code_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    previous_certificate_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    __table_args__ = (UniqueConstraint("account_id", "idempotency_key"),)


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class CertificateRecord(Base):
    """A logical certificate (one row of 证书管理 once approved)."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(16))
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    subject_name: Mapped[str] = mapped_column(String(128))
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    encryption_serial: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    predecessor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    successor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IssuedCertRow(Base):
    """Every X.509 certificate the engine signed, for CRL, OCSP and audit."""

    __tablename__ = "issued_certs"
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # lowercase hex
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # encryption | device | event | tls | platform
    certificate_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    device_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    holder_account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    grant_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revocation_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    activation_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)


class EscrowKeyRow(Base):
    """The KMC's escrowed encryption keys: every generation of a certificate lineage."""

    __tablename__ = "escrow_keys"
    serial: Mapped[str] = mapped_column(String(40), primary_key=True)  # the encryption cert's
    certificate_id: Mapped[int] = mapped_column(Integer, index=True)
    generation: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class KeyPoolRow(Base):
    """RSA-2048 keys made ahead of time (generation costs ~57 ms each)."""

    __tablename__ = "kmc_pool"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SealImageRow(Base):
    __tablename__ = "seals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    png: Mapped[bytes] = mapped_column(LargeBinary)


class GrantRow(Base):
    __tablename__ = "grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(Integer, index=True)
    grantor_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    agent_name: Mapped[str] = mapped_column(String(64))
    agent_id_number: Mapped[str] = mapped_column(String(18), index=True)
    agent_phone: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SmsCodeRow(Base):
    __tablename__ = "sms_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    code_hmac: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class MessageRow(Base):
    """The simulated phones' inbox: SMS, bank deposit notices, e-licences."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attachment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RateBucketRow(Base):
    """A token bucket of the server's rate limits, shared by all its workers (processes):
    ``ca/store/ratebuckets.py``. Times are seconds since the epoch; a bucket missing is full."""

    __tablename__ = "rate_buckets"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of (limit, key)
    tokens: Mapped[float] = mapped_column(Double)
    at: Mapped[float] = mapped_column(Double)  # when ``tokens`` was counted
    full_at: Mapped[float] = mapped_column(Double, index=True)  # when it is full again


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


__all__ = [
    "AccountRow",
    "ApplicationRow",
    "AuditRow",
    "Base",
    "CertificateRecord",
    "DocumentRow",
    "EscrowKeyRow",
    "GrantRow",
    "InstitutionRow",
    "IssuedCertRow",
    "KeyPoolRow",
    "MessageRow",
    "Meta",
    "RateBucketRow",
    "SealImageRow",
    "SessionRow",
    "SmsCodeRow",
    "select",
]
