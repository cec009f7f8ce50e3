"""Qt screens of the desktop client (the phone app's pages as PySide6 widgets).

Views render plain domain objects and call the client-side services; slow calls run off the
GUI thread and come back by signal. May import PySide6, ``services``, ``domain`` and
``config``; never the CA engine (``ca``), ``server``, SQL, HTTP or crypto libraries
(checked by import-linter, see ``.importlinter``).
"""
