"""What a GUI test stands in: a throw-away CA with the demo company, agent and reviewers,
the simulated phones, the demo clock, the reviewer and the trading-platform simulator on
loopback. Qt-free: usable from any test, with or without a window.

The demo identities are those of ``mobileca-ca demo-seed`` (fixed USCC, ID numbers and
phone numbers), so a failing test names the same company on every run.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    InboxMessage,
    MessageKind,
    Method,
    Session,
)

if TYPE_CHECKING:
    import httpx

    from mobileca_desktop.platform.run import RunningPlatform
    from mobileca_desktop.services.scan import TrustedPlatform


# --- the demo people ------------------------------------------------------------------------


@dataclass(frozen=True)
class Company:
    """The demo company (法人登录: ``uscc`` + ``password``)."""

    name: str
    uscc: str
    password: str
    legal_person_name: str
    legal_person_id_number: str
    legal_person_phone: str


@dataclass(frozen=True)
class Agent:
    """The demo 经办人, a personal account (个人登录: ``phone`` + ``password``)."""

    name: str
    id_number: str
    phone: str
    password: str


@dataclass(frozen=True)
class Demo:
    company: Company
    agent: Agent
    reviewers: tuple[str, ...]  # their login names (reviewer-<institution>), same password
    reviewer_password: str
    elicence_qr_text: str


def seed_demo(engine: Any) -> Demo:
    """Registers the demo company, agent and one reviewer per institution in ``engine``
    (what ``mobileca-ca demo-seed`` does; existing accounts are kept)."""
    from mobileca_desktop.cacli.demo import _seed

    return demo_from_seed(_seed(engine))


def demo_from_seed(data: dict) -> Demo:
    """The demo people of ``cacli.demo._seed``'s answer."""
    c, a = data["company"], data["agent"]
    return Demo(
        company=Company(
            name=c["company_name"],
            uscc=c["uscc"],
            password=c["password"],
            legal_person_name=c["legal_person_name"],
            legal_person_id_number=c["legal_person_id_number"],
            legal_person_phone=c["legal_person_phone"],
        ),
        agent=Agent(
            name=a["name"], id_number=a["id_number"], phone=a["phone"], password=a["password"]
        ),
        reviewers=tuple(r["login"] for r in data["reviewers"]),
        reviewer_password=data["reviewers"][0]["password"],
        elicence_qr_text=data.get("elicence_qr_text", ""),
    )


def cheap_engine_config() -> Any:
    """The CA engine's settings for tests: cheap password hashing, a small key pool filled
    on demand (no background thread)."""
    from mobileca_desktop.ca.engine import EngineConfig
    from mobileca_desktop.ca.identity import CHEAP_PASSWORDS

    return EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False)


def open_local_ca(folder: Path, config: Any = None) -> Any:
    """A CA in ``folder`` (created), tuned for tests (``cheap_engine_config`` unless
    ``config`` is given). Needs a keyring for the CA secret (``memory_keyring``)."""
    from mobileca_desktop.ca.engine import CAEngine
    from mobileca_desktop.services.local import LocalServices

    config = config if config is not None else cheap_engine_config()
    return LocalServices.over(CAEngine.open(folder, config=config))


# --- the simulated phone --------------------------------------------------------------------


class Phone:
    """The simulated phones (手机收件箱) of every number, as the CA's SMS gateway fills them."""

    def __init__(self, inbox: Any) -> None:
        self.inbox = inbox

    def messages(self, number: str, after: int = 0) -> list[InboxMessage]:
        """``number``'s messages newer than message id ``after``, newest first."""
        return [m for m in self.inbox.messages(number) if m.id > after]

    def last_id(self, number: str) -> int:
        """The newest message id so far: pass it as ``after`` to see only what comes next."""
        return max((m.id for m in self.inbox.messages(number)), default=0)

    def last_code(self, number: str, after: int = 0) -> str:
        """The code (SMS 验证码 or 授权码) of ``number``'s newest message carrying one."""
        for m in self.messages(number, after):
            if m.code:
                return m.code
        raise AssertionError(f"no code in the inbox of {number} (after message {after})")

    def deposit_amount(self, number: str) -> str:
        """The amount of the newest 对公打款 notice (the bank's 入账通知)."""
        import re

        for m in self.messages(number):
            if m.kind is MessageKind.DEPOSIT:
                found = re.search(r"收到转账 (\d+\.\d\d) 元", m.body)
                if found:
                    return found.group(1)
        raise AssertionError(f"no deposit notice in the inbox of {number}")

    def transcript(self, numbers: list[str]) -> str:
        """What the phones show, as text (for a failure report)."""
        lines = []
        for number in numbers:
            lines.append(f"手机 {number}:")
            messages = self.messages(number)
            if not messages:
                lines.append("  (no messages)")
            for m in messages:
                code = f" [{m.code}]" if m.code else ""
                lines.append(f"  #{m.id} {m.created_at:%H:%M:%S} {m.title}{code}: {m.body}")
        return "\n".join(lines)


