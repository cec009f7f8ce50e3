"""Several CA processes on one PostgreSQL database stay consistent: engines with their own
connection pools (as uvicorn workers have) write concurrently, and afterwards the audit
chain verifies, every serial is unique, and no KMC pool key went to two certificates."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from conftest import PASSWORD, People
from sqlalchemy import func, select

from mobileca_desktop.ca.db import AuditRow, EscrowKeyRow, IssuedCertRow
from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.secrets import KeyringSecret
from mobileca_desktop.ca.store import Store
from mobileca_desktop.domain.models import AccountKind, LegalEntityRegistration


@pytest.fixture
def pg_engines(pg_cluster, tmp_path, memory_keyring, engine_config):
    database = pg_cluster.new_database()
    url = pg_cluster.url(database)
    first = CAEngine(Store(url), KeyringSecret(tmp_path / "ca"), engine_config)
    second = CAEngine(Store(url), KeyringSecret(tmp_path / "ca"), engine_config)
    yield first, second
    first.close()
    second.close()
    pg_cluster.drop_database(database)


def test_concurrent_workers_keep_the_audit_chain_serials_and_kmc_pool(pg_engines):
    first, second = pg_engines
    first.pool.refill(6)  # some pooled keys, so that two approvals could race for one
    people = People(seed=11)
    regs = [
        LegalEntityRegistration(
            company_name=f"并发测试公司{i}",
            uscc=people.uscc(),
            province="山西省",
            city="太原市",
            bank_name="中国银行",
            bank_account=f"62220202000000{i:05d}",
            legal_person_name="王测试",
            legal_person_id_number=people.id_number(1980),
            legal_person_phone=people.phone(),
            password=PASSWORD,
        )
        for i in range(8)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(regs))

    def worker(i: int) -> None:
        engine = (first, second)[i % 2]
        try:
            reg = regs[i]
            barrier.wait(timeout=30)
            engine.register_legal(reg)
            for _ in range(3):
                s = engine.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
            op = engine.operator_session()
            engine.create_reviewer(
                op,
                login_name=f"rev{i}",
                name=f"审核员{i}",
                password=PASSWORD,
                institution_id="bjca",
            )
            for _ in range(2):
                engine.issue_service_certificate(
                    op,
                    role="tls",
                    institution_id="bjca",
                    public_key_pem=_public_pem(),
                    name=f"svc{i}",
                    hostnames=["localhost"],
                )
            engine.me(s)
        except BaseException as exc:  # reported below with the thread's index
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(regs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors

    checked, broken = first.audit_verify()
    assert broken is None, f"audit chain broken at entry {broken}"
    with first.store.read() as s:
        assert checked == s.execute(select(func.count(AuditRow.id))).scalar_one()
        prevs = Counter(s.execute(select(AuditRow.prev_hash)).scalars())
        assert max(prevs.values()) == 1  # no fork: every entry has its own predecessor
        serials = list(s.execute(select(IssuedCertRow.serial)).scalars())
        assert len(serials) == len(set(serials))
        keys = list(s.execute(select(EscrowKeyRow.wrapped_key)).scalars())
        assert len(keys) == len(set(keys))


def test_kmc_pool_keys_are_taken_once(pg_engines):
    """Two workers approving at once never escrow the same pooled key twice."""
    first, second = pg_engines
    first.pool.refill(4)
    taken: list[bytes] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def take(engine: CAEngine) -> None:
        barrier.wait(timeout=30)
        with engine.store.tx() as s:
            key = engine.pool.take(s)
        from cryptography.hazmat.primitives import serialization

        der = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with lock:
            taken.append(der)

    threads = [threading.Thread(target=take, args=((first, second)[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(taken) == 4 and len(set(taken)) == 4


def _public_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
