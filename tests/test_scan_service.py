"""扫一扫 on the client (services/scan.py) against a small trading platform on 127.0.0.1.

The platform here is a real HTTP server with a platform certificate issued by the engine; it
counts every request, so each refusal can show that nothing was fetched, signed or posted. It
checks what it receives the way a platform must (binding signature by the device certificate,
chain to the CA, nonce, D), so the happy paths cannot pass on a stub.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from conftest import pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.padding import PKCS7
from helpers_flow import apply
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device

from mobileca_desktop.crypto import cms, ecies
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import (
    ConfigurationError,
    PlatformRejected,
    ScanPayloadInvalid,
    ScanRefused,
    ServiceUnavailable,
    WrongPassword,
)
from mobileca_desktop.domain.models import AgentDetails, CertKind, Method
from mobileca_desktop.services import scan as scan_mod
from mobileca_desktop.services.scan import (
    NonceStore,
    PlatformScanService,
    TrustedPlatform,
    load_trust_list,
    open_scan_service,
    save_trust_list,
    trust_platform,
)
from mobileca_desktop.services.scan_api import ScanOperation, ScanSource

PLATFORM_ID = "ggzy.test"
PLATFORM_NAME = "山西省公共资源交易平台（模拟）"


# --- a small trading platform -----------------------------------------------------------------


class MiniPlatform:
    """Serves operation data and documents, verifies answers, counts every request."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.requests: list[tuple[str, str, dict | None]] = []
        self.sessions: dict[str, dict] = {}
        self.results: dict[str, dict] = {}
        self.used_nonces: set[str] = set()
        self.roots: list[x509.Certificate] = []
        self.reject_with: tuple[int, dict] | None = None
        self.documents: dict[str, bytes] = {}
        # Version 2's requester: the browser that asked (here: on this computer).
        self.requester = {
            "address": "127.0.0.1",
            "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "at": int(time.time()),
            "client_address": "127.0.0.1",
            "same_address": True,
        }
        self.expected_source = "screen"
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                platform.requests.append(("GET", self.path, None))
                status, body, ctype = platform.get(self.path)
                self._send(status, body, ctype)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length))
                platform.requests.append(("POST", self.path, body))
                try:
                    status, answer = platform.post(self.path, body)
                except AssertionError as exc:
                    status, answer = 400, {"ok": False, "code": "bad", "message": str(exc)}
                self._send(status, json.dumps(answer).encode(), "application/json")

            def _send(self, status, body, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- codes ---

    def code(self, op: str, data: dict | None = None, *, key=None, **changes) -> str:
        """A signed QR text for a new session with operation data ``data``."""
        s = sp.b64url(os.urandom(16))
        now = int(changes.pop("now", time.time()))
        k = None
        ephemeral = None
        if op == "decrypt":
            ephemeral = ec.generate_private_key(ec.SECP256R1())
            k = sp.encode_k(ephemeral.public_key())
        fields = dict(
            operation=op,
            platform_id=PLATFORM_ID,
            origin=self.origin,
            session_ref=s,
            data_url=f"{self.origin}/scan/{s}/d",
            callback_url=f"{self.origin}/scan/{s}/cb",
            nonce=sp.b64url(os.urandom(16)),
            issued_at=now,
            expires_at=now + 90,
            ephemeral_key=k,
        )
        fields.update(changes)
        payload = sp.Payload(**fields)
        body = {"v": payload.version, "op": op, "s": s, "platform_name": PLATFORM_NAME}
        if payload.version >= 2:
            body["requester"] = dict(self.requester)
        body.update(data or {})
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.sessions[s] = {"payload": payload, "data": raw, "ephemeral": ephemeral}
        return sp.encode_payload(payload, key or self.key)

    def posts(self) -> list:
        return [r for r in self.requests if r[0] == "POST"]

    # --- serving ---

    def get(self, path: str):
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "scan" and parts[2] == "d" and parts[1] in self.sessions:
            return 200, self.sessions[parts[1]]["data"], "application/json"
        if len(parts) == 3 and parts[2] == "bid.p7m" and parts[1] in self.sessions:
            return 200, self.sessions[parts[1]].get("envelope", b""), "application/pkcs7-mime"
        if len(parts) == 2 and parts[0] == "doc" and parts[1] in self.documents:
            return 200, self.documents[parts[1]], "application/pdf"
        return 404, b'{"ok":false,"code":"not_found","message":"no such session"}', "text/plain"

    def post(self, path: str, body: dict):
        if self.reject_with:
            return self.reject_with
        s = path.strip("/").split("/")[1]
        session = self.sessions[s]
        payload: sp.Payload = session["payload"]
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in body["chain"]]
        device = chain[0]
        # the chain goes to a root this platform trusts
        issuing = chain[1]
        device.verify_directly_issued_by(issuing)
        assert any(issuing.issuer == r.subject for r in self.roots)
        binding = body["binding"]
        assert sp.verify_binding(binding, base64.b64decode(body["signature"]), device)
        source = self.expected_source if payload.version >= 2 else None
        expected = sp.binding_dict(payload, sp.data_digest(session["data"]), binding["t"], source)
        assert binding == expected, "the binding does not match the session"
        assert body["v"] == payload.version
        step = body.get("step")
        if step != "key":
            assert payload.nonce not in self.used_nonces, "nonce reused"
            self.used_nonces.add(payload.nonce)
        self.results.setdefault(s, {})[step or "done"] = body
        if payload.operation == "decrypt":
            return self._decrypt(session, body, step)
        if payload.operation == "seal":
            served = self.documents[session["doc"]]
            sealed = base64.b64decode(body["pdf"])
            assert sealed.startswith(served) and len(sealed) > len(served)
        return 200, {"ok": True, "message": f"{payload.operation} ok", "details": {"by": "x"}}

    def _decrypt(self, session, body, step):
        envelope = session.get("envelope", b"")
        if step == "authorize":  # decrypt v2: no wrapped key in the answer
            return 200, {"ok": True, "message": "authorised"}
        assert step == "key"
        box = sp.box_from_json(body["sealed_key"])
        key = ecies.open_box(session["ephemeral"], box, sp.key_aad(session["payload"].nonce))
        session["opened"] = open_with_content_key(envelope, key)
        return 200, {"ok": True, "message": "开标成功"}


