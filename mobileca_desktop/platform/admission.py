"""Who may open a 扫码登录 session without a login, and whose session makes room when the
platform holds as many as it will.

Anyone may ask for a login QR code, so the anonymous sessions are bounded three ways
(``ScanPolicy``): live ones per requesting address, live ones per network (IPv4 /24, IPv6
/64: ``netprefix``), and all of them (ended ones too, until forgotten). The first two refuse
(429); the total never locks a new user out. When it is reached, one session is dropped:

1. the oldest ended one (its page learns the end from the 404 instead of the state);
2. otherwise a live one from the most crowded place: the /16 or /48 with the most sessions,
   within it the /24 or /64 with the most, within that the address with the most (ties: the
   one whose candidate is oldest), and there its oldest unscanned session before a scanned
   one (anyone may fetch a session's data and so mark it scanned: it is no proof).

A session whose login waits for its browser's 确认登录 (a verified answer from a real
certificate) is never dropped. A real user's code is dropped only when every crowded place
holds no more sessions than the user's own network, i.e. when the attacker brings about as
many networks as the platform holds sessions (docs/scan-protocol.md §10).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from mobileca_desktop.netprefix import network_of, wide_of
from mobileca_desktop.platform.model import LIVE, QR_LIFETIME, ScanSession
from mobileca_desktop.platform.requesters import Requester, ScanPolicy
from mobileca_desktop.platform.trust import Refusal

log = logging.getLogger(__name__)


def _too_many(what: str, address: str) -> Refusal:
    log.warning("scan session refused for %s: too many pending %s", address, what)
    refusal = Refusal("too_many_sessions", "待扫码的二维码过多，请稍后再试", 429)
    refusal.retry_after = QR_LIFETIME  # type: ignore[attr-defined]  # app.py's header
    return refusal


def admit(
    anonymous: Sequence[ScanSession], requester: Requester, policy: ScanPolicy
) -> ScanSession | None:
    """Checks a new anonymous session from ``requester`` against ``policy``: ``Refusal``
    (429) over the per-address or per-network cap, else the session to drop first (None:
    there is room)."""
    address = requester.address
    network = network_of(address)
    live = [s for s in anonymous if s.state in LIVE]
    if sum(1 for s in live if s.requester.address == address) >= policy.max_pending_per_address:
        raise _too_many("per address", address)
    if (
        sum(1 for s in live if network_of(s.requester.address) == network)
        >= policy.max_pending_per_network
    ):
        raise _too_many("per network", address)
    if len(anonymous) < policy.max_pending_total:
        return None
    victim = choose_victim(anonymous)
    if victim is None:  # every session waits for its browser's confirmation
        raise _too_many("in total", address)
    log.warning(
        "scan sessions full: %s's session %s dropped for %s",
        victim.requester.address,
        victim.sid,
        address,
    )
    return victim


def _rank(session: ScanSession) -> int:
    return 0 if session.state not in LIVE else 1 if session.state == "waiting" else 2


def choose_victim(anonymous: Sequence[ScanSession]) -> ScanSession | None:
    """The session to drop when the total is reached (see the module's text)."""
    candidates = [s for s in anonymous if s.pending_login is None]
    ended = [s for s in candidates if s.state not in LIVE]
    if ended:
        return min(ended, key=lambda s: (s.ended_at or 0, s.iat))
    levels: tuple[Callable[[str], str], ...] = (wide_of, network_of, str)
    for place_of in levels:
        if not candidates:
            return None
        places: dict[str, list[ScanSession]] = {}
        for s in candidates:
            places.setdefault(place_of(s.requester.address), []).append(s)
        candidates = max(
            places.values(), key=lambda group: (len(group), -min(s.iat for s in group))
        )
    return min(candidates, key=lambda s: (_rank(s), s.iat)) if candidates else None
