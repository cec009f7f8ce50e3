"""Renewing a sealed PDF's archive time-stamp before its evidence runs out (PAdES B-LTA).

A B-LTA seal validates offline for as long as its *last* time-stamp does: that token's TSA
certificate ends (``ca/tsa.py``: six years, the key signs for one), and after that nothing
proves the embedded evidence existed while it could still be checked. So before then an
archive adds, in one incremental update (ETSI EN 319 142-1 §5.5, the "LTA" chain):

1. the current revocation data for the last time-stamp's chain (the TSA certificate's OCSP
   answer, the root's CRL for the issuing CA: ``ltv._crls`` says why not the issuing
   CA's) to the DSS, and, for seals made before that, the sealing day's issuing-CA CRL
   off the DSS's lists (``_unlist_issuing_ca_crls``; it stays in the earlier revision),
2. a new document time-stamp from the institution's current TSA over all of it, with that
   TSA's own revocation data.

The same two steps as pyHanko's ``PdfTimeStamper.update_archival_timestamp_chain``; the
time-stamp and the revocation data come through ``CAService`` exactly as for sealing
(``services.ltv``), never from the URLs in the certificates. Before anything is written the
existing chain must hold: every signature intact and the last time-stamp valid and trusted
now; a file that is not a B-LTA seal or whose chain does not validate is refused with a
typed error, unchanged.

``archive_state`` tells, offline, when a file's last time-stamp stops vouching for it
(``mobileca ltv-renew --check``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms
from asn1crypto import x509 as ax509
from cryptography import x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop import locking
from mobileca_desktop.domain.errors import (
    ArchiveChainInvalid,
    MobileCAError,
    PdfNotSealed,
    PdfUnreadable,
)
from mobileca_desktop.services import ltv
from mobileca_desktop.services.api import CAService

DEFAULT_DAYS = 365  # --check: renew when the last TSA certificate ends within a year


@dataclass(frozen=True)
class ArchiveState:
    """The last time-stamp of a sealed PDF: when it was made, by which TSA certificate, and
    when that certificate ends (the file must be renewed before then)."""

    time_stamped_at: dt.datetime
    tsa_subject: str
    tsa_expires: dt.datetime
    time_stamps: int  # document time-stamps in the file (1 after sealing, +1 per renewal)

    def due(self, now: dt.datetime, days: int = DEFAULT_DAYS) -> bool:
        return self.tsa_expires - now <= dt.timedelta(days=days)


def _reader(pdf: bytes, name: str) -> PdfFileReader:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        reader.embedded_signatures  # noqa: B018 - parses the signature fields now
    except MobileCAError:
        raise
    except Exception as exc:  # pyHanko raises many kinds for a broken file
        raise PdfUnreadable(filename=name, reason=str(exc) or type(exc).__name__) from None
    return reader


def _signer(signed_data: cms.SignedData) -> ax509.Certificate | None:
    sid = signed_data["signer_infos"][0]["sid"].chosen
    for choice in signed_data["certificates"] or ():
        cert = choice.chosen
        if not isinstance(cert, ax509.Certificate):
            continue
        if (cert.issuer.dump(), cert.serial_number) == (
            sid["issuer"].dump(),
            sid["serial_number"].native,
        ):
            return cert
    return None


def _last_time_stamp(
    reader: PdfFileReader, name: str
) -> tuple[list[EmbeddedPdfSignature], list[EmbeddedPdfSignature]]:
    """The document's seals and its last document time-stamp (PdfNotSealed without)."""
    seals = reader.embedded_regular_signatures
    if not seals:
        raise PdfNotSealed(filename=name, reason="no signature")
    time_stamps = reader.embedded_timestamp_signatures
    if not time_stamps:
        raise PdfNotSealed(filename=name, reason="no document time-stamp (not PAdES B-LTA)")
    return seals, time_stamps


