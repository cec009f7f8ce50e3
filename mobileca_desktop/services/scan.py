"""扫一扫 on this device: the client side of the scan protocol (``docs/scan-protocol.md``).

``PlatformScanService`` implements ``ScanService`` over a ``CAService`` (certificate details,
seal images, the encryption certificate), a ``DeviceService`` (this device's certificates and
their keys), the user's list of trusted platforms and a nonce store. ``read`` runs every
check of §2 before anything is shown; ``prepare`` fetches the operation data from the signed
origin; ``perform`` unlocks the certificate, spends the nonce, signs the binding and posts.
Nothing is signed or sent when a check fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from mobileca_desktop.config import Settings
from mobileca_desktop.crypto import ecies, oids
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import (
    CertificateUnavailable,
    ConfigurationError,
    IllegalState,
    PlatformRejected,
    ScanRefused,
    ServiceUnavailable,
)
from mobileca_desktop.domain.models import CertKind, SealKind, Session, label
from mobileca_desktop.keystore.fileformat import atomic_write
from mobileca_desktop.keystore.keys import UnlockedKeys
from mobileca_desktop.services import bidopen, useragent
from mobileca_desktop.services.api import CAService
from mobileca_desktop.services.device import DeviceCertificateStatus, DeviceService
from mobileca_desktop.services.scan_api import (
    CertificateChoice,
    Requester,
    ScanOperation,
    ScanOutcome,
    ScanPrompt,
    ScanRequest,
    ScanService,
    ScanSource,
)

log = logging.getLogger(__name__)

TRUST_FILE = "platforms.json"
NONCE_FILE = "scan-nonces.json"
DATA_LIMIT = 256 * 1024  # the operation data's JSON
ANSWER_LIMIT = 64 * 1024  # the platform's answer to a post
if TYPE_CHECKING:
    import httpx

    from mobileca_desktop.crypto import pdfcheck
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


def _refuse(reason: str, detail: str) -> ScanRefused:
    return ScanRefused(reason=reason, detail=detail)


def _unavailable(url: str, reason: str) -> ServiceUnavailable:
    return ServiceUnavailable(url=sp.url_origin_or(url), reason=reason)


# --- the trust list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustedPlatform:
    """A trading platform the user trusts: its pinned signing certificate and origin."""

    platform_id: str
    name: str
    origin: str
    certificate_pem: str

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))

    def check(self) -> TrustedPlatform:
        """``self`` if its certificate may sign scan payloads for ``origin``; else
        ``ConfigurationError``."""
        problem = _platform_problem(self)
        if problem:
            raise ConfigurationError(reason=f"trusted platform {self.platform_id!r}: {problem}")
        return self

    def to_dict(self) -> dict[str, str]:
        return {
            "platform_id": self.platform_id,
            "name": self.name,
            "origin": self.origin,
            "certificate_pem": self.certificate_pem,
        }

    @classmethod
    def from_dict(cls, obj: Any) -> TrustedPlatform:
        keys = ("platform_id", "name", "origin", "certificate_pem")
        if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) for k in keys):
            raise ConfigurationError(reason=f"a trusted platform needs {', '.join(keys)}")
        return cls(*(obj[k] for k in keys)).check()

    @classmethod
    def from_certificate(
        cls, platform_id: str, name: str, certificate_pem: str | bytes
    ) -> TrustedPlatform:
        """Trust a platform certificate (the engine's platform profile): the origin is its
        URI SAN."""
        pem = (
            certificate_pem.decode("ascii")
            if isinstance(certificate_pem, bytes)
            else certificate_pem
        )
        try:
            cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        except ValueError as exc:
            raise ConfigurationError(reason="not a PEM certificate") from exc
        origins = _san_origins(cert)
        if len(origins) != 1:
            raise ConfigurationError(reason="the platform certificate must name one origin")
        return cls(platform_id, name, origins[0], pem).check()


def _san_origins(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    out = []
    for uri in san.get_values_for_type(x509.UniformResourceIdentifier):
        with contextlib.suppress(ValueError):
            out.append(sp.url_origin(uri))
    return out


def _platform_problem(tp: TrustedPlatform) -> str | None:
    if not re.fullmatch(r"[a-z0-9.-]{1,64}", tp.platform_id):
        return "the id must be 1-64 characters of [a-z0-9.-]"
    if not tp.name.strip() or len(tp.name) > 100:
        return "a name of 1-100 characters is needed"
    try:
        sp.check_origin(tp.origin)
    except ValueError as exc:
        return f"the origin is not valid ({exc})"
    try:
        cert = tp.certificate()
    except ValueError:
        return "the certificate is not PEM"
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        return "the certificate's key is not EC P-256"
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return "the certificate has no extended key usage"
    if not oids.has_platform_signing_eku(eku):
        return "the certificate is not a platform-signing certificate (EKU)"
    if tp.origin not in _san_origins(cert):
        return "the origin is not the one in the certificate"
    return None


def load_trust_list(path: Path) -> list[TrustedPlatform]:
    """The trusted platforms in ``path`` (none when the file does not exist)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigurationError(reason=f"{Path(path).name} cannot be read ({exc})") from exc
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(reason=f"{Path(path).name} is not JSON") from exc
    if not isinstance(data, list):
        raise ConfigurationError(reason=f"{Path(path).name} must hold a list")
    platforms = [TrustedPlatform.from_dict(item) for item in data]
    ids = [p.platform_id for p in platforms]
    if len(set(ids)) != len(ids):
        raise ConfigurationError(reason=f"{Path(path).name} names a platform twice")
    return platforms


def save_trust_list(path: Path, platforms: Iterable[TrustedPlatform]) -> None:
    items = [p.check().to_dict() for p in platforms]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(path), json.dumps(items, ensure_ascii=False, indent=2).encode("utf-8"))


