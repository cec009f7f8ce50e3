"""Readers of what a platform sends (operation data, answers, rejections) and typed refusals."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from mobileca_desktop.crypto import scanproto as sp
from mobileca_desktop.domain.errors import (
    CertificateUnavailable,
    PlatformRejected,
    ScanRefused,
    ServiceUnavailable,
)
from mobileca_desktop.keystore.keys import UnlockedKeys
from mobileca_desktop.services import useragent
from mobileca_desktop.services.scan_api import (
    Requester,
    ScanOperation,
    ScanOutcome,
)


def _refuse(reason: str, detail: str) -> ScanRefused:
    return ScanRefused(reason=reason, detail=detail)


def _unavailable(url: str, reason: str) -> ServiceUnavailable:
    return ServiceUnavailable(url=sp.url_origin_or(url), reason=reason)


def _rejection(raw: bytes, status: int) -> PlatformRejected:
    code, message = f"http_{status}", f"HTTP {status}"
    with contextlib.suppress(ValueError, UnicodeDecodeError):
        obj = json.loads(raw)
        if isinstance(obj, dict):
            code = _short(obj.get("code"), 64) or code
            message = _short(obj.get("message"), 300) or message
    return PlatformRejected(reason=message, code=code)


def _outcome(op: ScanOperation, answer: dict[str, Any]) -> ScanOutcome:
    details = {}
    raw = answer.get("details")
    if isinstance(raw, dict):
        for key, value in list(raw.items())[:20]:
            if isinstance(key, str) and isinstance(value, str | int):
                details[key[:60]] = str(value)[:300]
    return ScanOutcome(operation=op, message=_short(answer.get("message"), 300), details=details)


def _within(cert: x509.Certificate, now: float) -> bool:
    return cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp()


def _json_object(raw: bytes, url: str) -> dict[str, Any]:
    try:
        obj = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _unavailable(url, "the answer is not JSON") from None
    if not isinstance(obj, dict):
        raise _unavailable(url, "the answer is not a JSON object")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _short(value: Any, limit: int) -> str:
    """A display string from the platform: text only, control characters dropped, cut."""
    if not isinstance(value, str):
        return ""
    clean = "".join(c for c in value if c.isprintable())
    return clean[:limit]


def _details(value: Any, url: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _unavailable(url, "details must be a list of pairs")
    rows = []
    for row in value[:30]:
        if not (isinstance(row, list) and len(row) == 2):
            raise _unavailable(url, "details must be a list of pairs")
        rows.append((_short(row[0], 40), _short(row[1], 300)))
    return tuple(rows)


def _requester(data: dict[str, Any], payload: sp.Payload) -> Requester:
    """Who asked (version 2's ``requester``): required, checked for shape, shown as text."""
    raw = data.get("requester")
    url = payload.data_url
    if not isinstance(raw, dict):
        raise _unavailable(url, "the operation data does not say who asked (requester)")
    address, client, at = raw.get("address"), raw.get("client_address"), raw.get("at")
    same = raw.get("same_address")
    if not (
        isinstance(address, str)
        and address
        and isinstance(client, str)
        and isinstance(raw.get("user_agent"), str)
        and isinstance(at, int)
        and not isinstance(at, bool)
        and 0 <= at < 2**40
        and isinstance(same, bool)
    ):
        raise _unavailable(url, "the requester's address, User-Agent, time or flag")
    user_agent = _short(raw["user_agent"], 300)
    browser, system = useragent.describe(user_agent)
    return Requester(
        address=_short(address, 64),
        user_agent=user_agent,
        browser=browser,
        system=system,
        at=dt.datetime.fromtimestamp(at, dt.UTC),
        client_address=_short(client, 64),
        # Shown as the platform says, and never "same" when the two texts differ.
        same_address=same and address == client,
    )


def _subject(data: dict[str, Any], url: str) -> dict[str, str]:
    subject = data.get("subject")
    if subject is None:
        return {}
    if not isinstance(subject, dict):
        raise _unavailable(url, "subject must be an object")
    out = {}
    for key in ("uscc", "name"):
        value = subject.get(key)
        if isinstance(value, str) and value:
            out[key] = value
    return out


def _file_name(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return _short(name, 120) or "document.pdf"


def _attr(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _chain_pems(unlocked: UnlockedKeys) -> list[str]:
    """The device certificate and its issuing CA(s), without the self-signed root."""
    certs = [unlocked.device_certificate] + [c for c in unlocked.chain if c.issuer != c.subject]
    return [c.public_bytes(Encoding.PEM).decode("ascii") for c in certs]


def _check_encryption_certificate(pem: str) -> None:
    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise CertificateUnavailable(status="without a readable encryption certificate") from exc
