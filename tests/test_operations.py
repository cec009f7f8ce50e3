"""Operations declared once (domain/api.py): the local and remote services expose exactly the
same typed operations, each declaration matches the engine method that does it, the server
has one route per declared JSON operation and no other JSON route, and the remote client
sends each operation where its declaration says."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
import json
import types
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

import httpx
import pytest
from fastapi.testclient import TestClient

from mobileca_desktop.ca.engine import CAEngine
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.api import CATALOGUE
from mobileca_desktop.domain.models import AccountKind, Session
from mobileca_desktop.domain.operations import (
    API,
    APPLICANTS,
    IDEMPOTENCY_KEY,
    PUBLIC,
    SESSION,
    implementation,
    invoke,
    operation,
    operations,
)
from mobileca_desktop.server import schemas as S
from mobileca_desktop.server.app import ServerConfig, _add_operation, create_app
from mobileca_desktop.services import local, remote
from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService

PAIRS = [
    (CAService, local.LocalCAService, remote.RemoteCAService),
    (ReviewService, local.LocalReviewService, remote.RemoteReviewService),
    (InboxService, local.LocalInboxService, remote.RemoteInboxService),
    (ClockService, local.LocalClockService, remote.RemoteClockService),
]
# Not operations: the trainer's way to act as the CA operator (both review services).
EXTRAS = {"operator_session"}


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))}


@pytest.mark.parametrize(("iface", "loc", "rem"), PAIRS, ids=lambda c: c.__name__)
def test_local_and_remote_expose_the_same_typed_operations(iface, loc, rem):
    declared = {op.name: op for op in operations(iface)}
    # Every method of the interface is a declared operation, and nothing is left abstract.
    assert set(getattr(iface, "__abstractmethods__", ())) == set(declared)
    assert not loc.__abstractmethods__ and not rem.__abstractmethods__
    assert _public(loc) == _public(rem)
    assert _public(loc) - set(declared) <= EXTRAS
    for name, op in declared.items():
        want = [p for p in inspect.signature(getattr(iface, name)).parameters if p != "self"]
        assert list(op.signature.parameters) == want, name
        hints = get_type_hints(getattr(iface, name))
        for impl in (loc, rem):
            method = getattr(impl, name)
            sig = inspect.signature(method)
            assert list(sig.parameters)[1:] == want, (impl, name)
            for p in op.parameters:
                got = sig.parameters[p.name]
                assert (got.kind, got.default) == (p.kind, p.default), (impl, name, p.name)
            assert get_type_hints(method) == hints, (impl, name)
        local_sig, remote_sig = (
            inspect.signature(getattr(impl, name), eval_str=True) for impl in (loc, rem)
        )
        assert local_sig == remote_sig, name


def _hint_of(fn: Any, name: str) -> Any:
    return get_type_hints(fn).get(name, inspect.Parameter.empty)


@pytest.mark.parametrize("op", list(CATALOGUE), ids=lambda op: op.key)
def test_each_declaration_matches_the_engine_method(op):
    method = getattr(CAEngine, op.engine)
    engine_params = inspect.signature(method).parameters
    for name, value in op.fixed.items():
        assert name in engine_params
        assert isinstance(value, _hint_of(method, name))
    for p in op.parameters:
        assert p.name in engine_params, (op.key, p.name)
        assert _hint_of(method, p.name) == p.annotation, (op.key, p.name)
    # Whatever the engine may be called with, the declaration gives it.
    required = {
        n for n, p in engine_params.items() if n != "self" and p.default is inspect.Parameter.empty
    }
    assert required <= set(op.signature.parameters) | set(op.fixed), op.key
    returns = get_type_hints(method).get("return")
    assert (None if returns is type(None) else returns) == op.returns, op.key


@pytest.mark.parametrize("demo", [True, False])
def test_the_server_has_one_route_per_declared_json_operation(engine, demo):
    spec = create_app(engine, ServerConfig(demo=demo)).openapi()
    routes = {
        op["operationId"]: (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if path.startswith(API)
    }
    want = {op.key: (op.method, API + op.path) for op in CATALOGUE.served() if demo or not op.demo}
    assert routes == want
    for op in CATALOGUE:
        if op.alias_of is not None:
            assert (op.method, op.path) == (CATALOGUE.by_key[op.alias_of].method, op.path)


@pytest.fixture
def engine(tmp_path, memory_keyring, engine_config):
    e = CAEngine.open(tmp_path / "ca", config=engine_config)
    yield e
    e.close()


# --- the remote client sends what the declarations say -------------------------------------


def _sample(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        return _sample(next(a for a in get_args(tp) if a is not type(None)))
    if tp is Session:
        return Session("tok-1", 1, AccountKind.LEGAL, "x", dt.datetime.now(dt.UTC))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp))
    if tp is int:
        return 7
    if tp is str:
        return "text"
    if tp is bytes:
        return b"-----BEGIN X-----"
    if tp is dt.datetime:
        return dt.datetime.now(dt.UTC)
    if get_origin(tp) is dict:
        return {"k": "v"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = get_type_hints(tp)
        return tp(**{f.name: _sample(hints[f.name]) for f in dataclasses.fields(tp)})
    raise AssertionError(f"no sample for {tp!r}")


@pytest.mark.parametrize("op", [op for op in CATALOGUE if op.json], ids=lambda op: op.key)
def test_the_remote_client_sends_what_the_declaration_says(op):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(409, json={"code": "illegal_state", "message": "no", "params": {}})

    services = remote.RemoteServices.connect(
        "http://127.0.0.1:9", transport=httpx.MockTransport(handler), retries=0
    )
    args = {p.name: _sample(p.annotation) for p in op.parameters}
    if IDEMPOTENCY_KEY in args:
        args[IDEMPOTENCY_KEY] = "key-1"
    with pytest.raises(E.MobileCAError):
        getattr(getattr(services, op.service), op.name)(**args)
    services.close()
    (request,) = seen
    assert request.method == op.method
    path = API + op.path.format(**{n: args[n] for n in op.path_params})
    assert request.url.path == path
    assert ("authorization" in request.headers) == (SESSION in args)
    if SESSION in args:
        assert request.headers["authorization"] == "Bearer tok-1"
    assert request.headers.get("idempotency-key") == args.get(IDEMPOTENCY_KEY)
    assert set(request.url.params) == set(op.query)
    body = json.loads(request.content) if request.content else None
    if op.body is not None:
        assert set(body) == {f.name for f in dataclasses.fields(type(args[op.body]))}
    elif op.body_params or op.fixed:
        assert set(body) == {p.name for p in op.body_params} | set(op.fixed)
    else:
        assert body is None


# --- adding an operation: the engine method and its declaration, nothing else -------------


class Notes(ABC):
    """A service with one new operation, as domain/api.py would declare it."""

    service: ClassVar[str] = "notes"

    @operation("POST", "/applications/{app_id}/notes", roles=APPLICANTS, bounds={"text": 64})
    @abstractmethod
    def add_note(self, session: Session, app_id: int, text: str) -> str: ...


class NotesEngine:
    def add_note(self, session: Session, app_id: int, text: str) -> str:
        return f"{session.account_id}/{app_id}: {text}"


def test_a_new_operation_is_derived_on_both_sides():
    (op,) = operations(Notes)
    session = _sample(Session)
    local_notes = implementation(Notes, local._Engine, "LocalNotes")(NotesEngine())
    assert local_notes.add_note(session, 3, "hi") == "1/3: hi"

    def handler(request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/api/v1/applications/3/notes")
        engine = NotesEngine()
        return httpx.Response(
            200, json=engine.add_note(session, 3, json.loads(request.content)["text"])
        )

    services = remote.RemoteServices.connect(
        "http://127.0.0.1:9", transport=httpx.MockTransport(handler), retries=0
    )
    remote_notes = implementation(Notes, remote._Remote, "RemoteNotes")(services._http)
    assert remote_notes.add_note(session, 3, "hi") == "1/3: hi"
    services.close()
    # The server's body model follows from the declaration's types and bounds.
    schema = S.body_model(op).model_json_schema()
    assert schema["properties"]["text"]["maxLength"] == 64 and schema["required"] == ["text"]


def test_a_declaration_that_cannot_work_is_refused():
    class Unbounded(ABC):
        service: ClassVar[str] = "unbounded"

        @operation("POST", "/applications/{app_id}/notes", roles=APPLICANTS)
        @abstractmethod
        def add_note(self, session: Session, app_id: int, text: str) -> str: ...

    with pytest.raises(TypeError, match="needs a length"):
        operations(Unbounded)

    class NoSession(ABC):
        service: ClassVar[str] = "nosession"

        @operation("GET", "/notes", roles=APPLICANTS)
        @abstractmethod
        def notes(self) -> list[str]: ...

    with pytest.raises(TypeError, match="session"):
        operations(NoSession)


class PublicNotes(ABC):
    service: ClassVar[str] = "public_notes"

    @operation("GET", "/notes/{note_id}", roles=PUBLIC)
    @abstractmethod
    def note(self, note_id: int) -> str: ...


class PublicNotesEngine:
    def note(self, note_id: int) -> str:
        return f"note {note_id}"


def test_a_new_operation_gets_its_route_and_path_check(engine):
    (op,) = operations(PublicNotes)
    app = create_app(engine, ServerConfig())
    served = PublicNotesEngine()

    def call(op, _request, args):
        return invoke(served, op, args)

    _add_operation(app, op, None, call, call)
    with TestClient(app) as client:
        assert client.get("/api/v1/notes/5").json() == "note 5"
        refused = client.get("/api/v1/notes/0")
        assert refused.status_code == 404 and refused.json()["params"]["what"] == "note"
        assert app.openapi()["paths"]["/api/v1/notes/{note_id}"]["get"]["operationId"] == (
            "public_notes.note"
        )
