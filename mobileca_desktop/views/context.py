"""What the views are given at start-up: the services, chosen once, and this device."""

from __future__ import annotations

from dataclasses import dataclass

from mobileca_desktop.services.api import CAService, ClockService, InboxService, ReviewService


@dataclass(frozen=True)
class AppContext:
    ca: CAService
    inbox: InboxService
    review: ReviewService | None = None
    clock: ClockService | None = None
    device: str = "this-computer"
    ca_label: str = "本机 CA"  # where the CA runs, shown on the home page
