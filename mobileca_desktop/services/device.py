"""Certificate download and activation (证书下载 / 激活) on this device, and its keys' use.

``DeviceService`` is what the views call (Qt-free): which certificates need downloading
here, the SMS code, 激活 with the password entered twice, resuming an activation that was
interrupted, unlocking the keys, 修改证书密码, and recovering a locked certificate by
re-activation. It runs over a ``CAService`` (local or remote) and this device's
``Keystore``; the signing and transport keys are made here and never leave the keystore
unencrypted.

An activation is made resumable by the order of its steps: the new keys are written
(encrypted) as a pending record with the idempotency key *before* the CA is asked, so after
a crash ``resume_pending`` asks again with the same key (the CA answers with the same
certificate) and completes, or rolls back when the CA never issued one, or revokes a
certificate whose key can no longer be used. A typed error from the CA means it answered and
issued nothing (the record is dropped), except ``ServiceUnavailable``: the request may have
been processed, so the record stays for ``resume_pending``.

A download that replaces a key file of this device (locked, damaged, or an older copy put
back) names the replaced device certificate; the CA revokes it as superseded in the same
transaction as the new one's issue (``ca/issuer/replacement.py``), so a copy of the replaced
file elsewhere no longer signs, and a failed download leaves the old certificate as it was.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from mobileca_desktop.config import Settings
from mobileca_desktop.domain.errors import (
    ActivationFailed,
    AlreadyActivated,
    CertificateUnavailable,
    InvalidInput,
    KeystoreCorrupt,
    MobileCAError,
    NotFound,
    PasswordMismatch,
    ServiceUnavailable,
    WeakPassword,
)
from mobileca_desktop.domain.models import (
    CertificateRow,
    CertKind,
    CertStatus,
    RevocationReason,
    Session,
)
from mobileca_desktop.keystore import password as pw
from mobileca_desktop.keystore.kdf import KdfProfile
from mobileca_desktop.keystore.keys import UnlockedKeys
from mobileca_desktop.keystore.secretstore import INSECURE_FILENAME, select_secret_store

# Which secret store is in use, and a certificate's state on this device, re-exported for the
# views (they reach the keystore through this service).
from mobileca_desktop.keystore.secretstore import StoreInfo as StoreInfo
from mobileca_desktop.keystore.secretstore import StoreKind as StoreKind
from mobileca_desktop.keystore.store import KeyFileInfo, Keystore, PendingInfo
from mobileca_desktop.keystore.store import LocalState as LocalState
from mobileca_desktop.services.api import CAService

log = logging.getLogger(__name__)

_CERTIFICATE_STATUSES = (CertStatus.NORMAL, CertStatus.EXPIRED, CertStatus.REVOKED)


@dataclass(frozen=True)
class DeviceCertificateStatus:
    """One certificate of 证书管理 as this device sees it."""

    certificate_id: int
    kind: CertKind
    subject_name: str
    status: CertStatus  # the CA's: 正常 / 已过期 / 已吊销
    local: LocalState
    device_serial_hex: str | None = None  # this device's signing certificate, if downloaded
    device_cert_revoked: bool = False  # e.g. the grant was withdrawn
    tries_left: int | None = None
    granted_by: str | None = None

    @property
    def needs_download(self) -> bool:
        """A 正常 certificate that this device cannot use until it is (re)downloaded."""
        if self.status is not CertStatus.NORMAL:
            return False
        return self.device_cert_revoked or self.local in (
            LocalState.ABSENT,
            LocalState.CORRUPT,
            LocalState.NOT_THIS_DEVICE,
        )

    @property
    def usable(self) -> bool:
        return (
            self.status is CertStatus.NORMAL
            and self.local is LocalState.READY
            and not self.device_cert_revoked
        )


class ResumeOutcome(StrEnum):
    COMPLETED = "completed"  # the CA had issued the certificate; it is stored now
    ROLLED_BACK = "rolled_back"  # the CA never issued one; the pending keys are dropped
    REVOKED_LOST_KEY = "revoked_lost_key"  # issued, but its key is unusable: revoked
    STILL_PENDING = "still_pending"  # the CA could not be asked; try again later
    OTHER_ACCOUNT = "other_account"  # started by another account; resumed at its login


@dataclass(frozen=True)
class ResumeReport:
    certificate_id: int
    outcome: ResumeOutcome
    detail: str | None = None  # an error code or exception name, never a secret


def password_strength(password: str) -> tuple[int, list[str]]:
    """(score 0-4, problem codes) for the password meter; acceptable when no problems."""
    return pw.password_strength(password)


def check_new_password(password: str, password_again: str) -> None:
    """What 激活 and 修改证书密码 check before anything is sent or derived."""
    if password != password_again:
        raise PasswordMismatch(field="password_again")
    _score, problems = pw.password_strength(password)
    if problems:
        raise WeakPassword(field="password", reason=pw.describe(problems), problems=problems)


class DeviceService:
    """Download, activation and key use for one device profile."""

    def __init__(self, ca: CAService, keystore: Keystore, device_name: str | None = None) -> None:
        self.ca = ca
        self.keystore = keystore
        self.device_name = device_name or keystore.device_name

    @classmethod
    def open(
        cls,
        ca: CAService,
        settings: Settings,
        *,
        insecure_file_keyring: bool | str | Path | None = None,
        kdf: KdfProfile | None = None,
    ) -> DeviceService:
        """The service for ``settings.device``: its folder, the OS keyring (or the INSECURE
        file store when asked for by flag or ``MOBILECA_INSECURE_FILE_KEYRING``)."""
        store = select_secret_store(settings.data_dir / INSECURE_FILENAME, insecure_file_keyring)
        keystore = Keystore(settings.device_dir, settings.device, store, kdf)
        log.info("device %r uses %s", settings.device, store.describe())
        return cls(ca, keystore, settings.device)

    def keyring_description(self) -> str:
        """Which store protects this device's keys, in English words (logs, ``doctor``)."""
        return self.keystore.describe_store()

    def keyring_info(self) -> StoreInfo:
        """Which store protects this device's keys: its kind and name, to show the user."""
        return self.keystore.store_info()

    password_strength = staticmethod(password_strength)

    # --- what this device holds ------------------------------------------------------

    def statuses(self, session: Session) -> list[DeviceCertificateStatus]:
        """Every certificate of the account (own or granted) with its state here."""
        out = []
        for row in self.ca.list_certificates(session):
            if row.certificate_id is None or row.status not in _CERTIFICATE_STATUSES:
                continue
            out.append(self._status(session, row))
        return out

    def _status(self, session: Session, row: CertificateRow) -> DeviceCertificateStatus:
        cid = row.certificate_id
        assert cid is not None
        local = self.keystore.state(cid)
        serial, revoked, tries = None, False, None
        if local in (LocalState.READY, LocalState.LOCKED):
            serial = self.keystore.info(cid).device_serial_hex
            tries = self.keystore.tries_left(cid)
            detail = self.ca.certificate_detail(session, cid, self.device_name)
            revoked = any(d.serial_hex == serial and d.revoked for d in detail.device_certs)
        return DeviceCertificateStatus(
            certificate_id=cid,
            kind=row.kind,
            subject_name=row.subject_name,
            status=row.status,
            local=local,
            device_serial_hex=serial,
            device_cert_revoked=revoked,
            tries_left=tries,
            granted_by=row.granted_by,
        )

    def needs_download(self, session: Session) -> bool:
        """初次使用需要下载安全证书并设置证书密码: True when no 正常 certificate is usable on
        this device and at least one can be downloaded."""
        statuses = self.statuses(session)
        return not any(s.usable for s in statuses) and any(s.needs_download for s in statuses)

    # --- activation (证书下载 / 激活) ----------------------------------------------------

    def request_code(self, session: Session, certificate_id: int) -> str:
        """Sends the activation SMS to the legal person's phone; returns the masked number."""
        return self.ca.request_activation_code(session, certificate_id)

    def activate(
        self,
        session: Session,
        certificate_id: int,
        sms_code: str,
        password: str,
        password_again: str,
    ) -> KeyFileInfo:
        """激活: checks the passwords (same, strong enough) before anything is sent, makes the
        signing key pair and transport key here, sends the CSR with an idempotency key and
        stores the device certificate, chain and escrowed encryption keys."""
        return self._activate(session, certificate_id, sms_code, password, password_again)

    def recover_locked(
        self,
        session: Session,
        certificate_id: int,
        sms_code: str,
        password: str,
        password_again: str,
    ) -> KeyFileInfo:
        """Unlocks a certificate locked by wrong passwords: a new activation (SMS code, new
        password, new keys and CSR); the old device certificate is revoked as superseded by
        the CA in the same transaction as the new one's issue, and the escrowed keys are
        delivered again."""
        return self._activate(session, certificate_id, sms_code, password, password_again)

    def _activate(
        self,
        session: Session,
        cid: int,
        sms_code: str,
        password: str,
        password_again: str,
    ) -> KeyFileInfo:
        check_new_password(password, password_again)
        if not (sms_code or "").strip():
            raise InvalidInput(field="sms_code", reason="required")
        state = self.keystore.state(cid)
        if state is LocalState.PENDING:
            state = self._resume_before_activation(session, cid)
        if state is LocalState.NOT_THIS_DEVICE:
            self.keystore.archive_foreign()
            state = self.keystore.state(cid)
        supersedes = None
        if state is LocalState.READY:
            if not self._device_cert_revoked(session, cid):
                raise AlreadyActivated(certificate=cid)
        elif state is LocalState.LOCKED:
            supersedes = self.keystore.info(cid).device_serial_hex
        elif state in (LocalState.CORRUPT, LocalState.ABSENT):
            # A damaged file, an older copy, or a file deleted: its device certificate (the
            # one the keyring recorded for the current file) is revoked with the new one's
            # issue, so that a copy of the replaced file elsewhere (a backup) no longer signs.
            supersedes = self._replaceable(session, cid, self.keystore.replaced_serial(cid))
        draft = self.keystore.begin_activation(
            cid,
            password,
            account_id=session.account_id,
            sms_code=sms_code.strip(),
            supersedes_serial_hex=supersedes,
        )
        try:
            try:
                result = self.ca.activate(
                    session,
                    cid,
                    csr_pem=draft.csr_pem,
                    transport_public_key_pem=draft.transport_public_key_pem,
                    sms_code=sms_code.strip(),
                    device_name=self.device_name,
                    idempotency_key=draft.idempotency_key,
                    replaces_serial_hex=supersedes,
                )
            except ServiceUnavailable:
                raise  # the request may have been processed: resume_pending will tell
            except MobileCAError:
                # The CA answered and issued nothing (wrong code, not allowed, ...).
                self.keystore.discard_pending(cid)
                raise
            # Anything else (a crash, a lost connection) leaves the pending record for
            # resume_pending: the CA may or may not have issued the certificate.
            try:
                info = self.keystore.finish_activation(draft, result)
            except ActivationFailed:
                self._revoke_quietly(
                    session, result.device_serial_hex, RevocationReason.KEY_COMPROMISE
                )
                self.keystore.discard_pending(cid)
                raise
        finally:
            draft.forget()
        self._finish(session, cid, supersedes)
        log.info("certificate %s activated on device %r", cid, self.device_name)
        return info

    def _resume_before_activation(self, session: Session, cid: int) -> LocalState:
        record = next(p for p in self.keystore.pending() if p.certificate_id == cid)
        report = self._resume_one(session, record)
        if report.outcome is ResumeOutcome.COMPLETED:
            # The earlier download went through: its password is the one in effect.
            raise AlreadyActivated(certificate=cid)
        if report.outcome is ResumeOutcome.STILL_PENDING:
            raise ActivationFailed(reason="an earlier download is unfinished; try again later")
        return self.keystore.state(cid)

    def _replaceable(self, session: Session, cid: int, serial_hex: str | None) -> str | None:
        """``serial_hex`` when the CA lists it as an unrevoked device certificate of this
        certificate on this device: a serial damaged with its file (or one already revoked)
        is not sent, since the CA would refuse the download for it. The CA checks again."""
        if not serial_hex:
            return None
        try:
            wanted = format(int(serial_hex, 16), "x")
        except ValueError:
            return None
        detail = self.ca.certificate_detail(session, cid, self.device_name)
        for d in detail.device_certs:
            if (
                d.serial_hex == wanted
                and d.device_name == self.device_name
                and d.holder == session.display_name
                and not d.revoked
            ):
                return wanted
        return None

    def _device_cert_revoked(self, session: Session, cid: int) -> bool:
        serial = self.keystore.info(cid).device_serial_hex
        detail = self.ca.certificate_detail(session, cid, self.device_name)
        return any(d.serial_hex == serial and d.revoked for d in detail.device_certs)

    def _revoke_quietly(self, session: Session, serial_hex: str, reason: RevocationReason) -> None:
        # Already revoked, or not ours to revoke: nothing left to do either way.
        with contextlib.suppress(CertificateUnavailable, NotFound):
            self.ca.revoke_device_certificate(session, serial_hex, reason)

    def _finish(self, session: Session, cid: int, supersedes: str | None) -> None:
        """The last steps, repeatable: make sure the replaced device certificate is revoked
        (the CA revoked it with the new one's issue; a pending record of an earlier release
        relies on this call), then drop the pending record (a crash before this point is
        finished by resume_pending)."""
        if supersedes:
            self._revoke_quietly(session, supersedes, RevocationReason.SUPERSEDED)
        self.keystore.discard_pending(cid)

    # --- resuming after a crash -------------------------------------------------------

    def resume_pending(self, session: Session) -> list[ResumeReport]:
        """Completes or rolls back every activation this account left unfinished (call after
        login). Needs no password: the pending record holds the new keys encrypted."""
        reports = []
        for record in self.keystore.pending():
            if record.account_id is not None and record.account_id != session.account_id:
                reports.append(ResumeReport(record.certificate_id, ResumeOutcome.OTHER_ACCOUNT))
                continue
            reports.append(self._resume_one(session, record))
        return reports

    def _resume_one(self, session: Session, record: PendingInfo) -> ResumeReport:
        cid = record.certificate_id
        if not record.intact:
            return self._drop_lost(session, record)
        code = self.keystore.pending_code(cid) or ""
        try:
            result = self.ca.activate(
                session,
                cid,
                csr_pem=record.csr_pem or b"",
                transport_public_key_pem=record.transport_public_key_pem or b"",
                sms_code=code,
                device_name=record.device_name or self.device_name,
                idempotency_key=record.idempotency_key or "",
                replaces_serial_hex=record.supersedes_serial_hex,
            )
        except ServiceUnavailable as exc:
            return ResumeReport(cid, ResumeOutcome.STILL_PENDING, exc.code)
        except MobileCAError as exc:
            self.keystore.discard_pending(cid)
            log.info("interrupted activation of %s rolled back (%s)", cid, exc.code)
            return ResumeReport(cid, ResumeOutcome.ROLLED_BACK, exc.code)
        except Exception as exc:  # the CA could not be reached: keep the record
            log.warning("interrupted activation of %s still pending (%s)", cid, type(exc).__name__)
            return ResumeReport(cid, ResumeOutcome.STILL_PENDING, type(exc).__name__)
        if not self._stored(cid, result.device_serial_hex):
            try:
                self.keystore.finish_pending(cid, result)
            except (ActivationFailed, KeystoreCorrupt) as exc:
                self._revoke_quietly(
                    session, result.device_serial_hex, RevocationReason.KEY_COMPROMISE
                )
                self.keystore.discard_pending(cid)
                return ResumeReport(cid, ResumeOutcome.REVOKED_LOST_KEY, exc.code)
        self._finish(session, cid, record.supersedes_serial_hex)
        log.info("interrupted activation of %s completed", cid)
        return ResumeReport(cid, ResumeOutcome.COMPLETED)

    def _stored(self, cid: int, serial_hex: str) -> bool:
        try:
            info = self.keystore.info(cid)
        except MobileCAError:
            return False
        return info.device_serial_hex == format(int(serial_hex, 16), "x")

    def _drop_lost(self, session: Session, record: PendingInfo) -> ResumeReport:
        """A damaged pending record: its keys cannot be trusted. If the CA issued a
        certificate for it, that certificate's key is lost and it is revoked."""
        cid = record.certificate_id
        if record.idempotency_key and record.csr_pem and record.transport_public_key_pem:
            try:
                # An empty code: the CA answers a known idempotency key without checking the
                # code, and issues nothing new for an unknown one.
                result = self.ca.activate(
                    session,
                    cid,
                    csr_pem=record.csr_pem,
                    transport_public_key_pem=record.transport_public_key_pem,
                    sms_code="",
                    device_name=record.device_name or self.device_name,
                    idempotency_key=record.idempotency_key,
                )
            except ServiceUnavailable as exc:
                return ResumeReport(cid, ResumeOutcome.STILL_PENDING, exc.code)
            except MobileCAError as exc:
                self.keystore.discard_pending(cid)
                return ResumeReport(cid, ResumeOutcome.ROLLED_BACK, exc.code)
            except Exception as exc:
                return ResumeReport(cid, ResumeOutcome.STILL_PENDING, type(exc).__name__)
            self._revoke_quietly(session, result.device_serial_hex, RevocationReason.KEY_COMPROMISE)
            self.keystore.discard_pending(cid)
            return ResumeReport(cid, ResumeOutcome.REVOKED_LOST_KEY, "pending_record_damaged")
        self.keystore.discard_pending(cid)
        return ResumeReport(cid, ResumeOutcome.ROLLED_BACK, "pending_record_damaged")

    # --- using the keys ---------------------------------------------------------------

    def unlock(self, certificate_id: int, password: str) -> UnlockedKeys:
        """The certificate's keys for one operation (use ``with``); see ``Keystore.unlock``."""
        return self.keystore.unlock(certificate_id, password)

    def change_password(
        self, certificate_id: int, old_password: str, new_password: str, new_password_again: str
    ) -> None:
        """修改证书密码: the new password twice and strong enough, then an atomic re-wrap."""
        check_new_password(new_password, new_password_again)
        self.keystore.change_password(certificate_id, old_password, new_password)
