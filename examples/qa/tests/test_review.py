"""The CA reviewer's word reaches the applicant's 证书管理: 驳回 → 已失效 with the reason."""

from mobileca_desktop.domain.models import CertKind


def test_a_rejected_application_says_why(mca_client, mca_world, mca_reviewer):
    app_id = mca_world.submitted_application(CertKind.UNIT)
    certificates = mca_client().login_page().log_in_as_company().open_certificates()
    assert certificates.row(application_id=app_id).status == "审核中"

    mca_reviewer.reject(app_id, "营业执照照片不清晰")
    home = certificates.back()
    row = home.open_certificates().row(application_id=app_id)
    assert row.status == "已失效"
    assert "营业执照照片不清晰" in row.note


def test_the_demo_clock_makes_a_certificate_expire(mca_client, mca_world, mca_clock):
    certificate_id = mca_world.approved_certificate()
    mca_clock.advance(days=400)
    home = mca_client().login_page().log_in_as_company()
    assert home.open_certificates().row(certificate_id=certificate_id).status == "已过期"
