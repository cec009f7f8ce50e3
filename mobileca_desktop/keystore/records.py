"""What the keystore tells its callers: local states, key-file and pending-activation infos."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn

from cryptography.hazmat.primitives.asymmetric import ec


class LocalState(StrEnum):
    """A certificate's state on this device."""

    ABSENT = "absent"  # not downloaded here (证书未下载)
    READY = "ready"  # downloaded; unlocks with the certificate password
    LOCKED = "locked"  # too many wrong passwords: re-activate to recover
    PENDING = "pending"  # an activation was interrupted: resume_pending finishes it
    CORRUPT = "corrupt"  # the key file is damaged or altered: download again
    NOT_THIS_DEVICE = "not_this_device"  # made on another computer: download again here


@dataclass(frozen=True)
class EncryptionCertInfo:
    serial_hex: str
    generation: int
    cert_pem: str


@dataclass(frozen=True)
class KeyFileInfo:
    """The public part of a key file (no password needed)."""

    certificate_id: int
    account_id: int
    device_name: str
    device_serial_hex: str
    device_cert_pem: str
    chain_pem: str
    activated_at: dt.datetime
    encryption_certs: tuple[EncryptionCertInfo, ...]


@dataclass(frozen=True)
class PendingInfo:
    """An activation that was started (keys made, record written) but not finished."""

    certificate_id: int
    account_id: int | None
    device_name: str | None
    idempotency_key: str | None
    csr_pem: bytes | None
    transport_public_key_pem: bytes | None
    supersedes_serial_hex: str | None
    created_at: dt.datetime | None
    intact: bool  # False: the record is damaged; its keys cannot be trusted or used


class ActivationDraft:
    """The new keys of an activation in progress, between the pending record and the CA's
    answer. Holds private keys and the derived file key (never the password)."""

    def __init__(
        self,
        *,
        certificate_id: int,
        keystore_id: str,
        idempotency_key: str,
        csr_pem: bytes,
        transport_public_key_pem: bytes,
        kdf: dict[str, Any],
        kek: bytes,
        signing: ec.EllipticCurvePrivateKey,
        transport: ec.EllipticCurvePrivateKey,
        account_id: int,
        device_name: str,
    ) -> None:
        self.certificate_id = certificate_id
        self.keystore_id = keystore_id
        self.idempotency_key = idempotency_key
        self.csr_pem = csr_pem
        self.transport_public_key_pem = transport_public_key_pem
        self.account_id = account_id
        self.device_name = device_name
        self._kdf = kdf
        self._kek: bytes | None = kek
        self._signing: ec.EllipticCurvePrivateKey | None = signing
        self._transport: ec.EllipticCurvePrivateKey | None = transport

    def forget(self) -> None:
        self._kek = self._signing = self._transport = None

    def __repr__(self) -> str:
        return f"<ActivationDraft certificate={self.certificate_id}>"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("an activation draft cannot be pickled or copied")
