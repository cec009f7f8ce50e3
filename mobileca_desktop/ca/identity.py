"""The 三晋通 identity service, simulated: accounts, passwords, sessions and e-business licences.

Passwords are hashed with Argon2id (memory-hard); the parameters are injectable so tests
can use a cheap profile. Session tokens are random and stored only as a SHA-256 hash.
The e-business licence (电子营业执照) is a QR text signed by this service's own key.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.domain.canonical import canonical_json
from mobileca_desktop.domain.errors import InvalidInput, VerificationFailed, WeakPassword


@dataclass(frozen=True)
class PasswordPolicy:
    """Argon2id parameters. The default costs ~50 ms and 64 MiB per login on one core."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 1

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_cost_kib, parallelism=self.parallelism
        )


CHEAP_PASSWORDS = PasswordPolicy(time_cost=1, memory_cost_kib=8, parallelism=1)


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise WeakPassword(reason="at least 8 characters")
    if len(password) > 128:
        raise WeakPassword(reason="at most 128 characters")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise WeakPassword(reason="use both letters and digits")


def hash_password(policy: PasswordPolicy, password: str) -> str:
    return policy.hasher().hash(password)


# A valid hash to verify against when the account does not exist, so that a login for an
# unknown name costs the same time as one with a wrong password.
_DUMMY: dict[PasswordPolicy, str] = {}


def verify_password(policy: PasswordPolicy, stored: str | None, password: str) -> bool:
    hasher = policy.hasher()
    if stored is None:
        if policy not in _DUMMY:
            _DUMMY[policy] = hasher.hash(secrets.token_hex(8))
        stored = _DUMMY[policy]
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(stored, password)
        return False
    try:
        return hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def login_lookup_name(kind: str, login_name: str | None) -> str:
    """The login name as the CA looks its account up: USCCs and ID numbers upper-case (an
    ID's check character may be "x"), reviewer names lower-case after that (so "\u017f" and
    "\u212a" find "s" and "k"). The login limits count this, so no spelling gets its own."""
    name = (login_name or "").strip().upper()
    return name.lower() if kind == "reviewer" else name


def new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# What registration (and 证书变更) accepts for names; the seals, the certificate subjects
# (subject.py) and the approval handle every such name, so nothing valid here can fail later.
COMPANY_NAME_MAX = 100
PERSON_NAME_MAX = 64
NAME_LIMITS = {
    "company_name": COMPANY_NAME_MAX,
    "legal_person_name": PERSON_NAME_MAX,
    "person_name": PERSON_NAME_MAX,
    "name": PERSON_NAME_MAX,
    "agent_name": PERSON_NAME_MAX,
    "bank_name": 64,
    "province": 32,
    "city": 32,
}
# Control, format (zero-width, bidi overrides: they make one name look like another),
# surrogate, private-use and unassigned code points have no place in a name.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def require_name(field: str, value: str | None) -> str:
    """A name (company, person, place, bank) within ``NAME_LIMITS[field]`` and printable."""
    text = require_text(field, value, max_len=NAME_LIMITS[field])
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise InvalidInput(
                field=field, reason=f"contains a character that cannot be printed (U+{ord(ch):04X})"
            )
    return text


def require_text(field: str, value: str | None, *, max_len: int = 64) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(field=field, reason="required")
    if len(value) > max_len:
        raise InvalidInput(field=field, reason=f"at most {max_len} characters")
    return value


# --- 电子营业执照 -------------------------------------------------------------------

ELICENCE_PREFIX = "SXEL1."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_elicence(
    key: ec.EllipticCurvePrivateKey,
    *,
    uscc: str,
    company: str,
    legal_person: str,
    issued: dt.datetime,
) -> str:
    """The QR text of a company's e-business licence, signed by the identity service."""
    body = canonical_json(
        {
            "v": 1,
            "uscc": uscc,
            "name": company,
            "legal": legal_person,
            "iat": int(issued.timestamp()),
        },
        ascii=False,
    )
    sig = key.sign(body, ec.ECDSA(hashes.SHA256()))
    return ELICENCE_PREFIX + _b64(body) + "." + _b64(sig)


def read_elicence(public_key: ec.EllipticCurvePublicKey, text: str) -> dict[str, Any]:
    """Checks an e-licence QR text; raises VerificationFailed if it is not genuine."""
    text = (text or "").strip()
    fail = VerificationFailed(method="elicence", reason="this is not a genuine e-business licence")
    if not text.startswith(ELICENCE_PREFIX) or len(text) > 2000:
        raise fail
    try:
        body_b64, sig_b64 = text[len(ELICENCE_PREFIX) :].split(".")
        body, sig = _unb64(body_b64), _unb64(sig_b64)
        public_key.verify(sig, body, ec.ECDSA(hashes.SHA256()))
        data = json.loads(body)
    except (ValueError, InvalidSignature) as exc:
        raise fail from exc
    if not isinstance(data, dict) or data.get("v") != 1:
        raise fail
    return data
