#!/usr/bin/env python3
"""Cost of the device keystore: the calibrated scrypt profile, unlock time, and the latency of
signing and decrypting once unlocked.

    python bench/keystore_kdf.py [--rounds N] [--bid-kib K]

What is measured (nothing else is timed):

* ``calibrate``       ``kdf.calibrate()``: the scrypt profile this machine gets (n doubles from
                      2**14 until one derivation takes >= 0.2 s, never past 0.5 s or 256 MiB)
                      and the measured time of one derivation with it.
* ``unlock``          ``Keystore.unlock(certificate, password)`` on a key file written with
                      that profile: read and check the file (MAC), count the try in the
                      secret store, scrypt + HKDF, AES-256-GCM, load the keys. This is the
                      time a user waits after typing the certificate password, by design.
* ``unlock.wrong``    the same with a wrong password (the try is counted, then refused).
* ``change_password`` 修改证书密码: one unlock plus one derivation with a fresh salt, and the
                      atomic rewrite (temporary file, fsync, rename, fsync of the folder).
* ``sign``            ``UnlockedKeys.sign`` of 32 bytes: ECDSA P-256 with SHA-256.
* ``decrypt``         ``UnlockedKeys.decrypt`` of a CMS envelope (RSA-2048 key transport,
                      AES-256-CBC) of ``--bid-kib`` KiB, the recipient picked by serial.

The secret store is in memory (``MemorySecretStore``) so that no OS keyring is touched; a real
keyring adds its own round trip (Secret Service: a D-Bus call per read or write; an unlock
reads once and writes twice). The key file gets two encryption-key generations, as after one
renewal. Each figure is the median of ``--rounds`` runs; the JSON line has all of them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mobileca_desktop.crypto import cms, ecies
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import ActivationResult, WrappedKey
from mobileca_desktop.keystore import kdf
from mobileca_desktop.keystore.secretstore import MemorySecretStore
from mobileca_desktop.keystore.store import Keystore

PASSWORD = "Bench#Zhengshu2026"
OTHER = "Bench#Xinmima2027"


def _cert(cn: str, public_key, issuer_key, *, ca: bool = False) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name if not ca else issuer)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _activation(ks: Keystore, generations: int) -> tuple[int, list[x509.Certificate]]:
    """A key file made the way an activation makes it, against a throw-away issuing CA."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _cert("Bench CA", ca_key.public_key(), ca_key, ca=True)
    draft = ks.begin_activation(1, PASSWORD, account_id=1, sms_code="000000")
    device = _cert("device", x509.load_pem_x509_csr(draft.csr_pem).public_key(), ca_key)
    transport = serialization.load_pem_public_key(draft.transport_public_key_pem)
    wrapped, enc_certs = [], []
    for g in range(1, generations + 1):
        key = rsa.generate_private_key(65537, 2048)
        cert = _cert(f"enc {g}", key.public_key(), ca_key)
        der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        box = ecies.encrypt_to(
            transport, der, ecies.aad_for(device.serial_number, cert.serial_number)
        )
        wrapped.append(
            WrappedKey(
                encryption_cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                encryption_serial_hex=format(cert.serial_number, "x"),
                generation=g,
                ephemeral_public_key=box.ephemeral_public_key,
                nonce=box.nonce,
                ciphertext=box.ciphertext,
            )
        )
        enc_certs.append(cert)
    result = ActivationResult(
        certificate_id=1,
        device_cert_pem=device.public_bytes(serialization.Encoding.PEM).decode(),
        device_serial_hex=format(device.serial_number, "x"),
        chain_pem=ca_cert.public_bytes(serialization.Encoding.PEM).decode(),
        wrapped_keys=tuple(wrapped),
    )
    ks.finish_activation(draft, result)
    ks.discard_pending(1)
    draft.forget()
    return 1, enc_certs


def _times(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--bid-kib", type=int, default=256)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    profile = kdf.calibrate()
    calibration_s = time.perf_counter() - start
    rows: dict[str, list[float]] = {"derive": _times(lambda: kdf.measure(profile), args.rounds)}

    with tempfile.TemporaryDirectory() as tmp:
        ks = Keystore(Path(tmp) / "bench-device", "bench-device", MemorySecretStore(), profile)
        cid, enc_certs = _activation(ks, generations=2)
        rows["unlock"] = _times(lambda: ks.unlock(cid, PASSWORD).lock(), args.rounds)

        wrong_times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            with contextlib.suppress(E.WrongPassword):
                ks.unlock(cid, "not the password")
            wrong_times.append(time.perf_counter() - t0)
            ks.unlock(cid, PASSWORD).lock()  # resets the counter; not timed
        rows["unlock.wrong"] = wrong_times
        passwords = [PASSWORD, OTHER]

        def change() -> None:
            ks.change_password(cid, passwords[0], passwords[1])
            passwords.reverse()

        rows["change_password"] = _times(change, args.rounds)
        bid = cms.make_envelope(os.urandom(args.bid_kib * 1024), enc_certs[0])
        with ks.unlock(cid, passwords[0], max_age=3600) as keys:
            rows["sign"] = _times(lambda: keys.sign(os.urandom(32)), args.rounds * 50)
            rows["decrypt"] = _times(lambda: keys.decrypt(bid), args.rounds * 5)

    print(
        f"scrypt profile: n=2**{profile.n.bit_length() - 1} r={profile.r} p={profile.p} "
        f"({profile.memory_bytes // 2**20} MiB), calibration took {calibration_s:.2f} s"
    )
    print(f"{'row':<16} {'median':>10} {'min':>10} {'max':>10}  runs")
    for name, values in rows.items():
        med, lo, hi = statistics.median(values), min(values), max(values)
        unit, scale = ("ms", 1e3) if med >= 1e-3 else ("µs", 1e6)
        print(
            f"{name:<16} {med * scale:>8.2f}{unit} {lo * scale:>8.2f}{unit} "
            f"{hi * scale:>8.2f}{unit}  {len(values)}"
        )
    print(
        json.dumps(
            {
                "bench": "keystore_kdf",
                "date": dt.date.today().isoformat(),
                "machine": platform.machine(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "profile": {"n": profile.n, "r": profile.r, "p": profile.p},
                "calibration_s": round(calibration_s, 3),
                "bid_kib": args.bid_kib,
                "seconds": {
                    k: [round(v, 6) for v in vs]
                    if len(vs) <= 20
                    else {"median": statistics.median(vs), "min": min(vs), "max": max(vs)}
                    for k, vs in rows.items()
                },
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
