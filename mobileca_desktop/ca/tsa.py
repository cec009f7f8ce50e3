"""The CA's RFC 3161 time-stamping authority: one TSA per CA institution.

Each institution's issuing CA certifies its own TSA key (ECDSA P-256), so a time-stamp token
chains to the same root as the seals it dates: a relying party that trusts one institution's
root validates the seal, its signature time-stamp and the document time-stamp with nothing
else. The TSA certificate carries a critical id-kp-timeStamping EKU (RFC 3161 §2.3), a CRL
distribution point and an OCSP address, and is recorded among the issued certificates, so
the institution's OCSP responder answers "good" for it and revocation puts it on the CRL.

The key and certificate are made on first use and kept in the ``meta`` table (no schema
change): ``tsa:<institution>`` holds the PEM certificate and the wrapped key.

**Clock.** Tokens are dated by the real UTC clock, never the demo clock. The demo clock only
moves forward (``clock.Clock.set_offset``); a token dated by it would lie in the real future,
and every validator (pyHanko, Acrobat, ``openssl ts -verify`` with a later check) refuses a
time-stamp or a certificate that is not yet valid. The TSA certificate likewise starts at the
real time. A trainer's moved clock changes what the CA and platform *show* (已过期), not the
evidence a sealed bid carries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mobileca_desktop.ca import pki
from mobileca_desktop.ca.store import Store
from mobileca_desktop.ca.store import certificates as q

# The TSA policy (TSTInfo.policy) under the project's documentation arc (RFC 5612's
# enterprise number 32473, ``.77`` for mobileca; ``.77.3`` is time-stamping).
TSA_POLICY_OID = "1.3.6.1.4.1.32473.77.3.1"
ACCURACY_SECONDS = 1
TSA_YEARS = 10
_DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
_META = "tsa:{}"
_DER = serialization.Encoding.DER


def make_tsa_cert(
    *,
    institution_id: str,
    org: str,
    key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    issuer_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
    urls: pki.Urls,
    years: int = TSA_YEARS,
) -> x509.Certificate:
    """The institution's TSA certificate (RFC 3161 §2.3: the only EKU is timeStamping,
    critical)."""
    now = pki._utc(now)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{institution_id} Time-Stamping Authority"),
        ]
    )
    return (
        pki._revocation_info(
            pki._end_entity(
                subject=subject,
                public_key=key.public_key(),
                serial=pki.random_serial(),
                not_before=now - pki.CLOCK_SKEW,
                not_after=pki._add_years(now, years),
                issuer_cert=issuer_cert,
            ),
            urls,
            institution_id,
        )
        .add_extension(pki._key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _rejection(fail_info: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {
            "status": "rejection",
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({fail_info}),
        }
    )
    # TimeStampResp without its token (asn1crypto's schema insists on one, RFC 3161 does
    # not when the status is a rejection).
    return pki._der_tlv(0x30, status.dump())


@dataclass(frozen=True)
class TimeStampAuthority:
    """Signs RFC 3161 tokens with one TSA key; ``chain`` is what ``certReq`` adds after the
    TSA certificate (the issuing CA; the root is the relying party's trust anchor)."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...] = ()

    def respond(self, request_der: bytes, now: dt.datetime) -> bytes:
        """A DER TimeStampResp for ``request_der``; a bad request gets a rejection, never an
        exception."""
        try:
            req = tsp.TimeStampReq.load(bytes(request_der), strict=True)
            imprint = req["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            policy = req["req_policy"].native
            nonce = req["nonce"].native
            cert_req = bool(req["cert_req"].native)
            if req["extensions"].native:
                return _rejection("unaccepted_extension", "no extensions are supported")
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "not a TimeStampReq")
        if _DIGESTS.get(algorithm) != len(digest or b""):
            return _rejection("bad_alg", "the imprint must be SHA-256, SHA-384 or SHA-512")
        if policy is not None and policy != TSA_POLICY_OID:
            return _rejection("unaccepted_policy", f"this TSA's policy is {TSA_POLICY_OID}")
        token = self._token(algorithm, digest, nonce, cert_req, pki._utc(now))
        resp = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
        der: bytes = resp.dump()  # asn1crypto is untyped
        return der

    def _token(
        self, algorithm: str, digest: bytes, nonce: int | None, cert_req: bool, now: dt.datetime
    ) -> cms.ContentInfo:
        cert_der = self.cert.public_bytes(_DER)
        cert = ax509.Certificate.load(cert_der)
        info = {
            "version": "v1",
            "policy": TSA_POLICY_OID,
            "message_imprint": {
                "hash_algorithm": {"algorithm": algorithm},
                "hashed_message": digest,
            },
            "serial_number": pki.random_serial(),
            "gen_time": now.replace(microsecond=0),
            "accuracy": {"seconds": ACCURACY_SECONDS},
            "tsa": ax509.GeneralName(name="directory_name", value=cert.subject),
        }
        if nonce is not None:
            info["nonce"] = nonce
        tst_der = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes(
            [
                {"type": "content_type", "values": ["tst_info"]},
                {"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]},
                {
                    # RFC 5816: ESSCertIDv2 (SHA-256, the default algorithm, left out).
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "cert_hash": hashlib.sha256(cert_der).digest(),
                                    "issuer_serial": {
                                        "issuer": [
                                            ax509.GeneralName(
                                                name="directory_name", value=cert.issuer
                                            )
                                        ],
                                        "serial_number": cert.serial_number,
                                    },
                                }
                            ]
                        }
                    ],
                },
            ]
        )
        signature = self.key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer_info = {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                name="issuer_and_serial_number",
                value={"issuer": cert.issuer, "serial_number": cert.serial_number},
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signature,
        }
        certificates = None
        if cert_req:
            certificates = [cert] + [
                ax509.Certificate.load(c.public_bytes(_DER)) for c in self.chain
            ]
        signed_data = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "tst_info",
                "content": core.ParsableOctetString(tst_der),
            },
            "signer_infos": [signer_info],
        }
        if certificates:
            signed_data["certificates"] = certificates
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


