"""Seal and signature images (公章, 法人章, 个人签名) drawn with a real CJK font.

The images are what a certificate's 证书关联印章列表 shows and what gets stamped into
sealed PDFs, so the characters must be real glyphs, never boxes: fonts are chosen only
after proving they draw 公 differently from a code point no font has.

Everything is drawn white-on-black into one grey-scale coverage mask at four times the
final size and scaled down at the end; the mask becomes the alpha channel of a single ink
colour. That gives smooth edges and a fully transparent background.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import os
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from mobileca_desktop.ca.identity import COMPANY_NAME_MAX, PERSON_NAME_MAX
from mobileca_desktop.domain.errors import FontMissing, InvalidInput

log = logging.getLogger(__name__)

FONT_ENV_VAR = "MOBILECA_CJK_FONT"
SEAL_RED = (216, 30, 6)
SIGNATURE_INK = (24, 26, 48)  # blue-black, like a gel pen

_SUPERSAMPLE = 4
_PROBE_CHAR = "公"
_UNASSIGNED = "\U0010fffd"  # a private-use code point no font draws: shows the .notdef


def _windows_fonts_dir() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def _known_font_paths() -> list[Path]:
    share = Path("/usr/share/fonts")
    win = _windows_fonts_dir()
    return [
        # Debian / Ubuntu (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk)
        share / "truetype/wqy/wqy-microhei.ttc",
        share / "truetype/wqy/wqy-zenhei.ttc",
        share / "opentype/noto/NotoSansCJK-Regular.ttc",
        share / "opentype/noto/NotoSerifCJK-Regular.ttc",
        share / "noto-cjk/NotoSansCJK-Regular.ttc",
        share / "noto-cjk/NotoSerifCJK-Regular.ttc",
        share / "google-noto-cjk/NotoSansCJK-Regular.ttc",
        # Windows
        win / "simsun.ttc",
        win / "simhei.ttf",
        win / "msyh.ttc",
        # macOS
        Path("/System/Library/Fonts/PingFang.ttc"),
        Path("/System/Library/Fonts/STHeiti Medium.ttc"),
        Path("/System/Library/Fonts/STHeiti Light.ttc"),
        Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
    ]


def font_draws_cjk(path: str | os.PathLike[str]) -> bool:
    """True if the font at ``path`` has a real (non-empty, non-.notdef) glyph for 公."""
    try:
        font = ImageFont.truetype(os.fspath(path), 48)
        probe = font.getmask(_PROBE_CHAR)
        notdef = font.getmask(_UNASSIGNED)
    except OSError:
        return False
    if probe.getbbox() is None:
        return False
    return probe.size != notdef.size or bytes(probe) != bytes(notdef)


def _fc_match() -> str | None:
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run(
            [exe, "-f", "%{file}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip()
    return found or None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> str:
    """Return the path of a font that can draw Chinese, or raise ``FontMissing``.

    Order: the ``MOBILECA_CJK_FONT`` environment variable, well-known font files on
    Debian, Windows and macOS, then fontconfig. The answer is cached; call
    ``find_cjk_font.cache_clear()`` after installing a font.
    """
    configured = os.environ.get(FONT_ENV_VAR)
    if configured:
        if Path(configured).is_file() and font_draws_cjk(configured):
            return configured
        # A wrong setting should not stop seals from working when a system font exists.
        log.warning("%s=%s cannot draw Chinese; looking for another font", FONT_ENV_VAR, configured)
    for candidate in _known_font_paths():
        if candidate.is_file() and font_draws_cjk(candidate):
            return str(candidate)
    matched = _fc_match()
    if matched and Path(matched).is_file() and font_draws_cjk(matched):
        return matched
    raise FontMissing()


def _script_font_paths() -> list[Path]:
    win = _windows_fonts_dir()
    return [
        Path("/usr/share/fonts/truetype/arphic/ukai.ttc"),  # fonts-arphic-ukai
        Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf"),
        win / "simkai.ttf",
        win / "STKAITI.TTF",
        Path("/System/Library/Fonts/Supplemental/Kaiti.ttc"),
    ]


@functools.lru_cache(maxsize=1)
def find_signature_font() -> str:
    """A 楷体 (regular script) font if one is installed, else ``find_cjk_font()``.

    Brush-like 楷体 looks much more like handwriting than the sans-serif fallback.
    """
    for candidate in _script_font_paths():
        if candidate.is_file() and font_draws_cjk(candidate):
            return str(candidate)
    return find_cjk_font()


def _font(size: int, path: str | None = None) -> ImageFont.FreeTypeFont:
    # A fresh object per drawing: FreeType faces must not be shared between threads.
    return ImageFont.truetype(path or find_cjk_font(), max(1, size))


# --- drawing helpers -------------------------------------------------------------------


def _glyph(
    ch: str, width: int, height: int, *, boldness: float = 0.0, font_path: str | None = None
) -> Image.Image:
    """One character as a coverage mask whose em box is stretched to ``width`` x ``height``.

    The em box, not the ink box, is scaled, so 一 stays a thin stroke in the middle of its
    cell instead of being blown up into a block.
    """
    em = max(8, round(max(width, height) * 1.25))
    font = _font(em, font_path)
    stroke = round(em * boldness)
    canvas = Image.new("L", (em * 2, em * 2), 0)
    ImageDraw.Draw(canvas).text(
        (em, em), ch, font=font, fill=255, anchor="mm", stroke_width=stroke, stroke_fill=255
    )
    half = em // 2
    box = canvas.crop((em - half, em - half, em - half + em, em - half + em))
    return box.resize((max(1, width), max(1, height)), Image.Resampling.LANCZOS)


def _stamp(mask: Image.Image, piece: Image.Image, center: tuple[float, float]) -> None:
    """Merge ``piece`` into ``mask`` centred on ``center`` (union of coverage)."""
    left = round(center[0] - piece.width / 2)
    top = round(center[1] - piece.height / 2)
    region = (left, top, left + piece.width, top + piece.height)
    mask.paste(ImageChops.lighter(mask.crop(region), piece), region)


def _to_png(mask: Image.Image, size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    alpha = mask.resize(size, Image.Resampling.LANCZOS)
    image = Image.new("RGBA", size, (*colour, 0))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _clean_text(text: str, field: str, longest: int, shortest: int = 1) -> str:
    cleaned = "".join(text.split())
    if not shortest <= len(cleaned) <= longest:
        raise InvalidInput(
            field=field, reason=f"must have {shortest} to {longest} characters, not {len(cleaned)}"
        )
    return cleaned


def _star_points(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    # Inner radius of a regular pentagram: outer * sin(18°) / sin(54°) ≈ 0.382 outer.
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for k in range(10):
        radius = outer if k % 2 == 0 else inner
        angle = math.radians(-90 + 36 * k)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


# --- 公章 ------------------------------------------------------------------------------

# Proportions of a 42 mm 公章, as fractions of the seal's radius.
_RING_OUTER = 0.975
_RING_WIDTH = 0.07
_TEXT_GAP = 0.045  # between the ring and the top of the characters
_TEXT_HEIGHT = 0.27
_STAR_RADIUS = 0.31
_CHAR_GAP = 1.12  # centre-to-centre distance as a multiple of the character width


@dataclass(frozen=True)
class ArcLine:
    """One line of a 公章's name along an arc, in fractions of the seal's radius."""

    count: int  # characters on this line
    span: float  # degrees from the first character's centre to the last's
    height: float
    width: float
    radius: float  # of the characters' centres


def _arc_layout(n: int) -> tuple[float, float, float, float]:
    """Angular span (degrees), character height, width and centre radius for n characters.

    Short names are spread with wide gaps like real seals; long names first fill up to
    about 240° (the lower part stays free for the star's surroundings and bottom text),
    then characters get narrower, then smaller, and the arc may grow to 280° for 40.
    """
    ring_inner = _RING_OUTER - _RING_WIDTH
    if n == 1:
        return 0.0, _TEXT_HEIGHT, _TEXT_HEIGHT * 0.8, ring_inner - _TEXT_GAP - _TEXT_HEIGHT / 2
    max_span = 240.0 if n <= 16 else min(280.0, 240.0 + (n - 16) * 40.0 / 24.0)
    span = min(max_span, 35.0 + 25.0 * (n - 1))
    step = math.radians(span / (n - 1))
    height = _TEXT_HEIGHT
    for _ in range(4):  # height and radius depend on each other; this converges quickly
        radius = ring_inner - _TEXT_GAP - height / 2
        width = min(height * 0.8, radius * step / _CHAR_GAP)
        # Seal script tolerates tall narrow characters, but below half as wide as tall
        # they become illegible, so shrink them instead.
        height = min(_TEXT_HEIGHT, width / 0.5)
    radius = ring_inner - _TEXT_GAP - height / 2
    return span, height, width, radius


# Up to this many characters one arc; longer names (a 集团's 分公司 with its region) take
# two concentric arcs, the outer one read first, so the characters stay large enough to
# read: at 100 characters still ~12 % of the radius tall (~24 px on a 400 px seal).
ONE_LINE_MAX = 30
_LINE_PITCH = 1.18  # distance between the two lines' centres, in character heights
_TWO_LINE_SPAN = 280.0
_TWO_LINE_HEIGHT = 0.2  # two full-height lines would crowd the star


def seal_lines(n: int) -> list[ArcLine]:
    """The arcs a name of ``n`` characters is drawn on (one, or two for long names).

    On two lines both get the same character size: the outer arc takes the larger share
    (it is longer) and spans up to 280°; the inner arc spans what its characters need.
    """
    if n <= ONE_LINE_MAX:
        return [ArcLine(n, *_arc_layout(n))]
    ring_inner = _RING_OUTER - _RING_WIDTH
    height = _TWO_LINE_HEIGHT
    for _ in range(8):
        outer_r = ring_inner - _TEXT_GAP - height / 2
        inner_r = outer_r - height * _LINE_PITCH
        outer_n = min(n - 2, max(2, math.ceil(n * outer_r / (outer_r + inner_r))))
        counts = (outer_n, n - outer_n)
        width = min(
            height * 0.8,
            *(
                r * math.radians(_TWO_LINE_SPAN / (k - 1)) / _CHAR_GAP
                for r, k in zip((outer_r, inner_r), counts, strict=True)
            ),
        )
        height = min(_TWO_LINE_HEIGHT, width / 0.5)
    outer_r = ring_inner - _TEXT_GAP - height / 2
    inner_r = outer_r - height * _LINE_PITCH
    lines = []
    for k, r in zip(counts, (outer_r, inner_r), strict=True):
        needed = math.degrees((k - 1) * width * _CHAR_GAP * 1.1 / r)
        lines.append(ArcLine(k, min(_TWO_LINE_SPAN, needed), height, width, r))
    return lines


def star_radius(lines: list[ArcLine]) -> float:
    """The star's radius: the usual 0.31, smaller when a second line of text comes close."""
    innermost = min(line.radius - line.height / 2 for line in lines)
    return min(_STAR_RADIUS, innermost - 0.06)


def render_official_seal_image(
    company_name: str, size: int = 400, *, bottom_text: str = ""
) -> bytes:
    """A round red 公章 as PNG bytes: ring, star, the name along the upper arc.

    ``company_name`` may have 1 to ``identity.COMPANY_NAME_MAX`` characters (whitespace is
    dropped): everything registration accepts. Names longer than ``ONE_LINE_MAX`` are drawn
    on two arcs with smaller characters. ``bottom_text`` is an optional short line under
    the star.
    """
    name = _clean_text(company_name, "company_name", COMPANY_NAME_MAX)
    bottom = "".join(bottom_text.split())
    if len(bottom) > 12:
        raise InvalidInput(field="bottom_text", reason="must have at most 12 characters")

    big = size * _SUPERSAMPLE
    c = big / 2
    R = big / 2  # the radius the proportions above are fractions of
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)

    outer = R * _RING_OUTER
    draw.ellipse(
        (c - outer, c - outer, c + outer, c + outer), outline=255, width=round(R * _RING_WIDTH)
    )
    lines = seal_lines(len(name))
    draw.polygon(_star_points(c, c, R * star_radius(lines)), fill=255)

    pos = 0
    for line in lines:
        step = line.span / (line.count - 1) if line.count > 1 else 0.0
        glyph_w, glyph_h = round(line.width * R), round(line.height * R)
        for i, ch in enumerate(name[pos : pos + line.count]):
            theta = -line.span / 2 + i * step  # degrees clockwise from 12 o'clock
            piece = _glyph(ch, glyph_w, glyph_h, boldness=0.02)
            # Character tops point away from the centre, so each one is turned by its angle.
            piece = piece.rotate(-theta, resample=Image.Resampling.BICUBIC, expand=True)
            t = math.radians(theta)
            r = line.radius * R
            _stamp(mask, piece, (c + r * math.sin(t), c - r * math.cos(t)))
        pos += line.count

    if bottom:
        line_h = 0.13 * R
        char_w = min(line_h * 0.9, 1.1 * R / len(bottom))
        for i, ch in enumerate(bottom):
            x = c + (i - (len(bottom) - 1) / 2) * char_w * 1.08
            piece = _glyph(ch, round(char_w), round(line_h), boldness=0.03)
            _stamp(mask, piece, (x, c + 0.52 * R))

    return _to_png(mask, (size, size), SEAL_RED)