def recipient_of(envelope: bytes, tamper_length: bool = False) -> dict:
    """The envelope's key-transport recipient as the platform releases it."""
    info = asn1_cms.ContentInfo.load(envelope)["content"]
    ktri = info["recipient_infos"][0].chosen
    rid = ktri["rid"].chosen
    return sp.WrappedContentKey(
        issuer_der=rid["issuer"].dump(),
        serial=rid["serial_number"].native,
        algorithm=ktri["key_encryption_algorithm"]["algorithm"].dotted,
        encrypted_key=ktri["encrypted_key"].native,
    ).to_json_dict()


def open_with_content_key(envelope: bytes, key: bytes) -> bytes:
    info = asn1_cms.ContentInfo.load(envelope)["content"]
    eci = info["encrypted_content_info"]
    iv = eci["content_encryption_algorithm"].encryption_iv
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(eci["encrypted_content"].native) + decryptor.finalize()
    unpadder = PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def platform(services):
    p = MiniPlatform()
    p.roots = [
        c
        for c in x509.load_pem_x509_certificates(services.ca.chain_pem("bjca").encode())
        if c.issuer == c.subject
    ]
    op = services.review.operator_session()
    pem = services.engine.issue_service_certificate(
        op,
        role="platform",
        institution_id="bjca",
        name=PLATFORM_NAME,
        public_key_pem=p.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        origin=p.origin,
    )
    p.trusted = TrustedPlatform.from_certificate(PLATFORM_ID, PLATFORM_NAME, pem)
    yield p
    p.stop()


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def world(services, company, platform, tmp_path):
    """The company's 企业数字证书 on a laptop, and the laptop's scan service."""
    reg, s = company
    cid = approved_certificate(services, reg, s)
    laptop = new_device(services, tmp_path, "laptop")
    download(services, laptop, s, cid, reg.legal_person_phone)
    clock = Clock()
    scan = PlatformScanService(
        services.ca,
        laptop,
        [platform.trusted],
        NonceStore(tmp_path / "devices" / "laptop" / "scan-nonces.json"),
        clock=clock,
    )
    yield dict(reg=reg, s=s, cid=cid, device=laptop, scan=scan, clock=clock)
    scan.close()


def subject_of(reg) -> dict:
    return {"subject": {"uscc": reg.uscc, "name": reg.company_name}}


def nonce_file(world) -> bytes | None:
    path = world["scan"].nonces.path
    return path.read_bytes() if path.exists() else None


# --- the four operations ----------------------------------------------------------------------


def test_login(world, platform):
    scan, s = world["scan"], world["s"]
    request = scan.read(platform.code("login", {"summary": "登录 山西省公共资源交易平台"}))
    assert request.operation is ScanOperation.LOGIN
    assert request.platform_name == PLATFORM_NAME and request.origin == platform.origin
    assert platform.requests == []  # read fetches nothing
    prompt = scan.prepare(s, request)
    assert [c.certificate_id for c in prompt.certificates] == [world["cid"]]
    assert prompt.certificates[0].kind is CertKind.UNIT
    assert (
        prompt.data_digest
        == hashlib.sha256(platform.sessions[request.session_ref]["data"]).hexdigest()
    )
    assert platform.posts() == []
    outcome = scan.perform(s, prompt, world["cid"], CERT_PASSWORD)
    assert outcome.operation is ScanOperation.LOGIN and outcome.message == "login ok"
    assert outcome.details == {"by": "x"}
    [post] = platform.posts()
    body = post[2]
    device = x509.load_pem_x509_certificate(body["chain"][0].encode())
    assert (
        format(device.serial_number, "x")
        == world["device"].keystore.info(world["cid"]).device_serial_hex
    )
    assert len(body["chain"]) == 2  # device and issuing CA, no root
    # the nonce is spent on this device
    assert request.nonce in nonce_file(world).decode()


def test_the_requester_is_shown_and_where_the_code_was_read_is_signed(world, platform):
    scan, s = world["scan"], world["s"]
    platform.requester.update(address="127.0.0.2", same_address=False)
    platform.expected_source = "camera"
    request = scan.read(platform.code("login"), ScanSource.CAMERA)
    assert request.source is ScanSource.CAMERA
    prompt = scan.prepare(s, request)
    who = prompt.requester
    assert who is not None and who.address == "127.0.0.2" and who.client_address == "127.0.0.1"
    assert not who.same_address
    assert (who.browser, who.system) == ("Chrome 120", "Windows 10/11")
    assert who.at == dt.datetime.fromtimestamp(platform.requester["at"], dt.UTC)
    scan.perform(s, prompt, world["cid"], CERT_PASSWORD)
    [post] = platform.posts()
    assert post[2]["v"] == 2 and post[2]["binding"]["src"] == "camera"
    # A platform that says the addresses agree while they differ is not believed.
    platform.requester.update(same_address=True)
    platform.expected_source = "screen"
    prompt = scan.prepare(s, scan.read(platform.code("login")))
    assert prompt.requester is not None and not prompt.requester.same_address


def test_a_version_2_code_whose_data_does_not_say_who_asked_is_refused(world, platform):
    scan, s = world["scan"], world["s"]
    del platform.requester["address"]
    with pytest.raises(ServiceUnavailable, match="requester"):
        scan.prepare(s, scan.read(platform.code("login")))
    assert platform.posts() == []


