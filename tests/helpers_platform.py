"""The trading-platform simulator in tests: start it on the test's CA, make scan sessions over
HTTP as its pages do, and (for the platform's own tests and attacks) answer them with a real
device key and certificate from the engine, built with ``crypto/scanproto.py``.

For H3 (client) and H8 (GUI) tests::

    platform = start(services, tmp_path)          # RunningPlatform on 127.0.0.1:<port>
    trust = trusted(platform)                     # what the client pins (TrustedPlatform)
    web = browser(platform)                       # the browser showing the pages (cookies)
    sid, text, png = login_qr(platform, web)      # a login QR as the home page shows it
    ... the client scans ``text`` (or decodes ``png``) and answers ...
    finish_login(platform, web, sid)              # the page sees 已确认, its user 确认登录
    sid, text, png = seal_qr(platform, web, pdf)  # then seal / encrypt / decrypt QRs
    bids(web)[0]["id"]                            # the bid a decrypt_qr opens
    state(platform, sid)["state"]                 # waiting / scanned / confirmed / ...
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import NamedTuple

import httpx
from conftest import pdf_bytes
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from helpers_flow import Device

from mobileca_desktop.crypto import ecies, scanproto
from mobileca_desktop.platform.run import PlatformConfig, RunningPlatform, start_platform
from mobileca_desktop.services.scan import TrustedPlatform


def start(services, tmp_path, **config) -> RunningPlatform:
    """A platform on loopback (port picked) trusting the test's in-process CA
    (``services.engine``): roots, OCSP and the demo clock. Stop it with ``.stop()``."""
    return start_platform(
        PlatformConfig(data_dir=tmp_path / "platform", engine=services.engine, **config)
    )


def trusted(platform: RunningPlatform) -> TrustedPlatform:
    """What the client adds to its trusted list, read from ``/.well-known/mobileca-platform``
    as a user's client would (``services.scan.TrustedPlatform``, checked: platform-signing
    EKU, origin = the certificate's URI SAN)."""
    info = httpx.get(f"{platform.url}/.well-known/mobileca-platform").json()
    return TrustedPlatform(
        platform_id=info["platform_id"],
        name=info["name"],
        origin=info["origin"],
        certificate_pem=info["certificate_pem"],
    ).check()


def browser(platform: RunningPlatform) -> httpx.Client:
    """The browser that shows the platform's pages: an HTTP client with a cookie jar (it gets
    a session's binding cookie when it asks for a QR, and the login cookie when its user
    confirms a scanned login: ``finish_login``)."""
    client = httpx.Client(base_url=platform.url, timeout=30)
    client.get("/").raise_for_status()
    return client


class ScanQR(NamedTuple):
    session_id: str
    qr_text: str
    qr_png: bytes


# The browser that made each session (sid → client): ``state`` polls as that page does.
_PAGES: dict[str, httpx.Client] = {}


def _qr(web: httpx.Client, path: str, body: dict) -> ScanQR:
    response = web.post(path, json=body)
    if response.status_code != 200:
        raise AssertionError(f"{path}: {response.status_code} {response.text}")
    data = response.json()
    _PAGES[data["sid"]] = web
    png = web.get(data["qr_png"])
    png.raise_for_status()
    return ScanQR(data["sid"], data["qr_text"], png.content)


def login_qr(platform: RunningPlatform, web: httpx.Client | None = None) -> ScanQR:
    """A login QR as the home page shows it (``POST /api/scan/login``)."""
    return _qr(web or browser(platform), "/api/scan/login", {})


def seal_qr(
    platform: RunningPlatform,
    web: httpx.Client,
    pdf: bytes | None = None,
    seal: str = "official",
    page: int = 1,
    box=(380, 80, 520, 220),
    name: str = "投标函.pdf",
) -> ScanQR:
    """A 扫码签章 QR for ``pdf`` (default: a one-page test PDF) in ``web``'s logged-in
    platform session (``web``: a ``browser`` after ``finish_login``); ``seal`` is
    official / legal_rep / signature, ``page`` 1-based, ``box`` in PDF points (or None)."""
    body = {
        "name": name,
        "pdf": scanproto.b64(pdf if pdf is not None else pdf_bytes("投标函")),
        "seal": seal,
        "page": page,
    }
    if box is not None:  # None: the platform places the seal (the page's default)
        body["box"] = list(box)
    return _qr(web, "/api/seal", body)


def encrypt_qr(
    platform: RunningPlatform,
    web: httpx.Client,
    content: bytes,
    name: str = "投标文件.txt",
    project: str = "太原东站改造工程",
) -> ScanQR:
    """A 扫码加密 QR for the bid ``content`` (of ``project``) in ``web``'s logged-in platform
    session."""
    body = {"name": name, "content": scanproto.b64(content), "project": project}
    return _qr(web, "/api/encrypt", body)


