"""Walks the handbook's flow through the services alone (no Qt), for the lifecycle tests."""

from __future__ import annotations

import re
import uuid

from conftest import jpeg_bytes, last_code, pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mobileca_desktop.crypto import ecies
from mobileca_desktop.domain.models import (
    AgentDetails,
    CertKind,
    DocKind,
    Handler,
    MessageKind,
    Method,
)


def deposit_amount(services, phone: str) -> str:
    msg = next(m for m in services.inbox.messages(phone) if m.kind is MessageKind.DEPOSIT)
    return re.search(r"收到转账 (\d+\.\d\d) 元", msg.body).group(1)


def verify(
    services, s, app_id: int, method: Method, *, legal_phone: str, portrait: bytes, handler: Handler
) -> None:
    """Runs one verification method end to end, and the 授权码 step for an agent."""
    ca = services.ca
    if method is Method.FACE:
        ca.verify_face(s, app_id, portrait, "face.png")
    elif method is Method.ELICENCE:
        elicence = next(
            m
            for m in services.inbox.messages(legal_phone)
            if m.kind is MessageKind.ELICENCE and m.attachment
        )
        ca.verify_elicence(s, app_id, elicence.attachment)
    elif method is Method.DEPOSIT:
        ca.start_deposit(s, app_id)
        ca.confirm_deposit(s, app_id, deposit_amount(services, legal_phone))
    elif method is Method.LETTER:
        ca.upload_document(s, app_id, DocKind.LETTER, pdf_bytes("授权书 盖章"), "letter.pdf")
        services.review.accept_letter(services.review.operator_session(), app_id)
    if handler is Handler.AGENT:
        msgs = services.inbox.messages(legal_phone)
        channel = {
            Method.FACE: MessageKind.SMS,
            Method.LETTER: MessageKind.SMS,
            Method.ELICENCE: MessageKind.ELICENCE,
            Method.DEPOSIT: MessageKind.DEPOSIT,
        }
        code_msg = next(m for m in msgs if m.code and m.kind is channel[method])
        ca.confirm_auth_code(s, app_id, code_msg.code)


def apply(
    services,
    s,
    *,
    kind: CertKind,
    method: Method,
    handler: Handler | None,
    legal_phone: str,
    portrait: bytes,
    agent: AgentDetails | None = None,
    institution: str = "bjca",
    submit: bool = True,
) -> int:
    ca = services.ca
    app = ca.create_application(s, kind, institution, idempotency_key=str(uuid.uuid4()))
    if kind is not CertKind.PERSONAL:
        ca.set_method(s, app.id, method)
        ca.set_handler(s, app.id, handler, agent)
    verify(
        services,
        s,
        app.id,
        method,
        legal_phone=legal_phone,
        portrait=portrait,
        handler=handler or Handler.LEGAL_PERSON,
    )
    if kind is not CertKind.PERSONAL:
        ca.upload_document(s, app.id, DocKind.LICENCE, pdf_bytes("营业执照"), "licence.pdf")
    ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg_bytes("front"), "front.jpg")
    ca.upload_document(s, app.id, DocKind.ID_BACK, jpeg_bytes("back"), "back.jpg")
    if submit:
        sign_and_submit(services, s, app.id, agent.phone if agent else legal_phone)
    return app.id


def sign_and_submit(services, s, app_id: int, signer_phone: str):
    services.ca.request_signing_code(s, app_id)
    return services.ca.submit(s, app_id, last_code(services, signer_phone), str(uuid.uuid4()))


class Device:
    """What a device's keystore will hold: a signing key, a transport key, opened KMC keys."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self.transport_key = ec.generate_private_key(ec.SECP256R1())
        self.cert: x509.Certificate | None = None
        self.encryption_keys: dict[str, object] = {}  # encryption serial -> RSA key

    def csr_pem(self) -> bytes:
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)]))
            .sign(self.signing_key, hashes.SHA256())
        )
        return csr.public_bytes(serialization.Encoding.PEM)

    def transport_pem(self) -> bytes:
        return self.transport_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def activate(self, services, s, certificate_id: int, code_phone: str):
        services.ca.request_activation_code(s, certificate_id)
        res = services.ca.activate(
            s,
            certificate_id,
            csr_pem=self.csr_pem(),
            transport_public_key_pem=self.transport_pem(),
            sms_code=last_code(services, code_phone),
            device_name=self.name,
            idempotency_key=str(uuid.uuid4()),
        )
        self.cert = x509.load_pem_x509_certificate(res.device_cert_pem.encode())
        for w in res.wrapped_keys:
            der = ecies.open_box(
                self.transport_key,
                ecies.Box(w.ephemeral_public_key, w.nonce, w.ciphertext),
                ecies.aad_for(self.cert.serial_number, int(w.encryption_serial_hex, 16)),
            )
            self.encryption_keys[w.encryption_serial_hex] = serialization.load_der_private_key(
                der, None
            )
        return res
