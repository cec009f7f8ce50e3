"""Bad input is refused with typed errors and leaves no partial state."""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import pytest
from conftest import PASSWORD, jpeg_bytes, last_code, png_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from helpers_flow import Device, apply
from sqlalchemy import func, select

from mobileca_desktop.ca.db import AccountRow, ApplicationRow, DocumentRow
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
)


def _count(services, model) -> int:
    with services.engine.store.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _reg(people, **over) -> LegalEntityRegistration:
    base = dict(
        company_name="太原示例科技有限公司",
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国银行",
        bank_account="6222000011112222",
        legal_person_name="赵法人",
        legal_person_id_number=people.id_number(),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    base.update(over)
    return LegalEntityRegistration(**base)


def test_wrong_check_characters_are_refused_and_nothing_is_stored(services, people):
    good = _reg(people)
    bad_uscc = good.uscc[:-1] + ("0" if good.uscc[-1] != "0" else "1")
    with pytest.raises(E.InvalidUSCC):
        services.ca.register_legal(_reg(people, uscc=bad_uscc))
    idn = good.legal_person_id_number
    bad_id = idn[:-1] + ("0" if idn[-1] != "0" else "1")
    with pytest.raises(E.InvalidIDNumber) as info:
        services.ca.register_legal(_reg(people, legal_person_id_number=bad_id))
    assert bad_id not in str(info.value)  # never echo an ID number
    with pytest.raises(E.InvalidPhone):
        services.ca.register_legal(_reg(people, legal_person_phone="12345"))
    with pytest.raises(E.WeakPassword):
        services.ca.register_legal(_reg(people, password="short"))
    assert _count(services, AccountRow) == 0
    services.ca.register_legal(good)
    with pytest.raises(E.AlreadyExists):
        services.ca.register_legal(good)
    assert _count(services, AccountRow) == 1
    with pytest.raises(E.AuthenticationFailed):
        services.ca.login(AccountKind.LEGAL, good.uscc, "Wrong1234pass")


def _csr(key) -> bytes:
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "d")]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def issued(services, company, portrait):
    reg, s = company
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(services.review.operator_session(), app_id)
    return reg, s, services.ca.get_application(s, app_id).certificate_id


def test_bad_csrs_are_refused(services, issued):
    reg, s, cid = issued
    dev = Device("d")
    services.ca.request_activation_code(s, cid)
    code = last_code(services, reg.legal_person_phone)
    good = _csr(ec.generate_private_key(ec.SECP256R1()))
    der = x509.load_pem_x509_csr(good).public_bytes(serialization.Encoding.DER)
    tampered = der[:-6] + bytes(b ^ 0xFF for b in der[-6:])
    bad = [
        b"not a csr",
        tampered,
        _csr(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
        _csr(ec.generate_private_key(ec.SECP384R1())),
    ]
    for csr in bad:
        with pytest.raises(E.CsrRejected):
            services.ca.activate(
                s,
                cid,
                csr_pem=csr,
                transport_public_key_pem=dev.transport_pem(),
                sms_code=code,
                device_name="d",
                idempotency_key="x",
            )
    with pytest.raises(E.CsrRejected):
        services.ca.activate(
            s,
            cid,
            csr_pem=good,
            transport_public_key_pem=b"junk",
            sms_code=code,
            device_name="d",
            idempotency_key="x",
        )
    # the code was not spent by refused requests
    res = services.ca.activate(
        s,
        cid,
        csr_pem=good,
        transport_public_key_pem=dev.transport_pem(),
        sms_code=code,
        device_name="d",
        idempotency_key="x",
    )
    again = services.ca.activate(
        s,
        cid,
        csr_pem=good,
        transport_public_key_pem=dev.transport_pem(),
        sms_code="000000",
        device_name="d",
        idempotency_key="x",
    )
    assert again.device_serial_hex == res.device_serial_hex  # idempotent retry
    other = _csr(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(E.IdempotencyConflict):
        services.ca.activate(
            s,
            cid,
            csr_pem=other,
            transport_public_key_pem=dev.transport_pem(),
            sms_code=code,
            device_name="d",
            idempotency_key="x",
        )


def test_wrong_sms_codes_and_the_sixth_try(services, issued):
    reg, s, cid = issued
    dev = Device("d")
    services.ca.request_activation_code(s, cid)
    code = last_code(services, reg.legal_person_phone)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(E.SmsCodeWrong) as info:
            services.ca.activate(
                s,
                cid,
                csr_pem=dev.csr_pem(),
                transport_public_key_pem=dev.transport_pem(),
                sms_code=wrong,
                device_name="d",
                idempotency_key="k",
            )
        assert info.value.params["tries_left"] == left
    with pytest.raises(E.SmsTooManyTries):  # the sixth try, even with the right code
        services.ca.activate(
            s,
            cid,
            csr_pem=dev.csr_pem(),
            transport_public_key_pem=dev.transport_pem(),
            sms_code=code,
            device_name="d",
            idempotency_key="k",
        )
    with pytest.raises(E.SmsCooldown):
        services.ca.request_activation_code(s, cid)
    assert services.ca.certificate_detail(s, cid).device_certs == ()


def test_illegal_transitions(services, company, portrait):
    _reg, s = company
    op = services.review.operator_session()
    app = services.ca.create_application(s, CertKind.UNIT, "bjca")
    with pytest.raises(E.IllegalState):
        services.review.approve(op, app.id)  # a draft cannot be approved
    with pytest.raises(E.PreconditionFailed):
        services.ca.request_signing_code(s, app.id)  # nothing verified or uploaded yet
    with pytest.raises(E.PreconditionFailed):
        services.ca.verify_face(s, app.id, portrait)  # no method chosen
    with pytest.raises(E.IllegalState):
        services.ca.continue_application(s, app.id)  # only rejected ones continue
    with pytest.raises(E.PermissionDenied):
        services.review.approve(s, app.id)  # a supplier is no reviewer
    assert services.ca.get_application(s, app.id).state is AppState.DRAFT


def test_deposit_three_tries(services, company):
    reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca")
    services.ca.set_method(s, app.id, Method.DEPOSIT)
    services.ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
    services.ca.start_deposit(s, app.id)
    from helpers_flow import deposit_amount

    right = deposit_amount(services, reg.legal_person_phone)
    wrong = "0.00" if right != "0.00" else "0.01"
    with pytest.raises(E.InvalidInput):
        services.ca.confirm_deposit(s, app.id, "一元")
    for _ in range(2):
        with pytest.raises(E.VerificationFailed):
            services.ca.confirm_deposit(s, app.id, wrong)
    with pytest.raises(E.DepositTriesExhausted):
        services.ca.confirm_deposit(s, app.id, wrong)
    with pytest.raises(E.PreconditionFailed):
        services.ca.confirm_deposit(s, app.id, right)  # too late: a new deposit is needed
    services.ca.start_deposit(s, app.id)
    services.ca.confirm_deposit(s, app.id, deposit_amount(services, reg.legal_person_phone))


def test_face_check(services, company, portrait):
    _reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca")
    services.ca.set_method(s, app.id, Method.FACE)
    services.ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
    noise = np.random.default_rng(1).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    with pytest.raises(E.VerificationFailed):
        services.ca.verify_face(s, app.id, png_bytes(noise), "noise.png")
    assert services.ca.get_application(s, app.id).verification.value == "not_started"
    assert services.ca.verify_face(s, app.id, portrait).verification.value == "passed"


def test_uploads_by_content(services, company):
    _reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca")
    with pytest.raises(E.DocumentUnsupported):
        services.ca.upload_document(s, app.id, DocKind.ID_FRONT, b"hello, not a jpeg", "id.jpg")
    with pytest.raises(E.DocumentUnsupported):
        services.ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg_bytes()[:400], "cut.jpg")
    with pytest.raises(E.DocumentTooLarge):
        services.ca.upload_document(
            s, app.id, DocKind.LICENCE, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "big.pdf"
        )
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buf, format="PNG")  # 400 MP, a few KB compressed
    with pytest.raises(E.DocumentBomb):
        services.ca.upload_document(s, app.id, DocKind.ID_FRONT, buf.getvalue(), "bomb.png")
    assert _count(services, DocumentRow) == 0
    doc = services.ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg_bytes(), "id.jpg")
    replaced = services.ca.upload_document(s, app.id, DocKind.ID_FRONT, jpeg_bytes("2"), "id2.jpg")
    assert _count(services, DocumentRow) == 1 and replaced.id != doc.id
    services.ca.remove_document(s, app.id, replaced.id)
    assert _count(services, DocumentRow) == 0


