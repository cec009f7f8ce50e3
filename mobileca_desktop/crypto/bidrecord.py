"""A bid at rest, as both sides read it: the CMS EnvelopedData the platform stores at 扫码加密
and the signed record inside it.

The record (JSON, UTF-8, version 1) keeps what is needed to verify the bidder's signature
later: the bid file (``content``), the operation data the client signed over at 扫码加密
(``data``: its SHA-256 is the binding's ``d``; it names the bid's digest, project and
bidder), the binding (its ``t`` is when the bid was sealed), the DER signature and the device
certificate chain. The platform opens it at 开标 with the content key the client hands back;
the client opens it first, with its escrowed encryption key, to check it is the bid it shows
(``docs/scan-protocol.md`` §4, decrypt data ``dv`` 2).

Words: the *bid envelope* is this CMS EnvelopedData (not the keystore's file envelope, not the
ECIES box the content key travels in to the platform).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms as acms
from cryptography import x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mobileca_desktop.crypto import scanproto

RECORD_VERSION = 1
AES_KEY_BYTES = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}
MAX_ENVELOPE_BYTES = 16 * 1024 * 1024


class BidRecordError(ValueError):
    """An envelope or record that cannot be used; ``code`` is stable (the platform's refusal
    codes), the message English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class EnvelopeParts:
    wrapped: scanproto.WrappedContentKey
    content_algorithm: str
    key_length: int
    iv: bytes
    ciphertext: bytes


def envelope_parts(der: bytes) -> EnvelopeParts:
    """The single key-transport recipient and the encrypted content of a bid envelope."""
    try:
        info = acms.ContentInfo.load(der)
        if info["content_type"].native != "enveloped_data":
            raise ValueError("not an EnvelopedData")
        env = info["content"]
        recipients = [r for r in env["recipient_infos"] if r.name == "ktri"]
        if len(recipients) != 1:
            raise ValueError("the bid envelope must have exactly one key-transport recipient")
        ktri = recipients[0].chosen
        rid = ktri["rid"]
        if rid.name != "issuer_and_serial_number":
            raise ValueError("the recipient must be named by issuer and serial")
        eci = env["encrypted_content_info"]
        algo = eci["content_encryption_algorithm"]
        name = algo["algorithm"].native
        if name not in AES_KEY_BYTES:
            raise ValueError(f"unsupported content encryption {name}")
        iv = algo["parameters"].native
        ciphertext = eci["encrypted_content"].native
        if not isinstance(iv, bytes) or len(iv) != 16 or not isinstance(ciphertext, bytes):
            raise ValueError("the encrypted content is incomplete")
        return EnvelopeParts(
            wrapped=scanproto.WrappedContentKey(
                issuer_der=rid.chosen["issuer"].dump(),
                serial=rid.chosen["serial_number"].native,
                algorithm=ktri["key_encryption_algorithm"]["algorithm"].dotted,
                encrypted_key=ktri["encrypted_key"].native,
            ),
            content_algorithm=name,
            key_length=AES_KEY_BYTES[name],
            iv=iv,
            ciphertext=ciphertext,
        )
    except BidRecordError:
        raise
    except Exception as exc:  # asn1crypto raises many kinds for bad DER
        raise BidRecordError("bid_envelope", f"not a bid envelope ({exc})"[:200]) from None


def decrypt_record(parts: EnvelopeParts, content_key: bytes) -> bytes:
    """The record inside, with the content key. AES-CBC has no integrity: a wrong key shows
    as bad padding or an unreadable record; the record's signature is what proves the bid."""
    if len(content_key) not in scanproto.CONTENT_KEY_LENGTHS:
        raise BidRecordError("content_key_length", f"a {len(content_key)}-byte content key")
    if len(content_key) != parts.key_length:
        raise BidRecordError("content_key_length", "the content key does not fit the cipher")
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(parts.iv)).decryptor()
    try:
        padded = decryptor.update(parts.ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise BidRecordError("wrong_content_key", "the content key does not open it") from exc


@dataclass(frozen=True)
class BidRecord:
    bid_name: str
    content: bytes
    data_body: bytes
    data: dict[str, Any]  # the operation data signed at 扫码加密
    binding: dict[str, Any]
    signature: bytes
    chain: tuple[x509.Certificate, ...]

    @property
    def signer(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def sealed_at(self) -> int:
        """When the bidder signed it (the binding's ``t``, Unix seconds)."""
        return int(self.binding["t"])

    @property
    def project(self) -> str:
        value = self.data.get("project")
        return value if isinstance(value, str) else ""

    @property
    def bidder(self) -> str:
        subject = self.data.get("subject")
        name = subject.get("name") if isinstance(subject, dict) else None
        return name if isinstance(name, str) else ""


def read_record(record_bytes: bytes, expected_sha256: str) -> BidRecord:
    """The record, after checking that it is whole and that the bidder's signature covers
    this bid: content digest = the recorded ``bid_sha256`` = ``expected_sha256``, the
    binding's ``d`` = SHA-256 of the data, the signature verifies with ``chain[0]``. Who
    ``chain[0]`` is, and whether it is trusted, is the caller's check."""
    try:
        record = json.loads(record_bytes.decode("utf-8"))
        if record.get("v") != RECORD_VERSION:
            raise ValueError("record version")
        content = scanproto.unb64(record["content"])
        data_body = scanproto.unb64(record["data"])
        signature = scanproto.unb64(record["signature"])
        binding = scanproto.check_binding(record["binding"])
        chain = tuple(x509.load_pem_x509_certificate(p.encode()) for p in record["chain"])
        data = json.loads(data_body)
        if not isinstance(data, dict):
            raise ValueError("data")
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise BidRecordError("bid_unreadable", "the decrypted record is not readable") from exc
    digest = hashlib.sha256(content).hexdigest()
    if digest != expected_sha256 or data.get("bid_sha256") != digest:
        raise BidRecordError("bid_altered", "the bid's digest is not the one recorded")
    if data.get("op") != "encrypt" or binding.get("op") != "encrypt":
        raise BidRecordError("bid_signature", "the record was not signed at 扫码加密")
    if binding.get("d") != scanproto.data_digest(data_body):
        raise BidRecordError("bid_signature", "the bidder's signature does not cover this bid")
    if not chain:
        raise BidRecordError("bid_signature", "the record has no signing certificate")
    if not scanproto.verify_binding(binding, signature, chain[0]):
        raise BidRecordError("bid_signature", "the bidder's signature is not valid")
    return BidRecord(
        bid_name=str(record.get("bid_name", "")),
        content=content,
        data_body=data_body,
        data=data,
        binding=binding,
        signature=signature,
        chain=chain,
    )
