"""证书下载 / 激活."""

from __future__ import annotations

from mobileca_desktop.testing.pages.base import PageObject, page_object_for

# --- 下载 / 激活 ----------------------------------------------------------------------------------


class ActivationPage(PageObject):
    """证书下载 / 激活: SMS code, certificate password twice, 激活."""

    object_name = "activationPage"

    code: str | None = None  # the code ``request_code`` read last, for ``activate``

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "证书下载 to load")

    def request_code(self, number: str | None = None) -> str:
        """获取验证码; returns the code as the phone ``number`` shows it (the legal person's,
        also when an agent downloads: the demo company's by default)."""
        world = self.client.world
        number = number or world.demo.company.legal_person_phone
        page = self.widget
        after = world.phone.last_id(number)
        button = page.code_button
        self.client.wait_until(
            lambda: button.isVisible() and button.isEnabled(),
            lambda: (
                f"获取验证码 ({button.objectName()}) to be enabled: it shows {button.text()!r}, "
                "counting down after the code sent before (activate() uses that code)"
            ),
        )
        self.click(button)
        self.client.wait_until(
            lambda: "验证码已发送" in page.sent.text() or bool(page.sms.error_text()),
            "验证码已发送",
        )
        if page.sms.error_text():
            raise AssertionError(f"获取验证码 refused: {page.sms.error_text()}")
        self.client.phones_seen.add(number)
        self.code = world.phone.last_code(number, after)
        return self.code

    def activate(self, password: str, code: str | None = None) -> ActivationPage:
        """Fills the code (the one ``request_code`` read, else one requested now) and the
        password twice, 激活; waits for 本机已下载此证书."""
        code = code or self.code or self.request_code()
        page = self.widget
        self.type(page.sms, code)
        self.type(page.passwords.password, password)
        self.type(page.passwords.again, password)
        self.click(page.activate_button)
        self.client.wait_until(
            lambda: (
                page.done_card.isVisible() or page.banner.isVisible() or bool(page.sms.error_text())
            ),
            "激活 to finish",
        )
        if not page.done_card.isVisible():
            raise AssertionError(f"激活 failed: {page.banner.text() or page.sms.error_text()}")
        return self

    @property
    def done_heading(self) -> str:
        return self.text("activationDoneHeading")

    def finish(self) -> PageObject:
        """The success card's button (开始扫一扫 / 完成): wherever it leads."""
        self.click("activationDoneButton")
        self.client.wait_until(lambda: not self.is_current(), "the next page")
        return page_object_for(self.client)
