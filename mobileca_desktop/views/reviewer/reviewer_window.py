"""CA 审核台 in a window of its own (for trainers on the local CA): the queue of submitted
applications and letters of authorisation, one application with its 电子签名 check and its
documents (images shown, PDFs in a PDF view), and 通过 / 驳回 / 永久取消审核 / 接受授权书 /
拒绝授权书 (a reason is required to refuse). It opens on a reviewer's login, as the CA
institution's reviewer works (the demo prints one login per institution); where the CA has an
operator for us (the local CA, a remote CA with --demo), "CA 操作员" stays available to
trainers and shows every institution's queue. It opens beside the client's window and closes
with Esc or Ctrl+W."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mobileca_desktop.domain.errors import PermissionDenied
from mobileca_desktop.domain.models import (
    AppState,
    DocKind,
    DocumentInfo,
    Purpose,
    ReviewItem,
    Session,
    SignatureCheck,
)
from mobileca_desktop.services.api import ReviewService
from mobileca_desktop.views import theme
from mobileca_desktop.views.background import BackgroundOp
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.form_field import FormField
from mobileca_desktop.views.format import display_time, text_of
from mobileca_desktop.views.icons import icon
from mobileca_desktop.views.reviewer.common import (
    operator_login,
    refresh_client,
    reviewer_error_text,
)
from mobileca_desktop.views.reviewer.placement import place_beside
from mobileca_desktop.views.reviewer.styles import BAD_STYLE, EXTRA_STYLE, NEUTRAL_STYLE, OK_STYLE
from mobileca_desktop.views.reviewer.words import signature_words
from mobileca_desktop.views.text import PlainLabel, escape, rich_label, tooltip
from mobileca_desktop.views.theme import set_role
from mobileca_desktop.views.wizard import labels

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator

WINDOW_SIZE = (1120, 760)
MINIMUM_SIZE = (980, 600)
IMAGE_WIDTH = 440
PDF_HEIGHT = 420

__all__ = [
    "ReviewerWindow",
    "doc_label",
    "has_operator",
    "place_beside",
    "show_reviewer",
    "signature_words",
]


class ReviewerWindow(QMainWindow):
    """One window per client window; ``reviewed`` fires after each action."""

    reviewed = Signal(int)  # application id

    def __init__(self, review: ReviewService, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.review = review
        self.setObjectName("reviewerWindow")
        self.setWindowTitle(self.tr("CA 审核台"))
        self.setWindowIcon(icon("logo"))
        theme.apply(self)
        self.setStyleSheet(self.styleSheet() + EXTRA_STYLE)
        self.resize(*WINDOW_SIZE)
        # The queue's minimum beside a document image at full width: nothing is cut off.
        self.setMinimumSize(*MINIMUM_SIZE)
        self.session: Session | None = None
        self.items: list[ReviewItem] = []
        self.item: ReviewItem | None = None
        self.selected_id: int | None = None
        self.loaded = False  # the queue has been shown at least once
        self.detail_loaded = False
        self.action_buttons: dict[str, QPushButton] = {}
        self._pdf_keep: list[object] = []
        self._request = 0  # the latest detail load; older answers are dropped
        self._banner_app: int | None = None  # the application the banner speaks of

        central = QWidget()
        central.setObjectName("pageRoot")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self._header())
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.connecting = set_role(PlainLabel(self.tr("正在连接 CA…")), "muted")
        self.connecting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.pages.addWidget(self.connecting)
        self.login_page = self._login_page()
        self.pages.addWidget(self.login_page)
        self.main_page = self._main_page()
        self.pages.addWidget(self.main_page)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        # Esc and Ctrl+W (the platform's Close key) close it, as any such window.
        if event.key() == Qt.Key.Key_Escape or event.matches(QKeySequence.StandardKey.Close):
            self.close()
            return
        super().keyPressEvent(event)

    # --- building ----------------------------------------------------------------------

    def _header(self) -> QFrame:
        header = QFrame()
        header.setObjectName("reviewerHeader")
        header.setFixedHeight(54)
        row = QHBoxLayout(header)
        row.setContentsMargins(20, 0, 16, 0)
        title = PlainLabel(self.tr("CA 审核台"))
        title.setObjectName("reviewerTitle")
        self.who = PlainLabel()
        self.who.setObjectName("reviewerWho")
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.setObjectName("refreshQueueButton")
        self.refresh_button.setAccessibleName(self.tr("刷新审核队列"))
        self.refresh_button.setShortcut("F5")
        self.refresh_button.setToolTip(self.tr("刷新审核队列（F5）"))
        self.refresh_button.clicked.connect(self.reload)
        self.refresh_button.setEnabled(False)
        row.addWidget(title)
        row.addSpacing(16)
        row.addWidget(self.who, 1)
        row.addWidget(self.refresh_button)
        return header

    def _login_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.addStretch()
        card = Card(spacing=12)
        card.setObjectName("reviewerLogin")
        card.setFixedWidth(380)
        heading = set_role(PlainLabel(self.tr("审核员登录")), "heading")
        note = set_role(
            PlainLabel(self.tr("请使用 CA 机构的审核员账号登录，只显示本机构的申请。")), "muted"
        )
        note.setWordWrap(True)
        self.login_name = FormField("reviewer_login", self.tr("登录名"))
        self.login_password = FormField("reviewer_password", self.tr("密码"), password=True)
        self.login_button = set_role(QPushButton(self.tr("登录")), "primary")
        self.login_button.setObjectName("reviewerLoginButton")
        self.login_button.setAccessibleName(self.tr("登录"))
        self.login_button.setMinimumHeight(42)
        self.login_button.clicked.connect(self.login)
        self.login_password.edit.returnPressed.connect(self.login)
        self.operator_button = set_role(
            QPushButton(self.tr("以 CA 操作员身份进入（演示）")), "link"
        )
        self.operator_button.setObjectName("reviewerOperatorButton")
        self.operator_button.setAccessibleName(self.tr("以 CA 操作员身份进入"))
        self.operator_button.setToolTip(self.tr("培训用：查看所有 CA 机构的审核队列"))
        self.operator_button.clicked.connect(self.enter_as_operator)
        self.operator_button.hide()
        for w in (heading, note, self.login_name, self.login_password, self.login_button):
            card.box.addWidget(w)
        card.box.addWidget(self.operator_button, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch()
        return page

    def _main_page(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("reviewerSplitter")
        splitter.setChildrenCollapsible(False)

        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(16, 14, 8, 14)
        lbox.setSpacing(8)
        lbox.addWidget(set_role(PlainLabel(self.tr("审核队列")), "section"))
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("reviewQueue")
        self.table.setAccessibleName(self.tr("审核队列"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("编号"), self.tr("申请人"), self.tr("证书类型"), self.tr("待办"),
             self.tr("电子签名")]
        )  # fmt: skip
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # the arrows move in the queue, Tab leaves it
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._picked)
        lbox.addWidget(self.table, 1)
        self.queue_status = set_role(PlainLabel(), "muted")
        self.queue_status.setObjectName("queueStatus")
        self.queue_status.setWordWrap(True)
        lbox.addWidget(self.queue_status)
        left.setMinimumWidth(380)

        self.detail_scroll = QScrollArea()
        self.detail_scroll.setObjectName("reviewDetail")
        self.detail_scroll.setAccessibleName(self.windowTitle())  # then "申请 #N"
        self.detail_scroll.setWidgetResizable(True)
        self.detail_scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("reviewDetailBody")
        self.detail = QVBoxLayout(inner)
        self.detail.setContentsMargins(8, 14, 16, 16)
        self.detail.setSpacing(12)
        self.banner = PlainLabel()
        self.banner.setObjectName("reviewBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.detail_holder = QWidget()
        self.detail_box = QVBoxLayout(self.detail_holder)
        self.detail_box.setContentsMargins(0, 0, 0, 0)
        self.detail_box.setSpacing(12)
        self.detail.addWidget(self.detail_holder)
        self.detail.addStretch()
        self.detail_scroll.setWidget(inner)

        # The decision stays in view below the scrolling detail.
        right = QWidget()
        right.setObjectName("reviewRight")
        rbox = QVBoxLayout(right)
        rbox.setContentsMargins(0, 0, 0, 0)
        rbox.setSpacing(0)
        banner_row = QVBoxLayout()
        banner_row.setContentsMargins(8, 14, 28, 0)
        banner_row.addWidget(self.banner)
        rbox.addLayout(banner_row)
        rbox.addWidget(self.detail_scroll, 1)
        self.action_holder = QWidget()
        self.action_box = QVBoxLayout(self.action_holder)
        self.action_box.setContentsMargins(8, 6, 28, 14)
        rbox.addWidget(self.action_holder)

        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 650])
        return splitter

    # --- session -----------------------------------------------------------------------

    def start(self) -> None:
        """Ask for a reviewer's login; offer the operator where this CA has one."""
        self.pages.setCurrentWidget(self.login_page)
        self.operator_button.setVisible(has_operator(self.review))
        self.login_name.edit.setFocus()

    def enter_as_operator(self) -> None:
        """The trainers' view: the CA operator's session (off the GUI thread)."""
        self.operator_button.setEnabled(False)
        job = BackgroundOp(
            self,
            operator_login(self.review),
            on_success=lambda session: self._logged_in(session, operator=True),
            on_failure=self._no_operator,
        )
        job.finished.connect(lambda: self.operator_button.setEnabled(True))
        job.run()

    def _no_operator(self, err: BaseException) -> None:
        if isinstance(err, PermissionDenied):
            self.operator_button.hide()
            self.login_name.edit.setFocus()
        else:
            self.login_password.set_error(reviewer_error_text(err))

    def login(self) -> None:
        name, password = self.login_name.value(), self.login_password.edit.text()
        self.login_name.set_error(None if name else self.tr("请填写登录名"))
        self.login_password.set_error(None if password else self.tr("请填写密码"))
        if not name or not password:
            return
        review = self.review
        self.login_button.setEnabled(False)
        job = BackgroundOp(
            self,
            lambda: review.login(name, password),
            on_success=self._logged_in,
            on_failure=lambda e: self.login_password.set_error(reviewer_error_text(e)),
        )
        job.finished.connect(lambda: self.login_button.setEnabled(True))
        job.run()

    def _logged_in(self, session: Session, operator: bool = False) -> None:
        self.session = session
        # The operator is the CA's own account (its stored name is Chinese): named here in
        # the UI's language; a reviewer by the name the CA holds.
        name = self.tr("CA 操作员（全部机构）") if operator else session.display_name
        self.who.setText(self.tr("当前审核人：{}").format(name))
        self.refresh_button.setEnabled(True)
        self.pages.setCurrentWidget(self.main_page)
        self.reload()

    # --- the queue ---------------------------------------------------------------------

    def reload(self) -> None:
        if self.session is None:
            return
        review, session = self.review, self.session
        self.refresh_button.setEnabled(False)
        job = BackgroundOp(
            self, lambda: review.queue(session), on_success=self._show_queue, on_failure=self._fail
        )
        job.finished.connect(lambda: self.refresh_button.setEnabled(True))
        job.run()

    def _show_queue(self, items: list[ReviewItem]) -> None:
        # Applications waiting for a decision first, then letters waiting for acceptance.
        self.items = sorted(items, key=lambda i: (i.letter_pending, i.application.id))
        keep = self.selected_id
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.items))
        for r, item in enumerate(self.items):
            a = item.application
            todo = self.tr("接受授权书") if item.letter_pending else self.tr("审核申请")
            word, ok = signature_words(item.signature)
            if item.letter_pending and not item.signature.signed:
                word, ok = "—", True
            cells = [f"#{a.id}", item.applicant, text_of(a.kind), todo, word]
            for c, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, a.id)
                cell.setToolTip(tooltip(text))
                if c == 4 and not ok:
                    cell.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, c, cell)
        self.table.blockSignals(False)
        self.loaded = True
        count = sum(1 for i in self.items if not i.letter_pending)
        letters = len(self.items) - count
        self.queue_status.setText(
            self.tr("待审核的申请 {} 件，待接受的授权书 {} 件。").format(count, letters)
            if self.items
            else self.tr("当前没有待审核的申请，也没有待接受的授权书。")
        )
        ids = [i.application.id for i in self.items]
        if not ids:
            self.selected_id = None
            self._clear_detail()
            self.detail_box.addWidget(
                set_role(
                    PlainLabel(self.tr("审核队列为空。申请人提交申请后，点击“刷新”。")), "muted"
                )
            )
            return
        row = ids.index(keep) if keep in ids else 0
        self.table.blockSignals(True)
        self.table.selectRow(row)
        self.table.blockSignals(False)
        if keep != ids[row] or not self.detail_loaded:
            self._selection_changed()

    def select(self, app_id: int) -> None:
        """Selects an application of the queue (as a click on its row)."""
        for r, item in enumerate(self.items):
            if item.application.id == app_id:
                self.table.selectRow(r)
                return
        raise KeyError(app_id)

    def _picked(self) -> None:
        """The reviewer chose another row: an earlier action's banner is no longer current."""
        rows = self.table.selectionModel().selectedRows()
        if rows and self.items[rows[0].row()].application.id != self._banner_app:
            self.banner.hide()
        self._selection_changed()

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.session is None:
            return
        app_id = self.items[rows[0].row()].application.id
        self.selected_id = app_id
        self.detail_loaded = False
        self._request += 1
        request = self._request
        review, session = self.review, self.session

        def op() -> tuple[ReviewItem, list[tuple[DocumentInfo, bytes]]]:
            item = review.item(session, app_id)
            docs = [review.document(session, d.id) for d in item.application.documents]
            return item, docs

        def show(result: tuple[ReviewItem, list[tuple[DocumentInfo, bytes]]]) -> None:
            if request == self._request:  # else the reviewer moved on meanwhile
                self._show_item(result)

        BackgroundOp(self, op, on_success=show, on_failure=self._fail).run()

    # --- one application ---------------------------------------------------------------

    def _clear_detail(self) -> None:
        for box in (self.detail_box, self.action_box):
            while box.count():
                item = box.takeAt(0)
                child = item.widget() if item is not None else None
                if child is not None:
                    child.hide()
                    child.deleteLater()
        self.action_buttons = {}
        self._pdf_keep = []
        self.detail_scroll.setAccessibleName(self.windowTitle())

    def _show_item(self, result: tuple[ReviewItem, list[tuple[DocumentInfo, bytes]]]) -> None:
        item, docs = result
        self.item = item
        self._clear_detail()
        a = item.application
        info = Card()
        info.setObjectName("applicationCard")
        heading = set_role(PlainLabel(self.tr("申请 #{}").format(a.id)), "heading")
        self.detail_scroll.setAccessibleName(heading.text())
        info.box.addWidget(heading)
        rows = [
            ("applicant", self.tr("申请人"), item.applicant),
            ("subject", self.tr("证书主体"), a.subject_name),
            ("kind", self.tr("证书类型"), text_of(a.kind)),
            ("purpose", self.tr("业务类型"), self._purpose(a.purpose)),
            ("method", self.tr("核验方式"), text_of(a.method) if a.method else "—"),
            ("handler", self.tr("办理人"), text_of(a.handler) if a.handler else "—"),
        ]
        if a.agent is not None:
            rows.append(
                (
                    "agent",
                    self.tr("经办人"),
                    self.tr("{}（身份证号 {}，手机 {}）").format(
                        a.agent.name, a.agent.id_number, a.agent.phone
                    ),
                )
            )
        rows += [
            ("state", self.tr("状态"), self._state(a.state, item.letter_pending)),
            ("submitted", self.tr("提交时间"), display_time(a.submitted_at) or "—"),
        ]
        if a.reject_reason:
            rows.append(("reason", self.tr("驳回原因"), a.reject_reason))
        info.box.addLayout(self._grid(rows))
        self.detail_box.addWidget(info)

        sig = item.signature
        word, ok = signature_words(sig)
        sig_card = Card()
        sig_card.setObjectName("signatureCard")
        sig_card.box.addWidget(set_role(PlainLabel(self.tr("电子签名核验")), "section"))
        verdict = PlainLabel(f"{word}：{self._signature_detail(sig)}")
        verdict.setStyleSheet(OK_STYLE if ok else BAD_STYLE)
        if item.letter_pending and not sig.signed:
            # A draft: it is signed when submitted; only the letter is reviewed now.
            verdict.setText(
                self.tr("未签名：申请尚未提交，提交时由办理人以短信验证码签名；现在只审核授权书。")
            )
            verdict.setStyleSheet(NEUTRAL_STYLE)
        verdict.setObjectName("signatureVerdict")
        verdict.setWordWrap(True)
        verdict.setAccessibleName(self.tr("电子签名 {}").format(word))
        sig_card.box.addWidget(verdict)
        sig_card.box.addLayout(
            self._grid(
                [
                    ("signer", self.tr("签名人"), sig.signer or "—"),
                    ("signedAt", self.tr("签名时间"), display_time(sig.signed_at) or "—"),
                ]
            )
        )
        self.detail_box.addWidget(sig_card)

        self.detail_box.addWidget(self._documents(docs))
        self.action_box.addWidget(self._actions(item))
        self.detail_scroll.verticalScrollBar().setValue(0)
        self.detail_loaded = True

    def _grid(self, rows: list[tuple[str, str, str]]) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(8)
        for i, (key, label, value) in enumerate(rows):
            name = set_role(PlainLabel(label), "muted")
            text = set_role(PlainLabel(value), "value")
            text.setObjectName(f"review_{key}")
            text.setWordWrap(True)
            text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            text.setAccessibleName(f"{label} {value}")
            grid.addWidget(name, i, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, i, 1)
        grid.setColumnStretch(1, 1)
        return grid

    def _documents(self, docs: list[tuple[DocumentInfo, bytes]]) -> Card:
        card = Card(spacing=10)
        card.setObjectName("documentsCard")
        card.box.addWidget(set_role(PlainLabel(self.tr("申请材料")), "section"))
        if not docs:
            card.box.addWidget(set_role(PlainLabel(self.tr("无")), "muted"))
        for info, data in docs:
            title = rich_label(  # our markup; the applicant's file name escaped
                f"<b>{escape(doc_label(info.kind))}</b>　"
                f"<span style='color:#6B7280'>{escape(info.filename)}，"
                f"{max(1, round(info.size / 1024))} KB</span>"
            )
            title.setWordWrap(True)
            card.box.addWidget(title)
            if info.mime.startswith("image/"):
                card.box.addWidget(self._image(info, data))
            elif info.mime == "application/pdf":
                card.box.addWidget(self._pdf(info, data))
            else:
                card.box.addWidget(set_role(PlainLabel(info.mime), "muted"))
        return card

    def _image(self, info: DocumentInfo, data: bytes) -> QLabel:
        label = PlainLabel()
        label.setObjectName(f"document_{info.id}")
        label.setAccessibleName(doc_label(info.kind))
        pix = QPixmap()
        if not pix.loadFromData(data):
            label.setText(self.tr("图片无法显示"))
            return label
        ratio = self.devicePixelRatioF()
        if pix.width() > IMAGE_WIDTH:
            pix = pix.scaledToWidth(
                round(IMAGE_WIDTH * ratio), Qt.TransformationMode.SmoothTransformation
            )
            pix.setDevicePixelRatio(ratio)
        label.setPixmap(pix)
        label.setStyleSheet("border: 1px solid #E5E7EB;")
        label.setFixedSize(pix.deviceIndependentSize().toSize() + QSize(2, 2))
        return label

    def _pdf(self, info: DocumentInfo, data: bytes) -> QWidget:
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument(self)
        document.load(buffer)
        view = QPdfView()
        view.setObjectName(f"document_{info.id}")
        view.setAccessibleName(doc_label(info.kind))
        view.setDocument(document)
        view.setPageMode(QPdfView.PageMode.MultiPage)
        view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        view.setFixedHeight(PDF_HEIGHT)
        view.setStyleSheet("border: 1px solid #E5E7EB; background: #EEF0F3;")
        self._pdf_keep += [buffer, document]
        return view

    def _actions(self, item: ReviewItem) -> Card:
        a = item.application
        card = Card(spacing=8)
        card.setObjectName("actionsCard")
        card.box.addWidget(set_role(PlainLabel(self.tr("审核操作")), "section"))
        buttons: list[tuple[str, str, bool, bool]] = []  # name, text, needs reason, danger
        if item.letter_pending:
            buttons += [
                ("acceptLetterButton", self.tr("接受授权书"), False, False),
                ("rejectLetterButton", self.tr("拒绝授权书"), True, True),
            ]
        if a.state is AppState.SUBMITTED:
            buttons += [
                ("approveButton", self.tr("通过"), False, False),
                ("rejectButton", self.tr("驳回"), True, True),
            ]
        if a.state in (AppState.SUBMITTED, AppState.REJECTED):
            buttons.append(("cancelButton", self.tr("永久取消审核"), True, True))
        if not buttons:
            card.box.addWidget(set_role(PlainLabel(self.tr("该申请当前无需审核。")), "muted"))
            return card
        self.reason = FormField(
            "reason",
            self.tr("原因"),
            placeholder=self.tr("驳回、永久取消审核或拒绝授权书时必填，申请人可以看到"),
            max_length=500,
        )
        self.reason.setObjectName("reasonField")
        card.box.addWidget(self.reason)
        row = QHBoxLayout()
        row.setSpacing(8)
        for name, text, needs_reason, danger in buttons:
            button = QPushButton(text)
            set_role(button, "primary" if name in ("approveButton", "acceptLetterButton") else "")
            if danger:
                button.setStyleSheet("color: #E5484D;")
            button.setObjectName(name)
            button.setAccessibleName(text)
            button.setMinimumHeight(42)
            button.clicked.connect(
                lambda _=False, n=name, r=needs_reason: self.act(n, needs_reason=r)
            )
            row.addWidget(button)
            self.action_buttons[name] = button
        row.addStretch()
        card.box.addLayout(row)
        approve = self.action_buttons.get("approveButton")
        if approve is not None and not item.signature.valid:
            approve.setEnabled(False)
            approve.setToolTip(self.tr("电子签名无效或已篡改，不能通过"))
            hint = set_role(
                PlainLabel(self.tr("电子签名无效或已篡改，不能通过；可驳回或永久取消。")), "error"
            )
            hint.setWordWrap(True)
            card.box.addWidget(hint)
        return card

    # --- actions -----------------------------------------------------------------------

    def act(self, name: str, *, needs_reason: bool) -> None:
        item, session, review = self.item, self.session, self.review
        if item is None or session is None:
            return
        app_id = item.application.id
        reason = self.reason.value() if needs_reason else ""
        self.reason.set_error(None)
        if needs_reason and not reason:
            self.reason.set_error(self.tr("请填写原因"))
            self.reason.edit.setFocus()
            return
        calls = {
            "approveButton": lambda: review.approve(session, app_id),
            "rejectButton": lambda: review.reject(session, app_id, reason),
            "cancelButton": lambda: review.cancel(session, app_id, reason),
            "acceptLetterButton": lambda: review.accept_letter(session, app_id),
            "rejectLetterButton": lambda: review.reject_letter(session, app_id, reason),
        }
        done = {
            "approveButton": self.tr("申请 #{} 已通过，证书已签发。"),
            "rejectButton": self.tr("申请 #{} 已驳回。"),
            "cancelButton": self.tr("申请 #{} 已被永久取消审核。"),
            "acceptLetterButton": self.tr("申请 #{} 的授权书已接受。"),
            "rejectLetterButton": self.tr("申请 #{} 的授权书已拒绝。"),
        }[name].format(app_id)
        for button in self.action_buttons.values():
            button.setEnabled(False)

        def ok(_info: object) -> None:
            self.show_banner(done, ok=True, app_id=app_id)
            self.reviewed.emit(app_id)
            self.detail_loaded = False
            self.reload()

        def failed(err: BaseException) -> None:
            for button in self.action_buttons.values():
                button.setEnabled(True)
            text = reviewer_error_text(err)
            if needs_reason and getattr(err, "params", {}).get("field") == "reason":
                self.reason.set_error(text)
            else:
                self.show_banner(text, ok=False)

        BackgroundOp(self, calls[name], on_success=ok, on_failure=failed).run()

    def show_banner(self, text: str, *, ok: bool, app_id: int | None = None) -> None:
        self._banner_app = app_id if app_id is not None else self.selected_id
        self.banner.setStyleSheet(OK_STYLE if ok else BAD_STYLE)
        self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.show()

    def _fail(self, err: BaseException) -> None:
        self.show_banner(reviewer_error_text(err), ok=False)

    # --- words -------------------------------------------------------------------------

    def _state(self, state: AppState, letter_pending: bool) -> str:
        if letter_pending:
            return self.tr("草稿（授权书待审核）")
        return {
            AppState.DRAFT: self.tr("草稿"),
            AppState.SUBMITTED: self.tr("审核中"),
            AppState.ISSUED: self.tr("正常"),
            AppState.REJECTED: self.tr("已失效（已驳回）"),
            AppState.CANCELLED: self.tr("已失效（被永久取消审核）"),
            AppState.DISCARDED: self.tr("已失效（申请人已撤销）"),
        }[state]

    def _purpose(self, purpose: Purpose) -> str:
        return {
            Purpose.NEW: self.tr("证书新办"),
            Purpose.RENEW: self.tr("证书更新"),
            Purpose.CHANGE: self.tr("证书变更"),
        }[purpose]

    def _signature_detail(self, sig: SignatureCheck) -> str:
        return {
            "valid": self.tr("签名有效，申请与材料自签名后未被改动"),
            "not signed": self.tr("申请尚未签名"),
            "the signature does not verify": self.tr("签名无法验证"),
            "signed outside the event certificate's validity": self.tr(
                "签名时间不在事件型证书有效期内"
            ),
            "tampered: the application or a document changed after signing": self.tr(
                "签名后申请或材料被改动"
            ),
        }.get(sig.detail, sig.detail)


def doc_label(kind: DocKind) -> str:
    """A document's name, from the wizard's one table of them (in the UI language)."""
    return labels.text(labels.DOC_LABELS[kind])


def show_reviewer(window: Navigator) -> ReviewerWindow | None:
    """Opens (or raises) the CA 审核台 of this client window."""
    ctx = window.ctx
    if ctx is None or ctx.review is None:
        window.notify(QCoreApplication.translate("ReviewerWindow", "此 CA 不提供审核台"))
        return None
    existing = window.host().findChild(ReviewerWindow)
    if existing is not None:
        existing.show()
        existing.raise_()
        existing.activateWindow()
        existing.reload()
        return existing
    reviewer = ReviewerWindow(ctx.review, window.host())
    reviewer.reviewed.connect(lambda _id: refresh_client(window))
    window.closing.connect(reviewer.close)  # it goes with the client window
    place_beside(reviewer, window.host())
    reviewer.show()
    reviewer.start()
    return reviewer


def has_operator(review: ReviewService) -> bool:
    return getattr(review, "operator_session", None) is not None
