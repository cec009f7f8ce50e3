"""The keystore against a real Secret Service: gnome-keyring in a private D-Bus session.

Everything runs in a subprocess under ``dbus-run-session`` with HOME and the XDG folders in
a temporary folder, so the developer's own keyring is never touched. The keyring is created
and unlocked with ``gnome-keyring-daemon --unlock --components=secrets``. Skipped when
gnome-keyring or dbus-run-session is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

pytestmark = pytest.mark.skipif(
    shutil.which("gnome-keyring-daemon") is None or shutil.which("dbus-run-session") is None,
    reason="needs gnome-keyring-daemon and dbus-run-session",
)

STORE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import keyring
    from helpers_keystore import MiniCA, store_certificate
    from mobileca_desktop.keystore.kdf import CHEAP
    from mobileca_desktop.keystore.secretstore import OSKeyring
    from mobileca_desktop.keystore.store import Keystore

    folder = Path(sys.argv[1])
    store = OSKeyring()
    backend = keyring.get_keyring()
    print("backends", [type(b).__module__ for b in getattr(backend, "backends", [backend])])
    assert store.backend_name() == "Secret Service", backend
    print(store.describe())
    mini = MiniCA(1)
    store_certificate(Keystore(folder, "ci-device", store, CHEAP), mini, 1)
    store_certificate(Keystore(folder, "ci-device", store, CHEAP), mini, 2)
    """
)

# One of several processes guessing certificate 2's password at once; prints how many
# passwords it ran the KDF on (counted before each run).
GUESS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mobileca_desktop.domain import errors as E
    from mobileca_desktop.keystore import store as store_module
    from mobileca_desktop.keystore.kdf import CHEAP
    from mobileca_desktop.keystore.secretstore import OSKeyring
    from mobileca_desktop.keystore.store import Keystore

    evaluated = []
    derive = store_module.derive_kek

    def counted(password, *args):
        evaluated.append(password)
        return derive(password, *args)

    store_module.derive_kek = counted
    ks = Keystore(Path(sys.argv[1]), "ci-device", OSKeyring(), CHEAP)
    for i in range(20):
        try:
            ks.unlock(2, f"wrong-{sys.argv[2]}-{i}")
        except E.WrongPassword:
            continue
        except E.CertificateLocked:
            break
    print("evaluated", len(evaluated), flush=True)
    """
)

OPEN = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from helpers_keystore import CERT_PASSWORD
    from mobileca_desktop.domain import errors as E
    from mobileca_desktop.keystore.kdf import CHEAP
    from mobileca_desktop.keystore.secretstore import OSKeyring
    from mobileca_desktop.keystore.store import Keystore

    ks = Keystore(Path(sys.argv[1]), "ci-device", OSKeyring(), CHEAP)
    with ks.unlock(1, CERT_PASSWORD) as keys:
        keys.sign(b"opened in another process")
    try:
        ks.unlock(1, "wrong-Password-1")
    except E.WrongPassword as exc:
        print("tries left", exc.params["tries_left"])
    # The counter lives in the Secret Service entry, next to the device secret.
    print("state", ks.state(1).value, ks.tries_left(1))
    store = OSKeyring()
    kid = ks._read_header()["keystore_id"]
    store.delete(f"ci-device/{kid}")
    try:
        ks.unlock(1, CERT_PASSWORD)
    except E.NotThisDevice:
        print("not this device")
    """
)


def test_keystore_on_gnome_keyring(tmp_path):
    home = tmp_path / "home"
    for sub in ("data", "config", "cache", "run"):
        (home / sub).mkdir(parents=True)
    (home / "run").chmod(0o700)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)]),
        "LANG": "C.UTF-8",
    }
    (tmp_path / "store.py").write_text(STORE)
    (tmp_path / "open.py").write_text(OPEN)
    (tmp_path / "guess.py").write_text(GUESS)
    folder = tmp_path / "device"
    script = (
        "printf 'ci-keyring-password' | gnome-keyring-daemon --unlock --components=secrets"
        " >/dev/null && "
        f'"{sys.executable}" store.py "{folder}" && '
        # Four processes guess at once against the Secret Service entry's counter.
        f'{{ for i in 1 2 3 4; do "{sys.executable}" guess.py "{folder}" $i & done; wait; }} && '
        f'"{sys.executable}" open.py "{folder}"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "system keyring: Secret Service" in out, out
    assert "tries left 5" in out and "state ready 5" in out
    assert "not this device" in out
    assert "keyring.backends.SecretService" in out
    assert (home / "data" / "keyrings").is_dir()  # the entry went to gnome-keyring's store
    counts = [int(line.split()[1]) for line in out.splitlines() if line.startswith("evaluated")]
    assert len(counts) == 4 and sum(counts) == 6, out  # the limit, across processes
