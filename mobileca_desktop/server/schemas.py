"""Request bodies of the CA's JSON API (pydantic, for validation and the OpenAPI description),
derived from the operations' declarations (``domain/api.py``: argument types and bounds),
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
import enum
import inspect
import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
)

from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AgentDetails,
    LegalEntityRegistration,
    PersonalRegistration,
)
from mobileca_desktop.domain.operations import Bounds, Operation
from mobileca_desktop.domain.wire import WireError, b64decode

MAX_DOCUMENT_BASE64 = 14 * 1024 * 1024  # a 10 MiB document is ~13.4 MiB of base64


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


# Fields of the value bodies: ``name: CleanText = Field(max_length=...)`` (a type checker
# reads the annotation; ``Text(n)`` builds the same type at run time for derived bodies).
CleanText = Annotated[str, AfterValidator(_clean)]


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


class LegalRegistrationBody(_Body):
    company_name: CleanText = Field(max_length=200)
    uscc: CleanText = Field(max_length=32)
    province: CleanText = Field(max_length=64)
    city: CleanText = Field(max_length=64)
    bank_name: CleanText = Field(max_length=128)
    bank_account: CleanText = Field(max_length=64)
    legal_person_name: CleanText = Field(max_length=128)
    legal_person_id_number: CleanText = Field(max_length=32)
    legal_person_phone: CleanText = Field(max_length=32)
    password: CleanText = Field(max_length=128)


class PersonalRegistrationBody(_Body):
    name: CleanText = Field(max_length=128)
    id_number: CleanText = Field(max_length=32)
    phone: CleanText = Field(max_length=32)
    password: CleanText = Field(max_length=128)


class AgentBody(_Body):
    name: CleanText = Field(max_length=128)
    id_number: CleanText = Field(max_length=32)
    phone: CleanText = Field(max_length=32)


# The domain values that travel as JSON objects, with their fields' limits.
VALUE_BODIES: dict[type, type[_Body]] = {
    LegalEntityRegistration: LegalRegistrationBody,
    PersonalRegistration: PersonalRegistrationBody,
    AgentDetails: AgentBody,
}

AwareTime = Annotated[AwareDatetime, AfterValidator(_sane_time)]


# --- request bodies derived from the operations' declarations (domain/api.py) -----------------


def field_type(op: Operation, param: inspect.Parameter) -> Any:
    """The pydantic type of one argument on the wire: its declared type and bounds."""
    tp = param.annotation
    options = get_args(tp) if get_origin(tp) in (Union, types.UnionType) else (tp,)
    inner = [t for t in options if t is not type(None)]
    if len(inner) != 1:
        raise TypeError(f"{op.key}: {param.name} has no single wire type")
    t = inner[0]
    bounds = op.bounds.get(param.name, Bounds())
    out: Any
    if param.name in op.pem or t is str:
        if bounds.length is None:
            raise TypeError(f"{op.key}: the text {param.name} needs a length")
        out = Text(bounds.length)
    elif t is bytes:
        out = Base64
    elif t is dt.datetime:
        out = AwareTime
    elif t is int:
        out = Annotated[int, Field(ge=bounds.low, le=bounds.high)]
    elif isinstance(t, type) and issubclass(t, enum.Enum):
        out = t
    elif t in VALUE_BODIES:
        out = VALUE_BODIES[t]
    elif get_origin(t) is dict:
        if bounds.key is None or bounds.value is None or bounds.items is None:
            raise TypeError(f"{op.key}: the mapping {param.name} needs bounds")
        key, value = Text(bounds.key), Text(bounds.value)
        out = Annotated[dict[key, value], Field(max_length=bounds.items)]  # type: ignore[valid-type]
    else:
        raise TypeError(f"{op.key}: no wire type for {param.name}: {t!r}")
    return out | None if len(options) > 1 else out


_BODIES: dict[str, type[BaseModel] | None] = {}


def body_model(op: Operation) -> type[BaseModel] | None:
    """The JSON body an operation takes (None: it takes none)."""
    if op.key in _BODIES:
        return _BODIES[op.key]
    model: type[BaseModel] | None = None
    if op.body is not None:
        model = VALUE_BODIES[op.signature.parameters[op.body].annotation]
    elif op.body_params:
        fields: dict[str, Any] = {}
        for p in op.body_params:
            default = ... if p.default is inspect.Parameter.empty else p.default
            fields[p.name] = (field_type(op, p), default)
        name = "".join(part.title() for part in op.name.split("_")) + "Body"
        model = create_model(name, __base__=_Body, **fields)
    _BODIES[op.key] = model
    return model


def from_body(op: Operation, body: BaseModel | None) -> dict[str, Any]:
    """The engine's arguments from a validated body: base64 and PEM text back to bytes,
    objects back to the domain's values."""
    if body is None:
        return {}
    if op.body is not None:
        tp = op.signature.parameters[op.body].annotation
        return {op.body: tp(**body.model_dump())}
    out: dict[str, Any] = {}
    for p in op.body_params:
        value = getattr(body, p.name)
        if value is None:
            out[p.name] = None
        elif p.name in op.pem:
            out[p.name] = value.encode()
        elif isinstance(value, BaseModel):
            domain = next(t for t, m in VALUE_BODIES.items() if isinstance(value, m))
            out[p.name] = domain(**value.model_dump())
        elif isinstance(value, str) and _wire_type(p.annotation) is bytes:
            out[p.name] = decode(value, p.name)
        elif isinstance(value, dict):
            out[p.name] = dict(value)
        else:
            out[p.name] = value
    return out


def _wire_type(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        inner = [t for t in get_args(tp) if t is not type(None)]
        return inner[0] if len(inner) == 1 else tp
    return tp


def decode(text: str, field_name: str) -> bytes:
    try:
        return b64decode(text, field_name)
    except WireError as exc:
        raise E.InvalidInput(field=field_name, reason=exc.reason) from None


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
        items = [a for a in get_args(tp) if a is not Ellipsis]
        return list[_doc_type(items[0])] if items else list[Any]  # type: ignore[misc]
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


def result_model(op: Operation) -> Any:
    """What an operation answers, for the description (None: nothing, 204)."""
    if op.returns is None:
        return None
    if not op.result:
        return _doc_type(op.returns)
    if op.key not in _ANSWERS:
        types_ = get_args(op.returns) if len(op.result) > 1 else (op.returns,)
        fields: dict[str, Any] = {
            n: (_doc_type(t), ...) for n, t in zip(op.result, types_, strict=True)
        }
        name = "".join(part.title() for part in op.name.split("_")) + "Answer"
        _ANSWERS[op.key] = create_model(name, **fields)
    return _ANSWERS[op.key]


_ANSWERS: dict[str, type[BaseModel]] = {}


def query_type(op: Operation, param: inspect.Parameter) -> Any:
    """A query parameter's type for FastAPI (with its bounds)."""
    bounds = op.bounds.get(param.name, Bounds())
    if param.annotation is int:
        return Annotated[int, Query(ge=bounds.low, le=bounds.high)]
    return Annotated[field_type(op, param), Query()]
