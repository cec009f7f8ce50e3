"""Plain values that cross the service interfaces (no ORM rows, no Qt, no crypto objects).

Enum values are stable identifiers; the Chinese labels in ``LABELS`` are the handbook's words
and are what the UI shows by default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AccountKind(StrEnum):
    LEGAL = "legal"  # 法人登录: a company, logged in by its 统一社会信用代码
    PERSONAL = "personal"  # 个人登录: a person, by ID number or phone
    REVIEWER = "reviewer"  # a CA institution's reviewer (CA 审核台)


class CertKind(StrEnum):
    UNIT = "unit"  # 企业数字证书 (申请单位证书)
    LEGAL_REP = "legal_rep"  # 法人数字证书 (申请法定代表人证书)
    PERSONAL = "personal"  # 个人数字证书 (申请个人证书)


class Method(StrEnum):
    FACE = "face"  # 法人刷脸
    ELICENCE = "elicence"  # 电子营业执照
    DEPOSIT = "deposit"  # 对公打款
    LETTER = "letter"  # 上传授权书


class Handler(StrEnum):
    LEGAL_PERSON = "legal_person"  # 法人本人
    AGENT = "agent"  # 经办人


class Purpose(StrEnum):
    NEW = "new"  # 证书新办
    RENEW = "renew"  # 证书更新
    CHANGE = "change"  # 证书变更


class AppState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # 审核中
    ISSUED = "issued"  # 正常 (the certificate exists)
    REJECTED = "rejected"  # 已失效, with a reason; 继续 goes back to draft
    CANCELLED = "cancelled"  # 已失效 for good (被永久取消审核)
    DISCARDED = "discarded"  # a draft its applicant discarded (撤销); listed nowhere


class CertStatus(StrEnum):
    """The statuses of 证书管理's rows."""

    NORMAL = "normal"  # 正常
    REVIEWING = "reviewing"  # 审核中
    INVALID = "invalid"  # 已失效
    EXPIRED = "expired"  # 已过期
    REVOKED = "revoked"  # 已吊销
    DRAFT = "draft"  # 草稿 (an application not yet submitted)


class VerificationState(StrEnum):
    NOT_STARTED = "not_started"
    PENDING = "pending"  # waiting: a deposit made, a letter under review
    PASSED = "passed"
    FAILED = "failed"


class DocKind(StrEnum):
    ID_FRONT = "id_front"  # 身份证人像面
    ID_BACK = "id_back"  # 身份证国徽面
    LICENCE = "licence"  # 营业执照
    LETTER = "letter"  # 授权书
    FACE = "face"  # 刷脸照片
    SIGNATURE = "signature"  # 个人手写签名


class SealKind(StrEnum):
    OFFICIAL = "official"  # 公章
    LEGAL_REP = "legal_rep"  # 法人章
    SIGNATURE = "signature"  # 个人签名


class GrantStatus(StrEnum):
    ACTIVE = "active"  # 授权中
    WITHDRAWN = "withdrawn"  # 已撤销
    EXPIRED = "expired"  # 已过期


class RevocationReason(StrEnum):
    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "key_compromise"
    SUPERSEDED = "superseded"
    CESSATION = "cessation_of_operation"
    AFFILIATION_CHANGED = "affiliation_changed"


class MessageKind(StrEnum):
    SMS = "sms"
    DEPOSIT = "deposit"
    ELICENCE = "elicence"


# Keyed by (enum class, value): members of two enums with the same value are equal as
# strings (CertKind.LEGAL_REP == SealKind.LEGAL_REP == "legal_rep"), so a dict keyed by the
# members themselves would give 法人数字证书 and 法人章 one entry. Use ``label()``.
_LABELS: dict[tuple[type, str], str] = {
    (type(member), member.value): text
    for member, text in (
        (CertKind.UNIT, "企业数字证书"),
        (CertKind.LEGAL_REP, "法人数字证书"),
        (CertKind.PERSONAL, "个人数字证书"),
        (Method.FACE, "法人刷脸"),
        (Method.ELICENCE, "电子营业执照"),
        (Method.DEPOSIT, "对公打款"),
        (Method.LETTER, "上传授权书"),
        (Handler.LEGAL_PERSON, "法人本人"),
        (Handler.AGENT, "经办人"),
        (CertStatus.NORMAL, "正常"),
        (CertStatus.REVIEWING, "审核中"),
        (CertStatus.INVALID, "已失效"),
        (CertStatus.EXPIRED, "已过期"),
        (CertStatus.REVOKED, "已吊销"),
        (CertStatus.DRAFT, "草稿"),
        (SealKind.OFFICIAL, "公章"),
        (SealKind.LEGAL_REP, "法人章"),
        (SealKind.SIGNATURE, "个人签名"),
        (GrantStatus.ACTIVE, "授权中"),
        (GrantStatus.WITHDRAWN, "已撤销"),
        (GrantStatus.EXPIRED, "已过期"),
    )
}


def label(member: StrEnum) -> str | None:
    """The handbook's Chinese word for an enum member, or None if it has none."""
    return _LABELS.get((type(member), member.value))


