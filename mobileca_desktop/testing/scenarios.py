"""Handbook scenarios: a TOML file, one step a line in the handbook's words, played through
the QA kit's page objects. pytest runs them with ``--mobileca-scenarios DIR`` (each ``*.toml``
of the folder is a test); a failing step is named in the report with the window's
screenshot. The steps understood are those of ``STEPS`` (docs/qa-guide.md lists them).

    title = "单位证书 · 对公打款 · 法人本人"
    steps = [
      "法人登录",
      "申请单位证书",
      "选择 CA 机构：BJCA",
      ...
    ]
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEPARATORS = ("：", ":")


class ScenarioError(Exception):
    """A scenario file that cannot be played (unknown step, bad argument)."""


class StepFailed(AssertionError):
    """A step whose expectation was not met, or that the app refused."""


@dataclass(frozen=True)
class Step:
    number: int
    text: str  # as written
    verb: str
    argument: str


@dataclass(frozen=True)
class Scenario:
    path: Path
    title: str
    steps: tuple[Step, ...]
    captions: dict[int, str] = field(default_factory=dict)  # step number: the handbook's words

    @property
    def needs_platform(self) -> bool:
        """Whether a step scans a code of the trading-platform simulator."""
        return any(step.verb in PLATFORM_STEPS for step in self.steps)


SHIPPED = Path(__file__).resolve().parent.parent / "resources" / "scenarios"


@dataclass(frozen=True)
class DemoState:
    """A named point of the handbook: a shipped scenario played up to (and with) a step."""

    name: str
    scenario: str  # a shipped file's stem
    through: str  # the step's text, played last
    says: str  # what the trainer finds

    def scenario_path(self) -> Path:
        return SHIPPED / f"{self.scenario}.toml"

    def last_step(self, scenario: Scenario) -> int:
        for step in scenario.steps:
            if step.text == self.through:
                return step.number
        raise ScenarioError(f"{scenario.path.name}: 没有步骤“{self.through}”")


DEMO_STATES = {
    s.name: s
    for s in (
        DemoState(
            "审核中", "unit-deposit", "短信验证码电子签名", "单位证书已提交，等待 CA 机构审核"
        ),
        DemoState(
            "已驳回",
            "legal-rep-agent-rejected",
            "CA 机构驳回：身份证人像面照片不清晰",
            "法定代表人证书被驳回（已失效），可点“继续”",
        ),
        DemoState("正常", "unit-deposit", "CA 机构审核通过", "单位证书审核通过，尚未下载"),
        DemoState("已下载", "grant-agent-scan-login", "证书下载", "单位证书已下载到法人的电脑"),
        DemoState("已授权", "grant-agent-scan-login", "授权给经办人", "单位证书已授权给经办人"),
        DemoState(
            "经办人已下载",
            "grant-agent-scan-login",
            "经办人下载证书",
            "经办人已在自己的电脑上下载授权的证书",
        ),
        DemoState("已过期", "expired", "演示时钟前进：400 天", "单位证书已过期，可证书更新"),
        DemoState("已吊销", "revoke", "吊销：不再使用此证书", "单位证书已吊销"),
    )
}


def parse_step(number: int, text: str) -> Step:
    text = text.strip()
    verb, argument = text, ""
    for sep in SEPARATORS:
        if sep in text:
            verb, argument = (part.strip() for part in text.split(sep, 1))
            break
    if verb not in STEPS:
        known = "、".join(STEPS)
        raise ScenarioError(f"第 {number} 步“{text}”：不认识的步骤（可用：{known}）")
    return Step(number, text, verb, argument)


def load(path: Path) -> Scenario:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError(f"{path.name}: 不是可读取的场景文件（{exc}）") from exc
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise ScenarioError(f"{path.name}: steps 须是一列步骤文字")
    title = str(data.get("title") or path.stem)
    parsed = tuple(parse_step(i, s) for i, s in enumerate(steps, start=1))
    captions = data.get("captions", {})
    if not isinstance(captions, dict) or not all(
        isinstance(v, str) and k.isdigit() and 1 <= int(k) <= len(parsed)
        for k, v in captions.items()
    ):
        raise ScenarioError(f"{path.name}: captions 须是“步骤序号 = 说明文字”")
    return Scenario(path, title, parsed, {int(k): v for k, v in captions.items()})


@dataclass
class Player:
    """Plays steps against one test's world and client windows (``open_client``:
    ``mca_client``). ``page`` is where the last step left the window of the current
    computer."""

    world: Any
    open_client: Callable[..., Any]
    clients: dict[str, Any] = field(default_factory=dict)
    device: str = "legal-pc"
    page: Any = None
    app_id: int | None = None
    certificate_password: str = "Zhengshu#2026"
    folder: Path | None = None
    platform: Any = None  # the trading-platform simulator (mca_platform), for 扫码 steps
    portrait: bytes | None = None  # the picture the webcam shows for 刷脸 (a face)
    cert_id: int | None = None  # the scenario's certificate once renewed (证书更新)

    def client(self) -> Any:
        if self.device not in self.clients:
            self.clients[self.device] = self.open_client(self.device)
        return self.clients[self.device]

    def play(self, scenario: Scenario, until: int | None = None) -> None:
        for step in scenario.steps:
            if until is not None and step.number > until:
                break
            self.play_step(scenario, step)

    def play_step(self, scenario: Scenario, step: Step) -> None:
        """One step; ``StepFailed`` names it, in the trainer's words, if it does not pass."""
        try:
            STEPS[step.verb](self, step.argument)
        except ScenarioError as exc:  # the file asks for what cannot be done here
            raise ScenarioError(
                f"“{scenario.title}”第 {step.number} 步“{step.text}”无法执行：{exc}"
            ) from exc
        except Exception as exc:  # the app refused, or a page did not come: say which step
            said = str(exc)
            if not isinstance(exc, AssertionError):
                said = f"{type(exc).__name__}: {exc}"
            raise StepFailed(
                f"“{scenario.title}”第 {step.number} 步“{step.text}”未通过：{said}"
            ) from exc

    # --- helpers ------------------------------------------------------------------------------

    def wizard(self) -> Any:
        from mobileca_desktop.testing.pages import WizardPage

        if not isinstance(self.page, WizardPage):
            raise AssertionError("not in the application wizard")
        return self.page

    def certificate_id(self) -> int:
        """The certificate of the scenario's application (once approved), or its successor
        after 证书更新."""
        if self.cert_id is not None:
            return self.cert_id
        if self.app_id is None:
            raise AssertionError("no application was submitted before")
        world = self.world
        app = world.services.ca.get_application(world.legal_session(), self.app_id)
        if app.certificate_id is None:
            raise AssertionError("the application has no certificate (not approved?)")
        return app.certificate_id

    def home(self) -> Any:
        from mobileca_desktop.testing.pages import HomePage, LoginPage

        page = self.client().page()
        if isinstance(page, LoginPage):
            raise ScenarioError(
                f"{self.device} 上还没有人登录（先加一步“法人登录”“经办人登录”或“个人登录”）"
            )
        while not isinstance(page, HomePage):
            page = page.back()
        return page


