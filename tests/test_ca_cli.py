"""``mobileca-ca``, the CA operator's command line, run in-process with a passphrase file."""

from __future__ import annotations

import importlib
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import jpeg_bytes, pdf_bytes
from cryptography import x509
from helpers_flow import apply

from mobileca_desktop.ca import idcheck, pki
from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import CHEAP_PASSWORDS
from mobileca_desktop.ca.secrets import PassphraseFileSecret
from mobileca_desktop.cacli.demo import parse_duration
from mobileca_desktop.cacli.main import main
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    DocKind,
    Handler,
    Method,
)
from mobileca_desktop.services.local import LocalServices

ROOT = Path(__file__).resolve().parent.parent


class CLI:
    """Runs ``main`` on one CA data folder and returns (exit code, stdout, stderr)."""

    def __init__(self, tmp_path: Path, capsys) -> None:
        self.data_dir = tmp_path / "ca"
        self.passphrase = tmp_path / "passphrase"
        self.passphrase.write_text("Kx7-demo-passphrase-for-tests-32")
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(
            [*args, "--data-dir", str(self.data_dir), "--passphrase-file", str(self.passphrase)]
        )
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    def json(self, *args: str):
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)

    def engine(self) -> CAEngine:
        return CAEngine.open(
            self.data_dir,
            PassphraseFileSecret(self.passphrase),
            EngineConfig(passwords=CHEAP_PASSWORDS, kmc_background=False),
        )


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch) -> CLI:
    monkeypatch.setenv("MOBILECA_TEST_CHEAP_PASSWORDS", "1")
    for var in ("MOBILECA_CA_DATA_DIR", "MOBILECA_DATA_DIR", "MOBILECA_PUBLIC_URL"):
        monkeypatch.delenv(var, raising=False)
    settings = tmp_path / "settings.toml"
    settings.write_text("")  # keep the user's own settings file out of the tests
    monkeypatch.setenv("MOBILECA_SETTINGS", str(settings))
    return CLI(tmp_path, capsys)


@pytest.fixture
def seeded(cli) -> dict:
    assert cli("init")[0] == 0
    return cli.json("demo-seed")


def test_init_and_institutions(cli):
    code, out, _ = cli("init")
    assert code == 0
    assert "CA created" in out and "passphrase file passphrase" in out
    assert len(re.findall(r"root: [0-9a-f]{64}\b", out)) == 4

    insts = cli.json("institutions")
    assert [i["id"] for i in insts] == ["bjca", "sxca", "cfca", "gdca"]
    assert insts[0]["name"] == "北京数字认证股份有限公司"
    assert all(
        i["contact_phone"] and re.fullmatch(r"[0-9a-f]{64}", i["root_fingerprint_sha256"])
        for i in insts
    )
    code, out, _ = cli("institutions")
    assert out.splitlines()[0].startswith("bjca  北京数字认证股份有限公司")
    assert insts[0]["root_fingerprint_sha256"] in out

    # A second init reports the CA that is there; options may also come first.
    code = main(
        [
            "--json",
            "--data-dir",
            str(cli.data_dir),
            "--passphrase-file",
            str(cli.passphrase),
            "init",
        ]
    )
    assert code == 0
    again = json.loads(cli.capsys.readouterr().out)
    assert again["created"] is False and again["institutions"] == insts


def test_commands_need_an_initialised_ca(cli):
    code, _, err = cli("institutions")
    assert code == 2
    assert "错误 / error [configuration_error]" in err and "mobileca-ca init" in err
    assert not cli.data_dir.exists()


def test_wrong_passphrase_is_a_typed_error(cli):
    cli("init")
    cli.passphrase.write_text("another-passphrase-of-32-chars!!")
    code, _, err = cli("institutions")
    assert code == 2 and "[secret_unavailable]" in err


