"""证书管理: who may use a certificate, the list and detail an account sees, and renewal
(证书更新)."""

from __future__ import annotations

from cryptography import x509
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import pki, policy
from mobileca_desktop.ca.context import Part
from mobileca_desktop.ca.store import AccountRow, CertificateRecord, GrantRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import applications as qapp
from mobileca_desktop.ca.store import authority as qauth
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AppState,
    CertificateDetail,
    CertKind,
    CertStatus,
    DeviceCertInfo,
    Purpose,
    Seal,
    SealKind,
    Session,
)
from mobileca_desktop.domain.models import CertificateRow as CertRowInfo


class Certificates(Part):
    def cert_access(
        self, s: DB, acc: AccountRow, certificate_id: int, *, owner_only: bool = False
    ) -> tuple[CertificateRecord, GrantRow | None]:
        """The certificate and, for an agent, the grant under which they use it; another
        account's certificate is reported as absent."""
        cert = q.certificate(s, certificate_id) if isinstance(certificate_id, int) else None
        if cert is None:
            raise E.NotFound(what="certificate", id=certificate_id)
        if cert.account_id == acc.id:
            return cert, None
        if not owner_only:
            now = self.clock.now()
            for g in self.ctx.grants.grants_received(s, acc):
                if g.certificate_id == cert.id and g.valid_from <= now <= g.valid_until:
                    return cert, g
        raise E.NotFound(what="certificate", id=certificate_id)

    def list_certificates(self, session: Session) -> list[CertRowInfo]:
        """证书管理: the account's applications and certificates, plus certificates granted
        to a personal account."""
        self.ctx.grants.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            now = self.clock.now()
            out: list[CertRowInfo] = []
            names = qauth.institution_names(s)
            for app in qapp.not_in_state(s, acc.id, AppState.ISSUED.value):
                if app.state == AppState.DISCARDED.value:
                    continue
                kind = CertKind(app.kind)
                status = {
                    AppState.DRAFT.value: CertStatus.DRAFT,
                    AppState.SUBMITTED.value: CertStatus.REVIEWING,
                }.get(app.state, CertStatus.INVALID)
                out.append(
                    CertRowInfo(
                        status=status,
                        kind=kind,
                        institution_id=app.institution_id,
                        institution_name=names[app.institution_id],
                        subject_name=policy.subject_name(kind, app.subject),
                        application_id=app.id,
                        certificate_id=app.previous_certificate_id,
                        serial_hex=None,
                        applied_at=app.submitted_at or app.created_at,
                        not_after=None,
                        can_continue=app.state in (AppState.REJECTED.value, AppState.DRAFT.value),
                        reason=app.reject_reason,
                    )
                )
            # Superseded certificates are left out (the successor is the row), except an
            # expired one renewed by 继续: it stays visible as 已过期 beside its renewal.
            certs = [
                c
                for c in q.of_account(s, acc.id)
                if c.successor_id is None or policy.renewed_after_expiry(c)
            ]
            grants = {g.certificate_id: g for g in self.ctx.grants.grants_received(s, acc)}
            for cid in grants:
                c = q.certificate(s, cid)
                if c is not None:
                    certs.append(c)
            for c in certs:
                status = policy.cert_status(c, now)
                g = grants.get(c.id) if c.account_id != acc.id else None
                grantor = qa.account(s, g.grantor_account_id) if g else None
                out.append(
                    CertRowInfo(
                        status=status,
                        kind=CertKind(c.kind),
                        institution_id=c.institution_id,
                        institution_name=names[c.institution_id],
                        subject_name=c.subject_name,
                        application_id=c.application_id,
                        certificate_id=c.id,
                        serial_hex=self.display_serial(s, c, acc)[0],
                        applied_at=c.applied_at,
                        not_after=c.not_after,
                        can_continue=status is CertStatus.EXPIRED
                        and g is None
                        and c.successor_id is None,
                        reason=None if c.successor_id else c.revocation_reason,
                        granted_by=grantor.display_name if grantor else None,
                        grant_id=g.id if g else None,
                        successor_id=c.successor_id,
                    )
                )
            return out

    def display_serial(
        self, s: DB, cert: CertificateRecord, acc: AccountRow, device_name: str | None = None
    ) -> tuple[str, bool]:
        dev = q.latest_device_cert(s, cert.id, acc.id, device_name)
        if dev is not None:
            return dev.serial, True
        return cert.encryption_serial, False

    def certificate_detail(
        self, session: Session, certificate_id: int, device_name: str | None = None
    ) -> CertificateDetail:
        """证书详情. The serial is this device's signing certificate's once activated here,
        the encryption certificate's before (``serial_is_device`` says which)."""
        with self.store.read() as s:
            acc = self._account(s, session)
            cert, _grant = self.cert_access(s, acc, certificate_id)
            serial, is_device = self.display_serial(s, cert, acc, device_name)
            enc = q.issued(s, cert.encryption_serial)
            assert enc is not None
            holder_filter = acc.id if cert.account_id != acc.id else None
            devices = []
            for d in q.device_certs(s, cert.id, holder_filter):
                holder = qa.account(s, d.holder_account_id) if d.holder_account_id else None
                devices.append(
                    DeviceCertInfo(
                        serial_hex=d.serial,
                        device_name=d.device_name or "",
                        holder=holder.display_name if holder else "",
                        revoked=d.revoked_at is not None,
                        not_after=d.not_after,
                    )
                )
            return CertificateDetail(
                certificate_id=cert.id,
                status=policy.cert_status(cert, self.clock.now()),
                kind=CertKind(cert.kind),
                institution_name=self._ca(cert.institution_id).name,
                subject_name=cert.subject_name,
                serial_hex=serial,
                serial_is_device=is_device,
                applied_at=cert.applied_at,
                not_before=cert.not_before,
                not_after=cert.not_after,
                seals=tuple(Seal(kind=SealKind(k), png=png) for k, png in q.seals(s, cert.id)),
                encryption_cert_pem=pki.to_pem(x509.load_der_x509_certificate(enc.der)),
                device_certs=tuple(devices),
                predecessor_id=cert.predecessor_id,
                successor_id=cert.successor_id,
            )

    def renew(
        self, session: Session, certificate_id: int, idempotency_key: str | None = None
    ) -> CertificateDetail:
        """证书更新: a successor with a new encryption certificate; the old one is revoked
        as superseded, grants move over, and the KMC keeps the old encryption key."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            new_id = None
            if idempotency_key:
                prior = qapp.by_idempotency_key(s, acc.id, idempotency_key)
                if prior is not None and prior.certificate_id:
                    new_id = prior.certificate_id
            if new_id is None:
                cert, _ = self.cert_access(s, acc, certificate_id, owner_only=True)
                if cert.revoked_at is not None or cert.successor_id is not None:
                    raise E.CertificateUnavailable(status="revoked")
                now = self.clock.now()
                orig = qapp.application(s, cert.application_id)
                assert orig is not None
                fields = policy.successor_application(
                    acc, cert, orig, Purpose.RENEW, AppState.SUBMITTED, dict(cert.subject), now
                )
                app = qapp.add_application(
                    s, **fields, idempotency_key=idempotency_key, submitted_at=now
                )
                new = self.ctx.issuer.issue(s, app, cert)
                new_id = new.id
                self._audit(s, acc, "certificate.renew", app, {"from": cert.id, "to": new.id})
        return self.certificate_detail(session, new_id)
