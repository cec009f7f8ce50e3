"""Attack: a flood of logins with random names from one address, or spread over many
addresses of one network, to starve the CA server's password hashing (Argon2id, a few a
second a core) so that real users cannot log in.

The server refuses the flooding address, and the flooding network (IPv4 /24, IPv6 /64),
early (429 with Retry-After) instead of queueing it for the hash: per-address and per-network
buckets at the hashing rate and caps on the hashes one address and one network may have
queued or running (``RateLimits.login_per_address``, ``login_in_flight``,
``login_per_network``, ``login_in_flight_per_network``); the hash lane takes networks, and
their addresses, in turn (``server/fairlane.py``), and a network that ignores Retry-After
gets its next refusals a second late (``Tarpit``). A real user from another network
(127.0.1.2) waits for at most the flood's running hash.
The refusal does not depend on whether the name exists. A flood from as many networks as
real users is beyond what the application can tell apart (docs/architecture.md).
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

from .conftest import second_loopback_or_skip

FLOODER = Path(__file__).resolve().parent.parent / "helpers_flood.py"
OTHER_ADDRESS = "127.0.1.2"  # another /24 than the flood's (127.0.0.0/24)
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


@pytest.mark.parametrize("flood_addresses", [1, 16], ids=["one-address", "16-addresses-one-24"])
def test_a_login_flood_does_not_delay_another_network(real_hash_engine, people, flood_addresses):
    reg = demo_company(people)
    real_hash_engine.register_legal(reg)
    hashes = _Hashes(real_hash_engine)
    limits = RateLimits()
    server = ThreadedServer(create_app(real_hash_engine, ServerConfig(limits=limits)))
    with server:
        transport = httpx.HTTPTransport(local_address=OTHER_ADDRESS)
        real = httpx.Client(base_url=server.url, transport=transport, timeout=60)
        assert _login(real, reg.uscc).status_code == 200  # before the flood
        spread = ["--addresses", str(flood_addresses)]
        # The attacker's process runs niced: its CPU would not be the server's in real life.
        flood = subprocess.Popen(
            [*NICE, sys.executable, str(FLOODER), server.url, *FLOOD_ARGS, *spread],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert flood.stdout.readline().strip() == "flooding"
            # With many flooding addresses, the probe comes from a new one of their network.
            probe = "127.0.0.1" if flood_addresses == 1 else "127.0.0.200"
            attacker = httpx.Client(
                base_url=server.url,
                transport=httpx.HTTPTransport(local_address=probe),
                timeout=60,
            )
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
    # (with many addresses, their network's bucket bounds them all together).
    def allowed(rate: Limit) -> float:
        return rate.burst + rate.per_minute / 60 * FLOOD_SECONDS

    most = min(
        flood_addresses * allowed(limits.login_per_address), allowed(limits.login_per_network)
    )
    assert 1 <= statuses.get("401", 0) <= most, statuses
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


def test_the_fair_lane_takes_networks_in_turn():
    """Deterministic: one slot; ten addresses of 127.0.2.0/24 each queue a login (each alone
    at its address: it looks quiet), then one from 127.0.3.0/24 and one more from a new
    address of the flooding network. Keyed on addresses, the other network's login would
    wait behind all ten."""
    started: list[str] = []
    gate = threading.Event()

    def work(name: str) -> str:
        started.append(name)
        gate.wait(10)
        return name

    async def scenario() -> list[str]:
        lane = FairLane(1)
        first = asyncio.create_task(lane.run("127.0.2.1", work, "f0"))
        await asyncio.sleep(0.05)  # f0 runs and holds the only slot
        flood = [
            asyncio.create_task(lane.run(f"127.0.2.{i + 1}", work, f"f{i}")) for i in range(1, 11)
        ]
        await asyncio.sleep(0)
        other = asyncio.create_task(lane.run("127.0.3.1", work, "other"))
        await asyncio.sleep(0)
        late = asyncio.create_task(lane.run("127.0.2.99", work, "late"))
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(first, *flood, other, late)
        assert lane.waiting == 0
        return started

    order = asyncio.run(scenario())
    assert order[:2] == ["f0", "other"], order  # another network waits for the running hash
    assert sorted(order[2:]) == sorted([f"f{i}" for i in range(1, 11)] + ["late"])


def test_the_addresses_of_a_network_share_its_turns():
    """One slot; a busy address of a network queues five, then a quiet address of the same
    network arrives: it goes at the network's next turn, not behind the busy one's queue."""
    started: list[str] = []
    gate = threading.Event()

    def work(name: str) -> str:
        started.append(name)
        gate.wait(10)
        return name

    async def scenario() -> list[str]:
        lane = FairLane(1)
        first = asyncio.create_task(lane.run("127.0.2.1", work, "b0"))
        await asyncio.sleep(0.05)
        busy = [asyncio.create_task(lane.run("127.0.2.1", work, f"b{i}")) for i in range(1, 6)]
        await asyncio.sleep(0)
        quiet = asyncio.create_task(lane.run("127.0.2.2", work, "q"))
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(first, *busy, quiet)
        return started

    order = asyncio.run(scenario())
    assert order[:2] == ["b0", "q"], order


def test_many_addresses_of_one_network_share_one_login_budget(services, company):
    """Cheap hashes, tight limits: a new address of a network whose other addresses spent
    its budget is refused (429, the same answer), another network is served."""
    second_loopback_or_skip("127.0.2.9")
    reg, _s = company
    tight = RateLimits(
        login_per_address=Limit(per_minute=1, burst=2),
        login_per_network=Limit(per_minute=1, burst=4),
    )
    with ThreadedServer(create_app(services.engine, ServerConfig(limits=tight))) as server:

        def at(address: str) -> httpx.Client:
            transport = httpx.HTTPTransport(local_address=address)
            return httpx.Client(base_url=server.url, transport=transport, timeout=30)

        codes = [_login(at(f"127.0.2.{i}"), reg.uscc).status_code for i in (1, 2, 3, 4, 5)]
        assert codes == [200, 200, 200, 200, 429], codes
        refused = _login(at("127.0.2.9"), "91140100MA0NOBODY1")
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert _login(at("127.0.3.1"), reg.uscc).status_code == 200
