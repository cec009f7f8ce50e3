"""Registration and approval agree on which names are valid: every name registration
accepts (1 to 100 characters for a company, 1 to 64 for a person) is issued, with a subject
within RFC 5280's bounds, its full name in the extension and a seal drawn; every other name
is refused at registration with a typed error. Nothing reaches a state it cannot leave."""

from __future__ import annotations

import io
import itertools
import unicodedata

import pytest
from conftest import PASSWORD, People, jpeg_bytes, pdf_bytes
from cryptography import x509
from cryptography.x509.oid import NameOID
from helpers_flow import apply, sign_and_submit, verify
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image

from mobileca_desktop.ca import subject
from mobileca_desktop.ca.identity import COMPANY_NAME_MAX, PERSON_NAME_MAX
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    AppState,
    CertKind,
    DocKind,
    Handler,
    LegalEntityRegistration,
    Method,
    PersonalRegistration,
)
from mobileca_desktop.platform import trust

_ACCOUNTS = itertools.count(1000)
_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn"}

# Common Chinese characters with the punctuation real names carry and some Latin; and,
# spliced in now and then, characters a name must not have (controls, bidi overrides,
# zero-width spaces, private use).
_CHARS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.sampled_from(list("（）()·-&. ABCabc0123")),
)
_BAD = st.sampled_from(["\u200b", "\u202e", "\x00", "\x07", "\ufeff", "\ue000"])


def _text_of_length(longest: int):
    # Lengths drawn evenly first: plain st.text() mostly makes short strings.
    good = st.integers(0, longest).flatmap(lambda n: st.text(_CHARS, min_size=n, max_size=n))
    spliced = st.tuples(good, _BAD, st.integers(0, longest)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
    )
    return st.one_of(good, good, good, spliced)


_NAMES = st.one_of(
    _text_of_length(COMPANY_NAME_MAX + 8),
    st.integers(1, COMPANY_NAME_MAX + 3).map(lambda n: "晋" * n),  # the bounds, exactly
)


def _acceptable(name: str, limit: int) -> bool:
    text = name.strip()
    return 1 <= len(text) <= limit and not any(unicodedata.category(c) in _REFUSED for c in text)


def _png_ok(png: bytes) -> None:
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.mode == "RGBA" and image.getchannel("A").getbbox() is not None


def _check_issued(services, session, app_id: int, full: dict, shown: str, platform: str) -> None:
    """Issued, seals drawn, subject within bounds, every full name in the extension; the
    client shows ``shown`` and the platform reads ``platform`` from the certificate."""
    info = services.ca.get_application(session, app_id)
    assert info.state is AppState.ISSUED
    detail = services.ca.certificate_detail(session, info.certificate_id)
    assert detail.subject_name == shown
    for seal in detail.seals:
        _png_ok(seal.png)
    cert = x509.load_pem_x509_certificate(detail.encryption_cert_pem.encode())
    for attr in cert.subject:
        if attr.oid == NameOID.COMMON_NAME:
            assert 1 <= len(attr.value.encode()) <= 64
        if attr.oid == NameOID.ORGANIZATION_NAME:
            assert 1 <= len(attr.value) <= 64
    names = subject.full_names(cert)
    for oid, value in full.items():
        assert names[oid] == value
    assert trust.subject_of(cert).name == platform


class _Flow:
    """The services and a portrait, without a repr that floods a failure report."""

    def __init__(self, services, portrait) -> None:
        self.services, self.portrait = services, portrait

    def __repr__(self) -> str:
        return "<flow>"


