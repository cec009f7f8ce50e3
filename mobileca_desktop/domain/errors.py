"""Typed errors with a stable code and parameters, raised where bad input arrives.

Views turn ``code`` + ``params`` into Chinese or English text; the engine knows no
translations. ``message`` is a plain English fallback for logs and CLIs. Nothing secret is
ever put into an error's parameters.
"""

from __future__ import annotations

from typing import Any, ClassVar


class MobileCAError(Exception):
    """Base of every error a user can meet. ``code`` is stable across releases."""

    code = "error"
    template = "Something went wrong."

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.params = params
        self.message = message or self._format()
        super().__init__(self.message)

    def _format(self) -> str:
        try:
            return self.template.format(**self.params)
        except (KeyError, IndexError):
            return self.template

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "params": self.params}


class InvalidInput(MobileCAError):
    """A field is missing or malformed; ``field`` names it."""

    code = "invalid_input"
    template = "The field {field} is not valid: {reason}"


class InvalidUSCC(InvalidInput):
    code = "invalid_uscc"
    template = "统一社会信用代码 {value!r} is not valid: {reason}"


class InvalidIDNumber(InvalidInput):
    code = "invalid_id_number"
    template = "The ID number is not valid: {reason}"


class InvalidPhone(InvalidInput):
    code = "invalid_phone"
    template = "The mobile number {value!r} is not a valid mainland China mobile number"


class WeakPassword(InvalidInput):
    code = "weak_password"
    template = "The password is too weak: {reason}"


class NotFound(MobileCAError):
    code = "not_found"
    template = "No {what} with id {id} was found"


class AlreadyExists(MobileCAError):
    code = "already_exists"
    template = "{what} {value!r} is already registered"


class AuthenticationFailed(MobileCAError):
    code = "authentication_failed"
    template = "The account or the password is wrong"


class SessionExpired(MobileCAError):
    code = "session_expired"
    template = "Your login has expired; please log in again"


class PermissionDenied(MobileCAError):
    code = "permission_denied"
    template = "You may not {action}"


class IllegalState(MobileCAError):
    code = "illegal_state"
    template = "Cannot {action} while the application is {state}"


class PreconditionFailed(MobileCAError):
    code = "precondition_failed"
    template = "Cannot {action} yet: {missing}"


class SmsCodeWrong(MobileCAError):
    code = "sms_code_wrong"
    template = "The verification code is wrong ({tries_left} tries left)"


class SmsCodeExpired(MobileCAError):
    code = "sms_code_expired"
    template = "The verification code has expired; request a new one"


class SmsTooManyTries(MobileCAError):
    code = "sms_too_many_tries"
    template = "Too many wrong codes; request a new verification code"


class SmsCooldown(MobileCAError):
    code = "sms_cooldown"
    template = "A code was just sent; wait {seconds} seconds before asking again"


class VerificationFailed(MobileCAError):
    code = "verification_failed"
    template = "Verification by {method} failed: {reason}"


class DepositTriesExhausted(VerificationFailed):
    code = "deposit_tries_exhausted"
    template = "The amount was wrong three times; start a new deposit"


class DocumentRejected(MobileCAError):
    code = "document_rejected"
    template = "The file {filename!r} was refused: {reason}"


class DocumentTooLarge(DocumentRejected):
    code = "document_too_large"
    template = "The file {filename!r} is {size} bytes; the limit is {limit} bytes"


class DocumentUnsupported(DocumentRejected):
    code = "document_unsupported"
    template = "The file {filename!r} is not a readable JPEG, PNG or PDF"


class DocumentBomb(DocumentRejected):
    code = "document_bomb"
    template = "The image {filename!r} has {pixels} pixels; the limit is {limit}"


class PdfNotSealable(DocumentRejected):
    """A PDF that cannot carry a seal (``crypto/pdfcheck.py``); nothing was signed."""

    code = "pdf_not_sealable"
    template = "The PDF {filename!r} cannot be sealed: {reason}"


class PdfHiddenContent(PdfNotSealable):
    """A PDF that shows one thing on screen and prints another (an annotation shown but not
    printed or printed but not shown, or optional content switched by viewing or printing):
    what the signer sees would not be what is sealed."""

    code = "pdf_hidden_content"
    template = "The PDF {filename!r} shows different content on screen and in print: {reason}"


class PdfEncrypted(PdfNotSealable):
    code = "pdf_encrypted"
    template = "The PDF {filename!r} is encrypted (password or permissions); it cannot be sealed"


class PdfCertified(PdfNotSealable):
    code = "pdf_certified"
    template = "The PDF {filename!r} is certified and its certification allows no changes"


class PdfDamaged(PdfNotSealable):
    """Broken cross-reference table, object streams or page tree: ``reason`` says which."""

    code = "pdf_damaged"
    template = "The PDF {filename!r} is damaged: {reason}"


class PdfUnreadable(PdfNotSealable):
    code = "pdf_unreadable"
    template = "The file {filename!r} is not a readable PDF: {reason}"


class SealPositionInvalid(DocumentRejected):
    """The seal's box is not a usable place on the page it names."""

    code = "seal_position_invalid"
    template = "The seal's position on page {page} of {filename!r} is not usable: {reason}"


