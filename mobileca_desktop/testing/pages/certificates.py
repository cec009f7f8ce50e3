"""证书管理 and 证书详情."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget

from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import PageObject, page_object_for
from mobileca_desktop.testing.pages.dialogs import RenewQuestion, RevokeQuestion

# --- 证书管理 and 证书详情 ------------------------------------------------------------------------


class CertRowView:
    """One row of 证书管理."""

    def __init__(self, page: CertListPage, widget: Any) -> None:
        self.page = page
        self.widget = widget

    @property
    def status(self) -> str:
        """The status badge as shown: 正常, 审核中, 已失效, 已过期, 草稿..."""
        return self.widget.badge.text()

    @property
    def certificate_id(self) -> int | None:
        return self.widget.row.certificate_id

    @property
    def application_id(self) -> int | None:
        return self.widget.row.application_id

    @property
    def kind(self) -> Any:
        return self.widget.row.kind

    @property
    def note(self) -> str:
        notes = [w for w in self.widget.findChildren(QWidget, "certRowNote") if w.isVisible()]
        return notes[0].text() if notes else ""

    def open(self) -> CertDetailPage:
        """A click on the row: 证书详情."""
        self.page.qtbot.mouseClick(self.widget, Qt.MouseButton.LeftButton)
        self.page.client.pace()
        return CertDetailPage(self.page.client)

    def continue_(self) -> Any:
        """继续: a draft or a rejected application opens in the wizard (its page object); on
        an expired certificate 证书更新 is asked (a ``RenewQuestion``)."""
        button = self.widget.continue_button
        assert button is not None, f"no 继续 on {self.widget.objectName()}"
        client = self.page.client
        self.page.click(button)
        asked = RenewQuestion.object_name

        def question() -> bool:
            return any(d.isVisible() for d in client.window.findChildren(QDialog, asked))

        client.wait_until(lambda: not self.page.is_current() or question(), "继续 to open")
        if self.page.is_current():
            return RenewQuestion(client)
        return page_object_for(client)

    def renew(self) -> ActivationPage:
        """继续 on an 已过期 row, 确认更新: the new certificate's 证书下载."""
        question = self.continue_()
        assert isinstance(question, RenewQuestion), f"继续 on {self.status} did not ask to renew"
        question.confirm()
        return _renewed(self.page.client, self.certificate_id)


class CertListPage(PageObject):
    """证书管理: the account's certificates and applications, each with its status."""

    object_name = "certListPage"

    def ready(self) -> None:
        # The page reloads each time it is shown again (back from 证书详情): its data are
        # current once nothing is loading.
        self.client.wait_until(lambda: self.widget.loaded, "证书管理 to load")
        self.client.settle()
        rows = self.widget.rows
        self.client.wait_until(lambda: all(w.isVisible() for w in rows), "the rows shown")

    def rows(self) -> list[CertRowView]:
        return [CertRowView(self, w) for w in self.widget.rows]

    def statuses(self) -> list[str]:
        return [r.status for r in self.rows()]

    def row(self, certificate_id: int | None = None, application_id: int | None = None):
        for r in self.rows():
            if certificate_id is not None and r.certificate_id == certificate_id:
                return r
            if application_id is not None and r.application_id == application_id:
                return r
        raise AssertionError(
            f"no row for certificate {certificate_id} / application {application_id}"
        )

    def reopen(self) -> CertListPage:
        """证书管理 left (<, back to 首页) and opened again: the page loads afresh, as it does
        each time it is shown. What changed off the window (``mca_reviewer``, ``mca_clock``,
        another computer) shows only then."""
        from mobileca_desktop.testing.pages.account import HomePage

        page: PageObject = self
        while not isinstance(page, HomePage):
            page = page.back()
        return page.open_certificates()

    def wait_status(self, status: str, **which: int) -> CertRowView:
        """Waits until the row shows ``status``. The page reloads itself when the window
        acts (its 审核台, its 演示时钟); after acting off the window use ``reopen()``."""

        def shown() -> str:  # what the row shows when the wait runs out
            try:
                return f"it shows {self.row(**which).status}"
            except AssertionError as exc:
                return str(exc)

        self.client.wait_until(
            lambda: self.row(**which).status == status,
            lambda: (
                f"the row {which} to show {status} ({shown()}); 证书管理 reloads when "
                "shown or when the window's 审核台 or 演示时钟 acts: after acting off the "
                "window (mca_reviewer, mca_clock) call reopen()"
            ),
        )
        return self.row(**which)


