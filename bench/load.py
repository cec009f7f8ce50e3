#!/usr/bin/env python3
"""The bid-opening rush on the remote CA: many suppliers at once log in, download their
wrapped encryption key (the KMC delivery, i.e. activation) and check OCSP.

    python bench/load.py [--clients 500] [--seconds 60] [--workers 2] [--db URL]

What it does, all on loopback:

1. A throw-away PostgreSQL cluster (``tests/helpers_pg.py``; needs Debian's ``postgresql``)
   unless ``--db`` names a database.
2. Set-up, untimed, in this process on the same database: a CA, and one company per client
   with an approved 企业数字证书 (法人登录, 电子营业执照, documents, SMS-signed submission,
   operator approval), with the production Argon2id parameters.
3. ``mobileca-ca serve --db ... --workers N --demo`` as a subprocess (rate limits on).
4. Open-loop arrivals: each client starts at its own time, drawn uniformly over
   ``--seconds`` and independent of how the server keeps up. Each client, on its own HTTP
   connection, does: ``login`` → ``activation_code`` (SMS) → ``inbox`` (read the code on the
   simulated phone) → ``activate`` (CSR + transport key → device certificate and the
   ECIES-wrapped escrowed key; one idempotency key, retried on a lost answer) → ``ocsp``
   (POST for the new device certificate, must say good).
5. Checks afterwards, from the database: every client that got an answer has exactly one
   device certificate (none lost, none duplicated), no other device certificate exists, the
   audit chain verifies, and every delivered key opens with the client's transport key.

Prints a Markdown table and one JSON line; exits 1 if a check fails.

    python bench/load.py --scenario flood [--seconds 40] [--flood-threads 16] [--users 4]
        [--flood-addresses 1]

The ``flood`` scenario: ``mobileca-ca serve`` on a throw-away SQLite CA (or ``--db``), rate
limits on, production Argon2id. ``--users`` real companies log in in turn from 127.0.1.2,
one login every ``--interval`` seconds, first without and then during a flood of logins with
random credit codes from 127.0.0.1, or from ``--flood-addresses`` N addresses 127.0.0.1 ...
of that one /24 (``tests/helpers_flood.py``, ``--flood-threads`` threads in a process of its
own, niced by ``--flood-nice`` so that the attacker's CPU is mostly not the server's, as in
a real attack). Reports the real users' login p50/p99/max in both phases and what the flood
got (429 with Retry-After, 401 for the few hashed). Linux (127/8 is all loopback there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mobileca_desktop.ca import idcheck  # noqa: E402
from mobileca_desktop.ca.db import IssuedCertRow  # noqa: E402
from mobileca_desktop.ca.engine import CAEngine, EngineConfig  # noqa: E402
from mobileca_desktop.ca.identity import PasswordPolicy  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.ca.store import Store  # noqa: E402
from mobileca_desktop.crypto import ecies  # noqa: E402
from mobileca_desktop.domain import errors as E  # noqa: E402
from mobileca_desktop.domain.models import (  # noqa: E402
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    MessageKind,
    Method,
)
from mobileca_desktop.services.remote import RemoteServices  # noqa: E402

PASSWORD = "Bench2026pass"
OPS = ("login", "activation_code", "inbox", "activate", "ocsp")


def _jpeg(text: str) -> bytes:
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (235, 240, 250))
    ImageDraw.Draw(img).text((20, 20), text, fill=(20, 20, 20))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def seed_part(db_url: str, passphrase: str, start: int, count: int, base: int) -> list[dict]:
    """A worker process's share of the set-up, on its own engine."""
    engine = CAEngine(
        Store(db_url), PassphraseFileSecret(Path(passphrase)), EngineConfig(kmc_background=False)
    )
    try:
        return seed(engine, start, count, random.Random(base + start))
    finally:
        engine.close()


