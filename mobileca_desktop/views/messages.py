"""Typed errors as text a supplier understands, in Chinese or English, and the form field
each error belongs to.

The services raise errors with a stable ``code`` and ``params`` (``domain/errors.py``); the
engine knows no translations. This table is where the client gives them words. Reasons the
engine writes in English (``params["reason"]``) are translated when known and shown as they
are otherwise, so a new engine message is never swallowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mobileca_desktop.domain.errors import (
    AlreadyExists,
    AuthenticationFailed,
    GrantNotAllowed,
    InvalidIDNumber,
    InvalidInput,
    InvalidPhone,
    InvalidUSCC,
    MobileCAError,
    WeakPassword,
)
from mobileca_desktop.domain.models import Method, label
from mobileca_desktop.views.format import text_of

ZH = "zh_CN"
EN = "en"
_language = ZH


def set_language(lang: str) -> None:
    """The UI language, chosen once at start-up (``Settings.lang``)."""
    global _language
    _language = EN if lang == EN else ZH


def language() -> str:
    return _language


# code -> (Chinese, English). Placeholders are the error's params, already translated.
ERRORS: dict[str, tuple[str, str]] = {
    "error": ("操作未完成，请稍后重试。", "Something went wrong; please try again."),
    "invalid_input": ("{field}填写有误：{reason}", "{field} is not valid: {reason}"),
    "invalid_uscc": ("统一社会信用代码有误：{reason}", "The credit code is not valid: {reason}"),
    "invalid_id_number": ("身份证号有误：{reason}", "The ID number is not valid: {reason}"),
    "invalid_phone": ("请输入正确的 11 位手机号", "Enter a valid 11-digit mobile number"),
    "weak_password": ("密码强度不够：{reason}", "The password is too weak: {reason}"),
    "not_found": ("未找到该{what}", "No such {what} was found"),
    "already_exists": ("该{what}已注册，请直接登录", "This {what} is already registered"),
    "authentication_failed": ("账号或密码错误", "The account or the password is wrong"),
    "session_expired": ("登录已过期，请重新登录", "Your login has expired; please log in again"),
    "permission_denied": ("当前账号无权进行此操作", "This account may not do this"),
    "illegal_state": ("当前状态下不能进行此操作", "This cannot be done in the current state"),
    "precondition_failed": ("请先{missing}", "First: {missing}"),
    "sms_code_wrong": (
        "验证码错误，还可尝试 {tries_left} 次",
        "The code is wrong ({tries_left} tries left)",
    ),
    "sms_code_expired": ("验证码已过期，请重新获取", "The code has expired; request a new one"),
    "sms_too_many_tries": (
        "错误次数过多，请重新获取验证码",
        "Too many wrong codes; request a new one",
    ),
    "sms_cooldown": (
        "验证码已发送，请 {seconds} 秒后再试",
        "A code was just sent; wait {seconds} seconds",
    ),
    "verification_failed": ("{method}核验未通过：{reason}", "{method} failed: {reason}"),
    "deposit_tries_exhausted": (
        "打款金额已三次输入错误，请重新发起对公打款",
        "The amount was wrong three times; start a new deposit",
    ),
    "document_rejected": ("文件“{filename}”无法使用：{reason}", "{filename} was refused: {reason}"),
    "document_too_large": (
        "文件“{filename}”过大，请上传 {limit_mb} MB 以内的文件",
        "{filename} is too large; the limit is {limit_mb} MB",
    ),
    "document_unsupported": (
        "文件“{filename}”不是可读取的 JPG、PNG 或 PDF",
        "{filename} is not a readable JPEG, PNG or PDF",
    ),
    "pdf_not_sealable": (
        "文件“{filename}”无法签章：{reason}",
        "{filename} cannot be sealed: {reason}",
    ),
    "pdf_hidden_content": (
        "文件“{filename}”含有屏幕上显示与打印出来不同的内容（隐藏或仅打印的批注、图层），"
        "所见非所签，无法签章；请另存为普通 PDF 后再试",
        "{filename} shows different content on screen and in print (hidden or print-only "
        "annotations or layers), so what you see would not be what you seal; save it as a "
        "plain PDF and try again",
    ),
    "pdf_encrypted": (
        "文件“{filename}”已加密（设有打开密码或权限密码），无法签章；请上传未加密的 PDF",
        "{filename} is encrypted (password or permissions) and cannot be sealed; "
        "upload an unencrypted PDF",
    ),
    "pdf_certified": (
        "文件“{filename}”已被认证签名锁定（不允许任何修改），无法再签章",
        "{filename} is certified and its certification allows no changes; it cannot be sealed",
    ),
    "pdf_damaged": (
        "文件“{filename}”已损坏（{reason}），无法签章；请用 PDF 软件重新导出后再试",
        "{filename} is damaged ({reason}) and cannot be sealed; export it again as PDF",
    ),
    "pdf_unreadable": (
        "文件“{filename}”不是可读取的 PDF，无法签章",
        "{filename} is not a readable PDF and cannot be sealed",
    ),
    "seal_position_invalid": (
        "印章位置不可用（第 {page} 页）：{reason}",
        "The seal cannot go there (page {page}): {reason}",
    ),
    "document_bomb": ("图片“{filename}”尺寸过大", "The image {filename} is too large"),
    "pdf_bomb": (
        "PDF 文件“{filename}”解压后过大，请上传普通的扫描件或电子文件",
        "The PDF {filename} unpacks to too much data; upload an ordinary scan or document",
    ),
    "csr_rejected": ("证书请求被拒绝：{reason}", "The certificate request was refused: {reason}"),
    "certificate_unavailable": ("证书当前不可用（{status}）", "The certificate is {status}"),
    "grant_not_allowed": (
        "该证书不能授权：{reason}",
        "This certificate cannot be granted: {reason}",
    ),
    "audit_chain_broken": ("审计日志已被篡改", "The audit log was altered"),
    "secret_unavailable": (
        "无法取得本机 CA 的密钥保护口令：{reason}",
        "The CA's key-wrapping secret is not available: {reason}",
    ),
    "font_missing": (
        "未找到中文字体，请安装 fonts-wqy-microhei 或 fonts-noto-cjk",
        "No CJK font found; install fonts-wqy-microhei or fonts-noto-cjk",
    ),
    "replaced_certificate_refused": (
        "要替换的设备证书不是本机此证书的设备证书，未下载也未吊销任何证书",
        "The device certificate named as replaced is not this device's; nothing was issued "
        "or revoked",
    ),
    "idempotency_conflict": ("重复的请求，请重新操作", "A repeated request; please try again"),
    "configuration_error": ("配置有误：{reason}", "Configuration problem: {reason}"),
    "schema_too_new": (
        "CA 数据库 {where} 已由更新版本的 mobileca 升级（数据库结构版本 {revision}，本版本最高支持 "
        "{head}），未做任何改动：请使用该版本或更新的版本打开",
        "The CA database {where} was upgraded by a newer mobileca release (schema revision "
        "{revision}; this release knows up to {head}); nothing was changed: use that release "
        "or a newer one",
    ),
    "schema_upgrade_failed": (
        "CA 数据库 {where} 无法从结构版本 {revision} 升级到 {head}：{reason}。已回滚；"
        "升级前保留的副本：{backup}",
        "The CA database {where} could not be upgraded from schema revision {revision} to "
        "{head}: {reason}. It was rolled back; copy kept before the upgrade: {backup}",
    ),
    # the device keystore and 证书下载 / 激活
    "password_mismatch": ("两次输入的密码不一致", "The two passwords are not the same"),
    "wrong_password": (
        "证书密码错误，本机还可尝试 {tries_left} 次",
        "The certificate password is wrong ({tries_left} tries left on this device)",
    ),
    "certificate_locked": (
        "证书密码错误次数过多，已在本机锁定；请重新下载证书（短信验证码并设置新密码）",
        "The certificate is locked on this device; download it again to unlock it",
    ),
    "keyring_unavailable": (
        "无法使用系统钥匙串（{store}：{reason}）。{advice}",
        "The system keyring cannot be used ({store}: {reason}). {advice}",
    ),
    "not_this_device": (
        "本机的证书文件是在其他电脑或其他系统用户下生成的，请在本机重新下载证书",
        "The key files were made on another computer or user; download the certificate here",
    ),
    "keystore_corrupt": (
        "本机的证书文件已损坏或被改动，请重新下载证书",
        "The certificate's key file is damaged or was altered; download it again",
    ),
    "key_file_outdated": (
        "本机的证书文件是旧的副本（不是本机最后保存的那一份，例如从备份恢复的文件），未打开。"
        "请放回最新的证书文件，或重新下载证书（短信验证码并设置新密码）",
        "The key file is an older copy, not the one this device saved last (restored from a "
        "backup?), so it was not opened. Put the current key file back, or download the "
        "certificate again (SMS code and a new password)",
    ),
    "not_activated": ("本机尚未下载此证书", "This certificate is not downloaded to this device"),
    "already_activated": ("本机已下载此证书", "This certificate is already on this device"),
    "activation_failed": (
        "证书下载未完成：{reason}",
        "The download could not be completed: {reason}",
    ),
    "profile_in_use": (
        "此证书正在另一个窗口中使用，请在该窗口完成或关闭后再试",
        "This certificate is in use by another window; finish or close it there, then try again",
    ),
    "password_changed_elsewhere": (
        "证书密码已在其他窗口修改，本次未作任何修改；请输入当前的证书密码后重试",
        "The password was changed elsewhere and nothing was changed here; try again",
    ),
    "key_session_closed": (
        "证书已重新锁定，请输入证书密码",
        "The certificate's keys were locked again; enter the certificate password",
    ),
    "no_decryption_key": (
        "本机没有可解密此文件的证书",
        "This file is not encrypted to any certificate on this device",
    ),
    "decryption_failed": ("无法解密该文件：{reason}", "The file could not be decrypted: {reason}"),
    "bid_refused": (
        "未开启该投标文件，也未交出密钥：{reason}",
        "The bid was not opened and no key was handed over: {reason}",
    ),
    # 扫一扫 (the scan protocol and the trading platform)
    "scan_payload_invalid": (
        "这不是本程序可识别的交易平台二维码：{reason}",
        "This QR code is not a trading-platform code this client can read: {reason}",
    ),
    "scan_refused": (
        "已拒绝交易平台的请求，未进行任何签名（{reason}）：{detail}",
        "The trading platform's request was refused and nothing was signed ({reason}): {detail}",
    ),
    "platform_rejected": (
        "交易平台未接受：{reason}",
        "The trading platform did not accept it: {reason}",
    ),
    "pdf_not_sealed": (
        "文件“{filename}”没有带时间戳的签章（{reason}），无需续期，文件未改动",
        "{filename} carries no time-stamped seal ({reason}); it was not changed",
    ),
    "archive_chain_invalid": (
        "文件“{filename}”的签章或时间戳现已无法验证（{reason}），不能续期，文件未改动",
        "The seal or time-stamp of {filename} no longer validates ({reason}); it cannot be "
        "renewed and was not changed",
    ),
    "camera_unavailable": (
        "摄像头 {device} 无法使用：{reason}",
        "The camera {device} cannot be used ({reason}); check that it is connected and that "
        "no other program uses it",
    ),
    "no_display": (
        "没有可显示窗口的屏幕：{reason}；{fix}",
        "No display to show the window on: {reason}; {fix}",
    ),
    # the remote CA
    "rate_limited": ("操作过于频繁，请 {seconds} 秒后再试", "Too many requests; wait {seconds} s"),
    "service_unavailable": (
        "暂时无法连接 CA 服务器，请稍后重试（已填写的内容不会丢失）",
        "The CA server cannot be used right now; nothing entered is lost",
    ),
}

UNEXPECTED = (
    "出现意外错误（{name}），请重试；如仍失败请联系技术支持。",
    "Unexpected error ({name}); please try again.",
)

# Form fields named by errors (``params["field"]`` and the fixed fields of typed errors).
FIELDS: dict[str, tuple[str, str]] = {
    "company_name": ("单位名称", "Company name"),
    "uscc": ("统一社会信用代码", "Unified social credit code"),
    "province": ("所在省份", "Province"),
    "city": ("所在城市", "City"),
    "bank_name": ("开户银行", "Bank"),
    "bank_account": ("对公账号", "Company bank account"),
    "legal_person_name": ("法定代表人姓名", "Legal representative"),
    "name": ("姓名", "Name"),
    "id_number": ("身份证号", "ID number"),
    "phone": ("手机号", "Mobile number"),
    "password": ("密码", "Password"),
    "password_again": ("确认密码", "Password again"),
    "login_name": ("账号", "Account"),
    "agent": ("经办人信息", "Agent details"),
    "agent_name": ("经办人姓名", "Agent's name"),
    "agent_id_number": ("经办人身份证号", "Agent's ID number"),
    "agent_phone": ("经办人手机号", "Agent's mobile number"),
    "institution": ("CA 机构", "CA institution"),
    "method": ("核验方式", "Verification method"),
    "handler": ("办理人员角色", "Handler role"),
    "face_photo": ("刷脸照片", "Face photo"),
    "elicence_text": ("电子营业执照二维码内容", "E-licence QR text"),
    "amount": ("打款金额", "Amount"),
    "deposit_amount": ("打款金额", "Amount"),
    "letter": ("授权书", "Letter of authorisation"),
    "auth_code": ("授权码", "Authorisation code"),
    "sms_code": ("短信验证码", "SMS code"),
    "reason": ("原因", "Reason"),
    "valid_until": ("授权有效期", "Period of the grant"),
}

# What ``precondition_failed`` says is missing (the engine's stable codes, and the wizard's).
MISSING: dict[str, tuple[str, str]] = {
    "institution": ("选择 CA 机构", "choose the CA institution"),
    "method": ("选择核验方式", "choose the verification method"),
    "handler": ("选择办理人员角色", "choose the handler role"),
    "verification": ("完成核验", "complete the verification"),
    "auth_code": ("填写授权码", "enter the authorisation code"),
    "deposit": ("发起对公打款", "start the deposit"),
    "letter_review": ("等待 CA 机构审核授权书", "wait for the CA to accept the letter"),
    "doc:licence": ("上传营业执照", "upload the business licence"),
    "doc:id_front": ("上传身份证人像面", "upload the ID card (photo side)"),
    "doc:id_back": ("上传身份证国徽面", "upload the ID card (emblem side)"),
    "doc:letter": ("上传授权书", "upload the letter of authorisation"),
}

# A required choice or action left undone says plainly what to do, not "填写有误：必填"
# (a radio button or a photo is not filled in).
REQUIRED: dict[str, tuple[str, str]] = {
    "institution": ("请选择 CA 机构", "Choose a CA institution"),
    "method": ("请选择核验方式", "Choose a verification method"),
    "handler": ("请选择办理人员角色", "Choose who handles the application"),
    "face_photo": ("请拍照或选择照片", "Take a photo or choose one"),
    "letter": ("请上传授权书", "Upload the letter of authorisation"),
}

WHAT: dict[str, tuple[str, str]] = {
    "application": ("申请", "application"),
    "certificate": ("证书", "certificate"),
    "document": ("文件", "document"),
    "grant": ("授权", "grant"),
    "account": ("账号", "account"),
}

# Reasons the engine writes in English: exact texts, then patterns.
REASONS: dict[str, str] = {
    "required": "必填",
    "empty": "必填",
    "wrong check character": "校验位错误",
    "at least 8 characters": "至少 8 位",
    "at most 128 characters": "最多 128 位",
    "use both letters and digits": "须同时包含字母和数字",
    "the first 17 characters must be digits": "前 17 位须为数字",
    "the last character must be a digit or X": "最后一位须为数字或 X",
    "the birth date is not a real date": "出生日期无效",
    "the birth date is before 1900": "出生日期早于 1900 年",
    "the birth date is in the future": "出生日期晚于今天",
    "characters 3-8 must be an administrative division": "第 3–8 位须为行政区划代码",
    "only digits are allowed": "只能填写数字",
    "must have 8 to 30 digits": "应为 8 至 30 位数字",
    "the legal person is not an agent: choose 法人本人": "法定代表人本人办理请选择“法人本人”",
    "the licence belongs to another company": "该电子营业执照属于其他单位",
    "this is not a genuine e-business licence": "不是有效的电子营业执照",
    "the letter was not accepted": "授权书未通过 CA 机构审核",
    "no face found": "照片中未检测到人脸",
    "enter the amount in yuan, e.g. 0.37": "请以元为单位填写，如 0.37",
    "must be in the future": "须晚于当前时间",
    "the legal person uses the certificate directly": "法定代表人本人可直接使用该证书，无需授权",
    # camera_unavailable's reasons and the image / video files read for 扫一扫
    "absent": "未找到该设备",
    "busy": "正被其他程序占用",
    "unplugged": "已断开，不再传来画面",
    "unreadable": "无法读取画面（请检查权限）",
    "the file does not exist": "文件不存在",
    "the file cannot be opened": "无法打开该文件",
    "not an image this program can read": "不是可读取的图片（PNG、JPEG、BMP、TIFF、WebP 或 GIF）",
    "not a video this program can read": "不是可读取的视频文件",
    # PDFs that cannot be sealed (crypto/pdfcheck.py)
    "the objects refer to each other in a loop": "对象之间循环引用",
    "the seal lies outside the page": "印章超出了页面范围",
    "the seal is smaller than 20 points": "印章小于 20 磅",
    "not four numbers": "位置须为四个数字",
    "not a position": "不是有效的位置",
    "the file does not start like a PDF": "文件开头不是 PDF 格式",
    "not an incremental update of the original": "不是原文件的增量更新",
    "the trial seal is not on its page": "试签章未落在所选页面上",
    "the trial seal does not validate": "试签章无法通过验证",
    "too many objects": "对象过多",
    "the seal is not on its page": "印章未落在所选页面上",
    "the seal is not where it was placed": "印章不在所选的位置上",
    # 扫码解密: why a bid is not opened (services/bidopen.py, crypto/bidrecord.py)
    "the platform sent no bid envelope, only a key to unwrap": (
        "交易平台只发来待解开的密钥，没有发来投标文件本身（旧版协议），为安全起见不予解密"
    ),
    "the bid envelope is not the one the platform described": "投标文件与平台描述的不一致",
    "the bid is encrypted to another certificate": "该投标文件不是加密给本机证书的",
    "the bid was signed by another company or person": "该投标文件不是本单位（本人）签名的",
    "the bid is not the one shown": "解开的投标文件与确认页上显示的不一致",
    "the decrypted record is not readable": "解密后的投标记录无法读取",
    "the bid's digest is not the one recorded": "投标文件的摘要与加密时登记的不一致",
    "the bidder's signature does not cover this bid": "投标签名没有覆盖此投标文件",
    "the bidder's signature is not valid": "投标签名无效",
    "the record was not signed at 扫码加密": "该记录不是扫码加密时签名的",
    "the record has no signing certificate": "投标记录中没有签名证书",
    "the content key does not open it": "内容密钥无法解开投标文件",
    "the content key does not fit the cipher": "内容密钥与加密算法不符",
    "the platform's description of the bid is incomplete": "平台对投标文件的描述不完整",
}
REASON_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"must be 18 characters, not (\d+)"), r"应为 18 位，当前 \1 位"),
    (re.compile(r"at most (\d+) characters"), r"最多 \1 个字"),
    (re.compile(r"illegal character (.+)"), r"含有不允许的字符 \1"),
    (
        re.compile(r"contains a character that cannot be printed \((U\+[0-9A-F]+)\)"),
        r"含有不能显示或打印的字符（\1）",
    ),
    (re.compile(r"more than one face found \((\d+)\)"), r"照片中有 \1 张人脸，请只拍本人"),
    (re.compile(r"the amount is wrong \((\d+) tries left\)"), r"金额不正确，还可尝试 \1 次"),
    (re.compile(r"an object stream is damaged \((\w+)\)"), r"对象流已损坏（\1）"),
    (re.compile(r"the cross-reference table is damaged \((\w+)\)"), r"交叉引用表已损坏（\1）"),
    (re.compile(r"the page tree is damaged \((.+)\)"), r"页面树已损坏"),
    (re.compile(r"an unexpected structure \((\w+)\)"), r"文件结构异常（\1）"),
    (re.compile(r"an object cannot be read \((\w+)\)"), r"有对象无法读取（\1）"),
    (re.compile(r"the file has (\d+) pages"), r"文件共 \1 页"),
    (re.compile(r"more than (\d+) pages"), r"超过 \1 页"),
    (re.compile(r"(\d+) new signatures instead of one"), r"新增了 \1 个签名（应为一个）"),
]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == EN else pair[0]


def reason_text(reason: str, lang: str | None = None) -> str:
    lang = lang or _language
    if lang == EN:
        return reason
    if reason in REASONS:
        return REASONS[reason]
    for pattern, replacement in REASON_PATTERNS:
        if pattern.fullmatch(reason):
            return pattern.sub(replacement, reason)
    return reason


def field_label(name: str, lang: str | None = None) -> str:
    pair = FIELDS.get(name)
    return _pick(pair, lang or _language) if pair else name


def _missing_text(missing: str, lang: str) -> str:
    parts = [p.strip() for p in str(missing).split(",") if p.strip()]
    sep = ", " if lang == EN else "、"
    return sep.join(_pick(MISSING[p], lang) if p in MISSING else p for p in parts)


def _params(err: MobileCAError, lang: str) -> dict[str, object]:
    p: dict[str, object] = dict(err.params)
    if "reason" in p:
        p["reason"] = reason_text(str(p["reason"]), lang)
    if "field" in p:
        p["field"] = field_label(str(p["field"]), lang)
    if "missing" in p:
        p["missing"] = _missing_text(str(p["missing"]), lang)
    if "what" in p and str(p["what"]) in WHAT:
        p["what"] = _pick(WHAT[str(p["what"])], lang)
    if "method" in p:
        try:
            method = Method(str(p["method"]))
        except ValueError:
            pass
        else:
            # The handbook's word in Chinese; in English its translation when English is the
            # installed UI language, else the method's code.
            if lang == ZH:
                p["method"] = label(method) or method.value
            else:
                p["method"] = text_of(method) if _language == EN else method.value
    if "limit" in p:
        p["limit_mb"] = round(int(p["limit"]) / (1024 * 1024))  # type: ignore[call-overload]
    return p


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def error_text(err: BaseException, lang: str | None = None) -> str:
    """The message to show for ``err`` in ``lang`` (the UI language by default)."""
    lang = lang or _language
    if not isinstance(err, MobileCAError):
        return _pick(UNEXPECTED, lang).format(name=type(err).__name__)
    if isinstance(err, InvalidInput) and err.params.get("reason") in ("required", "empty"):
        required = REQUIRED.get(str(err.params.get("field")))
        if required is not None:
            return _pick(required, lang)
    for cls in type(err).__mro__:
        code = getattr(cls, "code", None)
        if code in ERRORS:
            template = _pick(ERRORS[code], lang)
            return template.format_map(_Blank(_params(err, lang)))
    return err.message


def field_of(err: BaseException) -> str | None:
    """The form field an error is about, with the generic names of ``FIELDS``."""
    if isinstance(err, InvalidUSCC):
        return "uscc"
    if isinstance(err, InvalidIDNumber):
        return "id_number"
    if isinstance(err, InvalidPhone):
        return "phone"
    if isinstance(err, WeakPassword | AuthenticationFailed):
        return "password"
    if isinstance(err, InvalidInput | AlreadyExists | GrantNotAllowed):
        # The engine names the field (a stable name, never the words it shows).
        return str(err.params.get("field") or "") or None
    return None


def route_error(err: BaseException, aliases: Mapping[str, str]) -> str | None:
    """The widget field for ``err`` in one form: ``aliases`` maps generic names (``phone``)
    to the form's own (``legal_person_phone``); names absent from it map to themselves."""
    name = field_of(err)
    if name is None:
        return None
    return aliases.get(name, name)
