"""The platform's pages in headless Chromium: the page shows a QR code, the test decodes it
from a screenshot (zxing-cpp), the real client (``services/scan.py``) completes the scan
with a keystore-held certificate, and the page changes by itself (polling)."""

from __future__ import annotations

import dataclasses
import io
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import zxingcpp
from conftest import PASSWORD, demo_company, pdf_bytes
from helpers_keystore import CERT_PASSWORD, approved_certificate, download, new_device
from helpers_platform import client, start
from helpers_platform import scan as scan_now
from PIL import Image

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed"
)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"]
        )
        yield browser
        browser.close()


@pytest.fixture
def setup(services, company, tmp_path):
    """The company's certificate downloaded on a device, a platform, and the client."""
    reg, s = company
    cid = approved_certificate(services, reg, s)
    device = new_device(services, tmp_path, "pc")
    download(services, device, s, cid, reg.legal_person_phone)
    platform = start(services, tmp_path)
    yield reg, s, cid, platform, client(services, tmp_path, platform, device)
    platform.stop()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1180, "height": 760}, locale="zh-CN")
    yield context.new_page()
    context.close()


def qr_from_screenshot(page) -> str:
    """Waits for a fresh QR code and decodes it from a screenshot of the whole page."""
    page.wait_for_function(
        "() => (document.getElementById('qr') || {}).complete !== undefined &&"
        " (document.getElementById('qr').dataset.sid ||"
        " (document.getElementById('result') || {}).textContent)"
    )
    problem = page.text_content("#result") if page.query_selector("#result") else ""
    assert not problem, problem
    page.wait_for_function(
        "() => { const i = document.getElementById('qr');"
        " return i && i.complete && i.naturalWidth > 0 && i.dataset.sid; }"
    )
    image = Image.open(io.BytesIO(page.screenshot()))
    found = zxingcpp.read_barcodes(image)
    texts = [r.text for r in found if r.text.startswith("MCA1.")]
    assert len(texts) == 1, [r.text for r in found]
    assert texts[0] == page.get_attribute("#qr", "data-qr")
    return texts[0]


