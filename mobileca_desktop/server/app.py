"""The CA's ASGI application: every operation of the four services as a JSON API under
``/api/v1``, RFC 6960 OCSP, CRLs and CA certificates at the URLs the certificates name.

The JSON routes are derived from the operations' declarations (``domain/api.py``): one
loop in ``create_app`` adds a route per operation (``_add_operation``), with its path, body
model, idempotency header, rate limit and OpenAPI description. The rest (OCSP, CRLs, CA
certificates, the TSA, the reviewer pages, the health check) is written here by hand.

Authentication: ``POST /api/v1/sessions`` is the engine's login; its ``token`` comes back
as ``Authorization: Bearer``. The server only rebuilds the ``Session`` from the token; the
engine checks it and authorises every call, exactly as in local mode. Errors are typed
(``http_errors``). Endpoints are plain functions: FastAPI runs them in its thread pool, so a
slow Argon2 hash or database write never blocks the event loop.
"""

import base64
import binascii
import datetime as dt
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any, cast

import anyio
import anyio.to_thread
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from mobileca_desktop import __version__
from mobileca_desktop.asgi_deadlines import BodyDeadline, Deadlines
from mobileca_desktop.asgi_limits import BodyLimit
from mobileca_desktop.ca import identity
from mobileca_desktop.ca.engine import OPERATOR_ID, CAEngine
from mobileca_desktop.ca.store import accounts as stored_accounts
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.api import CATALOGUE
from mobileca_desktop.domain.models import AccountKind, Session
from mobileca_desktop.domain.operations import (
    API,
    IDEMPOTENCY_KEY,
    PASSWORD_LOGIN,
    PASSWORD_REGISTER,
    PUBLIC,
    SESSION,
    SMS_CHECK,
    SMS_SEND,
    Operation,
    invoke,
)
from mobileca_desktop.domain.wire import to_wire
from mobileca_desktop.netprefix import network_of
from mobileca_desktop.server import reviewer_pages
from mobileca_desktop.server import schemas as S
from mobileca_desktop.server.fairlane import FairLane
from mobileca_desktop.server.http_errors import error_body, retry_after, status_for
from mobileca_desktop.server.ratelimit import (
    Buckets,
    InFlight,
    Limit,
    RateLimits,
    SharedBuckets,
    Tarpit,
    widened,
)

log = logging.getLogger("mobileca_desktop.server")

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
MAX_BODY = 16 * 1024 * 1024
OCSP_MAX_BODY = 64 * 1024
_UNPARSABLE = "There was an error parsing the body"  # FastAPI's detail text


@dataclass
class ServerConfig:
    demo: bool = False  # the simulated phones' inbox and the demo clock over HTTP
    limits: RateLimits = field(default_factory=RateLimits)
    # The guessing limits (logins, SMS sends and checks) counted in the CA's database, so
    # that all the workers of one CA share them; False: in this process's memory only.
    shared_limits: bool = True
    max_body_bytes: int = MAX_BODY
    # Demo only: an operator token (made by the engine in this process) that the trainer's
    # tools may send to move the clock or review as the CA operator.
    operator_token: str | None = None
    # With --tls: the institution whose root anchors the server's TLS certificate; its root
    # is served at /ca/tls-root.crt for clients that pin it by fingerprint.
    tls_institution: str | None = None
    # Argon2id hashes (logins, registrations) at once per worker. Each takes ~0.2 s of a
    # core and 64 MiB; capping them keeps cores free for key downloads and OCSP in a rush.
    password_slots: int = 1
    ocsp_slots: int = 8
    # How slowly a body may arrive (asgi_deadlines; 408 when too slow).
    deadlines: Deadlines = field(default_factory=Deadlines)


