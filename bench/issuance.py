#!/usr/bin/env python3
"""Throughput of the CA engine: device-certificate issuance, KMC pool refill and OCSP.

    python bench/issuance.py [--seconds N] [--workers 1|2] [--data-dir DIR] [--repeat R]

Everything runs against the real engine (``mobileca_desktop.ca.engine.CAEngine``) on SQLite
in WAL mode, in a temporary folder unless ``--data-dir`` is given. The CA's wrapping secret
is a random passphrase file (``PassphraseFileSecret``, the server mode), so that worker
processes can open the same CA. With ``--workers 2`` each figure is measured with one
process and then with two processes on the same database (the aggregate of both). Worker
processes are started fresh (spawn), set up untimed, and start their timed part together.

What is timed (nothing else is):

* ``kmc.refill``      ``KeyPool.refill(1)`` in a loop: RSA-2048 generation, wrap, one
                      INSERT transaction per key.
* ``issue.core``      the issue's figure, "CSR check + build + sign + store": ``pki.check_csr``
                      of a device CSR, then one write transaction that reads the certificate
                      row, builds and signs the device certificate (``pki.make_device_cert``)
                      and stores it with its audit entry (``_record_cert`` + ``audit.append``),
                      in the order ``CAEngine.activate`` does. Not included: the session and
                      SMS code checks and the escrowed-key delivery (see ``issue.activate``).
* ``issue.activate``  ``CAEngine.activate`` end to end: session check, idempotency lookup,
                      SMS code check, CSR check, build, sign, store, audit, and the ECIES
                      delivery of the escrowed KMC key. The SMS code is requested and read
                      from the simulated phone's inbox *before* the clock starts; a
                      certificate has one live code at a time, so activations run in rounds
                      over many certificates and only the ``activate`` calls are timed. The
                      time spent in the delivery (``CAEngine._activation_result``) is added up
                      by a wrapper; ``.minus_delivery`` is activations / (timed - delivery).
* ``ocsp``            ``CAEngine.ocsp(institution, request_der)`` for prebuilt requests on
                      issued device certificates, 25 % of them revoked, SHA-1 and SHA-256
                      CertIDs, half with a nonce. Every 16th response is verified afterwards
                      (status, serial, reason, nonce, responder certificate and its EKU,
                      responder ID, signature, validity); every response is checked not to be
                      an error status. Any failure makes the run exit with status 1.
* what-ifs            rows whose name carries ``flock``, ``sign_outside_tx`` or
                      ``skip_rsa_check`` measure a change proposed for the engine, made in
                      the benchmark's worker process only (see docs/benchmarks.md).

The "other CPU" column is the CPU time the rest of the machine used during the timed part
(from /proc/stat, minus the workers' own CPU time), in cores: figures taken while it is
well above zero were disturbed by other work. "cores used" is the workers' own CPU time
per second of wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import queue
import random
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cryptography  # noqa: E402
import sqlalchemy  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509 import ocsp  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from mobileca_desktop.ca import audit, idcheck, pki, policy  # noqa: E402
from mobileca_desktop.ca.db import CertificateRecord, IssuedCertRow  # noqa: E402
from mobileca_desktop.ca.engine import CAEngine, EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.crypto import ecies  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    MessageKind,
    Method,
    RevocationReason,
)

INSTITUTION = "bjca"
PASSWORD = "Bench2026pass"
TARGET_ISSUE = 500.0  # device certificates / s on 2 cores (issue.core, 2 workers)
TARGET_OCSP = 3000.0  # OCSP responses / s on 2 cores (2 workers)
BARRIER_TIMEOUT = 900.0
SAMPLE_EVERY = 16  # OCSP: every n-th response is kept and verified after the run
REVOKED_SHARE = 0.25

try:
    import fcntl  # noqa: F401

    HAVE_FLOCK = True
except ImportError:  # Windows: the flock what-if rows are left out
    HAVE_FLOCK = False


# --- set-up ----------------------------------------------------------------------------


def engine_config() -> EngineConfig:
    # Cheap password hashing: logins are set-up, not measured. No background KMC thread:
    # it would compete for the CPU with what is measured.
    return EngineConfig(passwords=CHEAP_PASSWORDS, kmc_pool_target=0, kmc_background=False)


def open_engine(spec: dict) -> CAEngine:
    return CAEngine.open(
        Path(spec["ca_dir"]), PassphraseFileSecret(Path(spec["passphrase"])), engine_config()
    )


def new_csr(name: str = "bench-device") -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM)


def sample_documents() -> dict[DocKind, tuple[bytes, str]]:
    from PIL import Image, ImageDraw

    def jpeg(text: str) -> bytes:
        img = Image.new("RGB", (640, 400), (235, 240, 250))
        ImageDraw.Draw(img).text((40, 40), text, fill=(20, 20, 20))
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=85)
        return buf.getvalue()

    img = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(img).text((60, 60), "licence", fill="black")
    pdf = io.BytesIO()
    img.save(pdf, format="PDF")
    return {
        DocKind.LICENCE: (pdf.getvalue(), "licence.pdf"),
        DocKind.ID_FRONT: (jpeg("front"), "front.jpg"),
        DocKind.ID_BACK: (jpeg("back"), "back.jpg"),
    }


def newest_code(engine: CAEngine, phone: str) -> str:
    for m in engine.inbox(phone):  # newest first
        if m.code:
            return m.code
    raise RuntimeError(f"no code in the inbox of {phone}")


def provision(engine: CAEngine, count: int, rng: random.Random) -> list[dict]:
    """``count`` companies, each with one approved 企业数字证书 (企业 + 法人本人 + 电子营业执照),
    walked through the engine's public API. Returns picklable holder records."""
    docs = sample_documents()
    op = engine.operator_session()
    holders, phones = [], set()
    for i in range(count):
        phone = "139" + "".join(str(rng.randrange(10)) for _ in range(8))
        while phone in phones:
            phone = "139" + "".join(str(rng.randrange(10)) for _ in range(8))
        phones.add(phone)
        reg = LegalEntityRegistration(
            company_name=f"山西基准测试建设工程有限公司第{i + 1:03d}分公司",
            uscc=idcheck.make_uscc(rng),
            province="山西省",
            city="太原市",
            bank_name="中国工商银行太原分行",
            bank_account="0502 1234 5678 9012 345",
            legal_person_name="王建国",
            legal_person_id_number=idcheck.make_id_number(rng, dt.date(1975, 3, 14)),
            legal_person_phone=phone,
            password=PASSWORD,
        )
        engine.register_legal(reg)
        s = engine.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
        app = engine.create_application(s, CertKind.UNIT, INSTITUTION, idempotency_key=f"a{i}")
        engine.set_method(s, app.id, Method.ELICENCE)
        engine.set_handler(s, app.id, Handler.LEGAL_PERSON)
        qr = next(
            m.attachment
            for m in engine.inbox(phone)
            if m.kind is MessageKind.ELICENCE and m.attachment
        )
        engine.verify_elicence(s, app.id, qr)
        for kind, (data, name) in docs.items():
            engine.upload_document(s, app.id, kind, data, name)
        engine.request_signing_code(s, app.id)
        engine.submit(s, app.id, newest_code(engine, phone), f"s{i}")
        engine.approve(op, app.id)
        cid = engine.get_application(s, app.id).certificate_id
        holders.append({"session": s, "certificate_id": cid, "phone": phone})
    return holders