def seed(engine: CAEngine, start: int, count: int, rng: random.Random) -> list[dict]:
    """One company with an approved unit certificate per client (untimed)."""
    op = engine.operator_session()
    licence, front, back = _jpeg("licence"), _jpeg("front"), _jpeg("back")
    clients = []
    for i in range(start, start + count):
        phone = "13" + f"{i:09d}"
        reg = LegalEntityRegistration(
            company_name=f"投标压测企业{i:04d}有限公司",
            uscc=idcheck.make_uscc(rng),
            province="山西省",
            city="太原市",
            bank_name="中国银行太原分行",
            bank_account=f"6222020200{i:09d}",
            legal_person_name="压测法人",
            legal_person_id_number=idcheck.make_id_number(rng, dt.date(1980, 1, 1)),
            legal_person_phone=phone,
            password=PASSWORD,
        )
        engine.register_legal(reg)
        s = engine.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
        app = engine.create_application(s, CertKind.UNIT, "bjca")
        engine.set_method(s, app.id, Method.ELICENCE)
        engine.set_handler(s, app.id, Handler.LEGAL_PERSON)
        engine.verify_elicence(s, app.id, engine.elicence_text(s))
        engine.upload_document(s, app.id, DocKind.LICENCE, licence, "licence.jpg")
        engine.upload_document(s, app.id, DocKind.ID_FRONT, front, "front.jpg")
        engine.upload_document(s, app.id, DocKind.ID_BACK, back, "back.jpg")
        engine.request_signing_code(s, app.id)
        code = next(m.code for m in engine.inbox(phone) if m.code)
        engine.submit(s, app.id, code)
        cid = engine.approve(op, app.id).certificate_id
        engine.logout(s)
        clients.append({"uscc": reg.uscc, "phone": phone, "certificate_id": cid})
        if (i + 1 - start) % 50 == 0:
            print(f"  seeded {i + 1 - start}/{count} (from {start})", flush=True)
    return clients


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.retries = 0

    def timed(self, op: str, fn):
        t0 = time.perf_counter()
        try:
            return fn()
        except Exception as exc:
            with self.lock:
                self.errors[op].append(f"{type(exc).__name__}: {exc}"[:200])
            raise
        finally:
            with self.lock:
                self.latency[op].append(time.perf_counter() - t0)


def client_address(k: int) -> str:
    """Each supplier from an address of its own network (Linux routes all of 127/8 to
    loopback), as in a real rush: the server's per-address and per-network (/24) login
    limits see 500 companies' machines, not one."""
    return f"127.{1 + k // 256}.{k % 256}.1"


