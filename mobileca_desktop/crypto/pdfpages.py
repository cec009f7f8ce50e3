"""Page geometry for placing a seal, shared by the client's confirm page, the scan service and
the platform's checks: a page's visible area and rotation, and the seal's default box. Plain
Python (no PDF library), so what imports it stays light at start-up; ``pdfcheck`` reads the
pages of a PDF into these values."""

from __future__ import annotations

from dataclasses import dataclass

MIN_SEAL_SIDE = 20.0  # points
SEAL_SIDE = 120.0  # default seal box side (a 42 mm company seal is 119 pt)
SEAL_MARGIN = 36.0  # default distance from the shown page's edges

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageArea:
    """One page: ``crop`` is its visible area in user space (CropBox ∩ MediaBox, normalised
    x1 < x2, y1 < y2); ``rotate`` how far a viewer turns it clockwise (0/90/180/270)."""

    number: int  # 1-based
    crop: Box
    rotate: int = 0

    @property
    def shown_size(self) -> tuple[float, float]:
        """Width and height of the page as a viewer shows it (points)."""
        x1, y1, x2, y2 = self.crop
        w, h = x2 - x1, y2 - y1
        return (w, h) if self.rotate in (0, 180) else (h, w)

    def to_shown(self, x: float, y: float) -> tuple[float, float]:
        """User-space point → point on the shown page, from its top-left corner, y down."""
        x1, y1, x2, y2 = self.crop
        if self.rotate == 90:
            return y - y1, x - x1
        if self.rotate == 180:
            return x2 - x, y - y1
        if self.rotate == 270:
            return y2 - y, x2 - x
        return x - x1, y2 - y

    def from_shown(self, u: float, v: float) -> tuple[float, float]:
        """The inverse of ``to_shown``."""
        x1, y1, x2, y2 = self.crop
        if self.rotate == 90:
            return x1 + v, y1 + u
        if self.rotate == 180:
            return x2 - u, y1 + v
        if self.rotate == 270:
            return x2 - v, y2 - u
        return x1 + u, y2 - v

    def box_to_shown(self, box: Box) -> Box:
        """A user-space box as (left, top, right, bottom) on the shown page."""
        a = self.to_shown(box[0], box[1])
        b = self.to_shown(box[2], box[3])
        return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])

    def box_from_shown(self, left: float, top: float, right: float, bottom: float) -> Box:
        a = self.from_shown(left, top)
        b = self.from_shown(right, bottom)
        return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])

    def default_box(self, side: float = SEAL_SIDE) -> Box:
        """The seal's default place: the bottom-right corner of the page as it is shown."""
        w, h = self.shown_size
        s = max(MIN_SEAL_SIDE, min(side, w * 0.4, h * 0.4))
        m = max(0.0, min(SEAL_MARGIN, (w - s) / 2, (h - s) / 2))
        return self.box_from_shown(w - m - s, h - m - s, w - m, h - m)

    def contains(self, box: Box) -> bool:
        x1, y1, x2, y2 = self.crop
        tol = 0.5
        return (
            x1 - tol <= box[0] and box[2] <= x2 + tol and y1 - tol <= box[1] and box[3] <= y2 + tol
        )
