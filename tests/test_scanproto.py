"""The scan protocol's wire format (crypto/scanproto.py): payload, signatures, binding."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobileca_desktop.crypto import ecies
from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import ScanPayloadInvalid

PLATFORM_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_KEY = ec.generate_private_key(ec.SECP256R1())
EPHEMERAL = ec.generate_private_key(ec.SECP256R1())
ORIGIN = "http://127.0.0.1:8801"


def make_payload(**changes) -> sp.Payload:
    now = int(time.time())
    fields = dict(
        operation="login",
        platform_id="ggzy.shanxi.test",
        origin=ORIGIN,
        session_ref="c2Vzc2lvbi1yZWYtMDAwMQ",
        data_url=ORIGIN + "/scan/c2Vzc2lvbi1yZWYtMDAwMQ/data",
        callback_url=ORIGIN + "/scan/c2Vzc2lvbi1yZWYtMDAwMQ/result",
        nonce=sp.b64url(bytes(range(16))),
        issued_at=now,
        expires_at=now + 90,
    )
    fields.update(changes)
    return sp.Payload(**fields)


def raw_text(obj, key=PLATFORM_KEY, signature: bytes | None = None) -> str:
    """A QR text for any JSON value, signed over what it says (no validation on this side)."""
    body = sp.b64url(json.dumps(obj, separators=(",", ":")).encode())
    unsigned = sp.PREFIX + body
    if signature is None:
        signature = sp.sign_raw(unsigned.encode(), key)
    return f"{unsigned}.{sp.b64url(signature)}"


VALID = sp.encode_payload(make_payload(), PLATFORM_KEY)
VALID_DECRYPT = sp.encode_payload(
    make_payload(operation="decrypt", ephemeral_key=sp.encode_k(EPHEMERAL.public_key())),
    PLATFORM_KEY,
)


# --- round trip and signatures ----------------------------------------------------------------


@pytest.mark.parametrize("op", ["login", "seal", "encrypt"])
def test_round_trip_and_signature(op):
    payload = make_payload(operation=op)
    text = sp.encode_payload(payload, PLATFORM_KEY)
    assert text.startswith("MCA1.") and text.count(".") == 2
    assert len(text) <= sp.MAX_QR_BYTES
    parsed, signed, signature = sp.parse(text)
    assert parsed == payload
    assert signed == text.rsplit(".", 1)[0].encode()
    assert len(signature) == 64
    assert sp.verify_payload_signature(signed, signature, PLATFORM_KEY.public_key())
    assert not sp.verify_payload_signature(signed, signature, OTHER_KEY.public_key())
    assert not sp.verify_payload_signature(signed + b"x", signature, PLATFORM_KEY.public_key())
    assert not sp.verify_payload_signature(signed, bytes(64), PLATFORM_KEY.public_key())
    # the JSON is compact with sorted keys
    body = sp.unb64url(text.split(".")[1])
    obj = json.loads(body)
    assert body == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    assert "k" not in obj


def test_decrypt_payload_carries_compressed_k():
    payload, _, _ = sp.parse(VALID_DECRYPT)
    assert payload.operation == "decrypt"
    assert len(sp.unb64url(payload.ephemeral_key)) == 33
    key = payload.ephemeral_public_key()
    assert sp.compress_point(key) == sp.compress_point(EPHEMERAL.public_key())


def test_unsigned_code_parses_with_empty_signature():
    text = VALID.rsplit(".", 1)[0] + "."
    _, signed, signature = sp.parse(text)
    assert signature == b""
    assert not sp.verify_payload_signature(signed, signature, PLATFORM_KEY.public_key())


def test_realistic_decrypt_payload_fits_600_bytes():
    # A public origin, a 22-character session reference and short paths: the budget the
    # platform has to keep to (docs/scan-protocol.md §1).
    long = "https://ggzyjy.shanxi.example.cn"
    payload = make_payload(
        operation="decrypt",
        platform_id="ggzyjy.shanxi",
        origin=long,
        session_ref="A" * 22,
        data_url=long + "/scan/" + "A" * 22 + "/d",
        callback_url=long + "/scan/" + "A" * 22 + "/cb",
        ephemeral_key=sp.encode_k(EPHEMERAL.public_key()),
    )
    text = sp.encode_payload(payload, PLATFORM_KEY)
    assert len(text) <= 600


def test_oversized_payload_is_refused_on_both_sides():
    payload = make_payload(data_url=ORIGIN + "/" + "x" * 290)
    with pytest.raises(ScanPayloadInvalid):
        sp.encode_payload(payload, PLATFORM_KEY)
    text = raw_text(
        {
            **make_payload().to_json_dict(),
            "cb": ORIGIN + "/" + "y" * 280,
            "d": ORIGIN + "/" + "z" * 200,
        }
    )
    assert len(text) > 600
    with pytest.raises(ScanPayloadInvalid, match="600"):
        sp.parse(text)


# --- the parser's refusals ----------------------------------------------------------------------

GOOD = make_payload().to_json_dict()


@pytest.mark.parametrize(
    "change",
    [
        {"v": 3},
        {"v": 0},
        {"v": True},
        {"v": "1"},
        {"op": "sign"},
        {"op": None},
        {"p": "Upper"},
        {"p": "a" * 65},
        {"p": ""},
        {"o": "http://example.com"},  # plain http off loopback
        {"o": ORIGIN + "/"},  # not exactly an origin
        {"o": "HTTP://127.0.0.1:8801"},
        {"o": "ftp://127.0.0.1"},
        {"o": "https://user@example.com"},
        {"o": "http://127.evil.example"},
        {"s": "short"},
        {"s": "A" * 44},
        {"s": "has space in it 12345"},
        {"d": "/relative/path"},
        {"d": "javascript:alert(1)"},
        {"cb": "http://127.0.0.1:99999/x"},
        {"cb": "http://127.0.0.1:8801\\@evil.example/"},
        {"cb": 5},
        {"n": sp.b64url(bytes(15))},
        {"n": sp.b64url(bytes(16)) + "="},
        {"n": "AAAAAAAAAAAAAAAAAAAAAB"},  # non-canonical trailing bits
        {"iat": 1.5},
        {"exp": "soon"},
        {"exp": GOOD["iat"]},  # exp must follow iat
        {"exp": GOOD["iat"] + 121},  # lifetime above 120 s
        {"iat": -1, "exp": 10},
        {"iat": True},
        {"k": sp.encode_k(EPHEMERAL.public_key())},  # k on a login
        {"extra": 1},  # unknown keys are refused
    ],
)
def test_bad_fields_are_invalid(change):
    obj = {**GOOD, **change}
    with pytest.raises(ScanPayloadInvalid):
        sp.parse(raw_text(obj))


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_missing_fields_are_invalid(missing):
    obj = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(ScanPayloadInvalid):
        sp.parse(raw_text(obj))


@pytest.mark.parametrize(
    "k",
    [None, "", sp.b64url(b"\x04" + bytes(32)), sp.b64url(b"\x02" + b"\xff" * 32), "!!"],
)
def test_decrypt_needs_a_valid_k(k):
    obj = {**GOOD, "op": "decrypt"}
    if k is not None:
        obj["k"] = k
    with pytest.raises(ScanPayloadInvalid):
        sp.parse(raw_text(obj))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "https://ggzy.example/login",
        "MCA1.",
        "MCA1..",
        "MCA1.a.b.c",
        "MCA2." + VALID[5:],
        " " + VALID,
        VALID + "\n",
        VALID.replace("MCA1.", "mca1."),
        "MCA1.e30.",  # {} is not a payload
        "MCA1." + sp.b64url(b"[1,2]") + ".",
        "MCA1." + sp.b64url(b"\xff\xfe") + ".",
        "MCA1." + sp.b64url(b'{"v":NaN}') + ".",
        "MCA1." + sp.b64url(b"[" * 300 + b"]" * 300)[:590] + ".",
        VALID.rsplit(".", 1)[0] + "." + sp.b64url(bytes(63)),  # wrong signature size
        "MCA1.中文.x",
    ],
)
def test_not_payloads(text):
    with pytest.raises(ScanPayloadInvalid):
        sp.parse(text)


def test_duplicate_keys_are_refused():
    body = json.dumps(GOOD, separators=(",", ":"))[:-1] + ',"op":"seal"}'
    with pytest.raises(ScanPayloadInvalid, match="twice"):
        sp.parse(f"MCA1.{sp.b64url(body.encode())}.")


def test_non_text_input():
    for value in (None, b"MCA1.x.y", 5, ["MCA1."]):
        with pytest.raises(ScanPayloadInvalid):
            sp.parse(value)


# --- fuzzing: nothing but ScanPayloadInvalid ------------------------------------------------

_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=3,
)


@st.composite
def _mutated_text(draw):
    text = draw(st.sampled_from([VALID, VALID_DECRYPT]))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, len(text)))
        char = draw(st.sampled_from(_B64_ALPHABET + ".=+/ \x00é中"))
        if kind == "replace" and pos < len(text):
            text = text[:pos] + char + text[pos + 1 :]
        elif kind == "insert":
            text = text[:pos] + char + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos]
    return text


@st.composite
def _mutated_fields(draw):
    obj = dict(draw(st.sampled_from(_BASES)))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["set", "set", "drop", "add"]))
        if action == "drop":
            obj.pop(draw(st.sampled_from(_KEYS)), None)
        elif action == "add":
            obj[draw(st.sampled_from(["x", "", "K", "op ", "v2"]))] = draw(_field_values)
        else:
            obj[draw(st.sampled_from(_KEYS))] = draw(_field_values)
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=draw(st.booleans()))
    sig = draw(st.sampled_from(["", sp.b64url(bytes(64)), "AAAA", "x"]))
    return f"MCA1.{sp.b64url(body.encode('utf-8', 'surrogatepass'))}.{sig}"


_BASES = [GOOD, sp.parse(VALID_DECRYPT)[0].to_json_dict()]
_KEYS = sorted(sp._FIELDS)
# Values near the edges of each field's rules, and anything at all.
_field_values = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            0,
            -1,
            1,
            121,
            2**40,
            2**63,
            1.0,
            "",
            " ",
            "decrypt",
            "seal",
            "login",
            "http://127.0.0.1:1",
            "https://x",
            "http://[::1",
            "A" * 22,
            "A" * 43,
            "A" * 44,
            sp.b64url(bytes(16)),
            sp.b64url(bytes(33)),
            [],
            {},
        ]
    ),
    st.integers(-(2**70), 2**70),
    st.text(alphabet=_B64_ALPHABET + ":/.[]@", max_size=40),
    _json_values,
)


_anything = st.one_of(
    st.text(max_size=60),
    st.text(max_size=60).map(lambda t: "MCA1." + t),
    st.text(alphabet=_B64_ALPHABET + ".", max_size=620).map(lambda t: "MCA1." + t),
    st.binary(max_size=400).map(lambda b: f"MCA1.{sp.b64url(b)}.{sp.b64url(b[:64])}"),
    _json_values.map(lambda v: "MCA1." + sp.b64url(json.dumps(v).encode()) + "."),
    _mutated_text(),
    _mutated_fields(),
)


@settings(
    max_examples=10_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_anything)
def test_fuzz_parse_raises_only_scan_payload_invalid(text):
    try:
        payload, signed, signature = sp.parse(text)
    except ScanPayloadInvalid:
        return
    # whatever parses is a payload within the format's rules
    assert len(text) <= sp.MAX_QR_BYTES
    assert signed == text.rsplit(".", 1)[0].encode()
    assert signature == b"" or len(signature) == 64
    assert 0 < payload.expires_at - payload.issued_at <= sp.MAX_LIFETIME
    assert (payload.ephemeral_key is not None) == (payload.operation == "decrypt")


# --- the binding ------------------------------------------------------------------------------


def test_binding_bytes_and_signature():
    device = ec.generate_private_key(ec.SECP256R1())
    payload = make_payload(operation="seal")
    binding = sp.binding_dict(payload, sp.data_digest(b'{"v":2}'), 1_700_000_000, "screen")
    data = sp.binding_bytes(binding)
    assert data.startswith(b"MCA1-RESPONSE\n")
    assert (
        data[len(b"MCA1-RESPONSE\n") :]
        == json.dumps(binding, sort_keys=True, separators=(",", ":")).encode()
    )
    assert set(binding) == {"v", "op", "p", "o", "s", "n", "d", "t", "src"}
    assert binding["v"] == 2 and binding["src"] == "screen"
    signature = sp.sign_binding(binding, device)
    assert sp.verify_binding(binding, signature, device.public_key())
    # signing through a callable (the keystore's unlocked key) gives a verifiable DER too
    from cryptography.hazmat.primitives import hashes

    via_callable = sp.sign_binding(binding, lambda b: device.sign(b, ec.ECDSA(hashes.SHA256())))
    assert sp.verify_binding(binding, via_callable, device.public_key())
    for change in ({"n": "other"}, {"op": "login"}, {"t": 1}, {"d": "0" * 64}, {"src": "camera"}):
        assert not sp.verify_binding({**binding, **change}, signature, device.public_key())
    assert not sp.verify_binding(binding, signature, OTHER_KEY.public_key())
    assert not sp.verify_binding({**binding, "x": 1}, signature, device.public_key())
    assert not sp.verify_binding(binding, b"garbage", device.public_key())
    assert not sp.verify_binding("nope", signature, device.public_key())


def test_check_binding_refuses_bad_shapes():
    binding = sp.binding_dict(make_payload(), "a" * 64, 5, "camera")
    sp.check_binding(binding)
    for change in (
        {"v": 3},
        {"v": 1},  # a version-1 binding has no src
        {"op": "x"},
        {"d": "A" * 64},
        {"t": "5"},
        {"s": ""},
        {"t": True},
        {"src": "phone"},
        {"src": None},
    ):
        with pytest.raises(ValueError):
            sp.check_binding({**binding, **change})
    without_src = {k: v for k, v in binding.items() if k != "src"}
    with pytest.raises(ValueError):
        sp.check_binding(without_src)  # version 2 needs src
    with pytest.raises(ValueError, match="src"):
        sp.binding_dict(make_payload(), "a" * 64, 5)  # version 2 without a source


def test_version_1_codes_are_still_read_and_bound_as_version_1():
    """A version-1 platform's code (no requester in its data, no src in the binding) is read
    and answered exactly as before (docs/scan-protocol.md §8)."""
    text = sp.encode_payload(make_payload(version=1), PLATFORM_KEY)
    payload, _signed, _sig = sp.parse(text)
    assert payload.version == 1
    binding = sp.binding_dict(payload, "b" * 64, 5, "screen")
    assert set(binding) == {"v", "op", "p", "o", "s", "n", "d", "t"} and binding["v"] == 1
    assert sp.check_binding(binding) is binding
    with pytest.raises(ValueError):
        sp.check_binding({**binding, "src": "screen"})


def test_data_digest_and_key_aad():
    assert sp.data_digest(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert sp.key_aad("AAECAwQFBgcICQoLDA0ODw") == b"MCA1-KEY\nAAECAwQFBgcICQoLDA0ODw"


def test_sealed_key_round_trip_to_k():
    payload, _, _ = sp.parse(VALID_DECRYPT)
    content_key = bytes(range(32))
    box = ecies.encrypt_to(payload.ephemeral_public_key(), content_key, sp.key_aad(payload.nonce))
    wire = json.loads(json.dumps(sp.box_to_json(box)))
    back = sp.box_from_json(wire)
    assert ecies.open_box(EPHEMERAL, back, sp.key_aad(payload.nonce)) == content_key
    with pytest.raises(ecies.DecryptError):
        ecies.open_box(EPHEMERAL, back, sp.key_aad("another-nonce"))
    with pytest.raises(ValueError):
        sp.box_from_json({**wire, "nonce": "***"})


def test_compressed_points():
    key = EPHEMERAL.public_key()
    point = sp.compress_point(key)
    assert len(point) == 33 and point[0] in (2, 3)
    assert sp.compress_point(sp.decompress_point(point)) == point
    for bad in (b"", point[:-1], b"\x04" + point[1:], b"\x02" + b"\xff" * 32):
        with pytest.raises(ValueError):
            sp.decompress_point(bad)


def test_wrapped_content_key_json():
    wrapped = sp.WrappedContentKey(b"\x30\x00", 0xABC, sp.RSA_ENCRYPTION_OID, b"k" * 256)
    assert sp.WrappedContentKey.from_json_dict(wrapped.to_json_dict()) == wrapped
    bad = wrapped.to_json_dict()
    for change in ({"serial": "XYZ"}, {"algorithm": "rsa"}, {"issuer": 5}, {"more": "x"}):
        with pytest.raises(ValueError):
            sp.WrappedContentKey.from_json_dict({**bad, **change})


def test_origins():
    assert sp.url_origin("HTTPS://Example.COM:443/a?b") == "https://example.com"
    assert sp.url_origin("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080"
    assert sp.url_origin("http://[::1]:81/") == "http://[::1]:81"
    assert sp.same_origin("http://127.0.0.1:8801/cb", ORIGIN)
    assert not sp.same_origin("http://127.0.0.1:8802/cb", ORIGIN)
    assert not sp.same_origin("https://127.0.0.1:8801/cb", ORIGIN)
    assert not sp.same_origin("http://localhost:8801/cb", ORIGIN)
    assert not sp.same_origin("http://127.0.0.1:8801@evil.example/cb", ORIGIN)
    assert not sp.same_origin("garbage", ORIGIN)
    assert sp.check_origin("http://localhost:1") == "http://localhost:1"
    assert sp.check_origin("http://[::1]:8080") == "http://[::1]:8080"
    with pytest.raises(ValueError):
        sp.check_origin("http://10.0.0.1")


def test_platform_eku_matches_the_engine():
    from mobileca_desktop.ca import pki

    assert sp.PLATFORM_SIGNING_EKU_OID == pki.PLATFORM_SIGNING_EKU_OID


def test_payload_standard_base64_is_refused():
    body = base64.b64encode(json.dumps(GOOD).encode()).decode()
    if "+" in body or "/" in body or body.endswith("="):
        with pytest.raises(ScanPayloadInvalid):
            sp.parse(f"MCA1.{body}.")
