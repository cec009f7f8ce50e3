"""证书新办: renders ``ApplicationWizard`` one step at a time, with 上一步 / 下一步.

Each press of 下一步 writes the page's inputs into the wizard's data and runs
``wizard.next()`` off the GUI thread; an error goes next to its field when it names one,
into the page's banner otherwise. 上一步 (and the top bar's <) keep what was entered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from mobileca_desktop.services.wizard import ApplicationWizard, Step
from mobileca_desktop.views import messages
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard.agent_step import AgentStep
from mobileca_desktop.views.wizard.auth_code_step import AuthCodeStep
from mobileca_desktop.views.wizard.confirm_step import ConfirmStep
from mobileca_desktop.views.wizard.documents_step import DocumentsStep
from mobileca_desktop.views.wizard.handler_step import HandlerStep
from mobileca_desktop.views.wizard.institution_step import InstitutionStep
from mobileca_desktop.views.wizard.labels import PAGE_TITLES, STEP_TITLES, text
from mobileca_desktop.views.wizard.method_step import MethodStep
from mobileca_desktop.views.wizard.sign_step import SignStep
from mobileca_desktop.views.wizard.step_view import StepView
from mobileca_desktop.views.wizard.submitted_step import SubmittedStep
from mobileca_desktop.views.wizard.verify_step import VerifyStep

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

VIEWS: dict[Step, type[StepView]] = {
    Step.INSTITUTION: InstitutionStep,
    Step.METHOD: MethodStep,
    Step.HANDLER: HandlerStep,
    Step.AGENT: AgentStep,
    Step.VERIFY: VerifyStep,
    Step.AUTH_CODE: AuthCodeStep,
    Step.CONFIRM: ConfirmStep,
    Step.DOCUMENTS: DocumentsStep,
    Step.SIGN: SignStep,
    Step.SUBMITTED: SubmittedStep,
}


class WizardPage(Page):
    step_shown = Signal(object)  # Step
    busy_changed = Signal(bool)

    def __init__(self, window: Navigator, wizard: ApplicationWizard) -> None:
        super().__init__(text(PAGE_TITLES[wizard.data.kind]))
        self.setObjectName("wizardPage")
        self.nav = window
        self.wizard = wizard
        self.busy = False
        self.view: StepView | None = None

        self.progress = set_role(PlainLabel(), "muted")
        self.progress.setObjectName("wizardProgress")
        self.heading = set_role(PlainLabel(), "heading")
        self.heading.setObjectName("wizardHeading")
        self.heading.setWordWrap(True)
        self.banner = set_role(PlainLabel(), "banner")
        self.banner.setObjectName("wizardBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()

        buttons = QHBoxLayout()
        self.back_button = QPushButton(self.tr("上一步"))
        self.back_button.setObjectName("wizardBack")
        self.back_button.setAccessibleName(self.tr("上一步"))
        self.back_button.setMinimumHeight(44)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = set_role(QPushButton(self.tr("下一步")), "primary")
        self.next_button.setObjectName("wizardNext")
        self.next_button.setMinimumHeight(44)
        self.next_button.clicked.connect(self.go_next)
        buttons.addWidget(self.back_button, 1)
        buttons.addWidget(self.next_button, 2)

        self.body.addWidget(self.progress)
        self.body.addWidget(self.heading)
        self.body.addWidget(self.banner)
        self._view_index = self.body.count()
        self.body.addStretch()
        self.body.addLayout(buttons)
        self.render_step()

    # --- rendering --------------------------------------------------------------------------

    def render_step(self) -> None:
        step = self.wizard.step
        if self.view is not None:
            self.body.removeWidget(self.view)
            self.view.hide()  # gone now, not at the next event-loop turn
            self.view.deleteLater()
        self.progress.setText(self._progress_text())
        self.heading.setText(text(STEP_TITLES[step]))
        self.banner.hide()
        self.view = VIEWS[step](self)
        self.view.setObjectName(f"step_{step.value}")
        self.body.insertWidget(self._view_index, self.view)
        self.view.show()  # now, not at the next event-loop turn (tests and QA see it at once)
        self.next_button.setText(self._next_text(step))
        self.next_button.setAccessibleName(self.next_button.text())
        self.back_button.setVisible(self.wizard.can_go_back)
        self._set_busy(False)
        self.scroll_area.verticalScrollBar().setValue(0)
        self.step_shown.emit(step)

    def _progress_text(self) -> str:
        """第 n / N 步 once the path is settled; before the handler role is chosen the total
        is given as a range (共 8–10 步), so it never jumps without the user's choice."""
        index, total = self.wizard.position
        if self.wizard.path_known:
            return self.tr("第 {} / {} 步").format(index, total)
        low, high = self.wizard.total_range
        return self.tr("第 {} 步（共 {}–{} 步）").format(index, low, high)

    def _next_text(self, step: Step) -> str:
        if step is Step.CONFIRM:
            return self.tr("确认")
        if step is Step.SIGN:
            return self.tr("提交")
        if step is Step.SUBMITTED:
            return self.tr("查看证书管理")
        return self.tr("下一步")

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.next_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy)
        self.busy_changed.emit(busy)

    # --- moving -----------------------------------------------------------------------------

    def go_next(self) -> None:
        if self.busy or self.view is None:
            return
        if self.wizard.step is Step.SUBMITTED:
            self.nav.show_certificates_from_home()
            return
        self.view.apply()
        self.run(self.wizard.next, lambda _step: self.render_step())

    def go_back(self) -> bool:
        if self.busy or not self.wizard.can_go_back:
            return False
        if self.view is not None:
            self.view.apply()
        self.wizard.back()  # no service call: the data stays as entered
        self.render_step()
        return True

    def run(self, op: Callable[[], Any], on_success: Callable[[Any], None]) -> None:
        """Runs a wizard call off the GUI thread; errors go next to their field."""
        if self.busy:
            return
        self._set_busy(True)
        self.show_banner("")
        job = BackgroundOp(self, op, on_success=on_success, on_failure=self._failed)
        job.finished.connect(lambda: self._set_busy(False))
        job.run()

    def _failed(self, err: BaseException) -> None:
        if self.view is not None and self.view.show_error(err):
            return
        self.show_banner(messages.error_text(err))