def test_a_version_1_platform_is_answered_as_before(world, platform):
    """A version-1 code (an older platform): no requester to show, a version-1 binding
    without src, a version-1 body (docs/scan-protocol.md §8)."""
    scan, s = world["scan"], world["s"]
    request = scan.read(platform.code("login", version=1), ScanSource.CLIPBOARD)
    assert request.version == 1
    prompt = scan.prepare(s, request)
    assert prompt.requester is None
    scan.perform(s, prompt, world["cid"], CERT_PASSWORD)
    [post] = platform.posts()
    assert post[2]["v"] == 1 and "src" not in post[2]["binding"]


def _seal_session(platform, reg, pdf: bytes, **seal):
    platform.documents["bid.pdf"] = pdf
    data = {
        **(subject_of(reg) if reg else {}),
        "summary": "签章《投标函.pdf》",
        "details": [["文件", "投标函.pdf"]],
        "document_url": f"{platform.origin}/doc/bid.pdf",
        "document_sha256": hashlib.sha256(pdf).hexdigest(),
        "document_name": "投标函.pdf",
        "seal": {"kind": "official", "page": 1, "box": [350, 80, 500, 230], **seal},
    }
    text = platform.code("seal", data)
    s = sp.parse(text)[0].session_ref
    platform.sessions[s]["doc"] = "bid.pdf"
    return text, s


def test_seal_validates_with_pyhanko(world, platform, services):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    scan, s, reg = world["scan"], world["s"], world["reg"]
    pdf = pdf_bytes("投标函")
    text, ref = _seal_session(platform, reg, pdf)
    prompt = scan.prepare(s, scan.read(text))
    assert prompt.document == pdf and prompt.document_name == "投标函.pdf"
    assert prompt.seal_image and prompt.seal_image.startswith(b"\x89PNG")
    assert prompt.details == (("文件", "投标函.pdf"),)
    scan.perform(s, prompt, world["cid"], CERT_PASSWORD)
    sealed = base64.b64decode(platform.results[ref]["done"]["pdf"])
    assert sealed.startswith(pdf)  # incremental update of exactly what was served
    reader = PdfFileReader(io.BytesIO(sealed), strict=False)
    # PAdES B-LTA: the seal, then the DSS and a document time-stamp.
    [sig] = reader.embedded_regular_signatures
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert len(reader.embedded_timestamp_signatures) == 1 and "/DSS" in reader.root
    vc = ValidationContext(
        trust_roots=[
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in platform.roots
        ],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")
    assert reg.company_name in status.signing_cert.subject.human_friendly
    # the stamp is the seal image, placed in the requested box
    field = sig.sig_field
    rect = [float(v) for v in field["/Rect"]]
    assert rect == [350, 80, 500, 230]
    ap = field["/AP"]["/N"]
    assert _has_image(ap), "the stamp carries no image"


def _has_image(xobject, depth: int = 0) -> bool:
    resources = xobject.get("/Resources", {})
    for obj in resources.get("/XObject", {}).values():
        obj = obj.get_object()
        if obj.get("/Subtype") == "/Image":
            return True
        if depth < 4 and _has_image(obj, depth + 1):
            return True
    return False


def test_encrypt_then_decrypt(world, platform, services):
    scan, s, cid = world["scan"], world["s"], world["cid"]
    bid = "投标文件：报价 100 万元".encode()
    record, shown = _encrypted_bid(world, platform, bid, project="太原东站改造工程")
    enc_pem = services.ca.certificate_detail(s, cid).encryption_cert_pem
    envelope = cms.make_envelope(record, x509.load_pem_x509_certificate(enc_pem.encode()))
    outcome, opened = _decrypt(world, platform, envelope, shown)
    assert opened == record
    # the result names the bid that was opened, as checked inside the envelope
    assert outcome.details["投标项目"] == "太原东站改造工程"
    assert outcome.details["投标人"] == world["reg"].company_name
    assert outcome.details["SHA-256"] == hashlib.sha256(bid).hexdigest()
    assert scan  # the same service did both


def _encrypted_bid(world, platform, bid: bytes, project: str = "", scan=None, s=None, cid=None):
    """扫码加密 of ``bid`` on this device, and the signed record a platform stores: returns
    (record bytes, the decrypt data's ``bid`` description)."""
    from mobileca_desktop.platform.bids import make_record

    scan, s, cid = scan or world["scan"], s or world["s"], cid or world["cid"]
    reg = world["reg"]
    data = {
        **subject_of(reg),
        "bid_name": "投标文件",
        "bid_sha256": hashlib.sha256(bid).hexdigest(),
        "project": project,
    }
    text = platform.code("encrypt", data)
    ref = sp.parse(text)[0].session_ref
    scan.perform(s, scan.prepare(s, scan.read(text)), cid, CERT_PASSWORD)
    done = platform.results[ref]["done"]
    record = make_record(
        bid_name="投标文件",
        content=bid,
        data_body=platform.sessions[ref]["data"],
        binding=done["binding"],
        signature=base64.b64decode(done["signature"]),
        chain_pem=done["chain"],
    )
    shown = {
        "name": "投标文件",
        "sha256": hashlib.sha256(bid).hexdigest(),
        "project": project,
        "bidder": reg.company_name,
        "sealed_at": done["binding"]["t"],
    }
    return record, shown


def _decrypt_session(world, platform, envelope: bytes, shown: dict, **changes):
    data = {
        **subject_of(world["reg"]),
        "dv": 2,
        "bid_name": shown["name"],
        "bid_sha256": shown["sha256"],
        "bid": shown,
        "envelope_sha256": hashlib.sha256(envelope).hexdigest(),
        **changes,
    }
    text = platform.code("decrypt", data)
    ref = sp.parse(text)[0].session_ref
    platform.sessions[ref]["envelope"] = envelope
    if "envelope_url" not in changes:
        body = json.loads(platform.sessions[ref]["data"])
        body["envelope_url"] = f"{platform.origin}/scan/{ref}/bid.p7m"
        platform.sessions[ref]["data"] = json.dumps(body, ensure_ascii=False).encode()
    return text, ref


def _decrypt(world, platform, envelope: bytes, shown: dict, device_scan=None, s=None, cid=None):
    scan = device_scan or world["scan"]
    s = s or world["s"]
    text, ref = _decrypt_session(world, platform, envelope, shown)
    prompt = scan.prepare(s, scan.read(text))
    # the confirm page shows the bid the client will open (its own rows, not the platform's)
    rows = dict(prompt.details)
    assert rows["投标人"] == shown["bidder"] and rows["SHA-256"] == shown["sha256"]
    assert rows["投标项目"] == (shown["project"] or "（未填写）")
    outcome = scan.perform(s, prompt, cid or world["cid"], CERT_PASSWORD)
    assert outcome.operation is ScanOperation.DECRYPT and outcome.message == "开标成功"
    steps = [r[2].get("step") for r in platform.posts() if r[1] == f"/scan/{ref}/cb"]
    assert steps == ["authorize", "key"]
    return outcome, platform.sessions[ref]["opened"]


def test_decrypt_after_renewal_and_on_a_second_device(world, platform, services, tmp_path):
    reg, s, cid = world["reg"], world["s"], world["cid"]
    old_enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, cid).encryption_cert_pem.encode()
    )
    old_record, old_shown = _encrypted_bid(world, platform, b"bid before renewal")
    old_envelope = cms.make_envelope(old_record, old_enc)
    renewed = services.ca.renew(s, cid, idempotency_key="renew-scan").certificate_id
    download(services, world["device"], s, renewed, reg.legal_person_phone)
    new_enc = x509.load_pem_x509_certificate(
        services.ca.certificate_detail(s, renewed).encryption_cert_pem.encode()
    )
    assert new_enc.serial_number != old_enc.serial_number
    # the renewed certificate opens a bid encrypted (and signed) before the renewal
    assert _decrypt(world, platform, old_envelope, old_shown, cid=renewed)[1] == old_record
    # a second device of the same company opens it too
    desktop = new_device(services, tmp_path, "desktop")
    download(services, desktop, s, renewed, reg.legal_person_phone)
    other = PlatformScanService(
        services.ca, desktop, [platform.trusted], NonceStore(tmp_path / "n2.json")
    )
    try:
        new_record, new_shown = _encrypted_bid(world, platform, b"bid after renewal", cid=renewed)
        envelope = cms.make_envelope(new_record, new_enc)
        assert _decrypt(world, platform, envelope, new_shown, other, cid=renewed)[1] == new_record
        opened = _decrypt(world, platform, old_envelope, old_shown, other, cid=renewed)[1]
        assert opened == old_record
    finally:
        other.close()


