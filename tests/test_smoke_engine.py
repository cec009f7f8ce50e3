from __future__ import annotations

from conftest import jpeg_bytes, last_code, pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mobileca_desktop.crypto import ecies
from mobileca_desktop.domain.models import CertKind, CertStatus, DocKind, Handler, Method


def test_smoke(services, company, portrait):
    reg, s = company
    ca = services.ca
    app = ca.create_application(s, CertKind.UNIT, "bjca")
    ca.set_method(s, app.id, Method.FACE)
    ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
    ca.verify_face(s, app.id, portrait, "face.png")
    ca.upload_document(s, app.id, DocKind.LICENCE, pdf_bytes(), "licence.pdf")
    ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg_bytes(), "front.jpg")
    ca.upload_document(s, app.id, DocKind.ID_BACK, jpeg_bytes(), "back.jpg")
    ca.request_signing_code(s, app.id)
    app = ca.submit(s, app.id, last_code(services, reg.legal_person_phone), "k1")
    rows = ca.list_certificates(s)
    assert rows[0].status is CertStatus.REVIEWING
    op = services.review.operator_session()
    services.review.approve(op, app.id)
    rows = ca.list_certificates(s)
    assert rows[0].status is CertStatus.NORMAL
    cid = rows[0].certificate_id
    key = ec.generate_private_key(ec.SECP256R1())
    transport = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")]))
        .sign(key, __import__("cryptography.hazmat.primitives.hashes", fromlist=["x"]).SHA256())
    )
    ca.request_activation_code(s, cid)
    res = ca.activate(
        s,
        cid,
        csr_pem=csr.public_bytes(serialization.Encoding.PEM),
        transport_public_key_pem=transport.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        sms_code=last_code(services, reg.legal_person_phone),
        device_name="laptop",
        idempotency_key="a1",
    )
    w = res.wrapped_keys[0]
    dev = x509.load_pem_x509_certificate(res.device_cert_pem.encode())
    der = ecies.open_box(
        transport,
        ecies.Box(w.ephemeral_public_key, w.nonce, w.ciphertext),
        ecies.aad_for(dev.serial_number, int(w.encryption_serial_hex, 16)),
    )
    assert serialization.load_der_private_key(der, None)
    d = ca.certificate_detail(s, cid)
    assert d.serial_is_device and d.seals
