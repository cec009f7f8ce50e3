"""The actions of 证书详情 and 证书管理: 证书更新 (also 继续 on 已过期), 证书变更, 吊销.

Each asks before it acts, in a dialog that says what will happen (non-blocking: ``open``,
so the event loop and the tests keep running). 证书更新 issues a successor at once; it has
to be downloaded on this device again, so the activation page follows. 证书变更 makes a draft
application with the changed details, which goes through documents, the SMS signature and a
new review in the application wizard. 吊销 is final and says so.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.domain.models import (
    ApplicationInfo,
    CertificateDetail,
    CertificateRow,
    CertKind,
    RevocationReason,
)
from mobileca_desktop.services.wizard import ApplicationWizard
from mobileca_desktop.views import messages
from mobileca_desktop.views.activation_page import ActivationPage
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator


DIALOG_WIDTH = 360


class ConfirmDialog(QDialog):
    """A question with its consequences spelled out, 取消 and a confirm button. Window-modal
    and opened with ``open()``; ``accepted`` fires on confirm. Subclasses fill it with
    ``set_content`` (their own ``self.tr`` texts)."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.name = name
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        # A fixed width lets the word-wrapped texts take the height they need.
        self.setFixedWidth(DIALOG_WIDTH)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(20, 18, 20, 16)
        self.box.setSpacing(10)
        self.heading = PlainLabel()
        self.heading.setObjectName(f"{name}Heading")
        self.heading.setStyleSheet("font-size: 16px; font-weight: 600;")
        self.heading.setWordWrap(True)
        self.box.addWidget(self.heading)
        self.points: list[PlainLabel] = []
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setObjectName(f"{name}Cancel")
        self.cancel_button.setAccessibleName(self.tr("取消"))
        self.cancel_button.clicked.connect(self.reject)
        self.confirm_button = QPushButton()
        self.confirm_button.setObjectName(f"{name}Confirm")
        self.confirm_button.clicked.connect(self.accept)

    def set_content(
        self,
        title: str,
        heading: str,
        points: list[str],
        confirm_text: str,
        *,
        danger: bool = False,
        extra: QWidget | None = None,
    ) -> None:
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.heading.setText(heading)
        for text in points:
            label = PlainLabel(f"• {text}")
            label.setWordWrap(True)
            label.setObjectName(f"{self.name}Point")
            self.box.addWidget(label)
            self.points.append(label)
        if extra is not None:
            self.box.addWidget(extra)
        self.confirm_button.setText(confirm_text)
        self.confirm_button.setAccessibleName(confirm_text)
        if danger:
            self.confirm_button.setStyleSheet(
                "QPushButton { background: #E5484D; color: #FFFFFF; border: none; }"
                "QPushButton:hover { background: #C93A3F; color: #FFFFFF; }"
            )
        else:
            set_role(self.confirm_button, "primary")
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.cancel_button)
        row.addWidget(self.confirm_button)
        self.box.addLayout(row)
        # The safe choice has the focus: Enter does not revoke or renew by accident.
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        # A top-level window does not ask its wrapped labels for their height at a width:
        # give each the height its text needs at the dialog's fixed width.
        inner = (
            DIALOG_WIDTH - self.box.contentsMargins().left() - self.box.contentsMargins().right()
        )
        for label in (self.heading, *self.points):
            label.setMinimumHeight(label.heightForWidth(inner))
        self.adjustSize()

    def text(self) -> str:
        return "\n".join([self.heading.text(), *(p.text() for p in self.points)])


def _session(window: Navigator):
    ctx, session = window.ctx, window.session
    assert ctx is not None and session is not None
    return ctx, session


# --- 证书更新 ---------------------------------------------------------------------------------


class RenewDialog(ConfirmDialog):
    def __init__(self, parent: QWidget, expired: bool = False) -> None:
        super().__init__(parent, "renewDialog")
        self.set_content(
            self.tr("证书更新"),
            self.tr("证书已过期，是否进行证书更新？") if expired else self.tr("确认进行证书更新？"),
            [
                self.tr(
                    "将签发新的证书（新的加密证书，有效期重新计算），原证书随即被吊销（已被取代）。"
                ),
                self.tr("更新后需在本机重新下载证书并设置证书密码；其他电脑和经办人也需重新下载。"),
                self.tr("对原证书的授权将转移到新证书；更新前加密的投标文件仍可解密。"),
            ],
            self.tr("确认更新"),
        )


