#!/usr/bin/env python3
"""Peak memory of the CA server while big photos are uploaded at once.

    python bench/upload_memory.py [--uploads 8] [--megapixels 40] [--decode-slots N]

``mobileca-ca serve`` (SQLite in a temporary folder, production Argon2id, rate limits on) as
a subprocess; one company with ``--uploads`` draft applications (法人刷脸); then all the
uploads at once, each a PNG of ``--megapixels`` million black pixels (~120 KiB on the wire,
~120 MiB of RGB once decoded) to ``POST /applications/<id>/face``. The server decodes each
(the owner's own application: no shortcut) and answers "no face found". Reported: the
server process's peak resident memory (``VmHWM`` from /proc, Linux only) before and after,
each upload's time, and the answers. Also times the same photo posted to another company's
application (refused before any decode).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import PASSWORD, People, demo_company  # noqa: E402
from load import wait_ready  # noqa: E402  (bench/load.py, beside this file)

API = "/api/v1"


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + 3 * width)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def company(client: httpx.Client, people: People) -> str:
    reg = demo_company(people)
    body = {k: v for k, v in reg.__dict__.items()}
    r = client.post(f"{API}/accounts/legal", json=body)
    r.raise_for_status()
    r = client.post(
        f"{API}/sessions", json={"kind": "legal", "login_name": reg.uscc, "password": PASSWORD}
    )
    r.raise_for_status()
    return r.json()["token"]


def draft(client: httpx.Client, token: str) -> int:
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post(
        f"{API}/applications", json={"kind": "unit", "institution_id": "bjca"}, headers=auth
    )
    r.raise_for_status()
    app_id = r.json()["id"]
    client.put(f"{API}/applications/{app_id}/method", json={"method": "face"}, headers=auth)
    client.put(
        f"{API}/applications/{app_id}/handler", json={"handler": "legal_person"}, headers=auth
    ).raise_for_status()
    return app_id


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--uploads", type=int, default=8)
    p.add_argument("--megapixels", type=float, default=40.0)
    p.add_argument("--decode-slots", type=int, default=None, help="default: the engine's")
    args = p.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("reads the server's peak memory from /proc: Linux only")
    tmp = Path(tempfile.mkdtemp(prefix="mobileca-upload-"))
    passphrase = tmp / "passphrase"
    passphrase.write_text(uuid.uuid4().hex + uuid.uuid4().hex)
    passphrase.chmod(0o600)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    cmd = [
        sys.executable, "-m", "mobileca_desktop.cacli", "serve", "--data-dir", str(tmp / "ca"),
        "--passphrase-file", str(passphrase), "--port", str(port), "--public-url", url,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "MOBILECA_TEST_CHEAP_PASSWORDS"}
    if args.decode_slots is not None:
        cmd += ["--decode-slots", str(args.decode_slots)]
    width = int((args.megapixels * 1e6 * 1.6) ** 0.5)
    height = int(args.megapixels * 1e6 / width)
    photo = base64.b64encode(png(width, height)).decode()
    log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_ready(url, proc)
        people = People(seed=7)
        with httpx.Client(base_url=url, timeout=300) as client:
            token = company(client, people)
            other = company(client, people)
            apps = [draft(client, token) for _ in range(args.uploads)]
            foreign = draft(client, other)
        before = peak_rss_mib(proc.pid)
        # Someone else's application: refused before anything is decoded.
        with httpx.Client(base_url=url, timeout=300) as client:
            client.get("/healthz")
            t0 = time.perf_counter()
            r = client.post(
                f"{API}/applications/{foreign}/face",
                json={"photo": photo, "filename": "big.png"},
                headers={"Authorization": f"Bearer {token}"},
            )
            foreign_ms = (time.perf_counter() - t0) * 1000
            foreign_status = r.status_code
        results: list[tuple[int, float, str]] = []
        lock = threading.Lock()

        def upload(app_id: int) -> None:
            with httpx.Client(base_url=url, timeout=600) as client:
                t0 = time.perf_counter()
                r = client.post(
                    f"{API}/applications/{app_id}/face",
                    json={"photo": photo, "filename": "big.png"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                with lock:
                    results.append(
                        (r.status_code, time.perf_counter() - t0, r.json().get("code", ""))
                    )

        threads = [threading.Thread(target=upload, args=(a,)) for a in apps]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        after = peak_rss_mib(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    times = sorted(t for _s, t, _c in results)
    report = {
        "uploads": args.uploads,
        "megapixels": round(width * height / 1e6, 1),
        "png_kib": round(len(photo) * 3 / 4 / 1024),
        "decode_slots": args.decode_slots or "engine default",
        "peak_rss_before_mib": round(before),
        "peak_rss_after_mib": round(after),
        "wall_s": round(wall, 1),
        "upload_s_min_max": [round(times[0], 1), round(times[-1], 1)],
        "answers": sorted({f"{s} {c}" for s, _t, c in results}),
        "foreign_application": {"status": foreign_status, "ms": round(foreign_ms, 1)},
        "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
