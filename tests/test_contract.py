"""One contract for local and remote: the same test functions run against LocalServices
(the engine in-process), RemoteServices talking HTTP to a real uvicorn server on a loopback
port (SQLite in a temporary folder), and RemoteServices over a server on a throw-away
PostgreSQL cluster (``pg_cluster`` in conftest.py; skipped only where PostgreSQL is absent,
never in CI).

Covered: the handbook's lifecycle (reusing helpers_flow), typed errors with the same codes
and parameters, idempotency keys, bytes round trips, the demo inbox and clock, and the
authorisation matrix (every object-taking operation x every other role on one company's
objects: refused, and the objects unchanged).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import PASSWORD, demo_company, jpeg_bytes, last_code, pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from helpers_flow import Device, apply, sign_and_submit

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.secrets import KeyringSecret
from mobileca_desktop.ca.store import Store
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
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
    Purpose,
    RevocationReason,
)
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.ratelimit import RateLimits
from mobileca_desktop.server.run import ThreadedServer
from mobileca_desktop.services.local import LocalServices
from mobileca_desktop.services.remote import RemoteServices


@dataclass
class Backend:
    kind: str
    services: Any
    engine: CAEngine
    url: str | None = None


@pytest.fixture(params=["local", "remote", "postgres"])
def backend(request, tmp_path, memory_keyring, engine_config):
    if request.param == "local":
        services = LocalServices.over(CAEngine.open(tmp_path / "ca", config=engine_config))
        yield Backend("local", services, services.engine)
        services.close()
        return
    database = None
    if request.param == "postgres":
        cluster = request.getfixturevalue("pg_cluster")
        database = cluster.new_database()
        store = Store(cluster.url(database))
    else:
        store = Store.for_folder(tmp_path / "ca")
    engine = CAEngine(store, KeyringSecret(tmp_path / "ca"), engine_config)
    token = engine.operator_session().token
    config = ServerConfig(demo=True, limits=RateLimits.unlimited(), operator_token=token)
    server = ThreadedServer(create_app(engine, config)).start()
    services = RemoteServices.connect(server.url, operator_token=token, timeout=60)
    try:
        yield Backend(request.param, services, engine, server.url)
    finally:
        services.close()
        server.stop()
        engine.close()
        if database is not None:
            cluster.drop_database(database)


@pytest.fixture
def svc(backend):
    """LocalServices or RemoteServices: the same four services either way."""
    return backend.services


@pytest.fixture
def services(svc):
    # conftest's company/agent fixtures and helpers_flow take "services".
    return svc


def _apply_unit(services, reg, s, portrait, method=Method.FACE, **kw) -> int:
    return apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=method,
        handler=kw.pop("handler", Handler.LEGAL_PERSON),
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
        **kw,
    )


# --- lifecycle -------------------------------------------------------------------------------


def test_every_method_and_handler_reaches_review_and_issue(svc, company, agent, portrait):
    reg, s = company
    agent_reg, _ = agent
    ag = AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone)
    op = svc.review.operator_session()
    cases = [
        (CertKind.UNIT, Method.FACE, Handler.AGENT, ag),
        (CertKind.LEGAL_REP, Method.ELICENCE, Handler.LEGAL_PERSON, None),
        (CertKind.UNIT, Method.DEPOSIT, Handler.AGENT, ag),
        (CertKind.UNIT, Method.LETTER, Handler.LEGAL_PERSON, None),
    ]
    ids = []
    for kind, method, handler, a in cases:
        app_id = apply(
            svc,
            s,
            kind=kind,
            method=method,
            handler=handler,
            agent=a,
            legal_phone=reg.legal_person_phone,
            portrait=portrait,
        )
        assert svc.ca.get_application(s, app_id).state is AppState.SUBMITTED
        item = svc.review.item(op, app_id)
        assert item.signature.valid, item.signature.detail
        assert item.signature.signer == (a.name if a else reg.legal_person_name)
        ids.append(app_id)
    assert set(ids) <= {i.application.id for i in svc.review.queue(op)}
    for app_id in ids:
        info = svc.review.approve(op, app_id)
        assert info.state is AppState.ISSUED and info.certificate_id
    rows = svc.ca.list_certificates(s)
    assert sum(r.status is CertStatus.NORMAL for r in rows) == len(cases)
    assert all(isinstance(r.applied_at, dt.datetime) and r.applied_at.tzinfo for r in rows)


def test_reject_continue_cancel_and_discard(svc, company, portrait):
    reg, s = company
    op = svc.review.operator_session()
    app_id = _apply_unit(svc, reg, s, portrait)
    svc.review.reject(op, app_id, "营业执照照片不清晰")
    row = next(r for r in svc.ca.list_certificates(s) if r.application_id == app_id)
    assert row.status is CertStatus.INVALID and row.can_continue
    assert row.reason == "营业执照照片不清晰"
    info = svc.ca.continue_application(s, app_id)
    assert info.state is AppState.DRAFT and info.method is Method.FACE and info.missing == ()
    sign_and_submit(svc, s, app_id, reg.legal_person_phone)
    svc.review.cancel(op, app_id, "被永久取消审核")
    with pytest.raises(E.IllegalState):
        svc.ca.continue_application(s, app_id)
    draft = svc.ca.create_application(s, CertKind.LEGAL_REP, "sxca")
    svc.ca.discard_draft(s, draft.id)
    discarded = svc.ca.get_application(s, draft.id)
    assert discarded.state is AppState.DISCARDED and discarded.reject_reason == "申请人已撤销"
    assert draft.id not in {r.application_id for r in svc.ca.list_certificates(s)}
    with pytest.raises(E.IllegalState):
        svc.ca.discard_draft(s, draft.id)


def test_activation_grant_renew_change_revoke(svc, company, agent, portrait):
    reg, s = company
    agent_reg, agent_s = agent
    ca, op = svc.ca, svc.review.operator_session()
    app_id = _apply_unit(svc, reg, s, portrait, method=Method.DEPOSIT)
    cid = svc.review.approve(op, app_id).certificate_id
    detail = ca.certificate_detail(s, cid)
    assert not detail.serial_is_device and detail.seals and detail.seals[0].png[:4] == b"\x89PNG"

    laptop = Device("legal-laptop")
    res = laptop.activate(svc, s, cid, reg.legal_person_phone)
    assert len(res.wrapped_keys) == 1 and laptop.encryption_keys
    assert ca.certificate_detail(s, cid, "legal-laptop").serial_is_device

    g = ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
    )
    assert [x.id for x in ca.list_grants(agent_s)] == [g.id]
    pc = Device("agent-pc")
    pc.activate(svc, agent_s, cid, reg.legal_person_phone)

    renewed = ca.renew(s, cid, idempotency_key=str(uuid.uuid4()))
    assert renewed.predecessor_id == cid and renewed.status is CertStatus.NORMAL
    assert ca.list_grants(agent_s)[0].certificate_id == renewed.certificate_id
    again = Device("legal-laptop-2").activate(
        svc, s, renewed.certificate_id, reg.legal_person_phone
    )
    assert sorted(w.generation for w in again.wrapped_keys) == [1, 2]

    change = ca.request_change(s, renewed.certificate_id, {"company_name": "山西新名称有限公司"})
    assert change.purpose is Purpose.CHANGE and change.state is AppState.DRAFT

    withdrawn = ca.withdraw_grant(s, g.id)
    assert withdrawn.status is GrantStatus.WITHDRAWN
    ca.revoke(s, renewed.certificate_id, RevocationReason.CESSATION)
    assert ca.certificate_detail(s, renewed.certificate_id).status is CertStatus.REVOKED

    # The published CRL and OCSP say the same through either service.
    chain = x509.load_pem_x509_certificates(ca.chain_pem("bjca").encode())
    crl = x509.load_der_x509_crl(ca.crl("bjca"))
    assert crl.is_signature_valid(chain[0].public_key())
    assert crl.get_revoked_certificate_by_serial_number(laptop.cert.serial_number) is not None
    root_crl = x509.load_der_x509_crl(ca.root_crl("bjca"))
    assert root_crl.is_signature_valid(chain[-1].public_key()) and len(root_crl) == 0
    req = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(laptop.cert, chain[0], hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    resp = ocsp.load_der_ocsp_response(ca.ocsp("bjca", req))
    assert resp.response_status is ocsp.OCSPResponseStatus.SUCCESSFUL
    assert resp.certificate_status is ocsp.OCSPCertStatus.REVOKED


def test_time_stamps_through_either_service(svc):
    """RFC 3161 at the institution's TSA: in process, or POST /tsa/<institution>."""
    import asyncio
    import hashlib

    from mobileca_desktop.services import ltv

    stamper = ltv.CATimeStamper(lambda der: svc.ca.timestamp("bjca", der))
    digest = hashlib.sha256(b"bid").digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    tsa_cert = ltv.tsa_certificate(stamper)
    issuing = x509.load_pem_x509_certificates(svc.ca.chain_pem("bjca").encode())[0]
    tsa_cert.verify_directly_issued_by(issuing)
    with pytest.raises(E.NotFound):
        svc.ca.timestamp("nope", b"\x30\x00")