class _Lanes:
    """Thread lanes of their own for the slow password hashes and the fast OCSP answers,
    so that neither waits in the shared thread pool behind the other."""

    def __init__(self, config: ServerConfig) -> None:
        self._sizes = {"ocsp": config.ocsp_slots}
        self._limiters: dict[str, anyio.CapacityLimiter] = {}
        # Hashes for a client go through a lane that takes the client addresses in turn.
        self._fair = FairLane(config.password_slots)

    async def _run(self, lane: str, fn: Callable[..., Any], *args: Any) -> Any:
        limiter = self._limiters.get(lane)
        if limiter is None:  # made inside the event loop
            limiter = self._limiters[lane] = anyio.CapacityLimiter(self._sizes[lane])
        return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=limiter)

    async def password_for(self, client: str, fn: Callable[..., Any], *args: Any) -> Any:
        return await self._fair.run(client, fn, *args)

    async def ocsp(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await self._run("ocsp", fn, *args)


# --- helpers ------------------------------------------------------------------------------


def _object_id(name: str, what: str):
    """A path id; one that cannot exist (0, negative, past 32 bits) is "not found", as the
    local engine says, rather than a database error."""

    async def check(value: Annotated[int, Path(alias=name)]) -> int:
        if not 1 <= value <= MAX_ID:
            raise E.NotFound(what=what, id=value)
        return value

    return check


async def _institution_id(value: Annotated[str, Path(alias="institution_id")]) -> str:
    if not value or len(value) > 32 or not value.replace("-", "").replace("_", "").isalnum():
        raise E.NotFound(what="CA institution", id=value[:40])
    return value


async def _serial(value: Annotated[str, Path(alias="serial_hex")]) -> str:
    text = value.replace(":", "")
    if not text or len(text) > 40 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise E.NotFound(what="certificate serial", id=value[:60])
    return text


AppId = Annotated[int, Depends(_object_id("app_id", "application"))]
DocId = Annotated[int, Depends(_object_id("document_id", "document"))]
CertId = Annotated[int, Depends(_object_id("certificate_id", "certificate"))]
GrantId = Annotated[int, Depends(_object_id("grant_id", "grant"))]
InstitutionId = Annotated[str, Depends(_institution_id)]
Serial = Annotated[str, Depends(_serial)]
PhoneNumber = Annotated[str, Path(min_length=1, max_length=32)]
# The path parameters of the declared operations, by name: ids that cannot exist are
# "not found" before the engine is asked.
PATH_PARAMS: dict[str, Any] = {
    "app_id": AppId,
    "document_id": DocId,
    "certificate_id": CertId,
    "grant_id": GrantId,
    "institution_id": InstitutionId,
    "serial_hex": Serial,
    "phone": PhoneNumber,
}
IdemHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=64,
        pattern=r"^[!-~]+$",
        description="A retried request with the same key returns the first result",
    ),
]
IdemRequired = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[!-~]+$")
]


def _path_param(op: Operation, name: str) -> Any:
    """A path parameter's check: the named ones above; a new integer id is "not found" when
    it cannot exist, a new text its declared length."""
    if name in PATH_PARAMS:
        return PATH_PARAMS[name]
    declared = op.signature.parameters[name].annotation
    if declared is int:
        what = name.removesuffix("_id").replace("_", " ")
        return Annotated[int, Depends(_object_id(name, what))]
    length = op.bounds[name].length if name in op.bounds else None
    if declared is not str or length is None:
        raise TypeError(f"{op.key}: the path parameter {name} needs a check or a length")
    return Annotated[str, Path(min_length=1, max_length=length)]


def _answer(op: Operation, value: Any) -> Response:
    """The declared result as JSON: 204 for nothing, a scalar or tuple in named fields."""
    if value is None:
        return Response(status_code=204)
    if not op.result:
        return JSONResponse(to_wire(value), status_code=op.status)
    values = (value,) if len(op.result) == 1 else value
    body = {n: to_wire(v) for n, v in zip(op.result, values, strict=True)}
    return JSONResponse(body, status_code=op.status)


