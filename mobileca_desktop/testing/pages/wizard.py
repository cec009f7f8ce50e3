"""The application wizard (证书新办)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mobileca_desktop.testing.pages.base import PageObject
from mobileca_desktop.testing.pages.certificates import CertListPage

# --- the application wizard (证书新办) ----------------------------------------------------------


class WizardPage(PageObject):
    """申请…证书: one page whose step view changes (``step``: ``services.wizard.Step``)."""

    object_name = "wizardPage"

    def ready(self) -> None:
        self.client.wait_until(self._shown, "the wizard's step")

    def _shown(self) -> bool:
        page = self.widget
        return not page.busy and page.view is not None and page.view.isVisible()

    @property
    def step(self) -> Any:
        return self.widget.wizard.step

    @property
    def heading(self) -> str:
        return self.widget.heading.text()

    @property
    def banner(self) -> str:
        banner = self.widget.banner
        return banner.text() if banner.isVisible() else ""

    @property
    def application_id(self) -> int | None:
        app = self.widget.wizard.application
        return app.id if app is not None else None

    def choose(self, object_name: str) -> WizardPage:
        """A choice of the step (``institution_bjca``, ``method_deposit``,
        ``handler_legal_person``...), once the step's data are shown."""
        from PySide6.QtWidgets import QRadioButton

        self.client.wait_until(
            lambda: any(
                b.isVisible() for b in self.widget.view.findChildren(QRadioButton, object_name)
            ),
            f"the choice {object_name!r}",
        )
        button = self.widget.view.findChild(QRadioButton, object_name)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert button.isChecked(), object_name
        self.client.pace()
        return self

    def fill(self, field: str, text: str) -> WizardPage:
        """Types into the step's field ``field`` (``agent_name``, ``deposit_amount``...)."""
        self.type(self.widget.view.fields[field], text)
        return self

    def field_error(self, field: str) -> str:
        return self.widget.view.fields[field].error_text()

    def next(self, expected: Any = None) -> WizardPage:
        """下一步: waits for the next step (``expected``, when given) and fails with what the
        page says when it does not move on."""
        before = self.step
        self.click(self.widget.next_button)
        self.client.wait_until(lambda: not self.widget.busy, "下一步")
        if self.step is before and expected is not before:
            errors = [f"{n}: {f.error_text()}" for n, f in self._fields() if f.error_text()]
            raise AssertionError(f"下一步 refused on {before}: {self.banner or errors}")
        self.ready()
        if expected is not None and self.step is not expected:
            raise AssertionError(f"下一步 went to {self.step}, not {expected}")
        return self

    def back(self) -> PageObject:
        """The top bar's back (<): a step back while there is one (this page object), else
        out of the wizard."""
        if not self.widget.wizard.can_go_back:
            return super().back()
        before = self.step
        self.click(self.client.top_bar_button("backButton"))
        self.client.wait_until(lambda: self.step is not before and self._shown(), "a step back")
        return self

    def previous(self) -> WizardPage:
        """上一步 (the page's own button)."""
        before = self.step
        self.click(self.widget.back_button)
        self.client.wait_until(lambda: self.step is not before and self._shown(), "上一步")
        return self

    def _fields(self) -> list[tuple[str, Any]]:
        return list(getattr(self.widget.view, "fields", {}).items())

    def start_deposit(self) -> str:
        """对公打款: 发起打款; returns the amount the bank's notice on the phone says."""
        world = self.client.world
        number = world.demo.company.legal_person_phone
        self.click(self.find("startDepositButton"))
        amount = self.widget.view.fields["deposit_amount"]
        self.client.wait_until(lambda: amount.isVisible() and not self.widget.busy, "打款")
        return world.phone.deposit_amount(number)

    def upload(self, kind: Any, path: Any) -> WizardPage:
        """上传证件: ``path`` dragged from the file manager and dropped onto the slot of
        ``kind`` (a ``DocKind``); waits for the upload."""
        import warnings

        from PySide6.QtCore import QMimeData, QPointF, QUrl
        from PySide6.QtGui import QDragEnterEvent, QDropEvent

        slot = self.widget.view.slots[kind]
        self.client.wait_until(slot.isVisible, f"the slot {kind}")
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        pos = slot.rect().center()
        args = (
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        with warnings.catch_warnings():  # PySide6 marks the (QPoint) constructor deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            enter = QDragEnterEvent(pos, *args)
        QApplication.sendEvent(slot, enter)
        assert enter.isAccepted(), f"the slot {kind} refused the drag"
        QApplication.sendEvent(slot, QDropEvent(QPointF(pos), *args))
        name = str(getattr(path, "name", path))

        def uploaded() -> bool:  # the step view may be rebuilt: look the slot up again
            doc = self.widget.view.slots[kind].doc
            return not self.widget.busy and doc is not None and doc.filename == name

        self.client.wait_until(uploaded, f"{name} uploaded")
        self.client.pace()
        return self

    def sign(self, number: str | None = None) -> WizardPage:
        """短信验证码电子签名: 获取验证码, the code from the signer's phone (the legal person's
        by default), 下一步: 已提交."""
        from mobileca_desktop.services.wizard import Step

        world = self.client.world
        number = number or world.demo.company.legal_person_phone
        after = world.phone.last_id(number)
        self.click(self.find("smsCodeButton"))
        self.client.wait_until(lambda: bool(self.find_all("smsSent")), "验证码已发送")
        self.client.phones_seen.add(number)
        self.fill("sms_code", world.phone.last_code(number, after))
        return self.next(Step.SUBMITTED)

    def view_certificates(self) -> CertListPage:
        """已提交's 查看证书管理."""
        self.click(self.widget.next_button)
        return CertListPage(self.client)