def client_run(url: str, client: dict, rec: Recorder, results: dict) -> None:
    transport = httpx.HTTPTransport(local_address=client_address(client["index"]), retries=0)
    svc = RemoteServices.connect(url, timeout=60, retries=2, transport=transport)
    try:
        s = rec.timed("login", lambda: svc.ca.login(AccountKind.LEGAL, client["uscc"], PASSWORD))
        cid = client["certificate_id"]
        rec.timed("activation_code", lambda: svc.ca.request_activation_code(s, cid))
        code = rec.timed(
            "inbox",
            lambda: next(
                m.code
                for m in svc.inbox.messages(client["phone"])
                if m.code and m.kind is MessageKind.SMS
            ),
        )
        signing = ec.generate_private_key(ec.SECP256R1())
        transport = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bid-pc")]))
            .sign(signing, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
        )
        tpem = transport.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        key = str(uuid.uuid4())

        def activate():
            for attempt in range(3):
                try:
                    return svc.ca.activate(
                        s,
                        cid,
                        csr_pem=csr,
                        transport_public_key_pem=tpem,
                        sms_code=code,
                        device_name="bid-pc",
                        idempotency_key=key,
                    )
                except E.ServiceUnavailable:
                    # The answer may be lost after the work was done: the same key again.
                    if attempt == 2:
                        raise
                    with rec.lock:
                        rec.retries += 1
            raise AssertionError

        res = rec.timed("activate", activate)
        device = x509.load_pem_x509_certificate(res.device_cert_pem.encode())
        chain = x509.load_pem_x509_certificates(res.chain_pem.encode())
        for w in res.wrapped_keys:  # the delivered key must open on this client
            ecies.open_box(
                transport,
                ecies.Box(w.ephemeral_public_key, w.nonce, w.ciphertext),
                ecies.aad_for(device.serial_number, int(w.encryption_serial_hex, 16)),
            )
        req = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(device, chain[0], hashes.SHA1())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        der = rec.timed("ocsp", lambda: svc.ca.ocsp("bjca", req))
        status = ocsp.load_der_ocsp_response(der).certificate_status
        if status is not ocsp.OCSPCertStatus.GOOD:
            raise AssertionError(f"OCSP says {status}")
        with rec.lock:
            results[cid] = res.device_serial_hex
    except Exception as exc:
        with rec.lock:
            rec.errors["client"].append(f"{type(exc).__name__}: {exc}"[:200])
    finally:
        svc.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--db", help="a PostgreSQL URL (default: a throw-away cluster)")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--scenario", choices=["rush", "flood"], default="rush")
    p.add_argument("--flood-threads", type=int, default=16)
    p.add_argument("--flood-nice", type=int, default=10)
    p.add_argument("--flood-addresses", type=int, default=1, help="the flood's, in one /24")
    p.add_argument("--users", type=int, default=4)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--serve-args", default="", help="extra `mobileca-ca serve` options (flood)")
    args = p.parse_args(argv)
    if args.scenario == "flood":
        return flood_main(args)
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="mobileca-load-"))
    passphrase = tmp / "passphrase"
    passphrase.write_text(uuid.uuid4().hex + uuid.uuid4().hex)
    passphrase.chmod(0o600)
    cluster = None
    if args.db:
        db_url = args.db
    else:
        from helpers_pg import Cluster, why_unavailable

        reason = why_unavailable()
        if reason:
            raise SystemExit(reason)
        cluster = Cluster()
        cluster.start()
        db_url = cluster.url(cluster.new_database())
    policy = PasswordPolicy()
    print(f"database: {db_url}\nseeding {args.clients} companies (untimed) ...", flush=True)
    t0 = time.perf_counter()
    # The CA is made once here; the companies are made by one process per core.
    CAEngine(
        Store(db_url), PassphraseFileSecret(passphrase), EngineConfig(kmc_background=False)
    ).close()
    parts = max(1, min(os.cpu_count() or 1, 4))
    share = -(-args.clients // parts)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(parts) as pool:
        futures = [
            pool.submit(
                seed_part,
                db_url,
                str(passphrase),
                k * share,
                min(share, args.clients - k * share),
                args.seed,
            )
            for k in range(parts)
            if k * share < args.clients
        ]
        clients = [c for f in futures for c in f.result()]
    for k, c in enumerate(clients):
        c["index"] = k
    seed_seconds = time.perf_counter() - t0

    import socket

    port = args.port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "mobileca_desktop.cacli", "serve",
        "--db", db_url, "--data-dir", str(tmp / "ca"), "--passphrase-file", str(passphrase),
        "--port", str(port), "--workers", str(args.workers), "--demo", "--public-url", url,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "MOBILECA_TEST_CHEAP_PASSWORDS"}
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    ok = True
    try:
        wait_ready(url, proc)
        rec = Recorder()
        results: dict[int, str] = {}
        arrivals = sorted(rng.uniform(0, args.seconds) for _ in clients)
        threads = []
        start = time.perf_counter()
        cpu0 = os.times()
        print(f"rush: {args.clients} clients over {args.seconds:.0f} s ...", flush=True)
        for at, client in zip(arrivals, clients, strict=True):
            delay = start + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=client_run, args=(url, client, rec, results), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=300)
        wall = time.perf_counter() - start
        cpu1 = os.times()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    # --- checks from the database -------------------------------------------------------------
    engine = CAEngine(
        Store(db_url), PassphraseFileSecret(passphrase), EngineConfig(kmc_background=False)
    )
    with engine.store.read() as s:
        rows = s.execute(
            select(IssuedCertRow.certificate_id, func.count())
            .where(IssuedCertRow.role == "device")
            .group_by(IssuedCertRow.certificate_id)
        ).all()
    per_cert = dict(rows)
    duplicated = sum(1 for n in per_cert.values() if n > 1)
    lost = sum(1 for cid in results if per_cert.get(cid, 0) == 0)
    unanswered_but_done = sum(1 for cid in per_cert if cid not in results)
    checked, broken = engine.audit_verify()
    engine.close()
    if cluster is not None:
        cluster.stop()

    stats = {}
    for op in OPS:
        lat = rec.latency[op]
        stats[op] = {
            "count": len(lat),
            "errors": len(rec.errors[op]),
            "p50_ms": round(pct(lat, 0.50) * 1000, 1),
            "p99_ms": round(pct(lat, 0.99) * 1000, 1),
            "max_ms": round(max(lat) * 1000, 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        }
    completed = len(results)
    report = {
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "wall_s": round(wall, 1),
        "completed": completed,
        "throughput_clients_per_s": round(completed / wall, 2),
        "client_errors": rec.errors["client"][:5],
        "client_error_count": len(rec.errors["client"]),
        "activate_retries": rec.retries,
        "lost": lost,
        "duplicated": duplicated,
        "done_without_answer": unanswered_but_done,
        "audit_entries": checked,
        "audit_broken_at": broken,
        "argon2": {
            "time_cost": policy.time_cost,
            "memory_kib": policy.memory_cost_kib,
            "parallelism": policy.parallelism,
        },
        "seed_s": round(seed_seconds, 1),
        "bench_client_cpu_s": round((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), 1),
        "ops": stats,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    print()
    print("| operation | count | errors | p50 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for op in OPS:
        r = stats[op]
        print(
            f"| `{op}` | {r['count']} | {r['errors']} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['max_ms']} |"
        )
    print()
    print(json.dumps(report, ensure_ascii=False))
    if lost or duplicated or broken is not None or rec.errors["client"]:
        ok = False
    if not ok:
        print(f"FAILED (server log: {tmp / 'server.log'})", file=sys.stderr)
    return 0 if ok else 1


# --- the flood scenario ---------------------------------------------------------------------

REAL_USERS_ADDRESS = "127.0.1.2"  # another /24 than the flood's (127.0.0.0/24)


def _real_logins(
    url: str, users: list[tuple[str, str]], seconds: float, interval: float
) -> list[float]:
    """The real users' logins from 127.0.1.2, in turn, one every ``interval`` seconds."""
    transport = httpx.HTTPTransport(local_address=REAL_USERS_ADDRESS)
    latencies = []
    with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
        end = time.perf_counter() + seconds
        k = 0
        while time.perf_counter() < end:
            name, password = users[k % len(users)]
            k += 1
            t0 = time.perf_counter()
            r = client.post(
                "/api/v1/sessions",
                json={"kind": "legal", "login_name": name, "password": password},
            )
            took = time.perf_counter() - t0
            if r.status_code != 200:
                raise SystemExit(f"a real user's login failed: {r.status_code} {r.text}")
            latencies.append(took)
            time.sleep(max(0.0, interval - took))
    return latencies


def _summary(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": round(pct(values, 0.50) * 1000),
        "p99_ms": round(pct(values, 0.99) * 1000),
        "max_ms": round(max(values) * 1000),
    }


def flood_main(args: argparse.Namespace) -> int:
    import socket

    from conftest import People, demo_company

    tmp = Path(tempfile.mkdtemp(prefix="mobileca-flood-"))
    passphrase = tmp / "passphrase"
    passphrase.write_text(uuid.uuid4().hex + uuid.uuid4().hex)
    passphrase.chmod(0o600)
    port = args.port
    if not port:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "mobileca_desktop.cacli", "serve", "--data-dir", str(tmp / "ca"),
        "--passphrase-file", str(passphrase), "--port", str(port), "--public-url", url,
    ]  # fmt: skip
    if args.db:
        cmd += ["--db", args.db]
    cmd += args.serve_args.split()
    env = {k: v for k, v in os.environ.items() if k != "MOBILECA_TEST_CHEAP_PASSWORDS"}
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    flooder = ROOT / "tests" / "helpers_flood.py"
    try:
        wait_ready(url, proc)
        people = People(seed=args.seed)
        users = []
        transport = httpx.HTTPTransport(local_address=REAL_USERS_ADDRESS)
        with httpx.Client(base_url=url, transport=transport, timeout=120) as client:
            for _ in range(args.users):
                reg = demo_company(people)
                client.post("/api/v1/accounts/legal", json=dict(reg.__dict__)).raise_for_status()
                users.append((reg.uscc, reg.password))
        phase = max(10.0, args.seconds / 2)
        print(f"real users alone for {phase:.0f} s ...", flush=True)
        quiet = _real_logins(url, users, phase, args.interval)
        print(f"and during a flood of {args.flood_threads} threads ...", flush=True)
        flood = subprocess.Popen(
            ["nice", "-n", str(args.flood_nice), sys.executable, str(flooder), url,
             "--threads", str(args.flood_threads), "--seconds", str(phase + 5),
             "--addresses", str(args.flood_addresses)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert flood.stdout is not None
        flood.stdout.readline()
        time.sleep(3)  # the flood spends its burst first
        during = _real_logins(url, users, phase, args.interval)
        out, _ = flood.communicate(timeout=600)
        flood_result = json.loads(out.strip().splitlines()[-1])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    report = {
        "scenario": "flood",
        "real_users": args.users,
        "interval_s": args.interval,
        "flood_threads": args.flood_threads,
        "flood_nice": args.flood_nice,
        "flood_addresses": args.flood_addresses,
        "serve_args": args.serve_args,
        "quiet": _summary(quiet),
        "during_flood": _summary(during),
        "flood": flood_result,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}",
    }
    print()
    print("| real users' logins | count | p50 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- |")
    for name in ("quiet", "during_flood"):
        r = report[name]
        print(f"| {name} | {r['count']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    print()
    print(json.dumps(report, ensure_ascii=False))
    statuses = flood_result["statuses"]
    return 1 if any(str(s).startswith("5") for s in statuses) else 0


if __name__ == "__main__":
    raise SystemExit(main())
