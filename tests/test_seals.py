"""Tests for seal and signature images in ``ca.seals``: real glyphs, sizes, transparency."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageFont

from mobileca_desktop.ca import seals
from mobileca_desktop.ca.identity import COMPANY_NAME_MAX, PERSON_NAME_MAX
from mobileca_desktop.domain.errors import FontMissing, InvalidInput

COMPANY = "山西示例建设工程有限公司"
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@pytest.fixture(autouse=True)
def _fresh_font_cache():
    seals.find_cjk_font.cache_clear()
    seals.find_signature_font.cache_clear()
    yield
    seals.find_cjk_font.cache_clear()
    seals.find_signature_font.cache_clear()


def _decode(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    return np.asarray(image)


def _assert_transparent_corners(rgba: np.ndarray) -> None:
    for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert rgba[y, x, 3] == 0


def _assert_red_ink(rgba: np.ndarray) -> None:
    ink = rgba[rgba[..., 3] > 200]
    assert len(ink) > 500
    r, g, b = ink[:, 0].astype(int), ink[:, 1].astype(int), ink[:, 2].astype(int)
    assert (r > 180).all() and (g < 80).all() and (b < 60).all()


def _ink(png: bytes) -> np.ndarray:
    return _decode(png)[..., 3].astype(float) / 255


# --- fonts -----------------------------------------------------------------------------


def test_chosen_font_draws_real_cjk_glyphs():
    path = seals.find_cjk_font()
    font = ImageFont.truetype(path, 64)
    glyph = font.getmask("公")
    tofu = font.getmask("\U0010fffd")
    assert glyph.getbbox() is not None  # has ink
    assert glyph.size != tofu.size or bytes(glyph) != bytes(tofu)  # and is not .notdef
    other = font.getmask("司")
    assert glyph.size != other.size or bytes(glyph) != bytes(other)


def test_font_probe_rejects_latin_only_font():
    assert seals.font_draws_cjk(seals.find_cjk_font())
    assert not seals.font_draws_cjk(DEJAVU)
    assert not seals.font_draws_cjk("/nonexistent/font.ttf")


def test_env_var_wins(monkeypatch):
    path = seals.find_cjk_font()
    seals.find_cjk_font.cache_clear()
    monkeypatch.setattr(seals, "_known_font_paths", lambda: [])
    monkeypatch.setenv(seals.FONT_ENV_VAR, path)
    assert seals.find_cjk_font() == path


def test_env_var_without_cjk_is_skipped(monkeypatch, caplog):
    monkeypatch.setenv(seals.FONT_ENV_VAR, DEJAVU)
    assert seals.find_cjk_font() != DEJAVU
    assert seals.FONT_ENV_VAR in caplog.text


def test_font_missing(monkeypatch):
    monkeypatch.setenv(seals.FONT_ENV_VAR, DEJAVU)
    monkeypatch.setattr(seals, "_known_font_paths", lambda: [])
    monkeypatch.setattr(seals, "_fc_match", lambda: DEJAVU)
    with pytest.raises(FontMissing):
        seals.find_cjk_font()
    with pytest.raises(FontMissing):
        seals.render_official_seal_image(COMPANY)


def test_fc_match_used_as_last_resort(monkeypatch):
    path = seals.find_cjk_font()
    seals.find_cjk_font.cache_clear()
    monkeypatch.delenv(seals.FONT_ENV_VAR, raising=False)
    monkeypatch.setattr(seals, "_known_font_paths", lambda: [])
    monkeypatch.setattr(seals, "_fc_match", lambda: path)
    assert seals.find_cjk_font() == path


# --- 公章 ------------------------------------------------------------------------------


def test_official_seal_basics():
    rgba = _decode(seals.render_official_seal_image(COMPANY))
    assert rgba.shape == (400, 400, 4)
    _assert_transparent_corners(rgba)
    _assert_red_ink(rgba)
    assert _decode(seals.render_official_seal_image(COMPANY, size=240)).shape == (240, 240, 4)


def test_official_seal_is_deterministic():
    assert seals.render_official_seal_image(COMPANY) == seals.render_official_seal_image(COMPANY)


def test_official_seal_draws_the_name():
    ours = _ink(seals.render_official_seal_image(COMPANY))
    other = _ink(seals.render_official_seal_image("太原另一家贸易股份有限公司"))
    ring_and_star = _ink(seals.render_official_seal_image("一一"))
    # Different names give clearly different pictures (not the same boxes twice) ...
    assert np.abs(ours - other).sum() > 0.05 * ours.sum()
    # ... and the name adds a lot of ink to the ring and star.
    assert ours.sum() > 1.3 * ring_and_star.sum()


def _polar_ink(ink: np.ndarray, r_min: float, r_max: float) -> tuple[np.ndarray, np.ndarray]:
    size = ink.shape[0]
    ys, xs = np.mgrid[0:size, 0:size]
    dx, dy = xs + 0.5 - size / 2, ys + 0.5 - size / 2
    radius = np.hypot(dx, dy) / (size / 2)
    angle = np.degrees(np.arctan2(dx, -dy))  # 0 at 12 o'clock, clockwise positive
    band = (radius >= r_min) & (radius <= r_max) & (ink > 0.5)
    return angle[band], radius[band]


def test_official_seal_layout():
    ink = _ink(seals.render_official_seal_image(COMPANY))
    # Nothing is drawn outside the ring: no clipping at the image edge.
    size = ink.shape[0]
    ys, xs = np.mgrid[0:size, 0:size]
    outside = np.hypot(xs + 0.5 - size / 2, ys + 0.5 - size / 2) > size / 2 - 1
    assert ink[outside].max() < 0.05
    # The name lies on the upper arc, between the star and the ring, left-right balanced.
    angles, _ = _polar_ink(ink, 0.45, 0.88)
    assert len(angles) > 2000
    assert (np.abs(angles) < 135).all()  # centres at ±120°, plus half a character
    assert abs(np.mean(angles)) < 15
    # The characters are spread evenly: ink is found in every 20° sector of the arc.
    counts, _ = np.histogram(angles, bins=np.arange(-120, 121, 20))
    assert counts.min() > 0.25 * counts.mean()


def test_official_seal_bottom_text():
    plain = _ink(seals.render_official_seal_image(COMPANY))
    with_bottom = _ink(seals.render_official_seal_image(COMPANY, bottom_text="合同专用章"))
    angles, _ = _polar_ink(with_bottom - plain, 0.35, 0.7)
    assert len(angles) > 200
    assert (np.abs(angles) > 120).all()  # below the star


@pytest.mark.parametrize(
    "name",
    ["晋", "示例", "太原公司", "山西省太原市示例建设工程集团股份有限公司", "晋" * 40, "晋" * 100],
)
def test_official_seal_name_lengths(name):
    rgba = _decode(seals.render_official_seal_image(name))
    _assert_transparent_corners(rgba)
    _assert_red_ink(rgba)


def test_official_seal_layout_is_legible_for_every_registrable_length():
    """Every length registration accepts gets characters at least ~12 % of the radius tall
    (24 px on the 400 px seal) and half as wide, that neither touch each other nor the
    ring, the other line or the star."""
    ring_inner = seals._RING_OUTER - seals._RING_WIDTH
    for n in range(1, COMPANY_NAME_MAX + 1):
        lines = seals.seal_lines(n)
        assert sum(line.count for line in lines) == n
        assert len(lines) == (1 if n <= seals.ONE_LINE_MAX else 2)
        for line in lines:
            assert line.height >= 0.12 and line.width >= 0.06, n
            assert line.width >= 0.5 * line.height - 1e-9
            assert line.span <= 280.0
            if line.count > 1:  # neighbouring centres at least a character width apart
                chord = 2 * line.radius * math.sin(math.radians(line.span / (line.count - 1)) / 2)
                assert chord >= line.width * 1.05, n
        assert lines[0].radius + lines[0].height / 2 <= ring_inner - 0.02
        if len(lines) == 2:
            assert lines[0].radius - lines[1].radius >= lines[0].height * 1.1
        innermost = min(line.radius - line.height / 2 for line in lines)
        assert seals.star_radius(lines) <= innermost - 0.05


def test_long_official_seal_names_take_two_arcs():
    """A 41+ character name (no longer drawable before) is drawn on two concentric arcs."""
    ink = _ink(seals.render_official_seal_image("晋" * 60))
    ys, xs = np.nonzero(ink > 0.5)
    r = np.hypot(xs - 199.5, ys - 199.5) / 200
    lines = seals.seal_lines(60)
    for line in lines:  # ink right at each line's radius, in the upper half
        band = (np.abs(r - line.radius) < line.height / 4) & (ys < 150)
        assert band.sum() > 300
    # and none between the two lines
    gap = (r > lines[1].radius + lines[1].height / 2 + 0.02) & (
        r < lines[0].radius - lines[0].height / 2 - 0.02
    )
    assert gap.sum() < 20


@pytest.mark.parametrize("name", ["", "晋" * (COMPANY_NAME_MAX + 1)])
def test_official_seal_rejects_bad_name_length(name):
    with pytest.raises(InvalidInput) as info:
        seals.render_official_seal_image(name)
    assert info.value.params["field"] == "company_name"


# --- 法人章 ----------------------------------------------------------------------------


def test_legal_rep_seal_basics():
    rgba = _decode(seals.render_legal_rep_seal_image("王建国"))
    assert rgba.shape == (300, 300, 4)
    _assert_transparent_corners(rgba)
    _assert_red_ink(rgba)
    # The border is a closed square frame.
    alpha = rgba[..., 3]
    for line in (alpha[19, 20:280], alpha[280, 20:280], alpha[20:280, 19], alpha[20:280, 280]):
        assert line.min() > 200


def test_legal_rep_seal_two_characters_get_zhi_yin():
    with_suffix = _ink(seals.render_legal_rep_seal_image("张三"))
    explicit = _ink(seals.render_legal_rep_seal_image("张三之印"))
    plain = _ink(seals.render_legal_rep_seal_image("张三", traditional_suffix=False))
    assert np.abs(with_suffix - explicit).max() < 0.01
    assert np.abs(with_suffix - plain).sum() > 0.1 * with_suffix.sum()


def test_legal_rep_seal_reads_right_to_left():
    # The first two characters fill the right column: seals sharing them match there only.
    seal = _ink(seals.render_legal_rep_seal_image("张三之印"))
    same_start = _ink(seals.render_legal_rep_seal_image("张三李四"))
    half = seal.shape[1] // 2
    right_diff = np.abs(seal[:, half:] - same_start[:, half:]).sum()
    left_diff = np.abs(seal[:, :half] - same_start[:, :half]).sum()
    assert right_diff < 0.01 * left_diff
    assert left_diff > 0.1 * seal[:, :half].sum()


@pytest.mark.parametrize(
    "name",
    ["李", "王小明", "欧阳小明", "阿卜杜热合曼", "阿卜杜热合曼·买买提明·艾合买提江", "名" * 64],
)
def test_legal_rep_seal_name_lengths(name):
    rgba = _decode(seals.render_legal_rep_seal_image(name, size=200))
    assert rgba.shape == (200, 200, 4)
    _assert_red_ink(rgba)


def test_legal_rep_seal_rejects_bad_names():
    for bad in ("", "   ", "名" * (PERSON_NAME_MAX + 1)):
        with pytest.raises(InvalidInput):
            seals.render_legal_rep_seal_image(bad)


# --- 个人签名 --------------------------------------------------------------------------


def test_signature_basics():
    rgba = _decode(seals.render_signature_image("李经办"))
    assert rgba.shape == (160, 400, 4)
    _assert_transparent_corners(rgba)
    ink = rgba[rgba[..., 3] > 200]
    assert len(ink) > 1000  # drawn large
    assert (ink[:, :3].astype(int).sum(axis=1) < 150).all()  # dark ink
    assert _decode(seals.render_signature_image("李经办", width=300, height=100)).shape == (
        100,
        300,
        4,
    )


def test_signature_fits_and_differs_by_name():
    for name in (
        "李",
        "李经办",
        "阿卜杜热合曼·买买提",
        "阿卜杜热合曼·买买提明·艾合买提江",
        "名" * 64,
    ):
        alpha = _decode(seals.render_signature_image(name))[..., 3]
        assert alpha[:, :3].max() < 30 and alpha[:, -3:].max() < 30  # not clipped sideways
        assert alpha[:3].max() < 30 and alpha[-3:].max() < 30
    a = _ink(seals.render_signature_image("李经办"))
    b = _ink(seals.render_signature_image("王建国"))
    assert np.abs(a - b).sum() > 0.2 * a.sum()
    assert seals.render_signature_image("李经办") == seals.render_signature_image("李经办")


def test_star_points_form_a_regular_pentagram():
    points = seals._star_points(0, 0, 10)
    radii = [math.hypot(x, y) for x, y in points]
    assert radii[0::2] == pytest.approx([10] * 5)
    assert radii[1::2] == pytest.approx([10 * 0.381966] * 5, rel=1e-4)
    assert points[0] == pytest.approx((0, -10))  # the top point is up
