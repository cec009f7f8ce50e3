"""One device profile's keystore: key files, pending activations and the retry counter.

Layout of the folder (``Settings.device_dir``) and of each file: ``docs/keystore-format.md``.
In short, each certificate has its own file ``cert-<id>.json`` holding its device signing
key, transport key and escrowed encryption keys, AES-256-GCM-encrypted under a key derived
from the certificate password (scrypt) and a random device secret kept in the OS keyring.
The keyring entry also holds the wrong-password counters, so restoring an old file does not
reset them. Every write is atomic; the keystore never prompts and never keeps a password.

Several processes may use one profile at once (two windows, ``mobileca decode``): every read
and every read-modify-write of the folder and of the keyring entry holds the profile's
cross-process lock (``locking.folder_lock``); the KDF runs outside it. A password change is
a compare-and-swap on the key file's ``generation``: a change computed from a file that was
rewritten meanwhile fails with ``PasswordChangedElsewhere`` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mobileca_desktop.domain.errors import (
    ActivationFailed,
    CertificateLocked,
    KeystoreCorrupt,
    NotActivated,
    NotThisDevice,
    PasswordChangedElsewhere,
    ProfileInUse,
    WrongPassword,
)
from mobileca_desktop.domain.models import ActivationResult, WrappedKey
from mobileca_desktop.keystore import fileformat as ff
from mobileca_desktop.keystore.delivery import _check_device_cert, _open_wrapped
from mobileca_desktop.keystore.folder import (
    HEADER_FORMAT,
    HEADER_NAME,
    MAX_TRIES,
    SECRET_LEN,
    KeystoreFolder,
    _now,
)
from mobileca_desktop.keystore.kdf import KdfProfile, derive_kek, new_salt
from mobileca_desktop.keystore.keys import DEFAULT_MAX_AGE_S, EncryptionKeyRef, UnlockedKeys
from mobileca_desktop.keystore.records import (
    ActivationDraft,
    EncryptionCertInfo,
    KeyFileInfo,
    LocalState,
    PendingInfo,
)

log = logging.getLogger(__name__)

_CAS_ROUNDS = 3  # a password change retries this often when only keys were folded meanwhile

__all__ = [
    "HEADER_FORMAT",
    "HEADER_NAME",
    "MAX_TRIES",
    "SECRET_LEN",
    "ActivationDraft",
    "EncryptionCertInfo",
    "KeyFileInfo",
    "Keystore",
    "LocalState",
    "PendingInfo",
    "generation_of",
]


def _pkcs8(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _public_pem(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class Keystore(KeystoreFolder):
    """The keystore of one device profile (folder + its keyring entry).

    The KDF (``derive_kek``) is called from this module only, where tests and the process
    harness replace it to count derivations or to act between a read and a write."""

    # --- payloads -----------------------------------------------------------------------

    def _wrap_payload(
        self,
        kek: bytes,
        header: dict[str, Any],
        signing: ec.EllipticCurvePrivateKey,
        transport: ec.EllipticCurvePrivateKey,
        encryption: list[tuple[str, int, rsa.RSAPrivateKey]],
    ) -> dict[str, str]:
        payload = ff.canonical(
            {
                "signing_key": ff.b64e(_pkcs8(signing)),
                "transport_key": ff.b64e(_pkcs8(transport)),
                "encryption_keys": [
                    {"serial_hex": s, "generation": g, "key": ff.b64e(_pkcs8(k))}
                    for s, g, k in encryption
                ],
            }
        )
        nonce, ct = ff.encrypt_entry(kek, payload, ff.aad(header, "keys"))
        return {"cipher": ff.CIPHER, "nonce": ff.b64e(nonce), "ciphertext": ff.b64e(ct)}

    def _kdf_of(self, doc: dict[str, Any], certificate_id: int) -> tuple[KdfProfile, bytes]:
        try:
            return KdfProfile.from_params(doc.get("kdf")), ff.b64d(doc["kdf"].get("salt"), "salt")
        except (ValueError, TypeError, AttributeError, ff.FormatError) as exc:
            raise KeystoreCorrupt(certificate=certificate_id, reason=f"KDF: {exc}") from exc

    def _decrypt_counted(
        self, doc: dict[str, Any], kid: str, secret: bytes, password: str
    ) -> tuple[dict[str, Any], bytes]:
        """The payload and the file key. Counts the try *before* deriving, so that killing
        the process during a wrong guess cannot save the guesser a try."""
        cid = doc["certificate_id"]
        profile, salt = self._kdf_of(doc, cid)
        with self._locked():  # read-count-write of the keyring entry, across processes
            tries = self._tries(kid, cid)
            if tries >= self.max_tries:
                raise CertificateLocked(certificate=cid, limit=self.max_tries)
            self._set_tries(kid, cid, tries + 1)
        kek = derive_kek(password, salt, profile, secret)
        plain = self._open_payload(doc, kek)
        if plain is None:
            left = self.max_tries - (tries + 1)
            if left <= 0:
                log.warning("certificate %s locked on this device after wrong passwords", cid)
                raise CertificateLocked(certificate=cid, limit=self.max_tries)
            log.info("wrong password for certificate %s (%d tries left)", cid, left)
            raise WrongPassword(certificate=cid, tries_left=left)
        self._set_tries(kid, cid, 0)
        try:
            payload = json.loads(plain)
        except ValueError as exc:
            raise KeystoreCorrupt(certificate=cid, reason="unreadable payload") from exc
        return payload, kek

    def _open_payload(self, doc: dict[str, Any], kek: bytes) -> bytes | None:
        """The payload's plaintext under ``kek``, None when the tag fails."""
        try:
            nonce = ff.b64d(doc.get("nonce"), "nonce")
            ct = ff.b64d(doc.get("ciphertext"), "ciphertext")
        except ff.FormatError as exc:
            raise KeystoreCorrupt(certificate=doc["certificate_id"], reason=str(exc)) from exc
        return ff.decrypt_entry(kek, nonce, ct, ff.aad(self._header_of(doc), "keys"))

    def _load_keys(
        self, doc: dict[str, Any], payload: dict[str, Any]
    ) -> tuple[
        ec.EllipticCurvePrivateKey,
        ec.EllipticCurvePrivateKey,
        list[tuple[EncryptionKeyRef, rsa.RSAPrivateKey]],
        bool,
    ]:
        """Signing key, transport key, encryption keys (the payload's and those still in the
        ECIES boxes the CA delivered), and whether some came in boxes (so the file should be
        rewritten with them inside)."""
        cid = doc["certificate_id"]
        certs = {e["serial_hex"]: e for e in doc["public"]["encryption_certs"]}
        try:
            # The payload is authenticated by AES-GCM under this file's key and its RSA keys
            # were fully validated when stored, so OpenSSL's slow RSA check is skipped here.
            signing = serialization.load_der_private_key(
                ff.b64d(payload["signing_key"], "signing key"), None
            )
            transport = serialization.load_der_private_key(
                ff.b64d(payload["transport_key"], "transport key"), None
            )
            keys: list[tuple[EncryptionKeyRef, rsa.RSAPrivateKey]] = []
            for item in payload["encryption_keys"]:
                key = serialization.load_der_private_key(
                    ff.b64d(item["key"], "encryption key"),
                    None,
                    unsafe_skip_rsa_key_validation=True,
                )
                if not isinstance(key, rsa.RSAPrivateKey):
                    raise KeystoreCorrupt(certificate=cid, reason="unexpected key types")
                cert = x509.load_pem_x509_certificate(
                    certs[item["serial_hex"]]["cert_pem"].encode()
                )
                ref = EncryptionKeyRef(item["serial_hex"], item["generation"], cert)
                keys.append((ref, key))
        except (KeyError, TypeError, ValueError, ff.FormatError) as exc:
            raise KeystoreCorrupt(certificate=cid, reason="unreadable keys") from exc
        if not isinstance(signing, ec.EllipticCurvePrivateKey) or not isinstance(
            transport, ec.EllipticCurvePrivateKey
        ):
            raise KeystoreCorrupt(certificate=cid, reason="unexpected key types")
        delivered = doc.get("sealed_keys") or []
        if delivered:
            device = x509.load_pem_x509_certificate(doc["public"]["device_cert_pem"].encode())
            for item in delivered:
                try:
                    w = WrappedKey(
                        encryption_cert_pem=certs[item["serial_hex"]]["cert_pem"],
                        encryption_serial_hex=item["serial_hex"],
                        generation=item["generation"],
                        ephemeral_public_key=ff.b64d(item["ephemeral_public_key"], "epk"),
                        nonce=ff.b64d(item["nonce"], "nonce"),
                        ciphertext=ff.b64d(item["ciphertext"], "ciphertext"),
                    )
                    ref, key = _open_wrapped(transport, device, w)
                except (KeyError, TypeError, ff.FormatError, ActivationFailed) as exc:
                    raise KeystoreCorrupt(
                        certificate=cid, reason="a delivered encryption key does not open"
                    ) from exc
                keys.append((ref, key))
        keys.sort(key=lambda pair: pair[0].generation)
        return signing, transport, keys, bool(delivered)

    # --- unlocking and changing the password --------------------------------------------

    def unlock(
        self, certificate_id: int, password: str, *, max_age: float = DEFAULT_MAX_AGE_S
    ) -> UnlockedKeys:
        """The certificate's keys, for ``max_age`` seconds or until locked again (use as a
        context manager). Errors: ``NotActivated``, ``KeystoreCorrupt``, ``NotThisDevice``,
        ``KeyringUnavailable``, ``WrongPassword`` (tries left), ``CertificateLocked``."""
        doc, kid, secret = self._open(self._cert_path(certificate_id), certificate_id)
        payload, kek = self._decrypt_counted(doc, kid, secret, password)
        signing, transport, keys, had_delivered = self._load_keys(doc, payload)
        if had_delivered:
            # Finish what a password-less resume left: store the keys inside the payload,
            # unless another process rewrote the file since it was read (a password change
            # folds them too; otherwise the next unlock does).
            try:
                if not self._rewrite(
                    doc, kid, secret, kek, self._header_of(doc), signing, transport, keys
                ):
                    log.info("certificate %s: the key file changed meanwhile", certificate_id)
            except (OSError, ProfileInUse) as exc:
                log.warning("could not fold delivered keys into the key file: %s", exc)
        pub = doc["public"]
        return UnlockedKeys(
            certificate_id=certificate_id,
            device_certificate=x509.load_pem_x509_certificate(pub["device_cert_pem"].encode()),
            chain=x509.load_pem_x509_certificates(pub["chain_pem"].encode()),
            signing_key=signing,
            encryption_keys=keys,
            max_age=max_age,
        )

    def _rewrite(
        self,
        doc: dict[str, Any],
        kid: str,
        secret: bytes,
        kek: bytes,
        header: dict[str, Any],
        signing: ec.EllipticCurvePrivateKey,
        transport: ec.EllipticCurvePrivateKey,
        keys: list[tuple[EncryptionKeyRef, rsa.RSAPrivateKey]],
    ) -> bool:
        """Compare-and-swap: writes the re-encrypted file (next generation) only if the file on
        disk is still ``doc`` (same generation and MAC); False, writing nothing, otherwise."""
        body = {k: v for k, v in doc.items() if k not in ("mac", "sealed_keys")}
        body["kdf"] = header["kdf"]
        body["generation"] = generation_of(doc) + 1
        body.update(
            self._wrap_payload(
                kek,
                header,
                signing,
                transport,
                [(ref.serial_hex, ref.generation, key) for ref, key in keys],
            )
        )
        cid = doc["certificate_id"]
        with self._locked():
            current = self._read_doc(self._cert_path(cid))
            if current is None or not _same_version(current, doc):
                return False
            self._replace_key_file(kid, cid, body, secret)
        return True

    def _read_doc(self, path: Path) -> dict[str, Any] | None:
        """The parsed document at ``path`` (no MAC check), None when absent or unreadable."""
        try:
            return ff.parse(path.read_bytes())
        except (OSError, ff.FormatError):
            return None

    def generation(self, certificate_id: int) -> int:
        """The key file's generation: 0 when written by activation, +1 at every rewrite."""
        doc, _kid, _secret = self._open(self._cert_path(certificate_id), certificate_id)
        return generation_of(doc)

    def change_password(self, certificate_id: int, old_password: str, new_password: str) -> None:
        """修改证书密码: re-wraps the keys under the new password with a fresh salt. The file
        is replaced atomically: a crash leaves the old file (old password) or the new one.
        A compare-and-swap on the file's generation: if another process rewrote the file
        after this change read it, ``PasswordChangedElsewhere`` and nothing is written."""
        doc, kid, secret = self._open(self._cert_path(certificate_id), certificate_id)
        payload, old_kek = self._decrypt_counted(doc, kid, secret, old_password)
        signing, transport, keys, _ = self._load_keys(doc, payload)
        profile = self.kdf_profile()
        salt = new_salt()
        header: dict[str, Any] = {
            "keystore_id": kid,
            "certificate_id": certificate_id,
            "kdf": dict(profile.params(), salt=ff.b64e(salt)),
        }
        kek = derive_kek(new_password, salt, profile, secret)
        for _ in range(_CAS_ROUNDS):
            if self._rewrite(doc, kid, secret, kek, header, signing, transport, keys):
                log.info("certificate %s: password changed", certificate_id)
                return
            # Rewritten meanwhile. With the same KDF salt the password is the same (another
            # window folded delivered keys): the old file key opens it, no new try needed.
            current, current_kid, _ = self._open(self._cert_path(certificate_id), certificate_id)
            plain = None
            if current_kid == kid and current.get("kdf") == doc.get("kdf"):
                plain = self._open_payload(current, old_kek)
            if plain is None:
                break
            try:
                payload = json.loads(plain)
            except ValueError as exc:
                raise KeystoreCorrupt(
                    certificate=certificate_id, reason="unreadable payload"
                ) from exc
            signing, transport, keys, _ = self._load_keys(current, payload)
            doc = current
        log.info("certificate %s: password changed elsewhere meanwhile", certificate_id)
        raise PasswordChangedElsewhere(certificate=certificate_id)

    # --- activation -----------------------------------------------------------------------

    def begin_activation(
        self,
        certificate_id: int,
        password: str,
        *,
        account_id: int,
        sms_code: str,
        supersedes_serial_hex: str | None = None,
    ) -> ActivationDraft:
        """Makes the signing and transport keys and the CSR, and persists them (encrypted) as
        a pending activation *before* anything is sent, so an interrupted activation can be
        completed or rolled back on the next start."""
        kid, secret = self._ensure_keystore()
        unfinished = "an earlier download of this certificate is unfinished"
        if self._pending_path(certificate_id).exists():
            raise ActivationFailed(reason=unfinished)
        signing = ec.generate_private_key(ec.SECP256R1())
        transport = ec.generate_private_key(ec.SECP256R1())
        csr_pem = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.device_name)]))
            .sign(signing, hashes.SHA256())
            .public_bytes(serialization.Encoding.PEM)
        )
        transport_pem = _public_pem(transport.public_key())
        profile = self.kdf_profile()
        salt = new_salt()
        header: dict[str, Any] = {
            "keystore_id": kid,
            "certificate_id": certificate_id,
            "kdf": dict(profile.params(), salt=ff.b64e(salt)),
        }
        kek = derive_kek(password, salt, profile, secret)
        idempotency_key = uuid.uuid4().hex
        code_nonce, code_ct = ff.encrypt_entry(
            ff.code_key(secret), sms_code.encode("utf-8"), ff.aad(header, "pending-code")
        )
        body = {
            "format": ff.FORMAT,
            "version": ff.VERSION,
            "kind": "pending",
            **header,
            **self._wrap_payload(kek, header, signing, transport, []),
            "activation": {
                "account_id": account_id,
                "device_name": self.device_name,
                "idempotency_key": idempotency_key,
                "csr_pem": csr_pem.decode("ascii"),
                "transport_public_key_pem": transport_pem.decode("ascii"),
                "supersedes_serial_hex": supersedes_serial_hex,
                "created_at": _now().isoformat(),
                "code_nonce": ff.b64e(code_nonce),
                "code_ciphertext": ff.b64e(code_ct),
            },
        }
        with self._locked():
            if self._pending_path(certificate_id).exists():  # another window started one
                raise ActivationFailed(reason=unfinished)
            ff.atomic_write(self._pending_path(certificate_id), ff.encode(body, secret))
        return ActivationDraft(
            certificate_id=certificate_id,
            keystore_id=kid,
            idempotency_key=idempotency_key,
            csr_pem=csr_pem,
            transport_public_key_pem=transport_pem,
            kdf=header["kdf"],
            kek=kek,
            signing=signing,
            transport=transport,
            account_id=account_id,
            device_name=self.device_name,
        )

    def finish_activation(self, draft: ActivationDraft, result: ActivationResult) -> KeyFileInfo:
        """Checks the CA's answer (device certificate for our key, chain, every escrowed key
        opens and matches its encryption certificate) and stores the key file. The pending
        record stays until ``discard_pending`` (the caller may still have work to do)."""
        if draft._signing is None or draft._transport is None or draft._kek is None:
            raise ActivationFailed(reason="the activation was already finished or abandoned")
        cid = draft.certificate_id
        if result.certificate_id != cid:
            raise ActivationFailed(reason="the answer is for another certificate")
        device, chain = _check_device_cert(result, draft._signing.public_key())
        keys = [_open_wrapped(draft._transport, device, w) for w in result.wrapped_keys]
        if not keys:
            raise ActivationFailed(reason="no encryption key was delivered")
        secret = self._secret(draft.keystore_id)
        header = {"keystore_id": draft.keystore_id, "certificate_id": cid, "kdf": draft._kdf}
        body = self._cert_body(header, draft.account_id, result, device, chain)
        body.update(
            self._wrap_payload(
                draft._kek,
                header,
                draft._signing,
                draft._transport,
                [(ref.serial_hex, ref.generation, key) for ref, key in keys],
            )
        )
        with self._locked():
            body["generation"] = self._next_generation(cid)
            self._replace_key_file(draft.keystore_id, cid, body, secret, reset_tries=True)
        log.info("certificate %s stored on device %r", cid, self.device_name)
        return self._info(body)

    def _cert_body(
        self,
        header: dict[str, Any],
        account_id: int,
        result: ActivationResult,
        device: x509.Certificate,
        chain: list[x509.Certificate],
    ) -> dict[str, Any]:
        return {
            "format": ff.FORMAT,
            "version": ff.VERSION,
            "kind": "certificate",
            **header,
            "public": {
                "account_id": account_id,
                "device_name": self.device_name,
                "device_serial_hex": format(device.serial_number, "x"),
                "device_cert_pem": device.public_bytes(serialization.Encoding.PEM).decode(),
                "chain_pem": "".join(
                    c.public_bytes(serialization.Encoding.PEM).decode() for c in chain
                ),
                "activated_at": _now().isoformat(),
                "encryption_certs": [
                    {
                        "serial_hex": format(int(w.encryption_serial_hex, 16), "x"),
                        "generation": w.generation,
                        "cert_pem": w.encryption_cert_pem,
                    }
                    for w in sorted(result.wrapped_keys, key=lambda w: w.generation)
                ],
            },
        }

    def _next_generation(self, certificate_id: int) -> int:
        """The generation for a new key file: one past the file it replaces, if any (so that
        a change computed from the replaced file cannot be swapped in)."""
        old = self._read_doc(self._cert_path(certificate_id))
        return generation_of(old) + 1 if old is not None else 0

    def pending(self) -> list[PendingInfo]:
        """Every unfinished activation in this folder (damaged records included)."""
        out = []
        with self._locked():
            for (kind, cid), path in sorted(self._documents().items()):
                if kind == "pending":
                    out.append(self._pending_info(cid, path))
        return out

    def _pending_info(self, cid: int, path: Path) -> PendingInfo:
        intact = True
        try:
            doc, _kid, _secret = self._open(path, cid)
        except (KeystoreCorrupt, NotThisDevice, NotActivated):
            intact = False
            try:
                doc = json.loads(path.read_bytes())
            except (OSError, ValueError):
                doc = {}
        act = doc.get("activation") if isinstance(doc, dict) else None
        act = act if isinstance(act, dict) else {}

        def text(name: str) -> str | None:
            value = act.get(name)
            return value if isinstance(value, str) else None

        created, csr, transport = (
            text("created_at"),
            text("csr_pem"),
            text("transport_public_key_pem"),
        )
        return PendingInfo(
            certificate_id=cid,
            account_id=act.get("account_id") if isinstance(act.get("account_id"), int) else None,
            device_name=text("device_name"),
            idempotency_key=text("idempotency_key"),
            csr_pem=csr.encode() if csr else None,
            transport_public_key_pem=transport.encode() if transport else None,
            supersedes_serial_hex=text("supersedes_serial_hex"),
            created_at=dt.datetime.fromisoformat(created) if created else None,
            intact=intact,
        )

    def pending_code(self, certificate_id: int) -> str | None:
        """The SMS code kept with a pending activation, or None if it cannot be read."""
        try:
            doc, _kid, secret = self._open(self._pending_path(certificate_id), certificate_id)
            act = doc["activation"]
            plain = ff.decrypt_entry(
                ff.code_key(secret),
                ff.b64d(act.get("code_nonce"), "code nonce"),
                ff.b64d(act.get("code_ciphertext"), "code"),
                ff.aad(self._header_of(doc), "pending-code"),
            )
        except (KeystoreCorrupt, NotThisDevice, NotActivated, KeyError, ff.FormatError):
            return None
        return plain.decode("utf-8") if plain is not None else None

    def finish_pending(self, certificate_id: int, result: ActivationResult) -> KeyFileInfo:
        """Completes an interrupted activation without the password: the key file takes the
        pending record's encrypted keys as they are, and the escrowed keys as the CA encrypted
        them to the transport key (folded into the encrypted payload at the next unlock)."""
        doc, kid, secret = self._open(self._pending_path(certificate_id), certificate_id)
        act = doc["activation"]
        csr = x509.load_pem_x509_csr(act["csr_pem"].encode())
        if result.certificate_id != certificate_id:
            raise ActivationFailed(reason="the answer is for another certificate")
        device, chain = _check_device_cert(result, csr.public_key())
        if not result.wrapped_keys:
            raise ActivationFailed(reason="no encryption key was delivered")
        header = self._header_of(doc)
        body = self._cert_body(header, act["account_id"], result, device, chain)
        body.update({k: doc[k] for k in ("cipher", "nonce", "ciphertext")})
        body["sealed_keys"] = [
            {
                "serial_hex": format(int(w.encryption_serial_hex, 16), "x"),
                "generation": w.generation,
                "ephemeral_public_key": ff.b64e(w.ephemeral_public_key),
                "nonce": ff.b64e(w.nonce),
                "ciphertext": ff.b64e(w.ciphertext),
            }
            for w in result.wrapped_keys
        ]
        with self._locked():
            body["generation"] = self._next_generation(certificate_id)
            self._replace_key_file(kid, certificate_id, body, secret, reset_tries=True)
        log.info("certificate %s: interrupted activation completed", certificate_id)
        return self._info(body)

    def discard_pending(self, certificate_id: int) -> None:
        ff.remove(self._pending_path(certificate_id))


def generation_of(doc: dict[str, Any]) -> int:
    """A key file's generation (absent in files written before it existed: 0)."""
    value = doc.get("generation", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _same_version(current: dict[str, Any], expected: dict[str, Any]) -> bool:
    return generation_of(current) == generation_of(expected) and current.get("mac") == expected.get(
        "mac"
    )