def _enc_cert(services, world):
    pem = services.ca.certificate_detail(world["s"], world["cid"]).encryption_cert_pem
    return x509.load_pem_x509_certificate(pem.encode())


def test_decrypt_refuses_a_key_of_the_wrong_length(world, platform, services):
    from cryptography.hazmat.primitives.asymmetric import padding

    enc = _enc_cert(services, world)
    record, shown = _encrypted_bid(world, platform, b"x")
    posted = len(platform.posts())
    # a forged recipient: a 20-byte "content key" encrypted to the company's certificate
    envelope = bytearray(cms.make_envelope(record, enc))
    info = asn1_cms.ContentInfo.load(bytes(envelope))
    ktri = info["content"]["recipient_infos"][0].chosen
    ktri["encrypted_key"] = enc.public_key().encrypt(b"k" * 20, padding.PKCS1v15())
    forged = info.dump(force=True)
    text, _ref = _decrypt_session(world, platform, forged, shown)
    request = world["scan"].read(text)
    from mobileca_desktop.domain.errors import BidRefused

    with pytest.raises(BidRefused) as err:
        world["scan"].perform(
            world["s"], world["scan"].prepare(world["s"], request), world["cid"], CERT_PASSWORD
        )
    assert "content key" in err.value.params["reason"]
    assert len(platform.posts()) == posted  # nothing sent: no authorize, no key


def test_decrypt_opens_only_the_bid_it_shows_and_only_its_own(world, platform, services):
    """A foreign envelope (not to this device's keys, or signed by another company), a bid
    other than the one shown, a swapped envelope, or a bare wrapped key (decrypt data v1):
    refused with a clear message before anything is posted."""
    from mobileca_desktop.domain.errors import BidRefused
    from mobileca_desktop.platform.bids import make_record

    enc = _enc_cert(services, world)
    record, shown = _encrypted_bid(world, platform, b"the real bid", project="A")
    envelope = cms.make_envelope(record, enc)
    posted = len(platform.posts())

    def refused(text, why):
        scan, s = world["scan"], world["s"]
        request = scan.read(text)
        with pytest.raises(BidRefused) as err:
            scan.perform(s, scan.prepare(s, request), world["cid"], CERT_PASSWORD)
        assert err.value.params["reason"] == why, err.value.message
        assert len(platform.posts()) == posted
        assert request.nonce not in (nonce_file(world) or b"").decode()
        return err.value

    # the platform says it is project B, the signed record says A
    text, _ = _decrypt_session(world, platform, envelope, {**shown, "project": "B"})
    refused(text, "the bid is not the one shown")
    # another sealing time than the bidder's signature
    text, _ = _decrypt_session(world, platform, envelope, {**shown, "sealed_at": 12345})
    refused(text, "the bid is not the one shown")
    # a digest other than the one recorded at 扫码加密
    text, _ = _decrypt_session(world, platform, envelope, {**shown, "sha256": "a" * 64})
    refused(text, "the bid's digest is not the one recorded")
    # a record signed by another company, encrypted to this company's certificate
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _self_signed(other_key, "91140100MA0XXXXX0X", "别的公司")
    data_body = json.dumps(
        {"op": "encrypt", "bid_sha256": shown["sha256"], "subject": {"name": shown["bidder"]}}
    ).encode()
    binding = {
        "v": 1, "op": "encrypt", "p": PLATFORM_ID, "o": platform.origin, "s": "x" * 16,
        "n": "y" * 22, "d": sp.data_digest(data_body), "t": shown["sealed_at"],
    }  # fmt: skip
    foreign = make_record(
        bid_name="投标文件",
        content=b"the real bid",
        data_body=data_body,
        binding=binding,
        signature=sp.sign_binding(binding, other_key),
        chain_pem=[other.public_bytes(serialization.Encoding.PEM).decode()],
    )
    text, _ = _decrypt_session(world, platform, cms.make_envelope(foreign, enc), shown)
    refused(text, "the bid was signed by another company or person")
    # an envelope to a certificate this device does not hold
    text, _ = _decrypt_session(world, platform, cms.make_envelope(record, other_enc_cert()), shown)
    refused(text, "the bid is encrypted to another certificate")
    # the envelope served is not the one described
    text, ref = _decrypt_session(world, platform, envelope, shown)
    platform.sessions[ref]["envelope"] = cms.make_envelope(record, enc)  # re-encrypted
    err = refused(text, "the bid envelope is not the one the platform described")
    assert err.code == "bid_refused"
    # decrypt data v1: a bare wrapped key to unwrap, nothing to check it against
    data = {**subject_of(world["reg"]), "bid_name": "x", "bid_sha256": shown["sha256"]}
    text = platform.code("decrypt", data)
    refused(text, "the platform sent no bid envelope, only a key to unwrap")


