"""扫一扫 against the trading-platform simulator: first use downloads the certificate, then
the platform's login QR is scanned and confirmed with the certificate password."""

CERTIFICATE_PASSWORD = "Zhengshu#2026"


def test_scan_to_log_in_to_the_trading_platform(mca_client, mca_world, mca_platform, mca_phone):
    mca_world.approved_certificate()
    home = mca_client("legal-pc").login_page().log_in_as_company()

    activation = home.open_scan()  # 初次使用: 证书下载 / 激活
    activation.activate(CERTIFICATE_PASSWORD)  # the SMS code is read from the phone
    phone = mca_world.demo.company.legal_person_phone
    assert any("下载证书" in m.body for m in mca_phone.messages(phone))
    scanner = activation.finish()

    qr = mca_platform.login_qr()  # what the platform's home page shows
    confirm = scanner.paste_image(qr.qr_png)
    assert confirm.operation == "扫码登录"
    result = confirm.confirm(CERTIFICATE_PASSWORD)
    assert result.heading == "扫码成功"
    assert mca_platform.state(qr.session_id)["state"] == "confirmed"
