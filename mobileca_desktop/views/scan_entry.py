"""扫一扫's way in. With a usable certificate on this device the scanner opens at once. Without
one, the handbook's first-use prompt: "初次使用需要下载安全证书并设置证书密码" → 继续 →
(choose the certificate when there are several) → 证书下载 / 激活 → the scanner."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from mobileca_desktop.domain.models import CertStatus
from mobileca_desktop.services.device import DeviceCertificateStatus, LocalState
from mobileca_desktop.views.activation_page import ActivationPage
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.cert_actions import ConfirmDialog
from mobileca_desktop.views.format import text_of
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel, PlainMessageBox
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from mobileca_desktop.views.navigation import Navigator

# This device's states in which downloading again makes the certificate usable.
DOWNLOADABLE = ("absent", "corrupt", "not_this_device", "locked", "pending")


def downloadable(statuses: list[DeviceCertificateStatus]) -> list[DeviceCertificateStatus]:
    return [
        s
        for s in statuses
        if s.status is CertStatus.NORMAL and (s.needs_download or s.local in DOWNLOADABLE)
    ]


def open_scanner(window: Navigator) -> None:
    """The scanner page (views/scan/scan_page.py)."""
    from mobileca_desktop.views.scan.scan_page import ScanPage

    window.push(ScanPage(window))


def open_scan(window: Navigator) -> None:
    """扫一扫 from the home page."""
    ctx, session = window.ctx, window.session
    assert ctx is not None and session is not None
    keys = ctx.keys
    if keys is None:
        _notice(
            window,
            "scanNoKeystore",
            QCoreApplication.translate(
                "ScanEntry",
                "本机密钥库未打开（系统钥匙串不可用），不能使用扫一扫。"
                "请解锁系统钥匙串后重新启动程序。",
            ),
        )
        return
    BackgroundOp(
        window.host(), lambda: keys.statuses(session), on_success=lambda st: _decide(window, st)
    ).run()


def _decide(window: Navigator, statuses: list[DeviceCertificateStatus]) -> None:
    if any(s.usable for s in statuses):
        open_scanner(window)
        return
    candidates = downloadable(statuses)
    if not candidates:
        _notice(
            window,
            "scanNoCertificate",
            QCoreApplication.translate(
                "ScanEntry",
                "还没有可以下载的证书。请先在首页申请证书，审核通过（状态为“正常”）后再使用扫一扫。",
            ),
        )
        return
    dialog = FirstUseDialog(window.host())
    dialog.accepted.connect(lambda: _download(window, candidates))
    dialog.open()


def _download(window: Navigator, candidates: list[DeviceCertificateStatus]) -> None:
    def activate(cid: int) -> None:
        window.push(
            ActivationPage(
                window,
                cid,
                on_done=lambda: open_scanner(window),
                done_text=QCoreApplication.translate("ScanEntry", "开始扫一扫"),
            )
        )

    if len(candidates) == 1:
        activate(candidates[0].certificate_id)
        return

    def chosen(cid: int) -> None:
        window.pop()  # the chooser
        activate(cid)

    window.push(ChooseCertificatePage(candidates, chosen))


def _notice(window: Navigator, name: str, text: str) -> QMessageBox:
    box = PlainMessageBox(window.host())
    box.setObjectName(name)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(QCoreApplication.translate("ScanEntry", "扫一扫"))
    box.setAccessibleName(box.windowTitle())
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class FirstUseDialog(ConfirmDialog):
    """The handbook's prompt, word for word, with 继续."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, "firstUseDialog")
        self.set_content(
            self.tr("扫一扫"),
            self.tr("初次使用需要下载安全证书并设置证书密码"),
            [
                self.tr(
                    "证书下载到本机后，即可扫描交易平台的二维码进行登录、签章和解密。"
                    "下载时需要法定代表人手机收到的短信验证码。"
                )
            ],
            self.tr("继续"),
        )
        # 继续 is what the user came for: it is the default here.
        self.confirm_button.setDefault(True)
        self.confirm_button.setFocus()


class ChooseCertificatePage(Page):
    """Several certificates could be downloaded: the user picks the one to use."""

    def __init__(
        self, candidates: list[DeviceCertificateStatus], on_choose: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.title = self.tr("选择证书")
        self.setObjectName("chooseCertificatePage")
        hint = set_role(PlainLabel(self.tr("请选择要下载到本机的证书：")), "muted")
        hint.setWordWrap(True)
        self.body.addWidget(hint)
        self.choices: dict[int, QPushButton] = {}
        for s in candidates:
            card = Card(spacing=6)
            kind = PlainLabel(text_of(s.kind))
            kind.setStyleSheet("font-size: 15px; font-weight: 600;")
            card.box.addWidget(kind)
            subject = PlainLabel(s.subject_name)
            subject.setWordWrap(True)
            card.box.addWidget(subject)
            if s.granted_by:
                card.box.addWidget(
                    set_role(PlainLabel(self.tr("授权人：{}").format(s.granted_by)), "muted")
                )
            if s.local is LocalState.LOCKED:
                card.box.addWidget(
                    set_role(
                        PlainLabel(self.tr("已在本机锁定：重新下载后设置新的证书密码")), "muted"
                    )
                )
            text = self.tr("下载此证书")
            button = set_role(QPushButton(text), "small")
            button.setObjectName(f"choose_{s.certificate_id}")
            button.setAccessibleName(f"{text} {text_of(s.kind)} {s.subject_name}")
            cid = s.certificate_id
            button.clicked.connect(lambda _=False, c=cid: on_choose(c))
            card.box.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
            self.body.addWidget(card)
            self.choices[cid] = button
        self.body.addStretch()
