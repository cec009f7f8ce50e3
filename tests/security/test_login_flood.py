"""Attack: a flood of logins with random names from one address, to starve the CA server's
password hashing (Argon2id, a few a second a core) so that real users cannot log in.

The server refuses the flooding address early (429 with Retry-After) instead of queueing it
for the hash: a per-address bucket at the hashing rate and a cap on the hashes one address
may have queued or running (``RateLimits.login_per_address``, ``login_in_flight``); the hash
lane takes addresses in turn (``server/fairlane.py``), and an address that ignores
Retry-After gets its next refusals a second late (``Tarpit``). A real user from another
address (127.0.0.2) waits for at most the flood's running hash.
The refusal does not depend on whether the name exists. A flood spread over many addresses
is out of scope (docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import PASSWORD, demo_company

from mobileca_desktop.ca.engine import CAEngine, EngineConfig
from mobileca_desktop.ca.identity import PasswordPolicy
from mobileca_desktop.server.app import ServerConfig, create_app
from mobileca_desktop.server.fairlane import FairLane
from mobileca_desktop.server.ratelimit import Limit, RateLimits
from mobileca_desktop.server.run import ThreadedServer

FLOODER = Path(__file__).resolve().parent.parent / "helpers_flood.py"
OTHER_ADDRESS = "127.0.0.2"
NICE = ["nice", "-n", "10"]
FLOOD_THREADS, FLOOD_SECONDS = 16, 15
FLOOD_ARGS = ["--threads", str(FLOOD_THREADS), "--seconds", str(FLOOD_SECONDS)]

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="127.0.0.2 is a local address on Linux only"
)


@pytest.fixture
def real_hash_engine(tmp_path, memory_keyring):
    """An engine with the production Argon2id parameters: the hash is the scarce resource."""
    config = EngineConfig(passwords=PasswordPolicy(), kmc_pool_target=2, kmc_background=False)
    engine = CAEngine.open(tmp_path / "ca", config=config)
    yield engine
    engine.close()


def _login(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/api/v1/sessions", json={"kind": "legal", "login_name": name, "password": password}
    )


class _Hashes:
    """Records every engine login (its name and start and end times): which hashes ran."""

    def __init__(self, engine: CAEngine) -> None:
        self.calls: list[tuple[str, float, float]] = []
        real = engine.login

        def recorded(kind, name, password):
            started = time.perf_counter()
            try:
                return real(kind, name, password)
            finally:
                self.calls.append((name, started, time.perf_counter()))

        engine.login = recorded

    def during(self, start: float, end: float) -> list[tuple[str, float, float]]:
        return [c for c in self.calls if start <= c[1] <= end]


def test_a_login_flood_from_one_address_does_not_delay_another_address(real_hash_engine, people):
    reg = demo_company(people)
    real_hash_engine.register_legal(reg)
    hashes = _Hashes(real_hash_engine)
    limits = RateLimits()
    server = ThreadedServer(create_app(real_hash_engine, ServerConfig(limits=limits)))
    with server:
        transport = httpx.HTTPTransport(local_address=OTHER_ADDRESS)
        real = httpx.Client(base_url=server.url, transport=transport, timeout=60)
        assert _login(real, reg.uscc).status_code == 200  # before the flood
        # The attacker's process runs niced: its CPU would not be the server's in real life.
        flood = subprocess.Popen(
            [*NICE, sys.executable, str(FLOODER), server.url, *FLOOD_ARGS],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert flood.stdout.readline().strip() == "flooding"
            attacker = httpx.Client(base_url=server.url, timeout=60)
            deadline = time.monotonic() + 30
            while _login(attacker, "91140100MA0FLOOD0X").status_code != 429:
                assert time.monotonic() < deadline, "the flooding address is never refused"
            # The refusal is the same for a name that exists and one that does not.
            # (On a loaded machine the flood's in-flight hashes may end between two requests
            # and let one through; what matters is that a refusal looks the same.)
            while True:
                known = _login(attacker, reg.uscc)
                unknown = _login(attacker, "91140100MA0NOBODY1")
                if known.status_code == unknown.status_code == 429:
                    break
                assert time.monotonic() < deadline, (known.status_code, unknown.status_code)
            assert known.json() == unknown.json() and known.json()["code"] == "rate_limited"
            assert int(known.headers["retry-after"]) >= 1
            windows = []
            for _ in range(5):
                started = time.perf_counter()
                r = _login(real, reg.uscc)
                windows.append((started, time.perf_counter()))
                assert r.status_code == 200, r.text
        finally:
            out, _ = flood.communicate(timeout=180)
        real.close()
    result = json.loads(out.strip().splitlines()[-1])
    statuses = result["statuses"]
    # Only the address's hashing rate reached the hash (burst + rate x time); the rest was
    # refused before it, and as the flood ignored Retry-After its threads were held a
    # second a refusal (Tarpit) instead of costing the server a core in refusals.
    rate = limits.login_per_address
    assert 1 <= statuses.get("401", 0) <= rate.burst + rate.per_minute / 60 * FLOOD_SECONDS
    assert sum(statuses.values()) <= FLOOD_THREADS * FLOOD_SECONDS * 3, result
    assert not any(s.startswith("5") for s in statuses), result
    assert set(result["retry_after"]) and all(int(v) >= 1 for v in result["retry_after"])
    for start, end in windows:
        ran = hashes.during(start, end)
        own = [c for c in ran if c[0] == reg.uscc]
        assert len(own) == 1
        # Ahead of the real user: at most the flood's hash that was running when it came
        # (quiet addresses go first), never the flood's queue.
        flood_first = [c for c in ran if c[0] != reg.uscc and c[1] < own[0][1]]
        assert len(flood_first) <= 1, (flood_first, own)
        # In time: a few hashes' worth on this machine, loaded as it is.
        own_seconds = own[0][2] - own[0][1]
        assert end - start <= 3 * own_seconds + 1.0, (end - start, own_seconds)


def test_the_limits_are_configurable(services, company, people):
    """The suite logs in from 127.0.0.1 many times: it configures, never weakens the code."""
    reg, _s = company
    tight = RateLimits(login_per_address=Limit(per_minute=1, burst=2), login_in_flight=1)
    with ThreadedServer(create_app(services.engine, ServerConfig(limits=tight))) as server:
        client = httpx.Client(base_url=server.url)
        assert [_login(client, reg.uscc).status_code for _ in range(3)] == [200, 200, 429]
        # Registrations hash too and share the address's bucket.
        person = {
            "name": "郑一",
            "id_number": people.id_number(1991),
            "phone": people.phone(),
            "password": PASSWORD,
        }
        r = client.post("/api/v1/accounts/personal", json=person)
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    loose = RateLimits.unlimited()
    with ThreadedServer(create_app(services.engine, ServerConfig(limits=loose))) as server:
        client = httpx.Client(base_url=server.url)
        assert all(_login(client, reg.uscc).status_code == 200 for _ in range(30))


def test_the_fair_lane_takes_addresses_in_turn_and_survives_cancellation():
    """Deterministic: one slot, a busy address with five requests queued, then a quiet one."""
    started: list[str] = []
    gate = threading.Event()

    def work(name: str) -> str:
        started.append(name)
        gate.wait(10)
        return name

    async def scenario() -> list[str]:
        lane = FairLane(1)
        first = asyncio.create_task(lane.run("flood", work, "f0"))
        await asyncio.sleep(0.05)  # f0 runs and holds the only slot
        flood = [asyncio.create_task(lane.run("flood", work, f"f{i}")) for i in range(1, 6)]
        await asyncio.sleep(0)
        lost = asyncio.create_task(lane.run("gone", work, "never"))
        quiet = asyncio.create_task(lane.run("quiet", work, "q"))
        await asyncio.sleep(0)
        lost.cancel()  # a client that went away while waiting frees its turn
        gate.set()
        await asyncio.gather(first, *flood, quiet)
        assert lane.waiting == 0
        return started

    order = asyncio.run(scenario())
    assert "never" not in order
    assert order[:2] == ["f0", "q"], order  # the quiet address waits for the running hash only
    assert order[2:] == ["f1", "f2", "f3", "f4", "f5"]
