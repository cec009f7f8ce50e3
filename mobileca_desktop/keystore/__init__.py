"""Device keystores: private keys encrypted at rest, the wrapping secret in the OS keyring.

One keystore per device profile (``Settings.device_dir``); nothing private is ever written
in clear, logged or sent. May import ``crypto`` and ``domain``; never ``ca``, ``services``,
``views`` or PySide6 (checked by import-linter, see ``.importlinter``).
"""