# --- running workers -------------------------------------------------------------------


def _machine_cpu() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


class Windows:
    """The timed windows of one worker. ``start`` and ``stop`` meet the other workers at a
    barrier, so timed parts start together and no untimed work overlaps another worker's
    timed part. Records wall times, operations, this process's CPU seconds and (worker 0)
    the whole machine's busy and steal CPU seconds over the same stretch."""

    def __init__(self, barrier, index: int) -> None:
        self.barrier = barrier
        self.machine = index == 0
        self.items: list[dict] = []

    def start(self) -> float:
        self.barrier.wait()
        self._machine0 = _machine_cpu() if self.machine else None
        self._cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        return self.t0

    def stop(self, ops: int, **extra) -> None:
        t1 = time.perf_counter()
        cpu = time.process_time() - self._cpu0
        self.barrier.wait()  # every worker's timed part is over
        busy = steal = None
        if self._machine0 is not None:
            now = _machine_cpu()
            busy, steal = now[0] - self._machine0[0], now[1] - self._machine0[1]
        self.items.append(
            {"t0": self.t0, "t1": t1, "ops": ops, "cpu": cpu, "busy": busy, "steal": steal} | extra
        )

    def timed_total(self) -> float:
        return sum(w["t1"] - w["t0"] for w in self.items)


def _worker_main(fn_name: str, spec: dict, index: int, barrier, result_q, extra) -> None:
    try:
        fn = globals()[fn_name]
        profile_to = spec.get("profile_to")
        if profile_to and spec["workers"] == 1:
            prof = cProfile.Profile()
            result = prof.runcall(fn, spec, Windows(barrier, index), index, extra)
            prof.dump_stats(profile_to)
        else:
            result = fn(spec, Windows(barrier, index), index, extra)
        result_q.put((index, result, None))
    except BaseException:
        result_q.put((index, None, traceback.format_exc()))
        with contextlib.suppress(Exception):
            barrier.abort()