def ask_renew(
    window: Navigator,
    certificate_id: int,
    on_renewed: Callable[[CertificateDetail], None],
    expired: bool = False,
) -> RenewDialog:
    """The 证书更新 question; on 确认更新 the successor is issued (idempotently)."""
    dialog = RenewDialog(window.host(), expired)
    key = str(uuid.uuid4())

    def go() -> None:
        ctx, session = _session(window)
        BackgroundOp(
            window.host(),
            lambda: ctx.ca.renew(session, certificate_id, idempotency_key=key),
            on_success=on_renewed,
        ).run()

    dialog.accepted.connect(go)
    dialog.open()
    return dialog


def _renewed_text() -> str:
    return QCoreApplication.translate("CertActions", "证书已更新，请在本机下载新证书")


def renew_from_detail(window: Navigator, certificate_id: int) -> RenewDialog:
    """证书更新 on 证书详情: the new certificate's detail replaces the old one's, and its
    download page comes on top."""

    def renewed(new: CertificateDetail) -> None:
        window.notify(_renewed_text())
        if window.current().objectName() == "certDetailPage":
            window.pop()
        window.open_certificate(new.certificate_id)
        window.push(ActivationPage(window, new.certificate_id))

    return ask_renew(window, certificate_id, renewed)


def renew_expired(window: Navigator, row: CertificateRow) -> RenewDialog | None:
    """继续 on an 已过期 row of 证书管理: 证书更新, then the download of the new certificate."""
    if row.certificate_id is None:
        return None

    def renewed(new: CertificateDetail) -> None:
        window.notify(_renewed_text())
        window.push(ActivationPage(window, new.certificate_id))

    return ask_renew(window, row.certificate_id, renewed, expired=True)


# --- 吊销 -------------------------------------------------------------------------------------


