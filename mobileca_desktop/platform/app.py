"""The platform's HTTP side: pages, the scan protocol's endpoints and the pages' JSON.

Pages: ``/`` (扫码登录, then 首页), ``/seal`` (扫码签章), ``/encrypt`` (投标文件加密),
``/opening`` (开标大厅). The pages' JSON: ``POST /api/scan/login``, ``/api/seal``,
``/api/encrypt``, ``/api/decrypt`` (a new scan session), ``GET /api/scan/<sid>`` (its live
state; sets the login cookie for the page that asked), ``GET /qr/<sid>.png`` / ``.svg``,
``GET /api/bids``, ``GET /sealed/<sid>.pdf`` (its owner only). The scan protocol
(docs/scan-protocol.md): ``GET /scan/<sid>/data``, ``GET /scan/<sid>/document.pdf``,
``POST /scan/<sid>/callback``. ``GET /.well-known/mobileca-platform``: id, name, origin and
signing certificate, for a client's trusted list.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mobileca_desktop.crypto import scanproto
from mobileca_desktop.platform import pages
from mobileca_desktop.platform.core import Login, Platform, ScanSession
from mobileca_desktop.platform.trust import Refusal

log = logging.getLogger(__name__)

BROWSER_COOKIE = "mca_browser"
LOGIN_COOKIE = "mca_login"
MAX_BODY = 32 * 1024 * 1024


def _refused(exc: Refusal) -> JSONResponse:
    return JSONResponse(exc.to_dict(), status_code=exc.status)


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title=platform.name, docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(Refusal)
    async def _refusal(_request: Request, exc: Refusal):
        return _refused(exc)

    def login_of(request: Request) -> Login | None:
        return platform.login_of(request.cookies.get(LOGIN_COOKIE))

    def browser_of(request: Request) -> str | None:
        return request.cookies.get(BROWSER_COOKIE)

    def html(request: Request, text: str) -> HTMLResponse:
        response = HTMLResponse(text)
        if not browser_of(request):
            response.set_cookie(
                BROWSER_COOKIE, secrets.token_urlsafe(18), httponly=True, samesite="lax"
            )
        return response

    async def json_body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refusal("too_large", "请求过大", status=413)
        try:
            body = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refusal("bad_request", "请求不是 JSON") from exc
        if not isinstance(body, dict):
            raise Refusal("bad_request", "请求必须是 JSON 对象")
        return body

    def require_login(request: Request) -> Login:
        login = login_of(request)
        if login is None:
            raise Refusal("not_logged_in", "请先扫码登录平台", status=401)
        return login

    def created(request: Request, session: ScanSession) -> JSONResponse:
        response = JSONResponse(
            {
                "sid": session.sid,
                "qr_text": session.qr_text,
                "qr_png": f"/qr/{session.sid}.png",
                "qr_svg": f"/qr/{session.sid}.svg",
                "state": platform.public_state(session),
            }
        )
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
        browser = browser_of(request) or secrets.token_urlsafe(18)
        session = platform.new_session(
            "login",
            browser=browser,
            summary=f"登录 {platform.name}",
            details=[["平台", platform.name], ["操作", "扫码登录"]],
        )
        response = created(request, session)
        if not browser_of(request):
            response.set_cookie(BROWSER_COOKIE, browser, httponly=True, samesite="lax")
        return response

    @app.post("/api/seal")
    async def new_seal(request: Request):
        login = require_login(request)
        body = await json_body(request)
        try:
            pdf = scanproto.unb64(body.get("pdf"))
        except ValueError as exc:
            raise Refusal("bad_request", "请上传 PDF 文件") from exc
        session = await run_in_threadpool(
            platform.start_seal,
            login,
            browser=browser_of(request),
            name=body.get("name") or "document.pdf",
            pdf=pdf,
            seal=str(body.get("seal", "official")),
            page=_int(body.get("page", 1)),
            box=list(body["box"]) if isinstance(body.get("box"), list) else None,
        )
        return created(request, session)

    @app.post("/api/encrypt")
    async def new_encrypt(request: Request):
        login = require_login(request)
        body = await json_body(request)
        try:
            content = scanproto.unb64(body.get("content"))
        except ValueError as exc:
            raise Refusal("bad_request", "请选择投标文件") from exc
        session = await run_in_threadpool(
            platform.start_encrypt,
            login,
            browser=browser_of(request),
            name=body.get("name") or "",
            content=content,
            project=str(body.get("project") or ""),
        )
        return created(request, session)

    @app.post("/api/decrypt")
    async def new_decrypt(request: Request):
        login = require_login(request)
        body = await json_body(request)
        session = await run_in_threadpool(
            platform.start_decrypt,
            login,
            browser=browser_of(request),
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
        response = JSONResponse(platform.public_state(session))
        browser = browser_of(request)
        if (
            session.op == "login"
            and session.state == "confirmed"
            and session.login_token
            and browser
            and session.browser == browser
        ):
            response.set_cookie(LOGIN_COOKIE, session.login_token, httponly=True, samesite="lax")
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
    def scan_data(sid: str):
        return Response(platform.data(sid), media_type="application/json")

    @app.get("/scan/{sid}/document.pdf")
    def scan_document(sid: str):
        _name, pdf = platform.document(sid)
        return Response(pdf, media_type="application/pdf")

    @app.get("/scan/{sid}/bid.p7m")
    def scan_bid_envelope(sid: str):
        return Response(platform.bid_envelope(sid), media_type="application/pkcs7-mime")

    @app.post("/scan/{sid}/callback")
    async def scan_callback(sid: str, request: Request):
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Refusal("too_large", "应答过大", status=413)
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refusal("bad_request", "应答不是 JSON") from exc
        # Off the event loop: OCSP, pyHanko (which runs its own asyncio loop) and CMS work.
        return JSONResponse(await run_in_threadpool(platform.callback, sid, body))

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