def run_workers(fn_name: str, spec: dict, workers: int, extras: list | None = None) -> list:
    """Runs ``fn_name(spec, windows, index, extra)`` in ``workers`` fresh processes;
    returns their results in index order."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers, timeout=BARRIER_TIMEOUT)
    result_q = ctx.Queue()
    spec = {**spec, "workers": workers}
    extras = extras or [None] * workers
    procs = [
        ctx.Process(
            target=_worker_main,
            args=(fn_name, spec, i, barrier, result_q, extras[i]),
            name=f"bench-{fn_name}-{i}",
        )
        for i in range(workers)
    ]
    for p in procs:
        p.start()
    results: list = [None] * workers
    errors = []
    for _ in range(workers):
        try:
            index, result, error = result_q.get(timeout=BARRIER_TIMEOUT * 2)
        except queue.Empty:
            errors.append("a worker did not report in time")
            break
        if error:
            errors.append(f"worker {index}:\n{error}")
        results[index] = result
    for p in procs:
        p.join(timeout=60)
        if p.is_alive():
            p.terminate()
            p.join()
    if errors:
        raise RuntimeError("benchmark worker failed:\n" + "\n".join(errors))
    return results


def summarise(results: list[dict]) -> dict:
    """Aggregate of workers that ran their timed windows together: operations, wall
    seconds (the sum over windows of first start to last stop), own and other CPU."""
    n = min(len(r["windows"]) for r in results)
    wins = [r["windows"][:n] for r in results]
    ops = sum(w["ops"] for ws in wins for w in ws)
    wall = sum(max(ws[k]["t1"] for ws in wins) - min(ws[k]["t0"] for ws in wins) for k in range(n))
    cpu = sum(w["cpu"] for ws in wins for w in ws)
    busy = [w["busy"] for w in wins[0]]
    other = steal = None
    if wall > 0 and None not in busy:
        other = max(0.0, sum(busy) - cpu) / wall
        steal = sum(w["steal"] for w in wins[0]) / wall
    return {
        "ops": ops,
        "wall": wall,
        "windows": n,
        "cores_used": cpu / wall if wall > 0 else 0.0,
        "other_cores": other,
        "steal_cores": steal,
        "extra": [w for ws in wins for w in ws],
    }


def measure(fn_name: str, spec: dict, workers: int, repeat: int, extras=None) -> dict:
    """``repeat`` runs; the one with the median rate is returned, with every rate.
    ``extras`` is a list (one per worker) or a callable making a fresh list per run."""
    runs = []
    for _ in range(repeat):
        results = run_workers(fn_name, spec, workers, extras() if callable(extras) else extras)
        summary = summarise(results)
        summary["results"] = results
        summary["rate"] = summary["ops"] / summary["wall"] if summary["wall"] > 0 else 0.0
        runs.append(summary)
    runs.sort(key=lambda r: r["rate"])
    chosen = runs[(len(runs) - 1) // 2]
    chosen["all_rates"] = [round(r["rate"], 1) for r in runs]
    chosen["all_results"] = [r["results"] for r in runs]
    return chosen


# --- KMC pool refill -------------------------------------------------------------------


def kmc_refill_worker(spec: dict, win: Windows, index: int, _extra) -> dict:
    engine = open_engine(spec)
    try:
        engine.pool.refill(1)  # warm-up (first transaction)
        keygen0 = engine.pool.generation_seconds
        t0 = win.start()
        n = 0
        while time.perf_counter() - t0 < spec["seconds"]:
            n += engine.pool.refill(1)
        win.stop(n, keygen=engine.pool.generation_seconds - keygen0)
        return {"windows": win.items}
    finally:
        engine.close()


# --- issuance core: CSR check + build + sign + store ------------------------------------


def issue_core_in_tx(engine: CAEngine, csr_pem: bytes, certificate_id: int) -> str:
    """The steps ``CAEngine.activate`` takes to issue, in its order: the CSR is checked
    before the transaction; reading the certificate row, building and signing the device
    certificate, and storing it with its audit entry happen in one write transaction."""
    public_key = pki.check_csr(csr_pem)
    with engine.store.tx() as s:
        cert_row = s.get(CertificateRecord, certificate_id)
        now = engine.clock.now()
        ca = engine.ctx.authorities.get(cert_row.institution_id, s)
        subject = policy.x509_subject(CertKind(cert_row.kind), cert_row.subject)
        device = pki.make_device_cert(
            subject=subject,
            public_key=public_key,
            serial=pki.random_serial(),
            not_before=now,
            not_after=cert_row.not_after,
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            urls=engine.urls,
            institution_id=cert_row.institution_id,
        )
        row = engine.ctx.issuer.record_cert(
            s,
            device,
            role="device",
            institution_id=cert_row.institution_id,
            certificate_id=cert_row.id,
            device_name="bench",
            holder=cert_row.account_id,
        )
        audit.append(
            s,
            at=now,
            actor=f"legal:{cert_row.account_id}:bench",
            action="activation.issue",
            obj=f"certificate:{cert_row.id}",
            details={"device_serial": row.serial, "device": "bench", "grant": None},
        )
        s.flush()
        return row.serial


_READ_PHASE: dict[int, CertificateRecord] = {}


def issue_core_sign_outside_tx(engine: CAEngine, csr_pem: bytes, certificate_id: int) -> str:
    """What-if: the same work with the certificate built and signed *before* the write
    transaction, which then holds SQLite's write lock only to re-read the certificate row
    (a revocation may have come in between), INSERT the certificate and append the audit
    entry. The subject comes from the certificate row as read before the transaction:
    ``activate`` already has such a read phase (session, idempotency key, access check),
    so it is read once per certificate here rather than counted per issuance."""
    public_key = pki.check_csr(csr_pem)
    cert_row = _READ_PHASE.get(certificate_id)
    if cert_row is None:
        with engine.store.read() as s:
            cert_row = _READ_PHASE[certificate_id] = s.get(CertificateRecord, certificate_id)
    now = engine.clock.now()
    ca = engine.ctx.authorities.get(cert_row.institution_id)
    subject = policy.x509_subject(CertKind(cert_row.kind), cert_row.subject)
    device = pki.make_device_cert(
        subject=subject,
        public_key=public_key,
        serial=pki.random_serial(),
        not_before=now,
        not_after=cert_row.not_after,
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        urls=engine.urls,
        institution_id=cert_row.institution_id,
    )
    with engine.store.tx() as s:
        again = s.get(CertificateRecord, certificate_id)
        if again.revoked_at is not None:
            raise RuntimeError("revoked while signing")
        row = engine.ctx.issuer.record_cert(
            s,
            device,
            role="device",
            institution_id=cert_row.institution_id,
            certificate_id=cert_row.id,
            device_name="bench",
            holder=cert_row.account_id,
        )
        audit.append(
            s,
            at=now,
            actor=f"legal:{cert_row.account_id}:bench",
            action="activation.issue",
            obj=f"certificate:{cert_row.id}",
            details={"device_serial": row.serial, "device": "bench", "grant": None},
        )
        s.flush()
        return row.serial


CORE_VARIANTS = {"in_tx": issue_core_in_tx, "sign_outside_tx": issue_core_sign_outside_tx}


def serialise_writers_with_flock(engine: CAEngine, lock_path: str) -> None:
    """What-if: every write transaction of this process first takes an exclusive
    ``flock`` on a file next to the database, so a waiting writer wakes as soon as the
    other commits instead of SQLite's busy handler sleeping 1, 2, 5, 10, ... ms between
    retries. Replaces ``store.tx`` on this engine instance only."""
    import fcntl

    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    plain_tx = engine.store.tx

    @contextlib.contextmanager
    def tx():
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with plain_tx() as s:
                yield s
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    engine.store.tx = tx


def issue_core_worker(spec: dict, win: Windows, index: int, extra: dict) -> dict:
    engine = open_engine(spec)
    try:
        issue = CORE_VARIANTS[extra["variant"]]
        if extra["flock"]:
            serialise_writers_with_flock(engine, spec["ca_dir"] + "/bench-write.lock")
        cids = [h["certificate_id"] for h in spec["holders"]]
        # Distinct device keys and CSRs, made beforehand (a device makes its own).
        csrs = [new_csr(f"bench-{index}-{i}")[1] for i in range(256)]
        for i in range(max(20, len(cids))):  # warm-up: caches, connections, every row
            issue(engine, csrs[i % len(csrs)], cids[i % len(cids)])
        t0 = win.start()
        n = 0
        while time.perf_counter() - t0 < spec["seconds"]:
            issue(engine, csrs[n % len(csrs)], cids[(n + index) % len(cids)])
            n += 1
        win.stop(n)
        return {"windows": win.items}
    finally:
        engine.close()


# --- issuance end to end: CAEngine.activate ---------------------------------------------


class _Timed:
    """Wraps a bound method and adds up the time spent in it."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.seconds = 0.0

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0


