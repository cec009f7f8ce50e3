"""The platform's HTTP side: pages, the scan protocol's endpoints and the pages' JSON.

Pages: ``/`` (扫码登录, then 首页), ``/seal`` (扫码签章), ``/encrypt`` (投标文件加密),
``/opening`` (开标大厅). The pages' JSON: ``POST /api/scan/login``, ``/api/seal``,
``/api/encrypt``, ``/api/decrypt`` (a new scan session), ``GET /api/scan/<sid>`` (its live
state), ``POST /api/scan/<sid>/login`` / ``/decline`` (the page's 确认登录 / 不是我 after a
scanned login), ``GET /qr/<sid>.png`` / ``.svg``, ``GET /api/bids``, ``GET /sealed/<sid>.pdf``
(its owner only). Creating a session hands the requesting browser a server-generated
HttpOnly browser-binding cookie (``mca_scan``); only that browser learns who answered, and
only its user's 确认登录 sets the login cookie, once. The scan protocol
(docs/scan-protocol.md): ``GET /scan/<sid>/data``, ``GET /scan/<sid>/document.pdf``,
``POST /scan/<sid>/callback``. ``GET /.well-known/mobileca-platform``: id, name, origin and
signing certificate, for a client's trusted list.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mobileca_desktop.asgi_deadlines import BodyDeadline, Deadlines
from mobileca_desktop.asgi_limits import BodyLimit, JsonTooDeep, loads_json
from mobileca_desktop.crypto import scanproto
from mobileca_desktop.platform import pages
from mobileca_desktop.platform.core import Login, Platform, ScanSession
from mobileca_desktop.platform.requesters import Requester, clean_user_agent
from mobileca_desktop.platform.trust import Refusal

log = logging.getLogger(__name__)

BIND_COOKIE = "mca_scan"  # the browser-binding value of the session this browser asked for
LOGIN_COOKIE = "mca_login"
MAX_BODY = 32 * 1024 * 1024


def _refused(exc: Refusal) -> JSONResponse:
    response = JSONResponse(exc.to_dict(), status_code=exc.status)
    retry = getattr(exc, "retry_after", None)
    if retry:
        response.headers["Retry-After"] = str(int(retry))
    return response


def _too_large(_limit: int) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    resp = _refused(Refusal("too_large", "请求过大", status=413))
    return resp.status_code, resp.raw_headers, bytes(resp.body)


def _parse(raw: bytes, what: str) -> Any:
    """JSON from a client, refused with a typed 400 (never a RecursionError's 500)."""
    try:
        return loads_json(raw)
    except JsonTooDeep as exc:
        raise Refusal("bad_request", f"{what}嵌套过深") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refusal("bad_request", f"{what}不是 JSON") from exc


def _too_slow(_scope: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    resp = _refused(Refusal("too_slow", "请求发送过慢", status=408))
    return resp.status_code, resp.raw_headers, bytes(resp.body)


def create_app(platform: Platform, deadlines: Deadlines | None = None) -> FastAPI:
    app = FastAPI(title=platform.name, docs_url=None, redoc_url=None, openapi_url=None)
    # Bodies are counted while they stream in (asgi_limits): 413 before MAX_BODY is held;
    # a body that comes too slowly is 408 (asgi_deadlines).
    app.add_middleware(BodyLimit, limit=MAX_BODY, refusal=_too_large)
    app.add_middleware(BodyDeadline, deadlines=deadlines or Deadlines(), refusal=_too_slow)

    @app.exception_handler(Refusal)
    async def _refusal(_request: Request, exc: Refusal):
        return _refused(exc)

    def login_of(request: Request) -> Login | None:
        return platform.login_of(request.cookies.get(LOGIN_COOKIE))

    def bind_of(request: Request) -> str | None:
        return request.cookies.get(BIND_COOKIE)

    def address_of(request: Request) -> str:
        peer = request.client.host if request.client else None
        return platform.policy.addresses.client_address(
            peer, request.headers.get("x-forwarded-for")
        )

    def requester_of(request: Request) -> Requester:
        return Requester(
            address=address_of(request),
            user_agent=clean_user_agent(request.headers.get("user-agent")),
            at=int(platform.now().timestamp()),
        )

    def same_site(request: Request, message: str = "只能在本平台的页面上发起扫码") -> None:
        # Login CSRF: another site's page must not start a scan session in this browser,
        # nor confirm or decline a login in it.
        origin = request.headers.get("origin")
        fetch_site = request.headers.get("sec-fetch-site")
        if (origin and origin != platform.origin) or fetch_site not in (
            None,
            "same-origin",
            "none",
        ):
            raise Refusal("cross_site", message, status=403)

    def html(request: Request, text: str) -> HTMLResponse:
        return HTMLResponse(text)

    async def json_body(request: Request) -> dict[str, Any]:
        body = _parse(await request.body() or b"{}", "请求")
        if not isinstance(body, dict):
            raise Refusal("bad_request", "请求必须是 JSON 对象")
        return body

    def require_login(request: Request) -> Login:
        login = login_of(request)
        if login is None:
            raise Refusal("not_logged_in", "请先扫码登录平台", status=401)
        return login

    def created(request: Request, made: tuple[ScanSession, str]) -> JSONResponse:
        session, bind = made
        response = JSONResponse(
            {
                "sid": session.sid,
                "qr_text": session.qr_text,
                "qr_png": f"/qr/{session.sid}.png",
                "qr_svg": f"/qr/{session.sid}.svg",
                "state": platform.public_state(session, owner=True),
            }
        )
        # A fresh server-made value per session, whatever the browser sent (never adopted).
        response.set_cookie(BIND_COOKIE, bind, httponly=True, samesite="strict", path="/")
        return response

    # --- pages -----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        login = login_of(request)
        if login is None:
            return html(request, pages.home_anonymous(platform.name))
        return html(request, pages.home_logged_in(platform.name, login))

    @app.get("/seal", response_class=HTMLResponse)
    def seal_page(request: Request):
        login = login_of(request)
        if login is None:
            return html(request, pages.need_login(platform.name, "seal"))
        return html(request, pages.seal_page(platform.name, login))

    @app.get("/encrypt", response_class=HTMLResponse)
    def encrypt_page(request: Request):
        login = login_of(request)
        if login is None:
            return html(request, pages.need_login(platform.name, "encrypt"))
        return html(request, pages.encrypt_page(platform.name, login))

    @app.get("/opening", response_class=HTMLResponse)
    def opening_page(request: Request):
        login = login_of(request)
        if login is None:
            return html(request, pages.need_login(platform.name, "opening"))
        return html(
            request,
            pages.opening_page(platform.name, login, platform.bids_of(login.subject.key)),
        )

    @app.post("/logout")
    def logout(request: Request):
        platform.logout(request.cookies.get(LOGIN_COOKIE))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.get("/.well-known/mobileca-platform")
    def well_known():
        return {
            "platform_id": platform.platform_id,
            "name": platform.name,
            "origin": platform.origin,
            "certificate_pem": platform.certificate_pem,
        }

    # --- creating scan sessions ------------------------------------------------------------

    @app.post("/api/scan/login")
    def new_login(request: Request):
        same_site(request)
        made = platform.new_session(
            "login",
            requester=requester_of(request),
            summary=f"登录 {platform.name}",
            details=[["平台", platform.name], ["操作", "扫码登录"]],
        )
        return created(request, made)

    @app.post("/api/seal")
    async def new_seal(request: Request):
        same_site(request)  # another site's page must not start an operation in this login
        login = require_login(request)
        body = await json_body(request)
        try:
            pdf = scanproto.unb64(body.get("pdf"))
        except ValueError as exc:
            raise Refusal("bad_request", "请上传 PDF 文件") from exc
        session = await run_in_threadpool(
            platform.start_seal,
            login,
            requester=requester_of(request),
            name=body.get("name") or "document.pdf",
            pdf=pdf,
            seal=str(body.get("seal", "official")),
            page=_int(body.get("page", 1)),
            box=list(body["box"]) if isinstance(body.get("box"), list) else None,
        )
        return created(request, session)

    @app.post("/api/encrypt")
    async def new_encrypt(request: Request):
        same_site(request)  # another site's page must not start an operation in this login
        login = require_login(request)
        body = await json_body(request)
        try:
            content = scanproto.unb64(body.get("content"))
        except ValueError as exc:
            raise Refusal("bad_request", "请选择投标文件") from exc
        session = await run_in_threadpool(
            platform.start_encrypt,
            login,
            requester=requester_of(request),
            name=body.get("name") or "",
            content=content,
            project=str(body.get("project") or ""),
        )
        return created(request, session)

    @app.post("/api/decrypt")
    async def new_decrypt(request: Request):
        same_site(request)  # another site's page must not start an operation in this login
        login = require_login(request)
        body = await json_body(request)
        session = await run_in_threadpool(
            platform.start_decrypt,
            login,
            requester=requester_of(request),
            bid_id=str(body.get("bid_id") or ""),
        )
        return created(request, session)

    @app.get("/api/bids")
    def list_bids(request: Request):
        login = require_login(request)
        return [b.__dict__ for b in platform.bids_of(login.subject.key)]

    @app.get("/api/scan/{sid}")
    def scan_state(sid: str, request: Request):
        session = platform.get(sid)
        bind = bind_of(request)
        owner = platform.owns(session, bind, login_of(request))
        # Never the login cookie: that waits for the user's 确认登录 (confirm_login).
        return JSONResponse(platform.public_state(session, owner=owner))

    @app.post("/api/scan/{sid}/login")
    def confirm_login(sid: str, request: Request):
        # 确认登录: the user saw whose account the scan answered with and accepts it.
        same_site(request, "只能在本平台的页面上确认登录")
        session = platform.get(sid)
        login = platform.take_login(session, bind_of(request))
        response = JSONResponse({"ok": True, "subject": login.subject.display})
        # Handed once; the binding cookie is spent with it (a new login needs a new one).
        response.set_cookie(LOGIN_COOKIE, login.token, httponly=True, samesite="lax")
        response.delete_cookie(BIND_COOKIE, path="/")
        return response

    @app.post("/api/scan/{sid}/decline")
    def decline_login(sid: str, request: Request):
        # 不是我: someone else answered this browser's code; nothing is set, the session ends.
        same_site(request, "只能在本平台的页面上取消登录")
        session = platform.get(sid)
        platform.decline_login(session, bind_of(request))
        response = JSONResponse({"ok": True})
        response.delete_cookie(BIND_COOKIE, path="/")
        return response

    @app.get("/qr/{sid}.png")
    def qr_png(sid: str):
        return Response(
            platform.qr_png(platform.get(sid)),
            media_type="image/png",
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/qr/{sid}.svg")
    def qr_svg(sid: str):
        return Response(
            platform.qr_svg(platform.get(sid)),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )

    # --- the scan protocol -----------------------------------------------------------------

    @app.get("/scan/{sid}/data")
    def scan_data(sid: str, request: Request):
        return Response(platform.data(sid, address_of(request)), media_type="application/json")

    @app.get("/scan/{sid}/document.pdf")
    def scan_document(sid: str):
        _name, pdf = platform.document(sid)
        return Response(pdf, media_type="application/pdf")

    @app.get("/scan/{sid}/bid.p7m")
    def scan_bid_envelope(sid: str):
        return Response(platform.bid_envelope(sid), media_type="application/pkcs7-mime")

    @app.post("/scan/{sid}/callback")
    async def scan_callback(sid: str, request: Request):
        body = _parse(await request.body(), "应答")
        # Off the event loop: OCSP, pyHanko (which runs its own asyncio loop) and CMS work.
        address = address_of(request)
        return JSONResponse(await run_in_threadpool(platform.callback, sid, body, address))

    @app.get("/sealed/{sid}.pdf")
    def sealed(sid: str, request: Request):
        login = require_login(request)
        session = platform.get(sid)
        if session.sealed is None or session.owner is None:
            raise Refusal("unknown_session", "没有已签章的文件", status=404)
        if session.owner.subject.key != login.subject.key:
            raise Refusal("forbidden", "只能下载本主体的签章文件", status=403)
        return Response(session.sealed, media_type="application/pdf")

    return app


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Refusal("bad_request", "页码必须是数字") from exc
