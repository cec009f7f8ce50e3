"""``mobileca-ca``: the CA operator's command line (trainers, QA, CA operators).

Outside the layers, like ``server`` and the client's ``cli``: it opens the CA (``ca``) for
one-shot commands and starts the CA server (``server``) for ``serve``. The ``ca`` layer never
imports it or ``server`` (checked by import-linter, see ``.importlinter``).
"""
