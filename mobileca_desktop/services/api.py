"""The client's service interfaces: what views (and tests) may call.

Every ``CAService`` call carries an explicit ``Session``; submissions and downloads carry
idempotency keys. Implementations: ``local`` (the engine in-process) and, with the remote
CA issue, HTTP. Plain domain objects and typed errors cross these interfaces, nothing else.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod

from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    ActivationResult,
    AgentDetails,
    ApplicationInfo,
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


class CAService(ABC):
    """Accounts, applications, certificates, activation and grants (the handbook's flow)."""

    # identity (三晋通)
    @abstractmethod
    def institutions(self) -> list[Institution]: ...
    @abstractmethod
    def register_legal(self, reg: LegalEntityRegistration) -> Account: ...
    @abstractmethod
    def register_personal(self, reg: PersonalRegistration) -> Account: ...
    @abstractmethod
    def login(self, kind: AccountKind, login_name: str, password: str) -> Session: ...
    @abstractmethod
    def logout(self, session: Session) -> None: ...
    @abstractmethod
    def me(self, session: Session) -> Account: ...
    @abstractmethod
    def elicence_text(self, session: Session) -> str: ...

    # applications (证书新办)
    @abstractmethod
    def create_application(
        self,
        session: Session,
        kind: CertKind,
        institution_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> ApplicationInfo: ...
    @abstractmethod
    def get_application(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @abstractmethod
    def list_applications(self, session: Session) -> list[ApplicationInfo]: ...
    @abstractmethod
    def application_agents(self, session: Session) -> list[AgentDetails]: ...
    @abstractmethod
    def set_method(self, session: Session, app_id: int, method: Method) -> ApplicationInfo: ...
    @abstractmethod
    def set_handler(
        self, session: Session, app_id: int, handler: Handler, agent: AgentDetails | None = None
    ) -> ApplicationInfo: ...
    @abstractmethod
    def verify_face(
        self, session: Session, app_id: int, photo: bytes, filename: str = "face.jpg"
    ) -> ApplicationInfo: ...
    @abstractmethod
    def verify_elicence(self, session: Session, app_id: int, qr_text: str) -> ApplicationInfo: ...
    @abstractmethod
    def start_deposit(self, session: Session, app_id: int) -> DepositNotice: ...
    @abstractmethod
    def confirm_deposit(self, session: Session, app_id: int, amount: str) -> ApplicationInfo: ...
    @abstractmethod
    def confirm_auth_code(self, session: Session, app_id: int, code: str) -> ApplicationInfo: ...
    @abstractmethod
    def upload_document(
        self, session: Session, app_id: int, kind: DocKind, data: bytes, filename: str
    ) -> DocumentInfo: ...
    @abstractmethod
    def remove_document(self, session: Session, app_id: int, document_id: int) -> None: ...
    @abstractmethod
    def get_document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]: ...
    @abstractmethod
    def request_signing_code(self, session: Session, app_id: int) -> None: ...
    @abstractmethod
    def submit(
        self, session: Session, app_id: int, sms_code: str, idempotency_key: str | None = None
    ) -> ApplicationInfo: ...
    @abstractmethod
    def continue_application(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @abstractmethod
    def discard_draft(self, session: Session, app_id: int) -> None: ...

    # certificates (证书管理), activation, grants
    @abstractmethod
    def list_certificates(self, session: Session) -> list[CertificateRow]: ...
    @abstractmethod
    def certificate_detail(
        self, session: Session, certificate_id: int, device_name: str | None = None
    ) -> CertificateDetail: ...
    @abstractmethod
    def renew(
        self, session: Session, certificate_id: int, idempotency_key: str | None = None
    ) -> CertificateDetail: ...
    @abstractmethod
    def request_change(
        self, session: Session, certificate_id: int, changes: dict[str, str]
    ) -> ApplicationInfo: ...
    @abstractmethod
    def revoke(
        self,
        session: Session,
        certificate_id: int,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None: ...
    # One of the caller's device certificates: a lost key (key_compromise), or one replaced
    # by a re-activation on the same device (superseded).
    @abstractmethod
    def revoke_device_certificate(
        self,
        session: Session,
        serial_hex: str,
        reason: RevocationReason = RevocationReason.KEY_COMPROMISE,
    ) -> None: ...
    @abstractmethod
    def request_activation_code(self, session: Session, certificate_id: int) -> str: ...
    @abstractmethod
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
    ) -> ActivationResult: ...
    @abstractmethod
    def grant(
        self, session: Session, certificate_id: int, agent: AgentDetails, valid_until: dt.datetime
    ) -> GrantInfo: ...
    @abstractmethod
    def list_grants(self, session: Session) -> list[GrantInfo]: ...
    @abstractmethod
    def withdraw_grant(self, session: Session, grant_id: int) -> GrantInfo: ...

    # public PKI material (no session: these are published)
    @abstractmethod
    def chain_pem(self, institution_id: str) -> str: ...
    @abstractmethod
    def crl(self, institution_id: str) -> bytes: ...
    @abstractmethod
    def root_crl(self, institution_id: str) -> bytes: ...
    @abstractmethod
    def ocsp(self, institution_id: str, request_der: bytes) -> bytes: ...
    @abstractmethod
    def timestamp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 3161: the institution's TSA answers a DER TimeStampReq with a TimeStampResp."""


class ReviewService(ABC):
    """The CA institution's reviewer (CA 审核台)."""

    @abstractmethod
    def login(self, login_name: str, password: str) -> Session: ...
    @abstractmethod
    def queue(self, session: Session) -> list[ReviewItem]: ...
    @abstractmethod
    def item(self, session: Session, app_id: int) -> ReviewItem: ...
    @abstractmethod
    def document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]: ...
    @abstractmethod
    def accept_letter(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @abstractmethod
    def reject_letter(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...
    @abstractmethod
    def approve(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @abstractmethod
    def reject(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...
    @abstractmethod
    def cancel(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...


class InboxService(ABC):
    """The simulated phones: SMS codes, deposit notices, e-licences (newest first)."""

    @abstractmethod
    def messages(self, phone: str, after_id: int = 0) -> list[InboxMessage]: ...


class ClockService(ABC):
    """The shared demo clock."""

    @abstractmethod
    def info(self) -> ClockInfo: ...
    @abstractmethod
    def advance(self, session: Session, seconds: int) -> ClockInfo: ...
    @abstractmethod
    def reset(self, session: Session) -> ClockInfo: ...