def archive_state(pdf: bytes, name: str = "document.pdf") -> ArchiveState:
    """When ``pdf``'s last time-stamp was made and when its TSA certificate ends (offline)."""
    reader = _reader(pdf, name)
    _seals, time_stamps = _last_time_stamp(reader, name)
    last = time_stamps[-1]
    cert = _signer(last.signed_data)
    if cert is None:
        raise ArchiveChainInvalid(filename=name, reason="the time-stamp carries no certificate")
    tst = last.signed_data["encap_content_info"]["content"].parsed
    return ArchiveState(
        time_stamped_at=tst["gen_time"].native,
        tsa_subject=cert.subject.human_friendly,
        tsa_expires=cert["tbs_certificate"]["validity"]["not_after"].native,
        time_stamps=len(time_stamps),
    )


def _context(
    ca: CAService, name: str, tsa_cert: x509.Certificate, now: dt.datetime | None
) -> tuple[ValidationContext, ltv.CATimeStamper, x509.Certificate]:
    """Validation context with the current revocation data of the last TSA's chain and of
    the current TSA, a time-stamper for the same institution, and its issuing CA."""
    try:
        institution_id, chain = ltv.institution_of(ca, tsa_cert)
    except SigningError:
        raise ArchiveChainInvalid(
            filename=name, reason="the last time-stamp was not made by this CA's TSA"
        ) from None
    issuing, root = chain[0], chain[-1]
    timestamper = ltv.CATimeStamper(lambda der: ca.timestamp(institution_id, der))
    try:
        current = ltv.tsa_certificate(timestamper)
    except TimestampRequestError as exc:
        raise ArchiveChainInvalid(filename=name, reason=f"the CA's TSA refused: {exc}") from None
    certs = [tsa_cert] + ([current] if current != tsa_cert else [])
    context = ValidationContext(
        trust_roots=[ltv._asn1(root)],
        other_certs=[ltv._asn1(issuing)],
        ocsps=[ltv._ocsp(ca, institution_id, c, issuing) for c in certs],
        crls=ltv._crls(ca, institution_id),
        allow_fetching=False,
        revocation_mode="hard-fail",
        moment=now,
    )
    return context, timestamper, issuing


def _unlist_issuing_ca_crls(
    writer: IncrementalPdfFileWriter,
    dss: DocumentSecurityStore,
    issuing: x509.Certificate,
    signers: list[ax509.Certificate],
) -> None:
    """Takes the issuing CA's CRLs that list none of the seals' certificates off the DSS's
    lists (``/CRLs`` and each ``/VRI`` entry's ``/CRL``) in this update.

    Seals made before ``ltv._crls`` left that CRL out carry the one from the day of
    sealing. pyHanko's past validation (EN 319 102-1 §5.6.2.1 time-slide) reads the
    newest status data in the DSS for each certificate of a chain as its status, even
    for a certificate the CA issued after that CRL: the OCSP responder that signs a
    renewal's answers has only that CRL (it carries id-pkix-ocsp-nocheck), so the control
    time slides back to the day of sealing, before that responder and the renewing TSA
    certificates existed, and every time-stamp a renewal adds fails for want of proof of
    existence then. A fresh issuing-CA CRL cannot be added instead (``ltv._crls``: the
    expired device certificate has left it). The seal's status at signing stays proven by
    its device OCSP answer; a CRL listing a seal's certificate is kept (it says revoked,
    and that is evidence); and nothing leaves the file: the CRL stays in the earlier
    revision, under the time-stamps that already cover it (``pdf`` is a prefix)."""
    serials = {cert.serial_number for cert in signers}

    def unlisted(ref: generic.IndirectObject) -> bool:
        crl = x509.load_der_x509_crl(ref.get_object().data)
        return crl.issuer == issuing.subject and not any(
            crl.get_revoked_certificate_by_serial_number(n) for n in serials
        )

    gone = {(ref.idnum, ref.generation) for ref in dss.crls if unlisted(ref)}
    if not gone:
        return

    def kept(refs: generic.ArrayObject) -> generic.ArrayObject:
        return generic.ArrayObject(r for r in refs if (r.idnum, r.generation) not in gone)

    backing = dss.backing_pdf_object
    backing[pdf_name("/CRLs")] = kept(backing["/CRLs"])
    if not backing["/CRLs"]:
        del backing["/CRLs"]
    writer.update_container(backing)
    for vri_ref in dss.vri_entries.values():
        vri = vri_ref.get_object()
        if "/CRL" in vri:
            vri[pdf_name("/CRL")] = kept(vri["/CRL"])
            if not vri["/CRL"]:
                del vri["/CRL"]
            writer.update_container(vri)