def test_documents_round_trip_bytes(svc, company):
    _reg, s = company
    app = svc.ca.create_application(s, CertKind.UNIT, "bjca")
    data = pdf_bytes("营业执照 原件")
    doc = svc.ca.upload_document(s, app.id, DocKind.LICENCE, data, "licence.pdf")
    info, got = svc.ca.get_document(s, doc.id)
    assert got == data and info == doc and info.mime == "application/pdf"
    op = svc.review.operator_session()
    assert svc.review.document(op, doc.id)[1] == data
    svc.ca.remove_document(s, app.id, doc.id)
    with pytest.raises(E.NotFound):
        svc.ca.get_document(s, doc.id)
    assert svc.ca.get_application(s, app.id).documents == ()


# --- errors ------------------------------------------------------------------------------------


def test_errors_keep_their_type_code_and_params(svc, company, people):
    reg, s = company
    ca = svc.ca
    with pytest.raises(E.AuthenticationFailed):
        ca.login(AccountKind.LEGAL, reg.uscc, "wrong-password-1")
    with pytest.raises(E.InvalidUSCC) as exc:
        ca.register_legal(
            LegalEntityRegistration(
                company_name="某公司",
                uscc="91140100MA0000000X",
                province="山西省",
                city="太原市",
                bank_name="银行",
                bank_account="6222020200000000000",
                legal_person_name="张三",
                legal_person_id_number=people.id_number(),
                legal_person_phone=people.phone(),
                password=PASSWORD,
            )
        )
    assert exc.value.code == "invalid_uscc" and "reason" in exc.value.params
    person = PersonalRegistration("某人", people.id_number(), people.phone(), PASSWORD)
    ca.register_personal(person)
    with pytest.raises(E.AlreadyExists) as exc:
        ca.register_personal(person)
    assert exc.value.params["field"] == "id_number"  # the form's field, not the word 身份证号

    with pytest.raises(E.NotFound) as exc:
        ca.get_application(s, 999_999)
    assert exc.value.params == {"what": "application", "id": 999_999}
    with pytest.raises(E.NotFound):
        ca.get_application(s, 2**40)  # cannot exist; not a database error
    with pytest.raises(E.PermissionDenied):
        ca.create_application(s, CertKind.PERSONAL, "bjca")
    with pytest.raises(E.NotFound):
        ca.create_application(s, CertKind.UNIT, "no-such-ca")
    app = ca.create_application(s, CertKind.UNIT, "bjca")
    with pytest.raises(E.PreconditionFailed) as exc:
        ca.request_signing_code(s, app.id)
    assert "method" in exc.value.params["missing"]
    with pytest.raises(E.DocumentUnsupported):
        ca.upload_document(s, app.id, DocKind.ID_FRONT, b"not an image", "x.jpg")
    ca.set_method(s, app.id, Method.FACE)
    with pytest.raises(E.InvalidInput) as exc:
        ca.set_handler(s, app.id, Handler.AGENT, None)
    assert exc.value.params["field"] == "agent"
    bogus = type(s)(
        token="not-a-token",
        account_id=s.account_id,
        kind=s.kind,
        display_name="",
        expires_at=s.expires_at,
    )
    with pytest.raises(E.SessionExpired):
        ca.me(bogus)
    with pytest.raises(E.NotFound):
        ca.chain_pem("no-such-ca")


