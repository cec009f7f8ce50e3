"""The certificate password's key derivation: scrypt (memory-hard), calibrated per machine.

The key that wraps a certificate's private keys is derived from two secrets (see
``docs/keystore-format.md``): the certificate password stretched by scrypt, and the device
secret kept in the OS keyring. Neither alone opens a key file. scrypt's parameters and salt
are stored in each file, so files made with an older or cheaper profile keep opening.
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KDF_NAME = "scrypt"
KEY_LEN = 32
SALT_LEN = 16
KEK_INFO = b"mobileca-desktop/keystore/v1/kek"

# What the calibration aims for: an unlock that a person barely notices, and that costs a
# guesser the same time and memory per try.
TARGET_LOW_S = 0.2
TARGET_HIGH_S = 0.5
# Calibration never goes below this (16 MiB) however slow the machine, nor above 256 MiB.
FLOOR_N = 2**14
MAX_MEMORY = 256 * 1024 * 1024
# What a key file may ask of a reader: a file is refused above these bounds rather than
# letting an altered file make the unlock allocate gigabytes.
MIN_N, MAX_N = 2**1, 2**22
MAX_R, MAX_P = 32, 16
MAX_FILE_MEMORY = 1024 * 1024 * 1024


@dataclass(frozen=True)
class KdfProfile:
    """scrypt cost parameters: ``n`` (CPU/memory cost, a power of two), ``r``, ``p``."""

    n: int
    r: int = 8
    p: int = 1
    seconds: float | None = None  # measured when calibrated on this machine; informative

    def __post_init__(self) -> None:
        problem = self.problem()
        if problem:
            raise ValueError(f"invalid scrypt parameters: {problem}")

    def problem(self) -> str | None:
        """Why these parameters are not acceptable, or None."""
        for name in ("n", "r", "p"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                return f"{name} must be a whole number"
        if not MIN_N <= self.n <= MAX_N or self.n & (self.n - 1):
            return f"n must be a power of two from {MIN_N} to {MAX_N}"
        if not 1 <= self.r <= MAX_R or not 1 <= self.p <= MAX_P:
            return f"r must be 1..{MAX_R} and p 1..{MAX_P}"
        if self.memory_bytes > MAX_FILE_MEMORY:
            return "the parameters need more than 1 GiB of memory"
        return None

    @property
    def memory_bytes(self) -> int:
        return 128 * self.n * self.r

    def params(self) -> dict[str, int | str]:
        """The parameters as stored in a key file (without the salt)."""
        return {"name": KDF_NAME, "n": self.n, "r": self.r, "p": self.p, "length": KEY_LEN}

    @classmethod
    def from_params(cls, data: object) -> KdfProfile:
        """The profile stored in a key file; ``ValueError`` when unknown or out of bounds."""
        if not isinstance(data, dict) or data.get("name") != KDF_NAME:
            raise ValueError("unknown key derivation function")
        if data.get("length") != KEY_LEN:
            raise ValueError("unexpected derived key length")
        return cls(n=data.get("n"), r=data.get("r"), p=data.get("p"))  # type: ignore[arg-type]

    def stretch(self, password: str, salt: bytes) -> bytes:
        """scrypt of the password (Unicode NFC, UTF-8) with this profile and ``salt``."""
        return Scrypt(salt=salt, length=KEY_LEN, n=self.n, r=self.r, p=self.p).derive(
            password_bytes(password)
        )


# For tests and crash harnesses only: derives in microseconds and protects nothing.
CHEAP = KdfProfile(n=2**4, r=8, p=1)


def password_bytes(password: str) -> bytes:
    """The bytes the KDF sees: NFC-normalised so that the same typed text always matches."""
    if not isinstance(password, str):
        raise TypeError("the password must be text")
    return unicodedata.normalize("NFC", password).encode("utf-8")


def new_salt() -> bytes:
    return os.urandom(SALT_LEN)


def derive_kek(password: str, salt: bytes, profile: KdfProfile, device_secret: bytes) -> bytes:
    """The 32-byte AES key of one key file: HKDF over the stretched password and the device
    secret, so that the file needs both the password and this device's keyring entry."""
    stretched = profile.stretch(password, salt)
    return HKDF(hashes.SHA256(), KEY_LEN, salt=salt, info=KEK_INFO).derive(
        stretched + device_secret
    )


def measure(profile: KdfProfile, rounds: int = 1) -> float:
    """The fastest of ``rounds`` derivations with ``profile``, in seconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        profile.stretch("calibration", os.urandom(SALT_LEN))
        best = min(best, time.perf_counter() - start)
    return best


def calibrate(
    target_low: float = TARGET_LOW_S,
    target_high: float = TARGET_HIGH_S,
    max_memory: int = MAX_MEMORY,
) -> KdfProfile:
    """The scrypt profile (r=8, p=1) whose derivation takes ``target_low``..``target_high``
    seconds here: ``n`` doubles from 2**14 until a derivation takes at least ``target_low``,
    stopping earlier if the next step would exceed ``target_high`` or ``max_memory``."""
    n = FLOOR_N
    seconds = measure(KdfProfile(n=n))
    while seconds < target_low:
        candidate = KdfProfile(n=n * 2)
        # Doubling n doubles the time; stop rather than overshoot the upper bound.
        if candidate.memory_bytes > max_memory or seconds * 2 > target_high * 1.1:
            break
        n, seconds = candidate.n, measure(candidate)
    seconds = measure(KdfProfile(n=n), rounds=2)
    return KdfProfile(n=n, seconds=round(seconds, 4))