def _add_operation(
    app: FastAPI,
    op: Operation,
    session_type: Any,
    password_call: Callable[[Operation, Request, dict[str, Any]], Awaitable[Any]],
    sms_call: Callable[[Operation, Request, dict[str, Any]], Any],
) -> None:
    """One declared operation as a route: its parameters from the declaration (the session
    first, so that authentication comes before anything about the object), its body model
    from ``schemas.body_model``, its description from the declaration."""
    kw = inspect.Parameter.KEYWORD_ONLY
    params: list[inspect.Parameter] = []
    if session_type is not None:
        params.append(inspect.Parameter(SESSION, kw, annotation=session_type))
    for name in op.path_params:
        params.append(inspect.Parameter(name, kw, annotation=_path_param(op, name)))
    for name in op.query:
        declared = op.signature.parameters[name]
        query = S.query_type(op, declared)
        params.append(inspect.Parameter(name, kw, annotation=query, default=declared.default))
    model = S.body_model(op)
    if model is not None:
        if op.optional_body:
            params.append(inspect.Parameter("body", kw, annotation=model | None, default=None))
        else:
            params.append(inspect.Parameter("body", kw, annotation=model))
    if op.keyed:
        if op.key_required:
            params.append(inspect.Parameter(IDEMPOTENCY_KEY, kw, annotation=IdemRequired))
        else:
            header = inspect.Parameter(IDEMPOTENCY_KEY, kw, annotation=IdemHeader, default=None)
            params.append(header)
    params.append(inspect.Parameter("request", kw, annotation=Request))

    def arguments(values: dict[str, Any]) -> tuple[Request, dict[str, Any] | None]:
        request = values.pop("request")
        body = values.pop("body", None)
        if op.session == "lenient" and values.get(SESSION) is None:
            return request, None
        return request, values | S.from_body(op, body)

    async def hashing(**values: Any) -> Response:
        request, args = arguments(values)
        return _answer(op, None if args is None else await password_call(op, request, args))

    def plain(**values: Any) -> Response:  # a plain function: run in the thread pool
        request, args = arguments(values)
        return _answer(op, None if args is None else sms_call(op, request, args))

    assert op.method is not None and op.path is not None
    endpoint: Callable[..., Any] = (
        hashing if op.limit in (PASSWORD_LOGIN, PASSWORD_REGISTER) else plain
    )
    endpoint.__name__ = f"{op.service}_{op.name}"
    endpoint.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    status = 204 if op.returns is None else op.status
    result = S.result_model(op)
    who = "anyone" if op.roles == (PUBLIC,) else ", ".join(op.roles)
    app.add_api_route(
        API + op.path,
        endpoint,
        methods=[op.method],
        operation_id=op.key,
        status_code=status,
        responses={} if result is None else {status: {"model": result, "description": "OK"}},
        summary=op.summary or op.name.replace("_", " "),
        description=(
            f"Who may call: {who}. "
            + ("A repeat does nothing twice." if op.idempotent or op.keyed else "")
        ).strip(),
        tags=[cast(str | Enum, op.service)],
        openapi_extra={"x-roles": list(op.roles), "x-idempotent": op.idempotent or op.keyed},
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/sessions")


def _error_response(exc: E.MobileCAError) -> JSONResponse:
    headers = {}
    wait = retry_after(exc)
    if wait is not None:
        headers["Retry-After"] = str(wait)
    if isinstance(exc, E.SessionExpired | E.AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(exc), status_code=status_for(exc), headers=headers)


def _too_large(limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    resp = _error_response(E.DocumentTooLarge(filename="request", size=limit + 1, limit=limit))
    return resp.status_code, resp.raw_headers, bytes(resp.body)


def _too_slow(scope: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    host, port = scope.get("server") or ("", None)
    exc = E.ServiceUnavailable(url=f"{host}:{port}", reason="the request arrived too slowly")
    resp = JSONResponse(error_body(exc), status_code=408)
    return resp.status_code, resp.raw_headers, bytes(resp.body)


# --- the application --------------------------------------------------------------------------


def create_app(engine: CAEngine, config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig()
    lanes = _Lanes(config)
    buckets = Buckets()
    shared = SharedBuckets(engine.store) if config.shared_limits else None
    hashing = InFlight()
    tarpit = Tarpit()
    limits = config.limits
    app = FastAPI(
        title="mobileca-ca",
        version=__version__,
        description=(
            "The mobile CA's server: accounts (三晋通), applications (证书新办), review (CA "
            "审核台), certificates, activation (证书下载), grants (授权管理), OCSP, CRLs. "
            "Bytes travel as base64 text; errors as {code, message, params}."
            + (" Demo mode: the simulated phones and the clock are served." if config.demo else "")
        ),
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.config = config
    # Bodies are counted while they stream in (asgi_limits), never read whole first.
    app.add_middleware(
        BodyLimit,
        limit=config.max_body_bytes,
        refusal=_too_large,
        per_path=[("/ocsp/", OCSP_MAX_BODY), ("/tsa/", OCSP_MAX_BODY)],
    )
    app.add_middleware(BodyDeadline, deadlines=config.deadlines, refusal=_too_slow)

    # --- errors -------------------------------------------------------------------------

    @app.exception_handler(E.MobileCAError)
    async def _typed(_request: Request, exc: E.MobileCAError):
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        problems = exc.errors()
        first = problems[0] if problems else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body",)) or "body"
        reason = str(first.get("msg", "invalid"))
        return _error_response(E.InvalidInput(field=where, reason=reason))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404:
            err: E.MobileCAError = E.NotFound(what="endpoint", id=_request.url.path)
        elif exc.status_code == 400 and exc.detail == _UNPARSABLE:
            # FastAPI's answer when the JSON parser itself fails (e.g. RecursionError on
            # deeply nested JSON): a typed "invalid input" like any other bad body.
            err = E.InvalidInput(field="body", reason="not readable JSON (or nested too deep)")
            return _error_response(err)
        else:
            err = E.MobileCAError(str(exc.detail), status=exc.status_code)
        body = error_body(err)
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        if isinstance(exc, SQLAlchemyTimeout | OperationalError):
            # The database is overloaded or away: the client may try again.
            log.warning("database unavailable in %s %s: %s", request.method, request.url, exc)
            busy = E.ServiceUnavailable(url="database", reason="the CA is busy; try again")
            response = _error_response(busy)
            response.headers["Retry-After"] = "1"
            return response
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        body = {"code": "internal_error", "message": "Internal server error", "params": {}}
        return JSONResponse(body, status_code=500)

    # --- sessions -----------------------------------------------------------------------

    def session_of(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Session:
        if creds is None or not creds.credentials or len(creds.credentials) > 256:
            raise E.SessionExpired()
        return _rebuild(engine, config, creds.credentials)

    def maybe_session(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Session | None:
        """For logout: like the local service, an unknown or expired session is no error."""
        if creds is not None and creds.credentials and len(creds.credentials) <= 256:
            token = creds.credentials
            if not token.startswith("operator:"):
                return _unchecked_session(token)
        return None

    Sess = Annotated[Session, Depends(session_of)]
    MaybeSess = Annotated[Session | None, Depends(maybe_session)]

    Takes = list[tuple[str, str, Limit]]

    def takes_for(name: str, key: str, request: Request) -> Takes:
        limit = getattr(limits, name)
        # The address first: a flood of made-up names is refused before it makes a bucket
        # per name. Nothing here depends on whether the name exists.
        # Then its network (/24, /64): many addresses of one network get one share.
        address = _client(request)
        network = network_of(address)
        if name == "login":
            return [
                ("login@addr", address, limits.login_per_address),
                ("login@net", network, limits.login_per_network),
                (name, key, limit),
            ]
        per_address = widened(limit, limits.per_address_factor)
        return [
            (name + "@addr", address, per_address),
            (name + "@net", network, per_address),
            (name, key, limit),
        ]

    def take(takes: Takes) -> None:
        """In a thread: this worker's buckets, then (a database round trip) the shared ones."""
        if shared is None:
            for name, key, limit in takes:
                buckets.take(name, key, limit)
        else:
            shared.take(takes)

    async def take_async(takes: Takes) -> None:
        """On the event loop: refused from memory at once when this worker alone has seen
        too many; the shared buckets' round trip in a thread."""
        if shared is None:
            take(takes)
            return
        shared.take_local(takes)
        await anyio.to_thread.run_sync(shared.take_shared, takes)

    async def hash_for(address: str, fn: Callable[..., Any], *args: Any) -> Any:
        """A password hash for a client address: refused at once (429, Retry-After) when
        the address already has ``login_in_flight`` hashes queued or running, or its network
        ``login_in_flight_per_network``, so neither one address nor many addresses of one
        network can fill the password lane's queue ahead of everyone else."""
        network = "net:" + network_of(address)
        with (
            hashing.hold(address, limits.login_in_flight),
            hashing.hold(network, limits.login_in_flight_per_network),
        ):
            return await lanes.password_for(address, fn, *args)

    async def password_work(
        request: Request, key: str, fn: Callable[..., Any], *args: Any, account: str = ""
    ) -> Any:
        """Login and registration: the limits, then the hash. An address refused again
        before its Retry-After is over gets its refusal late (``Tarpit``)."""
        address = _client(request)
        try:
            takes = takes_for("login", key, request)
            if account:
                everywhere = widened(limits.login, limits.per_account_factor)
                takes.append(("login@account", account, everywhere))
            await take_async(takes)
            return await hash_for(address, fn, *args)
        except E.RateLimited:
            delay = tarpit.delay_for(network_of(address))  # a network's addresses as one
            if delay:
                await anyio.sleep(delay)
            raise

    # The reviewer pages call limit_login, then run_password, in one request's task.
    reviewer_address: ContextVar[str | None] = ContextVar("reviewer_address", default=None)
    reviewer_takes: ContextVar[Takes | None] = ContextVar("reviewer_takes", default=None)

    def limit_reviewer_login(name: str, request: Request) -> None:
        # As password_call: per account (as the engine finds it) and address, so a guesser
        # elsewhere cannot lock the reviewer out, and the account over all addresses.
        account = f"reviewer:{identity.login_lookup_name(AccountKind.REVIEWER.value, name)}"
        takes = takes_for("login", f"{account}@{_client(request)}", request)
        takes.append(("login@account", account, widened(limits.login, limits.per_account_factor)))
        if shared is None:
            take(takes)
        else:  # the shared buckets in reviewer_hash, off the event loop
            shared.take_local(takes)
            reviewer_takes.set(takes)
        reviewer_address.set(_client(request))

    async def reviewer_hash(fn: Callable[..., Any], *args: Any) -> Any:
        takes = reviewer_takes.get()
        if takes is not None and shared is not None:
            reviewer_takes.set(None)
            await anyio.to_thread.run_sync(shared.take_shared, takes)
        return await hash_for(reviewer_address.get() or "unknown", fn, *args)

    # --- every declared JSON operation (domain/api.py), derived -----------------------------

    async def password_call(op: Operation, request: Request, args: dict[str, Any]) -> Any:
        call = functools.partial(invoke, engine, op, args)
        if op.limit == PASSWORD_LOGIN:
            kind = AccountKind(args["kind"]).value
            account = f"{kind}:{identity.login_lookup_name(kind, args['login_name'])}"
            # Per account and address: ten wrong passwords from someone else's address must
            # not lock the owner out (an outside review did, one request every 6 s); the
            # account's total over all addresses is bounded too.
            key = f"{account}@{_client(request)}"
            return await password_work(request, key, call, account=account)
        return await password_work(request, f"register@{_client(request)}", call)

    def sms_call(op: Operation, request: Request, args: dict[str, Any]) -> Any:
        if op.limit in (SMS_SEND, SMS_CHECK):
            take(takes_for(op.limit, f"account:{args[SESSION].account_id}", request))
        return invoke(engine, op, args)

    for op in CATALOGUE.served():
        if op.demo and not config.demo:
            continue
        session_type = {"required": Sess, "lenient": MaybeSess}.get(op.session)
        _add_operation(app, op, session_type, password_call, sms_call)

    # The reviewers' web pages (CA 审核台, HTML under /review/), on the same engine sessions.
    reviewer_pages.mount(
        app,
        engine,
        rebuild=functools.partial(_rebuild, engine, config),
        run_password=reviewer_hash,
        limit_login=limit_reviewer_login,
    )

    # --- public PKI material at the URLs in the certificates (pki.Urls) ---------------------

    def _chain(institution_id: str) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(engine.chain_pem(institution_id).encode())

    def _der(cert: x509.Certificate) -> Response:
        return Response(
            cert.public_bytes(serialization.Encoding.DER), media_type="application/pkix-cert"
        )

    pki_tags: list[str | Enum] = ["pki"]
    tls_institution = config.tls_institution

    if tls_institution:

        @app.get("/ca/tls-root.crt", tags=pki_tags, operation_id="pki.tls_root")
        def tls_root():
            return _der(_chain(tls_institution)[-1])

    @app.get("/ca/{institution_id}-root.crt", tags=pki_tags, operation_id="pki.root")
    def root_cert(institution_id: InstitutionId):
        return _der(_chain(institution_id)[-1])

    @app.get("/ca/{institution_id}.crt", tags=pki_tags, operation_id="pki.issuing")
    def issuing_cert(institution_id: InstitutionId):
        return _der(_chain(institution_id)[0])

    # Before /crl/{institution_id}.crl, which would otherwise take "bjca-root" as an id.
    @app.get("/crl/{institution_id}-root.crl", tags=pki_tags, operation_id="pki.root_crl")
    def root_crl(institution_id: InstitutionId):
        return Response(engine.root_crl(institution_id), media_type="application/pkix-crl")

    @app.get("/crl/{institution_id}.crl", tags=pki_tags, operation_id="pki.crl")
    def crl(institution_id: InstitutionId):
        return Response(engine.crl(institution_id), media_type="application/pkix-crl")

    def _ocsp(institution_id: str, der: bytes) -> Response:
        return Response(
            engine.ocsp(institution_id, der),
            media_type="application/ocsp-response",
            headers={"Cache-Control": "no-cache"},
        )

    @app.post(
        "/ocsp/{institution_id}",
        tags=pki_tags,
        operation_id="pki.ocsp_post",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/ocsp-request": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def ocsp_post(institution_id: InstitutionId, request: Request):
        der = await request.body()
        return await lanes.ocsp(_ocsp, institution_id, der)

    @app.get(
        "/ocsp/{institution_id}/{request_b64:path}", tags=pki_tags, operation_id="pki.ocsp_get"
    )
    async def ocsp_get(institution_id: InstitutionId, request_b64: str):
        # RFC 6960 A.1: base64 of the DER request, URL-encoded (already decoded here).
        try:
            der = base64.b64decode(request_b64.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            der = b""  # answered with the RFC's malformedRequest
        return await lanes.ocsp(_ocsp, institution_id, der)

    def _tsa(institution_id: str, der: bytes) -> Response:
        return Response(
            engine.timestamp(institution_id, der),
            media_type="application/timestamp-reply",
            headers={"Cache-Control": "no-store"},
        )

    @app.post(
        "/tsa/{institution_id}",
        tags=pki_tags,
        operation_id="pki.tsa",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/timestamp-query": {
                        "schema": {"type": "string", "format": "binary"}
                    }
                },
            }
        },
    )
    async def tsa_post(institution_id: InstitutionId, request: Request):
        # RFC 3161 §3.4: the DER TimeStampReq as the body, the TimeStampResp as the answer.
        der = await request.body()
        return await lanes.ocsp(_tsa, institution_id, der)

    @app.get("/healthz", include_in_schema=False)
    def health():
        return JSONResponse({"status": "ok", "demo": config.demo})

    return app


def _unchecked_session(token: str) -> Session:
    return Session(
        token=token,
        account_id=-1,
        kind=AccountKind.PERSONAL,
        display_name="",
        expires_at=dt.datetime.now(dt.UTC),
    )


def _rebuild(engine: CAEngine, config: ServerConfig, token: str) -> Session:
    """The ``Session`` a bearer token stands for; the engine checks it again on use."""
    if token.startswith("operator:"):
        if config.demo and config.operator_token and token == config.operator_token:
            return Session(
                token=token,
                account_id=OPERATOR_ID,
                kind=AccountKind.REVIEWER,
                display_name="CA 操作员",
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
            )
        raise E.SessionExpired()
    row = stored_accounts.session_holder(engine.store, identity.token_hash(token))
    if row is None:
        raise E.SessionExpired()
    return Session(
        token=token,
        account_id=row.account_id,
        kind=AccountKind(row.kind),
        display_name=row.display_name,
        expires_at=row.expires_at,
    )
