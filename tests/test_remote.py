"""What only the remote CA has: HTTP status codes and error bodies, a server that is down or
answers garbage, safe retries, rate limits, the demo switch, OCSP/CRL/CA certificates at
the URLs written into certificates (checked with openssl too), TLS pinned to the CA root,
the ``serve`` command's refusals, and API fuzzing from the OpenAPI description."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid

import httpx
import pytest
from conftest import PASSWORD, last_code
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from fastapi.testclient import TestClient
from helpers_flow import Device, apply
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import KeyringSecret
from mobileca_desktop.ca.store import Store
from mobileca_desktop.cacli.common import CHEAP_PASSWORDS_ENV
from mobileca_desktop.cacli.main import main as ca_main
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    Handler,
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
    Session,
)
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.ratelimit import Limit, RateLimits
from mobileca_desktop.server.run import ThreadedServer, make_tls
from mobileca_desktop.services.local import LocalServices
from mobileca_desktop.services.remote import RemoteServices


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def engine(tmp_path, memory_keyring, engine_config):
    e = CAEngine.open(tmp_path / "ca", config=engine_config)
    yield e
    e.close()


@pytest.fixture
def client(engine):
    """The app in-process (no socket): for status codes and fuzzing."""
    with TestClient(create_app(engine, ServerConfig(demo=True))) as c:
        yield c


# --- status codes and error bodies -------------------------------------------------------------


def test_typed_errors_have_status_codes_and_bodies(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
    assert r.headers["www-authenticate"] == "Bearer"
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    r = client.post("/api/v1/sessions", json={"kind": "legal", "login_name": "x", "password": "y"})
    assert r.status_code == 401 and r.json()["code"] == "authentication_failed"
    r = client.post("/api/v1/sessions", json={"kind": "boss", "login_name": "x", "password": "y"})
    body = r.json()
    assert r.status_code == 422 and body["code"] == "invalid_input"
    assert body["params"]["field"] == "kind" and set(body) == {"code", "message", "params"}
    r = client.post("/api/v1/sessions", content=b"{not json", headers={"content-type": "x"})
    assert r.status_code == 422
    r = client.get("/api/v1/no/such/thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = client.get("/ca/nope.crt")
    assert r.status_code == 404 and r.json()["params"]["what"] == "CA institution"
    r = client.post(
        "/api/v1/accounts/personal",
        json={"name": "某", "id_number": "123", "phone": "139", "password": "x"},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_id_number"
    # NUL and lone surrogates never reach the database.
    raw = b'{"kind":"legal","login_name":"a\\u0000b","password":"\\ud800"}'
    r = client.post("/api/v1/sessions", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    # Authentication comes before anything about the object.
    r = client.get("/api/v1/applications/99999999999999999999")
    assert r.status_code == 401


def test_request_bodies_over_the_limit_are_refused(engine):
    app = create_app(engine, ServerConfig(max_body_bytes=1000))
    with TestClient(app) as c:
        r = c.post("/api/v1/sessions", content=b"x" * 5000)
        assert r.status_code == 413 and r.json()["code"] == "document_too_large"
        r = c.post("/ocsp/bjca", content=b"\x30" * 70000)
        assert r.status_code == 413
        r = c.post("/tsa/bjca", content=b"\x30" * 70000)
        assert r.status_code == 413
        # A time-stamp request of normal size gets a TimeStampResp (here: a rejection).
        r = c.post(
            "/tsa/bjca",
            content=b"\x30\x00",
            headers={"content-type": "application/timestamp-query"},
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/timestamp-reply"
        assert r.content.startswith(b"\x30")


# --- a server that is down, slow, or answers garbage ---------------------------------------------


def test_server_down_is_service_unavailable():
    svc = RemoteServices.connect(f"http://127.0.0.1:{_free_port()}", retries=1, connect_timeout=1)
    with pytest.raises(E.ServiceUnavailable) as exc:
        svc.ca.institutions()
    assert exc.value.code == "service_unavailable" and "url" in exc.value.params
    svc.close()


@pytest.mark.parametrize(
    "status,body,ctype",
    [
        (200, b"<html>proxy login</html>", "text/html"),
        (200, b'{"unexpected": true}', "application/json"),
        (200, b'[{"id": 5}]', "application/json"),
        (500, b"Internal Server Error", "text/plain"),
        (502, b"bad gateway", "text/plain"),
        (418, b'{"code": 7}', "application/json"),
    ],
)
def test_garbage_answers_are_service_unavailable(status, body, ctype):
    transport = httpx.MockTransport(
        lambda request: httpx.Response(status, content=body, headers={"content-type": ctype})
    )
    svc = RemoteServices.connect("http://127.0.0.1:9", transport=transport, retries=0)
    with pytest.raises(E.ServiceUnavailable):
        svc.ca.institutions()
    svc.close()


def test_retries_only_where_a_repeat_is_safe(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda _s: None)
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if len(calls) % 2 == 1:
            return httpx.Response(503, json={"code": "x", "message": "busy", "params": {}})
        return httpx.Response(200, json=[])

    svc = RemoteServices.connect("http://127.0.0.1:9", transport=httpx.MockTransport(handler))
    assert svc.ca.institutions() == []  # GET: retried once, then fine
    assert len(calls) == 2
    session = _session()
    calls.clear()
    with pytest.raises(E.ServiceUnavailable):  # a POST without a key is never repeated
        svc.ca.request_signing_code(session, 1)
    assert len(calls) == 1

    def timeout_handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    svc = RemoteServices.connect(
        "http://127.0.0.1:9", transport=httpx.MockTransport(timeout_handler), retries=2
    )
    calls.clear()
    with pytest.raises(E.ServiceUnavailable) as exc:
        svc.ca.confirm_deposit(session, 1, "0.37")  # counted tries: never sent twice
    assert len(calls) == 1 and "in time" in exc.value.message
    calls.clear()
    with pytest.raises(E.ServiceUnavailable):
        svc.ca.submit(session, 1, "123456", idempotency_key="k-1")  # keyed: retried
    assert len(calls) == 3


def _session():
    return Session("t", 1, AccountKind.LEGAL, "x", dt.datetime.now(dt.UTC))


def test_retried_keyed_request_is_not_done_twice(engine, company_remote):
    """A submission whose answer was lost is sent again with the same key: one result."""
    svc, reg, s, portrait = company_remote
    app_id = apply(
        svc,
        s,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
        submit=False,
    )
    svc.ca.request_signing_code(s, app_id)
    code = last_code(svc, reg.legal_person_phone)
    key = str(uuid.uuid4())
    first = svc.ca.submit(s, app_id, code, key)
    # The client lost the answer and sends the same request again.
    assert svc.ca.submit(s, app_id, code, key) == first
    op = engine.operator_session()
    assert [i.application.id for i in engine.review_queue(op)] == [app_id]


@pytest.fixture
def company_remote(engine, people, portrait):
    token = engine.operator_session().token
    server = ThreadedServer(
        create_app(engine, ServerConfig(demo=True, operator_token=token))
    ).start()
    svc = RemoteServices.connect(server.url, operator_token=token)
    reg = LegalEntityRegistration(
        company_name="远程测试有限公司",
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国银行",
        bank_account="6222020200000000002",
        legal_person_name="钱七",
        legal_person_id_number=people.id_number(1977),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    svc.ca.register_legal(reg)
    s = svc.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    yield svc, reg, s, portrait
    svc.close()
    server.stop()


# --- rate limits and the demo switch -----------------------------------------------------------


def test_rate_limits_on_logins_sms_sends_and_checks(engine, people):
    tight = RateLimits(
        sms_send=Limit(per_minute=1, burst=2),
        sms_check=Limit(per_minute=1, burst=3),
        login=Limit(per_minute=1, burst=3),
    )
    with ThreadedServer(create_app(engine, ServerConfig(demo=True, limits=tight))) as server:
        svc = RemoteServices.connect(server.url)
        reg = LegalEntityRegistration(
            "限流测试公司", people.uscc(), "山西省", "太原市", "中国银行",
            "6222020200000000003", "孙八", people.id_number(1966), people.phone(), PASSWORD,
        )  # fmt: skip
        svc.ca.register_legal(reg)
        for _ in range(2):
            with pytest.raises(E.AuthenticationFailed):
                svc.ca.login(AccountKind.LEGAL, reg.uscc, "wrong-password-9")
        s = svc.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
        with pytest.raises(E.RateLimited) as exc:
            svc.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
        assert exc.value.params["seconds"] >= 1
        app = svc.ca.create_application(s, CertKind.UNIT, "bjca")
        svc.ca.set_method(s, app.id, Method.DEPOSIT)
        svc.ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
        svc.ca.start_deposit(s, app.id)
        with pytest.raises(E.VerificationFailed):
            svc.ca.confirm_deposit(s, app.id, "0.00")
        for _ in range(2):
            with pytest.raises(E.MobileCAError):
                svc.ca.request_signing_code(s, app.id)  # precondition failed, counted
        with pytest.raises(E.RateLimited):
            svc.ca.request_signing_code(s, app.id)
        for _ in range(2):
            with pytest.raises(E.MobileCAError):
                svc.ca.confirm_auth_code(s, app.id, "000000")
        with pytest.raises(E.RateLimited):
            svc.ca.confirm_auth_code(s, app.id, "000000")
        r = httpx.post(
            f"{server.url}/api/v1/sessions",
            json={"kind": "legal", "login_name": reg.uscc, "password": PASSWORD},
        )
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        svc.close()


def test_demo_endpoints_exist_only_with_demo(engine):
    token = engine.operator_session().token
    app = create_app(engine, ServerConfig(demo=False, operator_token=token))
    paths = app.openapi()["paths"]
    assert not [p for p in paths if "/demo/" in p]
    with ThreadedServer(app) as server:
        svc = RemoteServices.connect(server.url, operator_token=token)
        with pytest.raises(E.NotFound):
            svc.inbox.messages("13900000000")
        with pytest.raises(E.NotFound):
            svc.clock.info()
        # The operator's token is never accepted over HTTP without --demo.
        with pytest.raises(E.SessionExpired):
            svc.review.queue(svc.review.operator_session())
        svc.close()


# --- OCSP, CRL and CA certificates at the URLs in the certificates -----------------------------


def _aia(cert: x509.Certificate, method) -> str:
    aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    return next(d.access_location.value for d in aia if d.access_method == method)


def test_pki_urls_in_certificates_are_served(tmp_path, memory_keyring, portrait, people):
    port = _free_port()
    config = EngineConfig(
        passwords=CHEAP_PASSWORDS,
        kmc_pool_target=1,
        kmc_background=False,
        public_url=f"http://127.0.0.1:{port}",
    )
    engine = CAEngine.open(tmp_path / "ca", config=config)
    local = LocalServices.over(engine)
    try:
        reg = PersonalRegistration("周九", people.id_number(1988), people.phone(), PASSWORD)
        local.ca.register_personal(reg)
        s = local.ca.login(AccountKind.PERSONAL, reg.phone, PASSWORD)
        app_id = apply(
            local,
            s,
            kind=CertKind.PERSONAL,
            method=Method.FACE,
            handler=None,
            legal_phone=reg.phone,
            portrait=portrait,
        )
        cid = local.review.approve(local.review.operator_session(), app_id).certificate_id
        device = Device("pc")
        serial = device.activate(local, s, cid, reg.phone).device_serial_hex
        cert = device.cert
        with ThreadedServer(create_app(engine), port=port) as server:
            issuer_url = _aia(cert, x509.AuthorityInformationAccessOID.CA_ISSUERS)
            ocsp_url = _aia(cert, x509.AuthorityInformationAccessOID.OCSP)
            assert issuer_url.startswith(server.url) and ocsp_url.startswith(server.url)
            issuing = x509.load_der_x509_certificate(httpx.get(issuer_url).content)
            cert.verify_directly_issued_by(issuing)
            root_url = _aia(issuing, x509.AuthorityInformationAccessOID.CA_ISSUERS)
            root = x509.load_der_x509_certificate(httpx.get(root_url).content)
            issuing.verify_directly_issued_by(root)
            # The issuing CA's status: the root's CRL at the issuing CA's distribution point.
            root_cdp = issuing.extensions.get_extension_for_class(x509.CRLDistributionPoints)
            r = httpx.get(root_cdp.value[0].full_name[0].value)
            assert r.status_code == 200 and r.headers["content-type"] == "application/pkix-crl"
            root_crl = x509.load_der_x509_crl(r.content)
            assert root_crl.is_signature_valid(root.public_key()) and len(root_crl) == 0
            assert root_crl.issuer == root.subject
            assert r.content == local.ca.root_crl("bjca")  # in process: the same CRL
            assert httpx.get(f"{server.url}/crl/nosuch-root.crl").status_code == 404
            cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            crl_url = cdp[0].full_name[0].value
            r = httpx.get(crl_url)
            assert r.headers["content-type"] == "application/pkix-crl"
            assert x509.load_der_x509_crl(r.content).is_signature_valid(issuing.public_key())

            req = (
                ocsp.OCSPRequestBuilder()
                .add_certificate(cert, issuing, hashes.SHA1())
                .build()
                .public_bytes(serialization.Encoding.DER)
            )
            post = httpx.post(
                ocsp_url, content=req, headers={"content-type": "application/ocsp-request"}
            )
            assert post.headers["content-type"] == "application/ocsp-response"
            good = ocsp.load_der_ocsp_response(post.content)
            assert good.certificate_status is ocsp.OCSPCertStatus.GOOD
            path = urllib.parse.quote(base64.b64encode(req).decode(), safe="")
            got = ocsp.load_der_ocsp_response(httpx.get(f"{ocsp_url}/{path}").content)
            assert got.certificate_status is ocsp.OCSPCertStatus.GOOD
            bad = ocsp.load_der_ocsp_response(httpx.get(f"{ocsp_url}/%%%notbase64").content)
            assert bad.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST

            local.ca.revoke_device_certificate(s, serial)
            revoked = ocsp.load_der_ocsp_response(httpx.post(ocsp_url, content=req).content)
            assert revoked.certificate_status is ocsp.OCSPCertStatus.REVOKED

            if shutil.which("openssl"):
                files = {
                    "cert.pem": cert.public_bytes(serialization.Encoding.PEM),
                    "issuing.pem": issuing.public_bytes(serialization.Encoding.PEM),
                    "chain.pem": issuing.public_bytes(serialization.Encoding.PEM)
                    + root.public_bytes(serialization.Encoding.PEM),
                }
                for name, data in files.items():
                    (tmp_path / name).write_bytes(data)
                out = subprocess.run(
                    [
                        "openssl", "ocsp", "-issuer", "issuing.pem", "-cert", "cert.pem",
                        "-url", ocsp_url, "-CAfile", "chain.pem", "-no_nonce",
                    ],
                    cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
                )  # fmt: skip
                assert "Response verify OK" in out.stderr + out.stdout, out.stderr
                assert "cert.pem: revoked" in out.stdout, out.stdout
    finally:
        local.close()


# --- TLS pinned to the CA root ---------------------------------------------------------------


def test_tls_is_pinned_to_the_ca_root(engine):
    tls = make_tls(engine, "bjca", "127.0.0.1")
    ssl_options = {
        "ssl_certfile": str(tls.certfile),
        "ssl_keyfile": str(tls.keyfile),
        "ssl_keyfile_password": tls.password,
    }
    assert b"ENCRYPTED" in tls.keyfile.read_bytes()  # the key is never written in clear
    app = create_app(engine, ServerConfig(tls_institution="bjca"))
    try:
        with ThreadedServer(app, **ssl_options) as server:
            assert server.url.startswith("https://")
            pinned = RemoteServices.connect(server.url, ca_root=tls.root_pem)
            assert pinned.ca.institutions()[0].id == "bjca"
            pinned.close()
            by_fp = RemoteServices.connect(server.url, root_fingerprint=tls.root_fingerprint)
            assert by_fp.ca.institutions()
            by_fp.close()
            with pytest.raises(E.ConfigurationError):
                RemoteServices.connect(server.url, root_fingerprint="00" * 32)
            other_root = engine.chain_pem("sxca").split("-----END CERTIFICATE-----")[1]
            wrong = RemoteServices.connect(
                server.url, ca_root=(other_root + "-----END CERTIFICATE-----\n").encode()
            )
            with pytest.raises(E.ServiceUnavailable):
                wrong.ca.institutions()  # verification fails; it is never switched off
            wrong.close()
            unpinned = RemoteServices.connect(server.url, retries=0)
            with pytest.raises(E.ServiceUnavailable):
                unpinned.ca.institutions()
            unpinned.close()
    finally:
        for p in (tls.keyfile, tls.certfile):
            p.unlink(missing_ok=True)


# --- mobileca-ca serve ---------------------------------------------------------------------


def test_serve_refuses_plain_http_off_loopback(tmp_path, capsys):
    code = ca_main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "ca")])
    assert code == 2
    assert "--tls" in capsys.readouterr().err


# --- fuzzing from the OpenAPI description ---------------------------------------------------


def _resolve(schema: dict, components: dict) -> dict:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _from_schema(schema: dict, components: dict, depth: int = 0) -> st.SearchStrategy:
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        return st.one_of([_from_schema(s, components, depth) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | st.text(max_size=5)
    kind = schema.get("type")
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
    if kind == "string":
        if schema.get("format") == "date-time":
            return st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | text
        if schema.get("format") == "base64":
            return st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()) | text
        size = min(schema.get("maxLength", 40) + 2, 300)
        return st.text(st.characters(exclude_categories=("Cs",)), max_size=size)
    if kind == "integer":
        return st.integers(min_value=-(2**70), max_value=2**70)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        if depth > 3:
            return st.just([])
        return st.lists(_from_schema(schema.get("items", {}), components, depth + 1), max_size=3)
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return st.just({})
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: _from_schema(v, components, depth + 1) for k, v in props.items() if k in required},
            optional={
                k: _from_schema(v, components, depth + 1)
                for k, v in props.items()
                if k not in required
            },
        )
    return st.none() | st.integers() | text


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@pytest.fixture(params=["sqlite", "postgres"])
def fuzz_engine(request, tmp_path, memory_keyring, engine_config):
    """PostgreSQL too: it refuses what SQLite lets through (NUL, long text, big integers)."""
    if request.param == "sqlite":
        e = CAEngine.open(tmp_path / "ca", config=engine_config)
        yield e
        e.close()
        return
    cluster = request.getfixturevalue("pg_cluster")
    database = cluster.new_database()
    e = CAEngine(Store(cluster.url(database)), KeyringSecret(tmp_path / "ca"), engine_config)
    yield e
    e.close()
    cluster.drop_database(database)


def test_fuzz_every_operation_never_5xx(fuzz_engine, people, portrait):
    """Requests built from the OpenAPI description (and some junk) for every operation,
    with no session, a forged one, and real ones: never a 5xx, never a crash."""
    local = LocalServices.over(fuzz_engine)
    reg = LegalEntityRegistration(
        "模糊测试公司", people.uscc(), "山西省", "太原市", "中国银行",
        "6222020200000000004", "吴十", people.id_number(1972), people.phone(), PASSWORD,
    )  # fmt: skip
    local.ca.register_legal(reg)
    legal = local.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    preg = PersonalRegistration("郑一", people.id_number(1991), people.phone(), PASSWORD)
    local.ca.register_personal(preg)
    person = local.ca.login(AccountKind.PERSONAL, preg.phone, PASSWORD)
    apply(
        local,
        legal,
        kind=CertKind.UNIT,
        method=Method.FACE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    tokens = [None, "forged", legal.token, person.token]

    app = create_app(fuzz_engine, ServerConfig(demo=True, limits=RateLimits.unlimited()))
    spec = app.openapi()
    components = spec.get("components", {}).get("schemas", {})
    operations = [
        (method.upper(), path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]
    path_value = (
        st.integers(min_value=-3, max_value=6)
        | st.integers(max_value=2**70)
        | st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
    )

    @st.composite
    def requests(draw):
        method, path, op = draw(st.sampled_from(operations))
        for name in [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]:
            value = str(draw(path_value))
            path = path.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        query = {
            p["name"]: str(draw(path_value))
            for p in op.get("parameters", [])
            if p["in"] == "query" and draw(st.booleans())
        }
        body = None
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            schema = content["application/json"]["schema"]
            body = draw(_from_schema(schema, components) | JUNK)
        elif content:
            body = draw(st.binary(max_size=200))
        token = draw(st.sampled_from(tokens))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if draw(st.booleans()):
            ascii_text = st.text(st.characters(max_codepoint=126), max_size=70)
            headers["Idempotency-Key"] = draw(ascii_text)
        return method, path, query, body, headers

    # Fewer on PostgreSQL (slower per request); MOBILECA_FUZZ_EXAMPLES=5000 for a long run.
    examples = "150" if fuzz_engine.store.is_postgresql else "400"
    with TestClient(app, raise_server_exceptions=True) as c:

        @settings(
            max_examples=int(os.environ.get("MOBILECA_FUZZ_EXAMPLES", examples)),
            deadline=None,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.filter_too_much,
            ],
        )
        @given(requests())
        def check(req):
            method, path, query, body, headers = req
            kwargs = {"params": query, "headers": headers}
            if isinstance(body, bytes):
                kwargs["content"] = body
            elif body is not None:
                kwargs["content"] = json.dumps(body).encode()
                headers["content-type"] = "application/json"
            try:
                r = c.request(method, path, **kwargs)
            except httpx.InvalidURL:
                return
            assert r.status_code < 500, (method, path, body, r.status_code, r.text[:300])

        check()
    local.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_tls_removes_its_key_folder_on_sigterm(tmp_path, workers):
    """`mobileca-ca serve --tls` stopped by SIGTERM (a service manager's stop) leaves no key
    behind, and its start-up message names the client's real flag."""
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("Kx7-demo-passphrase-for-tests-32")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    port = _free_port()
    env = {**os.environ, CHEAP_PASSWORDS_ENV: "1", "TMPDIR": str(scratch)}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "mobileca_desktop.cacli", "serve",
                "--data-dir", str(tmp_path / "ca"), "--passphrase-file", str(passphrase),
                "--port", str(port), "--tls", "--workers", str(workers),
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        served = False
        while not served and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                served = httpx.get(f"https://127.0.0.1:{port}/healthz", verify=False).is_success
            except httpx.HTTPError:
                time.sleep(0.2)
        assert served, log.read_text()
        folders = list(scratch.glob("mobileca-tls-*"))
        assert len(folders) == 1 and (folders[0] / "server.key").is_file()
        text = log.read_text()
        assert "--ca-root-sha256" in text and "--ca-root " not in text
        # The flag it names is one the client really has.
        from mobileca_desktop.cli import build_parser

        assert "--ca-root-sha256" in build_parser().format_help()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0, log.read_text()
    assert not list(scratch.glob("mobileca-tls-*")), log.read_text()


def test_serve_command_with_tls_workers_and_demo(tmp_path):
    """The real command in a subprocess: two workers, TLS from the CA's TLS profile, the
    root's fingerprint in the start-up log, pinned by a client, demo mode announced."""
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("Kx7-demo-passphrase-for-tests-32")
    port = _free_port()
    env = {**os.environ, CHEAP_PASSWORDS_ENV: "1"}
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "mobileca_desktop.cacli", "serve",
                "--data-dir", str(tmp_path / "ca"), "--passphrase-file", str(passphrase),
                "--port", str(port), "--tls", "--demo", "--workers", "2",
            ],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        fingerprint = None
        deadline = time.monotonic() + 60
        while fingerprint is None and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            for line in log.read_text().splitlines():
                if line.strip().startswith("root SHA-256"):
                    fingerprint = line.split()[-1]
            time.sleep(0.1)
        assert fingerprint, log.read_text()
        url = f"https://127.0.0.1:{port}"
        svc = None
        while time.monotonic() < deadline:
            try:
                svc = RemoteServices.connect(url, root_fingerprint=fingerprint, retries=0)
                break
            except E.ServiceUnavailable:
                time.sleep(0.2)
        assert svc is not None, log.read_text()
        assert [i.id for i in svc.ca.institutions()][:1] == ["bjca"]
        assert svc.clock.info().offset_seconds == 0  # demo endpoints are served
        svc.close()
        text = log.read_text()
        assert "DEMO MODE" in text and "2 worker(s)" in text
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)  # no plain HTTP
    finally:
        proc.terminate()
        proc.wait(timeout=30)
