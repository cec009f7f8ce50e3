"""修改证书密码, and the way out of a locked certificate (重新下载证书)."""

from __future__ import annotations

from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject, page_object_for

FIELDS = ("old_password", "password", "password_again")


class ChangePasswordPage(PageObject):
    """修改证书密码 (from 证书详情, once the certificate is on this computer): the old
    password, the new one twice, 确认修改. Wrong old passwords say how many tries are left;
    too many lock the certificate on this computer, and the page offers 重新下载证书."""

    object_name = "changePasswordPage"

    def _fill(self, old: str, new: str, again: str | None) -> None:
        self.type(self.find("old_passwordInput"), old)
        self.type(self.find("passwordInput"), new)
        self.type(self.find("password_againInput"), new if again is None else again)
        self.click("changePasswordButton")

    def errors(self) -> dict[str, str]:
        """What the page says, by field (``old_password``, ``password``, ``password_again``)
        and ``banner`` (neither field's)."""
        said = {}
        for name in FIELDS:
            shown = self.find_all(f"{name}Error")
            if shown and shown[0].text():
                said[name] = shown[0].text()
        banner = self.find_all("passwordBanner")
        if banner and banner[0].text():
            said["banner"] = banner[0].text()
        return said

    @property
    def locked(self) -> bool:
        """The recovery card is shown: the certificate is locked (or unusable) here."""
        return bool(self.find_all("recoveryCard"))

    def _answered(self) -> bool:
        return not self.is_current() or bool(self.errors()) or self.locked

    def change(self, old: str, new: str, again: str | None = None) -> PageObject:
        """确认修改: back on 证书详情 (toast 证书密码已修改); fails with what the page says
        when the change is refused."""
        self._fill(old, new, again)
        self.client.wait_until(self._answered, "修改证书密码 to finish")
        if self.is_current():
            raise AssertionError(f"修改证书密码 refused: {self.errors()}")
        return page_object_for(self.client)

    def change_refused(self, old: str, new: str, again: str | None = None) -> dict[str, str]:
        """A change that must be refused: returns what the page says (``errors``); the page
        stays."""
        self._fill(old, new, again)
        self.client.wait_until(self._answered, "修改证书密码 to be refused")
        self._check_current()
        self.client.settle()
        return self.errors()

    def recover(self) -> ActivationPage:
        """重新下载证书 (on a locked certificate): 证书下载 in recovery, a new password."""
        self.click("recoverButton")
        return ActivationPage(self.client)
