#!/usr/bin/env python3
"""Cost of each PAdES level of 扫码签章: time to seal, bytes added, time to check.

    python bench/pades_levels.py [--runs N] [--remote] [--data-dir DIR]

Set-up (untimed): a CA in a temporary folder (SQLite, passphrase-file secret), one company
with an approved 企业数字证书 and its 公章 image, a device keystore holding the certificate
(``CHEAP`` scrypt profile, in-memory keyring), unlocked once. With ``--remote`` the CA is
also served by ``mobileca-ca serve``'s app on a loopback port and the client reaches it over
HTTP (``RemoteServices``: TSA at ``POST /tsa/<id>``, OCSP, CRLs), as a remote client would.

For each level (B-B, B-T, B-LT, B-LTA) and each run, what is timed:

* ``seal``   ``services.ltv.gather`` (TSA certificate, OCSP for the device and the TSA
             certificate, the root's CRL, as the level needs) plus
             ``services.pdfseal.seal_pdf`` (pyHanko: signature, signature time-stamp, path
             validation against the gathered data, DSS, document time-stamp), with the
             keystore's ``UnlockedKeys.sign``; this is what ``PlatformScanService.perform``
             adds for a seal.
* ``check``  for B-LT and B-LTA: the platform's long-term check
             (``platform.ltvcheck.validate``: pyHanko's ``ades_lta_validation`` offline, the
             root as the only trust anchor).
* ``cpu``    the process's CPU time during ``seal`` (with ``--remote`` the CA server runs in
             this process too, so it includes the server's share); less disturbed than wall
             time when the machine is shared.
* ``bytes``  sealed size minus the original PDF's size.

The PDF is a one-page A4 image PDF (~10 KiB); sizes do not depend on it. Median and p95 over
N runs after one warm-up run per level.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform as pyplatform
import random
import secrets
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "bench"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from issuance import engine_config, newest_code, provision  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402

from mobileca_desktop.ca.engine import CAEngine  # noqa: E402
from mobileca_desktop.ca.seals import render_official_seal_image  # noqa: E402
from mobileca_desktop.ca.secrets import PassphraseFileSecret  # noqa: E402
from mobileca_desktop.keystore.kdf import CHEAP  # noqa: E402
from mobileca_desktop.keystore.secretstore import MemorySecretStore  # noqa: E402
from mobileca_desktop.keystore.store import Keystore  # noqa: E402
from mobileca_desktop.platform import ltvcheck  # noqa: E402
from mobileca_desktop.platform.trust import Refusal  # noqa: E402
from mobileca_desktop.services import ltv, pdfseal  # noqa: E402
from mobileca_desktop.services.device import DeviceService  # noqa: E402
from mobileca_desktop.services.local import LocalServices  # noqa: E402

CERT_PASSWORD = "Bench#Seal2026"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def sample_pdf() -> bytes:
    img = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(img).text((60, 60), "bid / 投标函", fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PDF")
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--remote", action="store_true", help="reach the CA over HTTP")
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args(argv)
    base = args.data_dir or Path(tempfile.mkdtemp(prefix="mobileca-pades-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    passphrase = base / "ca.passphrase"
    if not passphrase.exists():
        passphrase.write_text(secrets.token_urlsafe(32))
        os.chmod(passphrase, 0o600)
    port = free_port()
    config = engine_config()
    config.public_url = f"http://127.0.0.1:{port}"
    engine = CAEngine.open(base / "ca", PassphraseFileSecret(passphrase), config)
    services = LocalServices.over(engine)
    [holder] = provision(engine, 1, random.Random(12))
    s, cid = holder["session"], holder["certificate_id"]
    device = DeviceService(
        services.ca, Keystore(base / "device", "bench", MemorySecretStore(), CHEAP), "bench"
    )
    device.request_code(s, cid)
    device.activate(s, cid, newest_code(engine, holder["phone"]), CERT_PASSWORD, CERT_PASSWORD)
    server = remote = None
    ca = services.ca
    if args.remote:
        from mobileca_desktop.server.app import create_app
        from mobileca_desktop.server.run import ThreadedServer
        from mobileca_desktop.services.remote import RemoteServices

        server = ThreadedServer(create_app(engine), port=port).start()
        remote = RemoteServices.connect(config.public_url)
        ca = remote.ca
    pdf = sample_pdf()
    seal_image = render_official_seal_image("山西基准测试建设工程有限公司")
    placement = pdfseal.SealPlacement(1, (350.0, 80.0, 500.0, 230.0))
    root = next(c for c in _chain(engine) if c.issuer == c.subject)
    rows: dict[str, dict[str, list[float]]] = {}
    verdicts: dict[str, str] = {}
    try:
        with device.unlock(cid, CERT_PASSWORD) as keys:
            signer = pdfseal.KeystoreSigner(keys.sign, keys.device_certificate, keys.chain)
            for level in ltv.PadesLevel:
                row = rows.setdefault(
                    level.value, {"seal": [], "seal_cpu": [], "check": [], "bytes": []}
                )
                for i in range(args.runs + 1):
                    t0, p0 = time.perf_counter(), time.process_time()
                    material = ltv.gather(ca, keys.device_certificate, level)
                    sealed = pdfseal.seal_pdf(
                        pdf, signer, placement, seal_image, long_term=material
                    )
                    t1, p1 = time.perf_counter(), time.process_time()
                    check_ms = None
                    if level in (ltv.PadesLevel.B_LT, ltv.PadesLevel.B_LTA):
                        [sig] = PdfFileReader(
                            io.BytesIO(sealed), strict=False
                        ).embedded_regular_signatures
                        c0 = time.perf_counter()
                        try:
                            ltvcheck.validate(sig, root)
                            verdicts[level.value] = "accepted"
                        except Refusal as exc:
                            verdicts[level.value] = f"refused: {exc.code}"
                        check_ms = (time.perf_counter() - c0) * 1000
                    if i == 0:
                        continue  # warm-up
                    row["seal"].append((t1 - t0) * 1000)
                    row["seal_cpu"].append((p1 - p0) * 1000)
                    row["bytes"].append(float(len(sealed) - len(pdf)))
                    if check_ms is not None:
                        row["check"].append(check_ms)
    finally:
        if remote is not None:
            remote.close()
        if server is not None:
            server.stop()
        services.close()

    mode = "remote CA over loopback HTTP" if args.remote else "CA in process"
    print(f"PAdES levels, {args.runs} runs each, {mode}; original PDF {len(pdf)} bytes")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(
        f"{'level':<7}{'seal ms':>9}{'p95':>8}{'cpu ms':>8}{'check ms':>10}{'p95':>8}{'+bytes':>9}"
    )
    for name, row in rows.items():
        check = row["check"]
        med_c = f"{statistics.median(check):>10.1f}{pct(check, 0.95):>8.1f}" if check else " " * 18
        print(
            f"{name:<7}{statistics.median(row['seal']):>9.1f}{pct(row['seal'], 0.95):>8.1f}"
            f"{statistics.median(row['seal_cpu']):>8.1f}{med_c}"
            f"{statistics.median(row['bytes']):>9.0f}  {verdicts.get(name, '')}"
        )
    print(
        json.dumps(
            {
                "runs": args.runs,
                "mode": mode,
                "machine": f"{pyplatform.machine()} {os.cpu_count()} cpus, Python "
                f"{pyplatform.python_version()}",
                **{
                    name: {
                        k: {"median": round(statistics.median(v), 1), "p95": round(pct(v, 0.95), 1)}
                        for k, v in row.items()
                        if v
                    }
                    for name, row in rows.items()
                },
            },
            ensure_ascii=False,
        )
    )
    return 0


def _chain(engine):
    from cryptography import x509

    return x509.load_pem_x509_certificates(engine.chain_pem("bjca").encode())


if __name__ == "__main__":
    raise SystemExit(main())
