"""Long-term validation material for 扫码签章: the CA's time-stamps and revocation data.

A sealed bid is opened and disputed months or years later, on machines that cannot reach the
CA. So the seal is a PAdES signature (``ETSI.CAdES.detached``) carrying what a validator
needs offline (ETSI EN 319 142-1):

- **B-T**: a signature time-stamp from the institution's own TSA (``CAService.timestamp``:
  in process for the embedded CA, ``POST /tsa/<institution>`` for ``mobileca-ca serve``);
- **B-LT**: the whole chain's revocation data in the document security store (DSS): OCSP
  responses for the device certificate and the TSA certificate, the issuing CA's CRL and the
  root's CRL (the issuing CA's status), all fetched through ``CAService`` before signing;
- **B-LTA**: a document time-stamp over all of it, so the DSS itself is dated and protected.

Nothing is fetched from the URLs inside the certificates (``allow_fetching=False``): the
embedded CA serves none, and the same code path then works for both. pyHanko checks the
signer's and the TSA's chains against this material before it signs, so a revoked device
certificate seals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from asn1crypto import core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from mobileca_desktop.domain.errors import ServiceUnavailable
from mobileca_desktop.domain.models import Institution

_DER = serialization.Encoding.DER


class TrustMaterialSource(Protocol):
    """The calls of a ``CAService`` (local or remote) that long-term sealing makes."""

    def institutions(self) -> list[Institution]: ...

    def chain_pem(self, institution_id: str) -> str: ...

    def crl(self, institution_id: str) -> bytes: ...

    def root_crl(self, institution_id: str) -> bytes: ...

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes: ...

    def timestamp(self, institution_id: str, request_der: bytes) -> bytes: ...


class PadesLevel(StrEnum):
    """How much long-term material a seal carries (docs/benchmarks.md has the cost)."""

    B_B = "B-B"  # signature only (no time-stamp, no revocation data)
    B_T = "B-T"  # + signature time-stamp
    B_LT = "B-LT"  # + the chain's OCSP/CRL in the DSS
    B_LTA = "B-LTA"  # + a document time-stamp


DEFAULT_LEVEL = PadesLevel.B_LTA


class CATimeStamper(TimeStamper):
    """pyHanko ``TimeStamper`` over ``request(der) -> der`` (the CA's RFC 3161 TSA).

    pyHanko's own ``DummyTimeStamper`` signs with RSA only and ``HTTPTimeStamper`` needs a
    URL; this one goes through the CA service, in process or over HTTP alike."""

    def __init__(self, request: Callable[[bytes], bytes], url: str = "") -> None:
        super().__init__(include_nonce=True)  # type: ignore[no-untyped-call]  # unannotated
        self._request = request
        self.url = url

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        der = self._request(req.dump())
        try:
            outer = core.Sequence.load(der, strict=True)
            status = tsp.PKIStatusInfo.load(outer[0].dump())
            if status["status"].native not in ("granted", "granted_with_mods"):
                text = "; ".join(status["status_string"].native or [])
                raise TimestampRequestError(f"the TSA refused the request: {text}")
            resp: tsp.TimeStampResp = tsp.TimeStampResp.load(der, strict=True)
            return resp
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise TimestampRequestError("the TSA's answer is not a TimeStampResp") from exc


@dataclass(frozen=True)
class LongTermMaterial:
    """What ``pdfseal.seal_pdf`` needs for B-T and above."""

    level: PadesLevel
    timestamper: TimeStamper
    validation_context: ValidationContext


def _asn1(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(_DER))


def institution_of(
    ca: TrustMaterialSource, certificate: x509.Certificate
) -> tuple[str, list[x509.Certificate]]:
    """The CA institution whose issuing CA signed ``certificate``, and its chain (issuing CA,
    root)."""
    for inst in ca.institutions():
        chain = x509.load_pem_x509_certificates(ca.chain_pem(inst.id).encode())
        if chain[0].subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(chain[0])
        except (ValueError, TypeError, InvalidSignature):
            continue
        return inst.id, chain
    raise SigningError("the certificate was not issued by this CA")


def _ocsp(
    ca: TrustMaterialSource, institution_id: str, cert: x509.Certificate, issuer: x509.Certificate
) -> bytes:
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    der = ca.ocsp(institution_id, request.public_bytes(_DER))
    response = ocsp.load_der_ocsp_response(der)
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise ServiceUnavailable(url=f"ocsp/{institution_id}", reason="the OCSP answer failed")
    return der


def _crls(ca: TrustMaterialSource, institution_id: str) -> list[bytes]:
    # The issuing CA's CRL (end-entity status, also a fallback to OCSP) and the root's
    # (the issuing CA's status).
    return [ca.crl(institution_id), ca.root_crl(institution_id)]


def gather(
    ca: TrustMaterialSource, certificate: x509.Certificate, level: PadesLevel = DEFAULT_LEVEL
) -> LongTermMaterial | None:
    """Time-stamper and validation context for sealing with ``certificate`` at ``level``
    (None for B-B). ``ca`` is a ``CAService``; its calls raise ``ServiceUnavailable`` when
    the CA cannot be reached, and nothing is signed then. The chain comes from the CA (the
    same institution's issuing CA and root), not from the device."""
    if level is PadesLevel.B_B:
        return None
    institution_id, certs = institution_of(ca, certificate)
    issuing, root = certs[0], certs[-1]
    timestamper = CATimeStamper(lambda der: ca.timestamp(institution_id, der))
    ocsps: list[bytes] = []
    crls: list[bytes] = []
    if level in (PadesLevel.B_LT, PadesLevel.B_LTA):
        tsa_cert = tsa_certificate(timestamper)
        ocsps = [_ocsp(ca, institution_id, c, issuing) for c in (certificate, tsa_cert)]
        crls = _crls(ca, institution_id)
    context = ValidationContext(
        trust_roots=[_asn1(root)],
        other_certs=[_asn1(issuing)],
        ocsps=ocsps,
        crls=crls,
        allow_fetching=False,
        revocation_mode="hard-fail" if ocsps else "soft-fail",
    )
    return LongTermMaterial(level, timestamper, context)


def tsa_certificate(timestamper: TimeStamper) -> x509.Certificate:
    """The TSA's signing certificate, from one token (pyHanko caches it for sizing)."""
    import asyncio

    token = asyncio.run(timestamper.async_dummy_response("sha256"))
    signed = token["content"]
    sid = signed["signer_infos"][0]["sid"].chosen
    for cert in signed["certificates"]:
        c = cert.chosen
        if (c.issuer.dump(), c.serial_number) == (
            sid["issuer"].dump(),
            sid["serial_number"].native,
        ):
            return x509.load_der_x509_certificate(c.dump())
    raise TimestampRequestError("the TSA's token does not carry its certificate")