# --- 法人章 ----------------------------------------------------------------------------


_MAX_STRETCH_WIDE = 1.4
_MAX_STRETCH_TALL = 2.1


def _legal_rep_columns(chars: str) -> list[str]:
    """Split a name into columns, first column first (it is drawn on the right)."""
    n = len(chars)
    if n <= 2:
        return [chars]
    if n == 3:
        return [chars[:2], chars[2]]
    if n == 4:
        return [chars[:2], chars[2:]]
    rows = math.ceil(math.sqrt(n))
    # Columns as even as possible (the first ones one longer), not a lone last character.
    count = math.ceil(n / rows)
    sizes = [n // count + (1 if i < n % count else 0) for i in range(count)]
    starts = [sum(sizes[:i]) for i in range(count)]
    return [chars[start : start + size] for start, size in zip(starts, sizes, strict=True)]


def render_legal_rep_seal_image(
    name: str, size: int = 300, *, traditional_suffix: bool = True
) -> bytes:
    """A square red 法人章 as PNG bytes, characters in columns read right to left.

    Two-character names get "之印" appended (``traditional_suffix``), giving the classic
    2×2 "张三之印": two characters alone would have to be squashed to twice their width
    (or left with empty space) to fill a square, and "之印" is what a seal carver adds.
    Three-character names get "印" ("王建国印"), for the same reason: a lone third
    character stretched over the full height no longer looks like itself. Without the
    suffix the two are stacked in one column and a third character takes the left column.
    Four: 2×2. Longer names: an even grid of columns.
    """
    chars = _clean_text(name, "name", PERSON_NAME_MAX)
    if len(chars) == 2 and traditional_suffix:
        chars += "之印"
    elif len(chars) == 3 and traditional_suffix:
        chars += "印"

    big = size * _SUPERSAMPLE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    margin = round(big * 0.03)
    border = round(big * 0.07)
    draw.rectangle((margin, margin, big - 1 - margin, big - 1 - margin), outline=255, width=border)

    inner = margin + border + round(big * 0.035)
    area = big - 2 * inner
    columns = _legal_rep_columns(chars)
    col_w = area / len(columns)
    pad = area * 0.015  # keeps neighbouring characters from touching
    for col_index, column in enumerate(columns):
        right = big - inner - col_index * col_w  # the first column sits on the right
        cell_h = area / len(column)
        glyph_w, glyph_h = col_w - 2 * pad, cell_h - 2 * pad
        # Seal characters are stretched to fill their cells, but beyond these ratios they
        # stop looking like the character (e.g. two names stacked without "之印").
        glyph_w = min(glyph_w, glyph_h * _MAX_STRETCH_WIDE)
        glyph_h = min(glyph_h, glyph_w * _MAX_STRETCH_TALL)
        for row_index, ch in enumerate(column):
            piece = _glyph(ch, round(glyph_w), round(glyph_h), boldness=0.025)
            _stamp(mask, piece, (right - col_w / 2, inner + (row_index + 0.5) * cell_h))

    return _to_png(mask, (size, size), SEAL_RED)


# --- 个人签名 --------------------------------------------------------------------------


_SIGNATURE_LINE = 12


def render_signature_image(name: str, width: int = 400, height: int = 160) -> bytes:
    """A personal signature as PNG bytes: the name in dark ink on a transparent background.

    The writing leans and wanders a little like handwriting; the wobble is derived from the
    name, so the same person always gets the same signature.
    """
    chars = _clean_text(name, "name", PERSON_NAME_MAX)
    font_path = find_signature_font()
    rng = random.Random(f"signature:{chars}")
    big_w, big_h = width * _SUPERSAMPLE, height * _SUPERSAMPLE

    # Long names (up to PERSON_NAME_MAX) are written on several lines of at most
    # _SIGNATURE_LINE characters, evenly filled, so each character stays readable.
    rows = math.ceil(len(chars) / _SIGNATURE_LINE)
    per_row = math.ceil(len(chars) / rows)
    lines = [chars[i : i + per_row] for i in range(0, len(chars), per_row)]
    # Characters sit a little closer than type would (the em box has some air), and the
    # lines must fit both ways, leaving room for the lean.
    tightness = 0.94
    char_h = min(
        big_h * 0.72 / (1 + (len(lines) - 1) * 1.1),
        big_w * 0.86 / ((per_row - 1) * tightness + 1),
    )
    advance = char_h * tightness
    text = Image.new("L", (big_w, big_h), 0)
    first_y = big_h / 2 - (len(lines) - 1) * char_h * 1.1 / 2
    for row, line in enumerate(lines):
        start = (big_w - advance * (len(line) - 1)) / 2
        for i, ch in enumerate(line):
            piece = _glyph(ch, round(char_h), round(char_h), boldness=0.012, font_path=font_path)
            piece = piece.rotate(rng.uniform(-6, 6), resample=Image.Resampling.BICUBIC, expand=True)
            dy = rng.uniform(-0.05, 0.05) * char_h - i * 0.02 * char_h  # rising slightly
            _stamp(text, piece, (start + i * advance, first_y + row * char_h * 1.1 + dy))

    # Lean the writing to the right: x' = x + shear * (y - centre).
    shear = 0.25
    leaned = text.transform(
        text.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * big_h / 2, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    return _to_png(leaned, (width, height), SIGNATURE_INK)