def test_other_accounts_objects_are_not_found(services, company, agent, people, portrait):
    reg, s = company
    other = _reg(people)
    services.ca.register_legal(other)
    s2 = services.ca.login(AccountKind.LEGAL, other.uscc, PASSWORD)
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
        submit=False,
    )
    for call in (
        lambda: services.ca.get_application(s2, app_id),
        lambda: services.ca.set_method(s2, app_id, Method.FACE),
        lambda: services.ca.upload_document(s2, app_id, DocKind.ID_FRONT, jpeg_bytes(), "x.jpg"),
    ):
        with pytest.raises(E.NotFound):
            call()
    with services.engine.store.read() as db:
        assert db.get(ApplicationRow, app_id).account_id != s2.account_id


def test_audit_verify_detects_an_edited_row(services, company, tmp_path):
    ok, bad = services.engine.audit_verify()
    assert bad is None and ok >= 3
    db = sqlite3.connect(tmp_path / "ca" / "ca.sqlite3")
    db.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
    db.commit()
    db.close()
    _, bad = services.engine.audit_verify()
    assert bad == 2


def test_sms_code_expires_after_five_minutes(services, issued):
    reg, s, cid = issued
    dev = Device("d")
    services.ca.request_activation_code(s, cid)
    code = last_code(services, reg.legal_person_phone)
    services.clock.advance(services.review.operator_session(), 5 * 60 + 1)
    with pytest.raises(E.SmsCodeExpired):
        services.ca.activate(
            s,
            cid,
            csr_pem=dev.csr_pem(),
            transport_public_key_pem=dev.transport_pem(),
            sms_code=code,
            device_name="d",
            idempotency_key="late",
        )
    # the cool-down is over too: a new code can be asked for and works
    dev.activate(services, s, cid, reg.legal_person_phone)


def test_sms_codes_are_stored_as_hmac(services, issued, tmp_path):
    reg, s, cid = issued
    services.ca.request_activation_code(s, cid)
    code = last_code(services, reg.legal_person_phone)
    db = sqlite3.connect(tmp_path / "ca" / "ca.sqlite3")
    stored = [r[0] for r in db.execute("SELECT code_hmac FROM sms_codes")]
    db.close()
    assert stored and all(len(h) == 64 and code not in h for h in stored)
