"""Handbook scenarios (mobileca_desktop/testing/scenarios.py): every shipped scenario plays
through the real window; pytest collects a folder of them with --mobileca-scenarios, and a
failing step is named, with the window's screenshot, in words a trainer understands."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_qa_example import run_pytest

from mobileca_desktop.testing import scenarios

SHIPPED = Path(scenarios.__file__).resolve().parent.parent / "resources" / "scenarios"


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_each_shipped_scenario_plays(path, mca_client, mca_world, mca_platform, tmp_path, portrait):
    scenario = scenarios.load(path)
    player = scenarios.Player(
        mca_world, mca_client, folder=tmp_path, platform=mca_platform, portrait=portrait
    )
    player.play(scenario)
    assert player.app_id is not None


def test_the_shipped_scenarios_are_there():
    assert len(list(SHIPPED.glob("*.toml"))) >= 4


def test_only_scenarios_that_scan_need_the_platform():
    needs = {p.stem: scenarios.load(p).needs_platform for p in SHIPPED.glob("*.toml")}
    assert needs["grant-agent-scan-login"] and not needs["unit-deposit"]


def test_a_scenario_file_that_cannot_be_played_says_why(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "坏"\nsteps = ["法人登录", "飞起来"]\n', encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="第 2 步“飞起来”：不认识的步骤"):
        scenarios.load(bad)
    bad.write_text('steps = "法人登录"\n', encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="steps 须是一列步骤文字"):
        scenarios.load(bad)
    bad.write_text('steps = ["法人登录"]\n[captions]\n2 = "没有第 2 步"\n', encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="captions 须是“步骤序号 = 说明文字”"):
        scenarios.load(bad)
    assert scenarios.load(SHIPPED / "unit-deposit.toml").captions[2] == "用户点击“申请单位证书”。"
    bad.write_text('steps = ["选择核验方式：飞鸽传书"]\n', encoding="utf-8")
    step = scenarios.load(bad).steps[0]
    assert (step.verb, step.argument) == ("选择核验方式", "飞鸽传书")


def test_pytest_runs_a_folder_of_scenarios_and_names_the_failing_step(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    good = (SHIPPED / "unit-deposit.toml").read_text(encoding="utf-8")
    (folder / "good.toml").write_text(good, encoding="utf-8")
    wrong = good.replace('"证书管理：正常",', '"证书管理：已过期",')
    assert wrong != good
    (folder / "wrong.toml").write_text(wrong, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    artifacts = tmp_path / "artifacts"
    run = run_pytest(
        tmp_path,
        "-q",
        "--mobileca-headless",
        f"--mobileca-scenarios={folder}",
        f"--mobileca-artifacts={artifacts}",
        site=tmp_path / "site",
    )
    report = run.stdout + run.stderr
    assert run.returncode == 1, report
    assert "1 failed, 1 passed" in report, report
    assert "第 12 步“证书管理：已过期”未通过：证书管理 shows 正常, not 已过期" in report, report
    # In the trainer's words alone: no traceback through the kit, the step in the summary.
    assert "scenarios.py" not in report and "plugin.py" not in report, report
    assert "wrong.toml::wrong - “单位证书" in report, report
    (shot,) = artifacts.glob("wrong-*legal-pc.png")
    assert shot.read_bytes()[:4] == b"\x89PNG"


def test_a_new_step_that_cannot_run_or_fails_says_which_step(mca_client, mca_world, tmp_path):
    face = SHIPPED / "unit-face.toml"
    scenario = scenarios.load(face)
    player = scenarios.Player(mca_world, mca_client, folder=tmp_path)  # no portrait
    with pytest.raises(scenarios.ScenarioError) as refused:
        player.play(scenario)
    assert str(refused.value).startswith(
        "“单位证书 · 法人刷脸 · 法人本人”第 6 步“法人刷脸”无法执行：刷脸需要一张人脸照片"
    ), refused.value


def test_a_step_after_revocation_is_named_with_the_scenario(mca_client, mca_world, tmp_path):
    revoke = scenarios.load(SHIPPED / "revoke.toml")
    player = scenarios.Player(mca_world, mca_client, folder=tmp_path)
    player.play(revoke)
    with pytest.raises(scenarios.StepFailed) as failed:  # revoked is final
        player.play_step(revoke, scenarios.parse_step(14, "证书管理：正常"))
    assert str(failed.value) == (
        "“吊销”第 14 步“证书管理：正常”未通过：证书管理 shows 已吊销, not 正常"
    ), failed.value


def test_a_step_before_any_login_says_so_at_once(mca_client, mca_world, tmp_path):
    early = tmp_path / "early.toml"
    early.write_text('title = "未登录"\nsteps = ["证书管理：正常"]\n', encoding="utf-8")
    player = scenarios.Player(mca_world, mca_client, folder=tmp_path)
    with pytest.raises(scenarios.ScenarioError) as refused:  # not a 15 s wait for a < button
        player.play(scenarios.load(early))
    assert str(refused.value) == (
        "“未登录”第 1 步“证书管理：正常”无法执行：legal-pc 上还没有人登录"
        "（先加一步“法人登录”“经办人登录”或“个人登录”）"
    ), refused.value


def test_a_scenario_starts_afresh_after_an_earlier_run_stopped_half_way(
    mca_client, mca_world, tmp_path
):
    """On a CA shared by runs (--mobileca-ca) an earlier run that failed half-way leaves an
    unsubmitted draft, which 申请单位证书 would continue at its 电子签名 step."""
    deposit = scenarios.load(SHIPPED / "unit-deposit.toml")
    first = scenarios.Player(mca_world, mca_client, folder=tmp_path)
    first.play(deposit, until=8)  # 上传证件 done, not signed: a draft on the CA
    assert first.wizard().application_id is not None
    first.clients["legal-pc"].close()
    again = scenarios.Player(mca_world, mca_client, folder=tmp_path / "again")
    again.play(deposit)  # from 选择 CA 机构 on, as the handbook says
    assert again.page.statuses() == ["正常"], again.page.statuses()