class TsaKeys:
    """Each institution's TSA, made on first use and cached (``meta`` row ``tsa:<id>``).

    ``issuer(institution_id)`` gives the issuing CA's certificate, key and organisation name;
    ``wrap_key`` encrypts the TSA key for storage; ``real_now`` is the real UTC clock."""

    def __init__(
        self,
        store: Store,
        *,
        issuer: Callable[[str], tuple[x509.Certificate, ec.EllipticCurvePrivateKey, str]],
        wrap_key: bytes,
        urls: pki.Urls,
        real_now: Callable[[], dt.datetime],
    ) -> None:
        self._store = store
        self._issuer = issuer
        self._wrap_key = wrap_key
        self._urls = urls
        self._real_now = real_now
        self._cache: dict[str, TimeStampAuthority] = {}
        self._lock = threading.Lock()

    def authority(self, institution_id: str) -> TimeStampAuthority:
        with self._lock:
            tsa = self._cache.get(institution_id)
        if tsa is not None:
            return tsa
        issuing, issuing_key, org = self._issuer(institution_id)  # NotFound for unknown ids
        key_id = f"{institution_id}/tsa"
        with self._store.tx() as s:
            stored = self._store.get_meta(s, _META.format(institution_id))
            if stored is None:
                key = pki.new_ec_key()
                cert = make_tsa_cert(
                    institution_id=institution_id,
                    org=org,
                    key=key,
                    issuer_cert=issuing,
                    issuer_key=issuing_key,
                    now=self._real_now(),
                    urls=self._urls,
                )
                q.add_issued(
                    s,
                    serial=pki.serial_hex(cert.serial_number),
                    institution_id=institution_id,
                    role="tsa",
                    der=cert.public_bytes(_DER),
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                )
                blob = pki.wrap_private_key(key, self._wrap_key, key_id)
                record = {"cert": pki.to_pem(cert), "key": blob.hex()}
                self._store.set_meta(s, _META.format(institution_id), json.dumps(record))
            else:
                record = json.loads(stored)
                cert = x509.load_pem_x509_certificate(record["cert"].encode())
                key = pki.unwrap_ec_key(bytes.fromhex(record["key"]), self._wrap_key, key_id)
        tsa = TimeStampAuthority(cert=cert, key=key, chain=(issuing,))
        with self._lock:
            self._cache[institution_id] = tsa
        return tsa

    def respond(self, institution_id: str, request_der: bytes) -> bytes:
        return self.authority(institution_id).respond(request_der, self._real_now())
