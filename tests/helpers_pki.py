"""One of every certificate, CRL and OCSP response the CA makes, from a real engine.

Shared by the strict OpenSSL chain test and the pkilint test, so that a new profile added
here is checked by both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from conftest import PASSWORD, People
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from helpers_flow import Device, apply

from mobileca_desktop.ca.db import IssuedCertRow, select
from mobileca_desktop.ca.identity import COMPANY_NAME_MAX, PERSON_NAME_MAX
from mobileca_desktop.ca.pki import _spki_key_bits
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    CertKind,
    Handler,
    LegalEntityRegistration,
    Method,
    RevocationReason,
)

INSTITUTION = "bjca"


@dataclass
class Artefacts:
    """Certificates by profile name, the CRLs and OCSP responses by kind (all DER)."""

    roots: dict[str, x509.Certificate] = field(default_factory=dict)
    issuing: dict[str, x509.Certificate] = field(default_factory=dict)
    end_entities: dict[str, x509.Certificate] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)  # end-entity names revoked on the CRL
    crls: dict[str, bytes] = field(default_factory=dict)
    root_crls: dict[str, bytes] = field(default_factory=dict)
    ocsp: dict[str, bytes] = field(default_factory=dict)

    def certificates(self) -> dict[str, x509.Certificate]:
        out = {f"root:{k}": v for k, v in self.roots.items()}
        out.update({f"issuing:{k}": v for k, v in self.issuing.items()})
        out.update(self.end_entities)
        return out


def _ocsp_request(cert: x509.Certificate, issuer: x509.Certificate) -> bytes:
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return req.public_bytes(serialization.Encoding.DER)


def _unknown_request(issuer: x509.Certificate) -> bytes:
    """A CertID naming ``issuer`` but a serial it never issued."""
    spki = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    name_hash = hashes.Hash(hashes.SHA1())
    name_hash.update(issuer.subject.public_bytes())
    key_hash = hashes.Hash(hashes.SHA1())
    key_hash.update(_spki_key_bits(spki))
    req = (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            name_hash.finalize(), key_hash.finalize(), 0x1234567890ABCDEF1234, hashes.SHA1()
        )
        .build()
    )
    return req.public_bytes(serialization.Encoding.DER)


def _service_cert(services, role: str, **extra) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = services.engine.issue_service_certificate(
        services.review.operator_session(),
        role=role,
        institution_id=INSTITUTION,
        name=extra.pop("name", "山西省公共资源交易平台（模拟）"),
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        **extra,
    )
    return x509.load_pem_x509_certificate(pem.encode())


def build(services, company, agent, portrait) -> Artefacts:
    """Issues one certificate of every profile at ``INSTITUTION`` and collects the rest."""
    reg, s = company
    agent_reg, agent_s = agent
    ca = services.ca
    out = Artefacts()
    for inst in services.ca.institutions():
        chain = x509.load_pem_x509_certificates(ca.chain_pem(inst.id).encode())
        out.issuing[inst.id], out.roots[inst.id] = chain[0], chain[-1]
        out.root_crls[inst.id] = ca.root_crl(inst.id)
    issuing = out.issuing[INSTITUTION]

    # 单位证书: encryption certificate, the legal person's device, the agent's (grant ext).
    unit_id = _approved(
        services,
        s,
        CertKind.UNIT,
        Method.ELICENCE,
        Handler.LEGAL_PERSON,
        reg.legal_person_phone,
        portrait,
    )
    out.end_entities["encryption"] = x509.load_pem_x509_certificate(
        ca.certificate_detail(s, unit_id).encryption_cert_pem.encode()
    )
    laptop = Device("laptop")
    laptop.activate(services, s, unit_id, reg.legal_person_phone)
    out.end_entities["device:unit"] = laptop.cert
    ca.grant(
        s,
        unit_id,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
    )
    pc = Device("agent-pc")
    pc.activate(services, agent_s, unit_id, reg.legal_person_phone)
    out.end_entities["device:agent"] = pc.cert
    # The institution's time-stamping authority (ca/tsa.py), made on first use.
    out.end_entities["tsa"] = services.engine.tsa.authority(INSTITUTION).cert

    # A company whose name (100 characters) and legal person's (64) pass every bound: the
    # subject is shortened, the full names go into the extension.
    long_reg = LegalEntityRegistration(
        company_name=("山西省太原市示例建设工程集团股份有限公司第三分公司" * 5)[:COMPANY_NAME_MAX],
        uscc=People(4242).uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国工商银行太原分行",
        bank_account="0502 1234 5678 9012 345",
        legal_person_name=("阿卜杜热合曼·买买提明" * 7)[:PERSON_NAME_MAX],
        legal_person_id_number=People(4242).id_number(1970),
        legal_person_phone=People(4243).phone(),
        password=PASSWORD,
    )
    ca.register_legal(long_reg)
    long_s = ca.login(AccountKind.LEGAL, long_reg.uscc, PASSWORD)
    long_id = _approved(
        services,
        long_s,
        CertKind.LEGAL_REP,
        Method.DEPOSIT,
        Handler.LEGAL_PERSON,
        long_reg.legal_person_phone,
        portrait,
    )
    out.end_entities["encryption:long-names"] = x509.load_pem_x509_certificate(
        ca.certificate_detail(long_s, long_id).encryption_cert_pem.encode()
    )
    long_dev = Device("long")
    long_dev.activate(services, long_s, long_id, long_reg.legal_person_phone)
    out.end_entities["device:long-names"] = long_dev.cert

    # 法人证书 and 个人证书.
    legal_id = _approved(
        services,
        s,
        CertKind.LEGAL_REP,
        Method.FACE,
        Handler.LEGAL_PERSON,
        reg.legal_person_phone,
        portrait,
    )
    legal = Device("legal")
    legal.activate(services, s, legal_id, reg.legal_person_phone)
    out.end_entities["device:legal_rep"] = legal.cert
    personal_id = _approved(
        services, agent_s, CertKind.PERSONAL, Method.FACE, None, agent_reg.phone, portrait
    )
    phone = Device("phone")
    phone.activate(services, agent_s, personal_id, agent_reg.phone)
    out.end_entities["device:personal"] = phone.cert

    # Service certificates and the 事件型证书 of the application signatures.
    out.end_entities["tls"] = _service_cert(
        services, "tls", hostnames=["localhost"], ip_addresses=["127.0.0.1"]
    )
    out.end_entities["platform"] = _service_cert(
        services, "platform", origin="http://127.0.0.1:8480"
    )
    with services.engine.store.read() as db:
        event_der = (
            db.execute(select(IssuedCertRow.der).where(IssuedCertRow.role == "event"))
            .scalars()
            .first()
        )
    out.end_entities["event"] = x509.load_der_x509_certificate(event_der)

    # OCSP answers: good, unknown, the responder's own certificate, then revoked.
    out.ocsp["good"] = ca.ocsp(INSTITUTION, _ocsp_request(laptop.cert, issuing))
    out.ocsp["unknown"] = ca.ocsp(INSTITUTION, _unknown_request(issuing))
    responder = ocsp.load_der_ocsp_response(out.ocsp["good"]).certificates[0]
    out.end_entities["ocsp_responder"] = responder
    out.ocsp["responder_self"] = ca.ocsp(INSTITUTION, _ocsp_request(responder, issuing))
    out.ocsp["malformed"] = ca.ocsp(INSTITUTION, b"not a request")
    # Asked of another institution's responder: not ours to answer.
    out.ocsp["unauthorized"] = ca.ocsp("sxca", _ocsp_request(laptop.cert, issuing))

    out.crls["empty"] = ca.crl(INSTITUTION)
    ca.revoke_device_certificate(
        agent_s, f"{pc.cert.serial_number:x}", reason=RevocationReason.KEY_COMPROMISE
    )
    ca.revoke_device_certificate(
        s, f"{laptop.cert.serial_number:x}", reason=RevocationReason.UNSPECIFIED
    )
    out.revoked |= {"device:agent", "device:unit"}
    out.ocsp["revoked"] = ca.ocsp(INSTITUTION, _ocsp_request(pc.cert, issuing))
    out.crls["revocations"] = ca.crl(INSTITUTION)
    return out


def _approved(services, s, kind, method, handler, phone: str, portrait: bytes) -> int:
    """An application applied for and approved by the operator: its certificate id."""
    app_id = apply(
        services, s, kind=kind, method=method, handler=handler, legal_phone=phone,
        portrait=portrait,
    )  # fmt: skip
    services.review.approve(services.review.operator_session(), app_id)
    return services.ca.get_application(s, app_id).certificate_id
