"""The CA institutions' keys: made when a CA data folder is initialised (``bootstrap``),
loaded once and cached (``Authorities``), and the engine's other wrapped keys (KMC,
identity)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, institutions, pki
from mobileca_desktop.ca.clock import Clock
from mobileca_desktop.ca.secrets import Keys, SecretSource
from mobileca_desktop.ca.store import Store
from mobileca_desktop.ca.store import authority as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import Institution

if TYPE_CHECKING:
    from mobileca_desktop.ca.context import Context


@dataclass
class Authority:
    """One institution's issuing CA and OCSP responder, keys unwrapped."""

    root: x509.Certificate
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    ocsp: x509.Certificate
    ocsp_key: ec.EllipticCurvePrivateKey
    responder: pki.OcspResponder
    name: str


def bootstrap(store: Store, source: SecretSource, clock: Clock, urls: pki.Urls) -> Keys:
    """The CA's keys from its secret: a new CA gets its institutions and identity key made
    here; an existing one is checked against its secret (and brought up to date)."""
    with store.tx() as s:
        salt_hex = store.get_meta(s, "secret_salt")
        if salt_hex is None:
            salt = os.urandom(16)
            keys = Keys(source.master_secret(salt, create=True))
            store.set_meta(s, "secret_salt", salt.hex())
            store.set_meta(s, "secret_check", keys.check_value())
            now = clock.now()
            for i, profile in enumerate(institutions.CATALOGUE):
                q.add_institution(
                    s,
                    **institutions.create(
                        profile,
                        i,
                        now=now,
                        urls=urls,
                        wrap=lambda k, kid: pki.wrap_private_key(k, keys["ca-key-wrap"], kid),
                    ),
                )
            id_key = pki.new_ec_key()
            store.set_meta(
                s,
                "identity_key",
                pki.wrap_private_key(id_key, keys["identity-wrap"], "identity").hex(),
            )
            audit.append(
                s,
                at=now,
                actor="system",
                action="ca.init",
                obj="ca",
                details={
                    "institutions": [p.id for p in institutions.CATALOGUE],
                    "secret": source.describe(),
                },
            )
            return keys
        keys = Keys(source.master_secret(bytes.fromhex(salt_hex), create=False))
        if keys.check_value() != store.get_meta(s, "secret_check"):
            raise E.SecretUnavailable(reason="the secret does not belong to this CA's data")
        from mobileca_desktop.ca import rootcrl

        rootcrl.add_distribution_points(store, s, keys["ca-key-wrap"], urls, clock.now())
        return keys


class Authorities:
    """Each institution's ``Authority``, loaded on first use and cached."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._cache: dict[str, Authority] = {}
        self._lock = threading.Lock()

    def get(self, institution_id: str, s: DB | None = None) -> Authority:
        with self._lock:
            ca = self._cache.get(institution_id)
            if ca is not None:
                return ca
        if s is None:
            with self.ctx.store.read() as rs:
                row = q.institution(rs, institution_id)
        else:
            row = q.institution(s, institution_id)
        if row is None:
            raise E.NotFound(what="CA institution", id=institution_id)
        wk = self.ctx.keys["ca-key-wrap"]
        issuing = x509.load_pem_x509_certificate(row.issuing_pem.encode())
        ocsp_cert = x509.load_pem_x509_certificate(row.ocsp_pem.encode())
        ocsp_key = pki.unwrap_ec_key(row.ocsp_key, wk, f"{row.id}/ocsp")
        ca = Authority(
            root=x509.load_pem_x509_certificate(row.root_pem.encode()),
            issuing=issuing,
            issuing_key=pki.unwrap_ec_key(row.issuing_key, wk, f"{row.id}/issuing"),
            ocsp=ocsp_cert,
            ocsp_key=ocsp_key,
            responder=pki.OcspResponder(
                issuer_cert=issuing, responder_cert=ocsp_cert, responder_key=ocsp_key
            ),
            name=row.name,
        )
        with self._lock:
            self._cache[institution_id] = ca
        return ca

    def forget(self, institution_id: str) -> None:
        """Drops the cached keys (the responder was renewed)."""
        with self._lock:
            self._cache.pop(institution_id, None)

    def institutions(self) -> list[Institution]:
        with self.ctx.store.read() as s:
            return [institutions.to_domain(r) for r in q.institutions(s)]

    def chain_pem(self, institution_id: str) -> str:
        ca = self.get(institution_id)
        return pki.chain_pem([ca.issuing, ca.root])

    def tsa_issuer(
        self, institution_id: str
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, str]:
        ca = self.get(institution_id)
        return ca.issuing, ca.issuing_key, ca.name

    # --- the engine's other wrapped keys ------------------------------------------------

    def wrap_kmc(self, key: rsa.RSAPrivateKey, key_id: str) -> bytes:
        return pki.wrap_private_key(key, self.ctx.keys["kmc-wrap"], key_id)

    def unwrap_kmc(self, blob: bytes, key_id: str) -> rsa.RSAPrivateKey:
        return pki.unwrap_rsa_key(blob, self.ctx.keys["kmc-wrap"], key_id)

    def identity_key(self, s: DB) -> ec.EllipticCurvePrivateKey:
        blob = bytes.fromhex(self.ctx.store.get_meta(s, "identity_key") or "")
        return pki.unwrap_ec_key(blob, self.ctx.keys["identity-wrap"], "identity")
