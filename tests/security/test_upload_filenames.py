"""Attack: file names chosen to mislead or to escape: Windows and POSIX paths, ``..``,
control characters and CR/LF (log and header injection), bidi overrides that make
``exe`` read as ``pdf``, Windows device names. The CA cleans an uploaded file's name before
it is stored, shown in an error or served back (``domain/filenames.clean_filename``)."""

from __future__ import annotations

import base64
import unicodedata

import httpx
import pytest
from conftest import jpeg_bytes, pdf_bytes
from helpers_keystore import approved_certificate
from helpers_platform import activated_device, encrypt_qr, login_with, seal_qr, start
from sqlalchemy import update

from mobileca_desktop.ca.db import DocumentRow
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.filenames import MAX_LENGTH, clean_filename
from mobileca_desktop.domain.models import CertKind, DocKind, Handler, Method
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.run import ThreadedServer

HOSTILE = {
    "..\\..\\Windows\\System32\\evil.jpg": "evil.jpg",
    "C:\\Users\\me\\身份证 正面.jpg": "身份证 正面.jpg",
    "../../etc/passwd": "passwd",
    "..": None,
    ".": None,
    "a\r\nSet-Cookie: x=1.jpg": "aSet-Cookie_ x=1.jpg",
    "invoice\u202egpj.exe": "invoicegpj.exe",
    "zero\u200bwidth\u2066.jpg": "zerowidth.jpg",
    "tab\there\x00\x1b[31m.jpg": "tabhere[31m.jpg",
    "CON.jpg": None,
    "lpt1": None,
    "  ...hidden.jpg. . ": "hidden.jpg",
    'a<b>c:d"e|f?g*.jpg': "a_b_c_d_e_f_g_.jpg",
    "x" * 500 + ".jpeg": "x" * (MAX_LENGTH - 5) + ".jpeg",
}


def _is_clean(name: str) -> bool:
    return (
        name not in ("", ".", "..")
        and not any(c in name for c in '/\\<>:"|?*')
        and not any(unicodedata.category(c)[0] == "C" for c in name)
        and name == name.strip(" .")
        and len(name) <= MAX_LENGTH
    )


@pytest.mark.parametrize("hostile", sorted(HOSTILE))
def test_clean_filename(hostile):
    expected = HOSTILE[hostile] or "fallback.jpg"
    cleaned = clean_filename(hostile, "fallback.jpg")
    assert cleaned == expected
    assert _is_clean(cleaned)


@pytest.fixture
def draft(services, company):
    _reg, s = company
    app = services.ca.create_application(s, CertKind.UNIT, "bjca")
    services.ca.set_method(s, app.id, Method.FACE)
    services.ca.set_handler(s, app.id, Handler.LEGAL_PERSON)
    return s, app.id


def test_uploaded_names_are_stored_and_shown_clean(services, draft):
    s, app_id = draft
    for hostile, expected in HOSTILE.items():
        doc = services.ca.upload_document(s, app_id, DocKind.ID_FRONT, jpeg_bytes(), hostile)
        assert doc.filename == (expected or "id_front"), hostile
        stored, _data = services.ca.get_document(s, doc.id)
        assert stored.filename == doc.filename
    # A refused file's name in the error message is the cleaned one too.
    with pytest.raises(E.DocumentUnsupported) as info:
        services.ca.upload_document(s, app_id, DocKind.ID_BACK, b"MZ\x90\x00", "x\u202egpj.exe")
    assert info.value.params["filename"] == "xgpj.exe"
    assert "\u202e" not in str(info.value)


def test_names_over_http_and_in_the_application_are_clean(services, draft):
    s, app_id = draft
    with ThreadedServer(create_app(services.engine, ServerConfig())) as server:
        headers = {"Authorization": f"Bearer {s.token}"}
        body = {
            "kind": "licence",
            "data": base64.b64encode(pdf_bytes("营业执照")).decode(),
            "filename": "..\\..\\营业执照\r\n\u202efdp.exe",
        }
        r = httpx.post(
            f"{server.url}/api/v1/applications/{app_id}/documents", json=body, headers=headers
        )
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == "营业执照fdp.exe"
        got = httpx.get(f"{server.url}/api/v1/documents/{r.json()['id']}", headers=headers)
        assert got.json()["document"]["filename"] == "营业执照fdp.exe"
    names = [d.filename for d in services.ca.get_application(s, app_id).documents]
    assert names and all(_is_clean(n) for n in names)


def test_the_platform_cleans_the_names_of_documents_and_bids(services, company, tmp_path):
    """The platform's pages take a PDF to seal and a bid to encrypt with the browser's file
    name; the signer's client shows that name on its confirm page."""
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = activated_device(services, s, cid, reg.legal_person_phone)
    platform = start(services, tmp_path)
    try:
        web = login_with(platform, services, device)
        seal = seal_qr(platform, web, name="..\\..\\投标函\r\n\u202efdp.exe")
        bid = encrypt_qr(platform, web, b"bid", name="C:\\x\\CON")
        seal_data = httpx.get(f"{platform.url}/scan/{seal.session_id}/data").json()
        bid_data = httpx.get(f"{platform.url}/scan/{bid.session_id}/data").json()
        assert seal_data["document_name"] == "投标函fdp.exe"
        assert "投标函fdp.exe" in seal_data["summary"]
        assert bid_data["bid_name"] == "投标文件"  # a Windows device name: the default
    finally:
        platform.stop()


def test_a_name_stored_before_cleaning_is_shown_clean(services, draft):
    """Rows written before names were cleaned on upload are cleaned when read."""
    s, app_id = draft
    doc = services.ca.upload_document(s, app_id, DocKind.ID_FRONT, jpeg_bytes(), "front.jpg")
    with services.engine.store.tx() as db:
        db.execute(
            update(DocumentRow)
            .where(DocumentRow.id == doc.id)
            .values(filename="..\\old\r\n\u202egpj.exe")
        )
    shown, _data = services.ca.get_document(s, doc.id)
    assert shown.filename == "oldgpj.exe"
    assert [d.filename for d in services.ca.get_application(s, app_id).documents] == ["oldgpj.exe"]
