"""Typed errors as HTTP answers: a status per error class and the ``{"code","message",
"params"}`` body that ``domain.errors.error_from_dict`` turns back into the same error.

User errors are 4xx; only faults of the CA itself (its secret, its fonts, its audit log,
its configuration) are 5xx, so a client can tell "you did something wrong" from "the
server is broken" by the status alone.
"""

from __future__ import annotations

import json
from typing import Any

from mobileca_desktop.domain import errors as E

# Looked up along the class's MRO, so a subclass added later gets its parent's status.
STATUS: dict[type[E.MobileCAError], int] = {
    E.InvalidInput: 422,
    E.NotFound: 404,
    E.AlreadyExists: 409,
    E.AuthenticationFailed: 401,
    E.SessionExpired: 401,
    E.PermissionDenied: 403,
    E.IllegalState: 409,
    E.PreconditionFailed: 409,
    E.SmsCodeWrong: 400,
    E.SmsCodeExpired: 400,
    E.SmsTooManyTries: 400,
    E.SmsCooldown: 429,
    E.RateLimited: 429,
    E.VerificationFailed: 400,
    E.DocumentRejected: 422,
    E.DocumentTooLarge: 413,
    E.CsrRejected: 422,
    E.CertificateUnavailable: 409,
    E.GrantNotAllowed: 409,
    E.IdempotencyConflict: 409,
    E.ReplacedCertificateRefused: 409,
    E.AuditChainBroken: 500,
    E.SecretUnavailable: 503,
    E.FontMissing: 500,
    E.ConfigurationError: 500,
    E.ServiceUnavailable: 503,
    E.MobileCAError: 400,
}


def status_for(exc: E.MobileCAError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def error_body(exc: E.MobileCAError) -> dict[str, Any]:
    data = exc.to_dict()
    data["params"] = {str(k): _json_safe(v) for k, v in (data.get("params") or {}).items()}
    return data


def retry_after(exc: E.MobileCAError) -> int | None:
    seconds = exc.params.get("seconds")
    if isinstance(exc, E.RateLimited | E.SmsCooldown) and isinstance(seconds, int):
        return max(1, seconds)
    return None
