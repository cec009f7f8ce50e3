"""Builds the engine's parts around one store (``CAEngine.__init__`` calls ``assemble``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from mobileca_desktop.ca import pki
from mobileca_desktop.ca.authorities import Authorities, bootstrap
from mobileca_desktop.ca.clock import Clock
from mobileca_desktop.ca.context import Context, EngineConfig
from mobileca_desktop.ca.demo import Demo
from mobileca_desktop.ca.issuer.activation import Activation
from mobileca_desktop.ca.issuer.certificates import Certificates
from mobileca_desktop.ca.issuer.issue import Issuer
from mobileca_desktop.ca.issuer.revocation import Revocation
from mobileca_desktop.ca.kmc import KeyPool
from mobileca_desktop.ca.ra.accounts import Accounts
from mobileca_desktop.ca.ra.applications import Applications
from mobileca_desktop.ca.ra.grants import Grants
from mobileca_desktop.ca.ra.review import Review
from mobileca_desktop.ca.ra.verification import Verification
from mobileca_desktop.ca.secrets import SecretSource
from mobileca_desktop.ca.sms import SmsGateway
from mobileca_desktop.ca.store import Store
from mobileca_desktop.ca.tsa import TsaKeys


def assemble(
    store: Store,
    secret: SecretSource,
    config: EngineConfig,
    real_now: Callable[[], dt.datetime] | None,
) -> Context:
    """Opens the CA's keys (a new CA is initialised here) and makes every part; the KMC
    pool's background thread is not started."""
    ctx = Context()
    ctx.store, ctx.config = store, config
    ctx.clock = Clock(store, real_now)
    ctx.urls = pki.Urls(config.public_url.rstrip("/"))
    ctx.authorities = Authorities(ctx)
    ctx.demo = Demo(ctx)
    ctx.keys = bootstrap(store, secret, ctx.clock, ctx.urls)
    ctx.sms = SmsGateway(ctx.keys)
    ctx.pool = KeyPool(
        store, ctx.authorities.wrap_kmc, ctx.authorities.unwrap_kmc, config.kmc_pool_target
    )
    ctx.tsa = TsaKeys(
        store,
        issuer=ctx.authorities.tsa_issuer,
        wrap_key=ctx.keys["ca-key-wrap"],
        urls=ctx.urls,
        real_now=ctx.clock.real_now,
    )
    ctx.accounts = Accounts(ctx)
    ctx.applications = Applications(ctx)
    ctx.verification = Verification(ctx)
    ctx.review = Review(ctx)
    ctx.grants = Grants(ctx)
    ctx.issuer = Issuer(ctx)
    ctx.certificates = Certificates(ctx)
    ctx.activation = Activation(ctx)
    ctx.revocation = Revocation(ctx)
    return ctx