def test_wrong_sms_codes_are_counted_with_tries_left(svc, company, portrait):
    reg, s = company
    app_id = _apply_unit(svc, reg, s, portrait, submit=False)
    svc.ca.request_signing_code(s, app_id)
    with pytest.raises(E.SmsCooldown) as exc:
        svc.ca.request_signing_code(s, app_id)
    assert exc.value.params["seconds"] > 0
    code = last_code(svc, reg.legal_person_phone)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(E.SmsCodeWrong) as exc:
        svc.ca.submit(s, app_id, wrong)
    assert exc.value.params == {"tries_left": 4}
    assert svc.ca.submit(s, app_id, code).state is AppState.SUBMITTED


def test_logout_ends_the_session_and_may_be_repeated(svc, company):
    reg, _ = company
    s = svc.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    assert svc.ca.me(s).uscc == reg.uscc
    assert reg.uscc in svc.ca.elicence_text(s) or svc.ca.elicence_text(s).startswith("SXEL1.")
    svc.ca.logout(s)
    svc.ca.logout(s)
    with pytest.raises(E.SessionExpired):
        svc.ca.me(s)


# --- idempotency ---------------------------------------------------------------------------------


def test_idempotency_keys_never_create_twice(svc, company, portrait):
    reg, s = company
    ca = svc.ca
    key = str(uuid.uuid4())
    first = ca.create_application(s, CertKind.UNIT, "bjca", idempotency_key=key)
    again = ca.create_application(s, CertKind.UNIT, "bjca", idempotency_key=key)
    assert again.id == first.id
    assert len(ca.list_applications(s)) == 1

    app_id = _apply_unit(svc, reg, s, portrait, submit=False)
    ca.request_signing_code(s, app_id)
    code = last_code(svc, reg.legal_person_phone)
    skey = str(uuid.uuid4())
    submitted = ca.submit(s, app_id, code, skey)
    assert ca.submit(s, app_id, code, skey) == submitted  # a retried submit: same result

    cid = svc.review.approve(svc.review.operator_session(), app_id).certificate_id
    device = Device("pc")
    ca.request_activation_code(s, cid)
    sms = last_code(svc, reg.legal_person_phone)
    akey = str(uuid.uuid4())
    kwargs = dict(
        csr_pem=device.csr_pem(),
        transport_public_key_pem=device.transport_pem(),
        sms_code=sms,
        device_name="pc",
        idempotency_key=akey,
    )
    a1 = ca.activate(s, cid, **kwargs)
    a2 = ca.activate(s, cid, **kwargs)
    assert a1.device_serial_hex == a2.device_serial_hex
    other = Device("pc")
    with pytest.raises(E.IdempotencyConflict):
        ca.activate(s, cid, **{**kwargs, "csr_pem": other.csr_pem()})
    assert len(ca.certificate_detail(s, cid).device_certs) == 1

    rkey = str(uuid.uuid4())
    r1 = ca.renew(s, cid, idempotency_key=rkey)
    r2 = ca.renew(s, cid, idempotency_key=rkey)
    assert r1.certificate_id == r2.certificate_id


