"""``mobileca play FILE`` (play_window.py): a scenario played visibly with captions, 暂停 /
继续, 下一步 and 上一步 (replayed from the start on a fresh CA), the phone on view; driven
here offscreen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from qt_support import settle

from mobileca_desktop.testing import scenarios

ROOT = Path(__file__).resolve().parent.parent
SHORT = """title = "单位证书 · 开始申请"
steps = [
  "法人登录",
  "申请单位证书",
  "选择 CA 机构：BJCA",
  "选择核验方式：对公打款",
  "办理人员：法人本人",
]

[captions]
4 = "四种核验方式任选其一即可。"
"""


def write(tmp_path: Path, text: str, name: str = "short.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_play_steps_pause_next_and_back_replays_from_the_start(qtbot, tmp_path, mca_keyring):
    from mobileca_desktop.play_window import PlayPanel
    from mobileca_desktop.services.wizard import Step as W

    scenario = scenarios.load(write(tmp_path, SHORT))
    panel = PlayPanel(scenario, tmp_path / "play", pace_ms=0, paused=True)
    qtbot.addWidget(panel)
    try:
        assert panel.caption.text() == "第 1 / 5 步：法人登录"
        for _ in range(3):
            qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert panel.played == 3
        assert panel.caption.text() == "第 4 / 5 步：选择核验方式：对公打款"
        assert panel.note.text() == "四种核验方式任选其一即可。"  # the handbook's words
        first = panel.run
        assert first.player.page.step is W.METHOD  # the window went on to 核验方式
        assert first.inbox.isVisible()  # the phone on view beside the window

        qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)  # 上一步
        assert panel.run is not first and panel.played == 2 and panel.paused
        assert panel.caption.text() == "第 3 / 5 步：选择 CA 机构：BJCA"
        assert panel.run.folder.name == "run-2"
        assert panel.run.player.page.step is W.INSTITUTION
        assert panel.run.world.folder != first.world.folder  # a fresh CA

        with qtbot.waitSignal(panel.finished, timeout=60_000) as done:
            qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)  # 继续
        assert done.args == [True]
        assert panel.played == 5 and panel.caption.text() == "演示完成：共 5 步"
        assert not panel.next_button.isEnabled()
        settle(qtbot)
    finally:
        panel.close()


def test_a_failing_step_stops_the_play_and_says_which(qtbot, tmp_path, mca_keyring):
    from mobileca_desktop.play_window import PlayPanel

    text = SHORT.replace('"办理人员：法人本人",', '"证书管理：正常",')
    assert text != SHORT
    panel = PlayPanel(scenarios.load(write(tmp_path, text)), tmp_path / "play", pace_ms=0)
    qtbot.addWidget(panel)
    try:
        with qtbot.waitSignal(panel.finished, timeout=60_000) as done:
            pass
        assert done.args == [False]
        said = panel.status.text()
        assert "第 5 步“证书管理：正常”未通过" in said, said
        shot = Path(said.split("截图：", 1)[1].strip())
        assert shot.read_bytes()[:4] == b"\x89PNG"
        assert panel.played == 4 and not panel.next_button.isEnabled()
    finally:
        panel.close()


def test_the_play_command_plays_a_file_to_its_end(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path / "home"),
    }
    args = [sys.executable, "-m", "mobileca_desktop", "play", "--pace", "0", "--quit-at-end"]
    out = subprocess.run(
        [*args, str(write(tmp_path, SHORT))], env=env, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    wrong = write(tmp_path, SHORT.replace("办理人员：法人本人", "证书管理：正常"), "wrong.toml")
    out = subprocess.run([*args, str(wrong)], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 1 and "第 5 步“证书管理：正常”未通过" in out.stderr, out.stderr
    bad = write(tmp_path, 'steps = ["飞起来"]\n', "bad.toml")
    out = subprocess.run([*args, str(bad)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "不认识的步骤" in out.stderr, out.stderr