def decrypt_qr(platform: RunningPlatform, web: httpx.Client, bid_id: str) -> ScanQR:
    """A 扫码解密 (开标) QR for the stored bid ``bid_id`` (see ``bids``)."""
    return _qr(web, "/api/decrypt", {"bid_id": bid_id})


def state(platform: RunningPlatform, session_id: str, web: httpx.Client | None = None) -> dict:
    """The session's live state as the page polls it: ``state`` (waiting / scanned /
    authorized / confirmed / rejected / expired), ``state_text``, ``code``, ``message``,
    ``result``. Polled by ``web`` (default: the browser that made the session, which alone
    sees who answered; a poll never logs the browser in)."""
    client = web or _PAGES.get(session_id)
    if client is None:
        return anonymous_state(platform, session_id)
    return client.get(f"{platform.url}/api/scan/{session_id}").json()


def anonymous_state(platform: RunningPlatform, session_id: str) -> dict:
    """The state as anyone else who knows the session reference sees it (no cookies)."""
    return httpx.get(f"{platform.url}/api/scan/{session_id}").json()


def confirm_login(web: httpx.Client, session_id: str) -> httpx.Response:
    """确认登录 as the page's button posts it (same origin, with the binding cookie)."""
    return web.post(f"/api/scan/{session_id}/login", headers={"Sec-Fetch-Site": "same-origin"})


def decline_login(web: httpx.Client, session_id: str) -> httpx.Response:
    """不是我 as the page's button posts it."""
    return web.post(f"/api/scan/{session_id}/decline", headers={"Sec-Fetch-Site": "same-origin"})


def finish_login(platform: RunningPlatform, web: httpx.Client, session_id: str) -> dict:
    """Polls as the login page does; once the scan is confirmed the page asks "以 X 身份登录？"
    and its user clicks 确认登录: only then does the page hold the login cookie. Returns the
    poll's state (``result["subject"]``: who answered)."""
    st = state(platform, session_id, web)
    assert st["state"] == "confirmed", st
    assert st["result"]["confirm"] == "pending", st
    assert not web.cookies.get("mca_login"), "a poll must not log the page in"
    response = confirm_login(web, session_id)
    assert response.status_code == 200, response.text
    assert web.cookies.get("mca_login"), "the page did not get the login cookie"
    return st


def bids(web: httpx.Client) -> list[dict]:
    """The logged-in subject's stored bids (newest first)."""
    response = web.get("/api/bids")
    response.raise_for_status()
    return response.json()


# --- answering with a real device key (platform tests, attacks) ------------------------------


def activated_device(services, session, certificate_id: int, phone: str, name="pc") -> Device:
    """A device holding the certificate: its own signing key and an engine-issued device
    certificate, with the escrowed encryption keys opened (``helpers_flow.Device``)."""
    device = Device(name)
    device.activate(services, session, certificate_id, phone)
    inst = _institution_of(services, device.cert)
    device.chain = [
        device.cert,
        *x509.load_pem_x509_certificates(services.engine.chain_pem(inst).encode()),
    ][:2]
    return device


def _institution_of(services, cert: x509.Certificate) -> str:
    for inst in services.engine.institutions():
        issuing = x509.load_pem_x509_certificates(services.engine.chain_pem(inst.id).encode())[0]
        if issuing.subject == cert.issuer:
            return inst.id
    raise AssertionError("no institution issued this certificate")


@dataclass
class Fetched:
    payload: scanproto.Payload
    body: bytes  # the operation data, exactly as served
    data: dict


def fetch(qr_text: str) -> Fetched:
    """What a client does after reading the QR: parse it and GET the operation data."""
    payload, _signed, _sig = scanproto.parse(qr_text)
    response = httpx.get(payload.data_url)
    response.raise_for_status()
    return Fetched(payload, response.content, json.loads(response.content))


def answer(
    fetched: Fetched, device: Device, *, now: int | None = None, source: str = "screen", **extra
) -> dict:
    """A signed answer body (binding over the fetched data, the code read from ``source``)
    with ``extra`` fields added."""
    binding = scanproto.binding_dict(
        fetched.payload,
        scanproto.data_digest(fetched.body),
        now if now is not None else int(time.time()),
        source,
    )
    return {
        "v": scanproto.VERSION,
        "s": fetched.payload.session_ref,
        "n": fetched.payload.nonce,
        "binding": binding,
        "signature": scanproto.b64(scanproto.sign_binding(binding, device.signing_key)),
        "chain": [c.public_bytes(serialization.Encoding.PEM).decode() for c in device.chain],
        **extra,
    }


def post(fetched: Fetched, body: dict) -> httpx.Response:
    return httpx.post(fetched.payload.callback_url, json=body, timeout=30)


def clock_now(services) -> int:
    return int(services.engine.clock.now().timestamp())


def login_with(platform, services, device: Device, web: httpx.Client | None = None):
    """Logs ``web`` (default: a new browser) into the platform by a login scan answered
    with ``device``; returns the logged-in browser."""
    web = web or browser(platform)
    qr = login_qr(platform, web)
    fetched = fetch(qr.qr_text)
    response = post(fetched, answer(fetched, device, now=clock_now(services)))
    assert response.status_code == 200, response.text
    finish_login(platform, web, qr.session_id)
    return web


