"""首页 (办理移动CA): who is logged in on which device, and the tiles of the handbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
)

from mobileca_desktop.domain.models import Account, AccountKind, CertKind
from mobileca_desktop.views.card import Card
from mobileca_desktop.views.icons import icon, pixmap
from mobileca_desktop.views.page import Page
from mobileca_desktop.views.text import PlainLabel
from mobileca_desktop.views.theme import set_role

if TYPE_CHECKING:
    from mobileca_desktop.views.navigation import Navigator


class HomePage(Page):
    def __init__(self, window: Navigator, account: Account) -> None:
        super().__init__()
        self.title = self.tr("办理移动CA")
        self.setObjectName("homePage")
        self.nav = window
        legal = account.kind is AccountKind.LEGAL
        ctx = window.ctx
        assert ctx is not None

        hero = Card(role="hero", spacing=4)
        hero.setObjectName("identityCard")
        name = PlainLabel(account.display_name)
        name.setObjectName("identityName")
        name.setStyleSheet("font-size: 19px; font-weight: 600;")
        name.setWordWrap(True)
        kind = PlainLabel(
            (
                self.tr("法人账号 · 统一社会信用代码 {}")
                if legal
                else self.tr("个人账号 · 身份证号 {}")
            ).format(account.login_name)
        )
        kind.setObjectName("identityKind")
        kind.setWordWrap(True)
        details = (
            [self.tr("手机号 {}").format(account.phone_masked)] if account.phone_masked else []
        )
        if legal and account.legal_person_name:
            details.insert(0, self.tr("法定代表人 {}").format(account.legal_person_name))
        extra = PlainLabel(self.tr("　", "between the details of the account").join(details))
        extra.setWordWrap(True)
        device_row = QHBoxLayout()
        device_icon = PlainLabel()
        device_icon.setPixmap(pixmap("device", 16, self.devicePixelRatioF()))
        device_icon.setStyleSheet("background: rgba(255,255,255,0.9); border-radius: 4px;")
        ca_label = ctx.ca_label  # 本机 CA in the UI language, or the remote CA's address
        device = PlainLabel(
            self.tr("本机设备：{device}　·　{ca}").format(device=ctx.device, ca=ca_label)
        )
        device.setObjectName("identityDevice")
        device.setWordWrap(True)
        device_row.addWidget(device_icon)
        device_row.addWidget(device, 1)
        for w in (name, kind, extra):
            hero.box.addWidget(w)
        hero.box.addSpacing(4)
        hero.box.addLayout(device_row)
        self.body.addWidget(hero)

        self.body.addWidget(set_role(PlainLabel(self.tr("办理移动CA")), "section"))
        tiles: list[tuple[str, str, str, Callable[[], None]]] = []
        if legal:
            tiles += [
                (
                    "applyUnitTile",
                    self.tr("申请单位证书"),
                    "unit",
                    lambda: window.apply(CertKind.UNIT),
                ),
                (
                    "applyLegalRepTile",
                    self.tr("申请法定代表人证书"),
                    "legal_rep",
                    lambda: window.apply(CertKind.LEGAL_REP),
                ),
            ]
        else:
            tiles.append(
                (
                    "applyPersonalTile",
                    self.tr("申请个人证书"),
                    "personal",
                    lambda: window.apply(CertKind.PERSONAL),
                )
            )
        tiles += [
            ("certsTile", self.tr("证书管理"), "certs", window.open_certificates),
            ("grantsTile", self.tr("授权管理"), "grants", window.open_grants),
            ("scanTile", self.tr("扫一扫"), "scan", window.open_scan),
        ]
        grid = QGridLayout()
        grid.setSpacing(10)
        self.tiles: dict[str, QToolButton] = {}
        for i, (object_name, text, icon_name, action) in enumerate(tiles):
            tile = QToolButton()
            set_role(tile, "tile")
            tile.setObjectName(object_name)
            tile.setText(text)
            tile.setAccessibleName(text.replace("\n", " "))  # a translation may break lines
            tile.setIcon(icon(icon_name))
            tile.setIconSize(QSize(34, 34))
            tile.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
            # The row's width is shared; an English label never widens the page past the
            # window at its minimum size.
            tile.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            tile.setMinimumWidth(84)
            tile.setMinimumHeight(96)
            tile.clicked.connect(action)
            self.tiles[object_name] = tile
            grid.addWidget(tile, i // 3, i % 3)
        self.body.addLayout(grid)

        note = set_role(
            PlainLabel(
                self.tr(
                    "单位证书、法定代表人证书可通过“授权管理”授权经办人使用；个人证书不支持授权。"
                )
                if legal
                else self.tr("经办人登录后，可在“授权管理”中查看法人授予的证书。")
            ),
            "muted",
        )
        note.setWordWrap(True)
        self.body.addWidget(note)
        self.body.addStretch()

        logout = QPushButton(self.tr("退出登录"))
        logout.setObjectName("logoutButton")
        logout.setAccessibleName(self.tr("退出登录"))
        logout.setIcon(icon("logout"))
        logout.clicked.connect(window.logout)
        self.body.addWidget(logout)