# --- the simulated phones and the demo clock ------------------------------------------------


def test_a_download_revokes_only_the_device_certificate_it_replaces(
    svc, company, agent, people, portrait
):
    # The replaced serial crosses either transport; the refusal keeps its type, and neither
    # another account's certificate nor this certificate's agent's is ever revoked.
    reg, s = company
    agent_reg, agent_s = agent
    ca, op = svc.ca, svc.review.operator_session()
    cid = svc.review.approve(op, _apply_unit(svc, reg, s, portrait)).certificate_id
    first = Device("pc").activate(svc, s, cid, reg.legal_person_phone)
    ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=90),
    )
    agents = Device("pc").activate(svc, agent_s, cid, reg.legal_person_phone)
    other = demo_company(people)
    ca.register_legal(other)
    other_s = ca.login(AccountKind.LEGAL, other.uscc, PASSWORD)
    other_cid = svc.review.approve(op, _apply_unit(svc, other, other_s, portrait)).certificate_id
    theirs = Device("pc").activate(svc, other_s, other_cid, other.legal_person_phone)

    ca.request_activation_code(s, cid)
    code = last_code(svc, reg.legal_person_phone)
    device = Device("pc")

    def download(replaces: str):
        return ca.activate(
            s,
            cid,
            csr_pem=device.csr_pem(),
            transport_public_key_pem=device.transport_pem(),
            sms_code=code,
            device_name="pc",
            idempotency_key=str(uuid.uuid4()),
            replaces_serial_hex=replaces,
        )

    for victim in (theirs, agents):
        with pytest.raises(E.ReplacedCertificateRefused) as err:
            download(victim.device_serial_hex)
        assert err.value.params == {"certificate": cid, "serial": victim.device_serial_hex}
    revoked = {
        d.serial_hex: d.revoked
        for c, sess in ((cid, s), (other_cid, other_s))
        for d in ca.certificate_detail(sess, c).device_certs
    }
    assert revoked == {
        first.device_serial_hex: False,
        agents.device_serial_hex: False,
        theirs.device_serial_hex: False,
    }

    second = download(first.device_serial_hex.upper())  # the same code: nothing was consumed
    revoked = {d.serial_hex: d.revoked for d in ca.certificate_detail(s, cid).device_certs}
    assert revoked == {
        first.device_serial_hex: True,
        agents.device_serial_hex: False,
        second.device_serial_hex: False,
    }
    crl = x509.load_der_x509_crl(ca.crl("bjca"))
    entry = crl.get_revoked_certificate_by_serial_number(int(first.device_serial_hex, 16))
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason is x509.ReasonFlags.superseded


