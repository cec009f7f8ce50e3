"""Operations declared once: what each service call is, on the wire and in the engine.

``domain/api.py`` declares every operation of the four services as a typed abstract method
with an ``@operation(...)`` decorator: its name, argument and result types (the signature),
who may call it, whether a repeat is harmless, its HTTP method and path, and the few wire
details a signature cannot say (text lengths, a scalar answer's field name). Everything else
is derived from those declarations:

- the local services (``implementation`` over the engine: ``invoke`` calls the engine's
  method of the declared name with the declared arguments),
- the remote services (``implementation`` over HTTP, ``services/remote.py``),
- the CA server's JSON routes and its OpenAPI description (``server/app.py``).

Adding an operation: write the engine method, then declare it in ``domain/api.py``. Operations that
are not JSON (OCSP, CRLs, the TSA: DER bytes on the wire) are declared without ``method``;
the remote service writes those calls by hand and the server serves them by hand.

Standard library and ``domain`` only (like ``wire.py``), so the server may import it as
well as the services.
"""

from __future__ import annotations

import enum
import inspect
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_origin, get_type_hints

from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import AccountKind

F = TypeVar("F", bound=Callable[..., Any])

API = "/api/v1"

# --- who may call an operation -------------------------------------------------------------
# The engine authorises every call (in both modes); the roles document it in the OpenAPI
# description and tell the server whether a bearer session is needed at all.
PUBLIC = "public"  # no session
LEGAL = AccountKind.LEGAL.value  # 法人登录
PERSONAL = AccountKind.PERSONAL.value  # 个人登录
REVIEWER = AccountKind.REVIEWER.value  # CA 审核台 (the CA operator is one)
OPERATOR = "operator"  # the CA operator only (demo clock)
APPLICANTS = (LEGAL, PERSONAL)
ACCOUNTS = (LEGAL, PERSONAL, REVIEWER)
ROLES = frozenset({PUBLIC, LEGAL, PERSONAL, REVIEWER, OPERATOR})

# --- what a server counts before it calls (server/app.py has the policy per name) ----------
SMS_SEND = "sms_send"  # sends an SMS
SMS_CHECK = "sms_check"  # checks a code the user typed
PASSWORD_LOGIN = "login"  # an Argon2 hash keyed by account and address
PASSWORD_REGISTER = "register"  # an Argon2 hash keyed by address
LIMITS = frozenset({SMS_SEND, SMS_CHECK, PASSWORD_LOGIN, PASSWORD_REGISTER})

# Parameters with a fixed meaning on the wire.
SESSION = "session"  # Authorization: Bearer <token>
IDEMPOTENCY_KEY = "idempotency_key"  # the Idempotency-Key header


