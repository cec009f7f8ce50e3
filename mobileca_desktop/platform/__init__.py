"""The trading-platform simulator (``mobileca-platform``, 交易系统): pages that show signed QR
codes for scan-to-login, seal, encrypt and decrypt, and verify what comes back.

Outside the client's layers, like ``server``. It is a relying party of the CA: trust roots,
OCSP and the demo clock come from an open ``CAEngine`` in this process or over HTTP from
``mobileca-ca serve`` (``trust.py``), and its own signing certificate from the engine's
platform profile (``run.py``). It imports ``crypto`` and ``domain`` (and ``ca`` only to open
a local CA folder in ``cli.py``); never ``views``, ``services`` or ``keystore``, and never
PySide6 (the Qt ban is checked by import-linter).

| module | what |
| --- | --- |
| ``run.py`` | ``PlatformConfig``, ``start_platform`` → ``RunningPlatform``, ``certify`` |
| ``app.py`` | the FastAPI app: pages, the pages' JSON, the scan protocol's endpoints |
| ``core.py`` | scan sessions, their states, and the four operations' checks |
| ``trust.py`` | pinned CAs, certificate checks (chain, validity, usage, OCSP), subjects |
| ``pdfcheck.py`` | 扫码签章's acceptance check (incremental, position, pyHanko) |
| ``bids.py`` | the signed bid record, its envelope's parts, opening with a content key |
| ``pages.py`` | the Chinese pages and their polling script |
| ``cli.py`` | ``mobileca-platform serve`` / ``certify`` |
"""
