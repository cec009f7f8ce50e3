"""Page objects for the client's screens, one module per area (``from
mobileca_desktop.testing.pages import LoginPage`` works for each).

Each stands for one page of the window's stack (``MainWindow.current()``): it waits until
that page is the current one, finds widgets only inside it (never ``window.findChild``,
which also finds the hidden pages the stack still holds), and each action returns the page
object of where the app goes next, after waiting on the app's own conditions (a page
loaded, a button shown, a background operation finished). Nothing sleeps for a fixed time;
``--mobileca-pace`` only slows a run down to be watched.
"""

from __future__ import annotations

from mobileca_desktop.testing.pages.account import (
    HomePage,
    LoginPage,
    RegisterLegalPage,
    RegisterPage,
    RegisterPersonalPage,
)
from mobileca_desktop.testing.pages.activation import ActivationPage
from mobileca_desktop.testing.pages.base import OtherPage, PageObject, page_object_for
from mobileca_desktop.testing.pages.certificates import (
    CertDetailPage,
    CertListPage,
    CertRowView,
    ChangeCertificatePage,
)
from mobileca_desktop.testing.pages.clock import DemoClockDialog
from mobileca_desktop.testing.pages.dialogs import (
    Dialog,
    FirstUseQuestion,
    RenewQuestion,
    RevokeQuestion,
)
from mobileca_desktop.testing.pages.grants import (
    GrantRowView,
    GrantsPage,
    NewGrantPage,
    ReceivedGrantsPage,
)
from mobileca_desktop.testing.pages.passwords import ChangePasswordPage
from mobileca_desktop.testing.pages.phone import MessageView, PhoneInbox
from mobileca_desktop.testing.pages.reviewer import ReviewerDesk
from mobileca_desktop.testing.pages.scan import (
    ChooseCertificatePage,
    ScanConfirmPage,
    ScanPage,
    ScanResultPage,
)
from mobileca_desktop.testing.pages.settings import SettingsPage
from mobileca_desktop.testing.pages.wizard import WizardPage

# --- which page is this -----------------------------------------------------------------------

PAGES: dict[str, type[PageObject]] = {
    cls.object_name: cls
    for cls in (
        LoginPage,
        RegisterLegalPage,
        RegisterPersonalPage,
        HomePage,
        CertListPage,
        CertDetailPage,
        ChangeCertificatePage,
        ChangePasswordPage,
        ActivationPage,
        ChooseCertificatePage,
        ScanPage,
        ScanConfirmPage,
        ScanResultPage,
        WizardPage,
        GrantsPage,
        ReceivedGrantsPage,
        NewGrantPage,
        SettingsPage,
    )
}

__all__ = [
    "PAGES",
    "ActivationPage",
    "CertDetailPage",
    "CertListPage",
    "CertRowView",
    "ChangeCertificatePage",
    "ChangePasswordPage",
    "ChooseCertificatePage",
    "DemoClockDialog",
    "Dialog",
    "FirstUseQuestion",
    "GrantRowView",
    "GrantsPage",
    "HomePage",
    "LoginPage",
    "MessageView",
    "NewGrantPage",
    "OtherPage",
    "PageObject",
    "PhoneInbox",
    "ReceivedGrantsPage",
    "RegisterLegalPage",
    "RegisterPage",
    "RegisterPersonalPage",
    "RenewQuestion",
    "ReviewerDesk",
    "RevokeQuestion",
    "ScanConfirmPage",
    "ScanPage",
    "ScanResultPage",
    "SettingsPage",
    "WizardPage",
    "page_object_for",
]
