"""Issuance: the logical certificate of an approved application, its encryption
certificate (the KMC key escrowed) and seal images; and the operator's TLS and platform
certificates."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, pki, policy, seals
from mobileca_desktop.ca.context import OPERATOR_ID, Part
from mobileca_desktop.ca.ra import transitions
from mobileca_desktop.ca.store import ApplicationRow, CertificateRecord, IssuedCertRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import applications as qapp
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AppState,
    CertKind,
    DocKind,
    GrantStatus,
    Purpose,
    RevocationReason,
    SealKind,
    Session,
)


class Issuer(Part):
    def record_cert(
        self,
        s: DB,
        cert: x509.Certificate,
        *,
        role: str,
        institution_id: str,
        certificate_id: int | None = None,
        device_name: str | None = None,
        holder: int | None = None,
        grant_id: int | None = None,
        activation_key: str | None = None,
    ) -> IssuedCertRow:
        """Records a signed X.509 certificate, for CRL, OCSP and audit."""
        return q.add_issued(
            s,
            serial=pki.serial_hex(cert.serial_number),
            institution_id=institution_id,
            role=role,
            certificate_id=certificate_id,
            device_name=device_name,
            holder_account_id=holder,
            grant_id=grant_id,
            der=cert.public_bytes(serialization.Encoding.DER),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            activation_key=activation_key,
        )

    def issue(
        self, s: DB, app: ApplicationRow, predecessor: CertificateRecord | None
    ) -> CertificateRecord:
        """Issues the certificate of an approved (or renewing) application; a predecessor
        is revoked as superseded and its grants move over."""
        now = self.clock.now()
        kind = CertKind(app.kind)
        ca = self._ca(app.institution_id, s)
        not_after = policy.not_after(
            now,
            validity_days=self.config.validity_days,
            validity_minutes=self.config.validity_minutes,
        )
        subject = policy.x509_subject(kind, app.subject)
        key = self.ctx.pool.take(s)
        serial = pki.random_serial()
        enc = pki.make_encryption_cert(
            subject=subject,
            public_key=key.public_key(),
            serial=serial,
            not_before=now,
            not_after=not_after,
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            urls=self.urls,
            institution_id=app.institution_id,
        )
        cert = q.add_certificate(
            s,
            account_id=app.account_id,
            application_id=app.id,
            kind=kind.value,
            institution_id=app.institution_id,
            subject=dict(app.subject),
            subject_name=policy.subject_name(kind, app.subject),
            not_before=now,
            not_after=not_after,
            applied_at=app.submitted_at or now,
            encryption_serial=pki.serial_hex(serial),
            predecessor_id=predecessor.id if predecessor else None,
        )
        self.record_cert(
            s, enc, role="encryption", institution_id=app.institution_id, certificate_id=cert.id
        )
        generation = 1
        if predecessor is not None:
            generation = 1 + q.last_generation(s, predecessor.id)
        q.add_escrow(
            s,
            serial=pki.serial_hex(serial),
            certificate_id=cert.id,
            generation=generation,
            wrapped_key=self.ctx.authorities.wrap_kmc(key, f"kmc/{pki.serial_hex(serial)}"),
        )
        for seal_kind, png in self._render_seals(s, app, kind):
            q.add_seal(s, certificate_id=cert.id, kind=seal_kind.value, png=png)
        transitions.move(app, AppState.ISSUED, "issue")
        app.certificate_id = cert.id
        if predecessor is not None:
            predecessor.successor_id = cert.id
            self.ctx.revocation.revoke_certificate(s, predecessor, RevocationReason.SUPERSEDED, now)
            for grant in q.grants_of_certificate(s, predecessor.id, GrantStatus.ACTIVE.value):
                grant.certificate_id = cert.id
            if app.purpose == Purpose.CHANGE.value and kind is CertKind.UNIT:
                owner = qa.account(s, app.account_id)
                assert owner is not None
                owner.company_name = owner.display_name = app.subject["company_name"]
        audit.append(
            s,
            at=now,
            actor="system",
            action="certificate.issue",
            obj=f"certificate:{cert.id}",
            details={
                "application": app.id,
                "encryption_serial": cert.encryption_serial,
                "predecessor": predecessor.id if predecessor else None,
            },
        )
        return cert

    def _render_seals(
        self, s: DB, app: ApplicationRow, kind: CertKind
    ) -> list[tuple[SealKind, bytes]]:
        if kind is CertKind.UNIT:
            return [(SealKind.OFFICIAL, seals.render_official_seal(app.subject["company_name"]))]
        if kind is CertKind.LEGAL_REP:
            return [
                (SealKind.LEGAL_REP, seals.render_legal_rep_seal(app.subject["legal_person_name"]))
            ]
        supplied = qapp.document_of_kind(s, app.id, DocKind.SIGNATURE.value)
        if supplied is not None and supplied.mime == "image/png":
            return [(SealKind.SIGNATURE, supplied.data)]
        return [(SealKind.SIGNATURE, seals.render_signature(app.subject["person_name"]))]

    def issue_service_certificate(
        self,
        session: Session,
        *,
        role: str,
        institution_id: str,
        public_key_pem: bytes,
        name: str,
        hostnames: list[str] | tuple[str, ...] = (),
        ip_addresses: list[str] | tuple[str, ...] = (),
        origin: str = "",
    ) -> str:
        """TLS server and trading-platform certificates from their own profiles (operator)."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.id != OPERATOR_ID:
                raise E.PermissionDenied(action="issue service certificates")
            try:
                # Any: the profiles take the subject's public key (their annotation says private).
                key: Any = serialization.load_pem_public_key(public_key_pem)
            except (ValueError, TypeError):
                raise E.InvalidInput(field="public_key", reason="not a PEM public key") from None
            ca = self._ca(institution_id, s)
            now = self.clock.now()
            if role == "tls":
                cert = pki.make_tls_server(
                    hostnames=list(hostnames),
                    ip_addresses=list(ip_addresses),
                    key=key,
                    issuer_cert=ca.issuing,
                    issuer_key=ca.issuing_key,
                    now=now,
                    urls=self.urls,
                    institution_id=institution_id,
                )
            elif role == "platform":
                cert = pki.make_platform(
                    platform_name=name,
                    org=name,
                    origin=origin,
                    key=key,
                    issuer_cert=ca.issuing,
                    issuer_key=ca.issuing_key,
                    now=now,
                    urls=self.urls,
                    institution_id=institution_id,
                )
            else:
                raise E.InvalidInput(field="role", reason="tls or platform")
            self.record_cert(s, cert, role=role, institution_id=institution_id)
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action=f"certificate.{role}",
                obj=f"serial:{pki.serial_hex(cert.serial_number)}",
                details={"name": name},
            )
            return pki.to_pem(cert)
