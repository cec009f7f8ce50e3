"""DigiCert's pkilint, with its stock decoders and validators (the same containers as its
``lint_pkix_cert``, ``lint_crl``, ``lint_ocsp_response`` and
``lint_pkix_signer_signee_cert_chain`` commands), over one of every certificate profile,
CRL and OCSP response the CA makes: no fatal and no error findings.

Findings judged false positives are listed in ``ACCEPTED`` (code and exact message, so
nothing else slips through) with the RFC clause that allows what was flagged.
"""

from __future__ import annotations

import contextlib
import io
import json

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from helpers_pki import INSTITUTION, build
from pkilint.bin import (
    lint_crl,
    lint_ocsp_response,
    lint_pkix_cert,
    lint_pkix_signer_signee_cert_chain,
)

from mobileca_desktop.crypto import oids

# (finding code, message) -> why it is not a defect.
ACCEPTED: dict[tuple[str, str], str] = {
    (
        "pkix.invalid_domain_name_syntax",
        'Invalid domain name syntax: "localhost"',
    ): (
        "The CA server's TLS certificate names localhost (it serves loopback by default). "
        "RFC 5280 §4.2.1.6 asks for RFC 1034 §3.5's preferred name syntax, in which a "
        "single label is a valid <subdomain>; pkilint's check wants at least one dot."
    ),
}
BAD = {"FATAL", "ERROR"}


def _lint(main, args: list[str]) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["lint", "-f", "JSON", "-s", "ALL", *args])
    text = out.getvalue()
    assert text.strip(), f"pkilint printed nothing for {args}"
    findings = []
    for result in json.loads(text)["results"]:
        for f in result["finding_descriptions"]:
            findings.append({"validator": result["validator"], "node": result["node_path"], **f})
    return findings


def test_everything_the_ca_makes_passes_pkilint(services, company, agent, portrait, tmp_path):
    art = build(services, company, agent, portrait)
    der = serialization.Encoding.DER
    # The profiles carry what they are here for: pkilint must see the project's extensions.
    ee = art.end_entities
    ee["device:long-names"].extensions.get_extension_for_oid(oids.FULL_NAME_EXTENSION)
    ee["device:agent"].extensions.get_extension_for_oid(oids.GRANT_EXTENSION)
    assert (
        oids.PLATFORM_SIGNING_EKU
        in ee["platform"].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    )
    # The kinds are what their names say (the engine's responder knows its own certificate).
    status = {k: ocsp.load_der_ocsp_response(v) for k, v in art.ocsp.items()}
    assert status["good"].certificate_status is ocsp.OCSPCertStatus.GOOD
    assert status["responder_self"].certificate_status is ocsp.OCSPCertStatus.GOOD
    assert status["revoked"].certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert status["unknown"].certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    assert status["malformed"].response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert status["unauthorized"].response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED
    reports: dict[str, list[dict]] = {}

    def write(name: str, data: bytes) -> str:
        path = tmp_path / (name.replace(":", "-") + ".der")
        path.write_bytes(data)
        return str(path)

    certs = art.certificates()
    for name, cert in certs.items():
        reports[f"cert {name}"] = _lint(lint_pkix_cert.main, [write(name, cert.public_bytes(der))])
    # Each certificate against its issuer: names, key identifiers, signature.
    issuing = art.issuing[INSTITUTION]
    pairs = {f"issuing:{i}": (art.roots[i], c) for i, c in art.issuing.items()}
    pairs.update({name: (issuing, cert) for name, cert in art.end_entities.items()})
    for name, (issuer, cert) in pairs.items():
        reports[f"chain {name}"] = _lint(
            lint_pkix_signer_signee_cert_chain.main,
            [
                write(f"{name}-issuer", issuer.public_bytes(der)),
                write(name, cert.public_bytes(der)),
            ],
        )
    for name, crl in art.crls.items():
        reports[f"crl {name}"] = _lint(
            lint_crl.main, ["-t", "CRL", "-p", "PKIX", write(f"crl-{name}", crl)]
        )
    for inst, crl in art.root_crls.items():
        # A root's CRL lists CAs only: an ARL in pkilint's terms (RFC 5280 §5).
        reports[f"root crl {inst}"] = _lint(
            lint_crl.main, ["-t", "ARL", "-p", "PKIX", write(f"root-crl-{inst}", crl)]
        )
    for name, response in art.ocsp.items():
        reports[f"ocsp {name}"] = _lint(lint_ocsp_response.main, [write(f"ocsp-{name}", response)])

    assert len(certs) >= 4 + 4 + 10 and len(art.crls) >= 2
    assert set(art.ocsp) == {
        "good",
        "revoked",
        "unknown",
        "responder_self",
        "malformed",
        "unauthorized",
    }
    bad = {
        doc: [
            f
            for f in findings
            if f["severity"] in BAD and (f["code"], f["message"]) not in ACCEPTED
        ]
        for doc, findings in reports.items()
    }
    bad = {doc: findings for doc, findings in bad.items() if findings}
    assert not bad, json.dumps(bad, ensure_ascii=False, indent=1)
