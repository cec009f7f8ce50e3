"""Bids at rest: the signed record inside a CMS EnvelopedData, and opening it at 开标 with a
content key the bidder's client hands back (the platform never holds the bidder's key).

The record (JSON, UTF-8) keeps what is needed to verify the bidder's signature later:
the bid file, the operation data the client signed over (its SHA-256 is the binding's
``d``), the binding, the DER signature and the device certificate chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from asn1crypto import cms as acms
from cryptography import x509
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mobileca_desktop.crypto import scanproto
from mobileca_desktop.platform.trust import Refusal

RECORD_VERSION = 1
_AES_KEY_BYTES = {"aes128_cbc": 16, "aes192_cbc": 24, "aes256_cbc": 32}


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


@dataclass(frozen=True)
class EnvelopeParts:
    wrapped: scanproto.WrappedContentKey
    content_algorithm: str
    key_length: int
    iv: bytes
    ciphertext: bytes


def envelope_parts(der: bytes) -> EnvelopeParts:
    """The single key-transport recipient and the encrypted content of a stored envelope."""
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
    if name not in _AES_KEY_BYTES:
        raise ValueError(f"unsupported content encryption {name}")
    return EnvelopeParts(
        wrapped=scanproto.WrappedContentKey(
            issuer_der=rid.chosen["issuer"].dump(),
            serial=rid.chosen["serial_number"].native,
            algorithm=ktri["key_encryption_algorithm"]["algorithm"].dotted,
            encrypted_key=ktri["encrypted_key"].native,
        ),
        content_algorithm=name,
        key_length=_AES_KEY_BYTES[name],
        iv=algo["parameters"].native,
        ciphertext=eci["encrypted_content"].native,
    )


def open_with_key(parts: EnvelopeParts, content_key: bytes) -> bytes:
    """The record inside, with the content key the client returned. AES-CBC has no
    integrity: a wrong key shows as bad padding or an unreadable record, and the record's
    signature is what proves the bid."""
    if len(content_key) not in scanproto.CONTENT_KEY_LENGTHS:
        raise Refusal("content_key_length", f"返回的内容密钥长度不对（{len(content_key)} 字节）")
    if len(content_key) != parts.key_length:
        raise Refusal(
            "content_key_length",
            f"返回的内容密钥长度（{len(content_key)} 字节）与投标文件的加密算法不符",
        )
    decryptor = Cipher(algorithms.AES(content_key), modes.CBC(parts.iv)).decryptor()
    try:
        padded = decryptor.update(parts.ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError as exc:
        raise Refusal("wrong_content_key", "内容密钥不对，投标文件无法解密") from exc


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
        record = json.loads(record_bytes.decode("utf-8"))
        content = scanproto.unb64(record["content"])
        data_body = scanproto.unb64(record["data"])
        signature = scanproto.unb64(record["signature"])
        binding = record["binding"]
        chain = [x509.load_pem_x509_certificate(p.encode()) for p in record["chain"]]
        data = json.loads(data_body)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise Refusal("bid_unreadable", "解密后的投标文件格式不对（内容密钥可能有误）") from exc
    digest = hashlib.sha256(content).hexdigest()
    if digest != expected_sha256 or data.get("bid_sha256") != digest:
        raise Refusal("bid_altered", "投标文件的摘要与投标时登记的不一致")
    if not isinstance(binding, dict) or binding.get("d") != scanproto.data_digest(data_body):
        raise Refusal("bid_signature", "投标签名没有覆盖此投标文件")
    if not chain:
        raise Refusal("bid_signature", "投标记录中没有签名证书")
    signer = chain[0]
    if not any(_issued_by(signer, ca) for ca in issuing):
        raise Refusal("bid_signature", "投标签名证书不是由信任的 CA 签发的")
    if not scanproto.verify_binding(binding, signature, signer):
        raise Refusal("bid_signature", "投标文件的签名无效")
    return OpenedBid(record.get("bid_name", ""), content, signer)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True
