"""设置: opened from the top bar's ⋯ menu; invalid values explained next to their fields;
only changed keys saved, atomically, applying after a restart; cameras, keyring and the
trusted platforms shown; a platform added by URL after the user confirms it. On the QA kit
(mobileca_desktop.testing): its window on the test's CA with the settings given, 设置 reached
through the menu by its page object; what the page shows is checked on its widgets."""

from __future__ import annotations

import tomllib

import pytest
from PySide6.QtWidgets import QMessageBox
from qt_support import WAIT_MS, click, settle, type_text

from mobileca_desktop.services import frames
from mobileca_desktop.services.frames import CameraInfo


@pytest.fixture
def no_cameras(monkeypatch):
    monkeypatch.setattr(frames, "list_cameras", lambda: [])


def open_settings(mca_client, tmp_path, device: str = "laptop", **settings):
    """A client on the device with ``settings`` (its settings file under ``tmp_path/config``
    unless given), 设置 opened from the ⋯ menu of the login page: (window, page)."""
    settings.setdefault("settings_file", tmp_path / "config" / "settings.toml")
    client = mca_client(device, **settings)
    page = client.login_page().open_settings()
    return client.window, page.widget


def test_the_menu_opens_settings_and_offers_trainer_tools_on_the_local_ca(
    qtbot, mca_client, tmp_path, no_cameras
):
    window, page = open_settings(mca_client, tmp_path)
    bar = window.top_bar
    assert bar.more.accessibleName() == "更多" and bar.more.objectName() == "moreButton"
    bar.refresh_menu()
    assert bar.reviewer_action.isVisible() and bar.clock_action.isVisible()
    assert bar.settings_action.isEnabled()
    assert not window.inbox_panel.isVisible()
    bar.inbox_action.trigger()
    assert window.inbox_panel.isVisible()
    assert window.top_bar.title.text() == "设置"


def test_a_remote_ca_hides_the_reviewer_and_the_clock(qtbot, mca_client, tmp_path, no_cameras):
    window, page = open_settings(mca_client, tmp_path, ca="https://ca.example.org")
    window.top_bar.refresh_menu()
    assert not window.top_bar.reviewer_action.isVisible()
    assert not window.top_bar.clock_action.isVisible()
    assert page.ca_remote.isChecked() and page.ca_url.value() == "https://ca.example.org"
    window2, _ = open_settings(
        mca_client, tmp_path / "2", "laptop-2", ca="https://ca.example.org", demo=True
    )
    window2.top_bar.refresh_menu()
    assert window2.top_bar.clock_action.isVisible()
    assert not window2.top_bar.reviewer_action.isVisible()


def test_invalid_values_are_explained_next_to_their_fields(qtbot, mca_client, tmp_path, no_cameras):
    window, page = open_settings(mca_client, tmp_path)
    click(qtbot, page.ca_remote)
    type_text(qtbot, page.ca_url, "http://ca.example.org")
    type_text(qtbot, page.ca_pin, "12:34:zz")
    type_text(qtbot, page.device, "法人 电脑")
    click(qtbot, page.save_button)
    assert "https://" in page.ca_url.error_text()
    assert "64 位十六进制" in page.ca_pin.error_text()
    assert "1–64" in page.device.error_text()
    assert page.status.text() == "请先改正标红的内容。"
    settle(qtbot)
    assert not (tmp_path / "config" / "settings.toml").exists()

    type_text(qtbot, page.ca_url, "")
    click(qtbot, page.save_button)
    assert page.ca_url.error_text() == "请输入 CA 服务器地址"
    type_text(qtbot, page.ca_url, "ftp://ca.example.org")
    click(qtbot, page.save_button)
    assert "http:// 或 https://" in page.ca_url.error_text()


def test_saving_writes_only_what_changed_and_says_when_it_applies(
    qtbot, mca_client, tmp_path, no_cameras
):
    file = tmp_path / "config" / "settings.toml"
    file.parent.mkdir(parents=True)
    file.write_text("validity_days = 30\n")
    window, page = open_settings(mca_client, tmp_path)
    click(qtbot, page.ca_remote)
    type_text(qtbot, page.ca_url, "https://ca.example.org")
    pin = ":".join(["AB"] * 32)
    type_text(qtbot, page.ca_pin, pin)
    page.language.setCurrentIndex(page.language.findData("en"))
    type_text(qtbot, page.device, "wang-laptop")
    click(qtbot, page.save_button)
    qtbot.waitUntil(lambda: page.status.text().startswith("已保存到"), timeout=WAIT_MS)
    assert "重新打开本程序后生效" in page.status.text()
    saved = tomllib.loads(file.read_text())
    assert saved == {
        "validity_days": 30,  # kept from the file
        "ca": "https://ca.example.org",
        "ca_root_sha256": "ab" * 32,
        "device": "wang-laptop",
        "lang": "en",
    }
    assert "data_dir" not in saved  # came from elsewhere: not written into the file
    assert not [p for p in file.parent.iterdir() if p.name.endswith(".tmp")]  # no temp file

    # Nothing changed since: nothing written.
    page2 = type(page)(window)
    window.push(page2)
    settle(qtbot)
    click(qtbot, page2.save_button)
    assert page2.status.text() == "设置没有变化。"