def seal_answer(fetched: Fetched, device: Device, services, pdf: bytes | None = None) -> dict:
    """Seals the served PDF (or ``pdf``) with ``device``'s key through pyHanko, a visible
    signature in the requested box, and returns the signed answer carrying it."""
    if pdf is None:
        pdf = httpx.get(fetched.data["document_url"]).content
        assert hashlib.sha256(pdf).hexdigest() == fetched.data["document_sha256"]
    seal = fetched.data["seal"]
    sealed = seal_with(pdf, device, seal["page"], seal["box"], services)
    return answer(fetched, device, now=clock_now(services), pdf=scanproto.b64(sealed))


def seal_with(pdf: bytes, device: Device, page: int, box, services=None, level=None) -> bytes:
    """A seal by ``device`` (key, certificate and chain) through the client's own sealing
    code (``services.pdfseal``): PAdES at ``level`` (default B-LTA, time-stamps and
    revocation data from ``services``' CA; B-B when ``services`` is None)."""
    import io

    from PIL import Image

    from mobileca_desktop.services import ltv, pdfseal

    png = io.BytesIO()
    Image.new("RGBA", (64, 64), (200, 0, 0, 255)).save(png, "PNG")
    if level is None:
        level = ltv.PadesLevel.B_LTA if services is not None else ltv.PadesLevel.B_B
    long_term = ltv.gather(services.ca, device.cert, level) if services else None
    signer = pdfseal.KeystoreSigner(
        lambda data: device.signing_key.sign(data, ec.ECDSA(hashes.SHA256())),
        device.cert,
        device.chain[1:],
    )
    placement = pdfseal.SealPlacement(page, tuple(float(v) for v in box))
    return pdfseal.seal_pdf(pdf, signer, placement, png.getvalue(), long_term=long_term)


def encryption_certificate(services, session, certificate_id: int) -> x509.Certificate:
    """The certificate's current encryption certificate, as the engine reports it."""
    detail = services.ca.certificate_detail(session, certificate_id)
    pem = detail.encryption_cert_pem
    return x509.load_pem_x509_certificate(pem.encode())


def envelope_wrapped(fetched: Fetched) -> dict:
    """The wrapped content key of the bid envelope a decrypt session's data points to (the
    platform sends the envelope, never a bare wrapped key: decrypt data ``dv`` = 2)."""
    from mobileca_desktop.crypto import bidrecord

    assert fetched.data["dv"] == 2
    der = httpx.get(fetched.data["envelope_url"]).content
    assert hashlib.sha256(der).hexdigest() == fetched.data["envelope_sha256"]
    return bidrecord.envelope_parts(der).wrapped.to_json_dict()


def decrypt_key_answer(
    fetched: Fetched, device: Device, wrapped: dict, signature: str | None = None
) -> dict:
    """Step (b) of 扫码解密: unwrap the content key with the escrowed RSA key of any
    generation and seal it to the session's ephemeral key ``k``; the body repeats step
    (a)'s ``signature`` as the client does."""
    from cryptography.hazmat.primitives.asymmetric import padding

    key = scanproto.WrappedContentKey.from_json_dict(wrapped)
    rsa_key = device.encryption_keys[format(key.serial, "x")]
    content_key = rsa_key.decrypt(key.encrypted_key, padding.PKCS1v15())
    assert len(content_key) in scanproto.CONTENT_KEY_LENGTHS
    box = ecies.encrypt_to(
        fetched.payload.ephemeral_public_key(),
        content_key,
        scanproto.key_aad(fetched.payload.nonce),
    )
    return {
        "v": scanproto.VERSION,
        "s": fetched.payload.session_ref,
        "n": fetched.payload.nonce,
        "signature": signature,
        "step": "key",
        "sealed_key": scanproto.box_to_json(box),
    }


# --- the real client (services/scan.py) --------------------------------------------------


def client(services, tmp_path, platform: RunningPlatform, device_service, name: str = "pc"):
    """The client's ``PlatformScanService`` for ``device_service`` (a ``DeviceService``
    from ``helpers_keystore.new_device``), trusting ``platform``, on the CA's clock."""
    from mobileca_desktop.services.scan import NonceStore, PlatformScanService

    return PlatformScanService(
        services.ca,
        device_service,
        [trusted(platform)],
        NonceStore(tmp_path / f"nonces-{name}.json"),
        clock=lambda: services.engine.clock.now().timestamp(),
    )


def scan(scan_service, session, qr_text: str, certificate_id: int, password: str):
    """扫一扫 as the user does it: read, look at the prompt, enter the password."""
    request = scan_service.read(qr_text)
    prompt = scan_service.prepare(session, request)
    return prompt, scan_service.perform(session, prompt, certificate_id, password)
