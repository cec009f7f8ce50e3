"""Request bodies of the CA's JSON API (pydantic, for validation and the OpenAPI description),
and response models derived from the domain dataclasses for the description only.

Responses are written by ``domain.wire.to_wire`` (the codec the remote services read), so
the derived models document exactly that form: bytes as base64 text, datetimes ISO 8601
with an offset, enums their stable values.

Every text field refuses NUL and unpaired surrogates (PostgreSQL cannot store the first,
no database can encode the second) and has a length limit, so bad input is a typed 422,
never a database error.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)

from mobileca_desktop.domain.models import (
    AccountKind,
    CertKind,
    DocKind,
    DocumentInfo,
    Handler,
    Method,
    RevocationReason,
)

MAX_DOCUMENT_BASE64 = 14 * 1024 * 1024  # a 10 MiB document is ~13.4 MiB of base64


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def Text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_clean)]


def _sane_time(value: dt.datetime) -> dt.datetime:
    if not 1970 <= value.year <= 9000:
        raise ValueError("year out of range")
    return value


Base64 = Annotated[
    str,
    StringConstraints(max_length=MAX_DOCUMENT_BASE64),
    Field(json_schema_extra={"format": "base64"}),
]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[!-~]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginBody(_Body):
    kind: AccountKind
    login_name: Text(64)
    password: Text(128)


class LegalRegistrationBody(_Body):
    company_name: Text(200)
    uscc: Text(32)
    province: Text(64)
    city: Text(64)
    bank_name: Text(128)
    bank_account: Text(64)
    legal_person_name: Text(128)
    legal_person_id_number: Text(32)
    legal_person_phone: Text(32)
    password: Text(128)


class PersonalRegistrationBody(_Body):
    name: Text(128)
    id_number: Text(32)
    phone: Text(32)
    password: Text(128)


class AgentBody(_Body):
    name: Text(128)
    id_number: Text(32)
    phone: Text(32)


class NewApplicationBody(_Body):
    kind: CertKind
    institution_id: Text(32)


class MethodBody(_Body):
    method: Method


class HandlerBody(_Body):
    handler: Handler
    agent: AgentBody | None = None


class FaceBody(_Body):
    photo: Base64
    filename: Text(255) = "face.jpg"


class ElicenceBody(_Body):
    qr_text: Text(4096)


class AmountBody(_Body):
    amount: Text(32)


class CodeBody(_Body):
    code: Text(32)


class DocumentBody(_Body):
    kind: DocKind
    filename: Text(255)
    data: Base64


class SubmitBody(_Body):
    sms_code: Text(32)


class ChangeBody(_Body):
    changes: Annotated[dict[Text(64), Text(200)], Field(max_length=16)]


class RevokeBody(_Body):
    reason: RevocationReason = RevocationReason.UNSPECIFIED


class DeviceRevokeBody(_Body):
    reason: RevocationReason = RevocationReason.KEY_COMPROMISE


class ActivateBody(_Body):
    csr_pem: Text(16384)
    transport_public_key_pem: Text(4096)
    sms_code: Text(32)
    device_name: Text(128)


class GrantBody(_Body):
    agent: AgentBody
    valid_until: Annotated[AwareDatetime, AfterValidator(_sane_time)]


class ReasonBody(_Body):
    reason: Text(500)


class ClockAdvanceBody(_Body):
    seconds: Annotated[int, Field(ge=-(10**10), le=10**10)]


# --- response models, for the OpenAPI description --------------------------------------------

_DOC_MODELS: dict[type, type[BaseModel]] = {}


def _doc_type(tp: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = tuple(_doc_type(a) for a in get_args(tp))
        out = args[0]
        for a in args[1:]:
            out = out | a
        return out
    if origin in (list, tuple):
        args = [a for a in get_args(tp) if a is not Ellipsis]
        return list[_doc_type(args[0])] if args else list[Any]
    if origin is dict or tp is dict:
        return dict[str, Any]
    if tp is bytes:
        return Annotated[str, Field(json_schema_extra={"format": "base64"})]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return doc_model(tp)
    return tp


def doc_model(cls: type) -> type[BaseModel]:
    """A pydantic model that describes ``to_wire(cls(...))`` (documentation only)."""
    model = _DOC_MODELS.get(cls)
    if model is None:
        hints = get_type_hints(cls)
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            fields[f.name] = (_doc_type(hints[f.name]), ... if required else None)
        model = create_model(cls.__name__, __doc__=cls.__doc__, **fields)
        _DOC_MODELS[cls] = model
    return model


class TextBody(BaseModel):
    text: str


class PemBody(BaseModel):
    pem: str


class PhoneBody(BaseModel):
    phone_masked: str


class DocumentWithData(BaseModel):
    document: doc_model(DocumentInfo)  # type: ignore[valid-type]
    data: Annotated[str, Field(json_schema_extra={"format": "base64"})]
