"""The remote CA server (``mobileca-ca``): HTTP API, OCSP, CRL and reviewer pages over the
``ca`` engine, and its admin command line.

Outside the client's layers: may import ``ca``, ``crypto``, ``domain`` and ``config``; never
``views``, ``services``, ``keystore`` or PySide6 (the Qt ban is checked by import-linter).
"""