def check_activation(engine: CAEngine, res, device_key, transport_key) -> None:
    """The activation really issued a certificate for the device key, chained to the
    issuing CA, and delivered an escrowed key the device can open."""
    ca = engine.ctx.authorities.get(INSTITUTION)
    cert = x509.load_pem_x509_certificate(res.device_cert_pem.encode())
    cert.verify_directly_issued_by(ca.issuing)
    if cert.public_key() != device_key.public_key():
        raise AssertionError("device certificate for the wrong key")
    if not res.wrapped_keys:
        raise AssertionError("no escrowed key delivered")
    for w in res.wrapped_keys:
        der = ecies.open_sealed(
            transport_key,
            ecies.Sealed(w.ephemeral_public_key, w.nonce, w.ciphertext),
            ecies.aad_for(cert.serial_number, int(w.encryption_serial_hex, 16)),
        )
        key = serialization.load_der_private_key(der, None, unsafe_skip_rsa_key_validation=True)
        enc = x509.load_pem_x509_certificate(w.encryption_cert_pem.encode())
        if enc.public_key() != key.public_key():
            raise AssertionError("delivered key does not match the encryption certificate")


def skip_rsa_key_check_on_load() -> None:
    """What-if, in this worker process only: private keys load without OpenSSL's RSA
    consistency check (``unsafe_skip_rsa_key_validation=True``), as the proposed change to
    ``pki.unwrap_private_key`` would do for the KMC's own AES-GCM-authenticated blobs."""
    plain = serialization.load_der_private_key

    def load(data, password, backend=None, *, unsafe_skip_rsa_key_validation=False):
        return plain(data, password, backend, unsafe_skip_rsa_key_validation=True)

    serialization.load_der_private_key = load


