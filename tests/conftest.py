"""Shared fixtures: an in-memory OS keyring, a CA engine in a temporary folder, a demo company."""

from __future__ import annotations

import os

# Qt's offscreen platform for local runs too (.ci/run sets it); before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import io
import random

import keyring
import pytest

from mobileca_desktop.ca import idcheck
from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.domain.models import (
    AccountKind,
    LegalEntityRegistration,
    PersonalRegistration,
)
from mobileca_desktop.services.local import LocalServices
from mobileca_desktop.testing.memory_keyring import MemoryKeyring as KitMemoryKeyring


def pytest_configure(config):
    """The QA kit's fixtures (``mca_*``, mobileca_desktop/testing) for the GUI tests. Where
    the package is installed its ``pytest11`` entry point has loaded the plugin already;
    where the installed metadata predates it (a checkout on PYTHONPATH) it is registered
    here under the same name. ``-p no:mobileca`` is respected."""
    manager = config.pluginmanager
    if not manager.has_plugin("mobileca") and not manager.is_blocked("mobileca"):
        from mobileca_desktop.testing import plugin

        manager.register(plugin, "mobileca")


def pytest_sessionstart(session):
    """Under CI, where .ci/run installs openssl, a missing tool must fail the run: the
    tests that need it skip only on a developer's machine without it."""
    import shutil

    if os.environ.get("CI") == "true" and shutil.which("openssl") is None:
        raise pytest.UsageError("openssl is required in CI (scripts/bootstrap.sh installs it)")


class MemoryKeyring(KitMemoryKeyring):
    """The QA kit's in-memory keyring, named after this module (tests check the name the
    keystore reports: ``conftest.MemoryKeyring``)."""


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def engine_config() -> EngineConfig:
    return EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=2, kmc_background=False)


@pytest.fixture
def services(tmp_path, memory_keyring, engine_config):
    svc = LocalServices.over(CAEngine.open(tmp_path / "ca", config=engine_config))
    yield svc
    svc.close()


PASSWORD = "Demo2026pass"


class People:
    """Valid, random identities for one test."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def uscc(self) -> str:
        return idcheck.make_uscc(self.rng)

    def id_number(self, year: int = 1980) -> str:
        return idcheck.make_id_number(self.rng, dt.date(year, 3, 14))

    def phone(self) -> str:
        return "139" + "".join(str(self.rng.randrange(10)) for _ in range(8))


@pytest.fixture
def people() -> People:
    return People()


def demo_company(people: People) -> LegalEntityRegistration:
    """The demo company's registration, with valid random identifiers from ``people``."""
    return LegalEntityRegistration(
        company_name="山西示例建设工程有限公司",
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国工商银行太原分行",
        bank_account="0502 1234 5678 9012 345",
        legal_person_name="王建国",
        legal_person_id_number=people.id_number(1975),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )


@pytest.fixture
def company(services, people):
    """A registered company; returns (registration, legal session)."""
    reg = demo_company(people)
    services.ca.register_legal(reg)
    return reg, services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)


@pytest.fixture
def agent(services, people):
    """A personal account (the future 经办人); returns (registration, session)."""
    reg = PersonalRegistration(
        name="李经办", id_number=people.id_number(1990), phone=people.phone(), password=PASSWORD
    )
    services.ca.register_personal(reg)
    return reg, services.ca.login(AccountKind.PERSONAL, reg.phone, PASSWORD)


def png_bytes(array) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def last_code(services, phone: str) -> str:
    msgs = [m for m in services.inbox.messages(phone) if m.code]
    assert msgs, f"no code in the inbox of {phone}"
    return msgs[0].code


def jpeg_bytes(text: str = "ID", size=(640, 400)) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, (235, 240, 250))
    ImageDraw.Draw(img).text((40, 40), text, fill=(20, 20, 20))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


def pdf_bytes(text: str = "licence") -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(img).text((60, 60), text, fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PDF")
    return buf.getvalue()


@pytest.fixture(scope="session")
def portrait() -> bytes:
    from skimage import data

    return png_bytes(data.astronaut())


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL cluster (tests/helpers_pg.py) for the whole run. Skipped when
    PostgreSQL is not installed; under CI (CI=true), where .ci/run installs it, a missing
    PostgreSQL fails instead, so the PostgreSQL contract run cannot silently disappear."""
    import os

    from helpers_pg import Cluster, why_unavailable

    reason = why_unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)
    cluster = Cluster()
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()
