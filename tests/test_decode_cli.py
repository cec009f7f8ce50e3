"""``mobileca decode IMAGE...``: JSON lines, exit status, decoder choice (main(argv) and one
real subprocess)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import segno

from mobileca_desktop import cli
from mobileca_desktop.services.qr import available_decoders

TEXT = "MCA1.扫码签章-payload"


def write_code(path, text: str, rotate: int | None = None) -> None:
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=6, border=4)
    img = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    if rotate is not None:
        img = cv2.rotate(img, rotate)
    cv2.imwrite(str(path), img)


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    status = cli.main(["decode", *argv])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_codes_and_no_code_exit_zero(tmp_path, capsys):
    code, blank = tmp_path / "code.png", tmp_path / "blank.jpg"
    write_code(code, TEXT, rotate=cv2.ROTATE_90_CLOCKWISE)
    cv2.imwrite(str(blank), np.full((100, 100, 3), 255, np.uint8))
    status, lines, _ = run(capsys, str(code), str(blank))
    assert status == 0
    assert lines[1] == {"path": str(blank), "codes": []}
    assert lines[0]["path"] == str(code)
    (found,) = lines[0]["codes"]
    assert found["text"] == TEXT and found["format"] == "QRCode"
    # rotated 90° clockwise: the code's top-left corner is at the image's top-right
    size = cv2.imread(str(code)).shape[1]
    tl, tr, br, bl = found["corners"]
    assert abs(tl[0] - (size - 24)) <= 6 and abs(tl[1] - 24) <= 6
    assert abs(bl[0] - 24) <= 6 and abs(bl[1] - 24) <= 6


def test_a_small_code_on_a_4k_screenshot(tmp_path, capsys):
    """A whole 3840×2160 screenshot with the platform's code (2-pixel modules) in its corner:
    read at full resolution (the pipeline once shrank it to 1,280 px and lost it)."""
    text = TEXT + "." + "x" * 300
    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=2, border=2)
    code = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    shot = np.full((2160, 3840, 3), 240, np.uint8)
    shot[-code.shape[0] :, -code.shape[1] :] = code
    path = tmp_path / "screen.png"
    cv2.imwrite(str(path), shot)
    status, lines, _ = run(capsys, str(path))
    assert status == 0 and [c["text"] for c in lines[0]["codes"]] == [text]
    x, y = lines[0]["codes"][0]["corners"][2]  # bottom-right, in the screenshot's pixels
    assert abs(x - (3840 - 4)) <= 3 and abs(y - (2160 - 4)) <= 3
    if "wechat" in available_decoders():
        status, lines, _ = run(capsys, "--decoder", "wechat", str(path))
        assert status == 0 and "codes" in lines[0]


def test_an_unreadable_image_gives_an_error_line_and_exit_one(tmp_path, capsys):
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    write_code(good, "ok")
    bad.write_text("not a picture")
    status, lines, _ = run(capsys, str(bad), str(good), str(tmp_path / "missing.gif"))
    assert status == 1
    assert lines[0]["path"] == str(bad)
    assert lines[0]["error"]["code"] == "document_rejected"
    assert str(bad) in lines[0]["error"]["message"]
    assert [c["text"] for c in lines[1]["codes"]] == ["ok"]  # the others are still decoded
    assert lines[2]["error"]["code"] == "document_rejected"
    assert "does not exist" in lines[2]["error"]["message"]


@pytest.mark.skipif("zbar" not in available_decoders(), reason="libzbar0 is not installed")
def test_zbar_decoder(tmp_path, capsys):
    path = tmp_path / "code.png"
    write_code(path, TEXT, rotate=cv2.ROTATE_180)
    status_zx, zx, _ = run(capsys, "--decoder", "zxing", str(path))
    status_zb, zb, _ = run(capsys, str(path), "--decoder", "zbar")
    assert status_zx == status_zb == 0
    assert zb[0]["codes"][0]["text"] == TEXT
    corners_zx = np.array(zx[0]["codes"][0]["corners"])
    corners_zb = np.array(zb[0]["codes"][0]["corners"])
    assert np.abs(corners_zx - corners_zb).max() <= 6  # same corners, same order


def test_usage_errors(tmp_path, capsys):
    assert cli.main(["decode"]) == 2
    assert "at least one image" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        cli.main(["decode", "--decoder", "quirc", "x.png"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        cli.main(["doctor", str(tmp_path / "x.png")])
    assert "only `mobileca decode`" in capsys.readouterr().err


def test_real_command_line(tmp_path):
    path = tmp_path / "中文 名.png"
    write_code(path, TEXT)
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}  # JSON is written as UTF-8 anyway
    out = subprocess.run(
        [sys.executable, "-m", "mobileca_desktop.cli", "decode", str(path)],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert out.returncode == 0, out.stderr.decode()
    line = json.loads(out.stdout.decode("utf-8"))
    assert line["path"] == str(path)
    assert [c["text"] for c in line["codes"]] == [TEXT]
