"""The trading-platform simulator (``mobileca-platform``, 交易系统): pages that show signed QR
codes for scan-to-login, seal, encrypt and decrypt, and verify what comes back.

Outside the client's layers; it reaches the CA over HTTP for trust roots and revocation, as a
real relying party would. May import ``crypto``, ``domain`` and ``config``; never ``views``,
``services`` or ``keystore``, and never PySide6 (the Qt ban is checked by import-linter).
"""
