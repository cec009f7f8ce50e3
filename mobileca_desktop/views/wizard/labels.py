"""The wizard's words: step titles, document names, what each method asks for.

The values are the Chinese source texts; ``text`` gives them in the UI language (they are
listed with ``QT_TRANSLATE_NOOP`` so that lupdate puts them in the translation file).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from mobileca_desktop.domain.models import CertKind, DocKind, Method
from mobileca_desktop.services.wizard import Step
from mobileca_desktop.views.words import QT_TRANSLATE_NOOP

CONTEXT = "WizardLabels"


def text(source: str) -> str:
    """One of this module's texts in the UI language."""
    return QCoreApplication.translate(CONTEXT, source)


STEP_TITLES: dict[Step, str] = {
    Step.INSTITUTION: QT_TRANSLATE_NOOP("WizardLabels", "选择 CA 机构"),
    Step.METHOD: QT_TRANSLATE_NOOP("WizardLabels", "选择核验方式"),
    Step.HANDLER: QT_TRANSLATE_NOOP("WizardLabels", "信息确认及办理人员角色"),
    Step.AGENT: QT_TRANSLATE_NOOP("WizardLabels", "经办人信息"),
    Step.VERIFY: QT_TRANSLATE_NOOP("WizardLabels", "身份核验"),
    Step.AUTH_CODE: QT_TRANSLATE_NOOP("WizardLabels", "授权码"),
    Step.CONFIRM: QT_TRANSLATE_NOOP("WizardLabels", "信息确认"),
    Step.DOCUMENTS: QT_TRANSLATE_NOOP("WizardLabels", "上传证件"),
    Step.SIGN: QT_TRANSLATE_NOOP("WizardLabels", "电子签名"),
    Step.SUBMITTED: QT_TRANSLATE_NOOP("WizardLabels", "已提交"),
}

PAGE_TITLES: dict[CertKind, str] = {
    CertKind.UNIT: QT_TRANSLATE_NOOP("WizardLabels", "申请单位证书"),
    CertKind.LEGAL_REP: QT_TRANSLATE_NOOP("WizardLabels", "申请法定代表人证书"),
    CertKind.PERSONAL: QT_TRANSLATE_NOOP("WizardLabels", "申请个人证书"),
}

DOC_LABELS: dict[DocKind, str] = {
    DocKind.ID_FRONT: QT_TRANSLATE_NOOP("WizardLabels", "身份证人像面"),
    DocKind.ID_BACK: QT_TRANSLATE_NOOP("WizardLabels", "身份证国徽面"),
    DocKind.LICENCE: QT_TRANSLATE_NOOP("WizardLabels", "营业执照"),
    DocKind.LETTER: QT_TRANSLATE_NOOP("WizardLabels", "授权书"),
    DocKind.FACE: QT_TRANSLATE_NOOP("WizardLabels", "刷脸照片"),
    DocKind.SIGNATURE: QT_TRANSLATE_NOOP("WizardLabels", "个人手写签名"),
}

METHOD_HINTS: dict[Method, str] = {
    Method.FACE: QT_TRANSLATE_NOOP(
        "WizardLabels", "法定代表人本人刷脸核验：拍摄或选择一张本人正面照片。"
    ),
    Method.ELICENCE: QT_TRANSLATE_NOOP("WizardLabels", "出示单位的电子营业执照二维码完成核验。"),
    Method.DEPOSIT: QT_TRANSLATE_NOOP(
        "WizardLabels", "向单位对公账户打一笔小额款项，回填到账金额（3 次机会）。"
    ),
    Method.LETTER: QT_TRANSLATE_NOOP("WizardLabels", "上传加盖公章的授权书，由 CA 机构人工审核。"),
}

# Where the 授权码 arrives, by the method chosen at the start.
AUTH_CODE_CHANNELS: dict[Method, str] = {
    Method.FACE: QT_TRANSLATE_NOOP("WizardLabels", "授权码已通过短信发送至法定代表人手机。"),
    Method.LETTER: QT_TRANSLATE_NOOP(
        "WizardLabels", "授权书审核通过后，授权码已通过短信发送至法定代表人手机。"
    ),
    Method.ELICENCE: QT_TRANSLATE_NOOP("WizardLabels", "授权码已发送至法定代表人的电子营业执照。"),
    Method.DEPOSIT: QT_TRANSLATE_NOOP(
        "WizardLabels", "授权码在对公打款的附言中，请查看对公账户入账通知。"
    ),
}

INSTITUTION_HELP_URL = "http://prec.sxzwfw.gov.cn/cajchrpt/"
INSTITUTION_HELP_NAME = QT_TRANSLATE_NOOP("WizardLabels", "山西省数字证书互认平台")


def institution_help() -> str:
    """Where to find every CA institution's contact details, in the UI language."""
    return QCoreApplication.translate("WizardLabels", "{name}：{url}").format(
        name=text(INSTITUTION_HELP_NAME), url=INSTITUTION_HELP_URL
    )
