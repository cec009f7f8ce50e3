#!/usr/bin/env python3
"""Cost of the shared rate limits: what counting a login in the CA's database adds.

    python bench/ratelimit_shared.py [--rounds 500] [--threads 4] [--db URL]

A login takes four buckets (its address, its network, the account at that address, the
account everywhere: ``server/app.py``); with the limits shared by all workers that is one
database transaction (``SharedBuckets.take_shared`` → ``ca/store/ratebuckets.py``). Timed:

* ``login.sqlite`` / ``login.postgresql``  one login's take, alone, each from a new address
  and account (so every take inserts four rows, the costlier case), median and p99;
* ``login.*.threads``  the same from ``--threads`` threads at once on two stores (two
  connection pools, as two workers have): the latency each sees while others take.

SQLite is a throw-away file; PostgreSQL a throw-away cluster (``tests/helpers_pg.py``; needs
Debian's ``postgresql``) unless ``--db`` names one. A login's Argon2id hash costs ~0.2 s
(docs/benchmarks.md); the figures here are to be read against that. Prints a Markdown table
and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from mobileca_desktop.ca.store import Store  # noqa: E402
from mobileca_desktop.server.ratelimit import RateLimits, SharedBuckets, widened  # noqa: E402


def login_takes(n: int) -> list:
    limits = RateLimits()
    # A network of its own too: the benchmark measures the cost, never a refusal.
    address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    network = f"{address}/24 ({n})"
    account = f"legal:BENCH{n:010d}{uuid.uuid4().hex[:6]}"
    return [
        ("login@addr", address, limits.login_per_address),
        ("login@net", network, limits.login_per_network),
        ("login", f"{account}@{address}", limits.login),
        ("login@account", account, widened(limits.login, limits.per_account_factor)),
    ]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def alone(url: str, rounds: int) -> list[float]:
    store = Store(url)
    shared = SharedBuckets(store)
    try:
        for n in range(20):  # warm the pool and the statement cache
            shared.take_shared(login_takes(10_000_000 + n))
        times = []
        for n in range(rounds):
            takes = login_takes(n)
            t0 = time.perf_counter()
            shared.take_shared(takes)
            times.append(time.perf_counter() - t0)
        return times
    finally:
        store.dispose()


def together(url: str, rounds: int, threads: int) -> list[float]:
    stores = [Store(url), Store(url)]
    shared = [SharedBuckets(s) for s in stores]
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def run(i: int) -> None:
        mine = []
        start.wait()
        for n in range(rounds // threads):
            takes = login_takes(20_000_000 + i * 1_000_000 + n)
            t0 = time.perf_counter()
            shared[i % 2].take_shared(takes)
            mine.append(time.perf_counter() - t0)
        with lock:
            times.extend(mine)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return times
    finally:
        for s in stores:
            s.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL database (default: throw-away)")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'ca.sqlite3'}"
        results["login.sqlite"] = alone(url, args.rounds)
        results["login.sqlite.threads"] = together(url, args.rounds, args.threads)
    cluster = None
    pg_url = args.db
    if pg_url is None:
        from helpers_pg import Cluster, why_unavailable

        reason = why_unavailable()
        if reason is None:
            cluster = Cluster()
            cluster.start()
            pg_url = cluster.url(cluster.new_database())
        else:
            print(f"PostgreSQL skipped: {reason}", file=sys.stderr)
    try:
        if pg_url:
            results["login.postgresql"] = alone(pg_url, args.rounds)
            results["login.postgresql.threads"] = together(pg_url, args.rounds, args.threads)
    finally:
        if cluster is not None:
            cluster.stop()
    print("| measure | n | median ms | p99 ms |")
    print("|---|---:|---:|---:|")
    summary = {}
    for name, times in results.items():
        med, high = statistics.median(times) * 1000, p99(times) * 1000
        summary[name] = {"n": len(times), "median_ms": round(med, 3), "p99_ms": round(high, 3)}
        print(f"| `{name}` | {len(times)} | {med:.2f} | {high:.2f} |")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
