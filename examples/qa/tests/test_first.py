"""The first test of the QA guide: log in, open 证书管理, see the certificate 正常."""


def test_an_approved_certificate_is_normal(mca_client, mca_world):
    certificate_id = mca_world.approved_certificate()  # applied and approved off screen
    home = mca_client("legal-pc").login_page().log_in_as_company()
    certificates = home.open_certificates()
    assert certificates.row(certificate_id=certificate_id).status == "正常"
