"""A login flood from one client address or several of one network, for
tests/security/test_login_flood.py and the ``flood`` scenario of bench/load.py: threads that
post 法人登录 with random credit codes as fast as the CA server answers, each on its own
connection bound to ``local_address`` (with ``--addresses N``: thread i to the i-th of N
addresses counted from it, all in its /24).

Run it as a process of its own (``python tests/helpers_flood.py URL --seconds S``) so that
the flood's threads do not share a GIL with the server or with the client being measured.
It prints one JSON line: the count of each status and the Retry-After values seen.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
import string
import sys
import threading
import time
from collections import Counter

import httpx


def flood(
    url: str, *, local_address: str, threads: int, seconds: float, addresses: int = 1
) -> dict:
    statuses: Counter[str] = Counter()
    retry_after: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    rng = random.Random()

    first = ipaddress.ip_address(local_address)

    def one(i: int) -> None:
        address = str(first + i % max(1, addresses))
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=url, transport=transport, timeout=60) as client:
            while time.monotonic() < stop:
                name = "".join(rng.choices(string.digits + "ABCDEFGHJKLMNPQRTUWXY", k=18))
                try:
                    r = client.post(
                        "/api/v1/sessions",
                        json={"kind": "legal", "login_name": name, "password": "Guess2026pass"},
                    )
                except httpx.HTTPError as exc:
                    with lock:
                        statuses[type(exc).__name__] += 1
                    continue
                with lock:
                    statuses[str(r.status_code)] += 1
                    if "retry-after" in r.headers:
                        retry_after[r.headers["retry-after"]] += 1

    workers = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=seconds + 120)
    return {"statuses": dict(statuses), "retry_after": dict(retry_after)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url")
    p.add_argument("--local-address", default="127.0.0.1")
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--addresses", type=int, default=1, help="spread over N addresses")
    args = p.parse_args(argv)
    print("flooding", flush=True)  # the caller waits for this line before it measures
    result = flood(
        args.url,
        local_address=args.local_address,
        threads=args.threads,
        seconds=args.seconds,
        addresses=args.addresses,
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
