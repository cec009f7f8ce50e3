"""The certificate password's minimum strength, checked and shown before anything is sent.

``password_strength`` returns a score (0-4, for a meter) and the problems as stable codes
that views translate; a password is acceptable when there are no problems. The rules are
deliberately few and explainable: the KDF and the 6-try lock carry most of the protection.
"""

from __future__ import annotations

import itertools
import unicodedata

MIN_LENGTH = 8
MAX_LENGTH = 128

# Problem codes (stable; views translate them).
TOO_SHORT = "too_short"  # fewer than MIN_LENGTH characters
TOO_LONG = "too_long"  # more than MAX_LENGTH characters
ONE_KIND = "one_kind"  # only digits, only letters, ...: mix at least two kinds
COMMON = "common"  # a well-known password
PATTERN = "pattern"  # one repeated character, a run like 12345678 / abcdefgh, a keyboard row
EDGE_SPACE = "edge_space"  # starts or ends with a space (easy to mistype unseen)
CONTROL = "control"  # contains control characters

ENGLISH = {
    TOO_SHORT: f"use at least {MIN_LENGTH} characters",
    TOO_LONG: f"use at most {MAX_LENGTH} characters",
    ONE_KIND: "mix at least two kinds of characters (letters, digits, symbols)",
    COMMON: "this password is too common",
    PATTERN: "avoid repeated characters, runs like 12345678 and keyboard rows",
    EDGE_SPACE: "do not start or end with a space",
    CONTROL: "do not use control characters",
}

_COMMON = {
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "qwerty123",
    "qwertyuiop",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "a1b2c3d4",
    "abc12345",
    "abcd1234",
    "aa123456",
    "admin123",
    "iloveyou",
    "woaini1314",
    "5201314",
    "zxcvbnm123",
    "qq123456",
    "123456abc",
    "123qwe123",
    "88888888a",
    "a12345678",
    "12345678a",
}
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


def _kinds(password: str) -> int:
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not c.isalnum() for c in password)
    # Characters without case (汉字 and the like) count as letters.
    uncased = any(c.isalpha() and not c.islower() and not c.isupper() for c in password)
    return sum((lower, upper, digit, other, uncased and not (lower or upper)))


def _is_pattern(password: str) -> bool:
    text = password.lower()
    if len(set(text)) <= 2:
        return True
    for row in _ROWS:
        for seq in (row, row[::-1]):
            if text in seq or text in seq * 2:
                return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(steps) == 1 and abs(next(iter(steps))) <= 1


def password_strength(password: str) -> tuple[int, list[str]]:
    """(score 0-4, problem codes). Acceptable as a certificate password when no problems."""
    password = unicodedata.normalize("NFC", password or "")
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        problems.append(TOO_LONG)
    if any(unicodedata.category(c) == "Cc" for c in password):
        problems.append(CONTROL)
    if password != password.strip(" "):
        problems.append(EDGE_SPACE)
    kinds = _kinds(password)
    if password and kinds < 2:
        problems.append(ONE_KIND)
    if password.lower() in _COMMON:
        problems.append(COMMON)
    if password and _is_pattern(password):
        problems.append(PATTERN)
    score = (
        (len(password) >= MIN_LENGTH)
        + (len(password) >= 12)
        + (kinds >= 3)
        + (kinds >= 4 or len(password) >= 16)
    )
    if problems:
        score = min(score, 1)
    return score, problems


def describe(problems: list[str]) -> str:
    """The problems in plain English, for logs and the error's fallback message."""
    return "; ".join(ENGLISH.get(p, p) for p in problems)
