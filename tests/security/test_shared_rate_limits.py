"""The limits on password and code guessing hold for the CA as a whole, not per process.

They were kept in each worker's memory, so with N workers (``mobileca-ca serve --workers N``,
or several servers on one database) a guesser got N times the limit. They are now counted in
the CA's database (``ca/store/ratebuckets.py``), on SQLite and on PostgreSQL. The real command
is run twice on one database (one of them with two workers) and the guesses alternate between
the two servers: the per-account limit (10 a minute, a burst of 10) holds over both."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from mobileca_desktop.ca.store import Store, ratebuckets
from mobileca_desktop.cacli.common import CHEAP_PASSWORDS_ENV
from mobileca_desktop.server.ratelimit import RateLimits

LOGIN = RateLimits().login  # per account and client address


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        (tmp_path / "ca").mkdir()
        yield f"sqlite:///{tmp_path / 'ca' / 'ca.sqlite3'}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    database = cluster.new_database()
    yield cluster.url(database)
    cluster.drop_database(database)


class Serve:
    """``mobileca-ca serve`` in a subprocess on a loopback port."""

    def __init__(self, tmp_path: Path, db_url: str, name: str, workers: int) -> None:
        passphrase = tmp_path / "passphrase"
        if not passphrase.exists():
            passphrase.write_text("Kx7-demo-passphrase-for-tests-32")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"{name}.log"
        env = {**os.environ, CHEAP_PASSWORDS_ENV: "1"}
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "mobileca_desktop.cacli", "serve",
                    "--data-dir", str(tmp_path / "ca"), "--db", db_url,
                    "--passphrase-file", str(passphrase),
                    "--port", str(self.port), "--workers", str(workers),
                ],
                stdout=out, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).is_success:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


def test_the_login_limit_holds_across_server_processes(tmp_path, db_url):
    first = Serve(tmp_path, db_url, "first", workers=2)
    servers = [first]
    try:
        first.wait_ready()  # made the CA; the second opens it
        second = Serve(tmp_path, db_url, "second", workers=1)
        servers.append(second)
        second.wait_ready()
        clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
        # An account nobody has: the answers are those of a wrong password (401), and the
        # limit counts the same, whether the name exists or not.
        body = {"kind": "legal", "login_name": "91140100MA0LIMIT0X", "password": "Wrong-123"}
        answers = []
        for i in range(2 * (LOGIN.burst + 2)):
            r = clients[i % 2].post("/api/v1/sessions", json=body)
            answers.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) >= 1
        for c in clients:
            c.close()
    finally:
        for s in servers:
            s.stop()
    assert set(answers) <= {401, 429}, answers
    admitted = answers.count(401)
    # In memory each server admitted a burst of its own (20 of 24). Shared: one burst, and
    # at most one more token refilled while the guesses ran (10 a minute).
    assert LOGIN.burst <= admitted <= LOGIN.burst + 1, answers
    assert answers[: LOGIN.burst] == [401] * LOGIN.burst, answers


def _buckets(store: Store) -> int:
    with store.read_connection() as conn:
        return int(conn.execute(text("SELECT count(*) FROM rate_buckets")).scalar_one())


def test_concurrent_takes_from_two_connections_never_overdraw(db_url):
    """Two stores (two pools, as two processes have) take from one bucket at once from many
    threads; with the clock still, exactly ``burst`` tokens are taken."""
    stores = [Store(db_url), Store(db_url)]
    burst = 25
    take = ratebuckets.Take("test", "one-bucket", per_minute=1.0, burst=burst)
    now = time.time()
    taken: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(store: Store) -> None:
        start.wait()
        for _ in range(10):
            wait = ratebuckets.take(store, [take], now)
            with lock:
                taken.append(wait is None)

    threads = [threading.Thread(target=worker, args=(stores[i % 2],)) for i in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(taken) == 80
        assert taken.count(True) == burst
        # A refusal says how long to wait for the next token (one a minute here).
        assert ratebuckets.take(stores[0], [take], now) == 60
        # Full again by then: the prune deletes the bucket, which then starts full.
        later = now + 60 * burst + 1
        assert ratebuckets.take(stores[1], [], now, prune=True) is None
        assert _buckets(stores[1]) == 1  # not full yet: kept
        assert ratebuckets.take(stores[1], [], later, prune=True) is None
        assert _buckets(stores[1]) == 0
        assert ratebuckets.take(stores[1], [take], later) is None
    finally:
        for s in stores:
            s.dispose()


def test_reviewer_logins_share_the_limit_between_apps_on_one_database(services):
    """The reviewer pages' login (审核台) takes the same shared buckets: two apps on one
    engine's database (two workers' worth of in-memory buckets) admit one burst together."""
    import re

    from fastapi.testclient import TestClient

    from mobileca_desktop.server.app import ServerConfig, create_app

    clients = [
        TestClient(create_app(services.engine, ServerConfig()), follow_redirects=False)
        for _ in range(2)
    ]
    codes = []
    for i in range(2 * (LOGIN.burst + 1)):
        c = clients[i % 2]
        form = c.get("/review/login")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
        data = {"csrf": csrf, "login_name": "nobody", "password": "Wrong-pass-1"}
        codes.append(c.post("/review/login", data=data).status_code)
    for c in clients:
        c.close()
    assert set(codes) <= {401, 429}, codes
    assert LOGIN.burst <= codes.count(401) <= LOGIN.burst + 1, codes
