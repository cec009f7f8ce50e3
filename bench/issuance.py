#!/usr/bin/env python3
"""Throughput of the CA engine: device-certificate issuance, KMC pool refill and OCSP.

    python bench/issuance.py [--seconds N] [--workers 1|2] [--data-dir DIR]

Everything runs against the real engine (``mobileca_desktop.ca.engine.CAEngine``) on SQLite
in WAL mode, in a temporary folder unless ``--data-dir`` is given. The CA's wrapping secret
is a random passphrase file (``PassphraseFileSecret``, the server mode), so that worker
processes can open the same CA. With ``--workers 2`` every figure is measured twice: with
one process, then with two processes on the same database (aggregate of both).

What is timed (nothing else is):

* ``kmc.refill``      ``KeyPool.refill(1)`` in a loop: RSA-2048 generation, wrap, one
                      INSERT transaction per key.
* ``issue.core``      the issue's figure, "CSR check + build + sign + store": ``pki.check_csr``
                      of a fresh device CSR, then one write transaction that reads the
                      certificate row, builds and signs the device certificate
                      (``pki.make_device_cert``) and stores it with its audit entry
                      (``_record_cert`` + ``audit.append``), in the order ``activate`` does.
                      Not included: session check, SMS code check, escrowed-key delivery.
* ``issue.core.sign_outside_tx``  the same work, but the certificate is built and signed
                      before the write transaction opens (a what-if for a proposed engine
                      change, see docs/benchmarks.md).
* ``issue.activate``  ``CAEngine.activate`` end to end: session check, idempotency lookup,
                      SMS code check, CSR check, build, sign, store, audit, and the ECIES
                      delivery of the escrowed KMC key. The SMS code is requested and read
                      from the simulated phone's inbox *before* the clock starts (codes are
                      one per certificate at a time, so activations run in rounds over many
                      certificates; only the activate calls are timed).
* ``issue.activate.delivery``  the share of ``issue.activate`` spent in the escrowed-key
                      delivery (``CAEngine._activation_result``, timed by a wrapper); the
                      ``minus_delivery`` row is activations / (timed - delivery time).
* ``ocsp``            ``CAEngine.ocsp(institution, request_der)`` for prebuilt requests on
                      issued device certificates, 25 % of them revoked, SHA-1 and SHA-256
                      CertIDs, half with a nonce. A sample of the responses is verified
                      afterwards (status, serial, reason, nonce, responder certificate,
                      signature); any failure makes the run exit with status 1.
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

from mobileca_desktop.ca import audit, idcheck, pki  # noqa: E402
from mobileca_desktop.ca.db import CertificateRow, IssuedCertRow  # noqa: E402
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


def _worker_main(fn_name: str, spec: dict, index: int, barrier, result_q, extra) -> None:
    try:
        fn = globals()[fn_name]
        profile_to = spec.get("profile_to")
        if profile_to and spec["workers"] == 1:
            prof = cProfile.Profile()
            result = prof.runcall(fn, spec, index, barrier, extra)
            prof.dump_stats(profile_to)
        else:
            result = fn(spec, index, barrier, extra)
        result_q.put((index, result, None))
    except BaseException:
        result_q.put((index, None, traceback.format_exc()))
        with contextlib.suppress(Exception):
            barrier.abort()


def run_workers(fn_name: str, spec: dict, workers: int, extras: list | None = None) -> list:
    """Runs ``fn_name(spec, index, barrier, extra)`` in ``workers`` fresh processes, started
    together by a barrier; returns their results in index order."""
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


def _aggregate(results: list[dict]) -> tuple[int, float]:
    """(operations, wall seconds) of workers that started together at a barrier."""
    ops = sum(r["ops"] for r in results)
    wall = max(r["t1"] for r in results) - min(r["t0"] for r in results)
    return ops, wall


# --- KMC pool refill -------------------------------------------------------------------


def kmc_refill_worker(spec: dict, index: int, barrier, _extra) -> dict:
    engine = open_engine(spec)
    try:
        engine.pool.refill(1)  # warm-up (first transaction, imports)
        barrier.wait()
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < spec["seconds"]:
            n += engine.pool.refill(1)
        t1 = time.perf_counter()
        return {"ops": n, "t0": t0, "t1": t1, "keygen_s": engine.pool.generation_seconds}
    finally:
        engine.close()


# --- issuance core: CSR check + build + sign + store ------------------------------------


def issue_core_in_tx(engine: CAEngine, csr_pem: bytes, certificate_id: int) -> str:
    """The steps ``CAEngine.activate`` takes to issue, in its order: the CSR is checked
    before the transaction; reading the certificate row, building and signing the device
    certificate, and storing it with its audit entry happen in one write transaction."""
    public_key = pki.check_csr(csr_pem)
    with engine.store.tx() as s:
        cert_row = s.get(CertificateRow, certificate_id)
        now = engine.clock.now()
        ca = engine._ca(cert_row.institution_id, s)
        subject = engine._x509_subject(CertKind(cert_row.kind), cert_row.subject)
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
        row = engine._record_cert(
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


def issue_core_sign_outside_tx(engine: CAEngine, csr_pem: bytes, certificate_id: int) -> str:
    """What-if: the same work, with the certificate row read and the certificate signed
    before the write transaction (which then holds SQLite's write lock only for the two
    INSERTs and the audit chain's last-hash read)."""
    public_key = pki.check_csr(csr_pem)
    with engine.store.read() as s:
        cert_row = s.get(CertificateRow, certificate_id)
    now = engine.clock.now()
    ca = engine._ca(cert_row.institution_id)
    subject = engine._x509_subject(CertKind(cert_row.kind), cert_row.subject)
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
        row = engine._record_cert(
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


def issue_core_worker(spec: dict, index: int, barrier, variant: str) -> dict:
    engine = open_engine(spec)
    try:
        issue = CORE_VARIANTS[variant]
        cids = [h["certificate_id"] for h in spec["holders"]]
        # Distinct device keys, made beforehand (the device makes its key and CSR).
        csrs = [new_csr(f"bench-{index}-{i}")[1] for i in range(256)]
        for i in range(20):  # warm-up: CA cache, statement cache, connections
            issue(engine, csrs[i], cids[i % len(cids)])
        barrier.wait()
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < spec["seconds"]:
            issue(engine, csrs[n % len(csrs)], cids[(n + index) % len(cids)])
            n += 1
        t1 = time.perf_counter()
        return {"ops": n, "t0": t0, "t1": t1}
    finally:
        engine.close()


# --- issuance end to end: CAEngine.activate ---------------------------------------------


class _Timed:
    """Wraps a bound method and adds up the time spent in it."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1


def check_activation(engine: CAEngine, res, device_key, transport_key) -> None:
    """The activation really issued a certificate for the device key, chained to the
    issuing CA, and delivered an escrowed key the device can open."""
    ca = engine._ca(INSTITUTION)
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


def activate_worker(spec: dict, index: int, barrier, extra: dict) -> dict:
    """Rounds: request a code for each of this worker's certificates and read it from the
    inbox (untimed), wait for the other workers, then activate each certificate once
    (timed), wait again so no untimed work overlaps another worker's timed part."""
    engine = open_engine(spec)
    try:
        holders = extra["holders"]
        stop = extra["stop"]
        delivery = _Timed(engine._activation_result)
        engine._activation_result = delivery  # instance attribute: measurement only
        engine._ca(INSTITUTION)
        rounds, checked = [], 0
        total = 0.0
        r = 0
        while True:
            work = []
            for h in holders:
                engine.request_activation_code(h["session"], h["certificate_id"])
                device_key, csr_pem = new_csr(f"bench-{index}-{r}")
                transport = ec.generate_private_key(ec.SECP256R1())
                tpem = transport.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                work.append((h, newest_code(engine, h["phone"]), device_key, csr_pem, transport, tpem))
            barrier.wait()
            d0 = delivery.seconds
            t0 = time.perf_counter()
            results = []
            for h, code, _dk, csr_pem, _tk, tpem in work:
                results.append(
                    engine.activate(
                        h["session"],
                        h["certificate_id"],
                        csr_pem=csr_pem,
                        transport_public_key_pem=tpem,
                        sms_code=code,
                        device_name=f"bench-{index}",
                        idempotency_key=uuid.uuid4().hex,
                    )
                )
            t1 = time.perf_counter()
            rounds.append({"t0": t0, "t1": t1, "ops": len(work), "delivery": delivery.seconds - d0})
            total += t1 - t0
            for (_h, _c, dk, _csr, tk, _tp), res in list(zip(work, results, strict=True))[:4]:
                check_activation(engine, res, dk, tk)
                checked += 1
            if index == 0 and total >= spec["seconds"]:
                stop.set()
            barrier.wait()
            r += 1
            if stop.is_set():
                break
        return {"rounds": rounds, "checked": checked}
    finally:
        engine.close()


# --- OCSP -------------------------------------------------------------------------------


def build_ocsp_requests(engine: CAEngine, count: int, rng: random.Random) -> list[dict]:
    """Requests for ``count`` issued device certificates; ``REVOKED_SHARE`` of them are
    revoked first through the engine (reasons mixed). Returns picklable request records."""
    ca = engine._ca(INSTITUTION)
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
    ca = engine._ca(INSTITUTION)
    resp = ocsp.load_der_ocsp_response(der)
    if resp.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        return f"status {resp.response_status.name}"
    if resp.serial_number != req["serial"]:
        return "serial mismatch"
    want = ocsp.OCSPCertStatus.REVOKED if req["expect"] == "revoked" else ocsp.OCSPCertStatus.GOOD
    if resp.certificate_status is not want:
        return f"cert status {resp.certificate_status.name}, expected {want.name}"
    if want is ocsp.OCSPCertStatus.REVOKED and resp.revocation_reason != _REASON_FLAG[req["reason"]]:
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
    if resp.responder_key_hash != x509.SubjectKeyIdentifier.from_public_key(
        responder.public_key()
    ).digest:
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


def ocsp_worker(spec: dict, index: int, barrier, _extra) -> dict:
    engine = open_engine(spec)
    try:
        reqs = spec["ocsp_requests"]
        ders = [r["der"] for r in reqs]
        m = len(ders)
        for i in range(50):  # warm-up
            engine.ocsp(INSTITUTION, ders[i % m])
        kept: list[tuple[int, bytes]] = []
        short = 0
        barrier.wait()
        t0 = time.perf_counter()
        n = 0
        offset = index * (m // 2)
        while time.perf_counter() - t0 < spec["seconds"]:
            k = (n + offset) % m
            resp = engine.ocsp(INSTITUTION, ders[k])
            if len(resp) < 64:  # unsuccessful responses are 5 bytes
                short += 1
            if n % SAMPLE_EVERY == 0:
                kept.append((k, resp))
            n += 1
        t1 = time.perf_counter()
        failures = []
        for k, resp in kept:
            problem = verify_ocsp_response(engine, reqs[k], resp)
            if problem:
                failures.append(f"request {k} ({reqs[k]['expect']}): {problem}")
        verified = {"good": 0, "revoked": 0}
        for k, _ in kept:
            verified[reqs[k]["expect"]] += 1
        return {
            "ops": n,
            "t0": t0,
            "t1": t1,
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
    with contextlib.suppress(OSError), open("/proc/loadavg", encoding="utf-8") as fh:
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


def row(name: str, workers: int, ops: int, seconds: float, unit: str, note: str = "", **kw):
    rate = ops / seconds if seconds > 0 else 0.0
    return {
        "name": name,
        "workers": workers,
        "ops": ops,
        "seconds": round(seconds, 3),
        "rate": round(rate, 1),
        "unit": unit,
        "ms_per_op_per_worker": round(1000 * seconds * workers / ops, 3) if ops else None,
        "note": note,
        **kw,
    }


def print_table(machine: dict, rows: list[dict], checks: dict) -> None:
    print()
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores ({machine['usable_cores']} usable), "
        f"Python {machine['python']}, cryptography {machine['cryptography']} "
        f"({machine['openssl']}), SQLAlchemy {machine['sqlalchemy']}, SQLite {machine['sqlite']}"
    )
    head = ("benchmark", "workers", "ops", "seconds", "rate", "unit", "target")
    lines = [head]
    for r in rows:
        target = ""
        if r.get("target"):
            target = f">= {r['target']:g} {'met' if r['rate'] >= r['target'] else 'MISSED'}"
        lines.append(
            (
                r["name"],
                str(r["workers"]),
                str(r["ops"]),
                f"{r['seconds']:.2f}",
                f"{r['rate']:.1f}",
                r["unit"],
                target,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for j, line in enumerate(lines):
        print("  ".join(c.ljust(w) if i in (0, 5, 6) else c.rjust(w) for i, (c, w) in
                        enumerate(zip(line, widths, strict=True))))
        if j == 0:
            print("  ".join("-" * w for w in widths))
    for r in rows:
        if r["note"]:
            print(f"  {r['name']} ({r['workers']}): {r['note']}")
    print(f"checks: {json.dumps(checks, ensure_ascii=False)}")


def print_profile(path: Path, title: str, limit: int = 18) -> None:
    print(f"\n--- profile: {title} ({path}) ---")
    buf = io.StringIO()
    stats = pstats.Stats(str(path), stream=buf)
    stats.sort_stats("tottime").print_stats(limit)
    print(buf.getvalue())


# --- main -------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure")
    p.add_argument("--workers", type=int, choices=(1, 2), default=2, help="processes (1 or 2)")
    p.add_argument("--data-dir", type=Path, help="CA folder (kept); default: a temp folder")
    p.add_argument(
        "--companies",
        type=int,
        default=48,
        help="companies (certificates) provisioned for the activation rounds",
    )
    p.add_argument("--ocsp-certs", type=int, default=400, help="certificates OCSP asks about")
    p.add_argument(
        "--profile", action="store_true", help="cProfile the single-process runs and print"
    )
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args(argv)
    if args.seconds <= 0:
        p.error("--seconds must be positive")
    if args.companies < 2:
        p.error("--companies must be at least 2")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    machine = machine_info()
    rng = random.Random(args.seed)
    started = dt.datetime.now(dt.UTC)
    if args.data_dir:
        base = args.data_dir.resolve()
        if (base / "ca" / "ca.sqlite3").exists():
            print(f"{base} already holds a CA; give an empty or new folder", file=sys.stderr)
            return 2
        base.mkdir(parents=True, exist_ok=True)
        cleanup = None
    else:
        base = Path(tempfile.mkdtemp(prefix="mobileca-bench-"))
        cleanup = base
    try:
        return run(args, machine, rng, base, started)
    finally:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)


def _say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(args, machine: dict, rng: random.Random, base: Path, started: dt.datetime) -> int:
    passphrase = base / "passphrase"
    passphrase.write_text(secrets.token_urlsafe(32))
    passphrase.chmod(0o600)
    spec = {
        "ca_dir": str(base / "ca"),
        "passphrase": str(passphrase),
        "seconds": args.seconds,
    }
    worker_counts = [1, 2] if args.workers == 2 else [1]
    prof_dir = base / "profiles"
    if args.profile:
        prof_dir.mkdir(exist_ok=True)

    def pspec(name: str) -> dict:
        return {**spec, "profile_to": str(prof_dir / f"{name}.prof")} if args.profile else spec

    t_setup = time.perf_counter()
    _say(f"creating the CA in {base / 'ca'}")
    engine = CAEngine.open(Path(spec["ca_dir"]), PassphraseFileSecret(passphrase), engine_config())
    rows: list[dict] = []
    checks: dict = {}
    profiles: list[tuple[str, Path]] = []

    try:
        # 1. KMC pool refill.
        for w in worker_counts:
            _say(f"kmc.refill, {w} worker(s)")
            res = run_workers("kmc_refill_worker", pspec("kmc_refill"), w)
            ops, wall = _aggregate(res)
            keygen = sum(r["keygen_s"] for r in res)
            rows.append(
                row(
                    "kmc.refill",
                    w,
                    ops,
                    wall,
                    "RSA-2048 keys/s",
                    f"RSA generation {1000 * keygen / max(1, ops + w):.1f} ms/key of it",
                )
            )
        profiles.append(("kmc.refill (1 worker)", prof_dir / "kmc_refill.prof"))
        checks["kmc_pool_size_after_refill"] = engine.pool.size()

        # Companies and certificates for the activation rounds (untimed).
        _say(f"provisioning {args.companies} companies with an approved 企业数字证书")
        t0 = time.perf_counter()
        holders = provision(engine, args.companies, rng)
        checks["provision_seconds_per_certificate"] = round(
            (time.perf_counter() - t0) / args.companies, 3
        )
        spec["holders"] = holders

        # 2. Issuance core, in the engine's order and the what-if variant.
        for variant, label in (("in_tx", "issue.core"), ("sign_outside_tx", "issue.core.sign_outside_tx")):
            for w in worker_counts:
                _say(f"{label}, {w} worker(s)")
                res = run_workers("issue_core_worker", pspec(label), w, [variant] * w)
                ops, wall = _aggregate(res)
                note = (
                    "check_csr + make_device_cert + INSERT cert + audit, one tx each"
                    if variant == "in_tx"
                    else "what-if: signing before the write transaction"
                )
                rows.append(
                    row(
                        label,
                        w,
                        ops,
                        wall,
                        "device certs/s",
                        note,
                        target=TARGET_ISSUE if (variant == "in_tx" and w == 2) else None,
                    )
                )
            profiles.append((f"{label} (1 worker)", prof_dir / f"{label}.prof"))

        # 3. Issuance end to end through CAEngine.activate.
        for w in worker_counts:
            _say(f"issue.activate, {w} worker(s)")
            ctx = mp.get_context("spawn")
            stop = ctx.Event()  # passed to the workers as an argument, which spawn allows
            share = [holders[i::w] for i in range(w)]
            res = run_workers_with_event(
                "activate_worker", pspec("issue.activate"), w, share, stop, ctx
            )
            n_rounds = min(len(r["rounds"]) for r in res)
            ops = sum(rr["ops"] for r in res for rr in r["rounds"][:n_rounds])
            wall = sum(
                max(r["rounds"][k]["t1"] for r in res) - min(r["rounds"][k]["t0"] for r in res)
                for k in range(n_rounds)
            )
            delivery = sum(rr["delivery"] for r in res for rr in r["rounds"][:n_rounds])
            busy = sum(rr["t1"] - rr["t0"] for r in res for rr in r["rounds"][:n_rounds])
            checks[f"activations_verified_{w}w"] = sum(r["checked"] for r in res)
            rows.append(
                row(
                    "issue.activate",
                    w,
                    ops,
                    wall,
                    "device certs/s",
                    f"{n_rounds} rounds; {100 * delivery / busy:.0f} % of the time in the "
                    f"escrowed-key delivery ({1000 * delivery / ops:.2f} ms/activation)",
                    delivery_share=round(delivery / busy, 3),
                )
            )
            if w == 1:
                rows.append(
                    row(
                        "issue.activate.minus_delivery",
                        1,
                        ops,
                        wall - delivery,
                        "device certs/s",
                        "derived: activate time minus _activation_result time",
                    )
                )
        profiles.append(("issue.activate (1 worker)", prof_dir / "issue.activate.prof"))

        # 4. OCSP.
        _say(f"revoking {REVOKED_SHARE:.0%} of {args.ocsp_certs} device certificates, "
             "building OCSP requests")
        reqs = build_ocsp_requests(engine, args.ocsp_certs, rng)
        spec["ocsp_requests"] = reqs
        checks["ocsp_requests"] = {
            "distinct": len(reqs),
            "revoked": sum(r["expect"] == "revoked" for r in reqs),
        }
        ocsp_ok = True
        for w in worker_counts:
            _say(f"ocsp, {w} worker(s)")
            res = run_workers("ocsp_worker", pspec("ocsp"), w)
            ops, wall = _aggregate(res)
            short = sum(r["short"] for r in res)
            fails = sum(r["failure_count"] for r in res)
            verified = {
                k: sum(r["verified"][k] for r in res) for k in ("good", "revoked")
            }
            checks[f"ocsp_verified_{w}w"] = {**verified, "failures": fails, "error_responses": short}
            if fails or short:
                ocsp_ok = False
                for r in res:
                    for f in r["failures"]:
                        print(f"OCSP check failed: {f}", file=sys.stderr)
            rows.append(
                row(
                    "ocsp",
                    w,
                    ops,
                    wall,
                    "responses/s",
                    f"verified {verified['good']} good + {verified['revoked']} revoked responses",
                    target=TARGET_OCSP if w == 2 else None,
                )
            )
        profiles.append(("ocsp (1 worker)", prof_dir / "ocsp.prof"))
        with engine.store.read() as s:
            checks["device_certs_in_db"] = s.execute(
                select(func.count()).select_from(IssuedCertRow).where(IssuedCertRow.role == "device")
            ).scalar_one()
        checks["audit_chain"] = dict(zip(("entries", "first_bad"), engine.audit_verify(), strict=True))
        checks["wall_seconds_total"] = round(time.perf_counter() - t_setup, 1)
    finally:
        engine.close()

    print_table(machine, rows, checks)
    if args.profile:
        for title, path in profiles:
            if path.exists():
                print_profile(path, title)
    summary = {
        "bench": "issuance",
        "date": started.date().isoformat(),
        "started_utc": started.isoformat(timespec="seconds"),
        "args": {"seconds": args.seconds, "workers": args.workers, "companies": args.companies},
        "machine": machine,
        "results": rows,
        "checks": checks,
    }
    print(json.dumps(summary, ensure_ascii=False, separators=(",", ":")))
    bad_audit = checks["audit_chain"]["first_bad"] is not None
    return 0 if ocsp_ok and not bad_audit else 1


def run_workers_with_event(fn_name, spec, workers, shares, stop, ctx) -> list:
    """``run_workers`` for the activation rounds: each worker gets its share of the
    certificates and the shared stop event."""
    extras = [{"holders": shares[i], "stop": stop} for i in range(workers)]
    return run_workers(fn_name, spec, workers, extras)


if __name__ == "__main__":
    sys.exit(main())