def _self_signed(key, uscc: str, name: str) -> x509.Certificate:
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def other_enc_cert() -> x509.Certificate:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


# --- refusals: nothing fetched, signed or posted ----------------------------------------------


def _refused(world, platform, text, reason):
    before = nonce_file(world)
    with pytest.raises(ScanRefused) as err:
        world["scan"].read(text)
    assert err.value.params["reason"] == reason
    assert platform.requests == []
    assert nonce_file(world) == before
    return err.value


def test_replay_is_refused_also_by_a_new_service(world, platform, services, tmp_path):
    scan, s = world["scan"], world["s"]
    text = platform.code("login")
    scan.perform(s, scan.prepare(s, scan.read(text)), world["cid"], CERT_PASSWORD)
    platform.requests.clear()
    _refused(world, platform, text, "replayed")
    again = PlatformScanService(services.ca, world["device"], [platform.trusted], scan.nonces)
    with pytest.raises(ScanRefused, match="replayed"):
        again.read(text)
    assert platform.requests == []


def test_expired_and_not_yet_valid(world, platform):
    text = platform.code("login")
    world["clock"].offset = 91
    _refused(world, platform, text, "expired")
    world["clock"].offset = 0
    _refused(world, platform, platform.code("login", now=time.time() + 60), "not_yet_valid")
    # a code read in time but confirmed after it expired signs nothing
    world["clock"].offset = 0
    request = world["scan"].read(platform.code("login"))
    prompt = world["scan"].prepare(world["s"], request)
    world["clock"].offset = 100
    with pytest.raises(ScanRefused, match="expired"):
        world["scan"].perform(world["s"], prompt, world["cid"], CERT_PASSWORD)
    assert platform.posts() == []


def test_tampered_payload(world, platform):
    text = platform.code("login")
    head, body, sig = text.split(".")
    obj = json.loads(sp.unb64url(body))
    obj["exp"] = obj["exp"] + 20  # still well-formed, but not what the platform signed
    forged = f"{head}.{sp.b64url(sp.canonical_json(obj))}.{sig}"
    _refused(world, platform, forged, "bad_signature")
    # signed by another key than the pinned one
    other = ec.generate_private_key(ec.SECP256R1())
    _refused(world, platform, platform.code("login", key=other), "bad_signature")


def test_unsigned(world, platform):
    text = platform.code("login").rsplit(".", 1)[0] + "."
    _refused(world, platform, text, "unsigned")


def test_foreign_callback_and_data_origins(world, platform):
    evil = "http://127.0.0.1:9"
    _refused(world, platform, platform.code("login", callback_url=evil + "/cb"), "foreign_origin")
    _refused(world, platform, platform.code("login", data_url=evil + "/d"), "foreign_origin")
    _refused(world, platform, platform.code("login", origin=evil), "foreign_origin")
    localhost = platform.origin.replace("127.0.0.1", "localhost")
    _refused(world, platform, platform.code("login", data_url=localhost + "/d"), "foreign_origin")


def test_unknown_platform(world, platform):
    _refused(
        world, platform, platform.code("login", platform_id="other.platform"), "unknown_platform"
    )


def test_oversized_and_garbage(world, platform):
    big = "MCA1." + "A" * 700 + ".x"
    for text in (big, "https://example.com", "MCA1.e30."):
        with pytest.raises(ScanPayloadInvalid):
            world["scan"].read(text)
    assert platform.requests == []


def test_wrong_password_signs_and_sends_nothing(world, platform):
    scan, s, cid = world["scan"], world["s"], world["cid"]
    request = scan.read(platform.code("login"))
    prompt = scan.prepare(s, request)
    tries = world["device"].keystore.tries_left(cid)
    with pytest.raises(WrongPassword) as err:
        scan.perform(s, prompt, cid, "Wrong#Password1")
    assert err.value.params["tries_left"] == tries - 1
    assert world["device"].keystore.tries_left(cid) == tries - 1
    assert platform.posts() == [] and nonce_file(world) is None
    # the right password still works with the same request
    scan.perform(s, prompt, cid, CERT_PASSWORD)
    assert len(platform.posts()) == 1