# --- the steps ----------------------------------------------------------------------------------


def _log_in_legal(p: Player, _arg: str) -> None:
    p.device = "legal-pc"
    p.page = p.client().login_page().log_in_as_company()


def _log_in_person(p: Player, _arg: str) -> None:
    """个人登录 (the demo person, who is also the 经办人) on the agent's computer."""
    _log_in_agent(p, _arg)


def _log_in_agent(p: Player, _arg: str) -> None:
    p.device = "agent-pc"
    p.page = p.client().login_page().log_in_as_agent()


def _apply(kind: str) -> Callable[[Player, str], None]:
    def step(p: Player, _arg: str) -> None:
        from mobileca_desktop.domain.models import CertKind

        home = p.home()
        _discard_earlier_drafts(p, CertKind(kind))
        p.page = home.apply(CertKind(kind))

    return step


def _discard_earlier_drafts(p: Player, kind: Any) -> None:
    """申请…证书 starts the scenario's application at its first step. The app continues an
    unsubmitted draft of that kind instead (继续办理尚未提交的申请): one left on a CA shared
    by runs (``--mobileca-ca``) by an earlier run that stopped half-way. Such drafts (never
    this scenario's own) are discarded first, as choosing another CA institution would."""
    from mobileca_desktop.domain.models import AppState

    session = p.client().window.session
    ca = p.world.services.ca
    for app in ca.list_applications(session):
        if app.state is AppState.DRAFT and app.kind is kind and app.id != p.app_id:
            ca.discard_draft(session, app.id)