def test_inbox_and_clock(svc, company, portrait):
    reg, s = company
    msgs = svc.inbox.messages(reg.legal_person_phone)
    assert msgs and msgs[0].kind.value == "elicence"
    newest = msgs[0].id
    with pytest.raises(E.InvalidPhone):
        svc.inbox.messages("12345")
    app_id = _apply_unit(svc, reg, s, portrait)
    later = svc.inbox.messages(reg.legal_person_phone, after_id=newest)
    assert later and all(m.id > newest for m in later) and later[0].code

    cid = svc.review.approve(svc.review.operator_session(), app_id).certificate_id
    op = svc.review.operator_session()
    with pytest.raises(E.PermissionDenied):
        svc.clock.advance(s, 3600)
    info = svc.clock.advance(op, 400 * 86400)
    assert info.offset_seconds == 400 * 86400 and info.now > info.real_now
    # A trainer's jump through time keeps the logins open: nobody is logged out mid-demo.
    assert svc.ca.me(s).uscc == reg.uscc
    assert svc.ca.certificate_detail(s, cid).status is CertStatus.EXPIRED
    fresh = svc.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    assert svc.ca.certificate_detail(fresh, cid).status is CertStatus.EXPIRED
    assert svc.clock.reset(op).offset_seconds == 0
    assert svc.clock.info().offset_seconds == 0


# --- authorisation matrix ---------------------------------------------------------------------

REFUSED = (E.NotFound, E.PermissionDenied, E.SessionExpired)


