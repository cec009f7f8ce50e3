"""The QA kit's page objects for 证书详情's actions (证书更新, 证书变更, 吊销, 修改证书密码 and the
way out of a locked certificate), 扫一扫's first use with several certificates, and 设置: each
drives the real window on the test's CA and returns where the app goes next."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton

from mobileca_desktop.domain.models import AccountKind, CertKind, RevocationReason
from mobileca_desktop.testing import pages
from mobileca_desktop.testing.client import WAIT_MS
from mobileca_desktop.testing.pages import (
    ActivationPage,
    CertDetailPage,
    ChangePasswordPage,
    ChooseCertificatePage,
    RevokeQuestion,
    SettingsPage,
    WizardPage,
)

PASSWORD = "Zhengshu#2026"
NEW_PASSWORD = "Xinmima#2027"


def downloaded(client, cid: int) -> CertDetailPage:
    """Logged in as the demo company, the certificate downloaded here: its 证书详情."""
    home = client.login_page().log_in_as_company()
    detail = home.open_certificates().row(certificate_id=cid).open()
    after = detail.download().activate(PASSWORD).finish()
    assert isinstance(after, CertDetailPage)
    return after


def test_修改证书密码_refused_then_changed_then_used(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    detail = downloaded(client, cid)
    page = detail.change_password()
    assert isinstance(page, ChangePasswordPage)

    said = page.change_refused("Wrong#Pass2026", NEW_PASSWORD)
    assert said["old_password"].startswith("证书密码错误"), said
    said = page.change_refused(PASSWORD, NEW_PASSWORD, again="Other#Pass2027")
    assert set(said) == {"password_again"}, said
    assert not page.locked

    back = page.change(PASSWORD, NEW_PASSWORD)
    assert isinstance(back, CertDetailPage) and back.toast() == "证书密码已修改"
    client.keys.keystore.unlock(cid, NEW_PASSWORD)  # the new password opens the keys here


def test_a_locked_certificate_is_downloaded_again_from_修改证书密码(mca_client, mca_world):
    from mobileca_desktop.keystore.store import MAX_TRIES

    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    page = downloaded(client, cid).change_password()
    for _ in range(MAX_TRIES):
        said = page.change_refused("Wrong#Pass2026", NEW_PASSWORD)
    assert page.locked, said
    assert "锁定" in page.text("recoveryText")

    activation = page.recover()
    assert isinstance(activation, ActivationPage) and activation.widget.certificate_id == cid
    activation.activate(NEW_PASSWORD)
    assert client.keys.keystore.state(cid) == "ready"


def test_证书更新_asked_cancelled_then_renewed_and_the_new_one_revoked(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    detail = downloaded(client, cid)
    assert detail.actions() == {
        "renewButton": True,
        "changeButton": True,
        "revokeButton": True,
        "passwordButton": True,
    }

    question = detail.ask_renew()
    assert question.heading == "确认进行证书更新？"
    assert any("原证书随即被吊销" in p for p in question.points)
    question.cancel()
    assert detail.is_current() and detail.status == "正常"

    activation = detail.renew()
    new = activation.widget.certificate_id
    assert new != cid and activation.toast() == "证书已更新，请在本机下载新证书"
    after = activation.activate(PASSWORD).finish()
    assert isinstance(after, CertDetailPage) and after.certificate_id == new

    question = after.ask_revoke()
    assert isinstance(question, RevokeQuestion)
    assert question.reasons()[RevocationReason.CESSATION] is True  # the default
    assert question.confirm_text == "确认吊销"
    question.cancel()
    assert after.status == "正常"
    revoked = after.revoke(RevocationReason.KEY_COMPROMISE)
    assert revoked.status == "已吊销" and revoked.toast() == "证书已吊销"
    assert not any(revoked.actions().get(n) for n in ("renewButton", "revokeButton"))


def test_an_expired_row_is_renewed_with_继续(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    mca_world.clock.advance(days=400)
    client = mca_client("legal-pc")
    certs = client.login_page().log_in_as_company().open_certificates()
    row = certs.row(certificate_id=cid)
    assert row.status == "已过期"
    activation = row.renew()
    assert activation.widget.certificate_id != cid
    activation.activate(PASSWORD)
    assert client.keys.keystore.state(activation.widget.certificate_id) == "ready"


def test_证书变更_refused_empty_then_into_the_wizard(mca_client, mca_world):
    from mobileca_desktop.services.wizard import Step

    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    home = client.login_page().log_in_as_company()
    change = home.open_certificates().row(certificate_id=cid).open().change()
    assert set(change.fields()) == {"company_name", "province", "city"}
    assert change.fields()["company_name"] == mca_world.demo.company.name
    said = change.change_refused(company_name="")
    assert said == {"company_name": "不能为空；不变更请保留原值"}
    wizard = change.change(company_name="山西示范科技有限公司（太原）")
    assert isinstance(wizard, WizardPage) and wizard.step is Step.CONFIRM
    assert wizard.application_id is not None


def test_first_scan_with_two_certificates_asks_which(mca_client, mca_world):
    unit = mca_world.approved_certificate(CertKind.UNIT)
    legal_rep = mca_world.approved_certificate(CertKind.LEGAL_REP)
    home = mca_client("legal-pc").login_page().log_in_as_company()
    chooser = home.open_scan()
    assert isinstance(chooser, ChooseCertificatePage)
    assert sorted(chooser.choices()) == sorted([unit, legal_rep])
    activation = chooser.choose(legal_rep)
    assert activation.widget.certificate_id == legal_rep
    assert activation.activate(PASSWORD).finish().object_name == "scanPage"


def test_设置_from_the_menu_refuses_saves_and_trusts_a_platform(mca_client, mca_platform):
    client = mca_client("legal-pc")
    home = client.login_page().log_in_as_company()
    settings = home.open_settings()
    assert isinstance(settings, SettingsPage)
    assert settings.ca_in_use == "当前使用：本机 CA"
    assert settings.keyring.startswith("钥匙串：")
    assert str(client.settings.data_dir) in settings.data_folders
    assert any("camera.png" in c for c in settings.cameras)
    assert settings.save() == "设置没有变化。"

    said = (
        settings.use_remote_ca("http://ca.example.org").set_device_name("法人 电脑").save_refused()
    )
    assert set(said) == {"caUrl", "deviceName"}, said
    said = settings.use_local_ca().set_device_name("legal-pc-2").choose_language("en").save()
    assert said.startswith("已保存到")
    saved = tomllib.loads(client.settings.settings_file.read_text(encoding="utf-8"))
    assert saved == {"device": "legal-pc-2", "lang": "en"}

    assert "尚未信任" in settings.platforms
    question = settings.add_platform(mca_platform.url)
    assert mca_platform.url in question and "SHA-256" in question
    client.wait_until(lambda: mca_platform.url in settings.platforms, "the platform listed")
    assert pages.page_object_for(client).object_name == "settingsPage"


def test_the_webcam_plays_a_video_file_that_shows_the_code(
    mca_client, mca_world, mca_platform, tmp_path
):
    from mobileca_desktop.testing.client import write_video

    cid = mca_world.approved_certificate()
    qr = mca_platform.login_qr()
    video = write_video(tmp_path / "webcam.avi", [None, qr.qr_png])  # grey, then the code
    client = mca_client("legal-pc", camera=video)
    assert client.camera is None and client.settings.camera == str(video)
    detail = downloaded(client, cid)
    scanner = detail.back().back().open_scan()
    assert scanner.find("cameraCombo").currentText() == "文件：webcam.avi"
    confirm = scanner.from_camera()
    assert confirm.operation == "扫码登录"
    assert confirm.confirm(PASSWORD).heading == "扫码成功"
    assert mca_platform.state(qr.session_id)["state"] == "confirmed"


def test_撤销授权_asked_cancelled_then_withdrawn_and_the_agent_told(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    mca_world.grant(cid)
    legal_pc, agent_pc = mca_client("legal-pc"), mca_client("agent-pc")
    received = agent_pc.login_page().log_in_as_agent().open_grants()
    received.row(certificate_id=cid).download().activate("Jingban#2026")
    assert agent_pc.keys.keystore.state(cid) == "ready"

    grants = legal_pc.login_page().log_in_as_company().open_grants()
    assert grants.row(certificate_id=cid).withdraw(confirm=False) is grants
    assert grants.row(certificate_id=cid).status == "授权中"
    row = grants.row(certificate_id=cid).withdraw().row(certificate_id=cid)
    assert row.status != "授权中" and row.note == "授权已撤销，经办人设备上的证书已吊销。"

    received = agent_pc.page().back()  # from 证书下载: 授权管理, loaded again
    assert received.row(certificate_id=cid).note.startswith("授权已被撤销")


def test_wizard_helpers_letter_agent_and_the_file_dialog(mca_client, mca_world, tmp_path):
    from mobileca_desktop.domain.models import DocKind
    from mobileca_desktop.services.wizard import Step
    from mobileca_desktop.testing.world import sample_jpeg, sample_pdf

    client = mca_client("legal-pc")
    wizard = client.login_page().log_in_as_company().apply(CertKind.UNIT)
    wizard.choose("institution_gdca").next(Step.METHOD).choose("method_letter").next()
    wizard.handled_by_agent()
    assert wizard.step is Step.VERIFY and wizard.heading == "身份核验 · 上传授权书"
    letter = tmp_path / "授权书.pdf"
    letter.write_bytes(sample_pdf("授权书 盖章"))
    wizard.upload_letter(letter).letter_accepted()  # then the 授权码 by SMS
    assert wizard.step is Step.CONFIRM
    wizard.next(Step.DOCUMENTS)
    licence = tmp_path / "执照.jpg"
    licence.write_bytes(sample_jpeg("licence"))
    with client.file_dialog_answers(licence) as asked:
        wizard.click(
            wizard.widget.view.slots[DocKind.LICENCE].findChild(QPushButton, "chooseDocButton")
        )
        client.wait_until(lambda: wizard.widget.view.slots[DocKind.LICENCE].doc is not None)
    assert asked == [("选择营业执照", "营业执照 (*.pdf *.jpg *.jpeg *.png)")]
    wizard.choose_file(DocKind.ID_FRONT, licence)
    wizard.upload_samples(tmp_path)  # every slot again, dropped; 下一步
    assert wizard.step is Step.SIGN
    wizard.sign(mca_world.demo.agent.phone)
    assert wizard.step is Step.SUBMITTED


def test_the_phone_inbox_beside_the_window_shows_codes_notices_and_the_licence(
    mca_client, mca_world
):
    from mobileca_desktop.domain.models import MessageKind

    company = mca_world.demo.company
    mca_world.submitted_application()  # a deposit notice, then the signing code
    client = mca_client("legal-pc")
    client.login_page().log_in_as_company()
    inbox = client.phone_inbox(company.legal_person_phone)
    assert inbox.number == company.legal_person_phone
    newest = inbox.wait_message()
    assert newest.code == mca_world.phone.last_code(company.legal_person_phone)
    notice = inbox.wait_message(pick=lambda m: m.kind is MessageKind.DEPOSIT)
    assert notice.amount == mca_world.phone.deposit_amount(company.legal_person_phone)
    licence = inbox.wait_message(pick=lambda m: m.kind is MessageKind.ELICENCE)
    assert licence.copy_attachment() == licence.message.attachment != ""
    assert inbox.show(mca_world.demo.agent.phone).number == mca_world.demo.agent.phone
    inbox.close()
    assert not inbox.widget.isVisible()
    again = client.phone_inbox()  # opened again, on the number typed last (no other known)
    client.settle()
    assert again.number == mca_world.demo.agent.phone


def test_the_审核台_entered_as_a_reviewer_of_one_institution(mca_client, mca_world):
    bjca = mca_world.submitted_application(institution="bjca")
    sxca = mca_world.submitted_application(institution="sxca")
    client = mca_client("legal-pc")
    certs = client.login_page().log_in_as_company().open_certificates()
    desk = client.reviewer_desk(login=("reviewer-bjca", mca_world.demo.reviewer_password))
    assert desk.who and "操作员" not in desk.who
    assert desk.queue() == [bjca]  # only its institution's applications
    desk.approve(bjca)
    assert certs.wait_status("正常", application_id=bjca).certificate_id is not None
    assert certs.row(application_id=sxca).status == "审核中"
    desk.close()


def test_the_演示时钟_moves_the_ca_on_and_back_and_证书管理_follows(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    certs = client.login_page().log_in_as_company().open_certificates()
    clock = client.demo_clock()
    before = clock.now
    assert clock.advance(1).now != before
    clock.advance(400)
    assert "401" in clock.offset, clock.offset
    assert certs.wait_status("已过期", certificate_id=cid)
    clock.reset()
    assert certs.wait_status("正常", certificate_id=cid)
    clock.close()


def test_back_on_the_window_s_first_page_fails_at_once(mca_client):
    login = mca_client("legal-pc").login_page()
    with pytest.raises(AssertionError, match="loginPage is the window's first page: no back"):
        login.back()  # the < is off: said at once, not after waiting for it to come on
    home = login.log_in_as_company()
    with pytest.raises(AssertionError, match="is the window's first page: no back"):
        home.back()


def test_a_wait_that_runs_out_says_what_is_shown_by_then(mca_client, mca_world):
    client = mca_client("legal-pc")
    login = client.login_page()
    client.timeout_ms = 500  # each wait below runs out: they must say what they saw at the end
    QTimer.singleShot(0, login.widget.form(AccountKind.LEGAL).register_button.click)
    with pytest.raises(AssertionError, match=r"'homePage' \(now 'registerLegalPage'\)"):
        client.wait_page("homePage")  # began on loginPage, which it must not report

    app_id = mca_world.submitted_application()
    client.timeout_ms = WAIT_MS
    certificates = client.page().back().log_in_as_company().open_certificates()
    client.timeout_ms = 500
    mca_world.reviewer.approve(app_id)  # off the window: 证书管理 does not reload by itself
    with pytest.raises(AssertionError, match=r"to show 正常 \(it shows 审核中\).*reopen"):
        certificates.wait_status("正常", application_id=app_id)
    client.timeout_ms = WAIT_MS
    certificates = certificates.reopen()
    assert certificates.row(application_id=app_id).status == "正常"

    wizard = certificates.back().apply(CertKind.UNIT).choose("institution_bjca").next()
    client.timeout_ms = 500
    said = r"'institution_bjca' \(the wizard is on 选择核验方式\)"
    with pytest.raises(AssertionError, match=said):
        wizard.choose("institution_bjca")  # the step is over: say which one is shown


def test_the_code_request_code_read_is_the_one_activate_types(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    home = mca_client("legal-pc").login_page().log_in_as_company()
    activation = home.open_certificates().row(certificate_id=cid).open().download()
    code = activation.request_code()  # 获取验证码 now counts down: no second code
    assert activation.activate(PASSWORD).done_heading == "证书下载成功"
    assert activation.code == code


def test_the_phone_inbox_shows_the_messages_once_opened(mca_client, mca_world, mca_demo):
    mca_world.submitted_application()  # the signing code went to the legal person's phone
    client = mca_client("legal-pc")
    client.login_page().log_in_as_company()
    inbox = client.phone_inbox(mca_demo.company.legal_person_phone)
    shown = inbox.messages()  # read at once: the phone has read them from the CA already
    assert shown and shown[0].message.title == "短信验证码", [m.message.title for m in shown]
    assert shown[0].code == mca_world.phone.last_code(inbox.number)


def test_a_client_of_lang_en_shows_its_window_in_english(mca_client):
    from mobileca_desktop.views import i18n

    client = mca_client("pc", lang="en")
    login = client.login_page()
    assert client.window.top_bar.title.text() == "Log in"
    assert login.widget.tabs.tabText(0) == "Company login"
    assert i18n.language() == "en"
    with pytest.raises(ValueError, match="one language per test"):
        mca_client("pc2", lang="zh_CN")
