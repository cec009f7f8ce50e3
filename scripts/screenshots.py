#!/usr/bin/env python3
"""Renders the client's screens to PNG under docs/screenshots/, in Chinese and English.

Usage: python scripts/screenshots.py [--lang zh_CN|en|all] [--out DIR] [--scale 2]

For each language, a throw-away local CA in a temporary folder is seeded with a demo
company, a person and applications in each state, then the real window is driven page by
page and grabbed: Chinese to DIR/<name>.png, English to DIR/en/<name>.png. The seal images
already in docs/screenshots/ (seal-*.png) are left alone.

Then every module scripts/shots/*.py is imported and its ``render(out_dir: Path, lang: str)
-> list[Path]`` called once per language, with the translator for ``lang`` installed and
``out_dir`` the folder of that language: screens that need their own set-up (the reviewer
window, 扫一扫, ...) live there, next to the feature's owner. A module that fails is
reported and the others still run; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lang", choices=("zh_CN", "en", "all"), default="all", help="language(s) to render"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", default="1", help="device pixel ratio of the PNGs")
    return parser.parse_args()


ARGS = parse_args()
os.environ["QT_SCALE_FACTOR"] = ARGS.scale
sys.path.insert(0, str(ROOT / "scripts" / "shots"))

import importlib.util  # noqa: E402
import io  # noqa: E402
import traceback  # noqa: E402

import _support  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from PySide6.QtWidgets import QApplication, QRadioButton, QWidget  # noqa: E402

from mobileca_desktop.app import application  # noqa: E402
from mobileca_desktop.domain.errors import SecretUnavailable  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
    AccountKind,
    AgentDetails,
    CertKind,
    DocKind,
    Handler,
    MessageKind,
    Method,
)
from mobileca_desktop.services.wizard import ApplicationWizard  # noqa: E402
from mobileca_desktop.views import i18n  # noqa: E402
from mobileca_desktop.views.main_window import MainWindow  # noqa: E402
from mobileca_desktop.views.wizard.wizard_page import WizardPage  # noqa: E402

PASSWORD = _support.PASSWORD
SHOTS = ROOT / "scripts" / "shots"


def out_dir(lang: str) -> Path:
    """Chinese (the default UI) at the top of --out, English in en/."""
    return ARGS.out if lang == i18n.ZH else ARGS.out / "en"


def image(kind: str, text: str) -> tuple[bytes, str]:
    img = Image.new("RGB", (640, 400), (235, 240, 250))
    ImageDraw.Draw(img).text((40, 40), text, fill=(20, 20, 20))
    buf = io.BytesIO()
    if kind == "pdf":
        img.save(buf, format="PDF")
        return buf.getvalue(), f"{text}.pdf"
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue(), f"{text}.jpg"


def document(kind: DocKind) -> tuple[bytes, str]:
    return image(*_support.CAPTIONS[kind])


class Demo:
    """A seeded local CA: a company with certificates in each state, a person, an agent."""

    def __init__(self, folder: Path) -> None:
        self.services = _support.open_services(folder, "screenshots-passphrase-0123456789")
        rng = random.Random(2026)
        ca = self.services.ca
        self.company = _support.demo_company(rng)
        self.person = _support.demo_person(rng)
        ca.register_legal(self.company)
        ca.register_personal(self.person)
        self.legal = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        op = self.services.review.operator_session()
        self.services.review.approve(op, self.submitted(CertKind.UNIT))
        self.services.review.approve(op, self.submitted(CertKind.LEGAL_REP))
        self.submitted(CertKind.UNIT)  # 审核中
        self.services.review.reject(op, self.submitted(CertKind.LEGAL_REP), "营业执照照片不清晰")

    def submitted(self, kind: CertKind) -> int:
        phone = self.company.legal_person_phone
        return _support.apply(self.services, self.legal, kind, document, phone)


class Shooter:
    def __init__(self, app: QApplication, out: Path) -> None:
        self.app = app
        self.out = out
        self.taken: list[Path] = []

    def settle(self, extra_rounds: int = 10) -> None:
        _support.settle(self.app, rounds=extra_rounds)

    def shot(self, window: QWidget, name: str) -> None:
        self.settle()
        if isinstance(window, MainWindow) and name != "register-done":
            window.toast.hide()
        path = self.out / f"{name}.png"
        window.grab().save(str(path))
        self.taken.append(path)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def drive(shooter: Shooter, demo: Demo) -> None:
    services = demo.services
    window = _support.main_window(services, "wang-laptop")
    shooter.shot(window, "login-legal")
    window.current().select(AccountKind.PERSONAL)
    shooter.shot(window, "login-personal")

    # Registration with the errors a supplier sees next to each field.
    window.current().select(AccountKind.LEGAL)
    window.open_registration(AccountKind.LEGAL)
    page = window.current()
    page.fields["company_name"].set_value("太原示范科技有限公司")
    page.fields["uscc"].set_value("91140100MA0K1234X1")
    page.fields["password"].set_value("short")
    page.fields["password_again"].set_value("short1")
    page.submit()
    shooter.shot(window, "register-errors")

    # 法人登录 → 首页 → 证书管理 → 证书详情.
    window.logged_in(demo.legal, services.ca.me(demo.legal))
    shooter.shot(window, "home-legal")
    window.open_certificates()
    shooter.shot(window, "certificates")
    normal = next(
        r
        for r in services.ca.list_certificates(demo.legal)
        if r.certificate_id and r.kind is CertKind.UNIT
    )
    window.open_certificate(normal.certificate_id)
    shooter.shot(window, "certificate-detail")
    window.pop()
    legal_rep = next(
        r
        for r in services.ca.list_certificates(demo.legal)
        if r.certificate_id and r.kind is CertKind.LEGAL_REP
    )
    window.open_certificate(legal_rep.certificate_id)
    shooter.shot(window, "certificate-detail-legal-rep")
    window.pop()

    # The wizard, step by step: an agent applies by 对公打款 (the auth code in the memo).
    wizard = ApplicationWizard(services.ca, demo.legal, CertKind.UNIT)
    wizard_page = WizardPage(window, wizard)
    window.push(wizard_page)
    shooter.shot(window, "wizard-1-institution")

    def step(name: str, fill) -> None:
        fill()
        wizard.next()
        wizard_page.render_step()
        shooter.shot(window, name)

    def check(object_name: str) -> None:
        button = wizard_page.view.findChild(QRadioButton, object_name)
        button.setChecked(True)

    step("wizard-2-method", lambda: setattr(wizard.data, "institution_id", "bjca"))
    check("method_deposit")
    shooter.shot(window, "wizard-2-method")
    step("wizard-3-handler", lambda: setattr(wizard.data, "method", Method.DEPOSIT))
    check("handler_agent")
    shooter.shot(window, "wizard-3-handler")
    step("wizard-4-agent", lambda: setattr(wizard.data, "handler", Handler.AGENT))
    agent = AgentDetails(demo.person.name, demo.person.id_number, demo.person.phone)

    def fill_agent() -> None:
        wizard.data.agent_name, wizard.data.agent_id_number = agent.name, agent.id_number
        wizard.data.agent_phone = agent.phone

    fill_agent()
    wizard_page.render_step()
    shooter.shot(window, "wizard-4-agent")
    step("wizard-5-deposit", lambda: None)
    wizard.start_deposit()
    wizard_page.render_step()
    shooter.shot(window, "wizard-5-deposit")
    # The bank notice on the phone (a window of its own beside the app).
    window.show_inbox(demo.company.legal_person_phone)
    _support.settle(shooter.app, until=lambda: bool(window.inbox_panel.cards), and_idle=True)
    shooter.shot(window.inbox_panel, "inbox-deposit")
    window.inbox_panel.hide()
    deposit = next(
        m
        for m in services.inbox.messages(demo.company.legal_person_phone)
        if m.kind is MessageKind.DEPOSIT
    )
    amount = deposit.body.split("收到转账 ")[1].split(" 元")[0]
    step("wizard-6-auth-code", lambda: setattr(wizard.data, "deposit_amount", amount))
    step("wizard-7-confirm", lambda: setattr(wizard.data, "auth_code", deposit.code))
    step("wizard-8-documents", lambda: None)
    wizard.upload(DocKind.LICENCE, *image("pdf", "licence"))
    wizard.upload(DocKind.ID_FRONT, *image("jpg", "front"))
    wizard_page.render_step()
    shooter.shot(window, "wizard-8-documents")
    wizard.upload(DocKind.ID_BACK, *image("jpg", "back"))
    step("wizard-9-sign", lambda: None)
    wizard.request_sms_code()
    code = next(m.code for m in services.inbox.messages(demo.person.phone) if m.code)
    step("wizard-10-submitted", lambda: setattr(wizard.data, "sms_code", code))

    # The phone inbox: a window of its own beside the app, on the newest message's number.
    window.show_inbox()
    _support.settle(shooter.app, until=lambda: bool(window.inbox_panel.cards), and_idle=True)
    shooter.shot(window.inbox_panel, "inbox")
    window.inbox_panel.hide()

    # 个人登录: the person's home.
    person = services.ca.login(AccountKind.PERSONAL, demo.person.phone, PASSWORD)
    window.logged_in(person, services.ca.me(person))
    shooter.shot(window, "home-personal")

    # Start-up without an OS keyring.
    from mobileca_desktop.app import startup_problem

    window.show_problem(*startup_problem(SecretUnavailable(reason="no OS keyring is available")))
    shooter.shot(window, "startup-no-keyring")
    window.close()


def shot_modules() -> list[Path]:
    """scripts/shots/*.py, in name order (files starting with _ are helpers, not shots)."""
    if not SHOTS.is_dir():
        return []
    return sorted(p for p in SHOTS.glob("*.py") if not p.name.startswith("_"))


def run_shot_module(path: Path, folder: Path, lang: str) -> list[Path]:
    spec = importlib.util.spec_from_file_location(f"shots_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    taken = list(module.render(folder, lang))
    for shot in taken:
        print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    return taken


def render_language(app: QApplication, lang: str) -> tuple[list[Path], list[str]]:
    """Every screen in ``lang``: the main window's tour, then scripts/shots/*.py."""
    folder = out_dir(lang)
    folder.mkdir(parents=True, exist_ok=True)
    i18n.install(app, lang)
    shooter = Shooter(app, folder)
    with tempfile.TemporaryDirectory() as data:
        demo = Demo(Path(data))
        try:
            drive(shooter, demo)
        finally:
            shooter.settle()
            demo.services.close()
    failed: list[str] = []
    for path in shot_modules():
        try:
            shooter.taken += run_shot_module(path, folder, lang)
        except Exception:
            traceback.print_exc()
            failed.append(f"{path.name} ({lang})")
        shooter.settle()
    return shooter.taken, failed


def main() -> int:
    app = application([sys.argv[0]])
    langs = [i18n.ZH, i18n.EN] if ARGS.lang == "all" else [i18n.normalise(ARGS.lang)]
    taken: list[Path] = []
    failed: list[str] = []
    for lang in langs:
        shots, broken = render_language(app, lang)
        taken += shots
        failed += broken
    i18n.uninstall(app)
    print(f"{len(taken)} screenshots in {ARGS.out}")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
