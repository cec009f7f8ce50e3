"""The one "can this PDF be sealed" check (crypto/pdfcheck.py) and the seal path behind it:
a corpus of odd and malformed PDFs and a mutation test of PDF bytes. Every outcome is either
sealed-and-valid (pyHanko validates the new signature, the platform's structural check reads
it, the seal is drawn inside its page) or a typed refusal before anything is signed."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_corpus import CORPUS, SEALABLE
from PIL import Image
from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop.crypto import pdfcheck
from mobileca_desktop.domain.errors import MobileCAError
from mobileca_desktop.services import pdfseal
from mobileca_desktop.views import messages

SEAL_CASES = sorted(c for c, (_m, exp) in CORPUS.items() if exp == SEALABLE)
REFUSED_CASES = sorted(c for c, (_m, exp) in CORPUS.items() if exp != SEALABLE)


@pytest.fixture(scope="module")
def device():
    """An EC P-256 key with a self-signed certificate, standing in for the keystore's."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试单位")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


@pytest.fixture(scope="module")
def seal_image() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (220, 20, 20, 255)).save(out, "PNG")
    return out.getvalue()


def _signer(device) -> pdfseal.KeystoreSigner:
    key, cert = device
    return pdfseal.KeystoreSigner(lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())), cert)


def _assert_valid(original: bytes, sealed: bytes, device, page: int, box) -> None:
    view = pdfcheck.inspect_sealed(original, sealed)
    assert view.page is not None and view.page.number == page
    assert view.page.contains(view.rect) and view.has_appearance
    assert all(abs(a - b) <= 1.5 for a, b in zip(view.rect, box, strict=True))
    root = asn1_x509.Certificate.load(device[1].public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False)
    status = validate_pdf_signature(view.signature, vc)
    assert status.intact and status.valid and status.trusted, status.summary()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def _seal_path(pdf: bytes, device, png: bytes) -> str:
    """The whole path: the shared check (before any password), then the seal with the
    device's key, then the platform's reading of the result. Returns "sealed" or the typed
    error's code; anything else fails the test."""
    try:
        sealable = pdfcheck.check_sealable(pdf, "x.pdf")
    except MobileCAError as err:
        assert messages.error_text(err)  # a text the user can read, in their language
        return err.code
    area = sealable.page(1)
    box = area.default_box()
    assert area.contains(box)
    sealed = pdfseal.seal_pdf(pdf, _signer(device), pdfseal.SealPlacement(1, box), png)
    _assert_valid(pdf, sealed, device, 1, tuple(round(v) for v in box))
    return "sealed"


@pytest.mark.parametrize("case", SEAL_CASES)
def test_corpus_pdfs_that_can_be_sealed_are_sealed_valid_and_inside_the_page(
    case, device, seal_image
):
    make, _expected = CORPUS[case]
    pdf = make()
    sealable = pdfcheck.check_sealable(pdf, f"{case}.pdf")
    for area in sealable.pages:
        box = area.default_box()
        assert area.contains(box), (case, area, box)
        w, h = area.shown_size
        left, top, right, bottom = area.box_to_shown(box)
        # bottom-right of the page as the user sees it
        assert right > w / 2 and bottom > h / 2, (case, area, box)
    last = sealable.pages[-1]
    box = last.default_box()
    sealed = pdfseal.seal_pdf(
        pdf, _signer(device), pdfseal.SealPlacement(last.number, box), seal_image
    )
    _assert_valid(pdf, sealed, device, last.number, tuple(round(v) for v in box))


@pytest.mark.parametrize("case", REFUSED_CASES)
def test_corpus_pdfs_that_cannot_be_sealed_get_their_own_typed_error(case, device, seal_image):
    make, expected = CORPUS[case]
    pdf = make()
    with pytest.raises(MobileCAError) as caught:
        pdfcheck.check_sealable(pdf, f"{case}.pdf")
    assert caught.value.code == expected, caught.value.message
    # The seal itself refuses the same file with a typed error too (never an AttributeError).
    with pytest.raises(MobileCAError):
        pdfseal.seal_pdf(
            pdf, _signer(device), pdfseal.SealPlacement(1, (40, 40, 160, 160)), seal_image
        )
    zh = messages.error_text(caught.value, messages.ZH)
    en = messages.error_text(caught.value, messages.EN)
    assert f"{case}.pdf" in zh and f"{case}.pdf" in en
    words = {
        "pdf_encrypted": ("已加密", "encrypted"),
        "pdf_certified": ("认证", "certified"),
        "pdf_damaged": ("损坏", "damaged"),
        "pdf_unreadable": ("不是可读取的 PDF", "not a readable PDF"),
    }.get(expected)
    if words:
        assert words[0] in zh and words[1] in en