class PdfBomb(DocumentRejected):
    code = "pdf_bomb"
    template = "The PDF {filename!r} unpacks to more than {limit} bytes"


class CsrRejected(MobileCAError):
    code = "csr_rejected"
    template = "The certificate request was refused: {reason}"


class CertificateUnavailable(MobileCAError):
    code = "certificate_unavailable"
    template = "The certificate cannot be used: it is {status}"


class GrantNotAllowed(MobileCAError):
    code = "grant_not_allowed"
    template = "This certificate cannot be granted: {reason}"


class AuditChainBroken(MobileCAError):
    code = "audit_chain_broken"
    template = "The audit log was altered at entry {entry_id}"


class SecretUnavailable(MobileCAError):
    code = "secret_unavailable"
    template = "The CA's key-wrapping secret is not available: {reason}"


class FontMissing(MobileCAError):
    code = "font_missing"
    template = "No CJK font was found to draw seals; install fonts-wqy-microhei or fonts-noto-cjk"


class ReplacedCertificateRefused(MobileCAError):
    """A download named a device certificate to replace that is not this device's certificate
    of the same certificate and account (the same answer for an unknown serial)."""

    code = "replaced_certificate_refused"
    template = (
        "The device certificate {serial} named as replaced is not this device's certificate "
        "{certificate}; nothing was issued or revoked"
    )


class IdempotencyConflict(MobileCAError):
    code = "idempotency_conflict"
    template = "The request key {key!r} was already used for a different request"


class ConfigurationError(MobileCAError):
    code = "configuration_error"
    template = "Configuration problem: {reason}"


class SchemaTooNew(MobileCAError):
    """The CA's database was upgraded by a newer release (its schema revision is unknown
    here). Nothing was changed: open it with that release or newer."""

    code = "schema_too_new"
    template = (
        "The CA database {where} was upgraded by a newer mobileca release (schema revision "
        "{revision}; this release knows up to {head}); nothing was changed: use that release "
        "or a newer one"
    )


class SchemaUpgradeFailed(MobileCAError):
    """Upgrading the CA database's schema failed and was rolled back; ``backup`` is the copy
    of the SQLite file kept before it started ("-" on PostgreSQL)."""

    code = "schema_upgrade_failed"
    template = (
        "The CA database {where} could not be upgraded from schema revision {revision} to "
        "{head}: {reason}. It was rolled back; copy kept before the upgrade: {backup}"
    )


class NoDisplay(MobileCAError):
    """No screen for the windows (``display.py``): said before Qt starts, which would abort
    with a misleading hint. ``fix`` says what to do."""

    code = "no_display"
    template = "No display to show the window on: {reason}; {fix}"


# --- the device keystore and certificate download (证书下载 / 激活) ---------------------------


class PasswordMismatch(InvalidInput):
    code = "password_mismatch"
    template = "The two passwords are not the same"


class WrongPassword(MobileCAError):
    """``tries_left`` more wrong passwords are allowed before the certificate locks here."""

    code = "wrong_password"
    template = "The certificate password is wrong ({tries_left} tries left on this device)"


class CertificateLocked(MobileCAError):
    code = "certificate_locked"
    template = (
        "The certificate is locked on this device after {limit} wrong passwords; download it "
        "again (SMS code and a new password) to unlock it"
    )


class KeyringUnavailable(MobileCAError):
    """The OS keyring cannot be used (none, locked, refused): never a wrong password."""

    code = "keyring_unavailable"
    template = "The system keyring cannot be used ({store}: {reason}). {advice}"


class NotThisDevice(MobileCAError):
    code = "not_this_device"
    template = (
        "The key files in {folder} were made on another computer or user account (this "
        "computer's keyring has no entry for them); download the certificate again here"
    )


class KeystoreCorrupt(MobileCAError):
    code = "keystore_corrupt"
    template = (
        "The key file of certificate {certificate} is damaged or was altered ({reason}); "
        "download the certificate again"
    )


class KeyFileOutdated(KeystoreCorrupt):
    """An older copy of a key file (restored from a backup, say) is where the one this device
    wrote last should be. Refused before any password is tried, so a key replaced by a
    recovery, or an old password, never opens again. A ``KeystoreCorrupt``: whoever offers a
    new download for a damaged file does the same here."""

    code = "key_file_outdated"
    template = (
        "The key file of certificate {certificate} is an older copy, not the one this device "
        "saved last (restored from a backup?), so it was not opened. Put the current key file "
        "back, or download the certificate again (SMS code and a new password)"
    )


class NotActivated(MobileCAError):
    code = "not_activated"
    template = "Certificate {certificate} has not been downloaded to this device"


class AlreadyActivated(MobileCAError):
    code = "already_activated"
    template = "Certificate {certificate} is already downloaded to this device"


class ActivationFailed(MobileCAError):
    code = "activation_failed"
    template = "The certificate download could not be completed: {reason}"