def trust_platform(path: Path, platform: TrustedPlatform) -> None:
    """Adds or replaces one platform in the trust list file."""
    others = [p for p in load_trust_list(path) if p.platform_id != platform.platform_id]
    save_trust_list(path, [*others, platform.check()])


# --- the nonce store --------------------------------------------------------------------------


class NonceStore:
    """The nonces this device has answered, kept until their ``exp`` (+ tolerance) has
    passed; a JSON file in the device folder, replaced atomically on every change. Every
    read and read-modify-write holds the device profile's cross-process lock (the folder's
    ``locking.folder_lock``), so two windows on one profile cannot both spend one nonce."""

    def __init__(self, path: Path, tolerance: int = sp.IAT_TOLERANCE) -> None:
        self.path = Path(path)
        self.tolerance = tolerance

    def _locked(self):
        from mobileca_desktop.locking import folder_lock

        return folder_lock(self.path.parent).hold()

    @staticmethod
    def _key(platform_id: str, nonce: str) -> str:
        return f"{platform_id} {nonce}"

    def _load(self) -> dict[str, int]:
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, UnicodeDecodeError):
            # The platform refuses a reused nonce as well, and every nonce here lives for
            # at most ~150 s: a damaged file is set aside rather than block 扫一扫 for good.
            log.warning("the scan nonce store %s is damaged; starting a new one", self.path)
            with contextlib.suppress(OSError):  # under the lock: no writer meets the move
                self.path.replace(self.path.with_suffix(".damaged"))
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: v
            for k, v in data.items()
            if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
        }

    def seen(self, platform_id: str, nonce: str) -> bool:
        if not self.path.parent.is_dir():
            return False
        with self._locked():
            return self._key(platform_id, nonce) in self._load()

    def spend(self, platform_id: str, nonce: str, expires_at: int, now: float) -> None:
        """Records the nonce (and drops the expired ones) before anything is posted; a nonce
        already spent, by this or another process, is ``ScanRefused(replayed)``."""
        with self._locked():
            entries = {k: exp for k, exp in self._load().items() if exp + self.tolerance >= now}
            if self._key(platform_id, nonce) in entries:
                raise _refuse("replayed", "this code was already used on this device")
            entries[self._key(platform_id, nonce)] = int(expires_at)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(entries, sort_keys=True).encode("ascii"))


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
        der = self._get(shown.envelope_url, bidopen.bidrecord.MAX_ENVELOPE_BYTES)
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
        placement: tuple[int, pdfcheck.Box] | None = None,
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
        state: _Prepared, placement: tuple[int, pdfcheck.Box] | None
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


