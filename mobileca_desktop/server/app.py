"""The CA's ASGI application: every operation of the four services as a JSON API under
``/api/v1``, RFC 6960 OCSP, CRLs and CA certificates at the URLs the certificates name.

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
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio
import anyio.to_thread
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from mobileca_desktop import __version__
from mobileca_desktop.asgi_limits import BodyLimit
from mobileca_desktop.ca import identity
from mobileca_desktop.ca.engine import OPERATOR_ID, CAEngine
from mobileca_desktop.ca.store import accounts as stored_accounts
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
from mobileca_desktop.domain.wire import WireError, b64decode, to_wire
from mobileca_desktop.server import reviewer_pages
from mobileca_desktop.server import schemas as S
from mobileca_desktop.server.fairlane import FairLane
from mobileca_desktop.server.http_errors import error_body, retry_after, status_for
from mobileca_desktop.server.ratelimit import Buckets, InFlight, RateLimits, Tarpit, widened

log = logging.getLogger("mobileca_desktop.server")

API = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
MAX_BODY = 16 * 1024 * 1024
OCSP_MAX_BODY = 64 * 1024
_UNPARSABLE = "There was an error parsing the body"  # FastAPI's detail text


@dataclass
class ServerConfig:
    demo: bool = False  # the simulated phones' inbox and the demo clock over HTTP
    limits: RateLimits = field(default_factory=RateLimits)
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


def ok(value: Any, status: int = 200) -> Response:
    if value is None:
        return Response(status_code=204)
    return JSONResponse(to_wire(value), status_code=status)


def _doc(model: type, description: str = "OK") -> dict:
    return {200: {"model": model, "description": description}}


def _list(model: type) -> dict:
    return {200: {"model": list[S.doc_model(model)], "description": "OK"}}


def _one(model: type) -> dict:
    return _doc(S.doc_model(model))


def _decode(text: str, field_name: str) -> bytes:
    try:
        return b64decode(text, field_name)
    except WireError as exc:
        raise E.InvalidInput(field=field_name, reason=exc.reason) from None


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
    return resp.status_code, resp.raw_headers, resp.body


# --- the application --------------------------------------------------------------------------


def create_app(engine: CAEngine, config: ServerConfig | None = None) -> FastAPI:
    config = config or ServerConfig()
    lanes = _Lanes(config)
    buckets = Buckets()
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

    Sess = Annotated[Session, Depends(session_of)]

    def take(name: str, key: str, request: Request) -> None:
        limit = getattr(limits, name)
        # The address first: a flood of made-up names is refused before it makes a bucket
        # per name. Nothing here depends on whether the name exists.
        if name == "login":
            buckets.take("login@addr", _client(request), limits.login_per_address)
        else:
            buckets.take(
                name + "@addr", _client(request), widened(limit, limits.per_address_factor)
            )
        buckets.take(name, key, limit)

    async def hash_for(address: str, fn: Callable[..., Any], *args: Any) -> Any:
        """A password hash for a client address: refused at once (429, Retry-After) when
        the address already has ``login_in_flight`` hashes queued or running, so one
        address cannot fill the password lane's queue ahead of everyone else."""
        with hashing.hold(address, limits.login_in_flight):
            return await lanes.password_for(address, fn, *args)

    async def password_work(
        request: Request, key: str, fn: Callable[..., Any], *args: Any, account: str = ""
    ) -> Any:
        """Login and registration: the limits, then the hash. An address refused again
        before its Retry-After is over gets its refusal late (``Tarpit``)."""
        address = _client(request)
        try:
            take("login", key, request)
            if account:
                everywhere = widened(limits.login, limits.per_account_factor)
                buckets.take("login@account", account, everywhere)
            return await hash_for(address, fn, *args)
        except E.RateLimited:
            delay = tarpit.delay_for(address)
            if delay:
                await anyio.sleep(delay)
            raise

    # The reviewer pages call limit_login, then run_password, in one request's task.
    reviewer_address: ContextVar[str | None] = ContextVar("reviewer_address", default=None)

    def limit_reviewer_login(name: str, request: Request) -> None:
        take("login", f"reviewer:{name}", request)
        reviewer_address.set(_client(request))

    async def reviewer_hash(fn: Callable[..., Any], *args: Any) -> Any:
        return await hash_for(reviewer_address.get() or "unknown", fn, *args)

    # --- identity (三晋通) -----------------------------------------------------------------

    @app.get(f"{API}/institutions", operation_id="ca.institutions", responses=_list(Institution))
    def institutions():
        return ok(engine.institutions())

    @app.get(
        f"{API}/institutions/{{institution_id}}/chain",
        operation_id="ca.chain_pem",
        responses=_doc(S.PemBody),
    )
    def chain(institution_id: InstitutionId):
        return JSONResponse({"pem": engine.chain_pem(institution_id)})

    @app.post(
        f"{API}/accounts/legal",
        operation_id="ca.register_legal",
        status_code=201,
        responses={201: {"model": S.doc_model(Account), "description": "Registered"}},
    )
    async def register_legal(body: S.LegalRegistrationBody, request: Request):
        reg = LegalEntityRegistration(**body.model_dump())
        key = f"register@{_client(request)}"
        return ok(await password_work(request, key, engine.register_legal, reg), 201)

    @app.post(
        f"{API}/accounts/personal",
        operation_id="ca.register_personal",
        status_code=201,
        responses={201: {"model": S.doc_model(Account), "description": "Registered"}},
    )
    async def register_personal(body: S.PersonalRegistrationBody, request: Request):
        reg = PersonalRegistration(**body.model_dump())
        key = f"register@{_client(request)}"
        return ok(await password_work(request, key, engine.register_personal, reg), 201)

    @app.post(f"{API}/sessions", operation_id="ca.login", responses=_one(Session))
    async def login(body: S.LoginBody, request: Request):
        account = f"{body.kind}:{body.login_name.strip().upper()}"
        # Per account and address: ten wrong passwords from someone else's address must not
        # lock the owner out (an outside review did, one request every 6 s); the account's
        # total over all addresses is bounded too.
        key = f"{account}@{_client(request)}"
        login = (engine.login, body.kind, body.login_name, body.password)
        return ok(await password_work(request, key, *login, account=account))

    @app.delete(f"{API}/sessions/current", operation_id="ca.logout", status_code=204)
    def logout(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]):
        # Like the local service, logging out an unknown or expired session is not an error.
        if creds is not None and creds.credentials and len(creds.credentials) <= 256:
            token = creds.credentials
            if not token.startswith("operator:"):
                engine.logout(_unchecked_session(token))
        return Response(status_code=204)

    @app.get(f"{API}/me", operation_id="ca.me", responses=_one(Account))
    def me(session: Sess):
        return ok(engine.me(session))

    @app.get(f"{API}/me/elicence", operation_id="ca.elicence_text", responses=_doc(S.TextBody))
    def elicence(session: Sess):
        return JSONResponse({"text": engine.elicence_text(session)})

    # --- applications (证书新办) -------------------------------------------------------------

    app_one = _one(ApplicationInfo)

    @app.post(
        f"{API}/applications",
        operation_id="ca.create_application",
        status_code=201,
        responses={201: {"model": S.doc_model(ApplicationInfo), "description": "Created"}},
    )
    def create_application(
        session: Sess, body: S.NewApplicationBody, idempotency_key: IdemHeader = None
    ):
        info = engine.create_application(
            session, body.kind, body.institution_id, idempotency_key=idempotency_key
        )
        return ok(info, 201)

    @app.get(
        f"{API}/applications", operation_id="ca.list_applications", responses=_list(ApplicationInfo)
    )
    def list_applications(session: Sess):
        return ok(engine.list_applications(session))

    @app.get(f"{API}/agents", operation_id="ca.application_agents", responses=_list(AgentDetails))
    def application_agents(session: Sess):
        return ok(engine.application_agents(session))

    @app.get(f"{API}/applications/{{app_id}}", operation_id="ca.get_application", responses=app_one)
    def get_application(session: Sess, app_id: AppId):
        return ok(engine.get_application(session, app_id))

    @app.delete(f"{API}/applications/{{app_id}}", operation_id="ca.discard_draft", status_code=204)
    def discard_draft(session: Sess, app_id: AppId):
        return ok(engine.discard_draft(session, app_id))

    @app.put(
        f"{API}/applications/{{app_id}}/method", operation_id="ca.set_method", responses=app_one
    )
    def set_method(session: Sess, app_id: AppId, body: S.MethodBody):
        return ok(engine.set_method(session, app_id, body.method))

    @app.put(
        f"{API}/applications/{{app_id}}/handler", operation_id="ca.set_handler", responses=app_one
    )
    def set_handler(session: Sess, app_id: AppId, body: S.HandlerBody):
        agent = AgentDetails(**body.agent.model_dump()) if body.agent else None
        return ok(engine.set_handler(session, app_id, body.handler, agent))

    @app.post(
        f"{API}/applications/{{app_id}}/face", operation_id="ca.verify_face", responses=app_one
    )
    def verify_face(session: Sess, app_id: AppId, body: S.FaceBody):
        photo = _decode(body.photo, "photo")
        return ok(engine.verify_face(session, app_id, photo, body.filename))

    @app.post(
        f"{API}/applications/{{app_id}}/elicence",
        operation_id="ca.verify_elicence",
        responses=app_one,
    )
    def verify_elicence(session: Sess, app_id: AppId, body: S.ElicenceBody):
        return ok(engine.verify_elicence(session, app_id, body.qr_text))

    @app.post(
        f"{API}/applications/{{app_id}}/deposit",
        operation_id="ca.start_deposit",
        responses=_one(DepositNotice),
    )
    def start_deposit(session: Sess, app_id: AppId, request: Request):
        take("sms_send", f"account:{session.account_id}", request)
        return ok(engine.start_deposit(session, app_id))

    @app.post(
        f"{API}/applications/{{app_id}}/deposit/confirm",
        operation_id="ca.confirm_deposit",
        responses=app_one,
    )
    def confirm_deposit(session: Sess, app_id: AppId, body: S.AmountBody, request: Request):
        take("sms_check", f"account:{session.account_id}", request)
        return ok(engine.confirm_deposit(session, app_id, body.amount))

    @app.post(
        f"{API}/applications/{{app_id}}/auth-code",
        operation_id="ca.confirm_auth_code",
        responses=app_one,
    )
    def confirm_auth_code(session: Sess, app_id: AppId, body: S.CodeBody, request: Request):
        take("sms_check", f"account:{session.account_id}", request)
        return ok(engine.confirm_auth_code(session, app_id, body.code))

    @app.post(
        f"{API}/applications/{{app_id}}/documents",
        operation_id="ca.upload_document",
        status_code=201,
        responses={201: {"model": S.doc_model(DocumentInfo), "description": "Stored"}},
    )
    def upload_document(session: Sess, app_id: AppId, body: S.DocumentBody):
        data = _decode(body.data, "data")
        return ok(engine.upload_document(session, app_id, body.kind, data, body.filename), 201)

    @app.delete(
        f"{API}/applications/{{app_id}}/documents/{{document_id}}",
        operation_id="ca.remove_document",
        status_code=204,
    )
    def remove_document(session: Sess, app_id: AppId, document_id: DocId):
        return ok(engine.remove_document(session, app_id, document_id))

    @app.get(
        f"{API}/documents/{{document_id}}",
        operation_id="ca.get_document",
        responses=_doc(S.DocumentWithData),
    )
    def get_document(session: Sess, document_id: DocId):
        info, data = engine.get_document(session, document_id)
        return JSONResponse({"document": to_wire(info), "data": base64.b64encode(data).decode()})

    @app.post(
        f"{API}/applications/{{app_id}}/signing-code",
        operation_id="ca.request_signing_code",
        status_code=204,
    )
    def request_signing_code(session: Sess, app_id: AppId, request: Request):
        take("sms_send", f"account:{session.account_id}", request)
        return ok(engine.request_signing_code(session, app_id))

    @app.post(f"{API}/applications/{{app_id}}/submit", operation_id="ca.submit", responses=app_one)
    def submit(
        session: Sess,
        app_id: AppId,
        body: S.SubmitBody,
        request: Request,
        idempotency_key: IdemHeader = None,
    ):
        take("sms_check", f"account:{session.account_id}", request)
        return ok(engine.submit(session, app_id, body.sms_code, idempotency_key))

    @app.post(
        f"{API}/applications/{{app_id}}/continue",
        operation_id="ca.continue_application",
        responses=app_one,
    )
    def continue_application(session: Sess, app_id: AppId):
        return ok(engine.continue_application(session, app_id))

    # --- certificates (证书管理), activation, grants --------------------------------------------

    @app.get(
        f"{API}/certificates",
        operation_id="ca.list_certificates",
        responses=_list(CertificateRow),
    )
    def list_certificates(session: Sess):
        return ok(engine.list_certificates(session))

    detail = _one(CertificateDetail)

    @app.get(
        f"{API}/certificates/{{certificate_id}}",
        operation_id="ca.certificate_detail",
        responses=detail,
    )
    def certificate_detail(
        session: Sess,
        certificate_id: CertId,
        device_name: Annotated[S.Text(128) | None, Query()] = None,
    ):
        return ok(engine.certificate_detail(session, certificate_id, device_name))

    @app.post(
        f"{API}/certificates/{{certificate_id}}/renew", operation_id="ca.renew", responses=detail
    )
    def renew(session: Sess, certificate_id: CertId, idempotency_key: IdemHeader = None):
        return ok(engine.renew(session, certificate_id, idempotency_key))

    @app.post(
        f"{API}/certificates/{{certificate_id}}/change",
        operation_id="ca.request_change",
        responses=app_one,
    )
    def request_change(session: Sess, certificate_id: CertId, body: S.ChangeBody):
        return ok(engine.request_change(session, certificate_id, dict(body.changes)))

    @app.post(
        f"{API}/certificates/{{certificate_id}}/revoke",
        operation_id="ca.revoke",
        status_code=204,
    )
    def revoke(session: Sess, certificate_id: CertId, body: S.RevokeBody):
        return ok(engine.revoke(session, certificate_id, body.reason))

    @app.post(
        f"{API}/device-certificates/{{serial_hex}}/revoke",
        operation_id="ca.revoke_device_certificate",
        status_code=204,
    )
    def revoke_device_certificate(
        session: Sess,
        serial_hex: Serial,
        body: S.DeviceRevokeBody | None = None,
    ):
        reason = body.reason if body is not None else RevocationReason.KEY_COMPROMISE
        return ok(engine.revoke_serial(session, serial_hex, reason))

    @app.post(
        f"{API}/certificates/{{certificate_id}}/activation-code",
        operation_id="ca.request_activation_code",
        responses=_doc(S.PhoneBody),
    )
    def request_activation_code(session: Sess, certificate_id: CertId, request: Request):
        take("sms_send", f"account:{session.account_id}", request)
        return JSONResponse(
            {"phone_masked": engine.request_activation_code(session, certificate_id)}
        )

    @app.post(
        f"{API}/certificates/{{certificate_id}}/activate",
        operation_id="ca.activate",
        responses=_one(ActivationResult),
    )
    def activate(
        session: Sess,
        certificate_id: CertId,
        body: S.ActivateBody,
        request: Request,
        idempotency_key: Annotated[
            str,
            Header(alias="Idempotency-Key", min_length=1, max_length=64, pattern=r"^[!-~]+$"),
        ],
    ):
        take("sms_check", f"account:{session.account_id}", request)
        return ok(
            engine.activate(
                session,
                certificate_id,
                csr_pem=body.csr_pem.encode(),
                transport_public_key_pem=body.transport_public_key_pem.encode(),
                sms_code=body.sms_code,
                device_name=body.device_name,
                idempotency_key=idempotency_key,
            )
        )

    @app.post(
        f"{API}/certificates/{{certificate_id}}/grants",
        operation_id="ca.grant",
        status_code=201,
        responses={201: {"model": S.doc_model(GrantInfo), "description": "Granted"}},
    )
    def grant(session: Sess, certificate_id: CertId, body: S.GrantBody):
        agent = AgentDetails(**body.agent.model_dump())
        return ok(engine.grant(session, certificate_id, agent, body.valid_until), 201)

    @app.get(f"{API}/grants", operation_id="ca.list_grants", responses=_list(GrantInfo))
    def list_grants(session: Sess):
        return ok(engine.list_grants(session))

    @app.post(
        f"{API}/grants/{{grant_id}}/withdraw",
        operation_id="ca.withdraw_grant",
        responses=_one(GrantInfo),
    )
    def withdraw_grant(session: Sess, grant_id: GrantId):
        return ok(engine.withdraw_grant(session, grant_id))

    # --- review (CA 审核台) -----------------------------------------------------------------

    @app.get(f"{API}/review/queue", operation_id="review.queue", responses=_list(ReviewItem))
    def review_queue(session: Sess):
        return ok(engine.review_queue(session))

    @app.get(
        f"{API}/review/applications/{{app_id}}",
        operation_id="review.item",
        responses=_one(ReviewItem),
    )
    def review_item(session: Sess, app_id: AppId):
        return ok(engine.review_item(session, app_id))

    def _review_action(name: str, call: Callable[..., Any], with_reason: bool) -> None:
        path = f"{API}/review/applications/{{app_id}}/{name.replace('_', '-')}"
        if with_reason:

            def action(session: Sess, app_id: AppId, body: S.ReasonBody):
                return ok(call(session, app_id, body.reason))
        else:

            def action(session: Sess, app_id: AppId):
                return ok(call(session, app_id))

        action.__name__ = f"review_{name}"
        app.post(path, operation_id=f"review.{name}", responses=app_one)(action)

    _review_action("accept_letter", engine.accept_letter, False)
    _review_action("reject_letter", engine.reject_letter, True)
    _review_action("approve", engine.approve, False)
    _review_action("reject", engine.reject, True)
    _review_action("cancel", engine.cancel, True)

    # The reviewers' web pages (CA 审核台, HTML under /review/), on the same engine sessions.
    reviewer_pages.mount(
        app,
        engine,
        rebuild=functools.partial(_rebuild, engine, config),
        run_password=reviewer_hash,
        limit_login=limit_reviewer_login,
    )

    # --- demo: the simulated phones and the clock ------------------------------------------

    if config.demo:

        @app.get(
            f"{API}/demo/inbox/{{phone}}",
            operation_id="inbox.messages",
            responses=_list(InboxMessage),
        )
        def inbox(
            phone: Annotated[str, Path(min_length=1, max_length=32)],
            after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
        ):
            return ok(engine.inbox(phone, after_id))

        @app.get(f"{API}/demo/clock", operation_id="clock.info", responses=_one(ClockInfo))
        def clock_info():
            return ok(engine.clock_info())

        @app.post(
            f"{API}/demo/clock/advance", operation_id="clock.advance", responses=_one(ClockInfo)
        )
        def clock_advance(session: Sess, body: S.ClockAdvanceBody):
            return ok(engine.advance_clock(session, body.seconds))

        @app.post(f"{API}/demo/clock/reset", operation_id="clock.reset", responses=_one(ClockInfo))
        def clock_reset(session: Sess):
            return ok(engine.reset_clock(session))

    # --- public PKI material at the URLs in the certificates (pki.Urls) ---------------------

    def _chain(institution_id: str) -> list[x509.Certificate]:
        return x509.load_pem_x509_certificates(engine.chain_pem(institution_id).encode())

    def _der(cert: x509.Certificate) -> Response:
        return Response(
            cert.public_bytes(serialization.Encoding.DER), media_type="application/pkix-cert"
        )

    pki_tags = ["pki"]

    if config.tls_institution:

        @app.get("/ca/tls-root.crt", tags=pki_tags, operation_id="pki.tls_root")
        def tls_root():
            return _der(_chain(config.tls_institution)[-1])

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