# --- the reviewer and the demo clock --------------------------------------------------------


class Reviewer:
    """The CA institution's reviewer (审核台), off the GUI: approve, reject, accept a letter.
    As the CA operator (every institution) where the CA allows it, else as ``login``."""

    def __init__(self, review: Any, login: tuple[str, str] | None = None) -> None:
        self.review = review
        self.login = login
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            if self.login is None:
                self._session = self.review.operator_session()
            else:
                self._session = self.review.login(*self.login)
        return self._session

    def queue(self) -> list[Any]:
        return self.review.queue(self.session)

    def approve(self, app_id: int) -> Any:
        return self.review.approve(self.session, app_id)

    def reject(self, app_id: int, reason: str = "身份证人像面照片不清晰") -> Any:
        return self.review.reject(self.session, app_id, reason)

    def accept_letter(self, app_id: int) -> Any:
        return self.review.accept_letter(self.session, app_id)


class DemoClock:
    """The CA's demo clock: it only moves forward (to show 已过期), or back to real time."""

    DAY = 86400

    def __init__(self, clock: Any, reviewer: Reviewer) -> None:
        self.clock = clock
        self.reviewer = reviewer

    def now(self) -> Any:
        return self.clock.info().now

    def advance(self, days: float = 0, seconds: int = 0) -> Any:
        return self.clock.advance(self.reviewer.session, int(days * self.DAY) + seconds)

    def reset(self) -> Any:
        return self.clock.reset(self.reviewer.session)


# --- the CA world ---------------------------------------------------------------------------


