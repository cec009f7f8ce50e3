"""Validation, masking and test-data generation for Chinese identity numbers.

Covers the 统一社会信用代码 (GB 32100-2015), the resident ID number (GB 11643-1999),
mainland mobile numbers and bank account numbers. Validators return the normalised value
and raise the typed errors of ``mobileca_desktop.domain.errors``; an ID number never
appears in an error, a log line or a certificate in clear (see ``id_number_digest``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
import re

from mobileca_desktop.domain.errors import InvalidIDNumber, InvalidInput, InvalidPhone, InvalidUSCC

# --- 统一社会信用代码 -----------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z: they look like digits
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Registration authorities (position 1) and the organisation types (position 2) they use.
# Only the combinations a demo needs are generated; validation accepts any charset value in
# these positions because authorities have been added since 2015 (e.g. "A", "N") and a
# stricter table would reject real codes before the check character had a say.
_DEMO_PREFIXES = ("91", "92", "93", "11", "12", "51", "52", "53")


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a code."""
    if len(first17) != 17:
        raise ValueError("the check character needs exactly 17 characters")
    try:
        total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"illegal character {exc.args[0]!r}") from None
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(s: str) -> str:
    """Return the normalised (stripped, upper-case) code or raise ``InvalidUSCC``."""
    code = s.strip().upper()
    if len(code) != 18:
        raise InvalidUSCC(value=code, reason=f"must be 18 characters, not {len(code)}")
    bad = [c for c in code if c not in _USCC_VALUE]
    if bad:
        raise InvalidUSCC(value=code, reason=f"illegal character {bad[0]!r}")
    if not code[2:8].isdigit():
        raise InvalidUSCC(value=code, reason="characters 3-8 must be an administrative division")
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidUSCC(value=code, reason="wrong check character")
    return code


def _org_code_check_char(first8: str) -> str:
    # GB 11714 organisation code check digit: positions 9-17 of a USCC embed an
    # organisation code, so demo codes carry a valid one too (validation does not insist).
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: random.Random, division: str = "140100") -> str:
    """Return a random, valid 统一社会信用代码 in ``division`` (for demo data and tests)."""
    if len(division) != 6 or not division.isdigit():
        raise ValueError("division must be 6 digits")
    # Letters are drawn from the part of the USCC charset that GB 11714 also allows, so the
    # organisation code stays within both alphabets.
    body_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = rng.choice("MN") + "".join(rng.choice(body_chars) for _ in range(7))
    org = body + _org_code_check_char(body)
    first17 = rng.choice(_DEMO_PREFIXES) + division + org
    return first17 + uscc_check_char(first17)


# --- 居民身份证号码 --------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_EARLIEST_BIRTH = dt.date(1900, 1, 1)


def _id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(s: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character ID number or raise ``InvalidIDNumber``.

    ``today`` is for tests; the birth date may not lie after it. Reasons never quote the
    number, since errors end up in logs and on screens.
    """
    number = s.strip().upper()
    if len(number) != 18:
        raise InvalidIDNumber(reason=f"must be 18 characters, not {len(number)}")
    if not number[:17].isdigit() or not number[:17].isascii():
        raise InvalidIDNumber(reason="the first 17 characters must be digits")
    if not (number[17].isascii() and (number[17].isdigit() or number[17] == "X")):
        raise InvalidIDNumber(reason="the last character must be a digit or X")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIDNumber(reason="the birth date is not a real date") from None
    if birth < _ID_EARLIEST_BIRTH:
        raise InvalidIDNumber(reason="the birth date is before 1900")
    if birth > (today or dt.date.today()):
        raise InvalidIDNumber(reason="the birth date is in the future")
    if _id_check_char(number[:17]) != number[17]:
        raise InvalidIDNumber(reason="wrong check character")
    return number


def make_id_number(rng: random.Random, birth: dt.date, division: str = "140105") -> str:
    """Return a random, valid ID number for someone born on ``birth`` (demo data, tests)."""
    if len(division) != 6 or not division.isdigit():
        raise ValueError("division must be 6 digits")
    if not _ID_EARLIEST_BIRTH <= birth <= dt.date.today():
        raise ValueError("birth must lie between 1900-01-01 and today")
    first17 = f"{division}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + _id_check_char(first17)


def mask_id_number(s: str) -> str:
    """Keep the first and last four characters: ``1401**********123X``."""
    number = s.strip().upper()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def id_number_digest(s: str, salt: bytes) -> str:
    """Hex HMAC-SHA256 of the normalised number, keyed by ``salt``.

    Certificates carry this in their serialNumber attribute instead of the number itself:
    the CA can match a person across certificates without publishing the number.
    """
    number = validate_id_number(s)
    return hmac.new(salt, number.encode("ascii"), hashlib.sha256).hexdigest()


# --- mobile numbers --------------------------------------------------------------------

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_PHONE_NOISE_RE = re.compile(r"[\s\-()]")


def validate_phone(s: str) -> str:
    """Return the 11-digit mainland mobile number or raise ``InvalidPhone``.

    Spaces, dashes, brackets and a +86 / 0086 / 86 country prefix are accepted because
    that is how people paste numbers from contacts.
    """
    phone = _PHONE_NOISE_RE.sub("", s)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not _PHONE_RE.match(phone):
        raise InvalidPhone(value=s.strip())
    return phone


def mask_phone(s: str) -> str:
    """Keep the carrier prefix and the last four digits: ``138****1234``."""
    phone = validate_phone(s)
    return f"{phone[:3]}****{phone[-4:]}"


# --- bank accounts ---------------------------------------------------------------------


def validate_bank_account(s: str) -> str:
    """Return the account number as 8-30 digits (spaces removed) or raise ``InvalidInput``."""
    account = re.sub(r"\s", "", s)
    if not account:
        raise InvalidInput(field="bank_account", reason="empty")
    if not (account.isascii() and account.isdigit()):
        raise InvalidInput(field="bank_account", reason="only digits are allowed")
    if not 8 <= len(account) <= 30:
        raise InvalidInput(field="bank_account", reason="must have 8 to 30 digits")
    return account


def mask_bank_account(s: str) -> str:
    """Show only the last four digits (and the first four of long numbers)."""
    account = validate_bank_account(s)
    # Short corporate accounts would be fully revealed by "first 4 + last 4".
    head = account[:4] if len(account) >= 12 else ""
    return head + "*" * (len(account) - len(head) - 4) + account[-4:]
