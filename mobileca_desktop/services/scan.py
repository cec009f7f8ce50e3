"""扫一扫 on this device: the client side of the scan protocol (``docs/scan-protocol.md``).

``PlatformScanService`` implements ``ScanService`` over a ``CAService`` (certificate details,
seal images, the encryption certificate), a ``DeviceService`` (this device's certificates and
their keys), the user's list of trusted platforms and a nonce store. ``read`` runs every
check of §2 before anything is shown; ``prepare`` fetches the operation data from the signed
origin; ``perform`` unlocks the certificate, spends the nonce, signs the binding and posts.
Nothing is signed or sent when a check fails. The trusted platforms and the nonce store
are in ``scan_trust``, the readers of what a platform sends in ``scan_data``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography import x509

from mobileca_desktop.config import Settings
from mobileca_desktop.crypto import bidrecord, ecies
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import IllegalState
from mobileca_desktop.domain.models import CertKind, SealKind, Session, label
from mobileca_desktop.keystore.keys import UnlockedKeys
from mobileca_desktop.services import bidopen
from mobileca_desktop.services.api import CAService
from mobileca_desktop.services.device import DeviceCertificateStatus, DeviceService
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    ScanOperation,
    ScanOutcome,
    ScanPrompt,
    ScanRequest,
    ScanService,
    ScanSource,
)
from mobileca_desktop.services.scan_data import (
    _attr,
    _chain_pems,
    _check_encryption_certificate,
    _details,
    _file_name,
    _json_object,
    _outcome,
    _refuse,
    _rejection,
    _requester,
    _short,
    _subject,
    _unavailable,
    _within,
)
from mobileca_desktop.services.scan_trust import (
    NonceStore,
    TrustedPlatform,
    load_trust_list,
    save_trust_list,
    trust_platform,
)

log = logging.getLogger(__name__)

__all__ = [
    "ALLOWED",
    "ANSWER_LIMIT",
    "DATA_LIMIT",
    "NONCE_FILE",
    "SEAL_OF_KIND",
    "TRUST_FILE",
    "NonceStore",
    "PlatformScanService",
    "TrustedPlatform",
    "load_trust_list",
    "open_scan_service",
    "save_trust_list",
    "trust_platform",
]

TRUST_FILE = "platforms.json"
NONCE_FILE = "scan-nonces.json"
DATA_LIMIT = 256 * 1024  # the operation data's JSON
ANSWER_LIMIT = 64 * 1024  # the platform's answer to a post
if TYPE_CHECKING:
    import httpx

    from mobileca_desktop.crypto import pdfcheck, pdfpages
    from mobileca_desktop.services import ltv, pdfseal

# pyHanko (services/pdfseal.py and ltv.py, ~1 s to import with its aiohttp) loads at the first
# 签章, and httpx (~0.1-0.3 s, and its TLS context) at the first request to a platform, not
# when the client opens 扫一扫 at start-up (bench/startup.py).

TIMEOUT_SECONDS, CONNECT_TIMEOUT_SECONDS = 15.0, 5.0

# Which kinds of certificate may do what (§2 step 7): a personal certificate logs in and seals
# with 个人签名; only a company's certificates encrypt and decrypt its bids.
ALLOWED: dict[CertKind, frozenset[ScanOperation]] = {
    CertKind.UNIT: frozenset(ScanOperation),
    CertKind.LEGAL_REP: frozenset(ScanOperation),
    CertKind.PERSONAL: frozenset({ScanOperation.LOGIN, ScanOperation.SEAL}),
}
SEAL_OF_KIND: dict[CertKind, SealKind] = {
    CertKind.UNIT: SealKind.OFFICIAL,
    CertKind.LEGAL_REP: SealKind.LEGAL_REP,
    CertKind.PERSONAL: SealKind.SIGNATURE,
}
_HEX64 = re.compile(r"[0-9a-f]{64}")


# --- the service ------------------------------------------------------------------------------


@dataclass
class _Prepared:
    payload: sp.Payload
    platform: TrustedPlatform
    source: ScanSource = ScanSource.SCREEN
    digest: str = ""
    data: dict[str, Any] | None = None
    choices: tuple[CertificateChoice, ...] = ()
    document: bytes | None = None
    document_name: str | None = None
    placement: pdfseal.SealPlacement | None = None
    seal_kind: SealKind | None = None
    sealable: pdfcheck.SealablePdf | None = None
    bid: tuple[bidopen.ShownBid, Any] | None = None  # decrypt: the bid shown, its envelope


class PlatformScanService(ScanService):
    """扫一扫 for one device against the platforms the user trusts."""

    def __init__(
        self,
        ca: CAService,
        keys: DeviceService,
        platforms: Iterable[TrustedPlatform],
        nonces: NonceStore,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] | None = None,
        pades_level: ltv.PadesLevel | None = None,  # None: ltv.DEFAULT_LEVEL
    ) -> None:
        self.ca = ca
        self.pades_level = pades_level
        self.keys = keys
        self.platforms = {p.platform_id: p.check() for p in platforms}
        self.nonces = nonces
        self._client = http
        self._owns_http = http is None
        self._client_lock = threading.Lock()
        self.clock = clock or time.time
        self._read: dict[str, _Prepared] = {}  # by nonce: payloads that passed ``read``
        self._lock = threading.Lock()

    @property
    def _http(self) -> httpx.Client:
        """The HTTP client, made at the first request (see the imports above)."""
        with self._client_lock:
            if self._client is None:
                import httpx

                timeout = httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
                self._client = httpx.Client(timeout=timeout, follow_redirects=False)
            return self._client

    def close(self) -> None:
        if self._owns_http and self._client is not None:
            self._client.close()

    # --- read: §2 -------------------------------------------------------------------------

    def read(self, text: str, source: ScanSource = ScanSource.SCREEN) -> ScanRequest:
        source = ScanSource(source)
        payload, signed, signature = sp.parse(text)  # 1. ScanPayloadInvalid
        platform = self.platforms.get(payload.platform_id)
        if platform is None:  # 2.
            raise _refuse("unknown_platform", f"platform {payload.platform_id!r} is not trusted")
        now = self.clock()
        cert = platform.certificate()
        if not _within(cert, now):
            raise _refuse("unknown_platform", "the platform's pinned certificate is not valid now")
        if not signature:  # 3.
            raise _refuse("unsigned", "the code carries no signature")
        if not sp.verify_payload_signature(signed, signature, cert):
            raise _refuse("bad_signature", "the signature does not verify")
        if payload.origin != platform.origin:  # 4.
            raise _refuse("foreign_origin", "the code names another origin than the platform's")
        for url in (payload.data_url, payload.callback_url):
            if not sp.same_origin(url, platform.origin):
                raise _refuse("foreign_origin", f"{sp.url_origin_or(url)} is not the platform")
        self._check_time(payload, now)  # 5.
        if self.nonces.seen(payload.platform_id, payload.nonce):  # 6.
            raise _refuse("replayed", "this code was already used on this device")
        with self._lock:
            self._forget_expired(now)
            self._read[payload.nonce] = _Prepared(payload, platform, source)
        return self._request(payload, platform, source)

    @staticmethod
    def _check_time(payload: sp.Payload, now: float) -> None:
        if now > payload.expires_at:
            raise _refuse("expired", "the code has expired")
        if payload.issued_at > now + sp.IAT_TOLERANCE:
            raise _refuse("not_yet_valid", "the code was issued in the future")

    def _forget_expired(self, now: float) -> None:
        for nonce in [n for n, p in self._read.items() if p.payload.expires_at < now - 300]:
            del self._read[nonce]

    @staticmethod
    def _request(payload: sp.Payload, platform: TrustedPlatform, source: ScanSource) -> ScanRequest:
        return ScanRequest(
            version=payload.version,
            operation=ScanOperation(payload.operation),
            platform_id=payload.platform_id,
            platform_name=platform.name,
            origin=payload.origin,
            session_ref=payload.session_ref,
            callback_url=payload.callback_url,
            nonce=payload.nonce,
            expires_at=dt.datetime.fromtimestamp(payload.expires_at, dt.UTC),
            source=source,
        )

    def _state(self, request: ScanRequest) -> _Prepared:
        """The checked payload behind ``request`` (only what ``read`` let through), checked
        again for time and reuse."""
        with self._lock:
            state = self._read.get(request.nonce)
        if state is None or self._request(state.payload, state.platform, state.source) != request:
            raise IllegalState(action="use a scan request", state="not read by this service")
        self._check_time(state.payload, self.clock())
        if self.nonces.seen(state.payload.platform_id, state.payload.nonce):
            raise _refuse("replayed", "this code was already used on this device")
        return state

    # --- prepare: §3 ----------------------------------------------------------------------

    def prepare(self, session: Session, request: ScanRequest) -> ScanPrompt:
        state = self._state(request)
        payload = state.payload
        op = ScanOperation(payload.operation)
        body = self._get(payload.data_url, DATA_LIMIT)
        state.digest = sp.data_digest(body)
        data = _json_object(body, payload.data_url)
        if data.get("v") != payload.version or data.get("op") != payload.operation:
            raise _unavailable(payload.data_url, "the operation data is for another operation")
        if data.get("s") != payload.session_ref:
            raise _unavailable(payload.data_url, "the operation data is for another session")
        requester = _requester(data, payload) if payload.version >= 2 else None
        state.data = data
        subject = _subject(data, payload.data_url)
        summary = _short(data.get("summary"), 200) or request.platform_name
        details = _details(data.get("details"), payload.data_url)
        if op is ScanOperation.SEAL:
            self._fetch_document(state, data)
        if op in (ScanOperation.ENCRYPT, ScanOperation.DECRYPT):
            bid_sha = data.get("bid_sha256")
            if not isinstance(bid_sha, str) or not _HEX64.fullmatch(bid_sha):
                raise _unavailable(payload.data_url, "the operation data has no bid_sha256")
        state.choices = self._choices(session, op, subject, state.seal_kind)
        if op is ScanOperation.DECRYPT:  # the bid shown is the client's reading of it
            details = self._fetch_bid(state, data)
        seal_image = None
        if op is ScanOperation.SEAL and state.choices:
            seal_image = self._seal_png(session, state.choices[0], state.seal_kind)
        return ScanPrompt(
            request=request,
            summary=summary,
            details=details,
            document=state.document,
            document_name=state.document_name,
            seal_image=seal_image,
            seal_pages=state.sealable.pages if state.sealable else (),
            seal_page=state.placement.page if state.placement else 1,
            seal_box=state.placement.box if state.placement else None,
            certificates=state.choices,
            data_digest=state.digest,
            requester=requester,
        )

    def _fetch_document(self, state: _Prepared, data: dict[str, Any]) -> None:
        from mobileca_desktop.services import pdfseal

        url = data.get("document_url")
        digest = data.get("document_sha256")
        seal = data.get("seal")
        if not isinstance(url, str) or not isinstance(digest, str) or not isinstance(seal, dict):
            raise _unavailable(state.payload.data_url, "the seal data is incomplete")
        if not sp.same_origin(url, state.platform.origin):
            raise _refuse("foreign_origin", f"the document is on {sp.url_origin_or(url)}")
        try:
            kind = SealKind(seal.get("kind", SealKind.OFFICIAL))
            page = seal.get("page", 1)
            box = seal.get("box")
            if not (isinstance(page, int) and not isinstance(page, bool) and 1 <= page < 10_000):
                raise ValueError("page")
            if not (
                isinstance(box, list)
                and len(box) == 4
                and all(isinstance(v, int | float) and not isinstance(v, bool) for v in box)
            ):
                raise ValueError("box")
        except ValueError:
            raise _unavailable(state.payload.data_url, "the seal's kind, page or box") from None
        pdf = self._get(url, pdfseal.MAX_PDF_BYTES)
        if hashlib.sha256(pdf).hexdigest() != digest.lower():
            raise _refuse("bad_signature", "the document is not the one the platform described")
        name = _short(data.get("document_name"), 120) or _file_name(url)
        placement = pdfseal.SealPlacement(page, tuple(float(v) for v in box))  # type: ignore[arg-type]
        # The shared check, trial seal included, before the password is asked for.
        state.sealable = pdfseal.check_placement(pdf, placement, name)
        state.document, state.document_name = pdf, name
        state.placement, state.seal_kind = placement, kind

    def _fetch_bid(self, state: _Prepared, data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
        """扫码解密: the bid described (refused if the platform sends only a wrapped key) and
        its envelope, checked to be the one described. The rows shown are the client's."""
        shown = bidopen.describe(data)
        if not sp.same_origin(shown.envelope_url, state.platform.origin):
            raise _refuse("foreign_origin", f"the bid is on {sp.url_origin_or(shown.envelope_url)}")
        der = self._get(shown.envelope_url, bidrecord.MAX_ENVELOPE_BYTES)
        state.bid = (shown, bidopen.check_envelope(shown, der))
        return shown.rows()

    def _choices(
        self,
        session: Session,
        op: ScanOperation,
        subject: dict[str, str],
        seal_kind: SealKind | None,
    ) -> tuple[CertificateChoice, ...]:
        statuses = self.keys.statuses(session)
        if not statuses:
            raise _refuse("operation_not_allowed", "the account has no certificate")
        of_kind = [
            s
            for s in statuses
            if op in ALLOWED.get(s.kind, frozenset())
            and (seal_kind is None or SEAL_OF_KIND.get(s.kind) is seal_kind)
        ]
        if not of_kind:
            kinds = "、".join(sorted({label(s.kind) or s.kind for s in statuses}))
            raise _refuse("certificate_kind", f"{kinds} cannot do {op.value}")
        usable = [s for s in of_kind if s.usable]
        matching = [s for s in usable if self._matches(s, subject)]
        if not matching:
            why = "the platform asks for another subject" if usable else "none usable here"
            raise _refuse("operation_not_allowed", f"no certificate on this device: {why}")
        return tuple(self._choice(s) for s in matching)

    def _device_certificate(self, certificate_id: int) -> x509.Certificate:
        info = self.keys.keystore.info(certificate_id)
        return x509.load_pem_x509_certificate(info.device_cert_pem.encode("ascii"))

    def _matches(self, status: DeviceCertificateStatus, subject: dict[str, str]) -> bool:
        if not subject:
            return True
        name = self._device_certificate(status.certificate_id).subject
        uscc = _attr(name, x509.NameOID.ORGANIZATION_IDENTIFIER)
        if "uscc" in subject and subject["uscc"] != uscc:
            return False
        if "name" in subject:
            names = {
                _attr(name, x509.NameOID.ORGANIZATION_NAME),
                _attr(name, x509.NameOID.COMMON_NAME),
                status.subject_name,
            }
            if subject["name"] not in names:
                return False
        return True

    @staticmethod
    def _choice(status: DeviceCertificateStatus) -> CertificateChoice:
        kind_word = label(status.kind) or status.kind.value
        text = f"{kind_word} · {status.subject_name}"
        if status.granted_by:
            text += f"（{status.granted_by}授权）"
        return CertificateChoice(
            certificate_id=status.certificate_id,
            kind=status.kind,
            subject_name=status.subject_name,
            label=text,
            agent_for=status.granted_by,
        )

    def _seal_png(
        self, session: Session, choice: CertificateChoice, seal_kind: SealKind | None
    ) -> bytes:
        wanted = seal_kind or SEAL_OF_KIND[choice.kind]
        detail = self.ca.certificate_detail(session, choice.certificate_id, self.keys.device_name)
        for seal in detail.seals:
            if seal.kind is wanted or seal.kind == wanted.value:
                return seal.png
        raise _refuse("certificate_kind", f"the certificate has no {wanted.value} seal")

    # --- perform: §4 ----------------------------------------------------------------------

    def perform(
        self,
        session: Session,
        prompt: ScanPrompt,
        certificate_id: int,
        password: str,
        *,
        placement: tuple[int, pdfpages.Box] | None = None,
    ) -> ScanOutcome:
        state = self._state(prompt.request)
        if state.data is None:
            raise IllegalState(action="perform a scan", state="not prepared")
        payload = state.payload
        op = ScanOperation(payload.operation)
        choice = next((c for c in state.choices if c.certificate_id == certificate_id), None)
        if choice is None:
            raise _refuse("certificate_kind", "this certificate may not do this request")
        # Everything that needs no secret is fetched (and checked) before the keys are unlocked.
        where = self._placement(state, placement) if op is ScanOperation.SEAL else None
        seal_image = (
            self._seal_png(session, choice, state.seal_kind) if op is ScanOperation.SEAL else None
        )
        long_term = None
        if op is ScanOperation.SEAL:
            # The CA's time-stamps and revocation data are fetched before the keys are
            # unlocked too; the device certificate and chain are public (services/ltv.py).
            from mobileca_desktop.services import ltv

            device_cert = self._device_certificate(certificate_id)
            level = self.pades_level or ltv.DEFAULT_LEVEL
            long_term = ltv.gather(self.ca, device_cert, level)
        enc_pem = None
        if op is ScanOperation.ENCRYPT:
            detail = self.ca.certificate_detail(session, certificate_id, self.keys.device_name)
            enc_pem = detail.encryption_cert_pem
            _check_encryption_certificate(enc_pem)
        with self.keys.unlock(certificate_id, password) as unlocked:
            binding = sp.binding_dict(payload, state.digest, int(self.clock()), state.source.value)
            signature = unlocked.sign(sp.binding_bytes(binding))
            body: dict[str, Any] = {
                "v": payload.version,
                "s": payload.session_ref,
                "n": payload.nonce,
                "binding": binding,
                "signature": sp.b64(signature),
                "chain": _chain_pems(unlocked),
            }
            if op is ScanOperation.SEAL:
                assert state.document is not None and where is not None
                from mobileca_desktop.services import pdfseal

                signer = pdfseal.KeystoreSigner(
                    unlocked.sign, unlocked.device_certificate, unlocked.chain
                )
                signed_pdf = pdfseal.seal_pdf(
                    state.document,
                    signer,
                    where,
                    seal_image or b"",
                    name=state.document_name or "document.pdf",
                    signer_name=choice.subject_name,
                    long_term=long_term,
                )
                body["pdf"] = sp.b64(signed_pdf)
                body["placement"] = {"page": where.page, "box": list(where.box)}
            elif op is ScanOperation.ENCRYPT:
                body["encryption_certificate"] = enc_pem
            elif op is ScanOperation.DECRYPT:
                return self._decrypt(state, unlocked, body)
            self._spend(payload)
            answer = self._post(payload.callback_url, body)
        self._done(payload)
        return _outcome(op, answer)

    @staticmethod
    def _placement(
        state: _Prepared, placement: tuple[int, pdfpages.Box] | None
    ) -> pdfseal.SealPlacement:
        """Where the seal goes: the user's choice on the confirm page, checked to lie on the
        page it names, or where the platform asked for it. Rounded as it is drawn."""
        from mobileca_desktop.services import pdfseal

        assert state.sealable is not None and state.placement is not None
        page, box = placement or (state.placement.page, state.placement.box)
        checked = state.sealable.check_box(page, list(box))
        return pdfseal.SealPlacement(page, tuple(float(round(v)) for v in checked))  # type: ignore[arg-type]

    def _decrypt(
        self, state: _Prepared, unlocked: UnlockedKeys, body: dict[str, Any]
    ) -> ScanOutcome:
        payload = state.payload
        k = payload.ephemeral_public_key()
        if state.bid is None:
            raise IllegalState(action="open a bid", state="no bid envelope was fetched")
        shown, parts = state.bid
        # Only the bid shown, and only this subject's own: checked before anything is sent.
        content_key = bidopen.open_bid(
            unlocked,
            shown,
            parts,
            platform_id=state.platform.platform_id,
            origin=state.platform.origin,
        )
        self._spend(payload)
        self._post(payload.callback_url, {**body, "step": "authorize"})
        # The key box: the content key sealed (ECIES) to this session's ephemeral key k.
        key_box = ecies.seal(k, content_key, sp.key_aad(payload.nonce))
        del content_key
        final = self._post(
            payload.callback_url, {**body, "step": "key", "sealed_key": sp.sealed_to_json(key_box)}
        )
        self._done(payload)
        outcome = _outcome(ScanOperation.DECRYPT, final)
        return dataclasses.replace(outcome, details={**dict(shown.rows()), **outcome.details})

    def _spend(self, payload: sp.Payload) -> None:
        self.nonces.spend(payload.platform_id, payload.nonce, payload.expires_at, self.clock())

    def _done(self, payload: sp.Payload) -> None:
        with self._lock:
            self._read.pop(payload.nonce, None)

    # --- HTTP -----------------------------------------------------------------------------

    def _get(self, url: str, limit: int) -> bytes:
        return self._exchange("GET", url, None, limit)

    def _post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        raw = self._exchange("POST", url, body, ANSWER_LIMIT)
        answer = _json_object(raw, url)
        if answer.get("ok") is not True:
            raise _unavailable(url, "the platform's answer is not ok")
        return answer

    def _exchange(self, method: str, url: str, body: dict[str, Any] | None, limit: int) -> bytes:
        import httpx

        self._http.cookies.clear()  # no credentials of any kind go to the platform
        try:
            with self._http.stream(method, url, json=body) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data.extend(chunk)
                    if len(data) > limit:
                        raise _unavailable(url, f"the answer is larger than {limit} bytes")
                status = response.status_code
        except httpx.HTTPError as exc:
            raise _unavailable(url, type(exc).__name__) from None
        if 400 <= status < 500:
            raise _rejection(bytes(data), status)
        if status != 200:
            raise _unavailable(url, f"HTTP {status}")
        return bytes(data)


# --- the app's factory ------------------------------------------------------------------------


def open_scan_service(
    ca: CAService,
    keys: DeviceService,
    settings: Settings,
    *,
    clock: Callable[[], float] | None = None,
    http: httpx.Client | None = None,
) -> PlatformScanService:
    """扫一扫 for ``settings.device``: trusted platforms from ``<data dir>/platforms.json``,
    nonces in the device folder."""
    platforms = load_trust_list(settings.data_dir / TRUST_FILE)
    nonces = NonceStore(settings.device_dir / NONCE_FILE)
    return PlatformScanService(ca, keys, platforms, nonces, clock=clock, http=http)