def sample_jpeg(text: str = "ID", size: tuple[int, int] = (640, 400)) -> bytes:
    """A small JPEG photo of a document (for 上传证件)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (235, 240, 250))
    ImageDraw.Draw(img).text((40, 40), text, fill=(20, 20, 20))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def sample_pdf(text: str = "licence") -> bytes:
    """A one-page PDF (for 上传证件 and 扫码签章)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(img).text((60, 60), text, fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PDF")
    return buf.getvalue()


@dataclass
class World:
    """One test's CA and the people around it."""

    services: Any  # LocalServices (.ca .inbox .review .clock .engine)
    demo: Demo
    phone: Phone
    reviewer: Reviewer
    clock: DemoClock
    folder: Path
    _sessions: dict[str, Session] = field(default_factory=dict)

    @classmethod
    def local(cls, folder: Path) -> World:
        services = open_local_ca(folder / "ca")
        return cls.over(services, seed_demo(services.engine), folder)

    @classmethod
    def over(cls, services: Any, demo: Any, folder: Path) -> World:
        """The world of an opened CA whose demo people are ``demo``."""
        reviewer = Reviewer(services.review)
        return cls(
            services=services,
            demo=demo,
            phone=Phone(services.inbox),
            reviewer=reviewer,
            clock=DemoClock(services.clock, reviewer),
            folder=folder,
        )

    @classmethod
    def remote(cls, url: str, folder: Path, operator_token: str | None = None) -> World:
        """A CA server (``mobileca-ca serve --demo``) whose data folder had ``mobileca-ca
        demo-seed``: the demo people are looked up, not made; the phone and the clock are the
        server's demo endpoints. Without the operator token the reviewer logs in as
        ``reviewer-bjca`` (the institution ``submitted_application`` uses by default)."""
        from mobileca_desktop.cacli import demo as ca_cli
        from mobileca_desktop.services.remote import RemoteServices

        services = RemoteServices.connect(url, operator_token=operator_token)
        ids = ca_cli.demo_identities()
        demo = Demo(
            company=Company(
                name=ca_cli.DEMO_COMPANY,
                uscc=ids["uscc"],
                password=ca_cli.DEMO_PASSWORD,
                legal_person_name=ca_cli.DEMO_LEGAL_PERSON,
                legal_person_id_number=ids["legal_person_id_number"],
                legal_person_phone=ca_cli.DEMO_LEGAL_PHONE,
            ),
            agent=Agent(
                name=ca_cli.DEMO_AGENT,
                id_number=ids["agent_id_number"],
                phone=ca_cli.DEMO_AGENT_PHONE,
                password=ca_cli.DEMO_PASSWORD,
            ),
            reviewers=tuple(f"reviewer-{i.id}" for i in services.ca.institutions()),
            reviewer_password=ca_cli.DEMO_PASSWORD,
            elicence_qr_text="",
        )
        login = None if operator_token else ("reviewer-bjca", ca_cli.DEMO_PASSWORD)
        reviewer = Reviewer(services.review, login)
        return cls(
            services=services,
            demo=demo,
            phone=Phone(services.inbox),
            reviewer=reviewer,
            clock=DemoClock(services.clock, reviewer),
            folder=folder,
        )

    def close(self) -> None:
        self.services.close()

    def legal_session(self) -> Session:
        """The demo company's login (off the GUI), for preparing a state quickly."""
        c = self.demo.company
        if "legal" not in self._sessions:
            self._sessions["legal"] = self.services.ca.login(AccountKind.LEGAL, c.uscc, c.password)
        return self._sessions["legal"]

    def submitted_application(
        self, kind: CertKind = CertKind.UNIT, institution: str = "bjca"
    ) -> int:
        """An application of the demo company 审核中 (对公打款, 法人本人), made through the
        services as the wizard would; returns its id."""
        ca, s = self.services.ca, self.legal_session()
        phone = self.demo.company.legal_person_phone
        app = ca.create_application(s, kind, institution, idempotency_key=str(uuid.uuid4()))
        ca.set_method(s, app.id, Method.DEPOSIT)
        ca.set_handler(s, app.id, Handler.LEGAL_PERSON, None)
        ca.start_deposit(s, app.id)
        ca.confirm_deposit(s, app.id, self.phone.deposit_amount(phone))
        ca.upload_document(s, app.id, DocKind.LICENCE, sample_pdf("营业执照"), "licence.pdf")
        ca.upload_document(s, app.id, DocKind.ID_FRONT, sample_jpeg("front"), "front.jpg")
        ca.upload_document(s, app.id, DocKind.ID_BACK, sample_jpeg("back"), "back.jpg")
        after = self.phone.last_id(phone)
        ca.request_signing_code(s, app.id)
        ca.submit(s, app.id, self.phone.last_code(phone, after), str(uuid.uuid4()))
        return app.id

    def approved_certificate(
        self, kind: CertKind = CertKind.UNIT, institution: str = "bjca"
    ) -> int:
        """A 正常 certificate of the demo company (submitted, then approved by the reviewer);
        returns its certificate id."""
        app_id = self.submitted_application(kind, institution)
        self.reviewer.approve(app_id)
        return self.services.ca.get_application(self.legal_session(), app_id).certificate_id

    def grant(self, certificate_id: int, days: int = 90) -> Any:
        """授权: the demo company grants its certificate to the demo agent (off the GUI), valid
        ``days`` days by the CA's clock; returns the grant."""
        import datetime as dt

        from mobileca_desktop.domain.models import AgentDetails

        agent = self.demo.agent
        until = self.clock.now() + dt.timedelta(days=days)
        details = AgentDetails(name=agent.name, id_number=agent.id_number, phone=agent.phone)
        return self.services.ca.grant(self.legal_session(), certificate_id, details, until)


# --- the trading-platform simulator ---------------------------------------------------------


class ScanQR(NamedTuple):
    session_id: str
    qr_text: str
    qr_png: bytes  # the picture the platform's page shows


class Platform:
    """The trading-platform simulator on 127.0.0.1 (a free port), trusting the test's CA, and
    the browser showing its pages (an HTTP client with cookies)."""

    def __init__(self, running: RunningPlatform) -> None:
        import httpx

        self.running = running
        self.url = running.url
        self.browser: httpx.Client = httpx.Client(base_url=running.url, timeout=30)
        self.browser.get("/").raise_for_status()

    @classmethod
    def start(cls, engine: Any, folder: Path, **config: Any) -> Platform:
        """A platform on the CA ``engine`` with its data in ``folder``; ``config``: more of
        its settings (``PlatformConfig``: ``name="…"`` the name it publishes...)."""
        from mobileca_desktop.platform.run import PlatformConfig, start_platform

        return cls(start_platform(PlatformConfig(data_dir=folder, engine=engine, **config)))

    def trusted(self) -> TrustedPlatform:
        """What a client adds to its trusted list, read from the platform's well-known page
        and checked (platform-signing EKU, origin = the certificate's URI SAN)."""
        from mobileca_desktop.services.scan import TrustedPlatform

        info = self.browser.get("/.well-known/mobileca-platform").json()
        return TrustedPlatform(
            platform_id=info["platform_id"],
            name=info["name"],
            origin=info["origin"],
            certificate_pem=info["certificate_pem"],
        ).check()

    def _qr(self, path: str, body: dict) -> ScanQR:
        response = self.browser.post(path, json=body)
        if response.status_code != 200:
            raise AssertionError(f"{path}: {response.status_code} {response.text}")
        data = response.json()
        png = self.browser.get(data["qr_png"])
        png.raise_for_status()
        return ScanQR(data["sid"], data["qr_text"], png.content)

    def login_qr(self) -> ScanQR:
        """The 扫码登录 QR the platform's home page shows."""
        return self._qr("/api/scan/login", {})

    def seal_qr(
        self, pdf: bytes | None = None, seal: str = "official", name: str = "投标函.pdf"
    ) -> ScanQR:
        """A 扫码签章 QR of the document ``name`` (the browser must be logged in:
        ``finish_login``)."""
        from mobileca_desktop.crypto import scanproto

        body = {
            "name": name,
            "pdf": scanproto.b64(pdf if pdf is not None else sample_pdf("投标函")),
            "seal": seal,
            "page": 1,
            "box": [380, 80, 520, 220],
        }
        return self._qr("/api/seal", body)

    def encrypt_qr(
        self,
        content: bytes | None = None,
        name: str = "投标文件.txt",
        project: str = "太原东站改造工程",
    ) -> ScanQR:
        """A 扫码加密 QR for a bid (the browser must be logged in: ``finish_login``)."""
        from mobileca_desktop.crypto import scanproto

        content = content if content is not None else "投标文件：报价 100 万元".encode()
        body = {"name": name, "content": scanproto.b64(content), "project": project}
        return self._qr("/api/encrypt", body)

    def bids(self) -> list[dict]:
        """The logged-in subject's stored (encrypted) bids, newest first."""
        response = self.browser.get("/api/bids")
        response.raise_for_status()
        return response.json()

    def decrypt_qr(self, bid_id: str | None = None) -> ScanQR:
        """A 扫码解密 (开标) QR for the stored bid ``bid_id`` (default: the newest)."""
        if bid_id is None:
            stored = self.bids()
            if not stored:
                raise AssertionError("no encrypted bid on the platform to open")
            bid_id = stored[0]["id"]
        return self._qr("/api/decrypt", {"bid_id": bid_id})

    def state(self, session_id: str) -> dict:
        """The session as the page polls it: ``state`` is waiting / scanned / authorized /
        confirmed / rejected / expired; ``message``, ``result``."""
        return self.browser.get(f"/api/scan/{session_id}").json()

    def finish_login(self, session_id: str) -> dict:
        """The page's user clicks 确认登录 after a confirmed scan: the browser is logged in."""
        st = self.state(session_id)
        if st.get("state") != "confirmed":
            raise AssertionError(f"the login scan is not confirmed: {st}")
        response = self.browser.post(
            f"/api/scan/{session_id}/login", headers={"Sec-Fetch-Site": "same-origin"}
        )
        if response.status_code != 200:
            raise AssertionError(f"确认登录: {response.status_code} {response.text}")
        return st

    def stop(self) -> None:
        self.browser.close()
        self.running.stop()
