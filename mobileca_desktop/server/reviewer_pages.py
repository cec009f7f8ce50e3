"""The reviewers' web pages (CA 审核台) under ``/review/``: server-rendered HTML, no script.

Every page and action calls the engine with the reviewer's own session (its token lives in
an HttpOnly, SameSite=Strict cookie), so the engine's authorisation applies exactly as for
the JSON API: a reviewer sees and acts on the applications of their institution only (any
other is "not found"). POSTs carry a CSRF token, an HMAC of the session token under a key
derived from the CA's master secret (the same in every worker); the login form's token is an
HMAC of a random pre-session cookie. Values are escaped with ``html.escape``; typed errors
are shown in plain Chinese words, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    DocKind,
    Purpose,
    ReviewItem,
    Session,
    SignatureCheck,
    SignatureVerdict,
    label,
)
from mobileca_desktop.server.http_errors import status_for

PREFIX = "/review"
COOKIE = "mobileca_review"
PRE_COOKIE = "mobileca_review_login"
MAX_ID = 2**31 - 1
MAX_FORM = 64 * 1024
TZ = ZoneInfo("Asia/Shanghai")
INLINE_MIMES = {"image/jpeg", "image/png", "application/pdf"}

_STATE = {
    AppState.DRAFT: "草稿",
    AppState.SUBMITTED: "审核中",
    AppState.ISSUED: "正常",
    AppState.REJECTED: "已失效（已驳回）",
    AppState.CANCELLED: "已失效（被永久取消审核）",
    AppState.DISCARDED: "已失效（申请人已撤销）",
}
_PURPOSE = {Purpose.NEW: "证书新办", Purpose.RENEW: "证书更新", Purpose.CHANGE: "证书变更"}
_DOC = {
    DocKind.ID_FRONT: "身份证人像面",
    DocKind.ID_BACK: "身份证国徽面",
    DocKind.LICENCE: "营业执照",
    DocKind.LETTER: "授权书",
    DocKind.FACE: "刷脸照片",
    DocKind.SIGNATURE: "个人手写签名",
}
# After an action, the queue shows one of these (never text taken from the URL).
_DONE = {
    "approve": "申请 #{id} 已通过，证书已签发。",
    "reject": "申请 #{id} 已驳回。",
    "cancel": "申请 #{id} 已被永久取消审核。",
    "accept_letter": "申请 #{id} 的授权书已接受。",
    "reject_letter": "申请 #{id} 的授权书已拒绝。",
}

_CSS = """
body{font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;
background:#f4f6f9;color:#1f2933}
header{background:#1b4f8a;color:#fff;padding:12px 24px;display:flex;align-items:center;
justify-content:space-between}
header h1{font-size:18px;margin:0}header form{margin:0}
main{max-width:1100px;margin:24px auto;padding:0 16px}
a{color:#1b4f8a}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:24px}
th,td{border:1px solid #d9dee5;padding:8px 10px;text-align:left;font-size:14px}
th{background:#eef2f7}
.card{background:#fff;border:1px solid #d9dee5;border-radius:6px;padding:16px;
margin-bottom:16px}
.msg{padding:10px 14px;border-radius:4px;margin-bottom:16px}
.ok{background:#e3f6e8;border:1px solid #9bd3aa}
.err{background:#fdecea;border:1px solid #f2a7a0}
.valid{color:#1e7e34;font-weight:bold}.bad{color:#c0392b;font-weight:bold}
.muted{color:#6b7785}
button{background:#1b4f8a;color:#fff;border:0;border-radius:4px;padding:7px 16px;
cursor:pointer;font-size:14px}
button.danger{background:#c0392b}button.plain{background:#fff;color:#1b4f8a;
border:1px solid #fff}
input[type=text],input[type=password]{padding:6px 8px;border:1px solid #b8c2cc;
border-radius:4px;width:320px;max-width:100%}
form.action{margin:10px 0}
img.doc{max-width:480px;max-height:360px;border:1px solid #d9dee5;display:block;margin:6px 0}
dl{display:grid;grid-template-columns:140px 1fr;gap:6px 12px;margin:0}dt{color:#6b7785}
dd{margin:0}
"""

_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}


def error_words(exc: E.MobileCAError) -> str:
    """A typed error in plain Chinese for a reviewer."""
    if isinstance(exc, E.AuthenticationFailed):
        return "账号或密码错误"
    if isinstance(exc, E.SessionExpired):
        return "登录已过期，请重新登录"
    if isinstance(exc, E.NotFound):
        return "未找到该申请或文件（或它不属于本机构）"
    if isinstance(exc, E.PermissionDenied):
        return "无权执行此操作：仅 CA 审核员可以使用审核台"
    if isinstance(exc, E.IllegalState):
        return "该申请当前的状态不允许此操作（可能已被处理）"
    if isinstance(exc, E.PreconditionFailed):
        return "条件不满足，无法执行此操作：电子签名无效或已篡改"
    if isinstance(exc, E.InvalidInput):
        if exc.params.get("field") == "reason":
            return "请填写原因（不超过 500 字）"
        return "输入有误，请检查后重试"
    if isinstance(exc, E.RateLimited):
        return "尝试次数过多，请稍后再试"
    if isinstance(exc, E.ServiceUnavailable):
        return "服务暂时不可用，请稍后再试"
    return f"操作失败（错误代码：{exc.code}）"


def local_time(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def signature_words(check: SignatureCheck) -> tuple[str, str]:
    """(word, css class) for the 电子签名 check, the 审核台's words (views/reviewer/words.py)."""
    return _SIGNATURE_WORD[check.verdict]


def _e(value: Any) -> str:
    return escape("—" if value is None else str(value), quote=True)


def _label(member) -> str:
    if member is None:
        return "—"
    return label(member) or str(member)


class _Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def mount(
    app: FastAPI,
    engine: CAEngine,
    *,
    rebuild: Callable[[str], Session],
    run_password: Callable[..., Awaitable[Any]] | None = None,
    limit_login: Callable[[str, Request], None] | None = None,
    csrf_key: bytes | None = None,
) -> None:
    """Adds the pages to ``app``. ``rebuild`` turns a token into the ``Session`` (the engine
    checks it again on every call); ``run_password`` runs the slow login off the loop."""
    if csrf_key is None:
        csrf_key = hmac.new(engine.keys["check"], b"mobileca/review-csrf", "sha256").digest()
    key = csrf_key

    async def default_runner(fn: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    run_slow = run_password or default_runner

    def csrf_for(purpose: str, value: str) -> str:
        return hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(purpose: str, value: str | None, sent: str | None) -> bool:
        if not value or not sent:
            return False
        return hmac.compare_digest(csrf_for(purpose, value), sent)

    # --- rendering -----------------------------------------------------------------------

    def page(
        title: str,
        body: str,
        *,
        session: Session | None = None,
        status: int = 200,
        institution: str | None = None,
    ) -> HTMLResponse:
        heading = f"CA 审核台 — {institution}" if institution else "CA 审核台"
        logout = ""
        if session is not None:
            logout = (
                f'<form method="post" action="{PREFIX}/logout">'
                f'<span class="muted" style="color:#d6e2f0">{_e(session.display_name)}</span> '
                f'<input type="hidden" name="csrf" value="{csrf_for("session", session.token)}">'
                '<button class="plain" type="submit">退出登录</button></form>'
            )
        html = (
            '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(heading)}{' · ' + _e(title) if title else ''}</title>"
            f"<style>{_CSS}</style></head><body>"
            f'<header><h1><a href="{PREFIX}/" style="color:#fff;text-decoration:none">'
            f"{_e(heading)}</a></h1>{logout}</header><main>{body}</main></body></html>"
        )
        return HTMLResponse(html, status_code=status, headers=dict(_HEADERS))

    def message(text: str | None, kind: str = "err") -> str:
        return f'<div class="msg {kind}">{_e(text)}</div>' if text else ""

    def institution_name(session: Session) -> str:
        account = engine.me(session)
        if account.institution_id is None:
            return "全部机构"
        for inst in engine.institutions():
            if inst.id == account.institution_id:
                return inst.name
        return account.institution_id

    # --- sessions ------------------------------------------------------------------------

    def session_of(request: Request) -> Session:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 256:
            raise _Redirect(f"{PREFIX}/login")
        try:
            session = rebuild(token)
        except E.SessionExpired:
            raise _Redirect(f"{PREFIX}/login") from None
        if session.kind is not AccountKind.REVIEWER:
            raise _Redirect(f"{PREFIX}/login")
        return session

    async def form_of(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_FORM:
            return {}
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return {}
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=20)
        return {k: v for k, v in pairs}

    def redirect(url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})

    def app_id_of(raw: str) -> int:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
            raise E.NotFound(what="application", id=raw[:20])
        return int(raw)

    def guarded(handler: Callable[..., Response]) -> Callable[..., Response]:
        """Unauthenticated → the login page; a typed error → a page in plain words."""

        def run(request: Request, *args: Any) -> Response:
            try:
                return handler(request, *args)
            except _Redirect as r:
                return redirect(r.url)
            except E.SessionExpired:
                return redirect(f"{PREFIX}/login")
            except E.MobileCAError as exc:
                return page(
                    "出错了",
                    message(error_words(exc)) + f'<p><a href="{PREFIX}/">返回审核队列</a></p>',
                    status=_status(exc),
                )

        return run

    # --- login and logout ----------------------------------------------------------------

    def login_page(error: str | None = None, status: int = 200) -> Response:
        pre = secrets.token_urlsafe(24)
        body = (
            '<div class="card" style="max-width:420px;margin:40px auto">'
            "<h2>审核员登录</h2>"
            f"{message(error)}"
            f'<form method="post" action="{PREFIX}/login">'
            f'<input type="hidden" name="csrf" value="{csrf_for("login", pre)}">'
            '<p><label>登录名<br><input type="text" name="login_name" required '
            'maxlength="64" autocomplete="username"></label></p>'
            '<p><label>密码<br><input type="password" name="password" required '
            'maxlength="128" autocomplete="current-password"></label></p>'
            '<p><button type="submit">登录</button></p></form></div>'
        )
        resp = page("登录", body, status=status)
        resp.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", path=f"{PREFIX}/login")
        return resp

    @app.get(f"{PREFIX}/login", include_in_schema=False)
    def review_login_form() -> Response:
        return login_page()

    @app.post(f"{PREFIX}/login", include_in_schema=False)
    async def review_login(request: Request) -> Response:
        form = await form_of(request)
        if not csrf_ok("login", request.cookies.get(PRE_COOKIE), form.get("csrf")):
            return login_page("页面已过期，请重新登录", status=403)
        name = form.get("login_name", "").strip()[:64]
        password = form.get("password", "")[:128]
        try:
            if limit_login is not None:
                limit_login(name, request)
            session = await run_slow(engine.login, AccountKind.REVIEWER, name, password)
        except E.AuthenticationFailed:
            return login_page("账号或密码错误", status=401)
        except E.MobileCAError as exc:
            return login_page(error_words(exc), status=_status(exc))
        resp = redirect(f"{PREFIX}/")
        resp.set_cookie(
            COOKIE,
            session.token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )
        resp.delete_cookie(PRE_COOKIE, path=f"{PREFIX}/login")
        return resp

    @app.post(f"{PREFIX}/logout", include_in_schema=False)
    async def review_logout(request: Request) -> Response:
        form = await form_of(request)
        token = request.cookies.get(COOKIE)
        if not csrf_ok("session", token, form.get("csrf")):
            return page("出错了", message("请求无效（CSRF 校验失败）"), status=403)
        session = await run_in_threadpool(_try_rebuild, rebuild, token)
        if session is not None:
            await run_in_threadpool(engine.logout, session)
        resp = redirect(f"{PREFIX}/login")
        resp.delete_cookie(COOKIE, path=PREFIX)
        return resp

    # --- the queue -----------------------------------------------------------------------

    @guarded
    def queue_page(request: Request) -> Response:
        session = session_of(request)
        items = engine.review_queue(session)
        inst = institution_name(session)
        done = ""
        code, raw_id = request.query_params.get("done"), request.query_params.get("id", "")
        if code in _DONE and raw_id.isdigit() and len(raw_id) <= 10:
            done = message(_DONE[code].format(id=int(raw_id)), "ok")
        submitted = [i for i in items if i.application.state is AppState.SUBMITTED]
        letters = [i for i in items if i.letter_pending]
        body = done + "<h2>待审核的申请</h2>" + _queue_table(submitted, "当前没有待审核的申请。")
        body += "<h2>待接受的授权书</h2>" + _queue_table(letters, "当前没有待接受的授权书。")
        return page("审核队列", body, session=session, institution=inst)

    @app.get(f"{PREFIX}/", include_in_schema=False)
    def review_queue(request: Request) -> Response:
        return queue_page(request)

    @app.get(PREFIX, include_in_schema=False)
    def review_root() -> Response:
        return redirect(f"{PREFIX}/")

    # --- one application -----------------------------------------------------------------

    def detail(session: Session, item: ReviewItem, error: str | None, status: int) -> Response:
        a = item.application
        word, css = signature_words(item.signature)
        agent = ""
        if a.agent is not None:
            agent = (
                f"<dt>经办人</dt><dd>{_e(a.agent.name)}（身份证号 {_e(a.agent.id_number)}，"
                f"手机 {_e(a.agent.phone)}）</dd>"
            )
        info = (
            f"<dl><dt>申请编号</dt><dd>{a.id}</dd>"
            f"<dt>申请人</dt><dd>{_e(item.applicant)}</dd>"
            f"<dt>证书主体</dt><dd>{_e(a.subject_name)}</dd>"
            f"<dt>证书类型</dt><dd>{_e(_label(a.kind))}</dd>"
            f"<dt>业务类型</dt><dd>{_e(_PURPOSE.get(a.purpose, a.purpose))}</dd>"
            f"<dt>核验方式</dt><dd>{_e(_label(a.method))}</dd>"
            f"<dt>办理人</dt><dd>{_e(_label(a.handler))}</dd>{agent}"
            f"<dt>状态</dt><dd>{_e(_STATE.get(a.state, a.state))}</dd>"
            f"<dt>提交时间</dt><dd>{_e(local_time(a.submitted_at))}</dd>"
            + (f"<dt>驳回原因</dt><dd>{_e(a.reject_reason)}</dd>" if a.reject_reason else "")
            + "</dl>"
        )
        sig = item.signature
        signature = (
            f'<dl><dt>电子签名</dt><dd class="{css}">{word}</dd>'
            f"<dt>签名人</dt><dd>{_e(sig.signer)}</dd>"
            f"<dt>签名时间</dt><dd>{_e(local_time(sig.signed_at))}</dd>"
            f"<dt>核验详情</dt><dd>{_e(_SIGNATURE_DETAIL[sig.verdict])}</dd></dl>"
        )
        docs = []
        for d in a.documents:
            url = f"{PREFIX}/documents/{d.id}"
            kind = _e(_DOC.get(d.kind, d.kind))
            size = f"{d.size / 1024:.0f} KB"
            if d.mime.startswith("image/"):
                docs.append(
                    f"<div><strong>{kind}</strong> <span class='muted'>{_e(d.filename)}，"
                    f"{size}</span>"
                    f'<a href="{url}" target="_blank" rel="noopener">'
                    f'<img class="doc" src="{url}" alt="{kind}"></a></div>'
                )
            else:
                docs.append(
                    f"<div><strong>{kind}</strong> "
                    f'<a href="{url}" target="_blank" rel="noopener">{_e(d.filename)}</a> '
                    f"<span class='muted'>（{_e(d.mime)}，{size}）</span></div>"
                )
        token = csrf_for("session", session.token)

        def form(action: str, button: str, *, reason: str | None = None, danger=False) -> str:
            field = ""
            if reason is not None:
                field = (
                    f'<input type="text" name="reason" required maxlength="500" '
                    f'placeholder="{_e(reason)}"> '
                )
            cls = ' class="danger"' if danger else ""
            return (
                f'<form class="action" method="post" '
                f'action="{PREFIX}/applications/{a.id}/{action}">'
                f'<input type="hidden" name="csrf" value="{token}">'
                f'{field}<button type="submit"{cls}>{button}</button></form>'
            )

        actions = []
        if item.letter_pending:
            actions.append(form("accept_letter", "接受授权书"))
            actions.append(
                form("reject_letter", "拒绝授权书", reason="拒绝原因（必填）", danger=True)
            )
        if a.state is AppState.SUBMITTED:
            actions.append(form("approve", "通过"))
            actions.append(form("reject", "驳回", reason="驳回原因（必填）", danger=True))
        if a.state in (AppState.SUBMITTED, AppState.REJECTED):
            actions.append(form("cancel", "永久取消审核", reason="取消原因（必填）", danger=True))
        body = (
            f'<p><a href="{PREFIX}/">← 返回审核队列</a></p>{message(error)}'
            f'<div class="card"><h2>申请 #{a.id}</h2>{info}</div>'
            f'<div class="card"><h3>电子签名核验</h3>{signature}</div>'
            f'<div class="card"><h3>申请材料</h3>{"".join(docs) or "<p>无</p>"}</div>'
            f'<div class="card"><h3>审核操作</h3>'
            f"{''.join(actions) or '<p class=muted>该申请当前无需审核。</p>'}</div>"
        )
        return page(
            f"申请 #{a.id}",
            body,
            session=session,
            status=status,
            institution=institution_name(session),
        )

    @guarded
    def item_page(request: Request, raw_id: str) -> Response:
        session = session_of(request)
        item = engine.review_item(session, app_id_of(raw_id))
        return detail(session, item, None, 200)

    @app.get(f"{PREFIX}/applications/{{app_id}}", include_in_schema=False)
    def review_item(request: Request, app_id: str) -> Response:
        return item_page(request, app_id)

    @guarded
    def document(request: Request, raw_id: str) -> Response:
        session = session_of(request)
        if not raw_id.isdigit() or not 1 <= int(raw_id) <= MAX_ID:
            raise E.NotFound(what="document", id=raw_id[:20])
        info, data = engine.get_document(session, int(raw_id))
        inline = info.mime in INLINE_MIMES
        quoted = urllib.parse.quote(info.filename, safe="")
        return Response(
            data,
            media_type=info.mime if inline else "application/octet-stream",
            headers={
                "Content-Disposition": (
                    f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quoted}"
                ),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
                "Content-Security-Policy": "default-src 'none'; sandbox",
            },
        )

    @app.get(f"{PREFIX}/documents/{{doc_id}}", include_in_schema=False)
    def review_document(request: Request, doc_id: str) -> Response:
        return document(request, doc_id)

    # --- actions -------------------------------------------------------------------------

    calls: dict[str, tuple[Callable[..., Any], bool]] = {
        "approve": (engine.approve, False),
        "reject": (engine.reject, True),
        "cancel": (engine.cancel, True),
        "accept_letter": (engine.accept_letter, False),
        "reject_letter": (engine.reject_letter, True),
    }

    def act(request: Request, raw_id: str, action: str, form: dict[str, str]) -> Response:
        try:
            session = session_of(request)
        except _Redirect as r:
            return redirect(r.url)
        if not csrf_ok("session", session.token, form.get("csrf")):
            return page(
                "请求被拒绝",
                message("请求无效（CSRF 校验失败），请返回页面后重试。"),
                session=session,
                status=403,
            )
        call, with_reason = calls[action]
        try:
            app_id = app_id_of(raw_id)
            if with_reason:
                call(session, app_id, form.get("reason", "").strip())
            else:
                call(session, app_id)
        except E.SessionExpired:
            return redirect(f"{PREFIX}/login")
        except E.NotFound as exc:
            return page(
                "出错了",
                message(error_words(exc)) + f'<p><a href="{PREFIX}/">返回审核队列</a></p>',
                session=session,
                status=404,
            )
        except E.MobileCAError as exc:
            try:
                item = engine.review_item(session, app_id)
            except E.MobileCAError:
                return page("出错了", message(error_words(exc)), session=session, status=400)
            return detail(session, item, error_words(exc), _status(exc))
        return redirect(f"{PREFIX}/?done={action}&id={app_id}")

    for action in calls:

        def make(action: str = action):
            async def endpoint(request: Request, app_id: str) -> Response:
                form = await form_of(request)
                return await run_in_threadpool(act, request, app_id, action, form)

            endpoint.__name__ = f"review_page_{action}"
            return endpoint

        app.post(f"{PREFIX}/applications/{{app_id}}/{action}", include_in_schema=False)(make())


def _try_rebuild(rebuild: Callable[[str], Session], token: str | None) -> Session | None:
    if token is None:  # no session cookie
        return None
    try:
        return rebuild(token)
    except E.MobileCAError:
        return None


# The engine's verdict on a 电子签名 in the reviewer's words: the word and its css class, and
# the detail line.
_SIGNATURE_WORD = {
    SignatureVerdict.UNSIGNED: ("未签名", "bad"),
    SignatureVerdict.VALID: ("有效", "valid"),
    SignatureVerdict.TAMPERED: ("已篡改", "bad"),
    SignatureVerdict.INVALID: ("无效", "bad"),
    SignatureVerdict.OUTSIDE_VALIDITY: ("无效", "bad"),
}
_SIGNATURE_DETAIL = {
    SignatureVerdict.VALID: "签名有效，申请与材料自签名后未被改动",
    SignatureVerdict.UNSIGNED: "申请尚未签名",
    SignatureVerdict.INVALID: "签名无法验证",
    SignatureVerdict.OUTSIDE_VALIDITY: "签名时间不在事件型证书有效期内",
    SignatureVerdict.TAMPERED: "已篡改：签名后申请或材料被改动",
}


def _status(exc: E.MobileCAError) -> int:
    return status_for(exc)


def _queue_table(items: list[ReviewItem], empty: str) -> str:
    if not items:
        return f'<p class="muted">{_e(empty)}</p>'
    rows = []
    for item in items:
        a = item.application
        word, css = signature_words(item.signature)
        handler = _label(a.handler)
        if a.agent is not None:
            handler += f"（{a.agent.name}）"
        rows.append(
            f'<tr><td><a href="{PREFIX}/applications/{a.id}">#{a.id}</a></td>'
            f"<td>{_e(item.applicant)}</td><td>{_e(_label(a.kind))}</td>"
            f"<td>{_e(_label(a.method))}</td><td>{_e(handler)}</td>"
            f"<td>{_e(local_time(a.submitted_at))}</td>"
            f'<td class="{css}">{word}</td>'
            f"<td>{'待接受' if item.letter_pending else '—'}</td></tr>"
        )
    return (
        "<table><thead><tr><th>编号</th><th>申请人</th><th>证书类型</th><th>核验方式</th>"
        "<th>办理人</th><th>提交时间</th><th>电子签名</th><th>授权书</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
