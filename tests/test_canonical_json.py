"""The canonical-JSON bytes each caller signs, MACs or hashes, pinned.

Keystore files, the audit chain, e-business licences and scan-protocol signatures already
stored were computed over these exact bytes: the one helper (``domain.canonical``) must give
each caller the variant it always had, byte for byte.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import ec

from mobileca_desktop.ca import audit, identity
from mobileca_desktop.crypto import scanproto
from mobileca_desktop.domain.canonical import canonical_json
from mobileca_desktop.keystore import fileformat

# Nested keys out of order, non-ASCII (CJK, a Latin accent, U+2028), quotes, numbers.
OBJ = {"z": [1, 2.5, None, True], "名称": "山西 CA\u2028", "a": {"k": "é", "b": '"q"'}}

UTF8 = (
    b'{"a":{"b":"\\"q\\"","k":"\xc3\xa9"},"z":[1,2.5,null,true],'
    b'"\xe5\x90\x8d\xe7\xa7\xb0":"\xe5\xb1\xb1\xe8\xa5\xbf CA\xe2\x80\xa8"}'
)
ASCII = (
    b'{"a":{"b":"\\"q\\"","k":"\\u00e9"},"z":[1,2.5,null,true],'
    b'"\\u540d\\u79f0":"\\u5c71\\u897f CA\\u2028"}'
)


def test_the_two_variants_give_exactly_these_bytes():
    assert canonical_json(OBJ, ascii=False) == UTF8
    assert canonical_json(OBJ, ascii=True) == ASCII
    assert canonical_json(OBJ, ascii=True).isascii()


def test_the_scan_protocol_signs_the_utf8_variant():
    assert scanproto.canonical_json(OBJ) == UTF8


def test_the_keystore_macs_the_ascii_variant():
    assert fileformat.canonical(OBJ) == ASCII
    # and so a MAC over a stored file's body is what it was
    secret = bytes(range(32))
    assert fileformat.mac_of(OBJ, secret) == "A5jEKhCbk9mDx5c9vvB6LTgTrP39PagY75wkzLWupxc="


def test_the_audit_chain_hashes_the_utf8_variant():
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    got = audit._digest("0" * 64, at, "申请人", "apply", "application:1", OBJ)
    assert got == "cd5902d500756df39509083b9c1e51f409fb1feee04cbe21c81b397a594329c7"


def test_the_elicence_signs_the_utf8_variant():
    key = ec.generate_private_key(ec.SECP256R1())
    text = identity.make_elicence(
        key,
        uscc="91140100MA0L12345X",
        company="山西某某有限公司",
        legal_person="张三",
        issued=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    body = text[len(identity.ELICENCE_PREFIX) :].split(".")[0]
    signed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert signed == (
        b'{"iat":1767312000,"legal":"\xe5\xbc\xa0\xe4\xb8\x89",'
        b'"name":"\xe5\xb1\xb1\xe8\xa5\xbf\xe6\x9f\x90\xe6\x9f\x90\xe6\x9c\x89\xe9\x99\x90'
        b'\xe5\x85\xac\xe5\x8f\xb8","uscc":"91140100MA0L12345X","v":1}'
    )
    assert identity.read_elicence(key.public_key(), text)["name"] == "山西某某有限公司"


def test_the_application_digest_variant_is_the_utf8_one():
    """The application digest (ca/ra/signing.py ``canonical_digest``) was this expression
    before it used the helper: the helper's UTF-8 variant gives the same bytes, so digests
    stored by earlier versions still match."""
    engine_bytes = json.dumps(
        OBJ, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()
    assert canonical_json(OBJ, ascii=False) == engine_bytes
    assert hashlib.sha256(engine_bytes).hexdigest() == hashlib.sha256(UTF8).hexdigest()