def test_export_chain(cli, tmp_path):
    cli("init")
    target = tmp_path / "bjca-chain.pem"
    code, out, _ = cli("export-chain", "bjca", "-o", str(target))
    assert code == 0 and str(target) in out
    issuing, root = x509.load_pem_x509_certificates(target.read_bytes())
    issuing.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    bjca = cli.json("institutions")[0]
    assert pki.fingerprint_sha256(root) == bjca["root_fingerprint_sha256"]
    code, _, err = cli("export-chain", "nosuchca")
    assert code == 2 and "[not_found]" in err


def _decode_terminal_qr(text: str) -> list[str]:
    """Paints segno's compact terminal output as a terminal would (cells twice as tall as
    wide, light text on a dark background) and decodes it."""
    import zxingcpp
    from PIL import Image, ImageDraw

    rows = [line for line in text.splitlines() if line and set(line) <= set("█▀▄ ")]
    w, h = 6, 12
    img = Image.new("L", (len(rows[0]) * w, len(rows) * h), 0)
    draw = ImageDraw.Draw(img)
    for y, line in enumerate(rows):
        for x, ch in enumerate(line):
            if ch in "█▀":
                draw.rectangle([x * w, y * h, x * w + w - 1, y * h + h // 2 - 1], fill=240)
            if ch in "█▄":
                draw.rectangle([x * w, y * h + h // 2, x * w + w - 1, y * h + h - 1], fill=240)
    # Square on screen: as many pixels across as down.
    assert abs(img.width - img.height) <= h
    return [r.text for r in zxingcpp.read_barcodes(img)]


def test_demo_seed_is_idempotent_and_prints_a_scannable_qr(cli):
    cli("init")
    code, out, _ = cli("demo-seed")
    assert code == 0
    assert "山西示例建设工程有限公司" in out and "Demo2026pass" in out
    assert "reviewer-bjca" in out and "reviewer-gdca" in out
    assert out.count("新建 created") == 6
    qr_text = next(line for line in out.splitlines() if line.startswith("SXEL1."))
    assert qr_text in _decode_terminal_qr(out)

    code, out, _ = cli("demo-seed")
    assert code == 0 and out.count("已存在 existing") == 6

    data = cli.json("demo-seed")
    company, agent = data["company"], data["agent"]
    assert company["status"] == agent["status"] == "existing"
    assert idcheck.validate_uscc(company["uscc"]) == company["uscc"]
    idcheck.validate_id_number(company["legal_person_id_number"])
    idcheck.validate_id_number(agent["id_number"])
    assert agent["name"] == "李经办" and agent["password"] == company["password"]
    assert [r["login"] for r in data["reviewers"]] == [
        "reviewer-bjca",
        "reviewer-sxca",
        "reviewer-cfca",
        "reviewer-gdca",
    ]
    assert data["elicence_qr_text"] == qr_text

    # The accounts work with the printed passwords.
    engine = cli.engine()
    try:
        engine.login(AccountKind.LEGAL, company["uscc"], company["password"])
        engine.login(AccountKind.PERSONAL, agent["phone"], agent["password"])
        engine.login(AccountKind.REVIEWER, "reviewer-sxca", data["reviewers"][1]["password"])
    finally:
        engine.close()

    code, out, _ = cli("inbox", company["legal_person_phone"])
    assert code == 0 and "电子营业执照" in out and qr_text in out
    messages = cli.json("inbox", company["legal_person_phone"])
    assert messages[0]["kind"] == "elicence" and messages[0]["attachment"] == qr_text


def _submit_applications(cli, seeded) -> dict[str, int]:
    """Through the engine: one unit application submitted for review, one legal-rep
    application submitted, and one letter-of-authorisation draft waiting for the letter."""
    company = seeded["company"]
    services = LocalServices.over(cli.engine())
    try:
        s = services.ca.login(AccountKind.LEGAL, company["uscc"], company["password"])
        phone = company["legal_person_phone"]
        flow = dict(method=Method.ELICENCE, handler=Handler.LEGAL_PERSON, portrait=b"")
        unit = apply(services, s, kind=CertKind.UNIT, legal_phone=phone, **flow)
        legal = apply(services, s, kind=CertKind.LEGAL_REP, legal_phone=phone, **flow)
        letter = services.ca.create_application(s, CertKind.UNIT, "sxca")
        services.ca.set_method(s, letter.id, Method.LETTER)
        services.ca.set_handler(s, letter.id, Handler.LEGAL_PERSON)
        services.ca.upload_document(s, letter.id, DocKind.LETTER, pdf_bytes("授权书"), "l.pdf")
        services.ca.upload_document(s, letter.id, DocKind.ID_FRONT, jpeg_bytes(), "front.jpg")
    finally:
        services.close()
    return {"unit": unit, "legal": legal, "letter": letter.id}


def test_review_through_the_cli(cli, seeded):
    apps = _submit_applications(cli, seeded)

    code, out, _ = cli("review", "list")
    assert code == 0
    assert f"#{apps['unit']}" in out and f"#{apps['letter']}" in out
    assert "授权书待审 letter pending" in out and "有效 valid" in out
    queue = cli.json("review", "list")
    assert {q["application"]["id"] for q in queue} == set(apps.values())

    code, out, _ = cli("review", "show", str(apps["unit"]))
    assert code == 0
    assert "山西示例建设工程有限公司" in out and "电子营业执照 elicence" in out
    assert "电子签名 signature: 有效 valid" in out
    assert "营业执照 business licence: licence.pdf" in out and out.count("sha256 ") == 3
    item = cli.json("review", "show", str(apps["unit"]))
    assert item["signature"]["valid"] is True and len(item["application"]["documents"]) == 3

    code, out, _ = cli("review", "approve", str(apps["unit"]))
    assert code == 0 and "已批准 / approved" in out
    serial = re.search(r"encryption serial ([0-9a-f]+)", out).group(1)
    code, _, err = cli("review", "approve", str(apps["unit"]))
    assert code == 2 and "[illegal_state]" in err

    code, out, _ = cli("review", "reject", str(apps["legal"]), "--reason", "营业执照不清晰")
    assert code == 0 and "营业执照不清晰" in out
    cancelled = cli.json("review", "cancel", str(apps["legal"]))
    assert cancelled["state"] == "cancelled" and cancelled["reject_reason"] == "被永久取消审核"

    code, out, _ = cli("review", "accept-letter", str(apps["letter"]))
    assert code == 0 and "已通过 passed" in out
    code, _, err = cli("review", "reject-letter", str(apps["letter"]), "--reason", "x")
    assert code == 2 and "[illegal_state]" in err

    assert cli.json("review", "list") == []
    code, _, err = cli("review", "show", "9999")
    assert code == 2 and "[not_found]" in err

    # The approval is in the audit log.
    tail = cli.json("audit", "tail", "-n", "50")
    assert any(
        a["action"] == "review.approve" and a["details"]["encryption_serial"] == serial
        for a in tail
    )


@pytest.mark.openssl
def test_revoke_then_the_crl_names_the_serial(cli, seeded, tmp_path):
    apps = _submit_applications(cli, seeded)
    approved = cli.json("review", "approve", str(apps["unit"]))
    serial = approved["encryption_serial"]

    code, out, _ = cli("revoke", serial.upper(), "--reason", "key_compromise")
    assert code == 0 and f"revoked {serial} (key_compromise)" in out
    code, _, err = cli("revoke", serial)
    assert code == 2 and "[certificate_unavailable]" in err

    crl_file = tmp_path / "bjca.crl.pem"
    code, out, _ = cli("crl", "bjca", "--pem", "-o", str(crl_file))
    assert code == 0 and "1 revoked" in out
    assert crl_file.read_text().startswith("-----BEGIN X509 CRL-----")
    info = cli.json("crl", "bjca")
    assert [r["serial"] for r in info["revoked"]] == [serial]

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command-line tool")
    text = subprocess.run(
        ["openssl", "crl", "-noout", "-text", "-in", str(crl_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    listed = [int(s, 16) for s in re.findall(r"Serial Number: ([0-9A-Fa-f]+)", text)]
    assert listed == [int(serial, 16)]
    assert "Key Compromise" in text


def test_bad_serials_are_typed_errors(cli):
    cli("init")
    code, _, err = cli("revoke", "not-a-serial")
    assert code == 2 and "错误 / error [invalid_input]" in err and "serial" in err
    code, _, err = cli("revoke", "DE:AD:BE:EF")
    assert code == 2 and "[not_found]" in err and "deadbeef" in err
    code, _, err = cli("revoke", "deadbeef", "--reason", "because")
    assert code == 2 and "invalid choice" in err  # argparse's own message, no traceback


def test_clock(cli):
    cli("init")
    code, out, _ = cli("clock", "advance", "400d")
    assert code == 0 and "+400d 00:00:00" in out
    code, out, _ = cli("clock", "show")
    assert code == 0 and "+400d 00:00:00 (34560000 s)" in out
    info = cli.json("clock", "show")
    assert info["offset_seconds"] == 400 * 86400
    assert cli.json("clock", "advance", "90")["offset_seconds"] == 400 * 86400 + 90
    code, _, err = cli("clock", "advance", "four years")
    assert code == 2 and "[invalid_input]" in err
    code, out, _ = cli("clock", "reset")
    assert code == 0 and "真实时间 real time" in out
    assert cli.json("clock", "show")["offset_seconds"] == 0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("400d", 400 * 86400),
        ("2h", 7200),
        ("90m", 5400),
        ("30s", 30),
        ("45", 45),
        ("1d12h", 129600),
        (" 3D ", 3 * 86400),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "-5", "1.5h", "2x", "1d junk", "99999999d"])
def test_parse_duration_rejects(text):
    with pytest.raises(E.InvalidInput):
        parse_duration(text)


def test_audit_verify_detects_an_edited_row(cli, seeded):
    code, out, _ = cli("audit", "verify")
    assert code == 0
    count = int(re.match(r"(\d+) entries, chain intact", out).group(1))
    assert count >= 7  # ca.init, two registrations, four reviewers
    code, out, _ = cli("audit", "tail", "-n", "3")
    assert code == 0 and len(out.splitlines()) == 3

    db = sqlite3.connect(cli.data_dir / "ca.sqlite3")
    with db:
        db.execute("UPDATE audit_log SET details = ? WHERE id = 3", ('{"kind": "forged"}',))
    db.close()

    code, out, _ = cli("audit", "verify")
    assert code == 1 and "broken at entry 3" in out
    code, out, _ = cli("audit", "verify", "--json")
    assert code == 1
    assert json.loads(out) == {"entries": 3, "intact": False, "first_bad_entry": 3}


def test_console_script_help():
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop.cacli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    for command in ("init", "institutions", "review", "revoke", "crl", "demo-seed", "clock"):
        assert command in out.stdout
    assert "--passphrase-file" in out.stdout


def test_the_installed_command_runs_this_main():
    """pyproject's ``mobileca-ca`` script names the ``main`` tested here: a path left stale by a
    move would install a command that cannot start."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, attr = pyproject["project"]["scripts"]["mobileca-ca"].partition(":")
    assert getattr(importlib.import_module(module), attr) is main


def test_keyring_is_the_default_secret_store(cli, memory_keyring, capsys):
    folder = str(cli.data_dir)
    assert main(["init", "--data-dir", folder]) == 0
    assert "secret store: OS keyring (conftest.MemoryKeyring)" in capsys.readouterr().out
    assert memory_keyring.entries  # the CA's secret went to the keyring
    assert main(["institutions", "--data-dir", folder]) == 0
    assert "北京数字认证股份有限公司" in capsys.readouterr().out


def test_a_failed_init_leaves_nothing_behind(cli, capsys):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        assert main(["init", "--data-dir", str(cli.data_dir)]) == 2
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert "[secret_unavailable]" in err and "--passphrase-file" in err
    assert not cli.data_dir.exists()
