"""What is specific to this repository's tests: the CA engine and services fixtures over the
QA kit's pieces (mobileca_desktop.testing: its in-memory keyring, test engine settings and
sample documents), random valid identities (``people``), a registered company and agent, the
portrait, a PostgreSQL cluster, for the tests of the engine, services and command lines.
GUI tests open their windows with the kit's ``mca_*`` fixtures and page objects."""

from __future__ import annotations

import os

# Qt's offscreen platform for local runs too (.ci/run sets it); before any Qt import.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime as dt
import io
import random

import pytest

from mobileca_desktop.ca import idcheck
from mobileca_desktop.ca.engine import EngineConfig
from mobileca_desktop.domain.models import (
    AccountKind,
    LegalEntityRegistration,
    PersonalRegistration,
)
from mobileca_desktop.testing import memory_keyring as kit_keyring
from mobileca_desktop.testing.world import (
    Phone,
    cheap_engine_config,
    open_local_ca,
    sample_jpeg,
    sample_pdf,
)


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


class MemoryKeyring(kit_keyring.MemoryKeyring):
    """The QA kit's in-memory keyring, named after this module (tests check the name the
    keystore reports: ``conftest.MemoryKeyring``)."""


@pytest.fixture
def memory_keyring():
    with kit_keyring.memory_keyring(MemoryKeyring) as backend:
        yield backend


@pytest.fixture
def engine_config() -> EngineConfig:
    return cheap_engine_config()


@pytest.fixture
def services(tmp_path, memory_keyring, engine_config):
    svc = open_local_ca(tmp_path / "ca", engine_config)
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
    """The code of ``phone``'s newest message carrying one (the kit's simulated phone)."""
    return Phone(services.inbox).last_code(phone)


# The kit's sample documents: a JPEG photo and a one-page PDF with ``text`` on them.
jpeg_bytes = sample_jpeg
pdf_bytes = sample_pdf


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