class ProfileInUse(MobileCAError):
    """Another process (a second window, ``mobileca decode``) holds this device profile's
    lock for longer than the wait allows, e.g. while the system keyring asks to be unlocked.
    Nothing was changed; the same action can be tried again."""

    code = "profile_in_use"
    template = (
        "This certificate is in use by another window (device folder {folder}); finish or "
        "close it there, then try again"
    )


class PasswordChangedElsewhere(MobileCAError):
    """修改证书密码 from a stale view: the key file was rewritten (its password changed) by
    another window after this change read it. Nothing was changed by this one."""

    code = "password_changed_elsewhere"
    template = (
        "The password of certificate {certificate} was changed elsewhere while this change "
        "was in progress; nothing was changed here. Enter the current password and try again"
    )


class KeySessionClosed(MobileCAError):
    code = "key_session_closed"
    template = "The certificate's keys were locked again; enter the certificate password"


class NoDecryptionKey(MobileCAError):
    code = "no_decryption_key"
    template = "This file is not encrypted to any encryption certificate on this device"


class DecryptionFailed(MobileCAError):
    code = "decryption_failed"
    template = "The encrypted file could not be opened: {reason}"


class BidRefused(MobileCAError):
    """扫码解密: the bid the platform sent is not the one shown, not this subject's, or not a
    bid at all; no content key was returned. ``reason`` says which (English)."""

    code = "bid_refused"
    template = "The bid was not opened and no key was handed over: {reason}"


# --- the remote CA (mobileca-ca serve and the remote services) -----------------------------


class RateLimited(MobileCAError):
    """Too many SMS sends, code checks or logins in a short time; ``seconds`` to wait."""

    code = "rate_limited"
    template = "Too many requests; try again in {seconds} seconds"


class ServiceUnavailable(MobileCAError):
    """The CA server cannot be reached, is too slow, or answered something unreadable.
    Nothing the user entered is lost: the same call can be made again."""

    code = "service_unavailable"
    template = "The CA server {url} cannot be used right now: {reason}"


# --- 扫一扫: the scan protocol and the trading platform ---------------------------------------


class ScanPayloadInvalid(MobileCAError):
    """The QR code's text is not a scan payload this client can read (the parser's only
    error type: wrong prefix, encoding, length, version, field or operation)."""

    code = "scan_payload_invalid"
    template = "This QR code is not a trading-platform code this client can read: {reason}"


class ScanRefused(MobileCAError):
    """A well-formed scan payload that must not be acted on; nothing was signed.
    ``reason`` is one of: unsigned, bad_signature, unknown_platform, expired,
    not_yet_valid, replayed, foreign_origin, operation_not_allowed, certificate_kind."""

    code = "scan_refused"
    template = "The trading platform's request was refused ({reason}): {detail}"


class PlatformRejected(MobileCAError):
    """The trading platform answered and refused the result (its reason in ``reason``)."""

    code = "platform_rejected"
    template = "The trading platform did not accept it: {reason}"


class CameraUnavailable(MobileCAError):
    """A camera cannot be used for 扫一扫 or 法人刷脸; ``device`` names it (e.g. ``camera:0``).
    ``reason`` is one of: absent (no such camera), busy (another program uses it),
    unplugged (it stopped delivering frames), unreadable (no permission, or frames OpenCV
    cannot read)."""

    code = "camera_unavailable"
    template = "The camera {device} cannot be used: {reason}"
    REASONS: ClassVar[dict[str, str]] = {
        "absent": "there is no such camera",
        "busy": "another program is using it",
        "unplugged": "it stopped delivering pictures (unplugged?)",
        "unreadable": "it cannot be read (no permission, or an unsupported picture format)",
    }

    def _format(self) -> str:
        reason = str(self.params.get("reason", ""))
        return self.template.format(
            device=self.params.get("device", "?"), reason=self.REASONS.get(reason, reason)
        )


# --- long-term archives: renewing a sealed PDF's archive time-stamp -----------------------------


class PdfNotSealed(DocumentRejected):
    """``mobileca ltv-renew``: the file carries no time-stamped seal (PAdES B-T or above) to
    renew; it was left as it was. ``reason`` says what is missing."""

    code = "pdf_not_sealed"
    template = "{filename!r} is not a time-stamped sealed PDF ({reason}); it was not changed"


class ArchiveChainInvalid(DocumentRejected):
    """``mobileca ltv-renew``: the file's seal or its last time-stamp does not validate now
    (altered, revoked, or already expired), so a new archive time-stamp would vouch for
    nothing; the file was left as it was."""

    code = "archive_chain_invalid"
    template = (
        "{filename!r}: its existing seal or time-stamp does not validate ({reason}); "
        "it was not changed"
    )


ALL_ERRORS: dict[str, type[MobileCAError]] = {}


def _register(cls: type[MobileCAError]) -> None:
    ALL_ERRORS[cls.code] = cls
    for sub in cls.__subclasses__():
        _register(sub)


_register(MobileCAError)


def error_from_dict(data: dict[str, Any]) -> MobileCAError:
    """Rebuild a typed error from ``to_dict`` output (used by remote services)."""
    cls = ALL_ERRORS.get(data.get("code", ""), MobileCAError)
    err = cls(data.get("message"), **data.get("params", {}))
    return err
