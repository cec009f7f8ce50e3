"""The client's service interfaces: what views (and tests) may call.

Every ``CAService`` call carries an explicit ``Session``; submissions and downloads carry
idempotency keys. Plain domain objects and typed errors cross these interfaces, nothing else.
The interfaces and the declaration of each operation live in ``domain/api.py`` (where the CA
server reads them too); both implementations are derived from them: ``local`` (the engine
in-process) and ``remote`` (HTTP to the CA server).
"""

from __future__ import annotations

from mobileca_desktop.domain.api import (
    CATALOGUE,
    CAService,
    ClockService,
    InboxService,
    ReviewService,
)

__all__ = ["CATALOGUE", "CAService", "ClockService", "InboxService", "ReviewService"]
