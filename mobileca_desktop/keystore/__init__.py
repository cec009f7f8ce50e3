"""Device keystores: private keys encrypted at rest, the wrapping secret in the OS keyring.

One keystore per device profile (``Settings.device_dir``); nothing private is ever written
in clear, logged or sent. May import ``crypto`` and ``domain``; never ``ca``, ``services``,
``views`` or PySide6 (checked by import-linter, see ``.importlinter``).

- ``store``: ``Keystore`` (key files, pending activations, the retry counter, 修改证书密码)
- ``folder``: ``KeystoreFolder``, its base (layout, lock, keyring entry, retry counters,
  verified reads); ``records``: the values it returns; ``delivery``: checks of what the CA
  delivers at activation; ``currentfile``: which key file the keyring entry names as the
  current one (an older copy put back is refused)
- ``keys``: ``UnlockedKeys``, the short-lived key object that signs and decrypts
- ``secretstore``: the OS keyring behind ``SecretStore``; the INSECURE file store on request
- ``kdf``: scrypt profiles and their calibration; ``fileformat``: bytes on disk, atomic writes
- ``password``: the certificate password's minimum strength; ``envelope``: CMS recipients

The on-disk format is specified in ``docs/keystore-format.md``.
"""