def _rejection(raw: bytes, status: int) -> PlatformRejected:
    code, message = f"http_{status}", f"HTTP {status}"
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        obj = json.loads(raw)
        if isinstance(obj, dict):
            code = _short(obj.get("code"), 64) or code
            message = _short(obj.get("message"), 300) or message
    return PlatformRejected(reason=message, code=code)


def _outcome(op: ScanOperation, answer: dict[str, Any]) -> ScanOutcome:
    details = {}
    raw = answer.get("details")
    if isinstance(raw, dict):
        for key, value in list(raw.items())[:20]:
            if isinstance(key, str) and isinstance(value, str | int):
                details[key[:60]] = str(value)[:300]
    return ScanOutcome(operation=op, message=_short(answer.get("message"), 300), details=details)


def _within(cert: x509.Certificate, now: float) -> bool:
    return cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp()


def _json_object(raw: bytes, url: str) -> dict[str, Any]:
    try:
        obj = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _unavailable(url, "the answer is not JSON") from None
    if not isinstance(obj, dict):
        raise _unavailable(url, "the answer is not a JSON object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _short(value: Any, limit: int) -> str:
    """A display string from the platform: text only, control characters dropped, cut."""
    if not isinstance(value, str):
        return ""
    clean = "".join(c for c in value if c.isprintable())
    return clean[:limit]


def _details(value: Any, url: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _unavailable(url, "details must be a list of pairs")
    rows = []
    for row in value[:30]:
        if not (isinstance(row, list) and len(row) == 2):
            raise _unavailable(url, "details must be a list of pairs")
        rows.append((_short(row[0], 40), _short(row[1], 300)))
    return tuple(rows)


def _requester(data: dict[str, Any], payload: sp.Payload) -> Requester:
    """Who asked (version 2's ``requester``): required, checked for shape, shown as text."""
    raw = data.get("requester")
    url = payload.data_url
    if not isinstance(raw, dict):
        raise _unavailable(url, "the operation data does not say who asked (requester)")
    address, client, at = raw.get("address"), raw.get("client_address"), raw.get("at")
    same = raw.get("same_address")
    if not (
        isinstance(address, str)
        and address
        and isinstance(client, str)
        and isinstance(raw.get("user_agent"), str)
        and isinstance(at, int)
        and not isinstance(at, bool)
        and 0 <= at < 2**40
        and isinstance(same, bool)
    ):
        raise _unavailable(url, "the requester's address, User-Agent, time or flag")
    user_agent = _short(raw["user_agent"], 300)
    browser, system = useragent.describe(user_agent)
    return Requester(
        address=_short(address, 64),
        user_agent=user_agent,
        browser=browser,
        system=system,
        at=dt.datetime.fromtimestamp(at, dt.UTC),
        client_address=_short(client, 64),
        # Shown as the platform says, and never "same" when the two texts differ.
        same_address=same and address == client,
    )


def _subject(data: dict[str, Any], url: str) -> dict[str, str]:
    subject = data.get("subject")
    if subject is None:
        return {}
    if not isinstance(subject, dict):
        raise _unavailable(url, "subject must be an object")
    out = {}
    for key in ("uscc", "name"):
        value = subject.get(key)
        if isinstance(value, str) and value:
            out[key] = value
    return out


def _file_name(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return _short(name, 120) or "document.pdf"


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _chain_pems(unlocked: UnlockedKeys) -> list[str]:
    """The device certificate and its issuing CA(s), without the self-signed root."""
    certs = [unlocked.device_certificate] + [c for c in unlocked.chain if c.issuer != c.subject]
    return [c.public_bytes(Encoding.PEM).decode("ascii") for c in certs]


def _check_encryption_certificate(pem: str) -> None:
    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertificateUnavailable(status="without a readable encryption certificate") from exc


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
