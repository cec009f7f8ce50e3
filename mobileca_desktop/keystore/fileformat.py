"""Bytes on disk for the keystore: canonical JSON documents and their MAC.

The layout of each document is specified in ``docs/keystore-format.md``; keep the two in step.
A document is a JSON object whose field ``mac`` is HMAC-SHA256, under a key derived from the
device secret, of the canonical encoding of every other field. The MAC tells a damaged or
altered file (``KeystoreCorrupt``, the retry counter untouched) from a wrong password (the
AEAD tag fails on an intact file).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mobileca_desktop.domain.canonical import canonical_json

# The project's one atomic-write helper lives in ``locking`` (it holds the folder's lock);
# these names stay importable from here.
from mobileca_desktop.locking import TMP_SUFFIX as TMP_SUFFIX
from mobileca_desktop.locking import atomic_write as atomic_write
from mobileca_desktop.locking import fsync_dir as fsync_dir
from mobileca_desktop.locking import remove as remove

FORMAT = "mobileca-desktop/keystore"
VERSION = 1
CIPHER = "AES-256-GCM"
NONCE_LEN = 12
MAC_INFO = b"mobileca-desktop/keystore/v1/file-mac"
CODE_INFO = b"mobileca-desktop/keystore/v1/pending-code"
AAD_PREFIX = b"mobileca-desktop/keystore/v1\x00"
MAX_FILE_BYTES = 1024 * 1024  # a key file is a few kilobytes; refuse to parse anything huge


class FormatError(Exception):
    """The bytes are not a well-formed keystore document; the message says why (no secrets)."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise FormatError(f"{what} is missing")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise FormatError(f"{what} is not base64") from exc


def canonical(obj: Any) -> bytes:
    """The one encoding a MAC or associated data is computed over: canonical JSON, ASCII
    (the variant every stored keystore file was written with)."""
    return canonical_json(obj, ascii=True)


def _subkey(device_secret: bytes, info: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=None, info=info).derive(device_secret)


def mac_of(body: dict[str, Any], device_secret: bytes) -> str:
    digest = hmac.new(_subkey(device_secret, MAC_INFO), canonical(body), "sha256").digest()
    return b64e(digest)


def encode(body: dict[str, Any], device_secret: bytes) -> bytes:
    """The file's bytes: ``body`` plus its MAC, as indented JSON (readable, diffable)."""
    if "mac" in body:
        raise ValueError("the body must not carry a mac")
    doc = dict(body, mac=mac_of(body, device_secret))
    return (json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=True) + "\n").encode()


def parse(data: bytes) -> dict[str, Any]:
    """The JSON object of a keystore document, checked for format and version only."""
    if len(data) > MAX_FILE_BYTES:
        raise FormatError("the file is too large")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError("the file is not complete JSON (truncated?)") from exc
    if not isinstance(doc, dict):
        raise FormatError("the file is not a keystore document")
    if doc.get("format") != FORMAT:
        raise FormatError("the file is not a keystore document")
    if doc.get("version") != VERSION:
        raise FormatError(f"unsupported keystore format version {doc.get('version')!r}")
    return doc


def mac_ok(doc: dict[str, Any], device_secret: bytes) -> bool:
    body = {k: v for k, v in doc.items() if k != "mac"}
    mac = doc.get("mac")
    return isinstance(mac, str) and hmac.compare_digest(mac, mac_of(body, device_secret))


def aad(header: dict[str, Any], purpose: str) -> bytes:
    """Associated data: binds a ciphertext to its keystore, certificate, KDF and purpose."""
    return AAD_PREFIX + purpose.encode("ascii") + b"\x00" + canonical(header)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> tuple[bytes, bytes]:
    nonce = os.urandom(NONCE_LEN)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, associated)


def open_(key: bytes, nonce: bytes, ciphertext: bytes, associated: bytes) -> bytes | None:
    """The plaintext, or None when the tag does not verify (wrong key or altered data)."""
    if len(nonce) != NONCE_LEN or len(ciphertext) < 16:
        return None
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated)
    except InvalidTag:
        return None


def code_key(device_secret: bytes) -> bytes:
    """Key for the SMS code kept in a pending activation (device secret only, no password,
    so that an interrupted activation can be completed without asking again)."""
    return _subkey(device_secret, CODE_INFO)