def _institution(p: Player, arg: str) -> None:
    wanted = arg.strip().lower()
    for inst in p.world.services.ca.institutions():
        if wanted in (inst.id.lower(), inst.short_name.lower(), inst.name.lower()):
            p.wizard().choose(f"institution_{inst.id}").next()
            return
    raise ScenarioError(f"没有名为“{arg}”的 CA 机构")


METHODS = {
    "法人刷脸": "face",
    "电子营业执照": "elicence",
    "对公打款": "deposit",
    "上传授权书": "letter",
}
HANDLERS = {"法人本人": "legal_person", "经办人": "agent"}


def _method(p: Player, arg: str) -> None:
    if arg not in METHODS:
        raise ScenarioError(f"核验方式须是 {'、'.join(METHODS)} 之一，不是“{arg}”")
    p.wizard().choose(f"method_{METHODS[arg]}").next()


def _handler(p: Player, arg: str) -> None:
    if arg not in HANDLERS:
        raise ScenarioError(f"办理人员须是 {'、'.join(HANDLERS)} 之一，不是“{arg}”")
    if arg == "经办人":
        p.wizard().handled_by_agent(p.world.demo.agent)
    else:
        p.wizard().handled_by_legal_person()


def _deposit(p: Player, _arg: str) -> None:
    """对公打款: the amount from the bank's notice; with an 经办人 the 授权码 rode in its memo
    line."""
    p.wizard().verify_by_deposit()


def _face(p: Player, _arg: str) -> None:
    """法人刷脸 / 本人刷脸: the webcam shows the portrait, 打开摄像头, 拍照, 下一步."""
    if p.portrait is None:
        raise ScenarioError(
            "刷脸需要一张人脸照片给摄像头（pytest --mobileca-portrait 照片，"
            "mobileca play --portrait 照片）"
        )
    p.wizard().verify_by_face(p.portrait)


def _elicence(p: Player, _arg: str) -> None:
    """电子营业执照: the licence's QR text from the legal person's phone (复制二维码内容),
    pasted on the page, 下一步."""
    p.wizard().verify_by_elicence()


def _letter(p: Player, _arg: str) -> None:
    """上传授权书: 选择授权书文件 (the file dialog answers with a stamped letter); it waits for
    the CA institution."""
    from mobileca_desktop.testing.world import sample_pdf

    letter = _folder(p) / "授权书.pdf"
    letter.write_bytes(sample_pdf("授权书 盖章"))
    p.app_id = p.wizard().upload_letter(letter).application_id


def _accept_letter(p: Player, _arg: str) -> None:
    """The CA institution accepts the letter; 刷新审核状态, 下一步."""
    p.wizard().letter_accepted()


def _folder(p: Player) -> Path:
    import tempfile

    if p.folder is None:
        return Path(tempfile.mkdtemp(prefix="mobileca-docs-"))
    p.folder.mkdir(parents=True, exist_ok=True)  # the sample documents are written there
    return p.folder


def _confirm(p: Player, _arg: str) -> None:
    from mobileca_desktop.services.wizard import Step as W

    wizard = p.wizard()
    if wizard.step is not W.CONFIRM:
        raise AssertionError(f"not on 信息确认 but {wizard.step}")
    wizard.next(W.DOCUMENTS)


def _documents(p: Player, _arg: str) -> None:
    p.wizard().upload_samples(_folder(p))


def _sign(p: Player, _arg: str) -> None:
    from mobileca_desktop.domain.models import CertKind, Handler

    wizard = p.wizard()
    app = wizard.widget.wizard.application
    person = app is not None and (app.handler is Handler.AGENT or app.kind is CertKind.PERSONAL)
    wizard.sign(p.world.demo.agent.phone if person else None)
    p.app_id = wizard.application_id


def _approve(p: Player, _arg: str) -> None:
    if p.app_id is None:
        raise AssertionError("no application was submitted before")
    p.world.reviewer.approve(p.app_id)


