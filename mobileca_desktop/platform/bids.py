"""Bids at rest: the signed record inside a CMS EnvelopedData (the bid envelope, read by
``crypto/bidrecord.py``, shared with the client), and opening it at 开标 with a content key
the bidder's client hands back (the platform never holds the bidder's key).

The record (JSON, UTF-8) keeps what is needed to verify the bidder's signature later:
the bid file, the operation data the client signed over (its SHA-256 is the binding's
``d``), the binding, the DER signature and the device certificate chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509

from mobileca_desktop.crypto import bidrecord, scanproto
from mobileca_desktop.platform.trust import Refusal

RECORD_VERSION = bidrecord.RECORD_VERSION


def make_record(
    *,
    bid_name: str,
    content: bytes,
    data_body: bytes,
    binding: dict,
    signature: bytes,
    chain_pem: list[str],
) -> bytes:
    return scanproto.canonical_json(
        {
            "v": RECORD_VERSION,
            "bid_name": bid_name,
            "bid_sha256": hashlib.sha256(content).hexdigest(),
            "content": scanproto.b64(content),
            "data": scanproto.b64(data_body),
            "binding": binding,
            "signature": scanproto.b64(signature),
            "chain": chain_pem,
        }
    )


EnvelopeParts = bidrecord.EnvelopeParts

# The platform's words for the shared reader's refusals (crypto/bidrecord.py), by code.
_ZH = {
    "bid_envelope": "存储的投标文件信封无法读取",
    "content_key_length": "返回的内容密钥长度不对（与投标文件的加密算法不符）",
    "wrong_content_key": "内容密钥不对，投标文件无法解密",
    "bid_unreadable": "解密后的投标文件格式不对（内容密钥可能有误）",
    "bid_altered": "投标文件的摘要与投标时登记的不一致",
    "bid_signature": "投标文件的签名无效或没有覆盖此投标文件",
}


def _refusal(err: bidrecord.BidRecordError) -> Refusal:
    return Refusal(err.code, _ZH.get(err.code, str(err)))


def envelope_parts(der: bytes) -> EnvelopeParts:
    """The single key-transport recipient and the encrypted content of a stored envelope."""
    try:
        return bidrecord.envelope_parts(der)
    except bidrecord.BidRecordError as err:
        raise ValueError(str(err)) from None


def open_with_key(parts: EnvelopeParts, content_key: bytes) -> bytes:
    """The record inside, with the content key the client returned."""
    try:
        return bidrecord.decrypt_record(parts, content_key)
    except bidrecord.BidRecordError as err:
        raise _refusal(err) from None


@dataclass(frozen=True)
class OpenedBid:
    bid_name: str
    content: bytes
    signer: x509.Certificate


def verify_record(record_bytes: bytes, expected_sha256: str, issuing: list) -> OpenedBid:
    """The bid inside a decrypted record, after checking the bidder's signature over it.

    The signature was checked in full (chain, OCSP) when the bid was stored; here the
    device certificate must still chain to a pinned issuing CA and the signature verify,
    whatever has happened to the certificate since (renewal supersedes it)."""
    try:
        record = bidrecord.read_record(record_bytes, expected_sha256)
    except bidrecord.BidRecordError as err:
        raise _refusal(err) from None
    if not any(_issued_by(record.signer, ca) for ca in issuing):
        raise Refusal("bid_signature", "投标签名证书不是由信任的 CA 签发的")
    return OpenedBid(record.bid_name, record.content, record.signer)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True
