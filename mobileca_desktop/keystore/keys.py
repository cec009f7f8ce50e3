"""The short-lived key object an unlock yields: it signs and decrypts, then locks itself.

Use it as a context manager; on exit (or after ``max_age`` seconds, or ``lock()``) the
private keys are dropped and every further use raises ``KeySessionClosed``. It never holds
the password, and its ``repr``/``str`` show only public facts. CPython cannot wipe the
memory behind a dropped key object; dropping the references is what can be done here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NoReturn

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from mobileca_desktop.crypto import cms
from mobileca_desktop.domain.errors import DecryptionFailed, KeySessionClosed, NoDecryptionKey
from mobileca_desktop.keystore import envelope

DEFAULT_MAX_AGE_S = 120.0


@dataclass(frozen=True)
class EncryptionKeyRef:
    """Public facts about one escrowed encryption key held by an unlocked certificate."""

    serial_hex: str
    generation: int
    certificate: x509.Certificate


class UnlockedKeys:
    """One certificate's keys, unlocked: ECDSA P-256 signing and CMS decryption."""

    def __init__(
        self,
        *,
        certificate_id: int,
        device_certificate: x509.Certificate,
        chain: list[x509.Certificate],
        signing_key: ec.EllipticCurvePrivateKey,
        encryption_keys: list[tuple[EncryptionKeyRef, rsa.RSAPrivateKey]],
        max_age: float = DEFAULT_MAX_AGE_S,
    ) -> None:
        self.certificate_id = certificate_id
        self.device_certificate = device_certificate
        self.chain = list(chain)
        self.encryption_refs = tuple(ref for ref, _ in encryption_keys)
        self._signing: ec.EllipticCurvePrivateKey | None = signing_key
        self._encryption: dict[str, rsa.RSAPrivateKey] | None = {
            ref.serial_hex: key for ref, key in encryption_keys
        }
        self._deadline = time.monotonic() + max_age

    # --- lifetime ---------------------------------------------------------------------

    def __enter__(self) -> UnlockedKeys:
        self._live()
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    def lock(self) -> None:
        """Drop the private keys now; the object stays usable for its public facts."""
        self._signing = None
        self._encryption = None

    @property
    def locked(self) -> bool:
        if self._signing is not None and time.monotonic() > self._deadline:
            self.lock()
        return self._signing is None

    def _live(self) -> None:
        if self.locked:
            raise KeySessionClosed()

    def __repr__(self) -> str:
        state = "locked" if self.locked else "unlocked"
        return (
            f"<UnlockedKeys certificate={self.certificate_id} "
            f"device_serial={self.device_serial_hex} {state}>"
        )

    __str__ = __repr__

    # Keys must not be pickled, copied or sent anywhere.
    def __reduce__(self) -> NoReturn:
        raise TypeError("unlocked keys cannot be pickled or copied")

    def __copy__(self) -> NoReturn:
        raise TypeError("unlocked keys cannot be pickled or copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError("unlocked keys cannot be pickled or copied")

    # --- public facts -----------------------------------------------------------------

    @property
    def device_serial_hex(self) -> str:
        return format(self.device_certificate.serial_number, "x")

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.device_certificate.public_key()  # type: ignore[return-value]

    # --- operations -------------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 with SHA-256 over ``data``; the DER-encoded signature."""
        self._live()
        assert self._signing is not None
        return self._signing.sign(data, ec.ECDSA(hashes.SHA256()))

    def decrypt(self, envelope_data: bytes) -> bytes:
        """The content of a CMS EnvelopedData (DER, BER or PEM) addressed to any generation
        of this certificate's encryption certificates; the key is chosen by the recipient's
        serial number."""
        self._live()
        assert self._encryption is not None
        try:
            wanted = envelope.recipients(envelope_data)
            der = envelope.to_der(envelope_data)
        except envelope.EnvelopeFormatError as exc:
            raise DecryptionFailed(reason=f"not a CMS envelope ({exc})") from exc
        ref = self._by_issuer_and_serial(wanted)
        if ref is not None:
            try:
                return cms.open_envelope(der, ref.certificate, self._encryption[ref.serial_hex])
            except cms.EnvelopeError as exc:
                raise DecryptionFailed(reason="the envelope is damaged or altered") from exc
        if any(
            rcpt.subject_key_id is not None and rcpt.subject_key_id == _ski(ref.certificate)
            for rcpt in wanted
            for ref in self.encryption_refs
        ):
            # cryptography's CMS reader takes issuer-and-serial recipients only.
            raise DecryptionFailed(
                reason="recipients named by key identifier (openssl cms -keyid) are not supported"
            )
        raise NoDecryptionKey()

    def unwrap_content_key(self, issuer_der: bytes, serial: int, encrypted_key: bytes) -> bytes:
        """The content key of one key-transport recipient (RSA PKCS#1 v1.5), decrypted with
        the escrowed encryption key of the generation named by issuer and serial (扫码解密:
        the platform sends just this recipient, never the bid). Raises ``NoDecryptionKey``
        when no generation held here matches, ``DecryptionFailed`` when it cannot be opened.
        The caller checks the result's length: PKCS#1 v1.5 may yield random bytes instead
        of an error for a forged input."""
        self._live()
        assert self._encryption is not None
        ref = self._by_issuer_and_serial(
            [envelope.Recipient(serial=serial, issuer_der=issuer_der, subject_key_id=None)]
        )
        if ref is None:
            raise NoDecryptionKey()
        key = self._encryption[ref.serial_hex]
        if not encrypted_key or len(encrypted_key) != key.key_size // 8:
            raise DecryptionFailed(reason="the wrapped key does not fit the encryption key")
        try:
            return key.decrypt(encrypted_key, padding.PKCS1v15())
        except ValueError as exc:
            raise DecryptionFailed(reason="the wrapped key could not be opened") from exc

    def _by_issuer_and_serial(self, wanted: list[envelope.Recipient]) -> EncryptionKeyRef | None:
        """The key for the first recipient that names one of ours: serial and issuer, or the
        serial alone when the issuer's encoding differs (serials are random, 64+ bits)."""
        fallback = None
        for rcpt in wanted:
            for ref in self.encryption_refs:
                cert = ref.certificate
                if rcpt.serial is None or rcpt.serial != cert.serial_number:
                    continue
                if rcpt.issuer_der == cert.issuer.public_bytes():
                    return ref
                fallback = fallback or ref
        return fallback


def _ski(cert: x509.Certificate) -> bytes | None:
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return None
    return ext.value.digest
