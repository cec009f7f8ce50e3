"""The JSON form of the domain values, shared by the CA server and the remote services.

``to_wire`` turns a dataclass of ``models`` (or a list of them) into JSON-ready data:
bytes become base64 text, datetimes ISO 8601 with their offset, enums their stable value,
tuples lists. ``from_wire(Type, data)`` reads it back by the dataclass's type hints and is
strict: anything that does not match the type raises ``WireError`` (the client treats it
as a garbled answer, ``ServiceUnavailable``); fields it does not know are ignored, so a
newer server may add some. Standard library only, so both sides can use it without
FastAPI or httpx.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import types
from typing import TYPE_CHECKING, Any, TypeVar, Union, get_args, get_origin, get_type_hints

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

D = TypeVar("D", bound="DataclassInstance")


class WireError(ValueError):
    """Data that does not have the expected shape; ``path`` says where."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path or "body"
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, path: str = "data") -> bytes:
    if not isinstance(text, str):
        raise WireError(path, "expected base64 text")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise WireError(path, "not valid base64") from None


def to_wire(value: Any) -> Any:
    """JSON-ready data for a domain value (dataclasses, enums, datetimes, bytes, containers)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return b64encode(bytes(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise WireError("datetime", "naive datetimes are not sent")
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_wire(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in value.items()}
    raise WireError(type(value).__name__, "cannot be sent")


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = get_type_hints(cls)
    return hints


def from_wire(tp: Any, data: Any, path: str = "") -> Any:
    """Reads ``data`` as a value of type ``tp`` (a dataclass, enum, container or scalar)."""
    origin = get_origin(tp)
    if tp is Any:
        return data
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise WireError(path, "must not be null")
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return from_wire(inner[0], data, path)
        for candidate in inner:
            try:
                return from_wire(candidate, data, path)
            except WireError:
                continue
        raise WireError(path, "matches none of the allowed types")
    if data is None:
        raise WireError(path, "must not be null")
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise WireError(path, "expected a list")
        args = get_args(tp)
        if origin is tuple and args and (len(args) != 2 or args[1] is not Ellipsis):
            if len(args) != len(data):
                raise WireError(path, f"expected {len(args)} items")
            pairs = enumerate(zip(args, data, strict=True))
            return tuple(from_wire(a, v, f"{path}[{i}]") for i, (a, v) in pairs)
        item = args[0] if args else Any
        items = [from_wire(item, v, f"{path}[{i}]") for i, v in enumerate(data)]
        return tuple(items) if origin is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(data, dict):
            raise WireError(path, "expected an object")
        args = get_args(tp)
        vt = args[1] if len(args) == 2 else Any
        return {str(k): from_wire(vt, v, f"{path}.{k}") for k, v in data.items()}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, data, path)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except (ValueError, TypeError):
            allowed = ", ".join(str(m.value) for m in tp)
            raise WireError(path, f"one of: {allowed}") from None
    if tp is bytes:
        return b64decode(data, path)
    if tp is dt.datetime:
        if not isinstance(data, str):
            raise WireError(path, "expected an ISO 8601 date and time")
        try:
            value = dt.datetime.fromisoformat(data)
        except ValueError:
            raise WireError(path, "expected an ISO 8601 date and time") from None
        if value.tzinfo is None:
            raise WireError(path, "needs a time zone offset")
        return value
    if tp is bool:
        if not isinstance(data, bool):
            raise WireError(path, "expected true or false")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise WireError(path, "expected an integer")
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise WireError(path, "expected a number")
        return float(data)
    if tp is str:
        if not isinstance(data, str):
            raise WireError(path, "expected text")
        return data
    raise WireError(path, f"unsupported type {tp!r}")


def _dataclass(cls: type[D], data: Any, path: str) -> D:
    if not isinstance(data, dict):
        raise WireError(path, f"expected an object ({cls.__name__})")
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        sub = f"{path}.{f.name}" if path else f.name
        if f.name in data:
            kwargs[f.name] = from_wire(hints[f.name], data[f.name], sub)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise WireError(sub, "required")
    # Fields this side does not know are ignored: a newer server may add some.
    return cls(**kwargs)