@dataclass(frozen=True)
class Bounds:
    """Wire limits of one argument: text length; a mapping's entries and its keys' and
    values' lengths; an integer's range."""

    length: int | None = None
    items: int | None = None
    key: int | None = None
    value: int | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class Operation:
    """One declared operation. ``signature`` (without ``self``) has resolved annotations."""

    service: str  # "ca", "review", "inbox", "clock"
    name: str
    signature: inspect.Signature
    engine: str  # the CAEngine method that does it
    method: str | None  # HTTP method; None: not a JSON operation (hand-written both sides)
    path: str | None  # under API, with {parameter} placeholders
    roles: tuple[str, ...]
    idempotent: bool  # a repeat does nothing twice: retried on timeouts and 5xx
    status: int  # on success (204 whenever the result is None)
    limit: str | None
    body: str | None  # the one parameter that is the whole JSON body (a registration)
    optional_body: bool  # the body may be left out (every field has its default)
    query: tuple[str, ...]
    pem: tuple[str, ...]  # bytes parameters sent as ASCII text (PEM), not base64
    bounds: Mapping[str, Bounds]
    result: tuple[str, ...]  # field names wrapping a scalar (one) or a tuple result
    fixed: Mapping[str, Any]  # engine arguments the caller does not give (also sent)
    session: str  # "required", "none", or "lenient" (unknown sessions are no error)
    demo: bool  # served only by a CA started with --demo
    alias_of: str | None  # served by another operation's route ("ca.login")
    summary: str

    @property
    def key(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def returns(self) -> Any:
        return self.signature.return_annotation

    @property
    def parameters(self) -> list[inspect.Parameter]:
        return list(self.signature.parameters.values())

    @property
    def path_params(self) -> tuple[str, ...]:
        if self.path is None:
            return ()
        names = [f for _, f, _, _ in string.Formatter().parse(self.path) if f]
        return tuple(names)

    @property
    def body_params(self) -> list[inspect.Parameter]:
        """The arguments that travel as fields of the JSON body."""
        skip = {SESSION, IDEMPOTENCY_KEY, *self.path_params, *self.query}
        return [p for p in self.parameters if p.name not in skip]

    @property
    def keyed(self) -> bool:
        return IDEMPOTENCY_KEY in self.signature.parameters

    @property
    def key_required(self) -> bool:
        p = self.signature.parameters.get(IDEMPOTENCY_KEY)
        return p is not None and p.default is inspect.Parameter.empty

    @property
    def json(self) -> bool:
        return self.method is not None


@dataclass(frozen=True)
class _Declaration:
    engine: str | None
    method: str | None
    path: str | None
    roles: tuple[str, ...]
    idempotent: bool | None
    status: int
    limit: str | None
    body: str | None
    optional_body: bool
    query: tuple[str, ...]
    pem: tuple[str, ...]
    bounds: Mapping[str, Bounds]
    result: tuple[str, ...]
    fixed: Mapping[str, Any]
    session: str | None
    demo: bool
    alias_of: str | None


def operation(
    method: str | None = None,
    path: str | None = None,
    *,
    roles: tuple[str, ...] | str,
    engine: str | None = None,
    idempotent: bool | None = None,
    status: int = 200,
    limit: str | None = None,
    body: str | None = None,
    optional_body: bool = False,
    query: tuple[str, ...] = (),
    pem: tuple[str, ...] = (),
    bounds: Mapping[str, Bounds | int] | None = None,
    result: tuple[str, ...] | str = (),
    fixed: Mapping[str, Any] | None = None,
    session: str | None = None,
    demo: bool = False,
    alias_of: str | None = None,
) -> Callable[[F], F]:
    """Declares the decorated interface method an operation (see the module's docstring).

    ``engine`` defaults to the method's name; ``idempotent`` to "it is a GET"; ``bounds``
    maps an argument to its limits (an int: a text's length); ``session`` defaults to
    "required" unless the operation is public."""
    declared = _Declaration(
        engine=engine,
        method=method,
        path=path,
        roles=(roles,) if isinstance(roles, str) else tuple(roles),
        idempotent=idempotent,
        status=status,
        limit=limit,
        body=body,
        optional_body=optional_body,
        query=tuple(query),
        pem=tuple(pem),
        bounds={
            k: Bounds(length=v) if isinstance(v, int) else v for k, v in (bounds or {}).items()
        },
        result=(result,) if isinstance(result, str) else tuple(result),
        fixed=dict(fixed or {}),
        session=session,
        demo=demo,
        alias_of=alias_of,
    )

    def mark(fn: F) -> F:
        fn.__operation__ = declared  # type: ignore[attr-defined]
        return fn

    return mark


_CACHE: dict[type, tuple[Operation, ...]] = {}


def operations(iface: type) -> tuple[Operation, ...]:
    """The operations an interface class declares, in declaration order."""
    found = _CACHE.get(iface)
    if found is not None:
        return found
    service = getattr(iface, "service", None)
    if not isinstance(service, str):
        raise TypeError(f"{iface.__name__} names no service")
    ops: list[Operation] = []
    for name, fn in vars(iface).items():
        declared = getattr(fn, "__operation__", None)
        if isinstance(declared, _Declaration):
            ops.append(_build(service, name, fn, declared))
    found = _CACHE[iface] = tuple(ops)
    return found


def _build(service: str, name: str, fn: Callable[..., Any], d: _Declaration) -> Operation:
    hints = get_type_hints(fn)
    raw = inspect.signature(fn)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in raw.parameters.values()
        if p.name != "self"
    ]
    returns = hints.get("return")
    signature = raw.replace(
        parameters=params, return_annotation=None if returns is type(None) else returns
    )
    roles = d.roles
    session = d.session or ("none" if roles == (PUBLIC,) else "required")
    op = Operation(
        service=service,
        name=name,
        signature=signature,
        engine=d.engine or name,
        method=d.method,
        path=d.path,
        roles=roles,
        idempotent=d.method == "GET" if d.idempotent is None else d.idempotent,
        status=d.status,
        limit=d.limit,
        body=d.body,
        optional_body=d.optional_body,
        query=d.query,
        pem=d.pem,
        bounds=d.bounds,
        result=d.result,
        fixed=d.fixed,
        session=session,
        demo=d.demo,
        alias_of=d.alias_of,
        summary=(inspect.getdoc(fn) or "").split("\n\n")[0],
    )
    _check(op)
    return op


def _check(op: Operation) -> None:
    """Declarations that cannot work are refused when the module is imported."""
    where = op.key
    names = set(op.signature.parameters)
    if not set(op.roles) <= ROLES or not op.roles:
        raise TypeError(f"{where}: unknown roles {op.roles}")
    if op.limit is not None and op.limit not in LIMITS:
        raise TypeError(f"{where}: unknown limit {op.limit}")
    if (op.method is None) != (op.path is None):
        raise TypeError(f"{where}: an HTTP method needs a path and the reverse")
    if (op.session == "none") == (SESSION in names):
        raise TypeError(f"{where}: a session parameter exactly when a session is needed")
    for listed in (op.path_params, op.query, op.pem, tuple(op.bounds)):
        if not set(listed) <= names:
            raise TypeError(f"{where}: {set(listed) - names} are not parameters")
    if op.body is not None and [p.name for p in op.body_params] != [op.body]:
        raise TypeError(f"{where}: a whole-body parameter must be the only body field")
    if len(op.result) > 1 and get_origin(op.returns) is not tuple:
        raise TypeError(f"{where}: several result fields need a tuple result")
    if op.json and op.body is None and op.alias_of is None:
        for p in op.body_params + [op.signature.parameters[q] for q in op.query]:
            if p.annotation is str and op.bounds.get(p.name, Bounds()).length is None:
                raise TypeError(f"{where}: the text {p.name!r} needs a length in bounds")


