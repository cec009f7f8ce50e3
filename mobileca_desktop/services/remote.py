"""Remote implementations of the service interfaces: the same calls over HTTP to
``mobileca-ca serve`` (httpx), returning the same domain objects and raising the same typed
errors as the local ones. Derived from the declarations in ``domain/api.py``: ``_call`` builds each
JSON request from its operation's declaration; only the DER endpoints (CRLs, OCSP, the TSA)
are written here by hand.

- Errors: the server's ``{"code","message","params"}`` body becomes the same typed error
  (``error_from_dict``). A server that cannot be reached, times out, or answers something
  unreadable raises ``ServiceUnavailable``; the caller keeps everything the user entered
  and may simply call again.
- Retries: only where a repeat cannot do anything twice: operations declared idempotent
  (reads, logout, OCSP, the TSA) and writes that carry an idempotency key
  (create_application, submit, renew, activate). Any request is retried when the
  connection could not even be opened (nothing was sent).
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
from typing import Any, get_args, get_origin
from urllib.parse import quote, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AccountKind, Session
from mobileca_desktop.domain.operations import (
    API,
    IDEMPOTENCY_KEY,
    SESSION,
    Bound,
    Operation,
    coerce,
    implementation,
)
from mobileca_desktop.domain.wire import WireError, from_wire, to_wire
from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService

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
        params: dict[str, Any] | None = None,
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


def _wire_value(op: Operation, name: str, value: Any) -> Any:
    """One argument as the JSON the server reads, checked as the server would refuse it."""
    tp = op.signature.parameters[name].annotation
    if name in op.pem:
        return _text(value)
    if tp is dt.datetime and (not isinstance(value, dt.datetime) or value.tzinfo is None):
        raise E.InvalidInput(field=name, reason="needs a time zone")
    if get_origin(tp) is dict or tp is dict:
        value = dict(value or {})
    if tp is int and not isinstance(value, bool):
        value = int(value)
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    return to_wire(value)


def _call(http: _Http, op: Operation, arguments: dict[str, Any]) -> Any:
    """Does a declared JSON operation over HTTP: path and query from its parameters, the
    session as the bearer token, the idempotency key as its header, the rest as the JSON
    body; the answer read back as the declared result type."""
    if op.method is None or op.path is None:
        raise TypeError(f"{op.key} is not a JSON operation")
    args = coerce(op, arguments)
    session = args.pop(SESSION, None) if op.session != "none" else None
    key = args.pop(IDEMPOTENCY_KEY, None)
    if op.key_required and not key:
        raise E.InvalidInput(field=IDEMPOTENCY_KEY, reason="required")
    path = API + op.path.format(**{n: _q(args.pop(n)) for n in op.path_params})
    params = {n: _wire_value(op, n, args[n]) for n in op.query if args.get(n) is not None}
    for n in op.query:
        args.pop(n, None)
    body: Any = None
    if op.body is not None:
        body = to_wire(args[op.body])
    elif args or op.fixed:
        body = {n: to_wire(v) for n, v in op.fixed.items()}
        body |= {n: _wire_value(op, n, v) for n, v in args.items()}
    kw: dict[str, Any] = {
        "session": session,
        "json_body": body,
        "params": params or None,
        "headers": _idem(key),
        "idempotent": op.idempotent,
    }
    if op.returns is None:
        http.request(op.method, path, **kw)
        return None
    if not op.result:
        return http.json(op.method, path, op.returns, **kw)
    data = http.json(op.method, path, **kw)
    if len(op.result) == 1:
        return http.field(data, op.result[0])
    if not isinstance(data, dict):
        raise http._unavailable("unexpected answer")
    try:
        types = get_args(op.returns)
        return tuple(from_wire(t, data.get(n), n) for t, n in zip(types, op.result, strict=True))
    except WireError as exc:
        raise http._unavailable(f"unexpected answer ({exc})") from None


class _Remote(Bound):
    """Every declared JSON operation over one connection pool (``_call``)."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def _invoke(self, op: Operation, arguments: dict[str, Any]) -> Any:
        return _call(self.http, op, arguments)


class _RemotePki(_Remote):
    """The public PKI material that is not JSON: DER at the URLs the certificates name."""

    def crl(self, institution_id: str) -> bytes:
        return self.http.request("GET", f"/crl/{_q(institution_id)}.crl").content

    def root_crl(self, institution_id: str) -> bytes:
        return self.http.request("GET", f"/crl/{_q(institution_id)}-root.crl").content

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        return self.http.request(
            "POST",
            f"/ocsp/{_q(institution_id)}",
            content=bytes(request_der),
            headers={"Content-Type": "application/ocsp-request"},
            idempotent=True,
        ).content

    def timestamp(self, institution_id: str, request_der: bytes) -> bytes:
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


class _RemoteOperator(_Remote):
    """The reviewer over HTTP: reviewer accounts log in with ``login``. On a demo server the
    trainer may also act as the CA operator with the token the server printed."""

    def __init__(self, http: _Http, operator_token: str | None = None) -> None:
        super().__init__(http)
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


RemoteCAService = implementation(CAService, _RemotePki, "RemoteCAService")
RemoteReviewService = implementation(ReviewService, _RemoteOperator, "RemoteReviewService")
# The simulated phones and the demo clock; served only by a CA started with ``--demo``.
RemoteInboxService = implementation(InboxService, _Remote, "RemoteInboxService")
RemoteClockService = implementation(ClockService, _Remote, "RemoteClockService")


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
    ca: CAService
    review: ReviewService
    inbox: InboxService
    clock: ClockService
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