def test_personal_certificate_may_not_encrypt(services, agent, platform, tmp_path, portrait):
    reg, s = agent
    app_id = apply(
        services,
        s,
        kind=CertKind.PERSONAL,
        method=Method.FACE,
        handler=None,
        legal_phone=reg.phone,
        portrait=portrait,
    )
    services.review.approve(services.review.operator_session(), app_id)
    cid = services.ca.get_application(s, app_id).certificate_id
    device = new_device(services, tmp_path, "home")
    download(services, device, s, cid, reg.phone)
    scan = PlatformScanService(
        services.ca, device, [platform.trusted], NonceStore(tmp_path / "nonces.json")
    )
    try:
        for op in ("encrypt", "decrypt"):
            with pytest.raises(ScanRefused) as err:
                scan.prepare(s, scan.read(platform.code(op, {"bid_sha256": "0" * 64})))
            assert err.value.params["reason"] == "certificate_kind"
        # a 公章 cannot be made with a personal certificate either
        text, _ = _seal_session(platform, None, pdf_bytes())
        with pytest.raises(ScanRefused, match="certificate_kind"):
            scan.prepare(s, scan.read(text))
        assert platform.posts() == []
        # but it logs in, and seals with its 个人签名
        scan.perform(s, scan.prepare(s, scan.read(platform.code("login"))), cid, CERT_PASSWORD)
        text, ref = _seal_session(platform, None, pdf_bytes(), kind="signature")
        prompt = scan.prepare(s, scan.read(text))
        assert prompt.certificates[0].kind is CertKind.PERSONAL
        scan.perform(s, prompt, cid, CERT_PASSWORD)
        assert len(platform.posts()) == 2 and "pdf" in platform.results[ref]["done"]
    finally:
        scan.close()


def test_other_subject_and_foreign_certificate_id(world, platform):
    scan, s = world["scan"], world["s"]
    text = platform.code("login", {"subject": {"uscc": "91140000000000000X"}})
    with pytest.raises(ScanRefused, match="operation_not_allowed"):
        scan.prepare(s, scan.read(text))
    prompt = scan.prepare(s, scan.read(platform.code("login")))
    with pytest.raises(ScanRefused, match="certificate_kind"):
        scan.perform(s, prompt, world["cid"] + 1000, CERT_PASSWORD)
    assert platform.posts() == []


def test_seal_refusals(world, platform):
    scan, s, reg = world["scan"], world["s"], world["reg"]
    pdf = pdf_bytes("投标函")
    # the document is elsewhere than the signed origin
    text, ref = _seal_session(platform, reg, pdf)
    platform.sessions[ref]["data"] = platform.sessions[ref]["data"].replace(
        platform.origin.encode(), b"http://127.0.0.1:9"
    )
    with pytest.raises(ScanRefused, match="foreign_origin"):
        scan.prepare(s, scan.read(text))
    # the document is not the one described
    text, ref = _seal_session(platform, reg, pdf)
    platform.documents["bid.pdf"] = pdf_bytes("另一份文件")
    with pytest.raises(ScanRefused, match="bad_signature"):
        scan.prepare(s, scan.read(text))
    # a box outside the page
    from mobileca_desktop.domain.errors import DocumentRejected

    text, ref = _seal_session(platform, reg, pdf, box=[5000, 5000, 5100, 5100])
    with pytest.raises(DocumentRejected):
        scan.prepare(s, scan.read(text))
    assert platform.posts() == []


def test_seal_refusals_come_before_the_password_and_the_user_may_move_the_seal(world, platform):
    """The shared check runs in prepare (before the password): an encrypted or certified PDF
    is refused with its own typed error and nothing is posted or spent. The user's own
    placement is checked against its page before the keys are unlocked, sealed there and
    reported to the platform."""
    from pdf_corpus import CORPUS

    from mobileca_desktop.domain.errors import PdfCertified, PdfEncrypted, SealPositionInvalid

    scan, s, reg, cid = world["scan"], world["s"], world["reg"], world["cid"]
    for case, error in (("encrypted", PdfEncrypted), ("certified_no_changes", PdfCertified)):
        text, _ref = _seal_session(platform, reg, CORPUS[case][0](), box=[40, 40, 160, 160])
        request = scan.read(text)
        with pytest.raises(error):
            scan.prepare(s, request)
        assert request.nonce not in (nonce_file(world) or b"").decode()
    assert platform.posts() == []

    pdf = CORPUS["rotate_90"][0]()  # 595 x 842 turned a quarter: shown landscape
    text, ref = _seal_session(platform, reg, pdf)
    prompt = scan.prepare(s, scan.read(text))
    assert [a.rotate for a in prompt.seal_pages] == [90]
    assert prompt.seal_page == 1 and prompt.seal_box == (350, 80, 500, 230)
    with pytest.raises(SealPositionInvalid):
        scan.perform(s, prompt, cid, CERT_PASSWORD, placement=(1, (500, 800, 640, 900)))
    with pytest.raises(SealPositionInvalid):
        scan.perform(s, prompt, cid, CERT_PASSWORD, placement=(2, (60, 60, 180, 180)))
    assert prompt.request.nonce not in (nonce_file(world) or b"").decode()
    assert platform.posts() == []
    scan.perform(s, prompt, cid, CERT_PASSWORD, placement=(1, (60.4, 60, 180, 180.2)))
    [post] = platform.posts()
    assert post[2]["placement"] == {"page": 1, "box": [60, 60, 180, 180]}
    sealed = base64.b64decode(platform.results[ref]["done"]["pdf"])
    from mobileca_desktop.crypto import pdfcheck

    view = pdfcheck.inspect_sealed(pdf, sealed)
    assert view.page is not None and view.page.number == 1 and view.page.rotate == 90
    assert view.rect == (60, 60, 180, 180)


