"""The CA engine's facade: every operation of the mobile CA, authorised and audited.

Each public method takes the caller's ``Session`` (checked on every call: authorisation is
enforced in the engine, not only in HTTP), runs in one database transaction, appends to the
hash-chained audit log, and returns plain domain objects. Errors are typed
(``mobileca_desktop.domain.errors``).

The work is done by the parts (``context.py`` lists them, ``assembly.py`` builds them): the
registration authority (``ra/``), the issuer (``issuer/``), the policy (``policy.py``), the
demo parts (``demo.py``) and the store (``store/``). This class only forwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from mobileca_desktop.ca.assembly import assemble
from mobileca_desktop.ca.context import OPERATOR_ID, EngineConfig
from mobileca_desktop.ca.secrets import KeyringSecret, SecretSource
from mobileca_desktop.ca.store import Store
from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    ActivationResult,
    AgentDetails,
    ApplicationInfo,
    AuditEntry,
    CertificateDetail,
    CertificateRow,
    CertKind,
    ClockInfo,
    DepositNotice,
    DocKind,
    DocumentInfo,
    GrantInfo,
    Handler,
    InboxMessage,
    Institution,
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
    ReviewItem,
    RevocationReason,
    Session,
)

__all__ = ["OPERATOR_ID", "CAEngine", "EngineConfig"]


class CAEngine:
    """Open with ``CAEngine.open(folder)`` (SQLite) or ``CAEngine(Store(url), ...)``."""

    def __init__(
        self,
        store: Store,
        secret: SecretSource,
        config: EngineConfig | None = None,
        real_now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        ctx = self.ctx = assemble(store, secret, config or EngineConfig(), real_now)
        self.store, self.config, self.clock, self.urls = ctx.store, ctx.config, ctx.clock, ctx.urls
        self.keys, self.sms, self.pool, self.tsa = ctx.keys, ctx.sms, ctx.pool, ctx.tsa
        self.secret_source = secret
        if self.config.kmc_background:
            self.pool.start_background()

    @classmethod
    def open(
        cls,
        folder: Path,
        secret: SecretSource | None = None,
        config: EngineConfig | None = None,
        real_now: Callable[[], dt.datetime] | None = None,
    ) -> CAEngine:
        folder = Path(folder)
        return cls(Store.for_folder(folder), secret or KeyringSecret(folder), config, real_now)

    def close(self) -> None:
        self.pool.stop()
        self.store.dispose()

    # --- institutions, time-stamps ---------------------------------------------------------

    def institutions(self) -> list[Institution]:
        return self.ctx.authorities.institutions()

    def chain_pem(self, institution_id: str) -> str:
        return self.ctx.authorities.chain_pem(institution_id)

    def timestamp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 3161 response of the institution's time-stamping authority (``ca/tsa.py``)."""
        return self.tsa.respond(institution_id, request_der)

    # --- accounts and sessions (ra/accounts.py) ----------------------------------------------

    def operator_session(self) -> Session:
        return self.ctx.demo.operator_session()

    def adopt_operator_token(self, token: str) -> None:
        self.ctx.demo.adopt_operator_token(token)

    def register_legal(self, reg: LegalEntityRegistration) -> Account:
        return self.ctx.accounts.register_legal(reg)

    def register_personal(self, reg: PersonalRegistration) -> Account:
        return self.ctx.accounts.register_personal(reg)

    def create_reviewer(
        self,
        session: Session,
        *,
        login_name: str,
        name: str,
        password: str,
        institution_id: str,
        phone: str = "13800000000",
    ) -> Account:
        return self.ctx.accounts.create_reviewer(
            session,
            login_name=login_name,
            name=name,
            password=password,
            institution_id=institution_id,
            phone=phone,
        )

    def login(self, kind: AccountKind, login_name: str, password: str) -> Session:
        return self.ctx.accounts.login(kind, login_name, password)

    def logout(self, session: Session) -> None:
        self.ctx.accounts.logout(session)

    def me(self, session: Session) -> Account:
        return self.ctx.accounts.me(session)

    def elicence_text(self, session: Session) -> str:
        return self.ctx.accounts.elicence_text(session)

    # --- applications (ra/applications.py, ra/verification.py) -------------------------------

    def create_application(
        self,
        session: Session,
        kind: CertKind,
        institution_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> ApplicationInfo:
        return self.ctx.applications.create_application(
            session, kind, institution_id, idempotency_key=idempotency_key
        )

    def get_application(self, session: Session, app_id: int) -> ApplicationInfo:
        return self.ctx.applications.get_application(session, app_id)

    def list_applications(self, session: Session) -> list[ApplicationInfo]:
        return self.ctx.applications.list_applications(session)

    def application_agents(self, session: Session) -> list[AgentDetails]:
        return self.ctx.applications.application_agents(session)

    def set_method(self, session: Session, app_id: int, method: Method) -> ApplicationInfo:
        return self.ctx.applications.set_method(session, app_id, method)

    def set_handler(
        self, session: Session, app_id: int, handler: Handler, agent: AgentDetails | None = None
    ) -> ApplicationInfo:
        return self.ctx.applications.set_handler(session, app_id, handler, agent)

    def verify_face(
        self, session: Session, app_id: int, photo: bytes, filename: str = "face.jpg"
    ) -> ApplicationInfo:
        return self.ctx.verification.verify_face(session, app_id, photo, filename)

    def verify_elicence(self, session: Session, app_id: int, qr_text: str) -> ApplicationInfo:
        return self.ctx.verification.verify_elicence(session, app_id, qr_text)

    def start_deposit(self, session: Session, app_id: int) -> DepositNotice:
        return self.ctx.verification.start_deposit(session, app_id)

    def confirm_deposit(self, session: Session, app_id: int, amount: str) -> ApplicationInfo:
        return self.ctx.verification.confirm_deposit(session, app_id, amount)

    def confirm_auth_code(self, session: Session, app_id: int, code: str) -> ApplicationInfo:
        return self.ctx.verification.confirm_auth_code(session, app_id, code)

    def upload_document(
        self, session: Session, app_id: int, kind: DocKind, data: bytes, filename: str
    ) -> DocumentInfo:
        return self.ctx.applications.upload_document(session, app_id, kind, data, filename)

    def remove_document(self, session: Session, app_id: int, document_id: int) -> None:
        self.ctx.applications.remove_document(session, app_id, document_id)

    def get_document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]:
        return self.ctx.applications.get_document(session, document_id)

    def request_signing_code(self, session: Session, app_id: int) -> None:
        self.ctx.applications.request_signing_code(session, app_id)

    def submit(
        self, session: Session, app_id: int, sms_code: str, idempotency_key: str | None = None
    ) -> ApplicationInfo:
        return self.ctx.applications.submit(session, app_id, sms_code, idempotency_key)

    def continue_application(self, session: Session, app_id: int) -> ApplicationInfo:
        return self.ctx.applications.continue_application(session, app_id)

    def discard_draft(self, session: Session, app_id: int) -> None:
        self.ctx.applications.discard_draft(session, app_id)

    # --- review (ra/review.py) -----------------------------------------------------------------

    def review_queue(self, session: Session) -> list[ReviewItem]:
        return self.ctx.review.review_queue(session)

    def review_item(self, session: Session, app_id: int) -> ReviewItem:
        return self.ctx.review.review_item(session, app_id)

    def accept_letter(self, session: Session, app_id: int) -> ApplicationInfo:
        return self.ctx.review.accept_letter(session, app_id)

    def reject_letter(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        return self.ctx.review.reject_letter(session, app_id, reason)

    def reject(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        return self.ctx.review.reject(session, app_id, reason)

    def cancel(
        self, session: Session, app_id: int, reason: str = "被永久取消审核"
    ) -> ApplicationInfo:
        return self.ctx.review.cancel(session, app_id, reason)

    def approve(self, session: Session, app_id: int) -> ApplicationInfo:
        return self.ctx.review.approve(session, app_id)

    # --- certificates (issuer/) ----------------------------------------------------------------

    def list_certificates(self, session: Session) -> list[CertificateRow]:
        return self.ctx.certificates.list_certificates(session)

    def certificate_detail(
        self, session: Session, certificate_id: int, device_name: str | None = None
    ) -> CertificateDetail:
        return self.ctx.certificates.certificate_detail(session, certificate_id, device_name)

    def renew(
        self, session: Session, certificate_id: int, idempotency_key: str | None = None
    ) -> CertificateDetail:
        return self.ctx.certificates.renew(session, certificate_id, idempotency_key)

    def request_change(
        self, session: Session, certificate_id: int, changes: dict[str, str]
    ) -> ApplicationInfo:
        return self.ctx.applications.request_change(session, certificate_id, changes)

    def revoke(
        self,
        session: Session,
        certificate_id: int,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        self.ctx.revocation.revoke(session, certificate_id, reason)

    def revoke_serial(
        self,
        session: Session,
        serial_hex: str,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        self.ctx.revocation.revoke_serial(session, serial_hex, reason)

    def crl(self, institution_id: str) -> bytes:
        return self.ctx.revocation.crl(institution_id)

    def root_crl(self, institution_id: str) -> bytes:
        return self.ctx.revocation.root_crl(institution_id)

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        return self.ctx.revocation.ocsp(institution_id, request_der)

    def request_activation_code(self, session: Session, certificate_id: int) -> str:
        return self.ctx.activation.request_activation_code(session, certificate_id)

    def activate(
        self,
        session: Session,
        certificate_id: int,
        *,
        csr_pem: bytes,
        transport_public_key_pem: bytes,
        sms_code: str,
        device_name: str,
        idempotency_key: str,
        replaces_serial_hex: str | None = None,
    ) -> ActivationResult:
        return self.ctx.activation.activate(
            session,
            certificate_id,
            csr_pem=csr_pem,
            transport_public_key_pem=transport_public_key_pem,
            sms_code=sms_code,
            device_name=device_name,
            idempotency_key=idempotency_key,
            replaces_serial_hex=replaces_serial_hex,
        )

    def issue_service_certificate(
        self,
        session: Session,
        *,
        role: str,
        institution_id: str,
        public_key_pem: bytes,
        name: str,
        hostnames: list[str] | tuple[str, ...] = (),
        ip_addresses: list[str] | tuple[str, ...] = (),
        origin: str = "",
    ) -> str:
        return self.ctx.issuer.issue_service_certificate(
            session,
            role=role,
            institution_id=institution_id,
            public_key_pem=public_key_pem,
            name=name,
            hostnames=hostnames,
            ip_addresses=ip_addresses,
            origin=origin,
        )

    # --- grants (ra/grants.py) ------------------------------------------------------------------

    def grant(
        self, session: Session, certificate_id: int, agent: AgentDetails, valid_until: dt.datetime
    ) -> GrantInfo:
        return self.ctx.grants.grant(session, certificate_id, agent, valid_until)

    def list_grants(self, session: Session) -> list[GrantInfo]:
        return self.ctx.grants.list_grants(session)

    def withdraw_grant(self, session: Session, grant_id: int) -> GrantInfo:
        return self.ctx.grants.withdraw_grant(session, grant_id)

    def sweep(self) -> int:
        return self.ctx.grants.sweep()

    # --- phones, clock, audit (demo.py) ----------------------------------------------------------

    def inbox(self, phone: str, after_id: int = 0) -> list[InboxMessage]:
        return self.ctx.demo.inbox(phone, after_id)

    def clock_info(self) -> ClockInfo:
        return self.clock.info()

    def advance_clock(self, session: Session, seconds: int) -> ClockInfo:
        return self.ctx.demo.advance_clock(session, seconds)

    def reset_clock(self, session: Session) -> ClockInfo:
        return self.advance_clock(session, -self.clock.offset_seconds())

    def audit_verify(self) -> tuple[int, int | None]:
        return self.ctx.demo.audit_verify()

    def audit_tail(self, limit: int = 50) -> list[AuditEntry]:
        return self.ctx.demo.audit_tail(limit)
