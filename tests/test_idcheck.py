"""Tests for the USCC, ID number, phone and bank account checks in ``ca.idcheck``."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from mobileca_desktop.ca import idcheck
from mobileca_desktop.domain.errors import InvalidIDNumber, InvalidInput, InvalidPhone, InvalidUSCC

# Published examples of both standards (their check characters were recomputed in a
# separate calculation with the derivations tested below).
KNOWN_USCC = "91350100M000100Y43"
KNOWN_ID = "11010519491231002X"


def test_weight_tables_follow_their_derivation():
    # GB 32100 weights are 3^i mod 31, GB 11643 weights are 2^(17-i) mod 11.
    assert tuple(pow(3, i, 31) for i in range(17)) == idcheck._USCC_WEIGHTS
    assert tuple(pow(2, 17 - i, 11) for i in range(17)) == idcheck._ID_WEIGHTS


def test_known_uscc_is_valid_and_normalised():
    assert idcheck.validate_uscc(KNOWN_USCC) == KNOWN_USCC
    assert idcheck.validate_uscc(f"  {KNOWN_USCC.lower()} ") == KNOWN_USCC
    assert idcheck.uscc_check_char(KNOWN_USCC[:17]) == KNOWN_USCC[17]


def test_uscc_check_char_31_maps_to_zero():
    # Search for a body whose weighted sum is a multiple of 31: the check must be "0".
    rng = random.Random(3)
    for _ in range(5000):
        body = "9114010" + "".join(rng.choice("0123456789") for _ in range(10))
        total = sum(
            idcheck.USCC_CHARSET.index(c) * w
            for c, w in zip(body, idcheck._USCC_WEIGHTS, strict=True)
        )
        if total % 31 == 0:
            assert idcheck.uscc_check_char(body) == "0"
            return
    pytest.fail("no body with a sum divisible by 31 found")


@pytest.mark.parametrize(
    ("value", "reason_part"),
    [
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M000100I43", "illegal character"),  # I is not in the charset
        ("91350100M000100Y4O", "illegal character"),
        ("91350100M000100Y44", "check character"),
        ("913501A0M000100Y43", "administrative division"),
    ],
)
def test_bad_uscc_rejected_with_reason(value, reason_part):
    with pytest.raises(InvalidUSCC) as info:
        idcheck.validate_uscc(value)
    assert reason_part in info.value.params["reason"]
    assert info.value.code == "invalid_uscc"


def test_every_single_character_typo_is_caught():
    code = idcheck.make_uscc(random.Random(1))
    for pos in range(18):
        for c in idcheck.USCC_CHARSET:
            if c == code[pos]:
                continue
            typo = code[:pos] + c + code[pos + 1 :]
            with pytest.raises(InvalidUSCC):
                idcheck.validate_uscc(typo)


def test_make_uscc_is_valid_and_uses_division():
    rng = random.Random(42)
    codes = {idcheck.make_uscc(rng) for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert idcheck.validate_uscc(code) == code
        assert code[2:8] == "140100"
    assert idcheck.make_uscc(rng, division="140105")[2:8] == "140105"
    with pytest.raises(ValueError):
        idcheck.make_uscc(rng, division="14")


def test_make_uscc_is_reproducible():
    assert idcheck.make_uscc(random.Random(9)) == idcheck.make_uscc(random.Random(9))


def test_known_id_number_is_valid():
    assert idcheck.validate_id_number(KNOWN_ID) == KNOWN_ID
    assert idcheck.validate_id_number(KNOWN_ID.lower()) == KNOWN_ID
    assert idcheck.validate_id_number(" 11010519491231002x ") == KNOWN_ID


@pytest.mark.parametrize(
    ("value", "reason_part"),
    [
        ("11010519491231002", "18 characters"),
        ("1101051949123100A2", "digits"),
        ("11010519491231002Y", "last character"),
        ("110105194902300025", "real date"),  # 30 February
        ("110105189912310021", "before 1900"),
        ("110105194912310021", "check character"),
    ],
)
def test_bad_id_number_rejected_without_leaking_it(value, reason_part):
    with pytest.raises(InvalidIDNumber) as info:
        idcheck.validate_id_number(value)
    reason = info.value.params["reason"]
    assert reason_part in reason
    assert value not in str(info.value)
    assert value[:17] not in repr(info.value.to_dict())


def test_future_birth_date_rejected():
    number = idcheck.make_id_number(random.Random(1), dt.date(2020, 5, 1))
    assert idcheck.validate_id_number(number) == number
    with pytest.raises(InvalidIDNumber) as info:
        idcheck.validate_id_number(number, today=dt.date(2020, 4, 30))
    assert "future" in info.value.params["reason"]


def test_make_id_number_valid_and_carries_birth_date():
    rng = random.Random(5)
    for year in (1900, 1955, 1980, 2005):
        birth = dt.date(year, 12, 31)
        number = idcheck.make_id_number(rng, birth)
        assert idcheck.validate_id_number(number) == number
        assert number[:6] == "140105"
        assert number[6:14] == f"{year}1231"
    with pytest.raises(ValueError):
        idcheck.make_id_number(rng, dt.date(1899, 1, 1))


def test_id_check_character_x_appears():
    rng = random.Random(11)
    numbers = [idcheck.make_id_number(rng, dt.date(1980, 1, 1)) for _ in range(300)]
    assert any(n.endswith("X") for n in numbers)


def test_mask_id_number():
    assert idcheck.mask_id_number(KNOWN_ID) == "1101**********002X"
    assert idcheck.mask_id_number("14010519800314123x") == "1401**********123X"
    assert idcheck.mask_id_number("1234") == "****"


def test_id_number_digest_is_keyed_and_normalised():
    a = idcheck.id_number_digest(KNOWN_ID, b"salt-1")
    assert len(a) == 64
    assert int(a, 16) >= 0
    assert idcheck.id_number_digest(KNOWN_ID.lower(), b"salt-1") == a
    assert idcheck.id_number_digest(KNOWN_ID, b"salt-2") != a
    assert KNOWN_ID not in a
    with pytest.raises(InvalidIDNumber):
        idcheck.id_number_digest("123", b"salt-1")


@pytest.mark.parametrize(
    "value",
    ["13812341234", "138 1234 1234", "+86 138 1234 1234", "+8613812341234", "8613812341234"],
)
def test_phone_accepted_and_normalised(value):
    assert idcheck.validate_phone(value) == "13812341234"


@pytest.mark.parametrize(
    "value", ["12812341234", "1381234123", "138123412345", "0351-1234567", "1381234123a", ""]
)
def test_bad_phone_rejected(value):
    with pytest.raises(InvalidPhone) as info:
        idcheck.validate_phone(value)
    assert info.value.code == "invalid_phone"


def test_mask_phone():
    assert idcheck.mask_phone("138 1234 5678") == "138****5678"


def test_bank_account():
    assert idcheck.validate_bank_account("0502 1234 5678 9012 345") == "0502123456789012345"
    assert idcheck.validate_bank_account("12345678") == "12345678"
    for bad, reason in [
        ("1234567", "8 to 30"),
        ("1" * 31, "8 to 30"),
        ("6222-0000-1111", "digits"),
        ("   ", "empty"),
    ]:
        with pytest.raises(InvalidInput) as info:
            idcheck.validate_bank_account(bad)
        assert info.value.params["field"] == "bank_account"
        assert reason in info.value.params["reason"]


def test_mask_bank_account():
    assert idcheck.mask_bank_account("0502 1234 5678 9012 345") == "0502***********2345"
    assert idcheck.mask_bank_account("12345678") == "****5678"
