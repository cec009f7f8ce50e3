"""The four services' interfaces, and the one declaration of every operation: its typed
signature and ``@operation`` (who may call it, whether a repeat is harmless, its HTTP method
and path; ``operations.py`` says how the rest is derived from them). Views and tests import
the interfaces from ``services.api``; the CA server reads the declarations from here (the
domain layer, so that the server may import them without reaching the client's services).

Every ``CAService`` call carries an explicit ``Session``; submissions and downloads carry
idempotency keys. Implementations, both derived from these declarations: ``local`` (the
engine in-process) and ``remote`` (HTTP to the CA server, whose JSON routes are derived from
them too). Plain domain objects and typed errors cross these interfaces, nothing else.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from typing import ClassVar

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
from mobileca_desktop.domain.operations import (
    ACCOUNTS,
    APPLICANTS,
    LEGAL,
    OPERATOR,
    PASSWORD_LOGIN,
    PASSWORD_REGISTER,
    PUBLIC,
    REVIEWER,
    SMS_CHECK,
    SMS_SEND,
    Bounds,
    Catalogue,
    operation,
)

APP = "/applications/{app_id}"
CERT = "/certificates/{certificate_id}"
REVIEW = "/review/applications/{app_id}"
OWNERS = (*APPLICANTS, REVIEWER)  # an application's owner, or a reviewer reading it


class CAService(ABC):
    """Accounts, applications, certificates, activation and grants (the handbook's flow)."""

    service: ClassVar[str] = "ca"

    # identity (三晋通)
    @operation("GET", "/institutions", roles=PUBLIC)
    @abstractmethod
    def institutions(self) -> list[Institution]: ...
    @operation(
        "POST", "/accounts/legal", roles=PUBLIC, status=201, limit=PASSWORD_REGISTER, body="reg"
    )
    @abstractmethod
    def register_legal(self, reg: LegalEntityRegistration) -> Account: ...
    @operation(
        "POST", "/accounts/personal", roles=PUBLIC, status=201, limit=PASSWORD_REGISTER, body="reg"
    )
    @abstractmethod
    def register_personal(self, reg: PersonalRegistration) -> Account: ...
    @operation(
        "POST",
        "/sessions",
        roles=PUBLIC,
        limit=PASSWORD_LOGIN,
        bounds={"login_name": 64, "password": 128},
    )
    @abstractmethod
    def login(self, kind: AccountKind, login_name: str, password: str) -> Session: ...
    # Like the local service, logging out an unknown or expired session is not an error.
    @operation("DELETE", "/sessions/current", roles=ACCOUNTS, session="lenient", idempotent=True)
    @abstractmethod
    def logout(self, session: Session) -> None: ...
    @operation("GET", "/me", roles=ACCOUNTS)
    @abstractmethod
    def me(self, session: Session) -> Account: ...
    @operation("GET", "/me/elicence", roles=LEGAL, result="text")
    @abstractmethod
    def elicence_text(self, session: Session) -> str: ...

    # applications (证书新办)
    @operation("POST", "/applications", roles=APPLICANTS, status=201, bounds={"institution_id": 32})
    @abstractmethod
    def create_application(
        self,
        session: Session,
        kind: CertKind,
        institution_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> ApplicationInfo: ...
    @operation("GET", APP, roles=OWNERS)
    @abstractmethod
    def get_application(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @operation("GET", "/applications", roles=APPLICANTS)
    @abstractmethod
    def list_applications(self, session: Session) -> list[ApplicationInfo]: ...
    @operation("GET", "/agents", roles=APPLICANTS)
    @abstractmethod
    def application_agents(self, session: Session) -> list[AgentDetails]: ...
    @operation("PUT", f"{APP}/method", roles=APPLICANTS)
    @abstractmethod
    def set_method(self, session: Session, app_id: int, method: Method) -> ApplicationInfo: ...
    @operation("PUT", f"{APP}/handler", roles=APPLICANTS)
    @abstractmethod
    def set_handler(
        self, session: Session, app_id: int, handler: Handler, agent: AgentDetails | None = None
    ) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/face", roles=APPLICANTS, bounds={"filename": 255})
    @abstractmethod
    def verify_face(
        self, session: Session, app_id: int, photo: bytes, filename: str = "face.jpg"
    ) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/elicence", roles=APPLICANTS, bounds={"qr_text": 4096})
    @abstractmethod
    def verify_elicence(self, session: Session, app_id: int, qr_text: str) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/deposit", roles=APPLICANTS, limit=SMS_SEND)
    @abstractmethod
    def start_deposit(self, session: Session, app_id: int) -> DepositNotice: ...
    @operation(
        "POST", f"{APP}/deposit/confirm", roles=APPLICANTS, limit=SMS_CHECK, bounds={"amount": 32}
    )
    @abstractmethod
    def confirm_deposit(self, session: Session, app_id: int, amount: str) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/auth-code", roles=APPLICANTS, limit=SMS_CHECK, bounds={"code": 32})
    @abstractmethod
    def confirm_auth_code(self, session: Session, app_id: int, code: str) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/documents", roles=APPLICANTS, status=201, bounds={"filename": 255})
    @abstractmethod
    def upload_document(
        self, session: Session, app_id: int, kind: DocKind, data: bytes, filename: str
    ) -> DocumentInfo: ...
    @operation("DELETE", f"{APP}/documents/{{document_id}}", roles=APPLICANTS)
    @abstractmethod
    def remove_document(self, session: Session, app_id: int, document_id: int) -> None: ...
    @operation("GET", "/documents/{document_id}", roles=OWNERS, result=("document", "data"))
    @abstractmethod
    def get_document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]: ...
    @operation("POST", f"{APP}/signing-code", roles=APPLICANTS, limit=SMS_SEND)
    @abstractmethod
    def request_signing_code(self, session: Session, app_id: int) -> None: ...
    @operation("POST", f"{APP}/submit", roles=APPLICANTS, limit=SMS_CHECK, bounds={"sms_code": 32})
    @abstractmethod
    def submit(
        self, session: Session, app_id: int, sms_code: str, idempotency_key: str | None = None
    ) -> ApplicationInfo: ...
    @operation("POST", f"{APP}/continue", roles=APPLICANTS)
    @abstractmethod
    def continue_application(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @operation("DELETE", APP, roles=APPLICANTS)
    @abstractmethod
    def discard_draft(self, session: Session, app_id: int) -> None: ...

    # certificates (证书管理), activation, grants
    @operation("GET", "/certificates", roles=APPLICANTS)
    @abstractmethod
    def list_certificates(self, session: Session) -> list[CertificateRow]: ...
    @operation("GET", CERT, roles=APPLICANTS, query=("device_name",), bounds={"device_name": 128})
    @abstractmethod
    def certificate_detail(
        self, session: Session, certificate_id: int, device_name: str | None = None
    ) -> CertificateDetail: ...
    @operation("POST", f"{CERT}/renew", roles=APPLICANTS)
    @abstractmethod
    def renew(
        self, session: Session, certificate_id: int, idempotency_key: str | None = None
    ) -> CertificateDetail: ...
    @operation(
        "POST",
        f"{CERT}/change",
        roles=APPLICANTS,
        bounds={"changes": Bounds(items=16, key=64, value=200)},
    )
    @abstractmethod
    def request_change(
        self, session: Session, certificate_id: int, changes: dict[str, str]
    ) -> ApplicationInfo: ...
    @operation("POST", f"{CERT}/revoke", roles=APPLICANTS)
    @abstractmethod
    def revoke(
        self,
        session: Session,
        certificate_id: int,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None: ...
    # One of the caller's device certificates: a lost key (key_compromise), or one replaced
    # by a re-activation on the same device (superseded).
    @operation(
        "POST",
        "/device-certificates/{serial_hex}/revoke",
        roles=(*APPLICANTS, OPERATOR),
        engine="revoke_serial",
        optional_body=True,
    )
    @abstractmethod
    def revoke_device_certificate(
        self,
        session: Session,
        serial_hex: str,
        reason: RevocationReason = RevocationReason.KEY_COMPROMISE,
    ) -> None: ...
    @operation(
        "POST", f"{CERT}/activation-code", roles=APPLICANTS, limit=SMS_SEND, result="phone_masked"
    )
    @abstractmethod
    def request_activation_code(self, session: Session, certificate_id: int) -> str: ...
    @operation(
        "POST",
        f"{CERT}/activate",
        roles=APPLICANTS,
        limit=SMS_CHECK,
        pem=("csr_pem", "transport_public_key_pem"),
        bounds={
            "csr_pem": 16384,
            "transport_public_key_pem": 4096,
            "sms_code": 32,
            "device_name": 128,
            "replaces_serial_hex": 64,
        },
    )
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
        replaces_serial_hex: str | None = None,
    ) -> ActivationResult: ...
    @operation("POST", f"{CERT}/grants", roles=LEGAL, status=201)
    @abstractmethod
    def grant(
        self, session: Session, certificate_id: int, agent: AgentDetails, valid_until: dt.datetime
    ) -> GrantInfo: ...
    @operation("GET", "/grants", roles=APPLICANTS)
    @abstractmethod
    def list_grants(self, session: Session) -> list[GrantInfo]: ...
    @operation("POST", "/grants/{grant_id}/withdraw", roles=LEGAL)
    @abstractmethod
    def withdraw_grant(self, session: Session, grant_id: int) -> GrantInfo: ...

    # public PKI material (no session: these are published)
    @operation("GET", "/institutions/{institution_id}/chain", roles=PUBLIC, result="pem")
    @abstractmethod
    def chain_pem(self, institution_id: str) -> str: ...
    # Not JSON: DER at the URLs the certificates name (written by hand in remote.py and
    # server/app.py).
    @operation(roles=PUBLIC, idempotent=True)
    @abstractmethod
    def crl(self, institution_id: str) -> bytes: ...
    @operation(roles=PUBLIC, idempotent=True)
    @abstractmethod
    def root_crl(self, institution_id: str) -> bytes: ...
    @operation(roles=PUBLIC, idempotent=True)
    @abstractmethod
    def ocsp(self, institution_id: str, request_der: bytes) -> bytes: ...
    @operation(roles=PUBLIC, idempotent=True)
    @abstractmethod
    def timestamp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 3161: the institution's TSA answers a DER TimeStampReq with a TimeStampResp."""


class ReviewService(ABC):
    """The CA institution's reviewer (CA 审核台)."""

    service: ClassVar[str] = "review"

    @operation(
        "POST",
        "/sessions",
        roles=PUBLIC,
        limit=PASSWORD_LOGIN,
        engine="login",
        fixed={"kind": AccountKind.REVIEWER},
        alias_of="ca.login",
    )
    @abstractmethod
    def login(self, login_name: str, password: str) -> Session: ...
    @operation("GET", "/review/queue", roles=REVIEWER, engine="review_queue")
    @abstractmethod
    def queue(self, session: Session) -> list[ReviewItem]: ...
    @operation("GET", REVIEW, roles=REVIEWER, engine="review_item")
    @abstractmethod
    def item(self, session: Session, app_id: int) -> ReviewItem: ...
    @operation(
        "GET",
        "/documents/{document_id}",
        roles=OWNERS,
        engine="get_document",
        result=("document", "data"),
        alias_of="ca.get_document",
    )
    @abstractmethod
    def document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]: ...
    @operation("POST", f"{REVIEW}/accept-letter", roles=REVIEWER)
    @abstractmethod
    def accept_letter(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @operation("POST", f"{REVIEW}/reject-letter", roles=REVIEWER, bounds={"reason": 500})
    @abstractmethod
    def reject_letter(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...
    @operation("POST", f"{REVIEW}/approve", roles=REVIEWER)
    @abstractmethod
    def approve(self, session: Session, app_id: int) -> ApplicationInfo: ...
    @operation("POST", f"{REVIEW}/reject", roles=REVIEWER, bounds={"reason": 500})
    @abstractmethod
    def reject(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...
    @operation("POST", f"{REVIEW}/cancel", roles=REVIEWER, bounds={"reason": 500})
    @abstractmethod
    def cancel(self, session: Session, app_id: int, reason: str) -> ApplicationInfo: ...


class InboxService(ABC):
    """The simulated phones: SMS codes, deposit notices, e-licences (newest first)."""

    service: ClassVar[str] = "inbox"

    @operation(
        "GET",
        "/demo/inbox/{phone}",
        roles=PUBLIC,
        engine="inbox",
        query=("after_id",),
        bounds={"after_id": Bounds(low=0, high=2**62)},
        demo=True,
    )
    @abstractmethod
    def messages(self, phone: str, after_id: int = 0) -> list[InboxMessage]: ...


class ClockService(ABC):
    """The shared demo clock."""

    service: ClassVar[str] = "clock"

    @operation("GET", "/demo/clock", roles=PUBLIC, engine="clock_info", demo=True)
    @abstractmethod
    def info(self) -> ClockInfo: ...
    @operation(
        "POST",
        "/demo/clock/advance",
        roles=OPERATOR,
        engine="advance_clock",
        bounds={"seconds": Bounds(low=-(10**10), high=10**10)},
        demo=True,
    )
    @abstractmethod
    def advance(self, session: Session, seconds: int) -> ClockInfo: ...
    @operation("POST", "/demo/clock/reset", roles=OPERATOR, engine="reset_clock", demo=True)
    @abstractmethod
    def reset(self, session: Session) -> ClockInfo: ...


# Every declared operation, for the derived implementations, routes and tests.
CATALOGUE = Catalogue((CAService, ReviewService, InboxService, ClockService))