def _reject(p: Player, arg: str) -> None:
    if p.app_id is None:
        raise AssertionError("no application was submitted before")
    p.world.reviewer.reject(p.app_id, arg or "材料不清晰")


def _expect_status(p: Player, arg: str) -> None:
    """证书管理：STATUS — the row of the scenario's application (or the only row) says it."""
    certs = p.home().open_certificates()
    p.page = certs
    if p.cert_id is not None:
        row = certs.row(certificate_id=p.cert_id)
    elif p.app_id is not None:
        row = certs.row(application_id=p.app_id)
    else:
        rows = certs.rows()
        if len(rows) != 1:
            raise AssertionError(f"{len(rows)} rows in 证书管理, which one?")
        row = rows[0]
    if row.status != arg:
        raise AssertionError(f"证书管理 shows {row.status}, not {arg}")


def _continue(p: Player, _arg: str) -> None:
    certs = p.home().open_certificates()
    p.page = certs.row(application_id=p.app_id).continue_()


def _detail(p: Player) -> Any:
    return p.home().open_certificates().row(certificate_id=p.certificate_id()).open()


def _renew(p: Player, _arg: str) -> None:
    """证书更新: from 证书详情 (or 继续 on an 已过期 row of 证书管理), 确认更新; the new
    certificate is downloaded and activated on this computer."""
    old = p.certificate_id()
    row = p.home().open_certificates().row(certificate_id=old)
    activation = row.renew() if row.status == "已过期" else row.open().renew()
    p.cert_id = activation.widget.certificate_id
    p.page = activation.activate(p.certificate_password).finish()


REVOKE_REASONS = {
    "": "CESSATION",
    "不再使用此证书": "CESSATION",
    "私钥泄露、电脑或证书密码丢失": "KEY_COMPROMISE",
    "单位或人员信息已变化": "AFFILIATION_CHANGED",
    "其他原因": "UNSPECIFIED",
}


def _revoke(p: Player, arg: str) -> None:
    """吊销 from 证书详情, with the reason (default 不再使用此证书), 确认吊销."""
    from mobileca_desktop.domain.models import RevocationReason

    if arg not in REVOKE_REASONS:
        raise ScenarioError(f"吊销原因须是 {'、'.join(r for r in REVOKE_REASONS if r)} 之一")
    detail = _detail(p).revoke(RevocationReason[REVOKE_REASONS[arg]])
    if detail.status != "已吊销":
        raise AssertionError(f"证书详情 shows {detail.status} after 吊销")
    p.page = detail


def _change(p: Player, arg: str) -> None:
    """证书变更 from 证书详情: 单位名称 (or the person's 姓名) becomes ARG, 下一步：上传证件: the
    wizard of the change application follows (上传证件, 短信验证码电子签名, a new review)."""
    if not arg:
        raise ScenarioError("证书变更须写新的名称，如“证书变更：山西示范科技有限公司（太原）”")
    page = _detail(p).change()
    fields = page.fields()
    name = next(n for n in ("company_name", "person_name", "legal_person_name") if n in fields)
    p.page = page.change(**{name: arg})
    p.app_id = p.page.application_id
    p.cert_id = None


def _clock(p: Player, arg: str) -> None:
    days = arg.replace("天", "").strip()
    if not days.isdigit():
        raise ScenarioError(f"演示时钟前进须写天数，如“演示时钟前进：400 天”，不是“{arg}”")
    p.world.clock.advance(days=int(days))


def _download(p: Player, _arg: str) -> None:
    """证书下载 on this computer from 证书详情 (the owner's certificate)."""
    cid = p.certificate_id()
    detail = p.home().open_certificates().row(certificate_id=cid).open()
    activation = detail.download().activate(p.certificate_password)
    p.page = activation.finish()


def _grant(p: Player, _arg: str) -> None:
    """授权 the scenario's certificate to the demo agent in 授权管理 (the legal person)."""
    cid = p.certificate_id()
    grants = p.home().open_grants().new_grant().grant(certificate_id=cid)
    if grants.row(certificate_id=cid).status != "授权中":
        raise AssertionError(f"the grant shows {grants.row(certificate_id=cid).status}")
    p.page = grants


