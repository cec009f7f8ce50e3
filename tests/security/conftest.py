"""The victim and the attacker of the 扫码登录 attacks: the victim company's certificate on
the victim's computer (the real client, ``PlatformScanService``, answering from 127.0.0.1),
the trading-platform simulator on 127.0.0.1, and browsers bound to a loopback address of
their choice (127.0.0.2 stands for another computer)."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass

import httpx
import pytest
from helpers_keystore import approved_certificate, download, new_device
from helpers_platform import client, start

from mobileca_desktop.platform.run import RunningPlatform

ATTACKER_ADDRESS = "127.0.0.2"
ATTACKER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
VICTIM_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def second_loopback_or_skip(address: str = ATTACKER_ADDRESS) -> None:
    """Only Linux routes all of 127.0.0.0/8 to loopback; elsewhere 127.0.0.2 cannot be a
    client's source address."""
    if sys.platform != "linux":
        pytest.skip(f"{address} is a loopback source address only on Linux")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, 0))
        except OSError as exc:
            if os.environ.get("CI"):  # CI is Linux: an attack test must not skip itself
                pytest.fail(f"cannot bind {address}: {exc}")
            pytest.skip(f"cannot bind {address}: {exc}")


def browser_at(platform: RunningPlatform, address: str, user_agent: str) -> httpx.Client:
    """A browser on the computer at ``address`` (its connections leave from there) that
    has loaded the platform's home page."""
    web = httpx.Client(
        base_url=platform.url,
        transport=httpx.HTTPTransport(local_address=address),
        headers={"User-Agent": user_agent},
        timeout=30,
    )
    web.get("/").raise_for_status()
    return web


@dataclass
class Victim:
    reg: object
    session: object
    cid: int
    device: object  # the real DeviceService
    scan: object  # the real PlatformScanService (answers from 127.0.0.1)


@pytest.fixture
def platform(services, tmp_path):
    p = start(services, tmp_path)
    yield p
    p.stop()


@pytest.fixture
def victim(services, company, tmp_path, platform) -> Victim:
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = new_device(services, tmp_path, "victim")
    download(services, device, s, cid, reg.legal_person_phone)
    scan = client(services, tmp_path, platform, device, name="victim")
    yield Victim(reg, s, cid, device, scan)
    scan.close()
