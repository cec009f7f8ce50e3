"""Revocation information the CA publishes: CRLs and the RFC 6960 OCSP responder."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from mobileca_desktop.ca.certparts import _DER, _HASH, _aki, _der_read, _der_tlv, _utc
from mobileca_desktop.domain.models import RevocationReason

OCSP_VALIDITY = dt.timedelta(hours=1)

_REASON_FLAGS: dict[RevocationReason, x509.ReasonFlags] = {
    RevocationReason.UNSPECIFIED: x509.ReasonFlags.unspecified,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
}

# --- revocation: CRL and OCSP -----------------------------------------------------------


def _reason_flag(reason: RevocationReason | None) -> x509.ReasonFlags | None:
    # RFC 5280 §5.3.1: rather than reasonCode "unspecified", leave the reason out.
    if reason is None or reason == RevocationReason.UNSPECIFIED:
        return None
    return _REASON_FLAGS[RevocationReason(reason)]


def build_crl(
    *,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    revoked: list[tuple[int, dt.datetime, RevocationReason]],
    crl_number: int,
    now: dt.datetime,
    next_update_hours: int = 24,
    issued_at: dt.datetime | None = None,
) -> x509.CertificateRevocationList:
    """A full CRL of ``issuer_cert`` listing every revoked certificate still of interest.

    ``issued_at`` (default ``now``) is thisUpdate; with the demo clock ahead of the real one
    the engine passes the real time, so no validator sees a CRL or a revocation dated in
    its future (a revocation "in the future" would read as "not revoked yet")."""
    now = _utc(now)
    issued = _utc(issued_at) if issued_at is not None else now
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(issued)
        .next_update(now + dt.timedelta(hours=next_update_hours))
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(_aki(issuer_cert), critical=False)
    )
    for serial, revoked_at, reason in revoked:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(min(_utc(revoked_at), issued))
        )
        flag = _reason_flag(reason)
        if flag is not None:
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, _HASH)


@dataclass(frozen=True)
class CertStatusRecord:
    """What the engine knows about one serial: its revocation (the certificate is optional:
    the responder does not need it, and parsing it per request costs time)."""

    cert: x509.Certificate | None = None
    revoked_at: dt.datetime | None = None
    reason: RevocationReason | None = None


def _spki_key_bits(spki_der: bytes) -> bytes:
    """subjectPublicKey's BIT STRING content (without the unused-bits octet): the input of
    an OCSP CertID issuerKeyHash (RFC 6960 §4.1.1)."""
    tag, start, end = _der_read(spki_der, 0)
    if tag != 0x30:
        raise ValueError("not a SubjectPublicKeyInfo")
    _, _, alg_end = _der_read(spki_der, start)
    tag, bits_start, bits_end = _der_read(spki_der, alg_end)
    if tag != 0x03 or bits_end != end:
        raise ValueError("not a SubjectPublicKeyInfo")
    return spki_der[bits_start + 1 : bits_end]


def _append_certs(response_der: bytes, certs_field: bytes) -> bytes:
    """``response_der`` (an OCSPResponse signed without certificates) with ``certs_field``
    appended to its BasicOCSPResponse.

    Why: cryptography's builder spends ~100 µs re-checking an included certificate, twice
    the cost of the signature itself. The certs field lies outside tbsResponseData, so adding
    it after signing leaves the signature valid (RFC 6960 §4.2.1); only the enclosing
    lengths change.
    """
    _, outer_start, outer_end = _der_read(response_der, 0)
    _, _, status_end = _der_read(response_der, outer_start)  # responseStatus
    tag, rb_start, rb_end = _der_read(response_der, status_end)  # [0] responseBytes
    if tag != 0xA0 or rb_end != outer_end:
        raise ValueError("unexpected OCSPResponse layout")
    _, seq_start, _ = _der_read(response_der, rb_start)  # ResponseBytes SEQUENCE
    _, _, oid_end = _der_read(response_der, seq_start)  # responseType
    tag, octets_start, octets_end = _der_read(response_der, oid_end)  # response OCTET STRING
    if tag != 0x04 or octets_end != rb_end:
        raise ValueError("unexpected OCSPResponse layout")
    tag, basic_start, basic_end = _der_read(response_der, octets_start)
    if tag != 0x30 or basic_end != octets_end:
        raise ValueError("unexpected BasicOCSPResponse layout")
    basic = _der_tlv(0x30, response_der[basic_start:basic_end] + certs_field)
    response_bytes = _der_tlv(0x30, response_der[seq_start:oid_end] + _der_tlv(0x04, basic))
    return _der_tlv(0x30, response_der[outer_start:status_end] + _der_tlv(0xA0, response_bytes))


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


_MALFORMED = _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
_UNAUTHORIZED = _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
_INTERNAL_ERROR = _unsuccessful(ocsp.OCSPResponseStatus.INTERNAL_ERROR)


class OcspResponder:
    """An RFC 6960 responder for one issuing CA, signing as its delegated responder.

    Built once per institution: the issuer's name and key hashes for every CertID hash
    algorithm are computed here, so a request costs one parse, one lookup and one ECDSA
    signature.
    """

    _ALGORITHMS = (hashes.SHA1, hashes.SHA224, hashes.SHA256, hashes.SHA384, hashes.SHA512)

    def __init__(
        self,
        *,
        issuer_cert: x509.Certificate,
        responder_cert: x509.Certificate,
        responder_key: ec.EllipticCurvePrivateKey,
        validity: dt.timedelta = OCSP_VALIDITY,
    ) -> None:
        self._responder_cert = responder_cert
        # The responder's own certificate is issued by the same CA but is not in the
        # engine's issued-certificate table: it is known here, and answered "good" (it
        # carries id-pkix-ocsp-nocheck, so a client need not ask, but some do).
        self._own_serial = responder_cert.serial_number
        self.responder_key = responder_key
        self._validity = validity
        name_der = issuer_cert.subject.public_bytes()
        key_bits = _spki_key_bits(
            issuer_cert.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        # BasicOCSPResponse.certs ([0] EXPLICIT SEQUENCE OF Certificate) with the responder
        # certificate, so clients can check the delegation.
        self._certs = _der_tlv(0xA0, _der_tlv(0x30, responder_cert.public_bytes(_DER)))
        self._hashes: dict[str, tuple[bytes, bytes]] = {
            alg.name: (
                hashlib.new(alg.name, name_der).digest(),
                hashlib.new(alg.name, key_bits).digest(),
            )
            for alg in self._ALGORITHMS
        }

    def respond(
        self,
        request_der: bytes,
        lookup: Callable[[int], CertStatusRecord | None],
        now: dt.datetime,
        issued_at: dt.datetime | None = None,
    ) -> bytes:
        """The DER OCSPResponse to ``request_der``; never raises for a bad request.

        thisUpdate is ``issued_at`` (default ``now``), nextUpdate ``now`` + validity, and a
        revocation time is never after thisUpdate (see ``build_crl``)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            serial = request.serial_number
            name_hash = request.issuer_name_hash
            key_hash = request.issuer_key_hash
            extensions = request.extensions
        except (ValueError, TypeError):
            return _MALFORMED
        try:
            algorithm = request.hash_algorithm
        except UnsupportedAlgorithm:
            return _UNAUTHORIZED  # a CertID we cannot match is not ours to answer
        expected = self._hashes.get(algorithm.name)
        if expected is None or expected != (name_hash, key_hash):
            return _UNAUTHORIZED
        nonce: x509.OCSPNonce | None
        try:
            nonce = extensions.get_extension_for_class(x509.OCSPNonce).value
        except x509.ExtensionNotFound:
            nonce = None
        record = lookup(serial)
        if record is None and serial == self._own_serial:
            record = CertStatusRecord(cert=self._responder_cert)
        revoked_at = None
        reason = None
        if record is None:
            status = ocsp.OCSPCertStatus.UNKNOWN
        elif record.revoked_at is not None:
            status = ocsp.OCSPCertStatus.REVOKED
            revoked_at = _utc(record.revoked_at)
            reason = _reason_flag(record.reason)
        else:
            status = ocsp.OCSPCertStatus.GOOD
        now = _utc(now)
        issued = _utc(issued_at) if issued_at is not None else now
        if revoked_at is not None:
            revoked_at = min(revoked_at, issued)
        try:
            builder = (
                ocsp.OCSPResponseBuilder()
                # Echo the request's CertID (hash algorithm, hashes, serial) so the client
                # matches it whichever hash algorithm it chose.
                .add_response_by_hash(
                    issuer_name_hash=name_hash,
                    issuer_key_hash=key_hash,
                    serial_number=serial,
                    algorithm=algorithm,
                    cert_status=status,
                    this_update=issued,
                    next_update=now + self._validity,
                    revocation_time=revoked_at,
                    revocation_reason=reason,
                )
                .responder_id(ocsp.OCSPResponderEncoding.HASH, self._responder_cert)
            )
            if nonce is not None:
                builder = builder.add_extension(nonce, critical=False)
            signed = builder.sign(self.responder_key, _HASH)
            return _append_certs(signed.public_bytes(serialization.Encoding.DER), self._certs)
        except (ValueError, TypeError):
            return _INTERNAL_ERROR


_RESPONDERS: dict[tuple[x509.Certificate, x509.Certificate], OcspResponder] = {}
_RESPONDER_CACHE_SIZE = 32


def ocsp_response(
    *,
    request_der: bytes,
    issuer_cert: x509.Certificate,
    responder_cert: x509.Certificate,
    responder_key: ec.EllipticCurvePrivateKey,
    lookup: Callable[[int], CertStatusRecord | None],
    now: dt.datetime,
) -> bytes:
    """Functional form of ``OcspResponder.respond``.

    Responders are cached per (issuer, responder) certificate pair so that a caller using
    this function per request does not recompute the issuer hashes every time.
    """
    cache_key = (issuer_cert, responder_cert)
    responder = _RESPONDERS.get(cache_key)
    if responder is None or responder.responder_key is not responder_key:
        responder = OcspResponder(
            issuer_cert=issuer_cert, responder_cert=responder_cert, responder_key=responder_key
        )
        if len(_RESPONDERS) >= _RESPONDER_CACHE_SIZE:
            _RESPONDERS.clear()
        _RESPONDERS[cache_key] = responder
    return responder.respond(request_der, lookup, now)
