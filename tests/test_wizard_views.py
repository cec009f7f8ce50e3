"""证书新办 through the real wizard pages: a legal person applies for a unit certificate by
face, uploads the documents, signs with the SMS code, and sees 审核中 in 证书管理. On the QA
kit (mobileca_desktop.testing): the demo company's client window and the wizard's page
object; each step is checked on its widgets."""

from __future__ import annotations

import pytest
from conftest import jpeg_bytes, pdf_bytes

from mobileca_desktop.domain.models import AppState, CertKind, CertStatus, DocKind
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views.cert_row import CertRow


@pytest.fixture
def client(mca_client):
    laptop = mca_client("test-laptop")
    yield laptop
    laptop.settle()


@pytest.fixture
def home(client):
    """The demo company logged in: 首页."""
    return client.login_page().log_in_as_company()


def test_apply_for_a_unit_certificate_by_face(
    client, home, mca_demo, mca_phone, portrait, tmp_path
):
    window = client.window
    wizard = home.apply(CertKind.UNIT)
    page = wizard.widget
    assert window.top_bar.title.text() == "申请单位证书"
    assert wizard.text("wizardHeading") == "选择 CA 机构"

    wizard.click(page.next_button)  # nothing chosen: said in the banner, no step lost
    client.wait_until(lambda: page.banner.isVisible(), "the banner")
    assert page.banner.text() == "请选择 CA 机构"
    wizard.choose("institution_bjca").next(Step.METHOD)
    wizard.choose("method_face").next(Step.HANDLER)
    wizard.choose("handler_legal_person").next(Step.VERIFY)
    assert "法人刷脸" in wizard.heading

    # 上一步 and forward again: the choices are still made.
    wizard.previous()
    assert wizard.step is Step.HANDLER
    assert wizard.find("handler_legal_person").isChecked()
    wizard.next(Step.VERIFY)

    photo = tmp_path / "face.png"
    photo.write_bytes(portrait)
    wizard.choose_photo(photo)  # 选择照片, the file picked
    client.wait_until(lambda: page.wizard.data.face_photo == portrait, "the photo read")
    assert not wizard.find("facePreview").pixmap().isNull()
    wizard.next(Step.CONFIRM)
    assert "山西示例建设工程有限公司" in page.view.values["证书主体"].text()
    wizard.next(Step.DOCUMENTS)

    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    files = {
        DocKind.LICENCE: ("licence.pdf", pdf_bytes("营业执照")),
        DocKind.ID_FRONT: ("front.jpg", jpeg_bytes("front")),
        DocKind.ID_BACK: ("back.jpg", jpeg_bytes("back")),
    }
    assert set(page.view.slots) == set(files)
    said = wizard.choose_file_refused(DocKind.ID_FRONT, bad)  # unsupported: said on its slot
    assert "不是可读取的" in said
    for kind, (name, data) in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        wizard.choose_file(kind, path)
    assert "已上传：front.jpg" in wizard.document_state(DocKind.ID_FRONT)
    wizard.next(Step.SIGN)
    assert page.next_button.text() == "提交"

    number = mca_demo.company.legal_person_phone
    after = mca_phone.last_id(number)
    wizard.click("smsCodeButton")
    wizard.find("smsSent")  # 验证码已发送
    code = mca_phone.last_code(number, after)
    wrong = "000000" if code != "000000" else "111111"
    wizard.fill("sms_code", wrong)
    wizard.click(page.next_button)
    client.wait_until(lambda: wizard.field_error("sms_code") != "", "the code's error")
    assert wizard.field_error("sms_code") == "验证码错误，还可尝试 4 次"
    assert wizard.step is Step.SIGN
    wizard.fill("sms_code", code).next(Step.SUBMITTED)
    assert page.wizard.application.state is AppState.SUBMITTED
    client.wait_until(
        lambda: "北京数字认证股份有限公司" in wizard.text("institutionContact"),
        "the institution's contact",
    )

    certs = wizard.view_certificates()  # 查看证书管理
    (row,) = certs.widget.findChildren(CertRow)
    assert row.row.status is CertStatus.REVIEWING and row.badge.text() == "审核中"
    assert certs.back().object_name == "homePage"
