"""The whole lifecycle through the services alone: every kind, method and handler, review,
activation on two devices, renewal, change, revocation, grants and expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import PASSWORD, jpeg_bytes, pdf_bytes
from cryptography import x509
from helpers_flow import Device, apply, sign_and_submit

from mobileca_desktop.ca import pki
from mobileca_desktop.crypto import cms
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    GrantStatus,
    Handler,
    Method,
    Purpose,
    SealImageKind,
    SignatureVerdict,
)


def _row(services, s, certificate_id):
    return next(
        r
        for r in services.ca.list_certificates(s)
        if r.certificate_id == certificate_id and r.application_id is not None and r.serial_hex
    )


def test_every_method_and_handler_reaches_review(services, company, agent, portrait):
    reg, s = company
    agent_reg, _ = agent
    agent_details = AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone)
    review = services.review
    op = review.operator_session()
    cases = [
        (CertKind.UNIT, Method.FACE, Handler.LEGAL_PERSON, None),
        (CertKind.UNIT, Method.FACE, Handler.AGENT, agent_details),
        (CertKind.LEGAL_REP, Method.ELICENCE, Handler.LEGAL_PERSON, None),
        (CertKind.LEGAL_REP, Method.ELICENCE, Handler.AGENT, agent_details),
        (CertKind.UNIT, Method.DEPOSIT, Handler.LEGAL_PERSON, None),
        (CertKind.UNIT, Method.DEPOSIT, Handler.AGENT, agent_details),
        (CertKind.LEGAL_REP, Method.LETTER, Handler.LEGAL_PERSON, None),
        (CertKind.UNIT, Method.LETTER, Handler.AGENT, agent_details),
    ]
    ids = []
    for kind, method, handler, ag in cases:
        app_id = apply(
            services,
            s,
            kind=kind,
            method=method,
            handler=handler,
            agent=ag,
            legal_phone=reg.legal_person_phone,
            portrait=portrait,
        )
        info = services.ca.get_application(s, app_id)
        assert info.state is AppState.SUBMITTED, (kind, method, handler)
        item = review.item(op, app_id)
        assert item.signature.valid, item.signature.detail
        expected_signer = ag.name if ag else reg.legal_person_name
        assert item.signature.signer == expected_signer
        ids.append(app_id)
    queue = {i.application.id for i in review.queue(op)}
    assert set(ids) <= queue
    for app_id in ids:
        review.approve(op, app_id)
    rows = services.ca.list_certificates(s)
    assert sum(r.status is CertStatus.NORMAL for r in rows) == len(cases)


def test_personal_certificate_from_personal_login_only(services, company, agent, portrait):
    _reg, s = company
    agent_reg, agent_s = agent
    with pytest.raises(E.PermissionDenied):
        services.ca.create_application(s, CertKind.PERSONAL, "bjca")
    with pytest.raises(E.PermissionDenied):
        services.ca.create_application(agent_s, CertKind.UNIT, "bjca")
    app_id = apply(
        services,
        agent_s,
        kind=CertKind.PERSONAL,
        method=Method.FACE,
        handler=None,
        legal_phone=agent_reg.phone,
        portrait=portrait,
    )
    draft = services.ca.create_application(agent_s, CertKind.PERSONAL, "sxca")
    assert draft.method is Method.FACE
    with pytest.raises(E.InvalidInput):
        services.ca.set_method(agent_s, draft.id, Method.DEPOSIT)
    with pytest.raises(E.InvalidInput):
        services.ca.set_handler(agent_s, draft.id, Handler.AGENT)
    services.review.approve(services.review.operator_session(), app_id)
    row = next(r for r in services.ca.list_certificates(agent_s) if r.status is CertStatus.NORMAL)
    detail = services.ca.certificate_detail(agent_s, row.certificate_id)
    assert detail.seals[0].kind is SealImageKind.SIGNATURE
    enc = x509.load_pem_x509_certificate(detail.encryption_cert_pem.encode())
    serial_attr = enc.subject.get_attributes_for_oid(x509.oid.NameOID.SERIAL_NUMBER)[0].value
    assert agent_reg.id_number not in serial_attr
    # 个人证书不支持授权使用
    with pytest.raises(E.PermissionDenied):
        services.ca.grant(
            agent_s,
            row.certificate_id,
            AgentDetails("某人", agent_reg.id_number, agent_reg.phone),
            dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        )


def test_reject_continue_resubmit_and_cancel(services, company, portrait):
    reg, s = company
    op = services.review.operator_session()
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.reject(op, app_id, "营业执照照片不清晰")
    row = next(r for r in services.ca.list_certificates(s) if r.application_id == app_id)
    assert row.status is CertStatus.INVALID and row.can_continue
    assert row.reason == "营业执照照片不清晰"
    with pytest.raises(E.IllegalState):
        services.review.approve(op, app_id)
    info = services.ca.continue_application(s, app_id)
    assert info.state is AppState.DRAFT and info.method is Method.FACE  # nothing entered lost
    assert info.missing == ()
    services.ca.upload_document(s, app_id, DocKind.LICENCE, pdf_bytes("清晰的执照"), "l.pdf")
    sign_and_submit(services, s, app_id, reg.legal_person_phone)
    services.review.approve(op, app_id)
    assert services.ca.get_application(s, app_id).state is AppState.ISSUED

    second = apply(
        services,
        s,
        kind=CertKind.LEGAL_REP,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.cancel(op, second, "被永久取消审核")
    row = next(r for r in services.ca.list_certificates(s) if r.application_id == second)
    assert row.status is CertStatus.INVALID and not row.can_continue
    with pytest.raises(E.IllegalState):
        services.ca.continue_application(s, second)


def test_tampered_document_shows_in_review(services, company, portrait):
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
    from sqlalchemy import select

    from mobileca_desktop.ca.db import DocumentRow

    engine = services.engine
    with engine.store.tx() as db:
        doc = db.execute(
            select(DocumentRow).where(
                DocumentRow.application_id == app_id, DocumentRow.kind == "licence"
            )
        ).scalar()
        doc.sha256 = "0" * 64
    op = services.review.operator_session()
    check = services.review.item(op, app_id).signature
    assert check.signed and not check.valid and check.verdict is SignatureVerdict.TAMPERED
    with pytest.raises(E.PreconditionFailed):
        services.review.approve(op, app_id)


def test_activation_two_devices_grant_renew_change_revoke_expire(
    services, company, agent, portrait, tmp_path
):
    reg, s = company
    agent_reg, agent_s = agent
    ca, op = services.ca, services.review.operator_session()
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.DEPOSIT,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(op, app_id)
    cid = ca.get_application(s, app_id).certificate_id
    detail = ca.certificate_detail(s, cid)
    assert not detail.serial_is_device  # the encryption certificate's serial until activated
    assert detail.seals[0].kind is SealImageKind.OFFICIAL
    assert (
        detail.not_after.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M:%S")
        == "23:59:59"
    )

    # A bid encrypted to the company before anything else happens.
    enc1 = x509.load_pem_x509_certificate(detail.encryption_cert_pem.encode())
    bid1 = cms.make_envelope(b"bid before renewal", enc1)

    laptop = Device("legal-laptop")
    laptop.activate(services, s, cid, reg.legal_person_phone)
    assert ca.certificate_detail(s, cid, "legal-laptop").serial_is_device
    assert (
        cms.open_envelope(bid1, enc1, laptop.encryption_keys[pki.serial_hex(enc1.serial_number)])
        == b"bid before renewal"
    )

    # Grant to the agent; the agent logs in personally, sees it, and activates on their PC.
    g = ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
    )
    received = ca.list_grants(agent_s)
    assert [x.id for x in received] == [g.id] and received[0].status is GrantStatus.ACTIVE
    agent_row = next(r for r in ca.list_certificates(agent_s) if r.certificate_id == cid)
    assert agent_row.granted_by == reg.company_name
    pc = Device("agent-pc")
    pc.activate(services, agent_s, cid, reg.legal_person_phone)  # code goes to the legal person
    assert pki.grant_id_of(pc.cert) == g.id
    pseudonym = pc.cert.subject.get_attributes_for_oid(x509.oid.NameOID.PSEUDONYM)[0].value
    assert pseudonym == agent_reg.name
    assert (
        cms.open_envelope(bid1, enc1, pc.encryption_keys[pki.serial_hex(enc1.serial_number)])
        == b"bid before renewal"
    )

    # Renewal: new encryption cert; old revoked as superseded; grant moves; old bids open.
    new = ca.renew(s, cid, idempotency_key="renew-1")
    again = ca.renew(s, cid, idempotency_key="renew-1")
    assert again.certificate_id == new.certificate_id  # idempotent
    assert new.predecessor_id == cid
    old_enc_status = services.engine.certificate_detail(s, cid).status
    assert old_enc_status is CertStatus.REVOKED
    assert ca.list_grants(s)[0].certificate_id == new.certificate_id
    laptop2 = Device("legal-laptop")
    laptop2.activate(services, s, new.certificate_id, reg.legal_person_phone)
    assert len(laptop2.encryption_keys) == 2  # both generations delivered
    assert (
        cms.open_envelope(bid1, enc1, laptop2.encryption_keys[pki.serial_hex(enc1.serial_number)])
        == b"bid before renewal"
    )

    # Withdraw the grant: only the agent's device certificates are revoked.
    pc2 = Device("agent-pc")
    pc2.activate(services, agent_s, new.certificate_id, reg.legal_person_phone)
    ca.withdraw_grant(s, g.id)
    detail = ca.certificate_detail(s, new.certificate_id)
    states = {d.serial_hex: d.revoked for d in detail.device_certs}
    assert states[pki.serial_hex(pc2.cert.serial_number)] is True
    assert states[pki.serial_hex(laptop2.cert.serial_number)] is False
    with pytest.raises(E.NotFound):
        ca.request_activation_code(agent_s, new.certificate_id)

    # 证书变更: a new application with the changed details, re-reviewed.
    change = ca.request_change(s, new.certificate_id, {"city": "大同市"})
    assert change.purpose is Purpose.CHANGE and change.state is AppState.DRAFT
    ca.upload_document(s, change.id, DocKind.LICENCE, pdf_bytes("新执照"), "licence.pdf")
    ca.upload_document(s, change.id, DocKind.ID_FRONT, jpeg_bytes(), "f.jpg")
    ca.upload_document(s, change.id, DocKind.ID_BACK, jpeg_bytes(), "b.jpg")
    sign_and_submit(services, s, change.id, reg.legal_person_phone)
    services.review.approve(op, change.id)
    changed_id = ca.get_application(s, change.id).certificate_id
    changed = ca.certificate_detail(s, changed_id)
    enc3 = x509.load_pem_x509_certificate(changed.encryption_cert_pem.encode())
    assert enc3.subject.get_attributes_for_oid(x509.oid.NameOID.LOCALITY_NAME)[0].value == "大同市"

    # 吊销
    ca.revoke(s, changed_id)
    assert ca.certificate_detail(s, changed_id).status is CertStatus.REVOKED
    crl = x509.load_der_x509_crl(ca.crl("bjca"))
    assert crl.get_revoked_certificate_by_serial_number(enc3.serial_number) is not None

    # Expiry through the shared clock: a fresh certificate, then move the clock 400 days.
    app2 = apply(
        services,
        s,
        kind=CertKind.LEGAL_REP,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(op, app2)
    cid2 = ca.get_application(s, app2).certificate_id
    g2 = ca.grant(
        s,
        cid2,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    services.clock.advance(op, 400 * 86400)
    s = ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)  # sessions expire with the clock too
    row = next(r for r in ca.list_certificates(s) if r.certificate_id == cid2)
    assert row.status is CertStatus.EXPIRED and row.can_continue
    assert next(x for x in ca.list_grants(s) if x.id == g2.id).status is GrantStatus.EXPIRED
    with pytest.raises(E.CertificateUnavailable):
        ca.request_activation_code(s, cid2)
    renewed = ca.renew(s, cid2)  # 已过期 → 继续 → 证书更新
    assert renewed.status is CertStatus.NORMAL
    ok, bad = services.engine.audit_verify()
    assert bad is None and ok > 50
