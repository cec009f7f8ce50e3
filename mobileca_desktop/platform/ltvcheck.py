"""Long-term validation of a sealed PDF, as a verifier years later would do it.

pyHanko's AdES long-term validation (ETSI EN 319 102-1 §5.6.3, ``ades_lta_validation``) with
the institution's root as the only trust anchor and nothing fetched: the signature time-stamp
gives the signing time, and the revocation data embedded in the document (DSS) decides the
certificate's status *at that time*. So a certificate revoked after the time-stamp still
validates (that is the point of long-term validation), and one the embedded data shows
revoked before it is refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from dataclasses import dataclass

from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel, ades, validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import RevokedError
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from mobileca_desktop.platform.trust import Refusal, shanghai

log = logging.getLogger(__name__)

# Every certificate of the chain, the TSA's included, needs revocation data (OCSP or CRL).
STRICT = RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
)


@dataclass(frozen=True)
class LongTermResult:
    signing_time: dt.datetime  # from the signature time-stamp
    archived_at: dt.datetime | None  # the oldest document time-stamp (B-LTA), if any
    summary: str
    coverage: SignatureCoverageLevel | None
    modifications: ModificationLevel | None
    revoked_later: bool = False  # revoked, but only after the signing time


def offline_spec(root: x509.Certificate) -> PdfSignatureValidationSpec:
    """``root`` is the only trust anchor; revocation data only from the document."""
    anchor = ax509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(trust_roots=[anchor]),
                revinfo_policy=CertRevTrustPolicy(STRICT),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )


def _valid_at(
    sig, root: x509.Certificate, signing_time: dt.datetime
) -> tuple[str, LongTermResult | None]:
    """Point-in-time validation at ``signing_time`` (the validated signature time-stamp's)
    with the DSS's OCSP responses and CRLs only: ``("valid", result)``, ``("revoked",
    None)`` when that data shows a certificate of the chain revoked by then, else
    ``("unknown", None)``."""
    anchor = ax509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    try:
        dss = DocumentSecurityStore.read_dss(sig.reader)
        context = dss.as_validation_context(
            {
                "trust_roots": [anchor],
                "moment": signing_time,
                "allow_fetching": False,
                "revocation_mode": "hard-fail",
                # Responses made after the signing time (the one saying "revoked since")
                # still speak for it: revocation is recorded with its own time.
                "retroactive_revinfo": True,
            }
        )
        status = validate_pdf_signature(sig, context, ts_validation_context=context)
    except RevokedError:
        return "revoked", None
    except Exception as exc:
        log.info("validation at the time-stamp's time failed: %r", exc)
        return "unknown", None
    if status.revocation_details is not None:
        return "revoked", None
    if not (status.intact and status.valid and status.trusted):
        log.info("validation at the time-stamp's time: %s", status.summary())
        return "unknown", None
    return "valid", LongTermResult(
        signing_time=signing_time,
        archived_at=None,
        summary=status.summary(),
        coverage=status.coverage,
        modifications=status.modification_level,
        revoked_later=True,
    )


def has_signature_timestamp(sig) -> bool:
    """The CMS signer info carries an RFC 3161 signature time-stamp (unsigned attribute)."""
    try:
        attrs = sig.signer_info["unsigned_attrs"]
        return any(a["type"].native == "signature_time_stamp_token" for a in attrs)
    except (KeyError, TypeError, ValueError):
        return False


def validate(sig, root: x509.Certificate) -> LongTermResult:
    """Raises ``Refusal`` unless ``sig`` (a pyHanko ``EmbeddedPdfSignature``) passes AdES
    long-term validation offline against ``root``."""
    if not has_signature_timestamp(sig):
        raise Refusal(
            "pdf_not_long_term",
            "签章没有时间戳（不是 PAdES 长期验证格式），日后无法离线验证，不予接受",
        )
    try:
        result = asyncio.run(ades.ades_lta_validation(sig, offline_spec(root)))
    except Exception as exc:
        log.warning("pyHanko could not validate a sealed PDF: %r", exc, exc_info=True)
        raise Refusal("pdf_signature_invalid", "签名无法验证") from exc
    indication = result.ades_subindic
    if indication is AdESPassed.OK:
        status = result.api_status
        return LongTermResult(
            signing_time=result.best_signature_time,
            archived_at=result.oldest_evidence_record_timestamp,
            summary=status.summary() if status is not None else "",
            coverage=getattr(status, "coverage", None),
            modifications=getattr(status, "modification_level", None),
        )
    log.info("long-term validation failed: %s %s", indication, result.failure_msg)
    when = result.best_signature_time
    if indication in (AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.NO_POE) and when:
        # pyHanko 0.38's past-signature validation slides the control time to the
        # revocation instant and then re-validates the path *at* that instant, which always
        # fails, so it cannot tell "revoked after the time-stamp" from "before". Decide it
        # as EN 319 102-1 §5.6.2.4 asks: the chain at the time-stamp's time, with the
        # document's own revocation data.
        verdict, at = _valid_at(sig, root, when)
        if verdict == "revoked":
            raise Refusal("revoked", f"签章时（时间戳 {shanghai(when)}）证书已被吊销，签章无效")
        if verdict == "valid" and at is not None and indication is AdESIndeterminate.REVOKED_NO_POE:
            return at
    if indication in (
        AdESFailure.REVOKED,
        AdESIndeterminate.REVOKED_NO_POE,
        AdESIndeterminate.REVOKED_CA_NO_POE,
    ):
        raise Refusal("revoked", "证书已被吊销，且文件中没有签章早于吊销时间的证据，签章无效")
    if indication in (AdESFailure.HASH_FAILURE, AdESFailure.SIG_CRYPTO_FAILURE):
        raise Refusal("pdf_signature_invalid", "签名无效：签名后的内容被改动或签名值错误")
    if indication in (
        AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND,
        AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE,
        AdESIndeterminate.CHAIN_CONSTRAINTS_FAILURE,
    ):
        raise Refusal("untrusted_chain", "签名证书不被信任（证书链或其吊销信息无法校验）")
    if indication in (
        AdESIndeterminate.TRY_LATER,
        AdESIndeterminate.NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.REVOCATION_OUT_OF_BOUNDS_NO_POE,
    ):
        raise Refusal(
            "pdf_revocation_missing",
            "签章中缺少签章时证书状态（OCSP/CRL）的证据，日后无法离线验证，不予接受",
        )
    # Every AdESSubIndic pyHanko makes is one of its enums; the base class declares no name.
    name = indication.name if isinstance(indication, enum.Enum) else str(indication)
    raise Refusal("pdf_signature_invalid", f"签名未通过长期验证（{name}）")