def test_a_failed_save_is_explained(qtbot, mca_client, tmp_path, no_cameras):
    blocker = tmp_path / "config"
    blocker.write_text("a file where the folder should be")
    window, page = open_settings(mca_client, tmp_path)
    page.language.setCurrentIndex(page.language.findData("en"))
    click(qtbot, page.save_button)
    qtbot.waitUntil(lambda: page.status.text().startswith("无法保存设置"), timeout=WAIT_MS)
    assert page.save_button.isEnabled()


def test_cameras_are_listed_off_the_gui_thread(qtbot, mca_client, tmp_path, monkeypatch):
    monkeypatch.setattr(frames, "list_cameras", lambda: [CameraInfo(0, "USB Camera", 1280, 720)])
    window, page = open_settings(mca_client, tmp_path)
    assert page.camera.itemData(0) == "camera:0" and "USB Camera" in page.camera.itemText(0)
    assert "1 个摄像头" in page.camera_note.text()
    assert page.camera.findData(page.settings.camera) >= 0  # the current setting stays choosable
    page.camera.setCurrentIndex(0)
    assert page.wanted()["camera"] == "camera:0"


def test_no_camera_is_said(qtbot, mca_client, tmp_path, no_cameras):
    window, page = open_settings(mca_client, tmp_path)
    assert page.camera_note.text().startswith("未发现摄像头")


def test_the_keyring_and_folders_are_shown(qtbot, mca_client, tmp_path, no_cameras):
    window, page = open_settings(mca_client, tmp_path)
    assert page.keyring.text().startswith("钥匙串：系统钥匙串")
    folder = str(page.settings.data_dir)
    assert folder.startswith(str(tmp_path)) and folder in page.folders.text()
    opened = []
    page.open_url = lambda url: opened.append(url.toLocalFile()) or True
    click(qtbot, page.open_folder)
    assert opened == [folder]


def test_a_platform_is_trusted_after_the_user_confirms_it(
    qtbot, mca_client, mca_platform, tmp_path, no_cameras
):
    from mobileca_desktop.services.platforms import load_trusted

    published = mca_platform.trusted()  # what the platform publishes: its id and origin
    window, page = open_settings(mca_client, tmp_path)
    folder = page.settings.data_dir
    assert page.platform_list.text() == "尚未信任任何交易平台。"
    type_text(qtbot, page.platform_url, "http://example.org")
    click(qtbot, page.add_platform)
    assert "127.0.0.1" in page.platform_url.error_text()

    type_text(qtbot, page.platform_url, mca_platform.url)
    click(qtbot, page.add_platform)
    qtbot.waitUntil(lambda: getattr(page, "confirm_box", None) is not None, timeout=WAIT_MS)
    box = page.confirm_box
    assert published.origin in box.text() and "SHA-256" in box.text()
    box.done(QMessageBox.StandardButton.No)
    settle(qtbot)
    assert load_trusted(folder) == []

    click(qtbot, page.add_platform)
    qtbot.waitUntil(lambda: page.confirm_box is not box, timeout=WAIT_MS)
    page.confirm_box.done(QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(lambda: published.origin in page.platform_list.text(), timeout=WAIT_MS)
    trusted = load_trusted(folder)
    assert [p.platform_id for p in trusted] == [published.platform_id]
    assert trusted[0].fingerprint[:16] in page.platform_list.text()


def test_an_unreachable_platform_is_explained(qtbot, mca_client, tmp_path, no_cameras):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    window, page = open_settings(mca_client, tmp_path)
    type_text(qtbot, page.platform_url, f"http://127.0.0.1:{port}")
    click(qtbot, page.add_platform)
    qtbot.waitUntil(lambda: page.platform_url.error_text() != "", timeout=WAIT_MS)
    assert page.add_platform.isEnabled()