def renew(
    pdf: bytes, ca: CAService, *, name: str = "document.pdf", now: dt.datetime | None = None
) -> bytes:
    """``pdf`` with its last time-stamp's current revocation data and a new document
    time-stamp (an incremental update: ``pdf`` is a prefix of the result). ``ca`` is a
    ``CAService`` (``ServiceUnavailable`` when it cannot be reached); ``now`` is the
    validation time (the real clock when None). Raises ``PdfNotSealed`` or
    ``ArchiveChainInvalid`` for a file that cannot be renewed."""
    reader = _reader(pdf, name)
    seals, time_stamps = _last_time_stamp(reader, name)
    for seal in seals:
        try:
            intact, valid = validate_sig_integrity(
                seal.signer_info, seal.signer_cert, "data", seal.compute_digest()
            )
        except Exception as exc:
            raise ArchiveChainInvalid(filename=name, reason=f"seal unreadable: {exc}") from None
        if not (intact and valid):
            raise ArchiveChainInvalid(filename=name, reason="a seal was altered after signing")
    last = time_stamps[-1]
    signer = _signer(last.signed_data)
    if signer is None:
        raise ArchiveChainInvalid(filename=name, reason="the time-stamp carries no certificate")
    tsa_cert = x509.load_der_x509_certificate(signer.dump())
    context, timestamper, issuing = _context(ca, name, tsa_cert, now)
    try:
        status = validate_pdf_timestamp(last, validation_context=context)
    except Exception as exc:
        raise ArchiveChainInvalid(filename=name, reason=f"time-stamp unreadable: {exc}") from None
    if not (status.intact and status.valid and status.trusted):
        raise ArchiveChainInvalid(filename=name, reason=status.summary())
    # PdfTimeStamper.update_archival_timestamp_chain does these two steps, but writes with
    # a strict writer that refuses the lenient xref tables our seals are read with.
    out = io.BytesIO(pdf)
    try:
        writer = IncrementalPdfFileWriter(out, strict=False)
        dss = DocumentSecurityStore.supply_dss_in_writer(
            writer,
            last.pkcs7_content,
            paths=(status.validation_path,),
            validation_context=context,
        )
        _unlist_issuing_ca_crls(writer, dss, issuing, [seal.signer_cert for seal in seals])
        PdfTimeStamper(timestamper).timestamp_pdf(
            writer, status.md_algorithm, context, in_place=True
        )
    except (TimestampRequestError, SigningError) as exc:
        raise ArchiveChainInvalid(filename=name, reason=str(exc)) from None
    return out.getvalue()


def renew_file(
    path: Path, ca: CAService, *, out: Path | None = None, now: dt.datetime | None = None
) -> ArchiveState:
    """Renews the PDF at ``path`` and writes it atomically to ``out`` (default: in place):
    the old file or the renewed one, whole, never a part. Nothing is written when an error
    is raised. The folder keeps the project's lock file (``.mobileca.lock``); the written
    file gets the permissions ``path`` had (the atomic write makes it 0600 first)."""
    path = Path(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    renewed = renew(path.read_bytes(), ca, name=path.name, now=now)
    target = Path(out) if out is not None else path
    locking.atomic_write(target, renewed)
    os.chmod(target, mode)
    return archive_state(renewed, path.name)