def _matrix_calls(objs: dict, portrait: bytes, device: Device) -> dict[str, Any]:
    """Every operation that takes another account's object, with otherwise valid arguments
    (so that only authorisation can refuse it). Keys are the server's operation ids."""
    app, sub, doc = objs["draft"], objs["submitted"], objs["doc"]
    cid, gid, serial = objs["cid"], objs["gid"], objs["serial"]
    agent = objs["agent_details"]
    until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    return {
        "ca.get_application": lambda sv, s: sv.ca.get_application(s, app),
        "ca.set_method": lambda sv, s: sv.ca.set_method(s, app, Method.FACE),
        "ca.set_handler": lambda sv, s: sv.ca.set_handler(s, app, Handler.LEGAL_PERSON),
        "ca.verify_face": lambda sv, s: sv.ca.verify_face(s, app, portrait, "f.png"),
        "ca.verify_elicence": lambda sv, s: sv.ca.verify_elicence(s, app, "SXEL1.x.y"),
        "ca.start_deposit": lambda sv, s: sv.ca.start_deposit(s, app),
        "ca.confirm_deposit": lambda sv, s: sv.ca.confirm_deposit(s, app, "0.37"),
        "ca.confirm_auth_code": lambda sv, s: sv.ca.confirm_auth_code(s, app, "123456"),
        "ca.upload_document": lambda sv, s: sv.ca.upload_document(
            s, app, DocKind.ID_FRONT, jpeg_bytes("x"), "x.jpg"
        ),
        "ca.remove_document": lambda sv, s: sv.ca.remove_document(s, app, doc),
        "ca.get_document": lambda sv, s: sv.ca.get_document(s, doc),
        "ca.request_signing_code": lambda sv, s: sv.ca.request_signing_code(s, app),
        "ca.submit": lambda sv, s: sv.ca.submit(s, app, "123456", str(uuid.uuid4())),
        "ca.continue_application": lambda sv, s: sv.ca.continue_application(s, sub),
        "ca.discard_draft": lambda sv, s: sv.ca.discard_draft(s, app),
        "ca.certificate_detail": lambda sv, s: sv.ca.certificate_detail(s, cid),
        "ca.renew": lambda sv, s: sv.ca.renew(s, cid, str(uuid.uuid4())),
        "ca.request_change": lambda sv, s: sv.ca.request_change(s, cid, {"company_name": "X"}),
        "ca.revoke": lambda sv, s: sv.ca.revoke(s, cid),
        "ca.revoke_device_certificate": lambda sv, s: sv.ca.revoke_device_certificate(s, serial),
        "ca.request_activation_code": lambda sv, s: sv.ca.request_activation_code(s, cid),
        "ca.activate": lambda sv, s: sv.ca.activate(
            s,
            cid,
            csr_pem=device.csr_pem(),
            transport_public_key_pem=device.transport_pem(),
            sms_code="123456",
            device_name="intruder",
            idempotency_key=str(uuid.uuid4()),
        ),
        "ca.grant": lambda sv, s: sv.ca.grant(s, cid, agent, until),
        "ca.withdraw_grant": lambda sv, s: sv.ca.withdraw_grant(s, gid),
        "review.item": lambda sv, s: sv.review.item(s, sub),
        "review.accept_letter": lambda sv, s: sv.review.accept_letter(s, app),
        "review.reject_letter": lambda sv, s: sv.review.reject_letter(s, app, "不清晰"),
        "review.approve": lambda sv, s: sv.review.approve(s, sub),
        "review.reject": lambda sv, s: sv.review.reject(s, sub, "不清晰"),
        "review.cancel": lambda sv, s: sv.review.cancel(s, sub, "取消"),
        "clock.advance": lambda sv, s: sv.clock.advance(s, 60),
        "clock.reset": lambda sv, s: sv.clock.reset(s),
    }


# What a role may legitimately do with company A's objects (everything else is refused).
ALLOWED = {
    # The agent holds an active grant on A's certificate: they may see and download it.
    "grantee": {"ca.certificate_detail", "ca.request_activation_code", "ca.activate"},
    # A reviewer of A's institution reviews A's applications (and sees their documents).
    "reviewer_same": {
        "review.item",
        "review.accept_letter",
        "review.reject_letter",
        "review.approve",
        "review.reject",
        "review.cancel",
        "ca.get_document",
        "ca.get_application",
    },
}


