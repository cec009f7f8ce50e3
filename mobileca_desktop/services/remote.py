"""Remote implementations of the service interfaces: the same calls over HTTP to
``mobileca-ca serve`` (httpx), returning the same domain objects and raising the same typed
errors as the local ones.

- Errors: the server's ``{"code","message","params"}`` body becomes the same typed error
  (``error_from_dict``). A server that cannot be reached, times out, or answers something
  unreadable raises ``ServiceUnavailable``; the caller keeps everything the user entered
  and may simply call again.
- Retries: only where a repeat cannot do anything twice: reads (GET), OCSP, and writes
  that carry an idempotency key (create_application, submit, renew, activate). Any request
  is retried when the connection could not even be opened (nothing was sent).
- TLS: verification is never turned off. ``ca_root`` (the CA root's PEM) is the only
  trust anchor; or ``root_fingerprint`` (the SHA-256 the server prints at start-up, the
  client's ``--ca-root-sha256``) pins the root, which is then fetched once from
  ``/ca/tls-root.crt`` and accepted only if its fingerprint matches. Plain ``http://`` is
  for loopback servers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    ActivationResult,
    AgentDetails,
    ApplicationInfo,
    CertificateDetail,
    CertificateRow,
    ClockInfo,
    DepositNotice,
    DocumentInfo,
    GrantInfo,
    InboxMessage,
    Institution,
    LegalEntityRegistration,
    PersonalRegistration,
    ReviewItem,
    RevocationReason,
    Session,
)
from mobileca_desktop.domain.wire import WireError, from_wire, to_wire
from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService

API = "/api/v1"
RETRY_STATUSES = {502, 503, 504}


def _q(value: Any) -> str:
    return quote(str(value), safe="")


def _fingerprint(text: str) -> str:
    return text.replace(":", "").replace(" ", "").strip().lower()


class _Http:
    """One connection pool to the server; every request goes through ``call``."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: ssl.SSLContext | bool,
        timeout: float,
        connect_timeout: float,
        retries: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.client = httpx.Client(
            base_url=self.base_url,
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    def close(self) -> None:
        self.client.close()

    def _unavailable(self, reason: str) -> E.ServiceUnavailable:
        return E.ServiceUnavailable(url=self.base_url, reason=reason)

    def request(
        self,
        method: str,
        path: str,
        *,
        session: Session | None = None,
        json_body: Any = None,
        params: dict | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = False,
    ) -> httpx.Response:
        hdrs = dict(headers or {})
        if session is not None:
            hdrs["Authorization"] = f"Bearer {session.token}"
        safe = idempotent or method == "GET" or "Idempotency-Key" in hdrs
        delay = 0.2
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self.client.request(
                    method, path, json=json_body, params=params, content=content, headers=hdrs
                )
            except httpx.ConnectError as exc:
                # Nothing reached the server: any request may be tried again.
                if attempt <= self.retries:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise self._unavailable(f"cannot connect ({_reason(exc)})") from None
            except httpx.TimeoutException:
                if safe and attempt <= self.retries:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise self._unavailable("no answer in time") from None
            except httpx.TransportError as exc:
                if safe and attempt <= self.retries:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise self._unavailable(f"connection failed ({_reason(exc)})") from None
            if resp.status_code in RETRY_STATUSES and safe and attempt <= self.retries:
                time.sleep(delay)
                delay *= 2
                continue
            if resp.status_code >= 400:
                raise self._error(resp)
            return resp

    def _error(self, resp: httpx.Response) -> E.MobileCAError:
        try:
            data = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            data = None
        if (
            isinstance(data, dict)
            and isinstance(data.get("code"), str)
            and isinstance(data.get("params", {}), dict)
        ):
            if data["code"] in E.ALL_ERRORS:
                try:
                    return E.error_from_dict(data)
                except TypeError:
                    pass
            elif resp.status_code < 500:
                return E.MobileCAError(str(data.get("message") or data["code"]))
        return self._unavailable(f"HTTP {resp.status_code}")

    def json(self, method: str, path: str, tp: Any = None, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        if resp.status_code == 204:
            return None
        try:
            data = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
            raise self._unavailable("the answer is not JSON") from None
        if tp is None:
            return data
        try:
            return from_wire(tp, data)
        except WireError as exc:
            raise self._unavailable(f"unexpected answer ({exc})") from None

    def field(self, data: Any, name: str) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get(name), str):
            raise self._unavailable(f"unexpected answer (no {name})")
        return data[name]


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _idem(key: str | None) -> dict[str, str]:
    return {"Idempotency-Key": key} if key else {}


class RemoteCAService(CAService):
    def __init__(self, http: _Http) -> None:
        self.http = http

    # identity (三晋通)
    def institutions(self) -> list[Institution]:
        return self.http.json("GET", f"{API}/institutions", list[Institution])

    def register_legal(self, reg: LegalEntityRegistration) -> Account:
        return self.http.json("POST", f"{API}/accounts/legal", Account, json_body=to_wire(reg))

    def register_personal(self, reg: PersonalRegistration) -> Account:
        body = to_wire(reg)
        return self.http.json("POST", f"{API}/accounts/personal", Account, json_body=body)

    def login(self, kind: AccountKind, login_name: str, password: str) -> Session:
        body = {"kind": AccountKind(kind).value, "login_name": login_name, "password": password}
        return self.http.json("POST", f"{API}/sessions", Session, json_body=body)

    def logout(self, session: Session) -> None:
        self.http.request("DELETE", f"{API}/sessions/current", session=session, idempotent=True)

    def me(self, session: Session) -> Account:
        return self.http.json("GET", f"{API}/me", Account, session=session)

    def elicence_text(self, session: Session) -> str:
        data = self.http.json("GET", f"{API}/me/elicence", session=session)
        return self.http.field(data, "text")

    # applications (证书新办)
    def create_application(self, session, kind, institution_id, *, idempotency_key=None):
        return self.http.json(
            "POST",
            f"{API}/applications",
            ApplicationInfo,
            session=session,
            json_body={"kind": to_wire(kind), "institution_id": institution_id},
            headers=_idem(idempotency_key),
        )

    def get_application(self, session, app_id):
        return self.http.json(
            "GET", f"{API}/applications/{_q(app_id)}", ApplicationInfo, session=session
        )

    def list_applications(self, session):
        return self.http.json("GET", f"{API}/applications", list[ApplicationInfo], session=session)

    def application_agents(self, session) -> list[AgentDetails]:
        return self.http.json("GET", f"{API}/agents", list[AgentDetails], session=session)

    def _app(self, method: str, session, app_id, tail: str, body: Any = None, **kw):
        return self.http.json(
            method,
            f"{API}/applications/{_q(app_id)}/{tail}",
            ApplicationInfo,
            session=session,
            json_body=body,
            **kw,
        )

    def set_method(self, session, app_id, method):
        return self._app("PUT", session, app_id, "method", {"method": to_wire(method)})

    def set_handler(self, session, app_id, handler, agent: AgentDetails | None = None):
        body = {"handler": to_wire(handler), "agent": to_wire(agent)}
        return self._app("PUT", session, app_id, "handler", body)

    def verify_face(self, session, app_id, photo, filename="face.jpg"):
        body = {"photo": to_wire(bytes(photo)), "filename": filename}
        return self._app("POST", session, app_id, "face", body)

    def verify_elicence(self, session, app_id, qr_text):
        return self._app("POST", session, app_id, "elicence", {"qr_text": qr_text})

    def start_deposit(self, session, app_id) -> DepositNotice:
        return self.http.json(
            "POST", f"{API}/applications/{_q(app_id)}/deposit", DepositNotice, session=session
        )

    def confirm_deposit(self, session, app_id, amount):
        return self._app("POST", session, app_id, "deposit/confirm", {"amount": amount})

    def confirm_auth_code(self, session, app_id, code):
        return self._app("POST", session, app_id, "auth-code", {"code": code})

    def upload_document(self, session, app_id, kind, data, filename) -> DocumentInfo:
        body = {"kind": to_wire(kind), "filename": filename, "data": to_wire(bytes(data))}
        return self.http.json(
            "POST",
            f"{API}/applications/{_q(app_id)}/documents",
            DocumentInfo,
            session=session,
            json_body=body,
        )

    def remove_document(self, session, app_id, document_id) -> None:
        self.http.request(
            "DELETE",
            f"{API}/applications/{_q(app_id)}/documents/{_q(document_id)}",
            session=session,
        )

    def get_document(self, session, document_id) -> tuple[DocumentInfo, bytes]:
        return _document(self.http, session, document_id)

    def request_signing_code(self, session, app_id) -> None:
        self.http.request("POST", f"{API}/applications/{_q(app_id)}/signing-code", session=session)

    def submit(self, session, app_id, sms_code, idempotency_key=None):
        return self._app(
            "POST",
            session,
            app_id,
            "submit",
            {"sms_code": sms_code},
            headers=_idem(idempotency_key),
        )

    def continue_application(self, session, app_id):
        return self._app("POST", session, app_id, "continue")

    def discard_draft(self, session, app_id) -> None:
        self.http.request("DELETE", f"{API}/applications/{_q(app_id)}", session=session)

    # certificates (证书管理), activation, grants
    def list_certificates(self, session) -> list[CertificateRow]:
        return self.http.json("GET", f"{API}/certificates", list[CertificateRow], session=session)

    def certificate_detail(self, session, certificate_id, device_name=None) -> CertificateDetail:
        params = {"device_name": device_name} if device_name is not None else None
        return self.http.json(
            "GET",
            f"{API}/certificates/{_q(certificate_id)}",
            CertificateDetail,
            session=session,
            params=params,
        )

    def renew(self, session, certificate_id, idempotency_key=None) -> CertificateDetail:
        return self.http.json(
            "POST",
            f"{API}/certificates/{_q(certificate_id)}/renew",
            CertificateDetail,
            session=session,
            headers=_idem(idempotency_key),
        )

    def request_change(self, session, certificate_id, changes) -> ApplicationInfo:
        return self.http.json(
            "POST",
            f"{API}/certificates/{_q(certificate_id)}/change",
            ApplicationInfo,
            session=session,
            json_body={"changes": dict(changes or {})},
        )

    def revoke(self, session, certificate_id, reason=RevocationReason.UNSPECIFIED) -> None:
        self.http.request(
            "POST",
            f"{API}/certificates/{_q(certificate_id)}/revoke",
            session=session,
            json_body={"reason": to_wire(RevocationReason(reason))},
        )

    def revoke_device_certificate(
        self, session, serial_hex, reason=RevocationReason.KEY_COMPROMISE
    ) -> None:
        self.http.request(
            "POST",
            f"{API}/device-certificates/{_q(serial_hex)}/revoke",
            session=session,
            json_body={"reason": to_wire(RevocationReason(reason))},
        )

    def request_activation_code(self, session, certificate_id) -> str:
        data = self.http.json(
            "POST", f"{API}/certificates/{_q(certificate_id)}/activation-code", session=session
        )
        return self.http.field(data, "phone_masked")

    def activate(
        self,
        session,
        certificate_id,
        *,
        csr_pem,
        transport_public_key_pem,
        sms_code,
        device_name,
        idempotency_key,
    ) -> ActivationResult:
        if not idempotency_key:
            raise E.InvalidInput(field="idempotency_key", reason="required")
        body = {
            "csr_pem": _text(csr_pem),
            "transport_public_key_pem": _text(transport_public_key_pem),
            "sms_code": sms_code,
            "device_name": device_name,
        }
        return self.http.json(
            "POST",
            f"{API}/certificates/{_q(certificate_id)}/activate",
            ActivationResult,
            session=session,
            json_body=body,
            headers=_idem(idempotency_key),
        )

    def grant(self, session, certificate_id, agent, valid_until) -> GrantInfo:
        if not isinstance(valid_until, dt.datetime) or valid_until.tzinfo is None:
            raise E.InvalidInput(field="valid_until", reason="needs a time zone")
        return self.http.json(
            "POST",
            f"{API}/certificates/{_q(certificate_id)}/grants",
            GrantInfo,
            session=session,
            json_body={"agent": to_wire(agent), "valid_until": to_wire(valid_until)},
        )

    def list_grants(self, session) -> list[GrantInfo]:
        return self.http.json("GET", f"{API}/grants", list[GrantInfo], session=session)

    def withdraw_grant(self, session, grant_id) -> GrantInfo:
        return self.http.json(
            "POST", f"{API}/grants/{_q(grant_id)}/withdraw", GrantInfo, session=session
        )

    # public PKI material
    def chain_pem(self, institution_id) -> str:
        data = self.http.json("GET", f"{API}/institutions/{_q(institution_id)}/chain")
        return self.http.field(data, "pem")

    def crl(self, institution_id) -> bytes:
        return self.http.request("GET", f"/crl/{_q(institution_id)}.crl").content

    def root_crl(self, institution_id) -> bytes:
        return self.http.request("GET", f"/crl/{_q(institution_id)}-root.crl").content

    def ocsp(self, institution_id, request_der) -> bytes:
        return self.http.request(
            "POST",
            f"/ocsp/{_q(institution_id)}",
            content=bytes(request_der),
            headers={"Content-Type": "application/ocsp-request"},
            idempotent=True,
        ).content

    def timestamp(self, institution_id, request_der) -> bytes:
        return self.http.request(
            "POST",
            f"/tsa/{_q(institution_id)}",
            content=bytes(request_der),
            headers={"Content-Type": "application/timestamp-query"},
            idempotent=True,
        ).content


def _text(value: bytes | str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("ascii")
        except UnicodeDecodeError:
            raise E.CsrRejected(reason="PEM must be ASCII text") from None
    return value


def _document(http: _Http, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]:
    data = http.json("GET", f"{API}/documents/{_q(document_id)}", session=session)
    if not isinstance(data, dict):
        raise http._unavailable("unexpected answer")
    try:
        return from_wire(DocumentInfo, data.get("document")), from_wire(bytes, data.get("data"))
    except WireError as exc:
        raise http._unavailable(f"unexpected answer ({exc})") from None


class RemoteReviewService(ReviewService):
    """The reviewer over HTTP: reviewer accounts log in with ``login``. On a demo server the
    trainer may also act as the CA operator with the token the server printed."""

    def __init__(self, http: _Http, operator_token: str | None = None) -> None:
        self.http = http
        self._operator_token = operator_token

    def operator_session(self) -> Session:
        if not self._operator_token:
            raise E.PermissionDenied(action="act as the CA operator on a remote CA")
        return Session(
            token=self._operator_token,
            account_id=0,
            kind=AccountKind.REVIEWER,
            display_name="CA 操作员",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        )

    def login(self, login_name, password) -> Session:
        body = {"kind": AccountKind.REVIEWER.value, "login_name": login_name, "password": password}
        return self.http.json("POST", f"{API}/sessions", Session, json_body=body)

    def queue(self, session) -> list[ReviewItem]:
        return self.http.json("GET", f"{API}/review/queue", list[ReviewItem], session=session)

    def item(self, session, app_id) -> ReviewItem:
        return self.http.json(
            "GET", f"{API}/review/applications/{_q(app_id)}", ReviewItem, session=session
        )

    def document(self, session, document_id) -> tuple[DocumentInfo, bytes]:
        return _document(self.http, session, document_id)

    def _act(self, session, app_id, action: str, reason: str | None = None) -> ApplicationInfo:
        return self.http.json(
            "POST",
            f"{API}/review/applications/{_q(app_id)}/{action}",
            ApplicationInfo,
            session=session,
            json_body=None if reason is None else {"reason": reason},
        )

    def accept_letter(self, session, app_id):
        return self._act(session, app_id, "accept-letter")

    def reject_letter(self, session, app_id, reason):
        return self._act(session, app_id, "reject-letter", reason)

    def approve(self, session, app_id):
        return self._act(session, app_id, "approve")

    def reject(self, session, app_id, reason):
        return self._act(session, app_id, "reject", reason)

    def cancel(self, session, app_id, reason):
        return self._act(session, app_id, "cancel", reason)


class RemoteInboxService(InboxService):
    """The simulated phones; served only by a CA started with ``--demo``."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def messages(self, phone, after_id=0) -> list[InboxMessage]:
        return self.http.json(
            "GET",
            f"{API}/demo/inbox/{_q(phone)}",
            list[InboxMessage],
            params={"after_id": int(after_id)},
        )


class RemoteClockService(ClockService):
    """The demo clock; served only by a CA started with ``--demo``."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def info(self) -> ClockInfo:
        return self.http.json("GET", f"{API}/demo/clock", ClockInfo)

    def advance(self, session, seconds) -> ClockInfo:
        return self.http.json(
            "POST",
            f"{API}/demo/clock/advance",
            ClockInfo,
            session=session,
            json_body={"seconds": int(seconds)},
        )

    def reset(self, session) -> ClockInfo:
        return self.http.json("POST", f"{API}/demo/clock/reset", ClockInfo, session=session)


def tls_context(ca_root_pem: bytes) -> ssl.SSLContext:
    """A context that trusts only the given CA root and checks the host name."""
    # Not ssl.create_default_context: it would also trust the system's roots.
    pinned = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    pinned.minimum_version = ssl.TLSVersion.TLSv1_2
    pinned.check_hostname = True
    pinned.verify_mode = ssl.CERT_REQUIRED
    pinned.load_verify_locations(cadata=ca_root_pem.decode("ascii"))
    return pinned


def fetch_pinned_root(base_url: str, fingerprint: str, timeout: float = 10.0) -> bytes:
    """Downloads the server's TLS root from ``/ca/tls-root.crt`` and returns its PEM only if
    its SHA-256 equals ``fingerprint``. The certificate is public; the pin authenticates it,
    and every later request is verified against it."""
    bootstrap = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bootstrap.check_hostname = False
    bootstrap.verify_mode = ssl.CERT_NONE
    url = base_url.rstrip("/") + "/ca/tls-root.crt"
    try:
        resp = httpx.get(url, verify=bootstrap, timeout=timeout)
    except httpx.HTTPError as exc:
        raise E.ServiceUnavailable(url=base_url, reason=f"cannot fetch the root ({exc})") from None
    if resp.status_code != 200:
        raise E.ServiceUnavailable(url=base_url, reason=f"no TLS root (HTTP {resp.status_code})")
    der = resp.content
    if hashlib.sha256(der).hexdigest() != _fingerprint(fingerprint):
        raise E.ConfigurationError(
            reason="the CA server's root does not match the pinned SHA-256 fingerprint"
        )
    cert = x509.load_der_x509_certificate(der)
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class RemoteServices:
    """The four services over one HTTP connection pool, chosen once at start-up."""

    url: str
    ca: RemoteCAService
    review: RemoteReviewService
    inbox: RemoteInboxService
    clock: RemoteClockService
    _http: _Http

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        ca_root: Path | bytes | None = None,
        root_fingerprint: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 2,
        operator_token: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> RemoteServices:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise E.ConfigurationError(reason=f"not an http(s) URL: {url!r}")
        verify: ssl.SSLContext | bool = True
        if parts.scheme == "https":
            if ca_root is not None:
                pem = ca_root if isinstance(ca_root, bytes) else Path(ca_root).read_bytes()
                verify = tls_context(pem)
            elif root_fingerprint:
                verify = tls_context(fetch_pinned_root(url, root_fingerprint, connect_timeout))
        http = _Http(
            url,
            verify=verify,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retries=retries,
            transport=transport,
        )
        return cls(
            url=url,
            ca=RemoteCAService(http),
            review=RemoteReviewService(http, operator_token),
            inbox=RemoteInboxService(http),
            clock=RemoteClockService(http),
            _http=http,
        )

    def close(self) -> None:
        self._http.close()
