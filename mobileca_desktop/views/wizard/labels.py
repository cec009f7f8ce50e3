"""The wizard's words: step titles, document names, what each method asks for."""

from __future__ import annotations

from mobileca_desktop.domain.models import CertKind, DocKind, Method
from mobileca_desktop.services.wizard import Step

STEP_TITLES: dict[Step, str] = {
    Step.INSTITUTION: "选择 CA 机构",
    Step.METHOD: "选择核验方式",
    Step.HANDLER: "信息确认及办理人员角色",
    Step.AGENT: "经办人信息",
    Step.VERIFY: "身份核验",
    Step.AUTH_CODE: "授权码",
    Step.CONFIRM: "信息确认",
    Step.DOCUMENTS: "上传证件",
    Step.SIGN: "电子签名",
    Step.SUBMITTED: "已提交",
}

PAGE_TITLES: dict[CertKind, str] = {
    CertKind.UNIT: "申请单位证书",
    CertKind.LEGAL_REP: "申请法定代表人证书",
    CertKind.PERSONAL: "申请个人证书",
}

DOC_LABELS: dict[DocKind, str] = {
    DocKind.ID_FRONT: "身份证人像面",
    DocKind.ID_BACK: "身份证国徽面",
    DocKind.LICENCE: "营业执照",
    DocKind.LETTER: "授权书",
    DocKind.FACE: "刷脸照片",
    DocKind.SIGNATURE: "个人手写签名",
}

METHOD_HINTS: dict[Method, str] = {
    Method.FACE: "法定代表人本人刷脸核验：拍摄或选择一张本人正面照片。",
    Method.ELICENCE: "出示单位的电子营业执照二维码完成核验。",
    Method.DEPOSIT: "向单位对公账户打一笔小额款项，回填到账金额（3 次机会）。",
    Method.LETTER: "上传加盖公章的授权书，由 CA 机构人工审核。",
}

# Where the 授权码 arrives, by the method chosen at the start.
AUTH_CODE_CHANNELS: dict[Method, str] = {
    Method.FACE: "授权码已通过短信发送至法定代表人手机。",
    Method.LETTER: "授权书审核通过后，授权码已通过短信发送至法定代表人手机。",
    Method.ELICENCE: "授权码已发送至法定代表人的电子营业执照。",
    Method.DEPOSIT: "授权码在对公打款的附言中，请查看对公账户入账通知。",
}

INSTITUTION_HELP = "山西省数字证书互认平台：http://prec.sxzwfw.gov.cn/cajchrpt/"
