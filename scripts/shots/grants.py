"""Screenshots of 授权管理: the legal person's list, 新增授权 with an error next to the ID
number, the withdrawal confirmation, and the agent's view of the grants received.

``render(out_dir, lang)`` seeds a throw-away local CA, drives the real window and returns the
PNGs it wrote (``grants-*.png``; ``grants-*-en.png`` for English).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _support
from _support import settle

from mobileca_desktop.app import application
from mobileca_desktop.ca import idcheck
from mobileca_desktop.domain.models import AccountKind, AgentDetails, CertKind
from mobileca_desktop.views import i18n

ROOT = _support.ROOT
PASSWORD = _support.PASSWORD
document = _support.drawn_documents("授权书", "front.jpg", "back.jpg")


class Seed:
    """A company with a 正常 unit and legal-representative certificate, two persons, one
    active grant and one withdrawn."""

    def __init__(self, folder: Path) -> None:
        self.services = _support.open_services(folder, "grants-shots-passphrase-0123456789")
        rng = random.Random(4)
        ca = self.services.ca
        self.company = _support.demo_company(rng)
        self.agent = _support.demo_person(rng)
        self.other = AgentDetails(
            "赵投标", idcheck.make_id_number(rng, dt.date(1986, 11, 20)), "13935100003"
        )
        ca.register_legal(self.company)
        ca.register_personal(self.agent)
        self.legal = ca.login(AccountKind.LEGAL, self.company.uscc, PASSWORD)
        self.unit = self.issued(CertKind.UNIT)
        self.legal_rep = self.issued(CertKind.LEGAL_REP)
        now = self.services.clock.info().now
        old = ca.grant(self.legal, self.legal_rep, self.other, now + dt.timedelta(days=90))
        ca.withdraw_grant(self.legal, old.id)
        me = AgentDetails(self.agent.name, self.agent.id_number, self.agent.phone)
        ca.grant(self.legal, self.unit, me, now + dt.timedelta(days=365))
        self.person = ca.login(AccountKind.PERSONAL, self.agent.phone, PASSWORD)

    def issued(self, kind: CertKind) -> int:
        phone = self.company.legal_person_phone
        return _support.issue(self.services, self.legal, kind, document, phone)


def render(out_dir: Path, lang: str) -> list[Path]:
    app = application([sys.argv[0]])
    previous = i18n.language()
    lang = i18n.install(app, lang)
    save = _support.Saver(out_dir, "grants-{name}" + _support.suffix(lang))

    with tempfile.TemporaryDirectory() as folder:
        seed = Seed(Path(folder))
        services = seed.services
        try:
            window = _support.main_window(services, "wang-laptop", session=seed.legal)
            window.open_grants()
            settle(app)
            window.toast.hide()
            save(window.grab(), "list")

            page = window.current()
            page.ask_withdraw(page.grants[0])
            settle(app)
            assert page.confirm is not None
            save(_support.over(window, page.confirm, dim=60), "withdraw-confirm")
            page.confirm.reject()
            settle(app)

            page.open_new()
            settle(app)
            form = window.current()
            form.fields["agent_name"].set_value("张新经办")
            bad = seed.other.id_number[:-1] + ("1" if seed.other.id_number[-1] != "1" else "2")
            form.fields["agent_id_number"].set_value(bad)
            form.fields["agent_phone"].set_value("13935100004")
            form.submit()
            settle(app)
            form.scroll_area.verticalScrollBar().setValue(0)
            settle(app)
            save(window.grab(), "new")

            # The agent, on a device of their own.
            window.logged_in(seed.person, services.ca.me(seed.person))
            window.open_grants()
            settle(app)
            window.toast.hide()
            save(window.grab(), "received")
            window.close()
            settle(app)
        finally:
            services.close()
            i18n.install(app, previous)
    return save.taken


if __name__ == "__main__":
    for path in render(
        ROOT / "docs" / "screenshots", sys.argv[1] if len(sys.argv) > 1 else "zh_CN"
    ):
        print(path)
