"""Where the CA's wrapping secret comes from, and what happens when it is missing or wrong."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.ca.secrets import KeyringSecret, PassphraseFileSecret
from mobileca_desktop.domain.errors import SecretUnavailable


def test_passphrase_file_secret(tmp_path, engine_config):
    pf = tmp_path / "pass"
    pf.write_text("correct horse battery staple 2026")
    eng = CAEngine.open(tmp_path / "ca", PassphraseFileSecret(pf), engine_config)
    fp = eng.institutions()[0].root_fingerprint_sha256
    eng.close()
    again = CAEngine.open(tmp_path / "ca", PassphraseFileSecret(pf), engine_config)
    assert again.institutions()[0].root_fingerprint_sha256 == fp
    again.close()
    pf.write_text("another passphrase of enough length")
    with pytest.raises(SecretUnavailable, match="does not belong"):
        CAEngine.open(tmp_path / "ca", PassphraseFileSecret(pf), engine_config)
    pf.write_text("short")
    with pytest.raises(SecretUnavailable):
        CAEngine.open(tmp_path / "ca2", PassphraseFileSecret(pf), engine_config)


def test_keyring_secret_missing_entry_and_no_keyring(tmp_path, memory_keyring, engine_config):
    eng = CAEngine.open(tmp_path / "ca", config=engine_config)
    eng.close()
    assert memory_keyring.entries  # the secret went to the keyring, not to a file
    db = (tmp_path / "ca" / "ca.sqlite3").read_bytes()
    for secret in memory_keyring.entries.values():
        assert secret.encode() not in db
    memory_keyring.entries.clear()  # the data folder copied to a machine without the entry
    with pytest.raises(SecretUnavailable, match="no entry"):
        CAEngine.open(tmp_path / "ca", config=engine_config)
    keyring.set_keyring(FailKeyring())
    with pytest.raises(SecretUnavailable, match="no OS keyring"):
        KeyringSecret(tmp_path / "x").master_secret(b"salt", create=True)