class RevokeReasons(QWidget):
    """The reason for 吊销, as radio buttons (keyboard: Tab, arrows)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("revokeReasons")
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 4, 0, 4)
        box.setSpacing(2)
        box.addWidget(set_role(PlainLabel(self.tr("吊销原因")), "fieldLabel"))
        self.group = QButtonGroup(self)
        self.buttons: dict[RevocationReason, QRadioButton] = {}
        for reason, text in (
            (RevocationReason.CESSATION, self.tr("不再使用此证书")),
            (RevocationReason.KEY_COMPROMISE, self.tr("私钥泄露、电脑或证书密码丢失")),
            (RevocationReason.AFFILIATION_CHANGED, self.tr("单位或人员信息已变化")),
            (RevocationReason.UNSPECIFIED, self.tr("其他原因")),
        ):
            button = QRadioButton(text)
            button.setObjectName(f"reason_{reason.value}")
            button.setAccessibleName(text)
            self.group.addButton(button)
            box.addWidget(button)
            self.buttons[reason] = button
        self.buttons[RevocationReason.CESSATION].setChecked(True)

    def reason(self) -> RevocationReason:
        for reason, button in self.buttons.items():
            if button.isChecked():
                return reason
        return RevocationReason.UNSPECIFIED


class RevokeDialog(ConfirmDialog):
    def __init__(self, parent: QWidget, detail: CertificateDetail) -> None:
        super().__init__(parent, "revokeDialog")
        self.reasons = RevokeReasons()
        self.set_content(
            self.tr("吊销证书"),
            self.tr("确认吊销“{}”的{}？").format(detail.subject_name, text_of(detail.kind)),
            [
                self.tr("吊销立即生效且不可撤回，证书状态将变为“已吊销”。"),
                self.tr(
                    "本机、其他电脑和经办人设备上的签名证书同时失效，"
                    "不能再扫码登录、签章或解密投标文件。"
                ),
                self.tr("对此证书的授权将全部撤回。如需继续使用，须重新申请证书。"),
            ],
            self.tr("确认吊销"),
            danger=True,
            extra=self.reasons,
        )


def ask_revoke(
    window: Navigator, detail: CertificateDetail, on_revoked: Callable[[], None]
) -> RevokeDialog:
    dialog = RevokeDialog(window.host(), detail)

    def go() -> None:
        ctx, session = _session(window)
        reason, cid = dialog.reasons.reason(), detail.certificate_id

        def done(_r: object) -> None:
            window.notify(QCoreApplication.translate("CertActions", "证书已吊销"))
            on_revoked()

        BackgroundOp(
            window.host(), lambda: ctx.ca.revoke(session, cid, reason), on_success=done
        ).run()

    dialog.accepted.connect(go)
    dialog.open()
    return dialog


# --- 证书变更 ---------------------------------------------------------------------------------


class ChangeCertificatePage(Page):
    """证书变更: the details this kind of certificate may change (the engine's list), then
    the application wizard for the documents, the SMS signature and the new review."""

    def __init__(self, window: Navigator, detail: CertificateDetail) -> None:
        super().__init__()
        self.title = self.tr("证书变更")
        self.setObjectName("changeCertificatePage")
        self.nav = window
        self.detail = detail
        self.busy = False
        account = window.account
        company = (account.company_name if account is not None else None) or ""
        # (field, label, current value): what the engine accepts per kind (CHANGEABLE).
        spec: dict[CertKind, list[tuple[str, str, str]]] = {
            CertKind.UNIT: [
                ("company_name", self.tr("单位名称"), detail.subject_name),
                ("province", self.tr("所在省份"), ""),
                ("city", self.tr("所在城市"), ""),
            ],
            CertKind.LEGAL_REP: [
                ("company_name", self.tr("单位名称"), company),
                ("legal_person_name", self.tr("法定代表人姓名"), detail.subject_name),
            ],
            CertKind.PERSONAL: [("person_name", self.tr("姓名"), detail.subject_name)],
        }
        intro = Card()
        head = PlainLabel(self.tr("{}：{}").format(text_of(detail.kind), detail.subject_name))
        head.setObjectName("changeSubject")
        head.setStyleSheet("font-size: 15px; font-weight: 600;")
        head.setWordWrap(True)
        hint = set_role(
            PlainLabel(
                self.tr(
                    "填写需要变更的信息。变更需重新上传证件、通过短信验证码电子签名，"
                    "并经 CA 机构重新审核；审核通过前原证书照常可用。审核通过后原证书被新证书"
                    "取代，需在本机重新下载。"
                )
            ),
            "muted",
        )
        hint.setWordWrap(True)
        intro.box.addWidget(head)
        intro.box.addWidget(hint)
        self.body.addWidget(intro)

        self.banner = set_role(PlainLabel(), "banner")
        self.banner.setObjectName("changeBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.body.addWidget(self.banner)

        form = Card(spacing=12)
        self.fields: dict[str, FormField] = {}
        self.current: dict[str, str] = {}
        for name, label, value in spec[detail.kind]:
            field = FormField(
                name,
                label,
                value=value,
                placeholder=self.tr("不变更请留空") if not value else "",
                max_length=100,
            )
            if not value:
                field.edit.setPlaceholderText(self.tr("不变更请留空"))
            form.box.addWidget(field)
            self.fields[name] = field
            self.current[name] = value
            field.edit.returnPressed.connect(self.submit)
        self.body.addWidget(form)

        self.submit_button = set_role(QPushButton(self.tr("下一步：上传证件")), "primary")
        self.submit_button.setObjectName("changeSubmit")
        self.submit_button.setAccessibleName(self.tr("下一步：上传证件"))
        self.submit_button.setMinimumHeight(44)
        self.submit_button.clicked.connect(self.submit)
        self.body.addWidget(self.submit_button)
        self.body.addStretch()

    def changes(self) -> dict[str, str] | None:
        """The changed fields; None (errors shown) when the form cannot be sent."""
        changes: dict[str, str] = {}
        ok = True
        for name, field in self.fields.items():
            value, before = field.value(), self.current[name]
            if not value and before:
                field.set_error(self.tr("不能为空；不变更请保留原值"))
                ok = False
            elif value and value != before:
                changes[name] = value
        if ok and not changes:
            first = next(iter(self.fields.values()))
            first.set_error(self.tr("请至少修改一项信息"))
            first.edit.setFocus()
            return None
        return changes if ok else None

    def submit(self) -> None:
        if self.busy:
            return
        self.banner.hide()
        changes = self.changes()
        if changes is None:
            return
        ctx, session = _session(self.nav)
        cid = self.detail.certificate_id

        def op() -> ApplicationWizard:
            app: ApplicationInfo = ctx.ca.request_change(session, cid, changes)
            return ApplicationWizard.resume(ctx.ca, session, app.id)

        self._set_busy(True)
        job = BackgroundOp(self, op, on_success=self._created, on_failure=self._failed)
        job.finished.connect(lambda: self._set_busy(False))
        job.run()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.submit_button.setEnabled(not busy)

    def _created(self, wizard: ApplicationWizard) -> None:
        from mobileca_desktop.views.wizard.wizard_page import WizardPage

        window = self.nav
        window.pop()
        page = WizardPage(window, wizard)
        page.title = self.tr("证书变更")
        window.push(page)
        window.notify(self.tr("已创建变更申请，请上传证件并签名提交"))

    def _failed(self, err: BaseException) -> None:
        name = messages.route_error(err, {"name": "person_name"})
        if name in self.fields:
            self.fields[name].set_error(messages.error_text(err))
            self.fields[name].edit.setFocus()
            return
        self.banner.setText(messages.error_text(err))
        self.banner.show()
