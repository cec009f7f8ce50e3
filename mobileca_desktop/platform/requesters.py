"""Who asks for a scan session: the browser's address (behind trusted proxies too), its
User-Agent and the time, and the rules that bound unauthenticated session creation.

Addresses are compared as normalised IP addresses (``normalise``): an IPv4-mapped IPv6
address (``::ffff:127.0.0.1``) is the IPv4 address, IPv6 is written compressed and without a
zone. A host that reaches the platform over IPv4 and IPv6 at once has two addresses; the
rule of docs/scan-protocol.md §9 does not guess that they are one host.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_USER_AGENT = 300  # characters of the User-Agent kept (and shown to the user)
BIND_BYTES = 32  # the browser-binding cookie's random bytes

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str | None) -> IPAddress | None:
    """The IP address in ``text`` (IPv4-mapped IPv6 as IPv4, zone dropped), else ``None``."""
    if not text:
        return None
    text = text.strip().split("%", 1)[0]
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def normalise(text: str | None) -> str:
    """The canonical text of an address (``::ffff:127.0.0.1`` → ``127.0.0.1``); something
    that is not an IP address (a test client's name, a Unix socket) is kept as it is, cut."""
    address = parse_address(text)
    if address is None:
        return "".join(c for c in (text or "") if c.isprintable())[:64] or "unknown"
    return str(address)


@dataclass(frozen=True)
class AddressPolicy:
    """How the platform learns a caller's address: the TCP peer, or, when the peer is a
    proxy the platform trusts, the right-most ``X-Forwarded-For`` entry that is not one of
    its trusted proxies (entries further left were written by the client and prove
    nothing)."""

    trusted_proxies: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, proxies: Iterable[str]) -> AddressPolicy:
        """``ValueError`` for an entry that is not an address or network."""
        return cls(tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies))

    def _trusted(self, address: IPAddress | None) -> bool:
        return address is not None and any(address in net for net in self.trusted_proxies)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        hop = parse_address(peer)
        if not self._trusted(hop) or not forwarded_for:
            return normalise(peer)
        for entry in reversed(forwarded_for.split(",")):
            address = parse_address(entry)
            if address is None:
                break  # garbage from further out: the last trusted hop is what we know
            hop = address
            if not self._trusted(address):
                return str(address)
        return str(hop)


def clean_user_agent(value: str | None) -> str:
    """The User-Agent as the user will read it: printable characters, at most 300."""
    return "".join(c for c in (value or "") if c.isprintable()).strip()[:MAX_USER_AGENT]


@dataclass(frozen=True)
class Requester:
    """The browser that asked for a session: its address, User-Agent and when (CA clock)."""

    address: str
    user_agent: str
    at: int


def new_binding() -> tuple[str, bytes]:
    """A browser-binding value (for the HttpOnly cookie) and its digest (what the platform
    keeps): server-generated, 256 bits, never chosen by the browser."""
    token = secrets.token_urlsafe(BIND_BYTES)
    return token, hashlib.sha256(token.encode()).digest()


def binding_matches(token: str | None, digest: bytes | None) -> bool:
    if not token or digest is None:
        return False
    return hmac.compare_digest(hashlib.sha256(token.encode()).digest(), digest)


@dataclass(frozen=True)
class ScanPolicy:
    """The platform's rules for scan sessions (configurable: ``PlatformConfig``).

    - ``require_same_address``: a login whose code the client read from its own screen or
      clipboard (binding ``src`` screen / clipboard) is accepted only when the answering
      client's address is the requesting browser's (docs/scan-protocol.md §9). Relaxing it
      keeps the confirm page's warning.
    - ``max_pending_per_address`` / ``max_pending_per_network``: live sessions created
      without a login (the 扫码登录 page) per requesting address and per IPv4 /24 or IPv6
      /64; more is ``429``. ``max_pending_total``: all of them; when reached, the most
      crowded network's oldest unscanned session makes room (``admission``).
    """

    require_same_address: bool = True
    max_pending_per_address: int = 8
    max_pending_per_network: int = 32
    max_pending_total: int = 1000
    addresses: AddressPolicy = field(default_factory=AddressPolicy)
