"""Server-rendered pages of the simulated 交易系统 (Chinese), with a little JavaScript that
creates a scan session, shows its QR code and polls its state."""

from __future__ import annotations

from html import escape

from mobileca_desktop.platform.core import SEAL_LABEL, Bid, Login

CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",
 "PingFang SC",sans-serif;background:#eef2f7;color:#1f2d3d;font-size:15px}
a{color:#1456a8;text-decoration:none}
header{background:linear-gradient(90deg,#0b3f86,#1565c0 60%,#1e88e5);color:#fff}
.top{max-width:1100px;margin:0 auto;display:flex;align-items:center;padding:18px 20px;gap:16px}
.logo{width:54px;height:54px;border-radius:50%;background:#c62828;border:3px solid #ffd54f;
 display:flex;align-items:center;justify-content:center;font-size:26px;font-weight:bold}
.title h1{margin:0;font-size:26px;letter-spacing:2px}
.title div{font-size:13px;opacity:.85;margin-top:4px;letter-spacing:1px}
.who{margin-left:auto;text-align:right;font-size:14px}
.who form{display:inline}
.who button{background:transparent;border:1px solid #fff;color:#fff;border-radius:4px;
 padding:3px 10px;margin-left:8px;cursor:pointer}
nav{background:#0a3570}
nav .in{max-width:1100px;margin:0 auto;display:flex}
nav a{color:#e3ecf8;padding:11px 22px;display:block;font-size:15px}
nav a.on,nav a:hover{background:#c62828;color:#fff}
main{max-width:1100px;margin:22px auto;padding:0 20px;display:flex;gap:20px;
 align-items:flex-start}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:20px 24px}
.card h2{margin:0 0 14px;font-size:18px;border-left:4px solid #c62828;padding-left:10px}
.grow{flex:1}
.side{width:360px}
.notice li{padding:9px 0;border-bottom:1px dashed #d8dee8;list-style:none;display:flex}
.notice ul{padding:0;margin:0}
.notice li span{margin-left:auto;color:#8a94a6;font-size:13px}
.qrbox{text-align:center}
.qrbox img{width:264px;height:264px;border:1px solid #d8dee8;border-radius:4px;background:#fff}
.state{margin-top:12px;font-size:17px;font-weight:bold}
.state.waiting{color:#1565c0}.state.scanned,.state.authorized{color:#ef6c00}
.state.confirmed{color:#2e7d32}.state.rejected{color:#c62828}.state.expired{color:#8a94a6}
.msg{margin-top:6px;color:#4a5568;min-height:20px;word-break:break-all}
.hint{color:#6b7789;font-size:13px;margin-top:10px;line-height:1.7}
.tiles{display:flex;gap:16px;margin-top:8px}
.tile{flex:1;border:1px solid #d8dee8;border-radius:6px;padding:18px;text-align:center}
.tile b{display:block;font-size:17px;margin-bottom:6px}
form.op label{display:block;margin:12px 0 4px;color:#4a5568}
form.op input,form.op select{width:100%;padding:8px;border:1px solid #c5cfdc;border-radius:4px;
 font-size:15px}
.row{display:flex;gap:10px}.row>*{flex:1}
button.primary{background:#c62828;color:#fff;border:0;border-radius:4px;padding:10px 26px;
 font-size:15px;margin-top:16px;cursor:pointer}
button.plain{background:#fff;color:#1f2d3d;border:1px solid #c5cfdc;border-radius:4px;
 padding:9px 22px;font-size:15px;margin:16px 0 0 10px;cursor:pointer}
.ask{font-size:17px;font-weight:bold}
table{width:100%;border-collapse:collapse}
th,td{padding:9px 8px;border-bottom:1px solid #e6eaf0;text-align:left;font-size:14px}
th{background:#f4f6fa;color:#4a5568}
.result{margin-top:14px;padding:12px;border-radius:4px;background:#f1f8e9;display:none;
 line-height:1.8;word-break:break-all}
.result.bad{background:#ffebee}
.tag{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px}
.tag.ok{background:#e8f5e9;color:#2e7d32}.tag.wait{background:#fff3e0;color:#ef6c00}
.file{display:flex;align-items:center;gap:12px;border:1px solid #c5cfdc;border-radius:4px;
 padding:6px 8px;cursor:pointer;position:relative}
form.op .file input{position:absolute;opacity:0;width:1px;height:1px;padding:0}
.file span{background:#1565c0;color:#fff;border-radius:4px;padding:5px 14px}
.file em{font-style:normal;color:#4a5568}
footer{text-align:center;color:#8a94a6;font-size:12px;padding:20px}
"""

SCRIPT = """
const $ = (id) => document.getElementById(id);
let pollTimer = null, lastBody = null, lastUrl = null, onDone = null;
function showResult(ok, html) {
  const r = $('result'); if (!r) return;
  $('scan').style.display = 'block';
  r.style.display = 'block'; r.className = ok ? 'result' : 'result bad'; r.innerHTML = html;
}
function esc(t) {
  const d = document.createElement('div'); d.textContent = t ?? ''; return d.innerHTML;
}
async function startScan(url, body, done) {
  lastUrl = url; lastBody = body; onDone = done || null;
  if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
  const resp = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body || {})});
  const data = await resp.json();
  if (!resp.ok) { showResult(false, esc(data.message || '请求失败')); return; }
  $('scan').style.display = 'block';
  const img = $('qr'); img.src = data.qr_png; img.dataset.qr = data.qr_text;
  img.dataset.sid = data.sid;
  render(data.state);
  pollTimer = setTimeout(() => poll(data.sid), 700);
}
function render(st) {
  const s = $('scan-state'); s.textContent = st.state_text; s.className = 'state ' + st.state;
  s.dataset.state = st.state;
  // A code that was used, refused or expired must not look scannable.
  $('qr').style.opacity = ['waiting', 'scanned', 'authorized'].includes(st.state) ? 1 : 0.15;
  $('scan-retry').style.display = st.state === 'rejected' ? 'inline-block' : 'none';
  $('scan-message').textContent = st.message || '';
  const left = Math.max(0, st.exp - st.now);
  if (st.state === 'waiting') $('scan-message').textContent = '有效期剩余 ' + left + ' 秒';
}
async function poll(sid) {
  let st;
  try { const r = await fetch('/api/scan/' + sid); st = await r.json(); }
  catch (e) { pollTimer = setTimeout(() => poll(sid), 1500); return; }
  // An expired session is swept soon after its end: a page that slept makes a new code.
  if (st.code === 'unknown_session') { startScan(lastUrl, lastBody, onDone); return; }
  if (!st.state) { pollTimer = setTimeout(() => poll(sid), 1500); return; }
  render(st);
  if (st.state === 'expired') {
    setTimeout(() => startScan(lastUrl, lastBody, onDone), 1200); return;
  }
  if (st.state === 'confirmed' || st.state === 'rejected') {
    if (onDone) onDone(st);
    return;
  }
  pollTimer = setTimeout(() => poll(sid), 700);
}
window.addEventListener('DOMContentLoaded', () => {
  const retry = $('scan-retry');
  if (retry) retry.addEventListener('click', () => startScan(lastUrl, lastBody, onDone));
});
function fileField(id) {
  const input = $(id);
  input.addEventListener('change', () => {
    $(id + '-name').textContent = input.files[0] ? input.files[0].name : '未选择文件';
  });
}
function readFile(input) {
  return new Promise((ok, bad) => {
    const f = input.files[0]; if (!f) { bad('请选择文件'); return; }
    const rd = new FileReader();
    rd.onload = () => ok({name: f.name, b64: rd.result.split(',')[1]});
    rd.onerror = () => bad('文件读取失败'); rd.readAsDataURL(f);
  });
}
"""

NAV = (
    ("home", "/", "首页"),
    ("seal", "/seal", "扫码签章"),
    ("encrypt", "/encrypt", "投标文件加密"),
    ("opening", "/opening", "开标大厅"),
)


def page(*, title: str, platform_name: str, login: Login | None, active: str, body: str) -> str:
    who = "<span>未登录</span>"
    if login is not None:
        who = (
            f'<span id="who">{escape(login.subject.display)}</span>'
            '<form method="post" action="/logout"><button id="logout">退出</button></form>'
            f'<div style="font-size:12px;opacity:.8;margin-top:4px">'
            f"{escape(login.institution)} · 证书 {escape(login.device_serial[:16])}…</div>"
        )
    nav = "".join(
        f'<a href="{href}" class="{"on" if key == active else ""}">{label}</a>'
        for key, href, label in NAV
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{escape(title)} - {escape(platform_name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>{CSS}</style><script>{SCRIPT}</script></head><body>
<header><div class="top"><div class="logo">晋</div>
<div class="title"><h1>{escape(platform_name)}</h1>
<div>电子交易系统 · 移动 CA 扫码登录 / 签章 / 加密 / 解密</div></div>
<div class="who">{who}</div></div>
<nav><div class="in">{nav}</div></nav></header>
<main>{body}</main>
<footer>山西省公共资源交易平台（模拟环境，仅供培训与测试） · 技术支持：移动CA 模拟器</footer>
</body></html>"""


def scan_panel(title: str, hint: str, hidden: bool = True) -> str:
    style = ' style="display:none"' if hidden else ""
    return f"""<div class="card side" id="scan"{style}><h2>{escape(title)}</h2>
<div class="qrbox"><img id="qr" alt="扫码二维码">
<div class="state" id="scan-state">正在生成二维码…</div>
<div class="msg" id="scan-message"></div>
<button class="primary" id="scan-retry" style="display:none">重新生成二维码</button></div>
<div class="hint">{hint}</div>
<div class="result" id="result"></div></div>"""


_NOTICES = (
    ("太原市某道路改造工程施工招标公告", "2026-11-20"),
    ("晋中市公共卫生服务中心设备采购项目", "2026-11-19"),
    ("大同市供水管网更新工程监理招标", "2026-11-18"),
    ("运城市高标准农田建设项目（二标段）", "2026-11-16"),
    ("长治市中学教学楼维修改造工程", "2026-11-15"),
)

_CLIENT_HINT = (
    "请打开「山西公共资源交易 移动CA」客户端，点击首页的「扫一扫」扫描二维码，"
    "核对平台名称与操作内容后输入证书密码确认。二维码 2 分钟内有效，过期自动刷新。"
)


def home_anonymous(platform_name: str) -> str:
    notices = "".join(f"<li><a href='#'>{escape(t)}</a><span>{d}</span></li>" for t, d in _NOTICES)
    body = f"""<div class="card grow notice"><h2>交易公告</h2><ul>{notices}</ul>
<div class="hint" style="margin-top:16px">投标人使用移动 CA 数字证书扫码登录后，可办理文件签章、
投标文件加密与开标解密。支持北京数字认证股份有限公司等兼容 CA 机构签发的证书。</div></div>
{scan_panel("扫码登录", _CLIENT_HINT, hidden=False)}
<script>
// A scanned login is not valid until this browser's user accepts the account: whoever saw
// the code may have answered it first with their own certificate (login CSRF).
function askLogin(st) {{
  $('scan-state').textContent = '已扫码，请核对登录身份'; $('scan-message').textContent = '';
  showResult(true, '<div class="ask" id="login-ask">以 <span id="login-subject">' +
    esc(st.result.subject) + '</span> 身份登录？</div>' +
    '<div class="hint">证书颁发机构：' + esc(st.result.institution) +
    '。如果这不是您的单位或您本人，请点击「不是我」：可能有人抢先扫描了本页的二维码。</div>' +
    '<button class="primary" id="login-confirm">确认登录</button>' +
    '<button class="plain" id="login-decline">不是我</button>');
  const again = () => {{
    const r = $('result'); r.style.display = 'none'; r.innerHTML = '';
    startScan(lastUrl, lastBody, onDone);
  }};
  $('login-confirm').addEventListener('click', async () => {{
    const r = await fetch('/api/scan/' + st.sid + '/login', {{method: 'POST'}});
    if (r.ok) {{ location.reload(); return; }}
    const d = await r.json().catch(() => ({{}}));
    showResult(false, esc(d.message || '登录确认失败'));
    setTimeout(again, 2500);
  }});
  $('login-decline').addEventListener('click', async () => {{
    await fetch('/api/scan/' + st.sid + '/decline', {{method: 'POST'}}).catch(() => null);
    again();
  }});
}}
window.addEventListener('load', () => startScan('/api/scan/login', {{}}, (st) => {{
  if (st.state === 'confirmed' && st.result.confirm === 'pending') askLogin(st);
}}));
</script>"""
    return page(title="扫码登录", platform_name=platform_name, login=None, active="home", body=body)


def home_logged_in(platform_name: str, login: Login) -> str:
    body = f"""<div class="card grow"><h2>欢迎使用电子交易系统</h2>
<div id="welcome" style="font-size:17px">登录成功：<b>{escape(login.subject.display)}</b></div>
<div class="hint">证书颁发机构：{escape(login.institution)}；设备证书序列号：
{escape(login.device_serial)}</div>
<div class="tiles">
<a class="tile" href="/seal"><b>扫码签章</b>上传 PDF，选择印章与位置，扫码签章</a>
<a class="tile" href="/encrypt"><b>投标文件加密</b>扫码签名并以本单位加密证书加密</a>
<a class="tile" href="/opening"><b>开标大厅</b>开标时扫码解密本单位的投标文件</a>
</div></div>"""
    return page(title="首页", platform_name=platform_name, login=login, active="home", body=body)


def need_login(platform_name: str, active: str) -> str:
    body = """<div class="card grow"><h2>请先登录</h2>
<p>此功能需要先使用移动 CA 扫码登录。<a href="/">前往扫码登录</a></p></div>"""
    return page(title="请先登录", platform_name=platform_name, login=None, active=active, body=body)


def seal_page(platform_name: str, login: Login) -> str:
    kinds = ["signature"] if login.subject.kind == "personal" else list(SEAL_LABEL)
    options = "".join(f'<option value="{k}">{SEAL_LABEL[k]}</option>' for k in kinds)
    body = f"""<div class="card grow"><h2>扫码签章（所见即所签）</h2>
<form class="op" id="seal-form" onsubmit="return false">
<label>待签章文件（PDF）</label>
<label class="file"><input type="file" id="pdf" accept="application/pdf"><span>选择文件</span>
<em id="pdf-name">未选择文件</em></label>
<div class="row"><div><label>印章</label><select id="seal">{options}</select></div>
<div><label>页码</label><input id="page" type="number" value="1" min="1"></div></div>
<label>印章位置（PDF 坐标，单位 pt，原点在左下角）</label>
<div class="row"><input id="x1" type="number" value="380"><input id="y1" type="number" value="80">
<input id="x2" type="number" value="520"><input id="y2" type="number" value="220"></div>
<button class="primary" id="seal-go">生成签章二维码</button></form>
<div class="hint">客户端扫码后会下载并显示此文件，用所选印章签章后上传；平台只接受对原文件的
增量签章，且签章人须为当前登录主体。</div></div>
{scan_panel("扫码签章", _CLIENT_HINT)}
<script>
fileField('pdf');
$('seal-go').addEventListener('click', async () => {{
  let f; try {{ f = await readFile($('pdf')); }} catch (e) {{ alert(e); return; }}
  const box = ['x1','y1','x2','y2'].map((k) => Number($(k).value));
  startScan('/api/seal', {{name: f.name, pdf: f.b64, seal: $('seal').value,
    page: Number($('page').value), box}}, (st) => {{
    if (st.state === 'confirmed') showResult(true, '签章成功：' + esc(st.result.signer) +
      '<br>' + esc(st.result.validation) + '<br><a id="download" href="' + st.result.download +
      '">下载已签章文件</a>');
    else showResult(false, esc(st.message));
  }});
}});
</script>"""
    return page(
        title="扫码签章", platform_name=platform_name, login=login, active="seal", body=body
    )


def encrypt_page(platform_name: str, login: Login) -> str:
    body = f"""<div class="card grow"><h2>投标文件加密</h2>
<form class="op" onsubmit="return false">
<label>投标项目</label><input id="project" maxlength="80" placeholder="项目名称（随投标文件签名）">
<label>投标文件</label>
<label class="file"><input type="file" id="bid"><span>选择文件</span>
<em id="bid-name">未选择文件</em></label>
<button class="primary" id="encrypt-go">生成加密二维码</button></form>
<div class="hint">客户端扫码后对投标文件摘要签名并提交本单位的加密证书；平台将签名后的投标文件
以 CMS 数字信封加密存储，开标前任何人（包括平台）都无法查看。</div></div>
{scan_panel("扫码加密", _CLIENT_HINT)}
<script>
fileField('bid');
$('encrypt-go').addEventListener('click', async () => {{
  let f; try {{ f = await readFile($('bid')); }} catch (e) {{ alert(e); return; }}
  const project = $('project').value;
  startScan('/api/encrypt', {{name: f.name, content: f.b64, project}}, (st) => {{
    if (st.state === 'confirmed') showResult(true, esc(st.message) +
      '<br><a href="/opening">前往开标大厅</a>');
    else showResult(false, esc(st.message));
  }});
}});
</script>"""
    return page(
        title="投标文件加密", platform_name=platform_name, login=login, active="encrypt", body=body
    )


def opening_page(platform_name: str, login: Login, bids: list[Bid]) -> str:
    rows = "".join(
        f"<tr><td>{escape(b.project or '—')}</td><td>{escape(b.name)}</td><td>{b.size}</td>"
        f"<td>{escape(b.created_at)}</td>"
        f"<td>{escape(b.encryption_serial[:16])}…</td><td>"
        + (
            f'<span class="tag ok">已解密</span> {escape(b.opened_at or "")}'
            if b.opened_at
            else '<span class="tag wait">未解密</span>'
        )
        + f'</td><td><button class="open" data-bid="{escape(b.id)}">扫码解密</button></td></tr>'
        for b in bids
    )
    if not rows:
        rows = '<tr><td colspan="7">本单位还没有加密投标文件。</td></tr>'
    body = f"""<div class="card grow"><h2>开标大厅</h2>
<table id="bids"><tr><th>投标项目</th><th>投标文件</th><th>大小</th><th>投标时间</th>
<th>加密证书</th><th>状态</th><th></th></tr>{rows}</table>
<div class="hint">开标时由投标人扫码：平台把本投标文件的数字信封交给客户端；客户端用托管的加密私钥
打开信封，核对其中是本单位签名、与加密时登记的摘要一致、正是页面上显示的这一份投标文件（项目、投标人、
加密时间）后，才签名授权并把内容密钥加密回传（仅本次开标会话可解），平台解密并验证投标签名。</div>
</div>
{scan_panel("扫码解密", _CLIENT_HINT)}
<script>
document.querySelectorAll('button.open').forEach((b) => b.addEventListener('click', () => {{
  startScan('/api/decrypt', {{bid_id: b.dataset.bid}}, (st) => {{
    if (st.state === 'confirmed') {{
      const cell = b.closest('tr').querySelector('.tag');
      cell.className = 'tag ok'; cell.textContent = '已解密';
    }}
    if (st.state === 'confirmed') showResult(true, esc(st.message) + '<br>投标人签名：' +
      esc(st.result.signer) + '<br>大小：' + esc(st.result.size) + ' 字节<br>内容预览：' +
      esc(st.result.preview));
    else showResult(false, esc(st.message));
  }});
}}));
</script>"""
    return page(
        title="开标大厅", platform_name=platform_name, login=login, active="opening", body=body
    )