class CertDetailPage(PageObject):
    """证书详情: status, the device card (下载证书), the actions."""

    object_name = "certDetailPage"

    def ready(self) -> None:
        self.client.wait_until(lambda: self.widget.detail is not None, "证书详情 to load")
        self.client.settle()  # shown again (back from 下载): reloaded

    @property
    def status(self) -> str:
        return self.widget.badge.text()

    @property
    def subject(self) -> str:
        return self.text("detailSubject")

    @property
    def device_state(self) -> str:
        return self.text("deviceState")

    def actions(self) -> dict[str, bool]:
        """The action buttons shown and whether each is enabled."""
        return {n: b.isEnabled() for n, b in self.widget.buttons.items() if b.isVisible()}

    def download(self) -> ActivationPage:
        """下载证书: 证书下载 / 激活."""
        self.click("downloadButton")
        return ActivationPage(self.client)

    # --- the actions (证书更新, 证书变更, 吊销, 修改证书密码) -----------------------------------

    @property
    def certificate_id(self) -> int:
        return self.widget.certificate_id

    def ask_renew(self) -> RenewQuestion:
        """证书更新: the question (``confirm`` or ``cancel`` it)."""
        self.click("renewButton")
        return RenewQuestion(self.client)

    def renew(self) -> ActivationPage:
        """证书更新, 确认更新: a new certificate is issued (the old one 已被取代) and its
        证书下载 opens, over the new certificate's 证书详情."""
        self.ask_renew().confirm()
        return _renewed(self.client, self.certificate_id)

    def ask_revoke(self) -> RevokeQuestion:
        """吊销: the question with the reasons (``choose``, then ``confirm`` or ``cancel``)."""
        self.click("revokeButton")
        return RevokeQuestion(self.client)

    def revoke(self, reason: Any = None) -> CertDetailPage:
        """吊销 with ``reason`` (a ``RevocationReason``; 不再使用此证书 by default), 确认吊销:
        the page shows the certificate 已吊销 (toast 证书已吊销)."""
        loads = self.widget.loads
        question = self.ask_revoke()
        if reason is not None:
            question.choose(reason)
        question.confirm()
        self.client.wait_until(
            lambda: self.widget.loads > loads and self.widget.detail is not None, "证书已吊销"
        )
        self.client.settle()
        return self

    def change(self) -> ChangeCertificatePage:
        """证书变更: the form of what may change."""
        self.click("changeButton")
        return ChangeCertificatePage(self.client)

    def change_password(self) -> Any:
        """修改证书密码 (the certificate is on this computer)."""
        from mobileca_desktop.testing.pages.passwords import ChangePasswordPage

        self.click("passwordButton")
        return ChangePasswordPage(self.client)


def _renewed(client: Any, old: int | None) -> ActivationPage:
    """After 确认更新: the download page of the certificate that replaced ``old``."""
    page = ActivationPage(client)
    if page.widget.certificate_id == old:
        raise AssertionError("证书更新 issued no new certificate")
    return page


class ChangeCertificatePage(PageObject):
    """证书变更: the details this kind of certificate may change (``fields``: company_name,
    province, city for 单位证书; company_name, legal_person_name for 法定代表人证书;
    person_name for 个人证书), then 下一步：上传证件 into the wizard."""

    object_name = "changeCertificatePage"

    def fields(self) -> dict[str, str]:
        """Each field offered and its value now."""
        edits = self.widget.findChildren(QLineEdit)
        found = {}
        for edit in edits:
            name = edit.objectName()
            if edit.isVisible() and name.endswith("Input"):
                found[name.removesuffix("Input")] = edit.text()
        return found

    def errors(self) -> dict[str, str]:
        said = {}
        for name in self.fields():
            shown = self.find_all(f"{name}Error")
            if shown and shown[0].text():
                said[name] = shown[0].text()
        banner = self.find_all("changeBanner")
        if banner and banner[0].text():
            said["banner"] = banner[0].text()
        return said

    def _submit(self, values: dict[str, str]) -> None:
        for name, text in values.items():
            self.type(self.find(f"{name}Input"), text)
        self.click("changeSubmit")
        self.client.wait_until(
            lambda: not self.is_current() or bool(self.errors()), "下一步：上传证件"
        )

    def change(self, **values: str) -> Any:
        """Types ``values`` (field: new text), 下一步：上传证件: the change application in the
        wizard (a ``WizardPage`` at 信息确认, then 上传证件 and the signature)."""
        from mobileca_desktop.testing.pages.wizard import WizardPage

        self._submit(values)
        if self.is_current():
            raise AssertionError(f"证书变更 refused: {self.errors()}")
        return WizardPage(self.client)

    def change_refused(self, **values: str) -> dict[str, str]:
        """A change that must be refused: what the page says; the page stays."""
        self._submit(values)
        self._check_current()
        return self.errors()
