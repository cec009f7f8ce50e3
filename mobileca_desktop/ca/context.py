"""What every part of the CA engine shares: its configuration, the store, the clock, the keys,
and the parts themselves (``Context``); and the base of those parts (``Part``).

The parts, by concern (``engine.CAEngine`` is their facade):

- registration authority (``ra/``): accounts and sessions, applications and their
  transitions, verification, review, grants;
- issuer (``issuer/``): the CA institutions' keys, issuance, certificates, activation,
  revocation, CRL and OCSP;
- policy (``policy.py``): limits, required documents, subject rules, validity;
- demo (``demo.py``): the operator token, the demo clock, the phones' inbox, the audit view;
- storage (``store/``): every query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, identity, pki
from mobileca_desktop.ca.clock import Clock
from mobileca_desktop.ca.kmc import KeyPool
from mobileca_desktop.ca.secrets import Keys
from mobileca_desktop.ca.sms import SmsGateway
from mobileca_desktop.ca.store import AccountRow, ApplicationRow, Store
from mobileca_desktop.ca.tsa import TsaKeys
from mobileca_desktop.domain.models import Session

if TYPE_CHECKING:
    from mobileca_desktop.ca.authorities import Authorities, Authority
    from mobileca_desktop.ca.demo import Demo
    from mobileca_desktop.ca.issuer.activation import Activation
    from mobileca_desktop.ca.issuer.certificates import Certificates
    from mobileca_desktop.ca.issuer.issue import Issuer
    from mobileca_desktop.ca.issuer.revocation import Revocation
    from mobileca_desktop.ca.ra.accounts import Accounts
    from mobileca_desktop.ca.ra.applications import Applications
    from mobileca_desktop.ca.ra.grants import Grants
    from mobileca_desktop.ca.ra.review import Review
    from mobileca_desktop.ca.ra.verification import Verification

# The in-process CA operator's account id (no stored account has it).
OPERATOR_ID = 0


@dataclass
class EngineConfig:
    validity_days: int = 365
    # For demos: certificates valid for a few minutes instead of days.
    validity_minutes: int | None = None
    public_url: str = "http://127.0.0.1:8470"
    passwords: identity.PasswordPolicy = field(default_factory=identity.PasswordPolicy)
    kmc_pool_target: int = 8
    kmc_background: bool = True
    session_hours: int = 12
    max_document_bytes: int = 10 * 1024 * 1024
    # Image and PDF decodes at once (each may take a few hundred MiB for a 40-megapixel
    # photo); the rest wait, so concurrent uploads cannot add up to gigabytes.
    decode_slots: int = 2


class Context:
    """The engine's shared state; ``CAEngine.__init__`` fills in the parts."""

    store: Store
    config: EngineConfig
    clock: Clock
    urls: pki.Urls
    keys: Keys
    sms: SmsGateway
    pool: KeyPool
    tsa: TsaKeys
    authorities: Authorities
    demo: Demo
    accounts: Accounts
    applications: Applications
    verification: Verification
    review: Review
    grants: Grants
    issuer: Issuer
    certificates: Certificates
    activation: Activation
    revocation: Revocation


class Part:
    """One concern of the engine; it reaches the others through ``self.ctx``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def config(self) -> EngineConfig:
        return self.ctx.config

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def keys(self) -> Keys:
        return self.ctx.keys

    @property
    def urls(self) -> pki.Urls:
        return self.ctx.urls

    @property
    def sms(self) -> SmsGateway:
        return self.ctx.sms

    def _ca(self, institution_id: str, s: DB | None = None) -> Authority:
        return self.ctx.authorities.get(institution_id, s)

    def _account(self, s: DB, session: Session) -> AccountRow:
        """The caller's account; ``SessionExpired`` unless the session is valid now."""
        return self.ctx.accounts.account(s, session)

    @staticmethod
    def _actor(acc: AccountRow) -> str:
        return f"{acc.kind}:{acc.id}:{acc.display_name}"

    def _audit(
        self,
        s: DB,
        acc: AccountRow,
        action: str,
        app: ApplicationRow | None,
        details: dict[str, Any] | None = None,
        obj: str | None = None,
    ) -> None:
        audit.append(
            s,
            at=self.clock.now(),
            actor=self._actor(acc),
            action=action,
            obj=obj or f"application:{app.id}",  # type: ignore[union-attr]
            details=details or {},
        )

    def _now(self) -> dt.datetime:
        return self.clock.now()
