"""Limits on what a client may send to our ASGI servers (the CA server and the platform).

``BodyLimit`` refuses a request body over the limit while it streams in: a declared
``Content-Length`` over the limit is answered 413 before a byte of the body is read, and a
chunked (or lying) body is counted chunk by chunk and answered 413 the moment the count
passes the limit, so the server never holds more than the limit (plus one chunk) of it.
The application's own answer to the cut-off body (FastAPI turns the failed read into a
400) is discarded. ``loads_json`` parses a JSON body with a bounded nesting depth.

Shared by ``server`` and ``platform``; imports nothing of the project's.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

# What the caller answers a refused body with: status, headers and the encoded body.
Refusal = tuple[int, list[tuple[bytes, bytes]], bytes]
RefusalFor = Callable[[int], Refusal]

MAX_JSON_DEPTH = 32


class CutOff:
    """One request's answer when a middleware cuts its body off: the refusal is sent once,
    with ``Connection: close``, unless the application has already started its answer, and
    whatever the application sends after the cut is dropped (FastAPI would turn the failed
    read into a 400 of its own). ``send`` is what the application is given to answer with."""

    def __init__(self, send: Callable[[dict], Awaitable[None]]) -> None:
        self._send = send
        self.started = False
        self.cut = False

    async def send(self, message: dict) -> None:
        if self.cut:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def refuse(self, refusal: Refusal) -> None:
        if self.cut:
            return
        self.cut = True
        if self.started:
            return  # the answer is under way: the connection's end tells the client
        status, headers, body = refusal
        headers = [*headers, (b"connection", b"close")]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    """Raised into the application when its body read passes the limit."""


class BodyLimit:
    """ASGI middleware: request bodies over ``limit`` bytes are refused with 413.

    ``per_path``: (path prefix, limit) pairs checked in order before the default.
    ``refusal(limit)`` builds the 413 answer in the application's own error format.
    """

    def __init__(
        self,
        app: Callable[..., Awaitable[None]],
        *,
        limit: int,
        refusal: RefusalFor,
        per_path: Sequence[tuple[str, int]] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.refusal = refusal
        self.per_path = tuple(per_path)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.per_path:
            if path.startswith(prefix):
                return limit
        return self.limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0  # the server (h11/httptools) refuses a malformed length
                if declared > limit:
                    await CutOff(send).refuse(self.refusal(limit))
                    return
        seen = 0
        answer = CutOff(send)

        async def counting_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request" and not answer.cut:
                seen += len(message.get("body", b""))
                if seen > limit:
                    await answer.refuse(self.refusal(limit))
                    raise BodyTooLarge
            return message

        with contextlib.suppress(BodyTooLarge):  # already answered with the 413
            await self.app(scope, counting_receive, answer.send)


class JsonTooDeep(ValueError):
    """The JSON text nests arrays and objects deeper than allowed."""


def loads_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with ``JsonTooDeep`` (a
    ``ValueError``) instead of a ``RecursionError`` in the parser or in the code that walks
    the value later. Other malformed input raises ``ValueError`` as ``json.loads`` does."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels") from None
    if _depth_over(value, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return value


def _depth_over(value: Any, max_depth: int) -> bool:
    """Walks the parsed value without recursion (its cost is that of the parse itself)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
