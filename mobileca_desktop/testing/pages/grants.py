"""授权管理 and 新增授权."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QMessageBox

from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject

# --- 授权管理 -------------------------------------------------------------------------------------


class GrantRowView:
    """One grant of 授权管理."""

    def __init__(self, page: PageObject, widget: Any) -> None:
        self.page = page
        self.widget = widget

    @property
    def grant_id(self) -> int:
        return self.widget.grant.id

    @property
    def certificate_id(self) -> int:
        return self.widget.grant.certificate_id

    @property
    def status(self) -> str:
        """授权中, 已撤回, 已过期..."""
        return self.widget.badge.text()

    def download(self) -> ActivationPage:
        """下载证书 (the agent's received grant) on this computer."""
        self.page.click(self.widget.download_button)
        return ActivationPage(self.page.client)

    @property
    def note(self) -> str:
        """What the row says under it (授权已撤销，经办人设备上的证书已吊销。...), or ""."""
        notes = [w for w in self.widget.findChildren(QLabel, "grantNote") if w.isVisible()]
        return notes[0].text() if notes else ""

    def withdraw(self, confirm: bool = True) -> PageObject:
        """撤销授权 (the legal person's grant), the question answered 撤销授权 (``confirm``)
        or 取消: 授权管理 reloaded, the row 已撤销 (the agent's downloaded copy is revoked)."""
        button = self.widget.withdraw_button
        assert button is not None, f"no 撤销授权 on {self.widget.objectName()}"
        client = self.page.client
        self.page.click(button)

        def question() -> Any:
            boxes = client.window.findChildren(QMessageBox, "withdrawConfirm")
            shown = [b for b in boxes if b.isVisible()]
            return shown[0] if shown else None

        client.wait_until(lambda: question() is not None, "the question 撤销授权")
        box = question()
        answer = box.findChild(QAbstractButton, "confirmWithdraw" if confirm else "cancelWithdraw")
        client.qtbot.mouseClick(answer, Qt.MouseButton.LeftButton)
        client.wait_until(lambda: not box.isVisible(), "the question to close")
        if confirm:
            client.wait_until(lambda: "已撤销授权" in self.page.toast(), "已撤销授权")
        self.page.ready()  # reloaded
        client.pace()
        return self.page


class _GrantList(PageObject):
    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "授权管理 to load")
        self.client.settle()  # reloaded each time it is shown
        # Rows added to the shown page appear at the next turn of the event loop.
        rows = self.widget.rows
        self.client.wait_until(lambda: all(w.isVisible() for w in rows), "the grants shown")

    def rows(self) -> list[GrantRowView]:
        return [GrantRowView(self, w) for w in self.widget.rows]

    def row(self, grant_id: int | None = None, certificate_id: int | None = None):
        for r in self.rows():
            if grant_id is not None and r.grant_id == grant_id:
                return r
            if certificate_id is not None and r.certificate_id == certificate_id:
                return r
        raise AssertionError(f"no grant {grant_id} / for certificate {certificate_id}")


class GrantsPage(_GrantList):
    """授权管理 of the legal person: the grants made, 新增授权."""

    object_name = "grantsPage"

    def new_grant(self) -> NewGrantPage:
        self.click("newGrantButton")
        return NewGrantPage(self.client)


class ReceivedGrantsPage(_GrantList):
    """授权管理 of a person: the certificates granted to them, each with 下载证书."""

    object_name = "receivedGrantsPage"


class NewGrantPage(PageObject):
    """新增授权: which certificate, the 经办人, for how long."""

    object_name = "newGrantPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.loaded, "新增授权 to load")

    def grant(
        self, certificate_id: int | None = None, agent: Any = None, period: str | None = None
    ) -> GrantsPage:
        """Chooses the certificate (the one offered by default if None), types the agent's
        name, ID number and phone (the demo agent by default), a period button (``6m``...)
        when given, 确认授权: back on 授权管理 with the new grant."""
        agent = agent or self.client.world.demo.agent
        if certificate_id is not None:
            self.click(f"grantCert_{certificate_id}")
        fields = self.widget.fields
        self.type(fields["agent_name"], agent.name)
        self.type(fields["agent_id_number"], agent.id_number)
        self.type(fields["agent_phone"], agent.phone)
        if period is not None:
            self.click(f"period_{period}")
        self.click(self.widget.submit_button)
        self.client.wait_until(
            lambda: not self.is_current() or any(f.error_text() for f in fields.values()),
            "确认授权",
        )
        if self.is_current():
            errors = {n: f.error_text() for n, f in fields.items() if f.error_text()}
            raise AssertionError(f"新增授权 refused: {errors}")
        return GrantsPage(self.client)
