"""The QA kit (mobileca_desktop.testing) as a QA team uses it: its fixtures and page objects
drive the real window on a throw-away CA; its plugin stays inert where it is not used."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from mobileca_desktop.domain.models import AccountKind, CertKind

ROOT = Path(__file__).resolve().parent.parent


def test_a_first_test_logs_in_and_sees_a_normal_certificate(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    home = mca_client("legal-pc").login_page().log_in_as_company()
    assert home.identity_name == mca_world.demo.company.name
    certs = home.open_certificates()
    assert certs.row(certificate_id=cid).status == "正常"
    detail = certs.row(certificate_id=cid).open()
    assert detail.status == "正常"
    assert "downloadButton" in [w.objectName() for w in detail.find_all("downloadButton")]


def test_a_person_registers_and_logs_in(mca_client):
    import datetime as dt
    import random

    from mobileca_desktop.ca import idcheck

    login = mca_client().login_page()
    register = login.open_registration(AccountKind.PERSONAL)
    id_number = idcheck.make_id_number(random.Random(3), dt.date(1992, 3, 7))
    person = {"name": "赵晓梅", "id_number": id_number, "phone": "13935100088"}
    login = register.register(**person, password="Zhao2026pass")
    assert login.toast() == "注册成功，请登录"
    home = login.log_in(AccountKind.PERSONAL, person["phone"], "Zhao2026pass")
    assert home.identity_name == "赵晓梅"


def test_the_reviewer_desk_approves_and_rejects_and_the_list_follows(mca_client, mca_world):
    first = mca_world.submitted_application(CertKind.LEGAL_REP)
    second = mca_world.submitted_application(CertKind.UNIT)
    client = mca_client()
    certs = client.login_page().log_in_as_company().open_certificates()
    assert certs.statuses() == ["审核中", "审核中"]
    desk = client.reviewer_desk()
    assert sorted(desk.queue()) == sorted([first, second])
    desk.approve(first)
    assert certs.wait_status("正常", application_id=first).certificate_id is not None
    desk.reject(second, "营业执照照片不清晰")
    rejected = certs.wait_status("已失效", application_id=second)
    assert "营业执照照片不清晰" in rejected.note
    assert desk.queue() == []
    desk.close()

    wizard = rejected.continue_()  # 继续: back into the wizard (no page object of its own)
    assert wizard.object_name == "wizardPage"
    assert wizard.find("wizardNext").isVisible()


def test_log_in_refused_log_out_and_download_from_the_detail(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    login = mca_client().login_page()
    company = mca_world.demo.company
    refused = login.log_in_refused(AccountKind.LEGAL, company.uscc, "Wrong2026pass")
    assert "密码" in refused
    home = login.log_in_as_company()
    detail = home.open_certificates().row(certificate_id=cid).open()
    activation = detail.download()
    assert activation.activate("Zhengshu#2026").done_heading == "证书下载成功"
    after = activation.finish()
    assert after.object_name == "certDetailPage"
    assert "downloadButton" not in after.actions()
    home = after.back().back()
    assert home.object_name == "homePage"
    assert home.log_out().object_name == "loginPage"


def test_download_on_first_scan_then_scan_to_log_in(mca_client, mca_world, mca_platform):
    mca_world.approved_certificate()
    password = "Zhengshu#2026"
    client = mca_client("legal-pc")
    home = client.login_page().log_in_as_company()
    activation = home.open_scan()  # first use: 证书下载 / 激活
    assert activation.activate(password).done_heading == "证书下载成功"
    scanner = activation.finish()
    qr = mca_platform.login_qr()
    confirm = scanner.paste_image(qr.qr_png)
    assert confirm.operation == "扫码登录"
    assert confirm.confirm_refused("Wrong#Pass2026").startswith("证书密码错误")
    result = confirm.confirm(password)
    assert result.heading == "扫码成功"
    assert mca_platform.finish_login(qr.session_id)["state"] == "confirmed"


def test_the_camera_reads_the_platform_s_code(mca_client, mca_world, mca_platform):
    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    home = client.login_page().log_in_as_company()
    detail = home.open_certificates().row(certificate_id=cid).open()
    detail.download().activate("Zhengshu#2026").finish()
    home = client.page().back().back()
    qr = mca_platform.login_qr()
    client.camera.show(qr.qr_png)
    scanner = home.open_scan()  # downloaded: the scanner at once, on the camera
    assert scanner.find("cameraCombo").currentText() == "文件：camera.png"
    confirm = scanner.from_camera()
    assert confirm.widget.prompt.request.source.value == "camera"
    assert confirm.confirm("Zhengshu#2026").heading == "扫码成功"
    assert mca_platform.state(qr.session_id)["state"] == "confirmed"


def test_an_application_through_the_wizard_then_approved(
    mca_client, mca_world, mca_reviewer, tmp_path
):
    from mobileca_desktop.domain.models import DocKind
    from mobileca_desktop.services.wizard import Step
    from mobileca_desktop.testing.world import sample_jpeg, sample_pdf

    files = {DocKind.LICENCE: tmp_path / "licence.pdf", DocKind.ID_FRONT: tmp_path / "front.jpg"}
    files[DocKind.ID_BACK] = tmp_path / "back.jpg"
    files[DocKind.LICENCE].write_bytes(sample_pdf("营业执照"))
    files[DocKind.ID_FRONT].write_bytes(sample_jpeg("front"))
    files[DocKind.ID_BACK].write_bytes(sample_jpeg("back"))

    home = mca_client().login_page().log_in_as_company()
    wizard = home.apply(CertKind.UNIT)
    assert wizard.step is Step.INSTITUTION
    wizard.choose("institution_bjca").next(Step.METHOD)
    assert wizard.back().step is Step.INSTITUTION  # the top bar's < is a step back here
    wizard.next(Step.METHOD).choose("method_deposit").next(Step.HANDLER)
    assert wizard.previous().step is Step.METHOD
    wizard.next(Step.HANDLER)
    wizard.choose("handler_legal_person").next(Step.VERIFY)
    assert wizard.heading == "身份核验 · 对公打款"
    amount = wizard.start_deposit()
    wizard.fill("deposit_amount", amount).next(Step.CONFIRM).next(Step.DOCUMENTS)
    for kind, path in files.items():
        wizard.upload(kind, path)
    wizard.next(Step.SIGN).sign()
    app_id = wizard.application_id
    certs = wizard.view_certificates()
    assert certs.row(application_id=app_id).status == "审核中"
    mca_reviewer.approve(app_id)
    assert certs.back().open_certificates().row(application_id=app_id).status == "正常"


def test_granted_in_授权管理_then_downloaded_on_the_agent_s_computer(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    legal_pc, agent_pc = mca_client("legal-pc"), mca_client("agent-pc")
    grants = legal_pc.login_page().log_in_as_company().open_grants()
    assert grants.rows() == []
    grants = grants.new_grant().grant(certificate_id=cid, period="6m")
    assert grants.row(certificate_id=cid).status == "授权中"

    received = agent_pc.login_page().log_in_as_agent().open_grants()
    activation = received.row(certificate_id=cid).download()
    activation.activate("Jingban#2026")
    assert agent_pc.keys.keystore.state(cid) == "ready"


def test_two_devices_the_agent_downloads_a_granted_certificate(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    mca_world.grant(cid)
    legal_pc, agent_pc = mca_client("legal-pc"), mca_client("agent-pc")
    assert legal_pc.window is not agent_pc.window
    legal_pc.login_page().log_in_as_company()
    home = agent_pc.login_page().log_in_as_agent()
    assert home.identity_name == mca_world.demo.agent.name
    row = home.open_certificates().row(certificate_id=cid)
    assert row.status == "正常"
    activation = row.open().download()
    activation.activate("Jingban#2026")  # the code goes to the legal person's phone
    assert agent_pc.keys.keystore.state(cid) == "ready"
    assert legal_pc.keys.keystore.state(cid) != "ready"  # another computer, another keystore
    assert legal_pc.page().object_name == "homePage"


def test_the_plugin_is_declared_and_imports_nothing_at_load():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"mobileca": "mobileca_desktop.testing.plugin"}
    assert any(d.startswith("pytest-qt") for d in project["optional-dependencies"]["testing"])
    code = (
        "import sys\n"
        "import mobileca_desktop.testing.plugin\n"
        "app = ('mobileca_desktop.',)\n"
        "kit = 'mobileca_desktop.testing'\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))\n"
        "    or (m.startswith(app) and not m.startswith(kit)))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_qa_guide_lists_every_fixture_and_page_object():
    from mobileca_desktop.testing import pages, plugin

    guide = (ROOT / "docs" / "qa-guide.md").read_text(encoding="utf-8")
    fixtures = [n for n in vars(plugin) if n.startswith("mca_")]
    assert len(fixtures) >= 8
    exported = [n for n in pages.__all__ if n[0].isupper() and n != "PAGES"]
    missing = [n for n in fixtures + exported if f"`{n}`" not in guide]
    assert not missing, f"docs/qa-guide.md does not list {missing}"
