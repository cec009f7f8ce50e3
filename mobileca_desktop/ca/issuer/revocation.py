"""Revocation, the issuing CAs' CRLs, the roots' CRLs (``rootcrl.py``) and OCSP (the
responders renewed by ``responders.py``)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, pki, responders, rootcrl
from mobileca_desktop.ca.authorities import Authority
from mobileca_desktop.ca.context import OPERATOR_ID, Part
from mobileca_desktop.ca.store import CertificateRecord, IssuedCertRow
from mobileca_desktop.ca.store import authority as qauth
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import GrantStatus, RevocationReason, Session


class Revocation(Part):
    def revoke(
        self,
        session: Session,
        certificate_id: int,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        """吊销 by the owner: the encryption and every device certificate."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, _ = self.ctx.certificates.cert_access(s, acc, certificate_id, owner_only=True)
            if cert.revoked_at is not None:
                raise E.CertificateUnavailable(status="revoked")
            self.revoke_certificate(s, cert, RevocationReason(reason), self.clock.now())
            for g in q.grants_of_certificate(s, cert.id, GrantStatus.ACTIVE.value):
                g.status, g.ended_at = GrantStatus.WITHDRAWN.value, self.clock.now()
            self._audit(
                s,
                acc,
                "certificate.revoke",
                None,
                {"reason": str(reason)},
                obj=f"certificate:{cert.id}",
            )

    def revoke_serial(
        self,
        session: Session,
        serial_hex: str,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        """The operator's ``revoke SERIAL``; a device certificate's holder may revoke it too
        (a device whose key was lost)."""
        serial_hex = serial_hex.lower().lstrip("0") or "0"
        with self.store.tx() as s:
            acc = self._account(s, session)
            row = q.issued(s, serial_hex)
            if row is None:
                raise E.NotFound(what="certificate serial", id=serial_hex)
            if acc.id != OPERATOR_ID and not (
                row.role == "device" and row.holder_account_id == acc.id
            ):
                raise E.NotFound(what="certificate serial", id=serial_hex)
            if row.revoked_at is not None:
                raise E.CertificateUnavailable(status="revoked")
            now = self.clock.now()
            cert = q.certificate(s, row.certificate_id) if row.certificate_id else None
            if row.role == "encryption" and cert is not None:
                self.revoke_certificate(s, cert, RevocationReason(reason), now)
            else:
                self.revoke_rows(s, [row], RevocationReason(reason), now)
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="certificate.revoke_serial",
                obj=f"serial:{serial_hex}",
                details={"reason": str(reason)},
            )

    def revoke_certificate(
        self, s: DB, cert: CertificateRecord, reason: RevocationReason, now: dt.datetime
    ) -> None:
        cert.revoked_at = now
        cert.revocation_reason = reason.value
        self.revoke_rows(s, q.unrevoked_of_certificate(s, cert.id), reason, now)

    def revoke_rows(
        self, s: DB, rows: list[IssuedCertRow], reason: RevocationReason, now: dt.datetime
    ) -> None:
        institutions_touched = set()
        for r in rows:
            if r.revoked_at is None:
                r.revoked_at = now
                r.revocation_reason = reason.value
                institutions_touched.add(r.institution_id)
        s.flush()
        for inst in institutions_touched:
            self._regen_crl(s, inst, now)

    def _regen_crl(self, s: DB, institution_id: str, now: dt.datetime) -> bytes:
        inst = qauth.institution(s, institution_id)
        assert inst is not None
        ca = self._ca(institution_id, s)
        revoked: list[tuple[int, dt.datetime, RevocationReason]] = []
        for r in q.revoked_of_institution(s, institution_id):
            assert r.revoked_at is not None  # the query's condition
            revoked.append(
                (int(r.serial, 16), r.revoked_at, RevocationReason(r.revocation_reason or ""))
            )
        inst.crl_number += 1
        crl = pki.build_crl(
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            revoked=revoked,
            crl_number=inst.crl_number,
            now=now,
            issued_at=min(now, self.clock.real_now()),
        )
        inst.crl_der = crl.public_bytes(serialization.Encoding.DER)
        return inst.crl_der

    def crl(self, institution_id: str) -> bytes:
        """The issuing CA's current CRL (DER); regenerated when missing or stale."""
        now = self.clock.now()
        with self.store.read() as s:
            inst = qauth.institution(s, institution_id)
            if inst is None:
                raise E.NotFound(what="CA institution", id=institution_id)
            if inst.crl_der:
                crl = x509.load_der_x509_crl(inst.crl_der)
                if crl.next_update_utc and crl.next_update_utc > now + dt.timedelta(hours=1):
                    return inst.crl_der
        with self.store.tx() as s:
            return self._regen_crl(s, institution_id, now)

    def _renew_responder(self, institution_id: str) -> Authority:
        """A new OCSP responder certificate before the old one ends (``responders.py``)."""
        info = self.clock.info()
        with self.store.tx() as s:
            row = qauth.institution(s, institution_id)
            assert row is not None
            responders.renew(
                s,
                row,
                self.keys["ca-key-wrap"],
                now=info.now,
                # Not dated in the real future when the demo clock is ahead.
                not_before=min(info.now, info.real_now),
            )
        self.ctx.authorities.forget(institution_id)
        return self._ca(institution_id)

    def root_crl(self, institution_id: str) -> bytes:
        """The institution root's CRL (DER), the issuing CA's revocation status
        (``rootcrl.py``); re-signed when missing or stale."""
        # Dated by the real clock when the demo clock is ahead (see Clock.issue_now).
        now = self.clock.issue_now()
        with self.store.read() as s:
            if qauth.institution(s, institution_id) is None:
                raise E.NotFound(what="CA institution", id=institution_id)
            der = rootcrl.current(self.store, s, institution_id, now)
        if der is not None:
            return der
        with self.store.tx() as s:
            row = qauth.institution(s, institution_id)
            assert row is not None
            return rootcrl.regenerate(self.store, s, row, self.keys["ca-key-wrap"], now)

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 6960 response for one request, signed by the institution's OCSP responder."""
        ca = self._ca(institution_id)
        now = self.clock.now()
        if responders.due(ca.ocsp, ca.issuing, now):
            ca = self._renew_responder(institution_id)

        def lookup(serial: int) -> pki.CertStatusRecord | None:
            row = q.revocation_status(self.store, pki.serial_hex(serial), institution_id)
            if row is None:
                return None
            return pki.CertStatusRecord(
                revoked_at=row.revoked_at,
                reason=RevocationReason(row.revocation_reason) if row.revocation_reason else None,
            )

        return ca.responder.respond(request_der, lookup, now, issued_at=self.clock.issue_now())
