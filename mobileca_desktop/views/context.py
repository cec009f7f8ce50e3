"""What the views are given at start-up: the services, chosen once, and this device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService

if TYPE_CHECKING:
    from mobileca_desktop.config import Settings
    from mobileca_desktop.services.device import DeviceService
    from mobileca_desktop.services.scan_api import ScanService


@dataclass(frozen=True)
class AppContext:
    ca: CAService
    inbox: InboxService
    review: ReviewService | None = None
    clock: ClockService | None = None
    device: str = "this-computer"
    ca_label: str = "本机 CA"  # where the CA runs, shown on the home page
    # This device's keystore: 证书下载 / 激活, 修改证书密码, unlocking keys (None: not opened).
    keys: DeviceService | None = None
    # 扫一扫 for this device (None until the scan service is opened).
    scan: ScanService | None = None
    settings: Settings | None = None