@pytest.fixture
def flow(services, portrait):
    return _Flow(services, portrait)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=_NAMES,
    person=st.one_of(
        _text_of_length(PERSON_NAME_MAX + 4),
        st.sampled_from(["王建国", "名" * PERSON_NAME_MAX]),
    ),
    kind=st.sampled_from([CertKind.UNIT, CertKind.LEGAL_REP, CertKind.PERSONAL]),
)
def test_every_registrable_name_is_issued_and_every_other_refused(flow, name, person, kind):
    services, portrait = flow.services, flow.portrait
    people = People(next(_ACCOUNTS))  # examples share one CA: identities never repeat
    op = services.review.operator_session()
    if kind is CertKind.PERSONAL:
        reg = PersonalRegistration(person, people.id_number(1990), people.phone(), PASSWORD)
        if not _acceptable(person, PERSON_NAME_MAX):
            event("refused")
            with pytest.raises(E.InvalidInput):
                services.ca.register_personal(reg)
            return
        services.ca.register_personal(reg)
        s = services.ca.login(AccountKind.PERSONAL, reg.phone, PASSWORD)
        app_id = apply(
            services,
            s,
            kind=kind,
            method=Method.FACE,
            handler=None,
            legal_phone=reg.phone,
            portrait=portrait,
        )
        services.review.approve(op, app_id)
        person = person.strip()
        event(f"issued, name of {len(person) // 20 * 20}+ characters")
        _check_issued(services, s, app_id, {NameOID.COMMON_NAME: person}, person, person)
        return

    reg = LegalEntityRegistration(
        company_name=name,
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国工商银行太原分行",
        bank_account="0502 1234 5678 9012 345",
        legal_person_name=person,
        legal_person_id_number=people.id_number(1975),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    if not (_acceptable(name, COMPANY_NAME_MAX) and _acceptable(person, PERSON_NAME_MAX)):
        event("refused")
        with pytest.raises(E.InvalidInput) as refused:
            services.ca.register_legal(reg)
        assert refused.value.params["field"] in {"company_name", "legal_person_name"}
        return
    services.ca.register_legal(reg)
    s = services.ca.login(AccountKind.LEGAL, reg.uscc, PASSWORD)
    app_id = apply(
        services,
        s,
        kind=kind,
        method=Method.ELICENCE,  # the 电子营业执照 carries both names: it must hold them
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    services.review.approve(op, app_id)
    company, person = name.strip(), person.strip()
    event(f"issued, name of {len(company) // 20 * 20}+ characters")
    if kind is CertKind.UNIT:
        _check_issued(services, s, app_id, {NameOID.ORGANIZATION_NAME: company}, company, company)
    else:
        full = {NameOID.COMMON_NAME: person, NameOID.ORGANIZATION_NAME: company}
        _check_issued(services, s, app_id, full, person, company)


def test_a_long_name_survives_change_and_renewal(services, company, portrait):
    """证书变更 to a 100-character name is reviewed and issued like any other."""
    reg, s = company
    op = services.review.operator_session()
    app_id = apply(
        services,
        s,
        kind=CertKind.UNIT,
        method=Method.ELICENCE,
        handler=Handler.LEGAL_PERSON,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
    )
    cid = services.review.approve(op, app_id).certificate_id
    long_name = ("山西省太原市示例建设工程集团股份有限公司" * 5)[:COMPANY_NAME_MAX]
    change = services.ca.request_change(s, cid, {"company_name": long_name})
    with pytest.raises(E.InvalidInput):
        services.ca.request_change(s, cid, {"company_name": long_name + "司"})
    verify(
        services,
        s,
        change.id,
        Method.ELICENCE,
        legal_phone=reg.legal_person_phone,
        portrait=portrait,
        handler=Handler.LEGAL_PERSON,
    )
    ca = services.ca
    ca.upload_document(s, change.id, DocKind.LICENCE, pdf_bytes("营业执照"), "licence.pdf")
    ca.upload_document(s, change.id, DocKind.ID_FRONT, jpeg_bytes("front"), "front.jpg")
    ca.upload_document(s, change.id, DocKind.ID_BACK, jpeg_bytes("back"), "back.jpg")
    sign_and_submit(services, s, change.id, reg.legal_person_phone)
    issued = services.review.approve(op, change.id)
    assert issued.state is AppState.ISSUED
    full = {NameOID.ORGANIZATION_NAME: long_name}
    _check_issued(services, s, change.id, full, long_name, long_name)
    assert services.ca.me(s).company_name == long_name


def test_a_refused_character_is_named_in_the_supplier_s_words(services, people):
    reg = LegalEntityRegistration(
        company_name="山西示例\u202e建设工程有限公司",  # a right-to-left override hidden inside
        uscc=people.uscc(),
        province="山西省",
        city="太原市",
        bank_name="中国工商银行太原分行",
        bank_account="0502 1234 5678 9012 345",
        legal_person_name="王建国",
        legal_person_id_number=people.id_number(1975),
        legal_person_phone=people.phone(),
        password=PASSWORD,
    )
    with pytest.raises(E.InvalidInput) as refused:
        services.ca.register_legal(reg)
    from mobileca_desktop.views import messages

    assert messages.error_text(refused.value, "zh") == (
        "单位名称填写有误：含有不能显示或打印的字符（U+202E）"
    )
    assert "U+202E" in messages.error_text(refused.value, "en")