def activate_worker(spec: dict, win: Windows, index: int, extra: dict) -> dict:
    """Rounds over this worker's certificates: request a code for each and read it from
    the inbox, make a device key, CSR and transport key (untimed); then activate each
    certificate once (timed)."""
    engine = open_engine(spec)
    try:
        holders, stop = extra["holders"], extra["stop"]
        if extra["skip_rsa_check"]:
            skip_rsa_key_check_on_load()
        delivery = _Timed(engine.ctx.activation.activation_result)
        engine.ctx.activation.activation_result = delivery  # instance attribute: measurement only
        engine.ctx.authorities.get(INSTITUTION)
        checked, r = 0, 0
        while True:
            work = []
            for h in holders:
                engine.request_activation_code(h["session"], h["certificate_id"])
                device_key, csr_pem = new_csr(f"bench-{index}-{r}")
                transport = ec.generate_private_key(ec.SECP256R1())
                tpem = transport.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                code = newest_code(engine, h["phone"])
                work.append((h, code, device_key, csr_pem, transport, tpem))
            d0 = delivery.seconds
            win.start()
            results = [
                engine.activate(
                    h["session"],
                    h["certificate_id"],
                    csr_pem=csr_pem,
                    transport_public_key_pem=tpem,
                    sms_code=code,
                    device_name=f"bench-{index}",
                    idempotency_key=uuid.uuid4().hex,
                )
                for h, code, _dk, csr_pem, _tk, tpem in work
            ]
            if index == 0 and win.timed_total() + time.perf_counter() - win.t0 >= spec["seconds"]:
                stop.set()  # seen by every worker after the barrier in stop()
            win.stop(len(work), delivery=delivery.seconds - d0)
            for (_h, _c, dk, _csr, tk, _tp), res in list(zip(work, results, strict=True))[:4]:
                check_activation(engine, res, dk, tk)
                checked += 1
            r += 1
            if stop.is_set():
                break
        return {"windows": win.items, "checked": checked}
    finally:
        engine.close()


# --- OCSP -------------------------------------------------------------------------------


def build_ocsp_requests(engine: CAEngine, count: int, rng: random.Random) -> list[dict]:
    """Requests for ``count`` issued device certificates; ``REVOKED_SHARE`` of them are
    revoked first through the engine (reasons mixed). Returns picklable request records."""
    ca = engine.ctx.authorities.get(INSTITUTION)
    with engine.store.read() as s:
        rows = s.execute(
            select(IssuedCertRow.serial, IssuedCertRow.der).where(
                IssuedCertRow.institution_id == INSTITUTION,
                IssuedCertRow.role == "device",
                IssuedCertRow.revoked_at.is_(None),
            )
        ).all()
    rows = rng.sample(rows, min(count, len(rows)))
    op = engine.operator_session()
    reasons = [RevocationReason.KEY_COMPROMISE, RevocationReason.UNSPECIFIED]
    out = []
    for i, (serial_hex, der) in enumerate(rows):
        cert = x509.load_der_x509_certificate(der)
        expect, reason = "good", None
        if i < int(len(rows) * REVOKED_SHARE):
            reason = reasons[i % 2]
            engine.revoke_serial(op, serial_hex, reason)
            expect = "revoked"
        algorithm = hashes.SHA256() if i % 4 == 3 else hashes.SHA1()
        builder = ocsp.OCSPRequestBuilder().add_certificate(cert, ca.issuing, algorithm)
        nonce = None
        if i % 2 == 0:
            nonce = secrets.token_bytes(16)
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        out.append(
            {
                "der": builder.build().public_bytes(serialization.Encoding.DER),
                "serial": cert.serial_number,
                "expect": expect,
                "reason": reason.value if reason else None,
                "nonce": nonce,
            }
        )
    rng.shuffle(out)
    return out


_REASON_FLAG = {
    RevocationReason.KEY_COMPROMISE.value: x509.ReasonFlags.key_compromise,
    RevocationReason.UNSPECIFIED.value: None,  # left out, RFC 5280 §5.3.1
}


def verify_ocsp_response(engine: CAEngine, req: dict, der: bytes) -> str | None:
    """None if ``der`` is a correct, validly signed answer to ``req``; else what is wrong."""
    ca = engine.ctx.authorities.get(INSTITUTION)
    resp = ocsp.load_der_ocsp_response(der)
    if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"status {resp.response_status.name}"
    if resp.serial_number != req["serial"]:
        return "serial mismatch"
    want = ocsp.OCSPCertStatus.REVOKED if req["expect"] == "revoked" else ocsp.OCSPCertStatus.GOOD
    if resp.certificate_status is not want:
        return f"cert status {resp.certificate_status.name}, expected {want.name}"
    if (
        want is ocsp.OCSPCertStatus.REVOKED
        and resp.revocation_reason != _REASON_FLAG[req["reason"]]
    ):
        return f"reason {resp.revocation_reason}, expected {req['reason']}"
    if req["nonce"] is not None:
        try:
            got = resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            return "nonce not echoed"
        if got != req["nonce"]:
            return "nonce mismatch"
    if not resp.certificates or resp.certificates[0] != ca.ocsp:
        return "responder certificate missing or not the institution's"
    responder = resp.certificates[0]
    responder.verify_directly_issued_by(ca.issuing)
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
        return "responder lacks id-kp-OCSPSigning"
    if (
        resp.responder_key_hash
        != x509.SubjectKeyIdentifier.from_public_key(responder.public_key()).digest
    ):
        return "responderID does not name the responder"
    try:
        responder.public_key().verify(
            resp.signature, resp.tbs_response_bytes, ec.ECDSA(resp.signature_hash_algorithm)
        )
    except Exception as exc:  # InvalidSignature and friends
        return f"bad signature ({type(exc).__name__})"
    now = dt.datetime.now(dt.UTC)
    if not (resp.this_update_utc <= now + dt.timedelta(minutes=1) < resp.next_update_utc):
        return "outside thisUpdate..nextUpdate"
    return None


