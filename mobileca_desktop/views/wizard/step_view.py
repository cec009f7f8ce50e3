"""The base of a wizard step's view: render from the wizard's data, write back into it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtWidgets import QVBoxLayout, QWidget

from mobileca_desktop.domain.errors import SmsCodeExpired, SmsCodeWrong, SmsTooManyTries
from mobileca_desktop.views import messages
from mobileca_desktop.views.form_field import FormField

if TYPE_CHECKING:
    from mobileca_desktop.views.wizard.wizard_page import WizardPage


class StepView(QWidget):
    """``apply()`` writes what the user entered into ``wizard.data`` (no service calls);
    ``show_error`` puts an error next to its field and says whether it did."""

    aliases: ClassVar[dict[str, str]] = {}
    # The field where a wrong, expired or exhausted code (SMS, 授权码) is shown.
    code_field: ClassVar[str | None] = None

    def __init__(self, page: WizardPage) -> None:
        super().__init__()
        self.page = page
        self.wizard = page.wizard
        self.fields: dict[str, FormField] = {}
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(12)

    def apply(self) -> None:
        """Writes the page's inputs into ``wizard.data``."""

    def show_error(self, err: BaseException) -> bool:
        name = messages.route_error(err, self.aliases)
        if isinstance(err, SmsCodeWrong | SmsCodeExpired | SmsTooManyTries):
            name = self.code_field
        if name in self.fields:
            self.fields[name].set_error(messages.error_text(err))
            self.fields[name].edit.setFocus()
            return True
        return False

    def run(self, op: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        """An in-page action (e.g. 发起对公打款), run in the background by the page."""
        self.page.run(op, on_success)