def test_a_seal_box_off_the_page_or_on_a_missing_page_is_refused(device, seal_image):
    pdf = CORPUS["cropbox_inside_mediabox"][0]()  # visible area 200..800 x 300..900
    sealable = pdfcheck.check_sealable(pdf)
    with pytest.raises(MobileCAError) as off:
        sealable.check_box(1, [100, 100, 220, 220])  # inside the MediaBox, outside the crop
    assert off.value.code == "seal_position_invalid"
    with pytest.raises(MobileCAError) as missing:
        sealable.check_box(2, [300, 400, 400, 500])
    assert missing.value.code == "seal_position_invalid"
    with pytest.raises(MobileCAError):
        pdfseal.seal_pdf(
            pdf, _signer(device), pdfseal.SealPlacement(1, (100, 100, 220, 220)), seal_image
        )
    assert "超出了页面范围" in messages.error_text(off.value, messages.ZH)


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_shown_coordinates_round_trip_for_every_rotation(rotate):
    area = pdfcheck.PageArea(1, (50.0, 60.0, 545.0, 782.0), rotate)
    for x, y in [(50, 60), (545, 782), (100, 700), (300.5, 61)]:
        u, v = area.to_shown(x, y)
        w, h = area.shown_size
        assert -1e-9 <= u <= w + 1e-9 and -1e-9 <= v <= h + 1e-9
        assert area.from_shown(u, v) == pytest.approx((x, y))
    # the visible page's top-left corner as the viewer shows it
    corner = {0: (50, 782), 90: (50, 60), 180: (545, 60), 270: (545, 782)}[rotate]
    assert area.to_shown(*corner) == pytest.approx((0, 0))


# --- mutations ----------------------------------------------------------------------------------

_BASES = {case: CORPUS[case][0]() for case in ("plain", "compacted_syntax", "incremental_update")}

# Most mutations keep the length (so the cross-reference offsets still point somewhere near
# their objects and the damage reaches the page tree, the objects and the seal itself).
_mutation = st.one_of(
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(
        st.just("overwrite"),
        st.floats(0, 1),
        st.sampled_from([b"R", b"0", b"-", b"/", b"[", b"]", b"<", b">", b"9", b"(", b" "]),
    ),
    st.tuples(st.just("cut"), st.floats(0, 1), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("truncate"), st.floats(0.05, 1), st.just(0)),
    st.tuples(
        st.just("token"),
        st.floats(0, 1),
        st.sampled_from([b"R", b"0", b"-1", b"/Pages", b"[", b"<<", b">>", b"99999999", b"("]),
    ),
)


def _mutate(pdf: bytes, ops) -> bytes:
    data = bytearray(pdf)
    for kind, where, arg in ops:
        i = min(int(where * len(data)), max(len(data) - 1, 0))
        if kind == "flip" and data:
            data[i] ^= arg
        elif kind == "overwrite":
            data[i : i + len(arg)] = arg
        elif kind == "cut":
            del data[i : i + arg]
        elif kind == "insert":
            data[i:i] = arg
        elif kind == "truncate":
            del data[max(8, int(where * len(data))) :]
        elif kind == "token":
            data[i:i] = b" " + arg + b" "
    return bytes(data)


@settings(
    max_examples=150,
    deadline=None,  # measured below per case instead (the first call warms pyHanko up)
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    base=st.sampled_from(sorted(_BASES)),
    ops=st.lists(_mutation, min_size=1, max_size=3),
)
def test_mutated_pdfs_are_sealed_valid_or_refused_with_a_typed_error(base, ops, device, seal_image):
    pdf = _mutate(_BASES[base], ops)
    start = time.monotonic()
    outcome = _seal_path(pdf, device, seal_image)
    assert outcome == "sealed" or outcome.startswith(("pdf_", "document_", "seal_"))
    assert time.monotonic() - start < 5.0


def test_a_file_without_exactly_one_new_signature_is_counted_not_worded():
    """The platform tells a wrong signature count from an unreadable file by the error's
    ``new_signatures`` parameter, not by the words of its reason."""
    from conftest import pdf_bytes

    from mobileca_desktop.platform import pdfcheck as platform_check
    from mobileca_desktop.platform.trust import Refusal

    pdf = pdf_bytes()
    unsigned_update = pdf + b"\n% an update that adds no signature\n"
    with pytest.raises(MobileCAError) as info:
        pdfcheck.inspect_sealed(pdf, unsigned_update)
    assert info.value.code == "pdf_not_sealable" and info.value.params["new_signatures"] == 0
    with pytest.raises(Refusal) as refused:
        platform_check.check_sealed(
            pdf, unsigned_update, None, subject_key="org:x", now=dt.datetime.now(dt.UTC)
        )
    assert refused.value.code == "pdf_signature_count"