def _agent_download(p: Player, _arg: str) -> None:
    """The agent downloads the granted certificate from 授权管理 on the agent's computer."""
    cid = p.certificate_id()
    received = p.home().open_grants()
    activation = received.row(certificate_id=cid).download().activate(p.certificate_password)
    p.page = activation.finish()


def _scan(p: Player, qr: Any, what: str) -> Any:
    """扫一扫 on this computer: the platform's code pasted as a picture, confirmed with the
    certificate password (a first scan downloads the certificate first); the platform's page
    sees the scan confirmed."""
    from mobileca_desktop.testing.pages import ActivationPage

    scanner = p.home().open_scan()
    if isinstance(scanner, ActivationPage):
        scanner = scanner.activate(p.certificate_password).finish()
    confirm = scanner.paste_image(qr.qr_png)
    if confirm.operation != what:
        raise AssertionError(f"扫一扫 asks for {confirm.operation}, not {what}")
    result = confirm.confirm(p.certificate_password)
    state = p.platform.state(qr.session_id)
    if state.get("state") != "confirmed":
        raise AssertionError(
            f"扫一扫 says {result.heading}: {result.message}; the platform: {state.get('message')}"
        )
    p.page = result
    return result


def _platform(p: Player, what: str) -> Any:
    if p.platform is None:
        raise ScenarioError(f"{what}需要交易平台模拟器（mca_platform）")
    return p.platform


def _scan_login(p: Player, _arg: str) -> None:
    """扫码登录: the platform's login QR scanned and confirmed; the page logs in."""
    qr = _platform(p, "扫码登录").login_qr()
    _scan(p, qr, "扫码登录")
    p.platform.finish_login(qr.session_id)


def _scan_seal(p: Player, _arg: str) -> None:
    """扫码签章: the platform (logged in by 扫码登录 before) asks to seal 投标函.pdf."""
    _scan(p, _platform(p, "扫码签章").seal_qr(), "扫码签章")


def _scan_encrypt(p: Player, _arg: str) -> None:
    """扫码加密: the platform asks to encrypt a bid to the certificate; it keeps the bid."""
    before = len(_platform(p, "扫码加密").bids())
    _scan(p, p.platform.encrypt_qr(), "扫码加密")
    if len(p.platform.bids()) != before + 1:
        raise AssertionError("the platform did not keep the encrypted bid")


def _scan_decrypt(p: Player, _arg: str) -> None:
    """扫码解密 (开标): the platform asks to open the newest bid; it is opened."""
    _scan(p, _platform(p, "扫码解密").decrypt_qr(), "扫码解密")
    if not p.platform.bids()[0].get("opened_at"):
        raise AssertionError("the platform did not open the bid")


STEPS: dict[str, Callable[[Player, str], None]] = {
    "法人登录": _log_in_legal,
    "经办人登录": _log_in_agent,
    "个人登录": _log_in_person,
    "申请单位证书": _apply("unit"),
    "申请法定代表人证书": _apply("legal_rep"),
    "申请个人证书": _apply("personal"),
    "选择 CA 机构": _institution,
    "选择核验方式": _method,
    "办理人员": _handler,
    "对公打款核验": _deposit,
    "法人刷脸": _face,
    "本人刷脸": _face,
    "电子营业执照核验": _elicence,
    "上传授权书": _letter,
    "CA 机构审核授权书": _accept_letter,
    "信息确认": _confirm,
    "上传证件": _documents,
    "短信验证码电子签名": _sign,
    "CA 机构审核通过": _approve,
    "CA 机构驳回": _reject,
    "继续": _continue,
    "证书管理": _expect_status,
    "演示时钟前进": _clock,
    "证书更新": _renew,
    "证书变更": _change,
    "吊销": _revoke,
    "证书下载": _download,
    "授权给经办人": _grant,
    "经办人下载证书": _agent_download,
    "扫码登录": _scan_login,
    "扫码签章": _scan_seal,
    "扫码加密": _scan_encrypt,
    "扫码解密": _scan_decrypt,
}
PLATFORM_STEPS = frozenset({"扫码登录", "扫码签章", "扫码加密", "扫码解密"})