def test_platform_rejection_and_network_failure(world, platform):
    scan, s = world["scan"], world["s"]
    prompt = scan.prepare(s, scan.read(platform.code("login")))
    platform.reject_with = (403, {"ok": False, "code": "revoked", "message": "证书已吊销"})
    with pytest.raises(PlatformRejected) as err:
        scan.perform(s, prompt, world["cid"], CERT_PASSWORD)
    assert err.value.params["reason"] == "证书已吊销"
    assert err.value.params["code"] == "revoked"
    # the nonce counts as used once posted
    assert prompt.request.nonce in nonce_file(world).decode()
    request = scan.read(platform.code("login"))
    platform.stop()
    with pytest.raises(ServiceUnavailable):
        scan.prepare(s, request)


def test_agent_with_withdrawn_grant_is_refused(services, company, agent, platform, tmp_path):
    reg, s = company
    agent_reg, agent_s = agent
    cid = approved_certificate(services, reg, s)
    pc = new_device(services, tmp_path, "agent-pc")
    grant = services.ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    download(services, pc, agent_s, cid, reg.legal_person_phone)
    scan = PlatformScanService(
        services.ca, pc, [platform.trusted], NonceStore(tmp_path / "agent-nonces.json")
    )
    try:
        prompt = scan.prepare(agent_s, scan.read(platform.code("login", subject_of(reg))))
        [choice] = prompt.certificates
        assert choice.agent_for == reg.company_name and "授权" in choice.label
        scan.perform(agent_s, prompt, cid, CERT_PASSWORD)
        services.ca.withdraw_grant(s, grant.id)
        with pytest.raises(ScanRefused, match="operation_not_allowed"):
            scan.prepare(agent_s, scan.read(platform.code("login", subject_of(reg))))
        assert len(platform.posts()) == 1
    finally:
        scan.close()


# --- the trust list and the nonce store --------------------------------------------------------


def test_trust_list_round_trip_and_checks(platform, services, tmp_path, monkeypatch):
    path = tmp_path / "platforms.json"
    assert load_trust_list(path) == []
    trust_platform(path, platform.trusted)
    assert load_trust_list(path) == [platform.trusted]
    # a TLS certificate is not a platform-signing certificate
    key = ec.generate_private_key(ec.SECP256R1())
    tls = services.engine.issue_service_certificate(
        services.review.operator_session(),
        role="tls",
        institution_id="bjca",
        name="x",
        public_key_pem=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        hostnames=["localhost"],
    )
    with pytest.raises(ConfigurationError, match="platform-signing"):
        TrustedPlatform(PLATFORM_ID, "x", platform.origin, tls).check()
    with pytest.raises(ConfigurationError, match="origin"):
        TrustedPlatform(
            PLATFORM_ID, "x", "http://127.0.0.1:1", platform.trusted.certificate_pem
        ).check()
    path.write_text("{not json")
    with pytest.raises(ConfigurationError):
        load_trust_list(path)
    path.write_text(json.dumps([platform.trusted.to_dict(), platform.trusted.to_dict()]))
    with pytest.raises(ConfigurationError, match="twice"):
        load_trust_list(path)


def test_open_scan_service_reads_the_settings(platform, services, tmp_path):
    from mobileca_desktop.config import Settings

    settings = Settings(data_dir=tmp_path / "data", device="laptop")
    save_trust_list(settings.data_dir / scan_mod.TRUST_FILE, [platform.trusted])
    device = new_device(services, settings.data_dir, "laptop")
    scan = open_scan_service(services.ca, device, settings)
    try:
        assert scan.platforms == {PLATFORM_ID: platform.trusted}
        assert scan.nonces.path == settings.device_dir / "scan-nonces.json"
        assert scan.read(platform.code("login")).platform_id == PLATFORM_ID
    finally:
        scan.close()


def test_nonce_store_prunes_and_survives_damage(tmp_path):
    store = NonceStore(tmp_path / "n.json")
    now = time.time()
    store.spend("p", "old", int(now) - 100, now)
    assert store.seen("p", "old")
    store.spend("p", "new", int(now) + 60, now)
    assert not store.seen("p", "old")  # pruned once expired beyond the tolerance
    assert store.seen("p", "new") and not store.seen("q", "new")
    assert not list(tmp_path.glob("*.tmp"))
    (tmp_path / "n.json").write_text("garbage")
    assert not store.seen("p", "new")
    assert (tmp_path / "n.damaged").exists()


# --- end to end against the platform simulator (mobileca_desktop/platform) ----------------------


@pytest.fixture
def sim(services, tmp_path):
    helpers_platform = pytest.importorskip("helpers_platform")
    running = helpers_platform.start(services, tmp_path)
    yield helpers_platform, running
    running.stop()


@pytest.fixture
def laptop(services, company, tmp_path):
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = new_device(services, tmp_path, "laptop")
    download(services, device, s, cid, reg.legal_person_phone)
    return device, cid


def _validate_sealed(sealed: bytes, original: bytes, services, company_name: str) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    assert sealed.startswith(original)
    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in x509.load_pem_x509_certificates(services.ca.chain_pem("bjca").encode())
        if c.issuer == c.subject
    ]
    [sig] = PdfFileReader(io.BytesIO(sealed), strict=False).embedded_regular_signatures
    vc = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, vc)
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert company_name in status.signing_cert.subject.human_friendly
    assert _has_image(sig.sig_field["/AP"]["/N"])


