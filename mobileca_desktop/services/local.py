"""Local implementations of the service interfaces: the CA engine in-process ("local CA").

Derived from the declarations in ``domain/api.py``: each operation calls the engine's method the
declaration names (``operations.invoke``), with no forwarder written per operation.
Authorisation, validation and transactions live in the engine, so the remote
implementations behave the same by calling the same engine on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.secrets import SecretSource
from mobileca_desktop.domain.models import Session
from mobileca_desktop.domain.operations import Bound, Operation, implementation, invoke
from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService


class _Engine(Bound):
    """The engine in this process does every declared operation."""

    def __init__(self, engine: CAEngine) -> None:
        self.engine = engine

    def _invoke(self, op: Operation, arguments: dict[str, Any]) -> Any:
        return invoke(self.engine, op, arguments)


class _Operator(_Engine):
    """In local mode the trainer reviews as the CA operator (no reviewer password needed);
    reviewer accounts made with the CLI log in with ``login``."""

    def operator_session(self) -> Session:
        return self.engine.operator_session()


LocalCAService = implementation(CAService, _Engine, "LocalCAService")
LocalReviewService = implementation(ReviewService, _Operator, "LocalReviewService")
LocalInboxService = implementation(InboxService, _Engine, "LocalInboxService")
LocalClockService = implementation(ClockService, _Engine, "LocalClockService")


@dataclass
class LocalServices:
    """The four services over one in-process engine, chosen once at start-up."""

    engine: CAEngine
    ca: CAService
    review: ReviewService
    inbox: InboxService
    clock: ClockService

    @classmethod
    def open(
        cls,
        ca_data_dir: Path,
        secret: SecretSource | None = None,
        config: EngineConfig | None = None,
    ) -> LocalServices:
        engine = CAEngine.open(ca_data_dir, secret, config)
        return cls.over(engine)

    @classmethod
    def over(cls, engine: CAEngine) -> LocalServices:
        return cls(
            engine=engine,
            ca=LocalCAService(engine),
            review=LocalReviewService(engine),
            inbox=LocalInboxService(engine),
            clock=LocalClockService(engine),
        )

    def close(self) -> None:
        self.engine.close()
