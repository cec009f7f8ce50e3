"""What the views are given at start-up: the services, chosen once, and this device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.words import CAPlace

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
    ca_place: CAPlace = CAPlace.LOCAL  # where the CA runs
    ca_url: str = ""  # the remote CA's address (CAPlace.REMOTE)
    # This device's keystore: 证书下载 / 激活, 修改证书密码, unlocking keys (None: not opened).
    keys: DeviceService | None = None
    # 扫一扫 for this device (None until the scan service is opened).
    scan: ScanService | None = None
    settings: Settings | None = None

    @property
    def ca_label(self) -> str:
        """Where the CA runs, as the home page shows it: 本机 CA (in the UI language) or the
        remote CA's address."""
        return text_of(self.ca_place) if self.ca_place is CAPlace.LOCAL else self.ca_url
