"""The 电子签名 of an application: a one-time event key and 事件型证书 sign the canonical
digest of the application and its documents (at submission); the reviewer sees whether it
still verifies (``signature_check``)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import pki
from mobileca_desktop.ca.context import Context
from mobileca_desktop.ca.store import ApplicationRow
from mobileca_desktop.ca.store import applications as q
from mobileca_desktop.domain.canonical import canonical_json
from mobileca_desktop.domain.models import Handler, SignatureCheck


def canonical_digest(s: DB, app: ApplicationRow) -> str:
    body = {
        "id": app.id,
        "kind": app.kind,
        "purpose": app.purpose,
        "institution": app.institution_id,
        "method": app.method,
        "handler": app.handler,
        "agent": [app.agent_name, app.agent_id_number, app.agent_phone],
        "subject": app.subject,
        "documents": [[k, h] for k, h in q.document_digests(s, app.id)],
    }
    return hashlib.sha256(canonical_json(body, ascii=False)).hexdigest()


def event_sign(ctx: Context, s: DB, app: ApplicationRow, now: dt.datetime) -> dict[str, Any]:
    """The 电子签名: a one-time event key and 事件型证书 sign the canonical digest."""
    ca = ctx.authorities.get(app.institution_id, s)
    digest = canonical_digest(s, app)
    key = pki.new_ec_key()
    if app.handler == Handler.AGENT.value:
        signer = app.agent_name or ""
    else:
        signer = cast(str, app.subject.get("legal_person_name") or app.subject.get("person_name"))
    cert = pki.make_event_cert(
        signer_name=signer,
        public_key=key.public_key(),
        issuer_cert=ca.issuing,
        issuer_key=ca.issuing_key,
        now=now,
        urls=ctx.urls,
        institution_id=app.institution_id,
    )
    sig = key.sign(bytes.fromhex(digest), ec.ECDSA(hashes.SHA256()))
    ctx.issuer.record_cert(s, cert, role="event", institution_id=app.institution_id)
    return {
        "digest": digest,
        "signature": sig.hex(),
        "cert": pki.to_pem(cert),
        "signer": signer,
        "signed_at": now.isoformat(),
    }


def signature_check(ctx: Context, s: DB, app: ApplicationRow) -> SignatureCheck:
    sig = app.signature
    if not sig:
        return SignatureCheck(
            signed=False, valid=False, signer=None, signed_at=None, detail="not signed"
        )
    signed_at = dt.datetime.fromisoformat(sig["signed_at"])
    try:
        cert = x509.load_pem_x509_certificate(sig["cert"].encode())
        ca = ctx.authorities.get(app.institution_id, s)
        cert.verify_directly_issued_by(ca.issuing)
        if not (cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc):
            return SignatureCheck(
                True,
                False,
                sig.get("signer"),
                signed_at,
                "signed outside the event certificate's validity",
            )
        public_key = cert.public_key()
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        public_key.verify(
            bytes.fromhex(sig["signature"]),
            bytes.fromhex(sig["digest"]),
            ec.ECDSA(hashes.SHA256()),
        )
    except Exception:  # any failure means "does not verify"; the reviewer sees why
        return SignatureCheck(
            True, False, sig.get("signer"), signed_at, "the signature does not verify"
        )
    if canonical_digest(s, app) != sig["digest"]:
        return SignatureCheck(
            True,
            False,
            sig.get("signer"),
            signed_at,
            "tampered: the application or a document changed after signing",
        )
    return SignatureCheck(True, True, sig.get("signer"), signed_at, "valid")
