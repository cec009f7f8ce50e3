"""The scan protocol's wire format (扫一扫 ↔ the trading platform), versions 1 and 2.

Shared by the client (``services/scan.py``) and the platform simulator (``platform/``) so both
speak exactly the format of ``docs/scan-protocol.md``; keep the two in step:

- the QR code text ``MCA1.<payload>.<signature>`` (``encode_payload`` / ``parse``),
- the platform's signature over it (raw ``r || s``, ``verify_payload_signature``),
- the client's signed answer, the *binding* (``binding_dict`` / ``binding_bytes`` /
  ``sign_binding`` / ``verify_binding``),
- the small encodings around them: the data digest ``D``, the decrypt step's ephemeral key
  ``k`` (compressed point), its associated data, the sealed key and the wrapped key.

``parse`` raises only ``ScanPayloadInvalid``, whatever the text; checks that need the trust
list, the clock or the nonce store (§2 steps 2–7) are the client's, not the parser's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mobileca_desktop.crypto import oids
from mobileca_desktop.crypto.ecies import Sealed
from mobileca_desktop.domain import canonical
from mobileca_desktop.domain.errors import ScanPayloadInvalid

VERSION = 2  # what the platform issues (docs/scan-protocol.md §8: what changed from 1)
VERSIONS = (1, 2)  # what a client reads (a version-1 code comes only from a version-1 platform)
PREFIX = "MCA1."
MAX_QR_BYTES = 600
MAX_LIFETIME = 120  # seconds between iat and exp, at most
IAT_TOLERANCE = 30  # seconds an iat may lie in the client's future
NONCE_BYTES = 16
SIGNATURE_BYTES = 64  # raw r || s of ECDSA P-256
COMPRESSED_POINT_BYTES = 33
CONTENT_KEY_LENGTHS = (16, 24, 32)  # AES-128/192/256 content keys of a bid's envelope

OPERATIONS = ("login", "seal", "encrypt", "decrypt")
RESPONSE_PREFIX = b"MCA1-RESPONSE\n"
KEY_AAD_PREFIX = b"MCA1-KEY\n"

# "mobileca platform signing" EKU (crypto/oids.py), the CA engine's platform profile's.
PLATFORM_SIGNING_EKU_OID = oids.PLATFORM_SIGNING_EKU
PLATFORM_SIGNING_EKU = PLATFORM_SIGNING_EKU_OID.dotted_string
RSA_ENCRYPTION_OID = "1.2.840.113549.1.1.1"  # the only key-transport algorithm of the bids

_B64URL_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
_PLATFORM_ID_RE = re.compile(r"[a-z0-9.-]{1,64}")
_SESSION_RE = re.compile(r"[A-Za-z0-9_-]{16,43}")
_MAX_URL = 300
_MAX_TIME = 2**40  # far beyond any real Unix time; keeps arithmetic on sane numbers
_FIELDS = frozenset({"v", "op", "p", "o", "s", "d", "cb", "n", "iat", "exp", "k"})
_BINDING_FIELDS = frozenset({"v", "op", "p", "o", "s", "n", "d", "t"})
_BINDING_FIELDS_V2 = _BINDING_FIELDS | {"src"}
# Where the client read the code (binding ``src``, version 2): from this computer's own screen
# or clipboard (``LOCAL_SOURCES``: the browser that shows the code is on this computer), or
# through a camera / an image file (the code may be on another device's screen).
SOURCES = ("screen", "clipboard", "camera", "file")
LOCAL_SOURCES = frozenset({"screen", "clipboard"})


# --- base64url without padding --------------------------------------------------------------


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """Strict inverse of ``b64url``: alphabet, no padding, canonical trailing bits.

    Raises ``ValueError``."""
    if not isinstance(text, str) or not set(text) <= _B64URL_CHARS or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
    if b64url(data) != text:  # non-zero unused bits: a second spelling of the same bytes
        raise ValueError("not canonical base64url")
    return data


def b64(data: bytes) -> str:
    """Standard base64 with padding (the JSON bodies' binary fields)."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    """Strict standard base64; raises ``ValueError``."""
    if not isinstance(text, str):
        raise ValueError("not base64")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError("not base64") from exc


# --- origins and URLs -----------------------------------------------------------------------


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute http(s) URL, lowercased, default port left out.

    Raises ``ValueError`` for anything that is not a plain absolute http(s) URL (user info,
    no host, a bad port, non-ASCII or control characters, backslashes)."""
    if not isinstance(url, str) or not url or len(url) > _MAX_URL:
        raise ValueError("not a URL")
    if not url.isascii() or any(c <= " " or c in "\\\x7f" for c in url):
        raise ValueError("a URL must be printable ASCII without spaces")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("only http and https URLs")
    if "@" in parts.netloc:
        raise ValueError("no user info in URLs")
    host = parts.hostname
    if not host:
        raise ValueError("the URL has no host")
    port = parts.port  # raises ValueError for a port out of range or not a number
    if port == 0:
        raise ValueError("port 0")
    default = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" if port in (None, default) else f"{scheme}://{shown}:{port}"


def url_origin_or(url: Any, default: str = "(not a URL)") -> str:
    """``url_origin(url)``, or ``default`` for anything that is not a plain http(s) URL (for
    messages)."""
    try:
        return url_origin(url)
    except ValueError:
        return default


def is_loopback_host(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_origin(origin: str) -> str:
    """``origin`` if it is exactly a normalised ``scheme://host[:port]``; ``http`` only on
    loopback. Raises ``ValueError``."""
    normal = url_origin(origin)
    if normal != origin:
        raise ValueError("the origin must be exactly scheme://host[:port], lowercase")
    host = urlsplit(origin).hostname or ""
    if origin.startswith("http://") and not is_loopback_host(host):
        raise ValueError("plain http only on loopback")
    return origin


def same_origin(url: str, origin: str) -> bool:
    """Whether ``url`` is on ``origin`` (same scheme, host and port); never raises."""
    try:
        return url_origin(url) == url_origin(origin)
    except ValueError:
        return False


# --- the payload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    """One QR payload; the JSON keys are in brackets."""

    operation: str  # [op] login / seal / encrypt / decrypt
    platform_id: str  # [p]
    origin: str  # [o] scheme://host[:port]
    session_ref: str  # [s]
    data_url: str  # [d]
    callback_url: str  # [cb]
    nonce: str  # [n] base64url of 16 random bytes
    issued_at: int  # [iat] Unix seconds
    expires_at: int  # [exp] Unix seconds
    ephemeral_key: str | None = None  # [k] decrypt only: compressed P-256 point, base64url
    version: int = VERSION  # [v]

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "v": self.version,
            "op": self.operation,
            "p": self.platform_id,
            "o": self.origin,
            "s": self.session_ref,
            "d": self.data_url,
            "cb": self.callback_url,
            "n": self.nonce,
            "iat": self.issued_at,
            "exp": self.expires_at,
        }
        if self.ephemeral_key is not None:
            out["k"] = self.ephemeral_key
        return out

    def ephemeral_public_key(self) -> ec.EllipticCurvePublicKey:
        """The decrypt step's key ``k`` (``ValueError`` if absent or not a P-256 point)."""
        if self.ephemeral_key is None:
            raise ValueError("the payload has no ephemeral key")
        return decode_k(self.ephemeral_key)


def _invalid(reason: str) -> ScanPayloadInvalid:
    return ScanPayloadInvalid(reason=reason)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_field(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise _invalid(f"the field {key!r} must be a non-empty string")
    return value


def _payload_from_dict(obj: dict[str, Any]) -> Payload:
    unknown = set(obj) - _FIELDS
    if unknown:
        raise _invalid(f"unknown fields {sorted(unknown)!r}")
    missing = (_FIELDS - {"k"}) - set(obj)
    if missing:
        raise _invalid(f"missing fields {sorted(missing)!r}")
    version = obj["v"]
    if not _is_int(version) or version not in VERSIONS:
        raise _invalid("unknown protocol version")
    op = obj["op"]
    if not isinstance(op, str) or op not in OPERATIONS:
        raise _invalid("unknown operation")
    platform_id = _str_field(obj, "p")
    if not _PLATFORM_ID_RE.fullmatch(platform_id):
        raise _invalid("the platform id must be 1-64 characters of [a-z0-9.-]")
    origin = _str_field(obj, "o")
    try:
        check_origin(origin)
    except ValueError as exc:
        raise _invalid(f"the origin is not valid: {exc}") from None
    session_ref = _str_field(obj, "s")
    if not _SESSION_RE.fullmatch(session_ref):
        raise _invalid("the session reference must be 16-43 base64url characters")
    urls = {}
    for key in ("d", "cb"):
        value = _str_field(obj, key)
        try:
            url_origin(value)
        except ValueError as exc:
            raise _invalid(f"the URL {key!r} is not valid: {exc}") from None
        urls[key] = value
    nonce = _str_field(obj, "n")
    try:
        if len(unb64url(nonce)) != NONCE_BYTES:
            raise ValueError
    except ValueError:
        raise _invalid("the nonce must be 16 bytes in base64url") from None
    iat, exp = obj["iat"], obj["exp"]
    if not (_is_int(iat) and _is_int(exp) and 0 <= iat < _MAX_TIME and 0 <= exp < _MAX_TIME):
        raise _invalid("iat and exp must be Unix seconds")
    if not 0 < exp - iat <= MAX_LIFETIME:
        raise _invalid(f"exp must be after iat by at most {MAX_LIFETIME} seconds")
    k = obj.get("k")
    if op == "decrypt":
        if not isinstance(k, str):
            raise _invalid("a decrypt payload needs its ephemeral key 'k'")
        try:
            decode_k(k)
        except ValueError:
            raise _invalid("'k' is not a compressed P-256 point in base64url") from None
    elif k is not None:
        raise _invalid("only a decrypt payload carries 'k'")
    return Payload(
        operation=op,
        platform_id=platform_id,
        origin=origin,
        session_ref=session_ref,
        data_url=urls["d"],
        callback_url=urls["cb"],
        nonce=nonce,
        issued_at=iat,
        expires_at=exp,
        ephemeral_key=k,
        version=version,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _invalid(f"the field {key!r} appears twice")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise _invalid(f"{name} is not a JSON number")


def canonical_json(obj: Any) -> bytes:
    """Compact JSON with sorted keys, UTF-8 (the payload and the binding): the non-ASCII
    variant of ``domain.canonical`` that every platform signed with."""
    return canonical.canonical_json(obj, ascii=False)


def parse(text: Any) -> tuple[Payload, bytes, bytes]:
    """``(payload, signed_bytes, signature)`` of a QR code's text.

    ``signed_bytes`` is the ASCII ``MCA1.<payload>`` the signature covers; ``signature`` is
    the raw 64-byte ``r || s``, or ``b""`` when the code is unsigned (the caller refuses it as
    ``unsigned`` once it knows the platform). Raises only ``ScanPayloadInvalid``."""
    try:
        return _parse(text)
    except ScanPayloadInvalid:
        raise
    except (ValueError, TypeError, UnicodeError, RecursionError, OverflowError) as exc:
        # Defence in depth: the checks above should have caught it; never leak another type.
        raise _invalid(f"unreadable ({type(exc).__name__})") from None


def _parse(text: Any) -> tuple[Payload, bytes, bytes]:
    if not isinstance(text, str):
        raise _invalid("not text")
    if not text.startswith(PREFIX):
        raise _invalid("not a trading-platform code (no MCA1. prefix)")
    if not text.isascii():
        raise _invalid("not ASCII")
    if len(text) > MAX_QR_BYTES:
        raise _invalid(f"longer than {MAX_QR_BYTES} bytes")
    parts = text[len(PREFIX) :].split(".")
    if len(parts) != 2:
        raise _invalid("not three dot-separated parts")
    payload_part, signature_part = parts
    try:
        raw = unb64url(payload_part)
    except ValueError:
        raise _invalid("the payload is not base64url") from None
    try:
        signature = unb64url(signature_part) if signature_part else b""
    except ValueError:
        raise _invalid("the signature is not base64url") from None
    if signature and len(signature) != SIGNATURE_BYTES:
        raise _invalid("the signature is not 64 bytes")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("the payload is not UTF-8") from None
    try:
        obj = json.loads(decoded, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except json.JSONDecodeError:
        raise _invalid("the payload is not JSON") from None
    if not isinstance(obj, dict):
        raise _invalid("the payload is not a JSON object")
    payload = _payload_from_dict(obj)
    return payload, (PREFIX + payload_part).encode("ascii"), signature


def encode_payload(payload: Payload, platform_key: ec.EllipticCurvePrivateKey) -> str:
    """The QR code text for ``payload`` signed with the platform's P-256 key (platform side).

    The payload is checked as the client will check it (``ScanPayloadInvalid``)."""
    body = b64url(canonical_json(payload.to_json_dict()))
    unsigned = PREFIX + body
    signature = sign_raw(unsigned.encode("ascii"), platform_key)
    text = f"{unsigned}.{b64url(signature)}"
    parse(text)  # the same rules on both sides, including the length limit
    return text


def sign_raw(data: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    """ECDSA P-256 / SHA-256 of ``data`` as raw ``r || s`` (64 bytes)."""
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("the platform key must be an EC P-256 private key")
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _ec_public(key_or_cert: Any) -> ec.EllipticCurvePublicKey | None:
    if isinstance(key_or_cert, x509.Certificate):
        try:
            key_or_cert = key_or_cert.public_key()
        except (ValueError, UnsupportedAlgorithm):
            return None
    if isinstance(key_or_cert, ec.EllipticCurvePrivateKey):
        key_or_cert = key_or_cert.public_key()
    if isinstance(key_or_cert, ec.EllipticCurvePublicKey) and isinstance(
        key_or_cert.curve, ec.SECP256R1
    ):
        return key_or_cert
    return None


def verify_payload_signature(
    signed_bytes: bytes,
    signature: bytes,
    platform: ec.EllipticCurvePublicKey | x509.Certificate,
) -> bool:
    """Whether ``signature`` (raw ``r || s``) over ``signed_bytes`` verifies with the
    platform's key or certificate. Never raises for bad input."""
    public = _ec_public(platform)
    if public is None or not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public.verify(encode_dss_signature(r, s), signed_bytes, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


# --- the client's answer: the binding -------------------------------------------------------


def data_digest(body: bytes) -> str:
    """``D``: hex SHA-256 of the exact bytes of the platform's operation-data response."""
    return hashlib.sha256(body).hexdigest()


def binding_dict(
    payload: Payload, digest_hex: str, now: int, source: str | None = None
) -> dict[str, Any]:
    """The binding the device signs: nonce, platform, origin, operation, session, ``D``, time,
    in the payload's version; version 2 adds ``src``, where the code was read (``SOURCES``;
    required there, ``ValueError`` otherwise)."""
    out: dict[str, Any] = {
        "v": payload.version,
        "op": payload.operation,
        "p": payload.platform_id,
        "o": payload.origin,
        "s": payload.session_ref,
        "n": payload.nonce,
        "d": digest_hex,
        "t": int(now),
    }
    if payload.version >= 2:
        if source not in SOURCES:
            raise ValueError(f"a version-2 binding needs src, one of {', '.join(SOURCES)}")
        out["src"] = source
    return out


def check_binding(binding: Any) -> dict[str, Any]:
    """``binding`` if it has exactly the binding's fields with the right types (the
    platform's first check of a posted answer). Raises ``ValueError``."""
    if not isinstance(binding, dict) or not _is_int(binding.get("v")):
        raise ValueError("the binding must be an object with an integer version 'v'")
    if binding["v"] not in VERSIONS:
        raise ValueError("unknown binding version")
    fields = _BINDING_FIELDS if binding["v"] == 1 else _BINDING_FIELDS_V2
    if set(binding) != fields:
        raise ValueError(f"the binding must have exactly the fields {' '.join(sorted(fields))}")
    if binding["v"] >= 2 and binding["src"] not in SOURCES:
        raise ValueError(f"the binding's 'src' must be one of {', '.join(SOURCES)}")
    if binding["op"] not in OPERATIONS:
        raise ValueError("unknown operation")
    for key in ("p", "o", "s", "n"):
        if not isinstance(binding[key], str) or not binding[key]:
            raise ValueError(f"the binding's {key!r} must be a string")
    digest = binding["d"]
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise ValueError("the binding's 'd' must be a lowercase hex SHA-256")
    if not _is_int(binding["t"]) or not 0 <= binding["t"] < _MAX_TIME:
        raise ValueError("the binding's 't' must be Unix seconds")
    return binding


def binding_bytes(binding: dict[str, Any]) -> bytes:
    """What is signed: ``MCA1-RESPONSE\\n`` + compact sorted JSON of the binding."""
    return RESPONSE_PREFIX + canonical_json(binding)


def sign_binding(
    binding: dict[str, Any],
    signer: ec.EllipticCurvePrivateKey | Callable[[bytes], bytes],
) -> bytes:
    """DER ECDSA P-256 / SHA-256 signature of the binding, with a private key or a
    ``sign(data) -> DER`` callable (the keystore's unlocked device key)."""
    data = binding_bytes(check_binding(binding))
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return signer.sign(data, ec.ECDSA(hashes.SHA256()))
    return signer(data)


def verify_binding(
    binding: Any,
    signature_der: Any,
    signer: ec.EllipticCurvePublicKey | x509.Certificate,
) -> bool:
    """Whether the DER ``signature_der`` over the binding verifies with the device
    certificate (or key). Never raises for bad input; a malformed binding is ``False``."""
    public = _ec_public(signer)
    if public is None or not isinstance(signature_der, bytes):
        return False
    try:
        data = binding_bytes(check_binding(binding))
        public.verify(signature_der, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


# --- decrypt: the ephemeral key k, the sealed content key, the wrapped key --------------------


def compress_point(key: ec.EllipticCurvePublicKey) -> bytes:
    """X9.62 compressed point (33 bytes) of a P-256 public key."""
    return key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def decompress_point(data: bytes) -> ec.EllipticCurvePublicKey:
    """The P-256 public key of a 33-byte compressed point; raises ``ValueError``."""
    if not isinstance(data, bytes) or len(data) != COMPRESSED_POINT_BYTES:
        raise ValueError("a compressed P-256 point has 33 bytes")
    if data[0] not in (0x02, 0x03):
        raise ValueError("not a compressed point")
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data)


def encode_k(key: ec.EllipticCurvePublicKey) -> str:
    return b64url(compress_point(key))


def decode_k(text: str) -> ec.EllipticCurvePublicKey:
    return decompress_point(unb64url(text))


def key_aad(nonce: str) -> bytes:
    """Associated data of the sealed content key: ``MCA1-KEY\\n`` + the payload's nonce as
    written in the payload (its base64url text, ASCII)."""
    return KEY_AAD_PREFIX + nonce.encode("ascii")


def sealed_to_json(sealed: Sealed) -> dict[str, str]:
    """The ``sealed_key`` field: the ECIES message's parts in standard base64."""
    return {
        "ephemeral_public_key": b64(sealed.ephemeral_public_key),
        "nonce": b64(sealed.nonce),
        "ciphertext": b64(sealed.ciphertext),
    }


def sealed_from_json(obj: Any) -> Sealed:
    """Inverse of ``sealed_to_json``; raises ``ValueError``."""
    if not isinstance(obj, dict) or set(obj) != {"ephemeral_public_key", "nonce", "ciphertext"}:
        raise ValueError("sealed_key must have ephemeral_public_key, nonce and ciphertext")
    return Sealed(
        ephemeral_public_key=unb64(obj["ephemeral_public_key"]),
        nonce=unb64(obj["nonce"]),
        ciphertext=unb64(obj["ciphertext"]),
    )


@dataclass(frozen=True)
class WrappedContentKey:
    """A bid envelope's key-transport recipient, as the platform releases it (decrypt 4a)."""

    issuer_der: bytes  # the recipient certificate's issuer Name, DER
    serial: int  # the recipient certificate's serial
    algorithm: str  # key-encryption algorithm OID; 1.2.840.113549.1.1.1 (RSA PKCS#1 v1.5)
    encrypted_key: bytes

    def to_json_dict(self) -> dict[str, str]:
        return {
            "issuer": b64(self.issuer_der),
            "serial": format(self.serial, "x"),
            "algorithm": self.algorithm,
            "encrypted_key": b64(self.encrypted_key),
        }

    @classmethod
    def from_json_dict(cls, obj: Any) -> WrappedContentKey:
        """Raises ``ValueError`` for anything but the four fields with the right types."""
        keys = {"issuer", "serial", "algorithm", "encrypted_key"}
        if not isinstance(obj, dict) or set(obj) != keys:
            raise ValueError("wrapped_key must have issuer, serial, algorithm, encrypted_key")
        serial = obj["serial"]
        if not (isinstance(serial, str) and re.fullmatch(r"[0-9a-f]{1,40}", serial)):
            raise ValueError("the serial must be lowercase hex")
        algorithm = obj["algorithm"]
        if not isinstance(algorithm, str) or not re.fullmatch(r"[0-9]+(\.[0-9]+)+", algorithm):
            raise ValueError("the algorithm must be an OID")
        issuer_der = unb64(obj["issuer"])
        encrypted_key = unb64(obj["encrypted_key"])
        if not issuer_der or not encrypted_key or len(encrypted_key) > 1024:
            raise ValueError("the issuer and the encrypted key must be present")
        return cls(issuer_der, int(serial, 16), algorithm, encrypted_key)
