"""Local implementations of the service interfaces: the CA engine in-process ("local CA").

Thin on purpose: authorisation, validation and transactions live in the engine, so the
remote implementations behave the same by calling the same engine on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.secrets import SecretSource
from mobileca_desktop.domain.models import AccountKind, RevocationReason, Session
from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService


class LocalCAService(CAService):
    def __init__(self, engine: CAEngine) -> None:
        self.engine = engine

    def institutions(self):
        return self.engine.institutions()

    def register_legal(self, reg):
        return self.engine.register_legal(reg)

    def register_personal(self, reg):
        return self.engine.register_personal(reg)

    def login(self, kind, login_name, password):
        return self.engine.login(AccountKind(kind), login_name, password)

    def logout(self, session):
        self.engine.logout(session)

    def me(self, session):
        return self.engine.me(session)

    def elicence_text(self, session):
        return self.engine.elicence_text(session)

    def create_application(self, session, kind, institution_id, *, idempotency_key=None):
        return self.engine.create_application(
            session, kind, institution_id, idempotency_key=idempotency_key
        )

    def get_application(self, session, app_id):
        return self.engine.get_application(session, app_id)

    def list_applications(self, session):
        return self.engine.list_applications(session)

    def application_agents(self, session):
        return self.engine.application_agents(session)

    def set_method(self, session, app_id, method):
        return self.engine.set_method(session, app_id, method)

    def set_handler(self, session, app_id, handler, agent=None):
        return self.engine.set_handler(session, app_id, handler, agent)

    def verify_face(self, session, app_id, photo, filename="face.jpg"):
        return self.engine.verify_face(session, app_id, photo, filename)

    def verify_elicence(self, session, app_id, qr_text):
        return self.engine.verify_elicence(session, app_id, qr_text)

    def start_deposit(self, session, app_id):
        return self.engine.start_deposit(session, app_id)

    def confirm_deposit(self, session, app_id, amount):
        return self.engine.confirm_deposit(session, app_id, amount)

    def confirm_auth_code(self, session, app_id, code):
        return self.engine.confirm_auth_code(session, app_id, code)

    def upload_document(self, session, app_id, kind, data, filename):
        return self.engine.upload_document(session, app_id, kind, data, filename)

    def remove_document(self, session, app_id, document_id):
        self.engine.remove_document(session, app_id, document_id)

    def get_document(self, session, document_id):
        return self.engine.get_document(session, document_id)

    def request_signing_code(self, session, app_id):
        self.engine.request_signing_code(session, app_id)

    def submit(self, session, app_id, sms_code, idempotency_key=None):
        return self.engine.submit(session, app_id, sms_code, idempotency_key)

    def continue_application(self, session, app_id):
        return self.engine.continue_application(session, app_id)

    def discard_draft(self, session, app_id):
        self.engine.discard_draft(session, app_id)

    def list_certificates(self, session):
        return self.engine.list_certificates(session)

    def certificate_detail(self, session, certificate_id, device_name=None):
        return self.engine.certificate_detail(session, certificate_id, device_name)

    def renew(self, session, certificate_id, idempotency_key=None):
        return self.engine.renew(session, certificate_id, idempotency_key)

    def request_change(self, session, certificate_id, changes):
        return self.engine.request_change(session, certificate_id, changes)

    def revoke(self, session, certificate_id, reason=RevocationReason.UNSPECIFIED):
        self.engine.revoke(session, certificate_id, reason)

    def revoke_device_certificate(
        self, session, serial_hex, reason=RevocationReason.KEY_COMPROMISE
    ):
        self.engine.revoke_serial(session, serial_hex, RevocationReason(reason))

    def request_activation_code(self, session, certificate_id):
        return self.engine.request_activation_code(session, certificate_id)

    def activate(
        self,
        session,
        certificate_id,
        *,
        csr_pem,
        transport_public_key_pem,
        sms_code,
        device_name,
        idempotency_key,
    ):
        return self.engine.activate(
            session,
            certificate_id,
            csr_pem=csr_pem,
            transport_public_key_pem=transport_public_key_pem,
            sms_code=sms_code,
            device_name=device_name,
            idempotency_key=idempotency_key,
        )

    def grant(self, session, certificate_id, agent, valid_until):
        return self.engine.grant(session, certificate_id, agent, valid_until)

    def list_grants(self, session):
        return self.engine.list_grants(session)

    def withdraw_grant(self, session, grant_id):
        return self.engine.withdraw_grant(session, grant_id)

    def chain_pem(self, institution_id):
        return self.engine.chain_pem(institution_id)

    def crl(self, institution_id):
        return self.engine.crl(institution_id)

    def root_crl(self, institution_id):
        return self.engine.root_crl(institution_id)

    def ocsp(self, institution_id, request_der):
        return self.engine.ocsp(institution_id, request_der)

    def timestamp(self, institution_id, request_der):
        return self.engine.timestamp(institution_id, request_der)


class LocalReviewService(ReviewService):
    """In local mode the trainer reviews as the CA operator (no reviewer password needed);
    reviewer accounts made with the CLI log in with ``login``."""

    def __init__(self, engine: CAEngine) -> None:
        self.engine = engine

    def operator_session(self) -> Session:
        return self.engine.operator_session()

    def login(self, login_name, password):
        return self.engine.login(AccountKind.REVIEWER, login_name, password)

    def queue(self, session):
        return self.engine.review_queue(session)

    def item(self, session, app_id):
        return self.engine.review_item(session, app_id)

    def document(self, session, document_id):
        return self.engine.get_document(session, document_id)

    def accept_letter(self, session, app_id):
        return self.engine.accept_letter(session, app_id)

    def reject_letter(self, session, app_id, reason):
        return self.engine.reject_letter(session, app_id, reason)

    def approve(self, session, app_id):
        return self.engine.approve(session, app_id)

    def reject(self, session, app_id, reason):
        return self.engine.reject(session, app_id, reason)

    def cancel(self, session, app_id, reason):
        return self.engine.cancel(session, app_id, reason)


class LocalInboxService(InboxService):
    def __init__(self, engine: CAEngine) -> None:
        self.engine = engine

    def messages(self, phone, after_id=0):
        return self.engine.inbox(phone, after_id)


class LocalClockService(ClockService):
    def __init__(self, engine: CAEngine) -> None:
        self.engine = engine

    def info(self):
        return self.engine.clock_info()

    def advance(self, session, seconds):
        return self.engine.advance_clock(session, seconds)

    def reset(self, session):
        return self.engine.reset_clock(session)


@dataclass
class LocalServices:
    """The four services over one in-process engine, chosen once at start-up."""

    engine: CAEngine
    ca: LocalCAService
    review: LocalReviewService
    inbox: LocalInboxService
    clock: LocalClockService

    @classmethod
    def open(
        cls,
        ca_data_dir: Path,
        secret: SecretSource | None = None,
        config: EngineConfig | None = None,
    ) -> LocalServices:
        engine = CAEngine.open(ca_data_dir, secret, config)
        return cls.over(engine)

    @classmethod
    def over(cls, engine: CAEngine) -> LocalServices:
        return cls(
            engine=engine,
            ca=LocalCAService(engine),
            review=LocalReviewService(engine),
            inbox=LocalInboxService(engine),
            clock=LocalClockService(engine),
        )

    def close(self) -> None:
        self.engine.close()