def test_e2e_login_seal_encrypt_decrypt(services, company, laptop, sim, tmp_path):
    hp, running = sim
    reg, s = company
    device, cid = laptop
    client = hp.client(services, tmp_path, running, device)
    try:
        page = hp.browser(running)
        qr = hp.login_qr(running, page)
        prompt, outcome = hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        assert prompt.request.platform_name == running.name
        assert outcome.operation is ScanOperation.LOGIN
        hp.finish_login(running, page, qr.session_id)

        pdf = pdf_bytes("投标函")
        qr = hp.seal_qr(running, page, pdf)
        prompt, outcome = hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        assert prompt.document == pdf and prompt.seal_image.startswith(b"\x89PNG")
        st = hp.state(running, qr.session_id, page)
        assert st["state"] == "confirmed", st
        sealed = page.get(st["result"]["download"])
        assert sealed.status_code == 200
        _validate_sealed(sealed.content, pdf, services, reg.company_name)

        bid = "投标文件：报价 123 万元".encode()
        qr = hp.encrypt_qr(running, page, bid)
        hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        assert hp.state(running, qr.session_id, page)["state"] == "confirmed"
        [stored, *_] = hp.bids(page)

        qr = hp.decrypt_qr(running, page, stored["id"])
        _prompt, outcome = hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        assert outcome.operation is ScanOperation.DECRYPT
        st = hp.state(running, qr.session_id, page)
        assert st["state"] == "confirmed", st
        assert st["result"]["preview"] == bid.decode()
        # the same QR cannot be answered twice
        with pytest.raises(ScanRefused, match="replayed"):
            client.read(qr.qr_text)
    finally:
        client.close()


def test_e2e_decrypt_after_renewal_and_on_a_second_device(services, company, laptop, sim, tmp_path):
    hp, running = sim
    reg, s = company
    device, cid = laptop
    client = hp.client(services, tmp_path, running, device)
    desktop = new_device(services, tmp_path, "desktop")
    other = None
    try:
        page = _e2e_login(hp, running, client, s, cid)
        bid = b"bid before renewal"
        qr = hp.encrypt_qr(running, page, bid)
        hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
        [stored, *_] = hp.bids(page)
        renewed = services.ca.renew(s, cid, idempotency_key="renew-e2e").certificate_id
        download(services, device, s, renewed, reg.legal_person_phone)
        download(services, desktop, s, renewed, reg.legal_person_phone)
        other = hp.client(services, tmp_path, running, desktop, name="desktop")
        qr = hp.decrypt_qr(running, page, stored["id"])
        hp.scan(other, s, qr.qr_text, renewed, CERT_PASSWORD)
        st = hp.state(running, qr.session_id, page)
        assert st["state"] == "confirmed" and st["result"]["preview"] == bid.decode(), st
    finally:
        client.close()
        if other:
            other.close()


def _e2e_login(hp, running, client, s, cid):
    page = hp.browser(running)
    qr = hp.login_qr(running, page)
    hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
    hp.finish_login(running, page, qr.session_id)
    return page


def test_e2e_agent_with_withdrawn_grant(services, company, agent, sim, tmp_path):
    hp, running = sim
    reg, s = company
    agent_reg, agent_s = agent
    cid = approved_certificate(services, reg, s)
    pc = new_device(services, tmp_path, "agent-pc")
    grant = services.ca.grant(
        s,
        cid,
        AgentDetails(agent_reg.name, agent_reg.id_number, agent_reg.phone),
        dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    )
    download(services, pc, agent_s, cid, reg.legal_person_phone)
    client = hp.client(services, tmp_path, running, pc, name="agent")
    try:
        page = hp.browser(running)
        qr = hp.login_qr(running, page)
        hp.scan(client, agent_s, qr.qr_text, cid, CERT_PASSWORD)
        st = hp.finish_login(running, page, qr.session_id)
        assert agent_reg.name in json.dumps(st, ensure_ascii=False)
        services.ca.withdraw_grant(s, grant.id)
        qr = hp.login_qr(running)
        with pytest.raises(ScanRefused, match="operation_not_allowed"):
            client.prepare(agent_s, client.read(qr.qr_text))
        assert hp.state(running, qr.session_id)["state"] != "confirmed"
    finally:
        client.close()


def test_e2e_every_pdf_the_upload_accepts_is_sealed_and_accepted(
    services, company, laptop, sim, tmp_path
):
    """No outcome is "sealed, then refused": each odd-but-sealable PDF of the corpus goes
    through the platform's upload (the shared check), the real client (the shared check again
    before the password, the seal at the page's default place) and the platform's own check
    of the sealed file; the refused ones are refused at upload with their own code."""
    from pdf_corpus import CORPUS, SEALABLE

    hp, running = sim
    _reg, s = company
    device, cid = laptop
    client = hp.client(services, tmp_path, running, device)
    try:
        page = _e2e_login(hp, running, client, s, cid)
        for case, (make, expected) in CORPUS.items():
            pdf = make()
            if expected != SEALABLE:
                body = {"name": "x.pdf", "pdf": sp.b64(pdf), "seal": "official", "page": 1}
                response = page.post("/api/seal", json=body)
                assert response.status_code == 400 and response.json()["code"] == expected, case
                continue
            qr = hp.seal_qr(running, page, pdf, box=None)
            prompt, _outcome = hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
            assert prompt.seal_pages[0].contains(prompt.seal_box), case
            st = hp.state(running, qr.session_id, page)
            assert st["state"] == "confirmed", (case, st)
        # Damaged files the shared check still accepts (one byte changed): the same.
        for n, pdf in enumerate(_accepted_mutations(CORPUS, count=6)):
            qr = hp.seal_qr(running, page, pdf, box=None)
            hp.scan(client, s, qr.qr_text, cid, CERT_PASSWORD)
            st = hp.state(running, qr.session_id, page)
            assert st["state"] == "confirmed", (n, st)
    finally:
        client.close()


def _accepted_mutations(corpus, count: int) -> list[bytes]:
    """``count`` one-byte mutations of corpus files that ``check_sealable`` accepts
    (deterministic)."""
    import random

    from mobileca_desktop.crypto import pdfcheck
    from mobileca_desktop.domain.errors import MobileCAError

    rng = random.Random(13)
    bases = [corpus[c][0]() for c in ("plain", "compacted_syntax", "incremental_update")]
    out: list[bytes] = []
    while len(out) < count:
        data = bytearray(rng.choice(bases))
        data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        try:
            pdfcheck.check_sealable(bytes(data))
        except MobileCAError:
            continue
        out.append(bytes(data))
    return out