@dataclass(frozen=True)
class Session:
    """A login. Every service call carries one explicitly; ``token`` is opaque."""

    token: str
    account_id: int
    kind: AccountKind
    display_name: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Institution:
    id: str
    name: str
    short_name: str
    contact_phone: str
    contact_address: str
    contact_url: str
    root_fingerprint_sha256: str


@dataclass(frozen=True)
class Account:
    id: int
    kind: AccountKind
    login_name: str
    display_name: str
    phone_masked: str
    company_name: str | None = None
    uscc: str | None = None
    legal_person_name: str | None = None
    institution_id: str | None = None  # reviewers only


@dataclass(frozen=True)
class LegalEntityRegistration:
    """What 未注册主体库的企业 enter to register (三晋通)."""

    company_name: str
    uscc: str
    province: str
    city: str
    bank_name: str
    bank_account: str
    legal_person_name: str
    legal_person_id_number: str
    legal_person_phone: str
    password: str


@dataclass(frozen=True)
class PersonalRegistration:
    name: str
    id_number: str
    phone: str
    password: str


@dataclass(frozen=True)
class AgentDetails:
    """经办人信息 for an application handled by an agent."""

    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    kind: DocKind
    filename: str
    mime: str
    size: int
    sha256: str


@dataclass(frozen=True)
class SignatureCheck:
    """The application's 电子签名 as the reviewer sees it."""

    signed: bool
    valid: bool
    signer: str | None
    signed_at: dt.datetime | None
    detail: str


@dataclass(frozen=True)
class ApplicationInfo:
    id: int
    account_id: int
    kind: CertKind
    purpose: Purpose
    institution_id: str
    state: AppState
    method: Method | None
    handler: Handler | None
    agent: AgentDetails | None
    verification: VerificationState
    auth_code_confirmed: bool
    documents: tuple[DocumentInfo, ...]
    signed: bool
    reject_reason: str | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    subject_name: str
    certificate_id: int | None = None
    previous_certificate_id: int | None = None
    missing: tuple[str, ...] = ()  # what submission still needs, as stable codes


@dataclass(frozen=True)
class DepositNotice:
    """What the client may show after 对公打款 started (never the amount itself)."""

    bank_name: str
    account_masked: str
    tries_left: int


@dataclass(frozen=True)
class Seal:
    kind: SealKind
    png: bytes


@dataclass(frozen=True)
class CertificateRow:
    """One row of 证书管理: a logical certificate or an application without one yet."""

    status: CertStatus
    kind: CertKind
    institution_id: str
    institution_name: str
    subject_name: str
    application_id: int | None
    certificate_id: int | None
    serial_hex: str | None
    applied_at: dt.datetime
    not_after: dt.datetime | None
    can_continue: bool
    reason: str | None = None  # reject reason or 被永久取消审核
    granted_by: str | None = None  # set when the row comes to an agent through a grant
    grant_id: int | None = None
    successor_id: int | None = None  # an 已过期 certificate already renewed (证书更新)


@dataclass(frozen=True)
class CertificateDetail:
    """证书详情."""

    certificate_id: int
    status: CertStatus
    kind: CertKind
    institution_name: str
    subject_name: str
    serial_hex: str
    serial_is_device: bool  # False: the encryption certificate's serial (not yet activated)
    applied_at: dt.datetime
    not_before: dt.datetime
    not_after: dt.datetime
    seals: tuple[Seal, ...]
    encryption_cert_pem: str
    device_certs: tuple[DeviceCertInfo, ...] = ()
    predecessor_id: int | None = None
    successor_id: int | None = None


@dataclass(frozen=True)
class DeviceCertInfo:
    serial_hex: str
    device_name: str
    holder: str
    revoked: bool
    not_after: dt.datetime


@dataclass(frozen=True)
class WrappedKey:
    """One escrowed encryption key, ECIES-wrapped to the device's transport key."""

    encryption_cert_pem: str
    encryption_serial_hex: str
    generation: int
    ephemeral_public_key: bytes  # X9.62 uncompressed point
    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class ActivationResult:
    certificate_id: int
    device_cert_pem: str
    device_serial_hex: str
    chain_pem: str  # issuing CA then root
    wrapped_keys: tuple[WrappedKey, ...]


@dataclass(frozen=True)
class GrantInfo:
    id: int
    certificate_id: int
    certificate_kind: CertKind
    company_name: str
    agent_name: str
    agent_id_masked: str
    agent_phone_masked: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: GrantStatus
    granted_by: str


@dataclass(frozen=True)
class InboxMessage:
    id: int
    phone: str
    kind: MessageKind
    title: str
    body: str
    created_at: dt.datetime
    code: str | None = None  # the SMS code or 授权码, for the simulated phone's display
    attachment: str | None = None  # e.g. the e-licence QR text


@dataclass(frozen=True)
class ReviewItem:
    application: ApplicationInfo
    applicant: str
    signature: SignatureCheck
    letter_pending: bool


@dataclass(frozen=True)
class ClockInfo:
    real_now: dt.datetime
    now: dt.datetime
    offset_seconds: int


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    object: str
    details: dict[str, Any] = field(default_factory=dict)
