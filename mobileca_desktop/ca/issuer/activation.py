"""证书下载 / 激活: a device's signing certificate for its CSR, and every escrowed encryption
key of the certificate's lineage, ECIES-wrapped to the device's transport key."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, idcheck, identity, pki, policy
from mobileca_desktop.ca.context import Part
from mobileca_desktop.ca.issuer import replacement
from mobileca_desktop.ca.store import CertificateRecord, IssuedCertRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import certificates as q
from mobileca_desktop.crypto import ecies
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    ActivationResult,
    CertKind,
    CertStatus,
    RevocationReason,
    Session,
    WrappedKey,
)


class Activation(Part):
    def _activation_phone(self, s: DB, cert: CertificateRecord) -> str:
        """The handbook: the code goes to the legal person's phone (also for an agent)."""
        owner = qa.account(s, cert.account_id)
        assert owner is not None
        return owner.phone

    def request_activation_code(self, session: Session, certificate_id: int) -> str:
        """Sends the activation SMS; returns the masked phone it went to."""
        self.ctx.grants.sweep()
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, grant = self.ctx.certificates.cert_access(s, acc, certificate_id)
            status = policy.cert_status(cert, self.clock.now())
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            phone = self._activation_phone(s, cert)
            who = f"经办人 {acc.display_name} " if grant else ""
            self.sms.send_code(
                s,
                phone=phone,
                purpose="activate",
                ref=str(cert.id),
                now=self.clock.now(),
                text=f"【移动CA】{who}正在下载证书「{cert.subject_name}」，"
                "验证码 {code}，5分钟内有效。",
            )
            audit.append(
                s,
                at=self.clock.now(),
                actor=self._actor(acc),
                action="activation.code",
                obj=f"certificate:{cert.id}",
            )
            return idcheck.mask_phone(phone)

    def activate(
        self,
        session: Session,
        certificate_id: int,
        *,
        csr_pem: bytes,
        transport_public_key_pem: bytes,
        sms_code: str,
        device_name: str,
        idempotency_key: str,
        replaces_serial_hex: str | None = None,
    ) -> ActivationResult:
        """激活: checks the CSR, issues this device's signing certificate and delivers every
        escrowed encryption key of the lineage, ECIES-wrapped to the transport key.
        ``replaces_serial_hex``: the device certificate of the key file this download
        replaces on the device, revoked as superseded in the same transaction
        (``replacement.py``); ``ReplacedCertificateRefused`` when it is not this device's."""
        if not idempotency_key:
            raise E.InvalidInput(field="idempotency_key", reason="required")
        device_name = identity.require_text("device_name", device_name)
        public_key = pki.check_csr(csr_pem)
        transport = load_transport_key(transport_public_key_pem)
        self.ctx.grants.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            act_key = hashlib.sha256(f"{acc.id}:{idempotency_key}".encode()).hexdigest()
            prior = q.by_activation_key(s, act_key)
            if prior is not None:
                cert = x509.load_der_x509_certificate(prior.der)
                if cert.public_key() != public_key or prior.certificate_id != certificate_id:
                    raise E.IdempotencyConflict(key=idempotency_key)
                return self.activation_result(s, prior, cert, transport)
            cert_row, _ = self.ctx.certificates.cert_access(s, acc, certificate_id)
            phone = self._activation_phone(s, cert_row)
        self.ctx.applications.check_sms_counted(
            phone=phone, purpose="activate", ref=str(certificate_id), code=sms_code
        )
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert_row, grant = self.ctx.certificates.cert_access(s, acc, certificate_id)
            now = self.clock.now()
            status = policy.cert_status(cert_row, now)
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            self.sms.check(
                s,
                phone=phone,
                purpose="activate",
                ref=str(cert_row.id),
                code=sms_code,
                now=now,
                consume=True,
            )
            replaced = None
            if replaces_serial_hex:
                replaced = replacement.replaced_row(
                    s, acc, cert_row, device_name, replaces_serial_hex
                )
            ca = self._ca(cert_row.institution_id, s)
            subject = policy.x509_subject(CertKind(cert_row.kind), cert_row.subject)
            not_after = cert_row.not_after
            if grant is not None:
                subject = pki.agent_subject(subject, acc.display_name)
                not_after = min(not_after, grant.valid_until)
            device = pki.make_device_cert(
                subject=subject,
                public_key=public_key,
                serial=pki.random_serial(),
                # Not in the real future when the demo clock is ahead: seals time-stamped
                # by the real clock must find the certificate already valid.
                not_before=self.clock.issue_now(),
                not_after=not_after,
                issuer_cert=ca.issuing,
                issuer_key=ca.issuing_key,
                urls=self.urls,
                institution_id=cert_row.institution_id,
                grant_id=grant.id if grant else None,
            )
            row = self.ctx.issuer.record_cert(
                s,
                device,
                role="device",
                institution_id=cert_row.institution_id,
                certificate_id=cert_row.id,
                device_name=device_name,
                holder=acc.id,
                grant_id=grant.id if grant else None,
                activation_key=act_key,
            )
            if replaced is not None:
                self.ctx.revocation.revoke_rows(s, [replaced], RevocationReason.SUPERSEDED, now)
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="activation.issue",
                obj=f"certificate:{cert_row.id}",
                details={
                    "device_serial": row.serial,
                    "device": device_name,
                    "grant": grant.id if grant else None,
                    "replaced_serial": replaced.serial if replaced is not None else None,
                },
            )
            s.flush()
            return self.activation_result(s, row, device, transport)

    def _lineage(self, s: DB, certificate_id: int) -> list[CertificateRecord]:
        out = []
        cur = q.certificate(s, certificate_id)
        while cur is not None:
            out.append(cur)
            cur = q.certificate(s, cur.predecessor_id) if cur.predecessor_id else None
        return out

    def activation_result(
        self,
        s: DB,
        row: IssuedCertRow,
        device: x509.Certificate,
        transport: ec.EllipticCurvePublicKey,
    ) -> ActivationResult:
        ca = self._ca(row.institution_id, s)
        wrapped = []
        assert row.certificate_id is not None
        for c in self._lineage(s, row.certificate_id):
            for esc in q.escrowed(s, c.id):
                key = self.ctx.authorities.unwrap_kmc(esc.wrapped_key, f"kmc/{esc.serial}")
                der = key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                box = ecies.encrypt_to(
                    transport, der, ecies.aad_for(device.serial_number, int(esc.serial, 16))
                )
                enc_row = q.issued(s, esc.serial)
                assert enc_row is not None
                enc_cert = x509.load_der_x509_certificate(enc_row.der)
                wrapped.append(
                    WrappedKey(
                        encryption_cert_pem=pki.to_pem(enc_cert),
                        encryption_serial_hex=esc.serial,
                        generation=esc.generation,
                        ephemeral_public_key=box.ephemeral_public_key,
                        nonce=box.nonce,
                        ciphertext=box.ciphertext,
                    )
                )
        wrapped.sort(key=lambda w: w.generation)
        return ActivationResult(
            certificate_id=row.certificate_id,
            device_cert_pem=pki.to_pem(device),
            device_serial_hex=row.serial,
            chain_pem=pki.chain_pem([ca.issuing, ca.root]),
            wrapped_keys=tuple(wrapped),
        )


def load_transport_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise E.CsrRejected(reason="the transport key is not a PEM public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise E.CsrRejected(reason="the transport key must be an EC P-256 key")
    return key
