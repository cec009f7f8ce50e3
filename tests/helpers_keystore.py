"""Helpers for the keystore tests: a small issuing CA for keystore-only tests, devices on the
local CA, an approved certificate, and the private-key byte forms that must never leak."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import last_code
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from helpers_flow import apply

from mobileca_desktop.crypto import cms, ecies
from mobileca_desktop.domain.models import (
    ActivationResult,
    CertKind,
    Handler,
    Method,
    WrappedKey,
)
from mobileca_desktop.keystore.kdf import CHEAP
from mobileca_desktop.keystore.secretstore import MemorySecretStore, OSKeyring, SecretStore
from mobileca_desktop.keystore.store import Keystore
from mobileca_desktop.services.device import DeviceService

CERT_PASSWORD = "Zhengshu#2026"
NEW_PASSWORD = "Xinmima@2027!"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, public_key, issuer_key, serial: int, ca: bool = False):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


class MiniCA:
    """Issues ``ActivationResult``s the way the engine does (device certificate for the CSR's
    key, every escrowed RSA key ECIES-encrypted to the transport key), without a database."""

    def __init__(self, generations: int = 2) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.cert = _cert("Mini CA", "Mini CA", self.key.public_key(), self.key, 1, ca=True)
        self.encryption = []
        for g in range(generations):
            rkey = rsa.generate_private_key(65537, 2048)
            rcert = _cert(
                f"enc {g}", "Mini CA", rkey.public_key(), self.key, x509.random_serial_number()
            )
            self.encryption.append((rkey, rcert))

    def result(self, certificate_id: int, csr_pem: bytes, transport_pem: bytes) -> ActivationResult:
        csr = x509.load_pem_x509_csr(csr_pem)
        serial = x509.random_serial_number()
        device = _cert("device", "Mini CA", csr.public_key(), self.key, serial)
        transport = serialization.load_pem_public_key(transport_pem)
        wrapped = []
        for g, (rkey, rcert) in enumerate(self.encryption, start=1):
            der = rkey.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            box = ecies.encrypt_to(
                transport, der, ecies.aad_for(device.serial_number, rcert.serial_number)
            )
            wrapped.append(
                WrappedKey(
                    encryption_cert_pem=rcert.public_bytes(serialization.Encoding.PEM).decode(),
                    encryption_serial_hex=format(rcert.serial_number, "x"),
                    generation=g,
                    ephemeral_public_key=box.ephemeral_public_key,
                    nonce=box.nonce,
                    ciphertext=box.ciphertext,
                )
            )
        return ActivationResult(
            certificate_id=certificate_id,
            device_cert_pem=device.public_bytes(serialization.Encoding.PEM).decode(),
            device_serial_hex=format(device.serial_number, "x"),
            chain_pem=self.cert.public_bytes(serialization.Encoding.PEM).decode(),
            wrapped_keys=tuple(wrapped),
        )


def store_certificate(
    ks: Keystore, mini: MiniCA, certificate_id: int, password: str = CERT_PASSWORD
) -> None:
    """Activates ``certificate_id`` in ``ks`` against ``mini`` (keystore level, no service)."""
    draft = ks.begin_activation(certificate_id, password, account_id=1, sms_code="123456")
    result = mini.result(certificate_id, draft.csr_pem, draft.transport_public_key_pem)
    ks.finish_activation(draft, result)
    ks.discard_pending(certificate_id)
    draft.forget()


def new_device(
    services, root: Path, name: str, store: SecretStore | None = None, kdf=CHEAP
) -> DeviceService:
    """A device profile of its own (folder and keyring entry) on the test's local CA."""
    ks = Keystore(root / "devices" / name, name, store or OSKeyring(), kdf)
    return DeviceService(services.ca, ks, name)


def approved_certificate(services, reg, s, kind: CertKind = CertKind.UNIT) -> int:
    """A 正常 certificate of the company (对公打款, handled by the legal person)."""
    app_id = apply(
        services,
        s,
        kind=kind,
        method=Method.DEPOSIT,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=b"",
    )
    services.review.approve(services.review.operator_session(), app_id)
    return services.ca.get_application(s, app_id).certificate_id


def download(services, device: DeviceService, s, cid: int, phone: str, password=CERT_PASSWORD):
    """扫一扫 → 继续 → SMS code → password twice → 激活."""
    device.request_code(s, cid)
    return device.activate(s, cid, last_code(services, phone), password, password)


def private_forms(*keys) -> dict[str, bytes]:
    """Every form in which a private key's secret could leak: PKCS#8 DER and PEM, the
    traditional encodings, and the raw numbers (EC scalar; RSA d, p, q)."""
    out: dict[str, bytes] = {}
    for i, key in enumerate(keys):
        none = serialization.NoEncryption()
        for label, fmt in (
            ("pkcs8", serialization.PrivateFormat.PKCS8),
            ("traditional", serialization.PrivateFormat.TraditionalOpenSSL),
        ):
            der = key.private_bytes(serialization.Encoding.DER, fmt, none)
            pem = key.private_bytes(serialization.Encoding.PEM, fmt, none)
            out[f"{i}:{label}:der"] = der
            # The base64 body of a PEM block: any 48-byte-aligned window of it is enough.
            body = b"".join(pem.splitlines()[1:-1])
            out[f"{i}:{label}:pem"] = body[:64]
        if isinstance(key, ec.EllipticCurvePrivateKey):
            out[f"{i}:scalar"] = key.private_numbers().private_value.to_bytes(32, "big")
        else:
            numbers = key.private_numbers()
            for part in ("d", "p", "q"):
                value = getattr(numbers, part)
                out[f"{i}:rsa:{part}"] = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return out


def find_leaks(forms: dict[str, bytes], blobs: dict[str, bytes]) -> list[str]:
    """Which forms occur in which blobs (as bytes, hex or base64)."""
    import base64

    hits = []
    for where, blob in blobs.items():
        lower = blob.lower()
        for name, form in forms.items():
            needles = (form, form.hex().encode(), base64.b64encode(form)[:40])
            if any(n in blob or n.lower() in lower for n in needles):
                hits.append(f"{name} in {where}")
    return hits


FIXTURE_BID = "v1 fixture bid 投标文件".encode()


def write_v1_fixture(folder: Path) -> None:
    """Writes the format-v1 upgrade fixture (``tests/data/keystore-v1``): a keystore folder
    with one certificate (id 1, cheap KDF), the keyring entry it needs (``keyring.json``,
    a test-only device secret) and a bid encrypted to its first encryption certificate.
    Run once per released format: ``python -c "import helpers_keystore as h, pathlib;
    h.write_v1_fixture(pathlib.Path('data/keystore-v1'))"`` from ``tests/``."""
    folder.mkdir(parents=True, exist_ok=True)
    secrets = MemorySecretStore()
    mini = MiniCA(generations=2)
    ks = Keystore(folder / "device", "fixture-device", secrets, CHEAP)
    store_certificate(ks, mini, 1)
    (folder / "keyring.json").write_text(json.dumps(secrets.entries, indent=1) + "\n")
    (folder / "bid.der").write_bytes(cms.make_envelope(FIXTURE_BID, mini.encryption[0][1]))
