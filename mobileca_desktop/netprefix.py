"""The networks a client address belongs to, for limits that must not be beaten by spreading
requests over many addresses of one network.

One machine or one customer usually holds a whole IPv4 /24 or IPv6 /64 (an IPv6 customer is
often given a /48 or /56: 65,536 or 256 /64s), so a per-address limit alone is a per-/64
limit times 2^64. ``network_of`` gives the /24 or /64 (one share of a limit), ``wide_of``
the /16 or /48 (where a choice between networks starts, ``platform.admission``). An
IPv4-mapped IPv6 address counts as its IPv4 address; a text that is not an IP address (a
test client's name, "unknown") is its own network.

Shared by ``server`` and ``platform``; imports nothing of the project's.
"""

from __future__ import annotations

import functools
import ipaddress

IPV4_NETWORK, IPV6_NETWORK = 24, 64
IPV4_WIDE, IPV6_WIDE = 16, 48


@functools.lru_cache(maxsize=4096)
def _prefix(address: str, v4: int, v6: int) -> str:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    bits = v4 if isinstance(ip, ipaddress.IPv4Address) else v6
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def network_of(address: str) -> str:
    """The /24 (IPv4) or /64 (IPv6) of ``address``, e.g. ``"203.0.113.0/24"``."""
    return _prefix(address, IPV4_NETWORK, IPV6_NETWORK)


def wide_of(address: str) -> str:
    """The /16 (IPv4) or /48 (IPv6) of ``address``."""
    return _prefix(address, IPV4_WIDE, IPV6_WIDE)
