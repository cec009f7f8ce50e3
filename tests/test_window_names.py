"""Object names are unique within a window, not only within a screen: a QA tool that looks a
widget up by name in the whole window (the page, the top bar, the toast) finds one. The
main screens are reached through the QA kit's page objects; on each, the visible
interactive widgets of the main window (and of the 审核台 and the phone inbox, windows of
their own) are checked. The same name may repeat only for the same control of repeated
items (``continueButton`` in ``certRow_3`` and ``certRow_app4``): each in a named item of its
own, the items of one class side by side in one list."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtWidgets import QWidget
from test_accessibility import describe, interactive

from mobileca_desktop.domain.models import CertKind

PASSWORD = "Zhengshu#2026"


def named_path(w: QWidget, root: QWidget) -> list[QWidget]:
    """The named ancestors of ``w`` up to ``root``, nearest first."""
    path, p = [], w.parentWidget()
    while p is not None and p is not root:
        if p.objectName() and not p.objectName().startswith("qt_"):
            path.append(p)
        p = p.parentWidget()
    return path


def clashes(screen: str, window: QWidget) -> list[str]:
    widgets = interactive(window)
    assert widgets, f"{screen}: nothing interactive is visible"
    problems = []
    by_name: dict[str, list[QWidget]] = defaultdict(list)
    for w in widgets:
        if not w.objectName():
            problems.append(f"{screen}: {describe(w)} has no objectName")
        else:
            by_name[w.objectName()].append(w)
    for name, same in by_name.items():
        if len(same) < 2:
            continue
        paths = [named_path(w, window) for w in same]
        holders = [p[0] if p else None for p in paths]
        # Repeated items: each in its own named item, the items of one class under the same
        # named parents (rows of a list, the slots of 上传证件, the phone's message cards).
        items = (
            all(h is not None for h in holders)
            and len({id(h) for h in holders}) == len(same)
            and len({type(h) for h in holders}) == 1
        )
        parents = {tuple(id(a) for a in p[1:]) for p in paths}
        if not (items and len(parents) == 1):
            problems.append(
                f"{screen}: {name!r} names {len(same)} widgets in the window: "
                + "; ".join(describe(w) for w in same)
            )
    return problems


def test_the_checks_find_a_name_used_twice_in_a_window(qtbot):
    from PySide6.QtWidgets import QFrame, QPushButton, QVBoxLayout

    window = QWidget()
    qtbot.addWidget(window)
    box = QVBoxLayout(window)
    rows = []
    for i in range(2):  # the same control of two items: fine
        row = QWidget()
        row.setObjectName(f"row_{i}")
        QVBoxLayout(row).addWidget(QPushButton("继续", objectName="continueButton"))
        box.addWidget(row)
        rows.append(row)
    bar, page = QFrame(objectName="topBar"), QWidget(objectName="somePage")
    QVBoxLayout(bar).addWidget(QPushButton("<", objectName="backButton"))
    QVBoxLayout(page).addWidget(QPushButton("上一步", objectName="backButton"))
    box.addWidget(bar)
    box.addWidget(page)
    box.addWidget(QPushButton("无名"))
    window.show()
    qtbot.waitExposed(window)
    problems = clashes("sample", window)
    assert len(problems) == 2, problems
    assert "has no objectName" in problems[0]
    assert "'backButton' names 2 widgets" in problems[1]


def test_main_screens_name_each_control_once_per_window(mca_client, mca_world, mca_platform):
    mca_world.approved_certificate()
    mca_world.submitted_application(CertKind.LEGAL_REP)
    client = mca_client("legal-pc")
    window = client.window
    problems: list[str] = []

    login = client.login_page()
    problems += clashes("登录", window)
    home = login.log_in_as_company()
    problems += clashes("首页", window)
    certs = home.open_certificates()
    assert sorted(certs.statuses()) == ["审核中", "正常"]
    problems += clashes("证书管理", window)
    normal = next(r for r in certs.rows() if r.status == "正常")
    normal.open()
    problems += clashes("证书详情", window)

    client.window.show_inbox(mca_world.demo.company.legal_person_phone)
    panel = client.window.inbox_panel
    client.wait_until(lambda: panel.isVisible() and bool(panel.cards), "the phone inbox")
    problems += clashes("手机收件箱", panel)
    panel.hide()

    desk = client.reviewer_desk()
    desk.pick(desk.queue()[0])
    problems += clashes("审核台", desk.window)
    desk.close()

    home = client.page().back().back()
    activation = home.open_scan()
    problems += clashes("证书下载", window)
    activation.activate(PASSWORD)
    problems += clashes("证书下载 · 完成", window)
    scanner = activation.finish()
    problems += clashes("扫一扫", window)
    confirm = scanner.paste_image(mca_platform.login_qr().qr_png)
    problems += clashes("扫一扫 · 确认", window)
    result = confirm.confirm(PASSWORD)
    problems += clashes("扫一扫 · 结果", window)
    assert result.heading == "扫码成功"
    assert not problems, "\n".join(problems)


def test_the_wizard_names_each_control_once_per_window(mca_client, mca_world, tmp_path):
    from mobileca_desktop.domain.models import DocKind
    from mobileca_desktop.services.wizard import Step
    from mobileca_desktop.testing.world import sample_jpeg, sample_pdf

    client = mca_client()
    window = client.window
    problems: list[str] = []
    wizard = client.login_page().log_in_as_company().apply(CertKind.UNIT)
    problems += clashes("选择 CA 机构", window)
    wizard.choose("institution_sxca").next(Step.METHOD)
    problems += clashes("核验方式", window)
    wizard.choose("method_deposit").next(Step.HANDLER)
    problems += clashes("办理人员", window)
    wizard.choose("handler_agent").next(Step.AGENT)
    problems += clashes("经办人信息", window)
    agent = mca_world.demo.agent
    wizard.fill("agent_name", agent.name).fill("agent_id_number", agent.id_number)
    wizard.fill("agent_phone", agent.phone).next(Step.VERIFY)
    amount = wizard.start_deposit()
    problems += clashes("对公打款", window)
    wizard.fill("deposit_amount", amount).next(Step.AUTH_CODE)
    problems += clashes("授权码", window)
    code = mca_world.phone.last_code(mca_world.demo.company.legal_person_phone)
    wizard.fill("auth_code", code).next(Step.CONFIRM)
    problems += clashes("信息确认", window)
    wizard.next(Step.DOCUMENTS)
    problems += clashes("上传证件", window)
    for kind, name, data in (
        (DocKind.LICENCE, "licence.pdf", sample_pdf("营业执照")),
        (DocKind.ID_FRONT, "front.jpg", sample_jpeg("front")),
        (DocKind.ID_BACK, "back.jpg", sample_jpeg("back")),
    ):
        (tmp_path / name).write_bytes(data)
        wizard.upload(kind, tmp_path / name)
    problems += clashes("上传证件 · 已上传", window)
    wizard.next(Step.SIGN)
    problems += clashes("电子签名", window)
    wizard.sign(agent.phone)
    problems += clashes("已提交", window)
    assert not problems, "\n".join(problems)


def test_授权管理_names_each_control_once_per_window(mca_client, mca_world):
    cid = mca_world.approved_certificate()
    legal_pc, agent_pc = mca_client("legal-pc"), mca_client("agent-pc")
    problems: list[str] = []
    grants = legal_pc.login_page().log_in_as_company().open_grants()
    problems += clashes("授权管理 · 空", legal_pc.window)
    new = grants.new_grant()
    problems += clashes("新增授权", legal_pc.window)
    new.grant(certificate_id=cid)
    problems += clashes("授权管理", legal_pc.window)
    agent_pc.login_page().log_in_as_agent().open_grants()
    problems += clashes("授权管理 · 经办人", agent_pc.window)
    assert not problems, "\n".join(problems)


def test_证书详情_actions_设置_注册_and_the_clock_name_each_control_once_per_window(
    mca_client, mca_world
):
    from mobileca_desktop.domain.models import AccountKind

    cid = mca_world.approved_certificate()
    client = mca_client("legal-pc")
    window = client.window
    problems: list[str] = []
    login = client.login_page()
    login.open_registration(AccountKind.LEGAL)
    problems += clashes("注册 · 法人", window)
    login = client.page().back()
    login.open_registration(AccountKind.PERSONAL)
    problems += clashes("注册 · 个人", window)
    home = client.page().back().log_in_as_company()
    detail = home.open_certificates().row(certificate_id=cid).open()
    detail = detail.download().activate(PASSWORD).finish()
    problems += clashes("证书详情 · 已下载", window)
    question = detail.ask_renew()
    problems += clashes("证书更新", question.widget)
    question.cancel()
    question = detail.ask_revoke()
    problems += clashes("吊销", question.widget)
    question.cancel()
    password = detail.change_password()
    problems += clashes("修改证书密码", window)
    detail = password.back()
    change = detail.change()
    problems += clashes("证书变更", window)
    settings = change.back().open_settings()
    problems += clashes("设置", window)
    assert settings.object_name == "settingsPage"
    clock = client.demo_clock()
    problems += clashes("演示时钟", clock.widget)
    clock.close()
    assert not problems, "\n".join(problems)