# --- implementations derived from the declarations ---------------------------------------------


class Bound:
    """Base of a derived implementation: every declared operation calls ``_invoke``."""

    def _invoke(self, op: Operation, arguments: dict[str, Any]) -> Any:
        raise NotImplementedError


def implementation(iface: type, base: type[Bound], name: str) -> type[Any]:
    """A concrete class of ``iface`` whose declared operations call ``base._invoke`` with
    the bound arguments (defaults applied). Methods ``base`` writes itself are kept;
    an operation that is not JSON must be one of them when ``base`` is for HTTP."""
    namespace: dict[str, Any] = {"__module__": base.__module__, "__doc__": base.__doc__}
    for op in operations(iface):
        if not hasattr(base, op.name):
            namespace[op.name] = _method(op)
    cls = type(name, (base, iface), namespace)
    missing: frozenset[str] = getattr(cls, "__abstractmethods__", frozenset())
    if missing:
        raise TypeError(f"{name} does not implement {sorted(missing)}")
    return cls


def _method(op: Operation) -> Callable[..., Any]:
    signature = op.signature
    with_self = signature.replace(
        parameters=[
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            *op.parameters,
        ]
    )

    def method(self: Bound, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return self._invoke(op, dict(bound.arguments))

    method.__name__ = op.name
    method.__qualname__ = f"{op.service}.{op.name}"
    method.__doc__ = op.summary or None
    method.__signature__ = with_self  # type: ignore[attr-defined]
    method.__annotations__ = {p.name: p.annotation for p in op.parameters} | {"return": op.returns}
    return method


def coerce(op: Operation, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments as their declared enums (callers may pass the stable text value); a value
    that is none of them is a typed ``InvalidInput``, as the server would answer."""
    out = dict(arguments)
    for p in op.parameters:
        value = out.get(p.name)
        tp = p.annotation
        if (
            value is not None
            and isinstance(tp, type)
            and issubclass(tp, enum.Enum)
            and not isinstance(value, tp)
        ):
            try:
                out[p.name] = tp(value)
            except ValueError:
                allowed = ", ".join(str(m.value) for m in tp)
                raise E.InvalidInput(field=p.name, reason=f"one of: {allowed}") from None
    return out


def invoke(engine: Any, op: Operation, arguments: Mapping[str, Any]) -> Any:
    """Does ``op`` with the engine in this process: its method of the declared name, with
    the declared fixed arguments. The engine authorises and raises the typed errors.

    Arguments go in the order of the engine class's own signature, positionally where it
    allows (keyword-only ones by name), as a hand-written call would pass them."""
    given = {**op.fixed, **coerce(op, arguments)}
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    params = _engine_parameters(type(engine), op.engine)
    unknown = given.keys() - {p.name for p in params}
    if unknown:
        raise TypeError(f"{op.key}: the engine's {op.engine} takes no {sorted(unknown)}")
    skipped = False
    for p in params:
        if p.name not in given:
            skipped = True  # keeps the engine's default; later ones go by name
        elif skipped or p.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[p.name] = given[p.name]
        else:
            args.append(given[p.name])
    return getattr(engine, op.engine)(*args, **kwargs)


_ENGINE_PARAMETERS: dict[tuple[type, str], list[inspect.Parameter]] = {}


def _engine_parameters(cls: type, name: str) -> list[inspect.Parameter]:
    found = _ENGINE_PARAMETERS.get((cls, name))
    if found is None:
        params = inspect.signature(getattr(cls, name)).parameters.values()
        found = _ENGINE_PARAMETERS[(cls, name)] = [p for p in params if p.name != "self"]
    return found


@dataclass(frozen=True)
class Catalogue:
    """All operations of the four services (``domain.api.CATALOGUE``)."""

    interfaces: tuple[type, ...]
    by_key: dict[str, Operation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for iface in self.interfaces:
            for op in operations(iface):
                self.by_key[op.key] = op
        for op in self.by_key.values():
            if op.alias_of is not None:
                other = self.by_key[op.alias_of]
                if (other.method, other.path) != (op.method, op.path):
                    raise TypeError(f"{op.key}: not served by {op.alias_of}'s route")

    def __iter__(self) -> Any:
        return iter(self.by_key.values())

    def served(self) -> list[Operation]:
        """The JSON operations that get a route of their own."""
        return [op for op in self if op.json and op.alias_of is None]