def scan(*args):
    """The client's scan on a worker thread, as the app runs it (off the GUI thread): the
    sync Playwright API keeps an asyncio loop running on this one, and pyHanko starts its
    own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(scan_now, *args).result(timeout=60)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"platform-{name}.png"), full_page=True)


def login(page, platform, scanner, s, cid, company: str, *, save: bool = False) -> None:
    page.goto(platform.url + "/")
    text = qr_from_screenshot(page)
    assert page.text_content("#scan-state") == "等待扫码"
    if save:
        shot(page, "login")
    _prompt, outcome = scan(scanner, s, text, cid, CERT_PASSWORD)
    assert outcome.message.startswith("扫码成功")
    # The page asks whose account the scan answered with; polling logged nothing in.
    page.wait_for_selector("#login-confirm", timeout=15000)
    assert page.text_content("#login-ask") == f"以 {company} 身份登录？"
    assert not [c for c in page.context.cookies() if c["name"] == "mca_login"]
    if save:
        shot(page, "login-confirm")
    page.click("#login-confirm")
    page.wait_for_selector("#welcome", timeout=15000)


def test_scan_login_on_the_page(page, setup):
    reg, s, cid, platform, scanner = setup
    login(page, platform, scanner, s, cid, reg.company_name, save=True)
    assert page.text_content("#welcome") == f"登录成功：{reg.company_name}"
    assert reg.company_name in page.text_content("#who")
    shot(page, "home")


def test_scan_seal_on_the_page(page, setup, tmp_path):
    reg, s, cid, platform, scanner = setup
    login(page, platform, scanner, s, cid, reg.company_name)
    page.goto(platform.url + "/seal")
    pdf = tmp_path / "投标函.pdf"
    pdf.write_bytes(pdf_bytes("投标函"))
    page.set_input_files("#pdf", str(pdf))
    page.select_option("#seal", "official")
    page.click("#seal-go")
    text = qr_from_screenshot(page)
    prompt, outcome = scan(scanner, s, text, cid, CERT_PASSWORD)
    assert prompt.document == pdf.read_bytes() and prompt.document_name
    page.wait_for_selector("#scan-state[data-state=confirmed]", timeout=15000)
    assert f"签章成功：{reg.company_name}" in page.text_content("#result")
    shot(page, "seal")
    href = page.get_attribute("#download", "href")
    sealed = page.request.get(platform.url + href).body()
    assert sealed.startswith(pdf.read_bytes())


def test_scan_encrypt_and_decrypt_on_the_pages(page, setup, tmp_path):
    reg, s, cid, platform, scanner = setup
    login(page, platform, scanner, s, cid, reg.company_name)
    page.goto(platform.url + "/encrypt")
    bid = tmp_path / "投标文件.txt"
    bid.write_bytes("投标报价：壹佰贰拾叁万肆仟伍佰陆拾柒元整".encode())
    page.set_input_files("#bid", str(bid))
    page.click("#encrypt-go")
    _prompt, outcome = scan(scanner, s, qr_from_screenshot(page), cid, CERT_PASSWORD)
    page.wait_for_selector("#scan-state[data-state=confirmed]", timeout=15000)
    assert "加密成功" in page.text_content("#result")
    shot(page, "encrypt")

    page.goto(platform.url + "/opening")
    assert "未解密" in page.text_content("#bids")
    page.click("button.open")
    _prompt, outcome = scan(scanner, s, qr_from_screenshot(page), cid, CERT_PASSWORD)
    page.wait_for_selector("#scan-state[data-state=confirmed]", timeout=15000)
    result = page.text_content("#result")
    assert "解密成功" in result and "壹佰贰拾叁万" in result and reg.company_name in result
    shot(page, "decrypt")


def test_an_expired_login_qr_is_replaced_by_a_new_one(page, setup, services):
    _reg, _s, _cid, platform, _scanner = setup
    page.goto(platform.url + "/")
    first = qr_from_screenshot(page)
    services.engine.advance_clock(services.engine.operator_session(), 130)
    page.wait_for_function(
        f"() => document.getElementById('qr').dataset.qr !== {first!r}", timeout=15000
    )
    second = qr_from_screenshot(page)
    assert second != first


def test_a_refused_login_shows_the_reason_on_the_page(page, setup, services):
    """A lost laptop's device certificate (revoked, key compromise) is refused by the
    platform after OCSP, and the page says why."""
    from helpers_platform import activated_device, answer, clock_now, fetch, post

    reg, s, cid, platform, _scanner = setup
    lost = activated_device(services, s, cid, reg.legal_person_phone, name="lost-laptop")
    services.ca.revoke_device_certificate(s, format(lost.cert.serial_number, "x"))
    page.goto(platform.url + "/")
    fetched = fetch(qr_from_screenshot(page))
    response = post(fetched, answer(fetched, lost, now=clock_now(services)))
    assert response.status_code == 400 and response.json()["code"] == "revoked"
    page.wait_for_selector("#scan-state[data-state=rejected]", timeout=15000)
    assert "证书已吊销（密钥泄露" in page.text_content("#scan-message")
    shot(page, "rejected")


def test_not_me_refuses_a_login_someone_else_answered_first(page, setup, services, people):
    """Login CSRF: another company saw this page's code and answered it first with its own
    certificate. The page names that company (as text) and asks; 不是我 logs nothing in and
    shows a new code, with which the user logs in as themselves."""
    from helpers_platform import activated_device, answer, clock_now, fetch, post

    from mobileca_desktop.domain.models import AccountKind

    reg, s, cid, platform, scanner = setup
    other = dataclasses.replace(
        demo_company(people),
        company_name="晋阳抢先科技有限公司<img src=x onerror=alert(1)><b>MARK</b>",
    )
    services.ca.register_legal(other)
    other_s = services.ca.login(AccountKind.LEGAL, other.uscc, PASSWORD)
    other_cid = approved_certificate(services, other, other_s)
    thief = activated_device(services, other_s, other_cid, other.legal_person_phone, name="thief")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    page.goto(platform.url + "/")
    first = qr_from_screenshot(page)
    fetched = fetch(first)
    assert post(fetched, answer(fetched, thief, now=clock_now(services))).status_code == 200
    page.wait_for_selector("#login-decline", timeout=15000)
    assert page.text_content("#login-ask") == f"以 {other.company_name} 身份登录？"
    assert page.query_selector("#result img, #result b") is None  # the name is text
    shot(page, "login-not-me")
    page.click("#login-decline")
    page.wait_for_function(
        f"() => document.getElementById('qr').dataset.qr !== {first!r}", timeout=15000
    )
    assert not [c for c in page.context.cookies() if c["name"] == "mca_login"]
    assert platform.platform.logins == {} and not dialogs
    text = qr_from_screenshot(page)
    _prompt, outcome = scan(scanner, s, text, cid, CERT_PASSWORD)
    page.wait_for_selector("#login-confirm", timeout=15000)
    assert page.text_content("#login-subject") == reg.company_name
    page.click("#login-confirm")
    page.wait_for_selector("#welcome", timeout=15000)
    assert page.text_content("#welcome") == f"登录成功：{reg.company_name}"