def test_authorisation_matrix(backend, svc, company, agent, people, portrait):
    reg, owner = company
    agent_reg, grantee = agent
    ca, op = svc.ca, svc.review.operator_session()

    # Company A's objects: an issued, activated, granted certificate; a submitted
    # application; a draft with a document.
    cid = svc.review.approve(op, _apply_unit(svc, reg, owner, portrait)).certificate_id
    serial = Device("owner-pc").activate(svc, owner, cid, reg.legal_person_phone).device_serial_hex
    agent_details = AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone)
    gid = ca.grant(owner, cid, agent_details, dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).id
    submitted = _apply_unit(svc, reg, owner, portrait)
    draft = ca.create_application(owner, CertKind.LEGAL_REP, "bjca").id
    doc = ca.upload_document(owner, draft, DocKind.LICENCE, pdf_bytes("A"), "a.pdf").id

    # The other roles: another company, an unrelated person, the grantee, reviewers of
    # another institution and of A's, and a forged session.
    other_reg = LegalEntityRegistration(
        company_name="另一家公司",
        uscc=people.uscc(),
        province="山西省",
        city="大同市",
        bank_name="中国银行",
        bank_account="6222020200000000001",
        legal_person_name="赵六",
        legal_person_id_number=people.id_number(1970),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    ca.register_legal(other_reg)
    stranger_reg = PersonalRegistration("陌生人", people.id_number(1995), people.phone(), PASSWORD)
    ca.register_personal(stranger_reg)
    engine_op = backend.engine.operator_session()
    for login, inst in (("rev-other", "sxca"), ("rev-same", "bjca")):
        backend.engine.create_reviewer(
            engine_op, login_name=login, name=login, password=PASSWORD, institution_id=inst
        )
    roles = {
        "other_company": ca.login(AccountKind.LEGAL, other_reg.uscc, PASSWORD),
        "stranger": ca.login(AccountKind.PERSONAL, stranger_reg.phone, PASSWORD),
        "grantee": grantee,
        "reviewer_other": svc.review.login("rev-other", PASSWORD),
        "reviewer_same": svc.review.login("rev-same", PASSWORD),
        "forged": type(owner)(
            token="forged-" + uuid.uuid4().hex,
            account_id=owner.account_id,
            kind=owner.kind,
            display_name=owner.display_name,
            expires_at=owner.expires_at,
        ),
    }
    objs = {
        "draft": draft,
        "submitted": submitted,
        "doc": doc,
        "cid": cid,
        "gid": gid,
        "serial": serial,
        "agent_details": agent_details,
    }
    calls = _matrix_calls(objs, portrait, Device("intruder"))
    checked = 0
    for role, session in roles.items():
        for name, call in calls.items():
            if name in ALLOWED.get(role, set()):
                continue
            try:
                call(svc, session)
            except REFUSED:
                checked += 1
                continue
            except E.MobileCAError as exc:
                pytest.fail(f"{role} × {name}: refused with {exc.code}, not as unauthorised")
            pytest.fail(f"{role} × {name}: allowed on another account's object")
    assert checked >= len(roles) * len(calls) - sum(map(len, ALLOWED.values()))

    # Nothing changed for the owner.
    assert ca.get_application(owner, draft).state is AppState.DRAFT
    assert [d.id for d in ca.get_application(owner, draft).documents] == [doc]
    assert ca.get_application(owner, submitted).state is AppState.SUBMITTED
    detail = ca.certificate_detail(owner, cid)
    assert detail.status is CertStatus.NORMAL and detail.successor_id is None
    assert [d.revoked for d in detail.device_certs] == [False]
    assert [g.status for g in ca.list_grants(owner)] == [GrantStatus.ACTIVE]
    assert svc.clock.info().offset_seconds == 0

    if backend.kind != "local":
        # Every operation of the API that takes an object id is in the matrix.
        app = create_app(backend.engine, ServerConfig(demo=True))
        with_ids = {
            op_["operationId"]
            for path, item in app.openapi()["paths"].items()
            for op_ in item.values()
            if any(p in path for p in ("{app_id}", "{document_id}", "{certificate_id}"))
            or any(p in path for p in ("{grant_id}", "{serial_hex}"))
            or op_["operationId"].startswith("clock.advance")
            or op_["operationId"].startswith("clock.reset")
        }
        assert with_ids <= set(calls), sorted(with_ids - set(calls))


def test_agents_named_and_an_expired_certificate_renewed(svc, company, agent, people):
    """新增授权's choice list (the agents of this account's applications, unmasked, only its
    own) and 证书管理 after 已过期 → 继续 (the old row stays as 已过期 beside the renewal)."""
    from conftest import demo_company

    ca = svc.ca
    reg, s = company
    agent_reg, _ = agent
    named = AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone)
    assert ca.application_agents(s) == []
    first = _apply_unit(svc, reg, s, b"", method=Method.DEPOSIT, handler=Handler.AGENT, agent=named)
    _apply_unit(svc, reg, s, b"", method=Method.DEPOSIT, handler=Handler.AGENT, agent=named)
    assert ca.application_agents(s) == [named]  # once, in full
    other = demo_company(people)
    ca.register_legal(other)
    assert ca.application_agents(ca.login(AccountKind.LEGAL, other.uscc, PASSWORD)) == []

    op = svc.review.operator_session()
    svc.review.approve(op, first)
    cid = ca.get_application(s, first).certificate_id
    svc.clock.advance(op, 400 * 86400)
    try:
        s = ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
        (row,) = [r for r in ca.list_certificates(s) if r.certificate_id == cid]
        assert row.status is CertStatus.EXPIRED and row.can_continue and row.successor_id is None
        new_id = ca.renew(s, cid, idempotency_key=str(uuid.uuid4())).certificate_id
        rows = {r.certificate_id: r for r in ca.list_certificates(s) if r.certificate_id}
        assert rows[new_id].status is CertStatus.NORMAL
        old = rows[cid]
        assert old.status is CertStatus.EXPIRED and not old.can_continue
        assert old.successor_id == new_id
        assert ca.certificate_detail(s, cid).status is CertStatus.EXPIRED
    finally:
        svc.clock.reset(op)
