"""The JSON codec shared by the server and the remote services (domain/wire.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mobileca_desktop.domain.models import (
    ActivationResult,
    CertificateDetail,
    CertKind,
    CertStatus,
    DeviceCertInfo,
    SealImage,
    SealImageKind,
    SignatureCheck,
    SignatureVerdict,
    WrappedKey,
)
from mobileca_desktop.domain.wire import WireError, from_wire, to_wire

NOW = dt.datetime(2026, 11, 24, 15, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_round_trip_keeps_bytes_datetimes_enums_and_tuples():
    detail = CertificateDetail(
        certificate_id=7,
        status=CertStatus.NORMAL,
        kind=CertKind.UNIT,
        institution_name="北京数字认证股份有限公司",
        subject_name="山西示例建设工程有限公司",
        serial_hex="0abc",
        serial_is_device=True,
        applied_at=NOW,
        not_before=NOW,
        not_after=NOW + dt.timedelta(days=365),
        seals=(SealImage(SealImageKind.OFFICIAL, b"\x89PNG\x00\xff"),),
        encryption_cert_pem="-----BEGIN CERTIFICATE-----",
        device_certs=(DeviceCertInfo("0abc", "pc", "王建国", False, NOW),),
    )
    data = json.loads(json.dumps(to_wire(detail)))
    assert data["seals"][0]["png"] == "iVBORwD/" and data["kind"] == "unit"
    back = from_wire(CertificateDetail, data)
    assert back == detail and back.not_after.utcoffset() == dt.timedelta(hours=8)
    result = ActivationResult(
        1, "pem", "0a", "chain", (WrappedKey("p", "0b", 1, b"e", b"n", b"c"),)
    )
    assert from_wire(ActivationResult, json.loads(json.dumps(to_wire(result)))) == result


@pytest.mark.parametrize(
    "patch,where",
    [
        ({"certificate_id": "7"}, "certificate_id"),
        ({"status": "gone"}, "status"),
        ({"applied_at": "2026-11-24T15:59:59"}, "applied_at"),  # no offset
        ({"seals": [{"kind": "official", "png": "not base64!"}]}, "seals[0].png"),
        ({"serial_is_device": 1}, "serial_is_device"),
        ({"device_certs": None}, "device_certs"),
    ],
)
def test_wrong_shapes_are_refused_with_their_path(patch, where):
    good = to_wire(
        CertificateDetail(
            1, CertStatus.NORMAL, CertKind.UNIT, "i", "s", "0a", False, NOW, NOW, NOW, (), "p"
        )
    )
    with pytest.raises(WireError) as exc:
        from_wire(CertificateDetail, {**good, **patch})
    assert exc.value.path == where


def test_missing_required_fields_fail_and_unknown_fields_are_ignored():
    data = to_wire(DeviceCertInfo("0a", "pc", "x", False, NOW))
    assert from_wire(DeviceCertInfo, {**data, "added_by_a_newer_server": 1}).serial_hex == "0a"
    del data["holder"]
    with pytest.raises(WireError, match="holder"):
        from_wire(DeviceCertInfo, data)
    with pytest.raises(WireError):
        to_wire(dt.datetime(2026, 1, 1))  # naive datetimes are never sent


def test_a_signature_check_carries_its_verdict():
    check = SignatureCheck.of(SignatureVerdict.TAMPERED, "tampered: …", "王建国", NOW)
    data = json.loads(json.dumps(to_wire(check)))
    assert data["verdict"] == "tampered" and data["signed"] and not data["valid"]
    assert from_wire(SignatureCheck, data) == check
    with pytest.raises(WireError, match="verdict"):
        from_wire(SignatureCheck, {**data, "verdict": "looks fine"})