def ocsp_worker(spec: dict, win: Windows, index: int, _extra) -> dict:
    engine = open_engine(spec)
    try:
        reqs = spec["ocsp_requests"]
        ders = [r["der"] for r in reqs]
        m = len(ders)
        for i in range(50):  # warm-up
            engine.ocsp(INSTITUTION, ders[i % m])
        kept: list[tuple[int, bytes]] = []
        short = 0
        offset = index * (m // 2)
        t0 = win.start()
        n = 0
        while time.perf_counter() - t0 < spec["seconds"]:
            k = (n + offset) % m
            resp = engine.ocsp(INSTITUTION, ders[k])
            if len(resp) < 64:  # unsuccessful OCSPResponses are 5 bytes
                short += 1
            if n % SAMPLE_EVERY == 0:
                kept.append((k, resp))
            n += 1
        win.stop(n)
        failures = []
        verified = {"good": 0, "revoked": 0}
        for k, resp in kept:
            problem = verify_ocsp_response(engine, reqs[k], resp)
            if problem:
                failures.append(f"request {k} ({reqs[k]['expect']}): {problem}")
            else:
                verified[reqs[k]["expect"]] += 1
        return {
            "windows": win.items,
            "short": short,
            "verified": verified,
            "failures": failures[:10],
            "failure_count": len(failures),
        }
    finally:
        engine.close()


# --- report -----------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    try:
        from cryptography.hazmat.backends.openssl.backend import backend

        openssl = backend.openssl_version_text()
    except Exception:
        openssl = "unknown"
    load = None
    with contextlib.suppress(OSError), open("/proc/loadavg", encoding="ascii") as fh:
        load = fh.read().split()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "cryptography": cryptography.__version__,
        "openssl": openssl,
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "loadavg_1min_at_start": load,
    }


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def row(name: str, workers: int, m: dict, unit: str, note: str, target=None, **kw) -> dict:
    return {
        "name": name,
        "workers": workers,
        "ops": m["ops"],
        "seconds": round(m["wall"], 3),
        "rate": round(m["rate"], 1),
        "unit": unit,
        "all_rates": m.get("all_rates", [round(m["rate"], 1)]),
        "cores_used": _r(m["cores_used"]),
        "other_cores": _r(m["other_cores"]),
        "steal_cores": _r(m["steal_cores"]),
        "target": target,
        "met": None if target is None else m["rate"] >= target,
        "note": note,
        **kw,
    }


def print_table(machine: dict, rows: list[dict], checks: dict, repeat: int) -> None:
    print()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} "
        f"usable), Python {machine['python']}, cryptography {machine['cryptography']} "
        f"({machine['openssl']}), SQLAlchemy {machine['sqlalchemy']}, "
        f"SQLite {machine['sqlite']}, load {machine['loadavg_1min_at_start']}"
    )
    if repeat > 1:
        print(f"each figure: the median of {repeat} runs (all rates in the JSON line)")
    head = ("benchmark", "workers", "ops", "seconds", "rate", "unit", "cores", "other", "target")
    lines = [head]
    for r in rows:
        target = ""
        if r["target"]:
            target = f">= {r['target']:g}: {'met' if r['met'] else 'MISSED'}"
        other = "" if r["other_cores"] is None else f"{r['other_cores']:.2f}"
        lines.append(
            (
                r["name"],
                str(r["workers"]),
                str(r["ops"]),
                f"{r['seconds']:.2f}",
                f"{r['rate']:.1f}",
                r["unit"],
                f"{r['cores_used']:.2f}",
                other,
                target,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    left = {0, 5, 8}
    for j, line in enumerate(lines):
        cells = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if j == 0:
            print("  ".join("-" * w for w in widths))
    print("notes:")
    seen = set()
    for r in rows:
        if r["note"] and (r["name"], r["note"]) not in seen:
            seen.add((r["name"], r["note"]))
            print(f"  {r['name']} ({r['workers']}w): {r['note']}")
    print(f"checks: {json.dumps(checks, ensure_ascii=False)}")


def print_profile(path: Path, title: str, limit: int = 20) -> None:
    print(f"\n--- cProfile: {title} ({path}) ---")
    buf = io.StringIO()
    stats = pstats.Stats(str(path), stream=buf)
    stats.sort_stats("tottime").print_stats(limit)
    print(buf.getvalue())


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --- main -------------------------------------------------------------------------------

CORE_NOTE = "check_csr; tx{get row, make_device_cert, INSERT cert, audit} as activate does"
FLOCK_NOTE = "what-if: as issue.core, writers serialised by flock (no busy-handler sleeps)"
OUTSIDE_NOTE = "what-if: check_csr, make_device_cert; then tx{re-get row, INSERT, audit}"
OUTSIDE_FLOCK_NOTE = "what-if: sign before the write tx, and writers serialised by flock"
ACTIVATE_NOTE = "CAEngine.activate end to end; SMS codes prepared untimed"
SKIP_NOTE = "what-if: activate with KMC keys loaded without OpenSSL's RSA key check"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Throughput of the CA engine: issuance, KMC refill, OCSP."
    )
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure")
    p.add_argument("--workers", type=int, choices=(1, 2), default=2, help="processes (1 or 2)")
    p.add_argument("--data-dir", type=Path, help="CA folder, kept (default: a temp folder)")
    p.add_argument("--repeat", type=int, default=1, help="runs per figure; the median is shown")
    p.add_argument(
        "--companies",
        type=int,
        default=48,
        help="companies with one approved certificate each (activation rounds)",
    )
    p.add_argument("--ocsp-certs", type=int, default=400, help="certificates OCSP asks about")
    p.add_argument("--no-what-if", action="store_true", help="leave out the what-if rows")
    p.add_argument("--profile", action="store_true", help="cProfile the 1-worker runs")
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    if args.seconds <= 0 or args.repeat < 1 or args.companies < 2 or args.ocsp_certs < 8:
        p.error("--seconds > 0, --repeat >= 1, --companies >= 2 and --ocsp-certs >= 8")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.data_dir:
        base = args.data_dir.resolve()
        if (base / "ca" / "ca.sqlite3").exists():
            print(f"{base} already holds a CA: give a new or empty folder", file=sys.stderr)
            return 2
        base.mkdir(parents=True, exist_ok=True)
        cleanup = None
    else:
        base = Path(tempfile.mkdtemp(prefix="mobileca-bench-"))
        cleanup = base
    try:
        return run(args, base)
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


def run(args: argparse.Namespace, base: Path) -> int:
    machine = machine_info()
    started = dt.datetime.now(dt.UTC)
    t_start = time.perf_counter()
    rng = random.Random(args.seed)
    passphrase = base / "passphrase"
    passphrase.write_text(secrets.token_urlsafe(32))
    passphrase.chmod(0o600)
    spec = {"ca_dir": str(base / "ca"), "passphrase": str(passphrase), "seconds": args.seconds}
    counts = [1, 2] if args.workers == 2 else [1]
    prof_dir = base / "profiles"
    if args.profile:
        prof_dir.mkdir(exist_ok=True)

    def pspec(name: str) -> dict:
        return {**spec, "profile_to": str(prof_dir / f"{name}.prof")} if args.profile else spec

    _say(f"creating the CA in {base / 'ca'}")
    engine = CAEngine.open(Path(spec["ca_dir"]), PassphraseFileSecret(passphrase), engine_config())
    rows: list[dict] = []
    checks: dict = {}
    profiles: list[str] = []
    ok = True
    try:
        # 1. KMC pool refill.
        for w in counts:
            _say(f"kmc.refill, {w} worker(s)")
            m = measure("kmc_refill_worker", pspec("kmc.refill"), w, args.repeat)
            keygen = sum(x["keygen"] for x in m["extra"])
            note = f"KeyPool.refill(1) loop; RSA generation {1000 * keygen / m['ops']:.1f} ms/key"
            rows.append(row("kmc.refill", w, m, "RSA-2048 keys/s", note))
        profiles.append("kmc.refill")
        checks["kmc_pool_size_after_refill"] = engine.pool.size()

        # Companies with approved certificates (untimed set-up).
        _say(f"provisioning {args.companies} companies with an approved 企业数字证书")
        t0 = time.perf_counter()
        holders = provision(engine, args.companies, rng)
        checks["provision_seconds_per_certificate"] = round(
            (time.perf_counter() - t0) / args.companies, 3
        )
        spec["holders"] = holders

        # 2. Issuance core, in the engine's order; what-ifs for proposed engine changes.
        core_runs = [("issue.core", "in_tx", False, counts, CORE_NOTE)]
        if not args.no_what_if:
            core_runs += [
                ("issue.core.flock", "in_tx", True, [2], FLOCK_NOTE),
                ("issue.core.sign_outside_tx", "sign_outside_tx", False, counts, OUTSIDE_NOTE),
                (
                    "issue.core.sign_outside_tx.flock",
                    "sign_outside_tx",
                    True,
                    [2],
                    OUTSIDE_FLOCK_NOTE,
                ),
            ]
        for label, variant, flock, wanted, note in core_runs:
            if flock and not HAVE_FLOCK:
                continue
            for w in (w for w in wanted if w in counts):
                _say(f"{label}, {w} worker(s)")
                extras = [{"variant": variant, "flock": flock}] * w
                m = measure("issue_core_worker", pspec(label), w, args.repeat, extras)
                target = TARGET_ISSUE if (label == "issue.core" and w == 2) else None
                rows.append(row(label, w, m, "device certs/s", note, target))
            if 1 in wanted:
                profiles.append(label)

        # 3. Issuance end to end through CAEngine.activate.
        act_runs = [("issue.activate", False)]
        if not args.no_what_if:
            act_runs.append(("issue.activate.skip_rsa_check", True))
        for label, skip in act_runs:
            for w in counts:
                _say(f"{label}, {w} worker(s)")
                rows.extend(activation_rows(label, skip, w, holders, pspec(label), args, checks))
            profiles.append(label)

        # 4. OCSP.
        _say(
            f"revoking {REVOKED_SHARE:.0%} of {args.ocsp_certs} device certificates, "
            "building OCSP requests"
        )
        reqs = build_ocsp_requests(engine, args.ocsp_certs, rng)
        spec["ocsp_requests"] = reqs
        checks["ocsp_requests"] = {
            "distinct": len(reqs),
            "revoked": sum(r["expect"] == "revoked" for r in reqs),
        }
        for w in counts:
            _say(f"ocsp, {w} worker(s)")
            m = measure("ocsp_worker", pspec("ocsp"), w, args.repeat)
            every = [res for run_ in m["all_results"] for res in run_]
            short = sum(r["short"] for r in every)
            fails = sum(r["failure_count"] for r in every)
            verified = {k: sum(r["verified"][k] for r in every) for k in ("good", "revoked")}
            checks[f"ocsp_{w}w"] = {"verified": verified, "failed": fails, "errors": short}
            if fails or short or not verified["good"] or not verified["revoked"]:
                ok = False
                for r in every:
                    for f in r["failures"]:
                        print(f"OCSP check failed: {f}", file=sys.stderr)
            note = (
                f"engine.ocsp; {verified['good']} good + {verified['revoked']} revoked "
                f"responses verified, {fails} failed, {short} error statuses"
            )
            rows.append(row("ocsp", w, m, "responses/s", note, TARGET_OCSP if w == 2 else None))
        profiles.append("ocsp")

        with engine.store.read() as s:
            checks["device_certs_in_db"] = s.execute(
                select(func.count())
                .select_from(IssuedCertRow)
                .where(IssuedCertRow.role == "device")
            ).scalar_one()
        entries, first_bad = engine.audit_verify()
        checks["audit_chain"] = {"entries": entries, "first_bad": first_bad}
        ok = ok and first_bad is None
        checks["wall_seconds_total"] = round(time.perf_counter() - t_start, 1)
    finally:
        engine.close()

    print_table(machine, rows, checks, args.repeat)
    if args.profile:
        for name in profiles:
            path = prof_dir / f"{name}.prof"
            if path.exists():
                print_profile(path, f"{name}, 1 worker, last run")
    summary = {
        "bench": "issuance",
        "date": started.date().isoformat(),
        "started_utc": started.isoformat(timespec="seconds"),
        "args": {
            "seconds": args.seconds,
            "workers": args.workers,
            "repeat": args.repeat,
            "companies": args.companies,
            "ocsp_certs": args.ocsp_certs,
        },
        "machine": machine,
        "results": rows,
        "checks": checks,
        "ok": ok,
    }
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
    return 0 if ok else 1


def activation_rows(
    label: str, skip: bool, w: int, holders: list, spec: dict, args, checks: dict
) -> list[dict]:
    """The activation rounds with ``w`` workers, each with its share of the certificates:
    the end-to-end row and, for one worker, the row without the delivery."""

    def extras() -> list[dict]:
        stop = mp.get_context("spawn").Event()  # fresh for every run
        return [{"holders": holders[i::w], "stop": stop, "skip_rsa_check": skip} for i in range(w)]

    m = measure("activate_worker", spec, w, args.repeat, extras)
    delivery = sum(x["delivery"] for x in m["extra"])
    busy = sum(x["t1"] - x["t0"] for x in m["extra"])
    checks[f"{label}_{w}w_results_verified"] = sum(
        r["checked"] for run_ in m["all_results"] for r in run_
    )
    note = (
        f"{SKIP_NOTE if skip else ACTIVATE_NOTE}; {m['windows']} rounds; "
        f"{100 * delivery / busy:.0f} % of the time in the key delivery "
        f"({1000 * delivery / m['ops']:.2f} ms/activation)"
    )
    out = [row(label, w, m, "device certs/s", note, delivery_share=round(delivery / busy, 3))]
    if w == 1:
        minus = {**m, "wall": m["wall"] - delivery, "rate": m["ops"] / (m["wall"] - delivery)}
        minus["all_rates"] = [minus["rate"]]
        note = "derived: activations / (timed - time in _activation_result)"
        out.append(row(label + ".minus_delivery", 1, minus, "device certs/s", note))
    return out


if __name__ == "__main__":
    sys.exit(main())
