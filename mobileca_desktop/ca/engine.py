"""The CA engine's facade: every operation of the mobile CA, authorised and audited here.

Each public method takes the caller's ``Session`` (checked on every call: authorisation is
enforced in the engine, not only in HTTP), runs in one database transaction, appends to the
hash-chained audit log, and returns plain domain objects. Errors are typed
(``mobileca_desktop.domain.errors``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets as pysecrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session as DB

import mobileca_desktop.ca.responders as responders
from mobileca_desktop.ca import audit, documents, face, idcheck, identity, institutions, pki, seals
from mobileca_desktop.ca import sms as smsmod
from mobileca_desktop.ca import tsa as tsamod
from mobileca_desktop.ca.clock import Clock, end_of_day_shanghai, to_shanghai
from mobileca_desktop.ca.db import (
    AccountRow,
    ApplicationRow,
    CertificateRow,
    DocumentRow,
    EscrowKeyRow,
    GrantRow,
    InstitutionRow,
    IssuedCertRow,
    SealRow,
    SessionRow,
    Store,
)
from mobileca_desktop.ca.kmc import KeyPool
from mobileca_desktop.ca.secrets import KeyringSecret, Keys, SecretSource
from mobileca_desktop.crypto import ecies
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.filenames import clean_filename
from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    ActivationResult,
    AgentDetails,
    ApplicationInfo,
    AppState,
    AuditEntry,
    CertificateDetail,
    CertKind,
    CertStatus,
    ClockInfo,
    DepositNotice,
    DeviceCertInfo,
    DocKind,
    DocumentInfo,
    GrantInfo,
    GrantStatus,
    Handler,
    InboxMessage,
    Institution,
    LegalEntityRegistration,
    MessageKind,
    Method,
    PersonalRegistration,
    Purpose,
    ReviewItem,
    RevocationReason,
    Seal,
    SealKind,
    Session,
    SignatureCheck,
    VerificationState,
    WrappedKey,
)
from mobileca_desktop.domain.models import CertificateRow as CertRowInfo

log = logging.getLogger(__name__)

OPERATOR_ID = 0
DEPOSIT_TRIES = 3
AUTH_CODE_TRIES = 5


@dataclass
class EngineConfig:
    validity_days: int = 365
    # For demos: certificates valid for a few minutes instead of days.
    validity_minutes: int | None = None
    public_url: str = "http://127.0.0.1:8470"
    passwords: identity.PasswordPolicy = field(default_factory=identity.PasswordPolicy)
    kmc_pool_target: int = 8
    kmc_background: bool = True
    session_hours: int = 12
    max_document_bytes: int = 10 * 1024 * 1024
    # Image and PDF decodes at once (each may take a few hundred MiB for a 40-megapixel
    # photo); the rest wait, so concurrent uploads cannot add up to gigabytes.
    decode_slots: int = 2


@dataclass
class _CA:
    root: x509.Certificate
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    ocsp: x509.Certificate
    ocsp_key: ec.EllipticCurvePrivateKey
    responder: object
    name: str


REQUIRED_DOCS: dict[CertKind, tuple[DocKind, ...]] = {
    CertKind.UNIT: (DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK),
    CertKind.LEGAL_REP: (DocKind.LICENCE, DocKind.ID_FRONT, DocKind.ID_BACK),
    CertKind.PERSONAL: (DocKind.ID_FRONT, DocKind.ID_BACK),
}

CHANGEABLE: dict[CertKind, tuple[str, ...]] = {
    CertKind.UNIT: ("company_name", "province", "city"),
    CertKind.LEGAL_REP: ("company_name", "legal_person_name"),
    CertKind.PERSONAL: ("person_name",),
}


class CAEngine:
    """Open with ``CAEngine.open(folder)`` (SQLite) or ``CAEngine(Store(url), ...)``."""

    def __init__(
        self, store: Store, secret: SecretSource, config: EngineConfig | None = None, real_now=None
    ) -> None:
        self.store = store
        self.config = config or EngineConfig()
        self.clock = Clock(store, real_now)
        self.urls = pki.Urls(self.config.public_url.rstrip("/"))
        self.secret_source = secret
        self._ca_cache: dict[str, _CA] = {}
        self._ca_lock = threading.Lock()
        self._operator_tokens: set[str] = set()
        self._decode_slots = threading.BoundedSemaphore(max(1, self.config.decode_slots))
        self.keys = self._bootstrap(secret)
        self.sms = smsmod.SmsGateway(self.keys)
        self.pool = KeyPool(store, self._wrap_kmc, self._unwrap_kmc, self.config.kmc_pool_target)
        self.tsa = tsamod.TsaKeys(
            store,
            issuer=self._tsa_issuer,
            wrap_key=self.keys["ca-key-wrap"],
            urls=self.urls,
            real_now=self.clock.real_now,
        )
        if self.config.kmc_background:
            self.pool.start_background()

    @classmethod
    def open(
        cls,
        folder: Path,
        secret: SecretSource | None = None,
        config: EngineConfig | None = None,
        real_now=None,
    ) -> CAEngine:
        folder = Path(folder)
        return cls(Store.for_folder(folder), secret or KeyringSecret(folder), config, real_now)

    def close(self) -> None:
        self.pool.stop()
        self.store.dispose()

    # --- set-up -------------------------------------------------------------------------

    def _bootstrap(self, source: SecretSource) -> Keys:
        with self.store.tx() as s:
            salt_hex = self.store.get_meta(s, "secret_salt")
            if salt_hex is None:
                salt = os.urandom(16)
                keys = Keys(source.master_secret(salt, create=True))
                self.store.set_meta(s, "secret_salt", salt.hex())
                self.store.set_meta(s, "secret_check", keys.check_value())
                self._keys_for_init = keys
                now = self.clock.now()
                for i, profile in enumerate(institutions.CATALOGUE):
                    s.add(
                        institutions.create(
                            profile,
                            i,
                            now=now,
                            urls=self.urls,
                            wrap=lambda k, kid: pki.wrap_private_key(k, keys["ca-key-wrap"], kid),
                        )
                    )
                id_key = pki.new_ec_key()
                self.store.set_meta(
                    s,
                    "identity_key",
                    pki.wrap_private_key(id_key, keys["identity-wrap"], "identity").hex(),
                )
                audit.append(
                    s,
                    at=now,
                    actor="system",
                    action="ca.init",
                    obj="ca",
                    details={
                        "institutions": [p.id for p in institutions.CATALOGUE],
                        "secret": source.describe(),
                    },
                )
                return keys
            keys = Keys(source.master_secret(bytes.fromhex(salt_hex), create=False))
            if keys.check_value() != self.store.get_meta(s, "secret_check"):
                raise E.SecretUnavailable(reason="the secret does not belong to this CA's data")
            from mobileca_desktop.ca import rootcrl  # local: engine.py is about to be split

            rootcrl.add_distribution_points(
                self.store, s, keys["ca-key-wrap"], self.urls, self.clock.now()
            )
            return keys

    def _wrap_kmc(self, key, key_id: str) -> bytes:
        return pki.wrap_private_key(key, self.keys["kmc-wrap"], key_id)

    def _unwrap_kmc(self, blob: bytes, key_id: str):
        return pki.unwrap_private_key(blob, self.keys["kmc-wrap"], key_id)

    def _identity_key(self, s: DB) -> ec.EllipticCurvePrivateKey:
        blob = bytes.fromhex(self.store.get_meta(s, "identity_key"))
        return pki.unwrap_private_key(blob, self.keys["identity-wrap"], "identity")

    def _ca(self, institution_id: str, s: DB | None = None) -> _CA:
        with self._ca_lock:
            ca = self._ca_cache.get(institution_id)
            if ca is not None:
                return ca
        if s is None:
            with self.store.read() as rs:
                row = rs.get(InstitutionRow, institution_id)
        else:
            row = s.get(InstitutionRow, institution_id)
        if row is None:
            raise E.NotFound(what="CA institution", id=institution_id)
        wk = self.keys["ca-key-wrap"]
        issuing = x509.load_pem_x509_certificate(row.issuing_pem.encode())
        ocsp_cert = x509.load_pem_x509_certificate(row.ocsp_pem.encode())
        ocsp_key = pki.unwrap_private_key(row.ocsp_key, wk, f"{row.id}/ocsp")
        ca = _CA(
            root=x509.load_pem_x509_certificate(row.root_pem.encode()),
            issuing=issuing,
            issuing_key=pki.unwrap_private_key(row.issuing_key, wk, f"{row.id}/issuing"),
            ocsp=ocsp_cert,
            ocsp_key=ocsp_key,
            responder=pki.OcspResponder(
                issuer_cert=issuing, responder_cert=ocsp_cert, responder_key=ocsp_key
            ),
            name=row.name,
        )
        with self._ca_lock:
            self._ca_cache[institution_id] = ca
        return ca

    # --- sessions and identity (三晋通) ----------------------------------------------------

    def _account(self, s: DB, session: Session) -> AccountRow:
        if not isinstance(session, Session):
            raise E.SessionExpired()
        if session.account_id == OPERATOR_ID:
            if session.token not in self._operator_tokens:
                raise E.SessionExpired()
            return AccountRow(
                id=OPERATOR_ID,
                kind=AccountKind.REVIEWER.value,
                login_name="operator",
                password_hash="",
                display_name="CA 操作员",
                phone="",
                institution_id=None,
            )
        row = s.get(SessionRow, identity.token_hash(session.token))
        if (
            row is None
            or row.expires_at <= self.clock.now()
            or row.account_id != session.account_id
        ):
            raise E.SessionExpired()
        acc = s.get(AccountRow, row.account_id)
        if acc is None:
            raise E.SessionExpired()
        return acc

    def operator_session(self) -> Session:
        """An in-process session for the CA operator (CLI, the trainer's reviewer window in
        local mode). It exists only in this process's memory and cannot be forged remotely."""
        token = "operator:" + pysecrets.token_urlsafe(24)
        self._operator_tokens.add(token)
        return Session(
            token=token,
            account_id=OPERATOR_ID,
            kind=AccountKind.REVIEWER,
            display_name="CA 操作员",
            expires_at=self.clock.now() + dt.timedelta(days=1),
        )

    def adopt_operator_token(self, token: str) -> None:
        """Demo servers only (``mobileca-ca serve --demo``): every worker process accepts the
        one operator token its parent made and printed for the trainer."""
        if not token.startswith("operator:") or len(token) < 40:
            raise E.InvalidInput(field="operator_token", reason="not an operator token")
        self._operator_tokens.add(token)

    @staticmethod
    def _actor(acc: AccountRow) -> str:
        return f"{acc.kind}:{acc.id}:{acc.display_name}"

    def institutions(self) -> list[Institution]:
        with self.store.read() as s:
            rows = s.execute(select(InstitutionRow).order_by(InstitutionRow.position)).scalars()
            return [institutions.to_domain(r) for r in rows]

    def chain_pem(self, institution_id: str) -> str:
        ca = self._ca(institution_id)
        return pki.chain_pem([ca.issuing, ca.root])

    def _tsa_issuer(self, institution_id: str):
        ca = self._ca(institution_id)
        return ca.issuing, ca.issuing_key, ca.name

    def timestamp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 3161 response of the institution's time-stamping authority (``ca/tsa.py``)."""
        return self.tsa.respond(institution_id, request_der)

    def register_legal(self, reg: LegalEntityRegistration) -> Account:
        company = identity.require_name("company_name", reg.company_name)
        uscc = idcheck.validate_uscc(reg.uscc)
        legal_name = identity.require_name("legal_person_name", reg.legal_person_name)
        id_number = idcheck.validate_id_number(reg.legal_person_id_number)
        phone = idcheck.validate_phone(reg.legal_person_phone)
        bank_account = idcheck.validate_bank_account(reg.bank_account)
        bank_name = identity.require_name("bank_name", reg.bank_name)
        province = identity.require_name("province", reg.province)
        city = identity.require_name("city", reg.city)
        identity.check_password_strength(reg.password)
        pw_hash = identity.hash_password(self.config.passwords, reg.password)
        with self.store.tx() as s:
            now = self.clock.now()
            if s.execute(select(AccountRow.id).where(AccountRow.login_name == uscc)).first():
                raise E.AlreadyExists(what="统一社会信用代码", value=uscc)
            acc = AccountRow(
                kind=AccountKind.LEGAL.value,
                login_name=uscc,
                password_hash=pw_hash,
                display_name=company,
                phone=phone,
                company_name=company,
                uscc=uscc,
                province=province,
                city=city,
                bank_name=bank_name,
                bank_account=bank_account,
                legal_person_name=legal_name,
                id_number=id_number,
                created_at=now,
            )
            s.add(acc)
            s.flush()
            qr = identity.make_elicence(
                self._identity_key(s),
                uscc=uscc,
                company=company,
                legal_person=legal_name,
                issued=now,
            )
            smsmod.post(
                s,
                phone=phone,
                kind=MessageKind.ELICENCE,
                title="电子营业执照",
                body=f"{company} 的电子营业执照已领取。核验时出示此二维码。",
                attachment=qr,
                now=now,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="account.register",
                obj=f"account:{acc.id}",
                details={"kind": "legal", "uscc": uscc},
            )
            return self._account_info(acc)

    def register_personal(self, reg: PersonalRegistration) -> Account:
        name = identity.require_name("name", reg.name)
        id_number = idcheck.validate_id_number(reg.id_number)
        phone = idcheck.validate_phone(reg.phone)
        identity.check_password_strength(reg.password)
        pw_hash = identity.hash_password(self.config.passwords, reg.password)
        with self.store.tx() as s:
            now = self.clock.now()
            if s.execute(select(AccountRow.id).where(AccountRow.login_name == id_number)).first():
                raise E.AlreadyExists(what="身份证号", value=idcheck.mask_id_number(id_number))
            if s.execute(
                select(AccountRow.id).where(
                    AccountRow.kind == AccountKind.PERSONAL.value, AccountRow.phone == phone
                )
            ).first():
                raise E.AlreadyExists(what="手机号", value=idcheck.mask_phone(phone))
            acc = AccountRow(
                kind=AccountKind.PERSONAL.value,
                login_name=id_number,
                password_hash=pw_hash,
                display_name=name,
                phone=phone,
                id_number=id_number,
                created_at=now,
            )
            s.add(acc)
            s.flush()
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="account.register",
                obj=f"account:{acc.id}",
                details={"kind": "personal"},
            )
            return self._account_info(acc)

    def create_reviewer(
        self,
        session: Session,
        *,
        login_name: str,
        name: str,
        password: str,
        institution_id: str,
        phone: str = "13800000000",
    ) -> Account:
        identity.check_password_strength(password)
        with self.store.tx() as s:
            op = self._account(s, session)
            if op.id != OPERATOR_ID:
                raise E.PermissionDenied(action="create reviewer accounts")
            self._ca(institution_id, s)
            now = self.clock.now()
            acc = AccountRow(
                kind=AccountKind.REVIEWER.value,
                login_name=login_name,
                password_hash=identity.hash_password(self.config.passwords, password),
                display_name=name,
                phone=phone,
                institution_id=institution_id,
                created_at=now,
            )
            s.add(acc)
            s.flush()
            audit.append(
                s,
                at=now,
                actor=self._actor(op),
                action="account.reviewer",
                obj=f"account:{acc.id}",
                details={"institution": institution_id},
            )
            return self._account_info(acc)

    def login(self, kind: AccountKind, login_name: str, password: str) -> Session:
        """法人登录 by 统一社会信用代码; 个人登录 by ID number or phone; reviewers by name."""
        # USCCs and ID numbers are stored upper-case (an ID's check character may be "x").
        login_name = (login_name or "").strip().upper()
        with self.store.read() as s:
            q = select(AccountRow).where(AccountRow.kind == kind.value)
            if kind is AccountKind.PERSONAL and login_name.isdigit() and len(login_name) == 11:
                q = q.where(AccountRow.phone == login_name)
            elif kind is AccountKind.REVIEWER:
                q = q.where(AccountRow.login_name == (login_name or "").lower())
            else:
                q = q.where(AccountRow.login_name == login_name)
            acc = s.execute(q).scalar()
        ok = identity.verify_password(
            self.config.passwords, acc.password_hash if acc else None, password or ""
        )
        if not ok or acc is None:
            raise E.AuthenticationFailed()
        token, th = identity.new_token()
        with self.store.tx() as s:
            now = self.clock.now()
            expires = now + dt.timedelta(hours=self.config.session_hours)
            s.add(SessionRow(token_hash=th, account_id=acc.id, created_at=now, expires_at=expires))
            audit.append(
                s, at=now, actor=self._actor(acc), action="account.login", obj=f"account:{acc.id}"
            )
        return Session(
            token=token,
            account_id=acc.id,
            kind=AccountKind(acc.kind),
            display_name=acc.display_name,
            expires_at=expires,
        )

    def logout(self, session: Session) -> None:
        with self.store.tx() as s:
            row = s.get(SessionRow, identity.token_hash(session.token))
            if row is not None:
                s.delete(row)

    def me(self, session: Session) -> Account:
        with self.store.read() as s:
            return self._account_info(self._account(s, session))

    @staticmethod
    def _account_info(acc: AccountRow) -> Account:
        return Account(
            id=acc.id,
            kind=AccountKind(acc.kind),
            login_name=(
                idcheck.mask_id_number(acc.login_name)
                if acc.kind == AccountKind.PERSONAL.value
                else acc.login_name
            ),
            display_name=acc.display_name,
            phone_masked=idcheck.mask_phone(acc.phone) if acc.phone else "",
            company_name=acc.company_name,
            uscc=acc.uscc,
            legal_person_name=acc.legal_person_name,
            institution_id=acc.institution_id,
        )

    def elicence_text(self, session: Session) -> str:
        """The logged-in company's e-licence QR text (what its 电子营业执照 shows)."""
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind != AccountKind.LEGAL.value:
                raise E.PermissionDenied(action="show an e-business licence without a legal login")
            return identity.make_elicence(
                self._identity_key(s),
                uscc=acc.uscc,
                company=acc.company_name,
                legal_person=acc.legal_person_name,
                issued=acc.created_at,
            )

    # --- applications (证书新办) ------------------------------------------------------------

    def _own_app(
        self, s: DB, acc: AccountRow, app_id: int, *, lock: bool = False
    ) -> ApplicationRow:
        app = s.get(ApplicationRow, app_id)
        if app is None or app.account_id != acc.id:
            # Another account's application is reported as absent: no existence oracle.
            raise E.NotFound(what="application", id=app_id)
        return app

    @staticmethod
    def _require_draft(app: ApplicationRow, action: str) -> None:
        if app.state != AppState.DRAFT.value:
            raise E.IllegalState(action=action, state=app.state)

    def _subject_for_account(self, acc: AccountRow, kind: CertKind) -> dict:
        if kind is CertKind.PERSONAL:
            return {
                "person_name": acc.display_name,
                "person_id_digest": idcheck.id_number_digest(acc.id_number, self.keys["id-digest"]),
            }
        return {
            "company_name": acc.company_name,
            "uscc": acc.uscc,
            "province": acc.province,
            "city": acc.city,
            "legal_person_name": acc.legal_person_name,
        }

    @staticmethod
    def _subject_name(kind: CertKind, subject: dict) -> str:
        if kind is CertKind.UNIT:
            return subject["company_name"]
        if kind is CertKind.LEGAL_REP:
            return subject["legal_person_name"]
        return subject["person_name"]

    def create_application(
        self,
        session: Session,
        kind: CertKind,
        institution_id: str,
        *,
        idempotency_key: str | None = None,
    ) -> ApplicationInfo:
        kind = CertKind(kind)
        with self.store.tx() as s:
            acc = self._account(s, session)
            if kind is CertKind.PERSONAL and acc.kind != AccountKind.PERSONAL.value:
                raise E.PermissionDenied(action="apply for a personal certificate without 个人登录")
            if kind is not CertKind.PERSONAL and acc.kind != AccountKind.LEGAL.value:
                raise E.PermissionDenied(
                    action="apply for a unit or legal-representative certificate without 法人登录"
                )
            if idempotency_key:
                prior = s.execute(
                    select(ApplicationRow).where(
                        ApplicationRow.account_id == acc.id,
                        ApplicationRow.idempotency_key == idempotency_key,
                    )
                ).scalar()
                if prior is not None:
                    return self._app_info(s, prior)
            self._ca(institution_id, s)
            now = self.clock.now()
            app = ApplicationRow(
                account_id=acc.id,
                kind=kind.value,
                purpose=Purpose.NEW.value,
                institution_id=institution_id,
                state=AppState.DRAFT.value,
                # 个人证书 are verified by face only, and the person applies for themself.
                method=Method.FACE.value if kind is CertKind.PERSONAL else None,
                handler=None,
                verification=VerificationState.NOT_STARTED.value,
                verification_data={},
                subject=self._subject_for_account(acc, kind),
                idempotency_key=idempotency_key,
                created_at=now,
            )
            s.add(app)
            s.flush()
            self._audit(
                s,
                acc,
                "application.create",
                app,
                {"kind": kind.value, "institution": institution_id},
            )
            return self._app_info(s, app)

    def _audit(
        self,
        s: DB,
        acc: AccountRow,
        action: str,
        app: ApplicationRow | None,
        details: dict | None = None,
        obj: str | None = None,
    ) -> None:
        audit.append(
            s,
            at=self.clock.now(),
            actor=self._actor(acc),
            action=action,
            obj=obj or f"application:{app.id}",
            details=details or {},
        )

    def get_application(self, session: Session, app_id: int) -> ApplicationInfo:
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind == AccountKind.REVIEWER.value:
                app = self._review_app(s, acc, app_id)
            else:
                app = self._own_app(s, acc, app_id)
            return self._app_info(s, app)

    def list_applications(self, session: Session) -> list[ApplicationInfo]:
        with self.store.read() as s:
            acc = self._account(s, session)
            rows = s.execute(
                select(ApplicationRow)
                .where(ApplicationRow.account_id == acc.id)
                .order_by(ApplicationRow.id)
            ).scalars()
            return [self._app_info(s, r) for r in rows]

    def application_agents(self, session: Session) -> list[AgentDetails]:
        """The agents (经办人) named in this account's applications, newest first, once per
        ID number, unmasked: the account entered them itself, and 新增授权 offers them so
        the legal person need not type them again. Discarded drafts are left out."""
        with self.store.read() as s:
            acc = self._account(s, session)
            rows = s.execute(
                select(ApplicationRow)
                .where(
                    ApplicationRow.account_id == acc.id,
                    ApplicationRow.handler == Handler.AGENT.value,
                )
                .order_by(ApplicationRow.id.desc())
            ).scalars()
            out: list[AgentDetails] = []
            seen: set[str] = set()
            for app in rows:
                if not app.agent_name or app.reject_reason == "申请人已撤销":
                    continue
                key = (app.agent_id_number or "").upper()
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    AgentDetails(
                        name=app.agent_name, id_number=app.agent_id_number, phone=app.agent_phone
                    )
                )
            return out

    def set_method(self, session: Session, app_id: int, method: Method) -> ApplicationInfo:
        method = Method(method)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "choose the verification method")
            if app.kind == CertKind.PERSONAL.value and method is not Method.FACE:
                raise E.InvalidInput(field="method", reason="个人证书 are verified by face only")
            if app.method != method.value:
                app.method = method.value
                app.verification = VerificationState.NOT_STARTED.value
                app.verification_data = {}
                app.auth_code_hmac = None
                app.auth_code_confirmed = False
            self._audit(s, acc, "application.method", app, {"method": method.value})
            return self._app_info(s, app)

    def set_handler(
        self, session: Session, app_id: int, handler: Handler, agent: AgentDetails | None = None
    ) -> ApplicationInfo:
        handler = Handler(handler)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "choose the handler")
            if app.kind == CertKind.PERSONAL.value:
                raise E.InvalidInput(field="handler", reason="个人证书 have no handler role")
            if handler is Handler.AGENT:
                if agent is None:
                    raise E.InvalidInput(field="agent", reason="经办人信息 required")
                name = identity.require_name("agent_name", agent.name)
                idn = idcheck.validate_id_number(agent.id_number)
                phone = idcheck.validate_phone(agent.phone)
                if idn == acc.id_number:
                    raise E.InvalidInput(
                        field="agent_id_number",
                        reason="the legal person is not an agent: choose 法人本人",
                    )
                changed = app.handler != handler.value or app.agent_id_number != idn
                app.agent_name, app.agent_id_number, app.agent_phone = name, idn, phone
            else:
                changed = app.handler != handler.value
                app.agent_name = app.agent_id_number = app.agent_phone = None
            app.handler = handler.value
            if changed:
                # A 授权码 belongs to one agent: a new handler needs a new one.
                app.auth_code_hmac = None
                app.auth_code_confirmed = False
                if app.verification == VerificationState.PASSED.value:
                    self._issue_auth_code(s, app, acc)
            self._audit(s, acc, "application.handler", app, {"handler": handler.value})
            return self._app_info(s, app)

    def _legal_phone(self, s: DB, app: ApplicationRow) -> str:
        return s.get(AccountRow, app.account_id).phone

    def _issue_auth_code(self, s: DB, app: ApplicationRow, acc: AccountRow) -> None:
        """Sends the 授权码 through the chosen verification method's channel (agents only)."""
        if app.handler != Handler.AGENT.value:
            return
        code = smsmod.new_code()
        app.auth_code_hmac = self.keys.hmac_hex("sms-hmac", "authcode", str(app.id), code)
        app.auth_code_tries = 0
        app.auth_code_confirmed = False
        now = self.clock.now()
        phone = self._legal_phone(s, app)
        text = (
            f"【移动CA】{app.agent_name} 正在以经办人身份为贵单位办理数字证书，"
            f"授权码 {code}。如非本人授权，请勿告知他人。"
        )
        method = Method(app.method)
        if method is Method.ELICENCE:
            smsmod.post(
                s,
                phone=phone,
                kind=MessageKind.ELICENCE,
                title="电子营业执照 · 授权码",
                body=text,
                code=code,
                now=now,
            )
        elif method is Method.DEPOSIT:
            # The deposit notice itself carries the code in its memo line (see start_deposit).
            app.verification_data = {**app.verification_data, "memo_code": code}
        else:
            smsmod.post(
                s, phone=phone, kind=MessageKind.SMS, title="授权码", body=text, code=code, now=now
            )

    def _passed(self, s: DB, app: ApplicationRow, acc: AccountRow, detail: dict) -> None:
        app.verification = VerificationState.PASSED.value
        app.verification_data = {**(app.verification_data or {}), **detail}
        if app.handler == Handler.AGENT.value and app.method != Method.DEPOSIT.value:
            self._issue_auth_code(s, app, acc)
        self._audit(s, acc, "application.verified", app, {"method": app.method})

    def _verifiable(self, s: DB, session: Session, app_id: int, method: Method):
        acc = self._account(s, session)
        app = self._own_app(s, acc, app_id)
        self._require_draft(app, "verify")
        if app.method != method.value:
            raise E.PreconditionFailed(action="verify", missing=f"choose {method.value} first")
        if app.kind != CertKind.PERSONAL.value and app.handler is None:
            raise E.PreconditionFailed(action="verify", missing="choose the handler role first")
        return acc, app

    def verify_face(
        self, session: Session, app_id: int, photo: bytes, filename: str = "face.jpg"
    ) -> ApplicationInfo:
        """法人刷脸 (or the person's own face for 个人证书)."""
        filename = clean_filename(filename, "face.jpg")
        # The caller's own draft first: nothing is decoded for someone else's application.
        with self.store.read() as s:
            self._verifiable(s, session, app_id, Method.FACE)
        limits = {"allow_pdf": False, "max_bytes": self.config.max_document_bytes}
        documents.check_header(photo, filename, **limits)  # pixel count from the header
        with self._decode_slots:
            info = documents.validate_document(photo, filename, **limits)
            face.check_face(photo, filename, validated=True)
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.FACE)
            self._put_document(s, app, DocKind.FACE, filename, photo, info)
            self._passed(s, app, acc, {"face": info.sha256})
            return self._app_info(s, app)

    def verify_elicence(self, session: Session, app_id: int, qr_text: str) -> ApplicationInfo:
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.ELICENCE)
            data = identity.read_elicence(self._identity_key(s).public_key(), qr_text)
            if data.get("uscc") != acc.uscc:
                raise E.VerificationFailed(
                    method="elicence", reason="the licence belongs to another company"
                )
            self._passed(s, app, acc, {"elicence_iat": data.get("iat")})
            return self._app_info(s, app)

    def start_deposit(self, session: Session, app_id: int) -> DepositNotice:
        """对公打款: deposits a random 0.01–0.99 yuan to the company account."""
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.DEPOSIT)
            if app.verification == VerificationState.PASSED.value:
                raise E.IllegalState(action="start another deposit", state="verified")
            cents = 1 + pysecrets.randbelow(99)
            now = self.clock.now()
            data = {
                "amount_hmac": self.keys.hmac_hex("sms-hmac", "deposit", str(app.id), str(cents)),
                "tries": 0,
            }
            memo = "移动CA核验"
            if app.handler == Handler.AGENT.value:
                self._issue_auth_code(s, app, acc)
                data["memo_code"] = app.verification_data.get("memo_code")
                memo = f"移动CA核验 授权码{data['memo_code']}"
            app.verification_data = {k: v for k, v in data.items() if k != "memo_code"}
            app.verification = VerificationState.PENDING.value
            smsmod.post(
                s,
                phone=acc.phone,
                kind=MessageKind.DEPOSIT,
                title="对公账户入账通知",
                body=(
                    f"您尾号{acc.bank_account[-4:]}的对公账户（{acc.bank_name}）"
                    f"{to_shanghai(now).strftime('%m月%d日')}收到转账 "
                    f"{cents // 100}.{cents % 100:02d} 元，"
                    f"附言：{memo}。"
                ),
                code=data.get("memo_code"),
                now=now,
            )
            self._audit(s, acc, "application.deposit", app)
            return DepositNotice(
                bank_name=acc.bank_name,
                account_masked=idcheck.mask_bank_account(acc.bank_account),
                tries_left=DEPOSIT_TRIES,
            )

    def confirm_deposit(self, session: Session, app_id: int, amount: str) -> ApplicationInfo:
        cents = _parse_amount(amount)
        failure: E.MobileCAError | None = None
        with self.store.tx() as s:
            acc, app = self._verifiable(s, session, app_id, Method.DEPOSIT)
            data = dict(app.verification_data or {})
            if app.verification != VerificationState.PENDING.value or "amount_hmac" not in data:
                raise E.PreconditionFailed(action="confirm the amount", missing="start a deposit")
            expected = data["amount_hmac"]
            if pysecrets.compare_digest(
                expected, self.keys.hmac_hex("sms-hmac", "deposit", str(app.id), str(cents))
            ):
                data.pop("amount_hmac")
                app.verification_data = data
                self._passed(s, app, acc, {"deposit": "confirmed"})
                return self._app_info(s, app)
            data["tries"] = data.get("tries", 0) + 1
            left = DEPOSIT_TRIES - data["tries"]
            if left <= 0:
                data.pop("amount_hmac")
                app.verification = VerificationState.FAILED.value
                failure = E.DepositTriesExhausted(method="deposit")
            else:
                failure = E.VerificationFailed(
                    method="deposit",
                    reason=f"the amount is wrong ({left} tries left)",
                    tries_left=left,
                )
            app.verification_data = data
            self._audit(s, acc, "application.deposit_wrong", app, {"tries": data["tries"]})
        raise failure  # after the commit: the try is counted

    def confirm_auth_code(self, session: Session, app_id: int, code: str) -> ApplicationInfo:
        failure: E.MobileCAError | None = None
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "enter the 授权码")
            if app.handler != Handler.AGENT.value:
                raise E.PreconditionFailed(action="enter a 授权码", missing="an agent handler")
            if app.auth_code_hmac is None:
                raise E.PreconditionFailed(action="enter the 授权码", missing="verification")
            if app.auth_code_tries >= AUTH_CODE_TRIES:
                raise E.SmsTooManyTries()
            got = self.keys.hmac_hex("sms-hmac", "authcode", str(app.id), (code or "").strip())
            if pysecrets.compare_digest(got, app.auth_code_hmac):
                app.auth_code_confirmed = True
                self._audit(s, acc, "application.auth_code", app)
                return self._app_info(s, app)
            app.auth_code_tries += 1
            failure = E.SmsCodeWrong(tries_left=AUTH_CODE_TRIES - app.auth_code_tries)
        raise failure

    def upload_document(
        self, session: Session, app_id: int, kind: DocKind, data: bytes, filename: str
    ) -> DocumentInfo:
        kind = DocKind(kind)
        filename = clean_filename(filename, kind.value)
        # The caller's own draft first: nothing is decoded for someone else's application.
        with self.store.read() as s:
            self._require_draft(
                self._own_app(s, self._account(s, session), app_id), "upload documents"
            )
        limits = {
            "max_bytes": self.config.max_document_bytes,
            "allow_pdf": kind in (DocKind.LETTER, DocKind.LICENCE),
        }
        documents.check_header(data, filename, **limits)  # pixel count from the header
        with self._decode_slots:
            info = documents.validate_document(data, filename, **limits)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "upload documents")
            doc = self._put_document(s, app, kind, filename, data, info)
            if kind is DocKind.LETTER and app.method == Method.LETTER.value:
                # 上传授权书: the letter waits for the reviewer's acceptance.
                app.verification = VerificationState.PENDING.value
                app.auth_code_hmac = None
                app.auth_code_confirmed = False
            self._audit(
                s, acc, "application.upload", app, {"kind": kind.value, "sha256": info.sha256}
            )
            return doc

    def _put_document(
        self, s: DB, app: ApplicationRow, kind: DocKind, filename: str, data: bytes, info
    ) -> DocumentInfo:
        for old in s.execute(
            select(DocumentRow).where(
                DocumentRow.application_id == app.id, DocumentRow.kind == kind.value
            )
        ).scalars():
            s.delete(old)
        name = clean_filename(filename, kind.value)
        row = DocumentRow(
            application_id=app.id,
            kind=kind.value,
            filename=name,
            mime=info.mime,
            size=len(data),
            sha256=info.sha256,
            data=data,
            created_at=self.clock.now(),
        )
        s.add(row)
        s.flush()
        return _doc_info(row)

    def remove_document(self, session: Session, app_id: int, document_id: int) -> None:
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "remove documents")
            doc = s.get(DocumentRow, document_id)
            if doc is None or doc.application_id != app.id:
                raise E.NotFound(what="document", id=document_id)
            s.delete(doc)
            self._audit(s, acc, "application.remove_document", app, {"kind": doc.kind})

    def get_document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]:
        with self.store.read() as s:
            acc = self._account(s, session)
            doc = s.get(DocumentRow, document_id)
            if doc is None:
                raise E.NotFound(what="document", id=document_id)
            app = s.get(ApplicationRow, doc.application_id)
            if acc.kind == AccountKind.REVIEWER.value:
                self._review_app(s, acc, app.id)
            elif app.account_id != acc.id:
                raise E.NotFound(what="document", id=document_id)
            return _doc_info(doc), doc.data

    def _missing(self, s: DB, app: ApplicationRow) -> list[str]:
        missing = []
        if app.method is None:
            missing.append("method")
        if app.kind != CertKind.PERSONAL.value and app.handler is None:
            missing.append("handler")
        if app.verification != VerificationState.PASSED.value:
            missing.append("verification")
        if app.handler == Handler.AGENT.value and not app.auth_code_confirmed:
            missing.append("auth_code")
        kinds = {
            d
            for d in s.execute(
                select(DocumentRow.kind).where(DocumentRow.application_id == app.id)
            ).scalars()
        }
        for k in REQUIRED_DOCS[CertKind(app.kind)]:
            if k.value not in kinds:
                missing.append(f"doc:{k.value}")
        if app.method == Method.LETTER.value and DocKind.LETTER.value not in kinds:
            missing.append("doc:letter")
        return missing

    def _signer_phone(self, s: DB, app: ApplicationRow) -> str:
        if app.handler == Handler.AGENT.value:
            return app.agent_phone
        return self._legal_phone(s, app)

    def request_signing_code(self, session: Session, app_id: int) -> None:
        """The SMS code with which the handler signs the application (电子签名)."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "sign")
            missing = self._missing(s, app)
            if missing:
                raise E.PreconditionFailed(
                    action="sign the application", missing=", ".join(missing)
                )
            self.sms.send_code(
                s,
                phone=self._signer_phone(s, app),
                purpose="sign",
                ref=str(app.id),
                now=self.clock.now(),
                text="【移动CA】您正在对证书申请材料进行电子签名，验证码 {code}，5分钟内有效。",
            )
            self._audit(s, acc, "application.sign_code", app)

    def _check_sms_counted(self, *, phone: str, purpose: str, ref: str, code: str) -> None:
        """Checks a code in its own transaction so that a wrong try is counted even though
        the caller's operation then fails."""
        failure = None
        with self.store.tx() as s:
            try:
                self.sms.check(
                    s,
                    phone=phone,
                    purpose=purpose,
                    ref=ref,
                    code=code,
                    now=self.clock.now(),
                    consume=False,
                )
            except (E.SmsCodeWrong, E.SmsCodeExpired, E.SmsTooManyTries) as exc:
                failure = exc
        if failure is not None:
            raise failure

    def submit(
        self, session: Session, app_id: int, sms_code: str, idempotency_key: str | None = None
    ) -> ApplicationInfo:
        """Signs the application with the handler's SMS code and submits it (审核中)."""
        with self.store.read() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            if (
                app.state == AppState.SUBMITTED.value
                and idempotency_key
                and (app.signature or {}).get("idempotency_key") == idempotency_key
            ):
                return self._app_info(s, app)
            self._require_draft(app, "submit")
            phone = self._signer_phone(s, app)
        self._check_sms_counted(phone=phone, purpose="sign", ref=str(app_id), code=sms_code)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "submit")
            missing = self._missing(s, app)
            if missing:
                raise E.PreconditionFailed(action="submit", missing=", ".join(missing))
            now = self.clock.now()
            self.sms.check(
                s,
                phone=phone,
                purpose="sign",
                ref=str(app.id),
                code=sms_code,
                now=now,
                consume=True,
            )
            app.signature = self._event_sign(s, app, now)
            app.signature["idempotency_key"] = idempotency_key
            app.state = AppState.SUBMITTED.value
            app.submitted_at = now
            app.reject_reason = None
            self._audit(s, acc, "application.submit", app, {"digest": app.signature["digest"]})
            return self._app_info(s, app)

    def _canonical_digest(self, s: DB, app: ApplicationRow) -> str:
        docs = s.execute(
            select(DocumentRow.kind, DocumentRow.sha256)
            .where(DocumentRow.application_id == app.id)
            .order_by(DocumentRow.kind)
        ).all()
        body = {
            "id": app.id,
            "kind": app.kind,
            "purpose": app.purpose,
            "institution": app.institution_id,
            "method": app.method,
            "handler": app.handler,
            "agent": [app.agent_name, app.agent_id_number, app.agent_phone],
            "subject": app.subject,
            "documents": [[k, h] for k, h in docs],
        }
        data = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()

    def _event_sign(self, s: DB, app: ApplicationRow, now: dt.datetime) -> dict:
        """The 电子签名: a one-time event key and 事件型证书 sign the canonical digest."""
        ca = self._ca(app.institution_id, s)
        digest = self._canonical_digest(s, app)
        key = pki.new_ec_key()
        signer = (
            app.agent_name
            if app.handler == Handler.AGENT.value
            else (app.subject.get("legal_person_name") or app.subject.get("person_name"))
        )
        cert = pki.make_event_cert(
            signer_name=signer,
            public_key=key.public_key(),
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            now=now,
            urls=self.urls,
            institution_id=app.institution_id,
        )
        sig = key.sign(bytes.fromhex(digest), ec.ECDSA(hashes.SHA256()))
        self._record_cert(s, cert, role="event", institution_id=app.institution_id)
        return {
            "digest": digest,
            "signature": sig.hex(),
            "cert": pki.to_pem(cert),
            "signer": signer,
            "signed_at": now.isoformat(),
        }

    def _signature_check(self, s: DB, app: ApplicationRow) -> SignatureCheck:
        sig = app.signature
        if not sig:
            return SignatureCheck(
                signed=False, valid=False, signer=None, signed_at=None, detail="not signed"
            )
        signed_at = dt.datetime.fromisoformat(sig["signed_at"])
        try:
            cert = x509.load_pem_x509_certificate(sig["cert"].encode())
            ca = self._ca(app.institution_id, s)
            cert.verify_directly_issued_by(ca.issuing)
            if not (cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc):
                return SignatureCheck(
                    True,
                    False,
                    sig.get("signer"),
                    signed_at,
                    "signed outside the event certificate's validity",
                )
            cert.public_key().verify(
                bytes.fromhex(sig["signature"]),
                bytes.fromhex(sig["digest"]),
                ec.ECDSA(hashes.SHA256()),
            )
        except Exception:  # any failure means "does not verify"; the reviewer sees why
            return SignatureCheck(
                True, False, sig.get("signer"), signed_at, "the signature does not verify"
            )
        if self._canonical_digest(s, app) != sig["digest"]:
            return SignatureCheck(
                True,
                False,
                sig.get("signer"),
                signed_at,
                "tampered: the application or a document changed after signing",
            )
        return SignatureCheck(True, True, sig.get("signer"), signed_at, "valid")

    def continue_application(self, session: Session, app_id: int) -> ApplicationInfo:
        """继续 on a rejected application: back to draft, everything entered kept."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            if app.state != AppState.REJECTED.value:
                raise E.IllegalState(action="continue", state=app.state)
            app.state = AppState.DRAFT.value
            app.signature = None
            if app.method == Method.LETTER.value and app.verification == "failed":
                app.verification = VerificationState.NOT_STARTED.value
            self._audit(s, acc, "application.continue", app)
            return self._app_info(s, app)

    def discard_draft(self, session: Session, app_id: int) -> None:
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self._own_app(s, acc, app_id)
            self._require_draft(app, "discard")
            app.state = AppState.CANCELLED.value
            app.reject_reason = "申请人已撤销"
            self._audit(s, acc, "application.discard", app)

    def _app_info(self, s: DB, app: ApplicationRow) -> ApplicationInfo:
        docs = s.execute(
            select(DocumentRow).where(DocumentRow.application_id == app.id).order_by(DocumentRow.id)
        ).scalars()
        agent = None
        if app.handler == Handler.AGENT.value and app.agent_name:
            agent = AgentDetails(
                name=app.agent_name,
                id_number=idcheck.mask_id_number(app.agent_id_number),
                phone=idcheck.mask_phone(app.agent_phone),
            )
        kind = CertKind(app.kind)
        return ApplicationInfo(
            id=app.id,
            account_id=app.account_id,
            kind=kind,
            purpose=Purpose(app.purpose),
            institution_id=app.institution_id,
            state=AppState(app.state),
            method=Method(app.method) if app.method else None,
            handler=Handler(app.handler) if app.handler else None,
            agent=agent,
            verification=VerificationState(app.verification),
            auth_code_confirmed=app.auth_code_confirmed,
            documents=tuple(_doc_info(d) for d in docs),
            signed=bool(app.signature),
            reject_reason=app.reject_reason,
            created_at=app.created_at,
            submitted_at=app.submitted_at,
            subject_name=self._subject_name(kind, app.subject),
            certificate_id=app.certificate_id,
            previous_certificate_id=app.previous_certificate_id,
            missing=tuple(self._missing(s, app)) if app.state == AppState.DRAFT.value else (),
        )

    # --- review (CA 审核台) -----------------------------------------------------------------

    def _reviewer(self, s: DB, session: Session) -> AccountRow:
        acc = self._account(s, session)
        if acc.kind != AccountKind.REVIEWER.value:
            raise E.PermissionDenied(action="review applications")
        return acc

    def _review_app(self, s: DB, acc: AccountRow, app_id: int) -> ApplicationRow:
        app = s.get(ApplicationRow, app_id)
        if app is None or (acc.institution_id and app.institution_id != acc.institution_id):
            raise E.NotFound(what="application", id=app_id)
        return app

    def review_queue(self, session: Session) -> list[ReviewItem]:
        """Submitted applications and letters of authorisation waiting for acceptance."""
        with self.store.read() as s:
            acc = self._reviewer(s, session)
            q = select(ApplicationRow).where(
                (ApplicationRow.state == AppState.SUBMITTED.value)
                | (
                    (ApplicationRow.state == AppState.DRAFT.value)
                    & (ApplicationRow.method == Method.LETTER.value)
                    & (ApplicationRow.verification == VerificationState.PENDING.value)
                )
            )
            if acc.institution_id:
                q = q.where(ApplicationRow.institution_id == acc.institution_id)
            return [
                self._review_item(s, a) for a in s.execute(q.order_by(ApplicationRow.id)).scalars()
            ]

    def review_item(self, session: Session, app_id: int) -> ReviewItem:
        with self.store.read() as s:
            acc = self._reviewer(s, session)
            return self._review_item(s, self._review_app(s, acc, app_id))

    def _review_item(self, s: DB, app: ApplicationRow) -> ReviewItem:
        owner = s.get(AccountRow, app.account_id)
        return ReviewItem(
            application=self._app_info(s, app),
            applicant=owner.display_name,
            signature=self._signature_check(s, app),
            letter_pending=(
                app.state == AppState.DRAFT.value
                and app.verification == VerificationState.PENDING.value
            ),
        )

    def accept_letter(self, session: Session, app_id: int) -> ApplicationInfo:
        with self.store.tx() as s:
            rev = self._reviewer(s, session)
            app = self._review_app(s, rev, app_id)
            if (
                app.method != Method.LETTER.value
                or app.verification != VerificationState.PENDING.value
            ):
                raise E.IllegalState(action="accept a letter", state=app.verification)
            owner = s.get(AccountRow, app.account_id)
            self._passed(s, app, owner, {"letter": "accepted"})
            self._audit(s, rev, "review.letter_accept", app)
            return self._app_info(s, app)

    def reject_letter(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev = self._reviewer(s, session)
            app = self._review_app(s, rev, app_id)
            if (
                app.method != Method.LETTER.value
                or app.verification != VerificationState.PENDING.value
            ):
                raise E.IllegalState(action="reject a letter", state=app.verification)
            app.verification = VerificationState.FAILED.value
            app.verification_data = {"letter": "rejected", "reason": reason}
            self._audit(s, rev, "review.letter_reject", app, {"reason": reason})
            return self._app_info(s, app)

    def _submitted(self, s: DB, session: Session, app_id: int, action: str):
        rev = self._reviewer(s, session)
        app = self._review_app(s, rev, app_id)
        if app.state != AppState.SUBMITTED.value:
            raise E.IllegalState(action=action, state=app.state)
        return rev, app

    def reject(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev, app = self._submitted(s, session, app_id, "reject")
            app.state = AppState.REJECTED.value
            app.reject_reason = reason
            app.reviewed_at = self.clock.now()
            self._audit(s, rev, "review.reject", app, {"reason": reason})
            return self._app_info(s, app)

    def cancel(
        self, session: Session, app_id: int, reason: str = "被永久取消审核"
    ) -> ApplicationInfo:
        """被永久取消审核: 已失效 for good."""
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev = self._reviewer(s, session)
            app = self._review_app(s, rev, app_id)
            if app.state not in (AppState.SUBMITTED.value, AppState.REJECTED.value):
                raise E.IllegalState(action="cancel", state=app.state)
            app.state = AppState.CANCELLED.value
            app.reject_reason = reason
            app.reviewed_at = self.clock.now()
            self._audit(s, rev, "review.cancel", app, {"reason": reason})
            return self._app_info(s, app)

    def approve(self, session: Session, app_id: int) -> ApplicationInfo:
        """Approves and issues: the logical certificate, its encryption certificate (KMC key
        escrowed) and its seal images, all in one transaction."""
        with self.store.tx() as s:
            rev, app = self._submitted(s, session, app_id, "approve")
            check = self._signature_check(s, app)
            if not check.valid:
                raise E.PreconditionFailed(
                    action="approve", missing=f"a valid 电子签名 ({check.detail})"
                )
            predecessor = (
                s.get(CertificateRow, app.previous_certificate_id)
                if app.previous_certificate_id
                else None
            )
            cert = self._issue(s, app, predecessor)
            app.reviewed_at = self.clock.now()
            self._audit(
                s,
                rev,
                "review.approve",
                app,
                {"certificate": cert.id, "encryption_serial": cert.encryption_serial},
            )
            return self._app_info(s, app)

    # --- issuance --------------------------------------------------------------------------

    def _validity(self, now: dt.datetime) -> dt.datetime:
        if self.config.validity_minutes:
            return now + dt.timedelta(minutes=self.config.validity_minutes)
        return end_of_day_shanghai(now + dt.timedelta(days=self.config.validity_days))

    def _x509_subject(self, kind: CertKind, subject: dict) -> x509.Name:
        return pki.subject_for(
            kind,
            company_name=subject.get("company_name"),
            uscc=subject.get("uscc"),
            province=subject.get("province"),
            city=subject.get("city"),
            legal_person_name=subject.get("legal_person_name"),
            person_name=subject.get("person_name"),
            person_id_digest=subject.get("person_id_digest"),
        )

    def _record_cert(
        self,
        s: DB,
        cert: x509.Certificate,
        *,
        role: str,
        institution_id: str,
        certificate_id: int | None = None,
        device_name: str | None = None,
        holder: int | None = None,
        grant_id: int | None = None,
        activation_key: str | None = None,
    ) -> IssuedCertRow:
        row = IssuedCertRow(
            serial=pki.serial_hex(cert.serial_number),
            institution_id=institution_id,
            role=role,
            certificate_id=certificate_id,
            device_name=device_name,
            holder_account_id=holder,
            grant_id=grant_id,
            der=cert.public_bytes(serialization.Encoding.DER),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            activation_key=activation_key,
        )
        s.add(row)
        return row

    def _issue(
        self, s: DB, app: ApplicationRow, predecessor: CertificateRow | None
    ) -> CertificateRow:
        now = self.clock.now()
        kind = CertKind(app.kind)
        ca = self._ca(app.institution_id, s)
        not_after = self._validity(now)
        subject = self._x509_subject(kind, app.subject)
        key = self.pool.take(s)
        serial = pki.random_serial()
        enc = pki.make_encryption_cert(
            subject=subject,
            public_key=key.public_key(),
            serial=serial,
            not_before=now,
            not_after=not_after,
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            urls=self.urls,
            institution_id=app.institution_id,
        )
        cert = CertificateRow(
            account_id=app.account_id,
            application_id=app.id,
            kind=kind.value,
            institution_id=app.institution_id,
            subject=dict(app.subject),
            subject_name=self._subject_name(kind, app.subject),
            not_before=now,
            not_after=not_after,
            applied_at=app.submitted_at or now,
            encryption_serial=pki.serial_hex(serial),
            predecessor_id=predecessor.id if predecessor else None,
        )
        s.add(cert)
        s.flush()
        self._record_cert(
            s, enc, role="encryption", institution_id=app.institution_id, certificate_id=cert.id
        )
        generation = 1
        if predecessor is not None:
            generation = 1 + max(
                s.execute(
                    select(EscrowKeyRow.generation).where(
                        EscrowKeyRow.certificate_id == predecessor.id
                    )
                ).scalars(),
                default=0,
            )
        s.add(
            EscrowKeyRow(
                serial=pki.serial_hex(serial),
                certificate_id=cert.id,
                generation=generation,
                wrapped_key=self._wrap_kmc(key, f"kmc/{pki.serial_hex(serial)}"),
            )
        )
        for seal_kind, png in self._render_seals(s, app, kind):
            s.add(SealRow(certificate_id=cert.id, kind=seal_kind.value, png=png))
        app.state = AppState.ISSUED.value
        app.certificate_id = cert.id
        if predecessor is not None:
            predecessor.successor_id = cert.id
            self._revoke_certificate(s, predecessor, RevocationReason.SUPERSEDED, now)
            for grant in s.execute(
                select(GrantRow).where(
                    GrantRow.certificate_id == predecessor.id,
                    GrantRow.status == GrantStatus.ACTIVE.value,
                )
            ).scalars():
                grant.certificate_id = cert.id
            if app.purpose == Purpose.CHANGE.value and kind is CertKind.UNIT:
                owner = s.get(AccountRow, app.account_id)
                owner.company_name = owner.display_name = app.subject["company_name"]
        audit.append(
            s,
            at=now,
            actor="system",
            action="certificate.issue",
            obj=f"certificate:{cert.id}",
            details={
                "application": app.id,
                "encryption_serial": cert.encryption_serial,
                "predecessor": predecessor.id if predecessor else None,
            },
        )
        return cert

    def _render_seals(self, s: DB, app: ApplicationRow, kind: CertKind):
        if kind is CertKind.UNIT:
            return [(SealKind.OFFICIAL, seals.render_official_seal(app.subject["company_name"]))]
        if kind is CertKind.LEGAL_REP:
            return [
                (SealKind.LEGAL_REP, seals.render_legal_rep_seal(app.subject["legal_person_name"]))
            ]
        supplied = s.execute(
            select(DocumentRow).where(
                DocumentRow.application_id == app.id, DocumentRow.kind == DocKind.SIGNATURE.value
            )
        ).scalar()
        if supplied is not None and supplied.mime == "image/png":
            return [(SealKind.SIGNATURE, supplied.data)]
        return [(SealKind.SIGNATURE, seals.render_signature(app.subject["person_name"]))]

    # --- certificates (证书管理) -------------------------------------------------------------

    @staticmethod
    def _renewed_after_expiry(cert: CertificateRow) -> bool:
        """An 已过期 certificate renewed by 继续: superseded only after it had expired. It stays
        in 证书管理 as 已过期 beside its successor (its superseded revocation is bookkeeping)."""
        return (
            cert.successor_id is not None
            and cert.revoked_at is not None
            and cert.revocation_reason == RevocationReason.SUPERSEDED.value
            and cert.revoked_at > cert.not_after
        )

    def _cert_status(self, cert: CertificateRow, now: dt.datetime) -> CertStatus:
        if self._renewed_after_expiry(cert):
            return CertStatus.EXPIRED
        if cert.revoked_at is not None:
            return CertStatus.REVOKED
        if now > cert.not_after:
            return CertStatus.EXPIRED
        return CertStatus.NORMAL

    def _grants_received(self, s: DB, acc: AccountRow) -> list[GrantRow]:
        if acc.kind != AccountKind.PERSONAL.value:
            return []
        return list(
            s.execute(
                select(GrantRow).where(
                    GrantRow.agent_id_number == acc.id_number,
                    GrantRow.status == GrantStatus.ACTIVE.value,
                )
            ).scalars()
        )

    def _cert_access(
        self, s: DB, acc: AccountRow, certificate_id: int, *, owner_only: bool = False
    ) -> tuple[CertificateRow, GrantRow | None]:
        cert = s.get(CertificateRow, certificate_id) if isinstance(certificate_id, int) else None
        if cert is None:
            raise E.NotFound(what="certificate", id=certificate_id)
        if cert.account_id == acc.id:
            return cert, None
        if not owner_only:
            now = self.clock.now()
            for g in self._grants_received(s, acc):
                if g.certificate_id == cert.id and g.valid_from <= now <= g.valid_until:
                    return cert, g
        raise E.NotFound(what="certificate", id=certificate_id)

    def list_certificates(self, session: Session) -> list[CertRowInfo]:
        """证书管理: the account's applications and certificates, plus certificates granted
        to a personal account."""
        self.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            now = self.clock.now()
            out: list[CertRowInfo] = []
            names = {r.id: r.name for r in s.execute(select(InstitutionRow)).scalars()}
            apps = s.execute(
                select(ApplicationRow)
                .where(
                    ApplicationRow.account_id == acc.id,
                    ApplicationRow.state != AppState.ISSUED.value,
                )
                .order_by(ApplicationRow.id)
            ).scalars()
            for app in apps:
                if app.reject_reason == "申请人已撤销":
                    continue
                kind = CertKind(app.kind)
                status = {
                    AppState.DRAFT.value: CertStatus.DRAFT,
                    AppState.SUBMITTED.value: CertStatus.REVIEWING,
                }.get(app.state, CertStatus.INVALID)
                out.append(
                    CertRowInfo(
                        status=status,
                        kind=kind,
                        institution_id=app.institution_id,
                        institution_name=names[app.institution_id],
                        subject_name=self._subject_name(kind, app.subject),
                        application_id=app.id,
                        certificate_id=app.previous_certificate_id,
                        serial_hex=None,
                        applied_at=app.submitted_at or app.created_at,
                        not_after=None,
                        can_continue=app.state in (AppState.REJECTED.value, AppState.DRAFT.value),
                        reason=app.reject_reason,
                    )
                )
            # Superseded certificates are left out (the successor is the row), except an
            # expired one renewed by 继续: it stays visible as 已过期 beside its renewal.
            certs = [
                c
                for c in s.execute(
                    select(CertificateRow)
                    .where(CertificateRow.account_id == acc.id)
                    .order_by(CertificateRow.id)
                ).scalars()
                if c.successor_id is None or self._renewed_after_expiry(c)
            ]
            grants = {g.certificate_id: g for g in self._grants_received(s, acc)}
            for cid in grants:
                c = s.get(CertificateRow, cid)
                if c is not None:
                    certs.append(c)
            for c in certs:
                status = self._cert_status(c, now)
                g = grants.get(c.id) if c.account_id != acc.id else None
                out.append(
                    CertRowInfo(
                        status=status,
                        kind=CertKind(c.kind),
                        institution_id=c.institution_id,
                        institution_name=names[c.institution_id],
                        subject_name=c.subject_name,
                        application_id=c.application_id,
                        certificate_id=c.id,
                        serial_hex=self._display_serial(s, c, acc)[0],
                        applied_at=c.applied_at,
                        not_after=c.not_after,
                        can_continue=status is CertStatus.EXPIRED
                        and g is None
                        and c.successor_id is None,
                        reason=None if c.successor_id else c.revocation_reason,
                        granted_by=s.get(AccountRow, g.grantor_account_id).display_name
                        if g
                        else None,
                        grant_id=g.id if g else None,
                        successor_id=c.successor_id,
                    )
                )
            return out

    def _display_serial(
        self, s: DB, cert: CertificateRow, acc: AccountRow, device_name: str | None = None
    ) -> tuple[str, bool]:
        q = select(IssuedCertRow).where(
            IssuedCertRow.certificate_id == cert.id,
            IssuedCertRow.role == "device",
            IssuedCertRow.holder_account_id == acc.id,
            IssuedCertRow.revoked_at.is_(None),
        )
        if device_name:
            q = q.where(IssuedCertRow.device_name == device_name)
        dev = s.execute(q.order_by(IssuedCertRow.not_before.desc()).limit(1)).scalar()
        if dev is not None:
            return dev.serial, True
        return cert.encryption_serial, False

    def certificate_detail(
        self, session: Session, certificate_id: int, device_name: str | None = None
    ) -> CertificateDetail:
        """证书详情. The serial is this device's signing certificate's once activated here,
        the encryption certificate's before (``serial_is_device`` says which)."""
        with self.store.read() as s:
            acc = self._account(s, session)
            cert, _grant = self._cert_access(s, acc, certificate_id)
            serial, is_device = self._display_serial(s, cert, acc, device_name)
            enc = s.get(IssuedCertRow, cert.encryption_serial)
            seal_rows = s.execute(
                select(SealRow).where(SealRow.certificate_id == cert.id).order_by(SealRow.id)
            ).scalars()
            devq = select(IssuedCertRow).where(
                IssuedCertRow.certificate_id == cert.id, IssuedCertRow.role == "device"
            )
            if cert.account_id != acc.id:
                devq = devq.where(IssuedCertRow.holder_account_id == acc.id)
            devices = []
            for d in s.execute(devq.order_by(IssuedCertRow.not_before)).scalars():
                holder = s.get(AccountRow, d.holder_account_id)
                devices.append(
                    DeviceCertInfo(
                        serial_hex=d.serial,
                        device_name=d.device_name or "",
                        holder=holder.display_name if holder else "",
                        revoked=d.revoked_at is not None,
                        not_after=d.not_after,
                    )
                )
            return CertificateDetail(
                certificate_id=cert.id,
                status=self._cert_status(cert, self.clock.now()),
                kind=CertKind(cert.kind),
                institution_name=self._ca(cert.institution_id).name,
                subject_name=cert.subject_name,
                serial_hex=serial,
                serial_is_device=is_device,
                applied_at=cert.applied_at,
                not_before=cert.not_before,
                not_after=cert.not_after,
                seals=tuple(Seal(kind=SealKind(r.kind), png=r.png) for r in seal_rows),
                encryption_cert_pem=pki.to_pem(x509.load_der_x509_certificate(enc.der)),
                device_certs=tuple(devices),
                predecessor_id=cert.predecessor_id,
                successor_id=cert.successor_id,
            )

    def renew(
        self, session: Session, certificate_id: int, idempotency_key: str | None = None
    ) -> CertificateDetail:
        """证书更新: a successor with a new encryption certificate; the old one is revoked
        as superseded, grants move over, and the KMC keeps the old encryption key."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            if idempotency_key:
                prior = s.execute(
                    select(ApplicationRow).where(
                        ApplicationRow.account_id == acc.id,
                        ApplicationRow.idempotency_key == idempotency_key,
                    )
                ).scalar()
                if prior is not None and prior.certificate_id:
                    new_id = prior.certificate_id
                    prior = None
                else:
                    new_id = None
            else:
                new_id = None
            if new_id is None:
                cert, _ = self._cert_access(s, acc, certificate_id, owner_only=True)
                if cert.revoked_at is not None or cert.successor_id is not None:
                    raise E.CertificateUnavailable(status="revoked")
                now = self.clock.now()
                orig = s.get(ApplicationRow, cert.application_id)
                app = _successor_application(
                    acc, cert, orig, Purpose.RENEW, AppState.SUBMITTED, dict(cert.subject), now
                )
                app.idempotency_key = idempotency_key
                app.submitted_at = now
                s.add(app)
                s.flush()
                new = self._issue(s, app, cert)
                new_id = new.id
                self._audit(s, acc, "certificate.renew", app, {"from": cert.id, "to": new.id})
        return self.certificate_detail(session, new_id)

    def request_change(
        self, session: Session, certificate_id: int, changes: dict[str, str]
    ) -> ApplicationInfo:
        """证书变更: a draft application with the changed details, verified as the original
        was; it needs new documents, the handler's signature, and a new review."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, _ = self._cert_access(s, acc, certificate_id, owner_only=True)
            if (
                self._cert_status(cert, self.clock.now()) is not CertStatus.NORMAL
                or cert.successor_id
            ):
                raise E.CertificateUnavailable(
                    status=self._cert_status(cert, self.clock.now()).value
                )
            kind = CertKind(cert.kind)
            allowed = CHANGEABLE[kind]
            subject = dict(cert.subject)
            for k, v in (changes or {}).items():
                if k not in allowed:
                    raise E.InvalidInput(field=k, reason="cannot be changed for this certificate")
                subject[k] = identity.require_name(k, v)
            if subject == cert.subject:
                raise E.InvalidInput(field="changes", reason="nothing changed")
            orig = s.get(ApplicationRow, cert.application_id)
            now = self.clock.now()
            app = _successor_application(
                acc, cert, orig, Purpose.CHANGE, AppState.DRAFT, subject, now
            )
            s.add(app)
            s.flush()
            self._audit(
                s,
                acc,
                "certificate.change_request",
                app,
                {"certificate": cert.id, "fields": sorted(changes)},
            )
            return self._app_info(s, app)

    def revoke(
        self,
        session: Session,
        certificate_id: int,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        """吊销 by the owner: the encryption and every device certificate."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, _ = self._cert_access(s, acc, certificate_id, owner_only=True)
            if cert.revoked_at is not None:
                raise E.CertificateUnavailable(status="revoked")
            self._revoke_certificate(s, cert, RevocationReason(reason), self.clock.now())
            for g in s.execute(
                select(GrantRow).where(
                    GrantRow.certificate_id == cert.id, GrantRow.status == "active"
                )
            ).scalars():
                g.status, g.ended_at = GrantStatus.WITHDRAWN.value, self.clock.now()
            self._audit(
                s,
                acc,
                "certificate.revoke",
                None,
                {"reason": str(reason)},
                obj=f"certificate:{cert.id}",
            )

    def revoke_serial(
        self,
        session: Session,
        serial_hex: str,
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> None:
        """The operator's ``revoke SERIAL``; a device certificate's holder may revoke it too
        (a device whose key was lost)."""
        serial_hex = serial_hex.lower().lstrip("0") or "0"
        with self.store.tx() as s:
            acc = self._account(s, session)
            row = s.get(IssuedCertRow, serial_hex)
            if row is None:
                raise E.NotFound(what="certificate serial", id=serial_hex)
            if acc.id != OPERATOR_ID and not (
                row.role == "device" and row.holder_account_id == acc.id
            ):
                raise E.NotFound(what="certificate serial", id=serial_hex)
            if row.revoked_at is not None:
                raise E.CertificateUnavailable(status="revoked")
            now = self.clock.now()
            if row.role == "encryption" and row.certificate_id:
                self._revoke_certificate(
                    s, s.get(CertificateRow, row.certificate_id), RevocationReason(reason), now
                )
            else:
                self._revoke_rows(s, [row], RevocationReason(reason), now)
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="certificate.revoke_serial",
                obj=f"serial:{serial_hex}",
                details={"reason": str(reason)},
            )

    def _revoke_certificate(
        self, s: DB, cert: CertificateRow, reason: RevocationReason, now: dt.datetime
    ) -> None:
        cert.revoked_at = now
        cert.revocation_reason = reason.value
        rows = s.execute(
            select(IssuedCertRow).where(
                IssuedCertRow.certificate_id == cert.id, IssuedCertRow.revoked_at.is_(None)
            )
        ).scalars()
        self._revoke_rows(s, list(rows), reason, now)

    def _revoke_rows(
        self, s: DB, rows: list[IssuedCertRow], reason: RevocationReason, now: dt.datetime
    ) -> None:
        institutions_touched = set()
        for r in rows:
            if r.revoked_at is None:
                r.revoked_at = now
                r.revocation_reason = reason.value
                institutions_touched.add(r.institution_id)
        s.flush()
        for inst in institutions_touched:
            self._regen_crl(s, inst, now)

    def _regen_crl(self, s: DB, institution_id: str, now: dt.datetime) -> bytes:
        inst = s.get(InstitutionRow, institution_id)
        ca = self._ca(institution_id, s)
        revoked = [
            (int(r.serial, 16), r.revoked_at, RevocationReason(r.revocation_reason))
            for r in s.execute(
                select(IssuedCertRow).where(
                    IssuedCertRow.institution_id == institution_id,
                    IssuedCertRow.revoked_at.is_not(None),
                )
            ).scalars()
        ]
        inst.crl_number += 1
        crl = pki.build_crl(
            issuer_cert=ca.issuing,
            issuer_key=ca.issuing_key,
            revoked=revoked,
            crl_number=inst.crl_number,
            now=now,
            issued_at=min(now, self.clock.real_now()),
        )
        inst.crl_der = crl.public_bytes(serialization.Encoding.DER)
        return inst.crl_der

    def crl(self, institution_id: str) -> bytes:
        """The issuing CA's current CRL (DER); regenerated when missing or stale."""
        now = self.clock.now()
        with self.store.read() as s:
            inst = s.get(InstitutionRow, institution_id)
            if inst is None:
                raise E.NotFound(what="CA institution", id=institution_id)
            if inst.crl_der:
                crl = x509.load_der_x509_crl(inst.crl_der)
                if crl.next_update_utc and crl.next_update_utc > now + dt.timedelta(hours=1):
                    return inst.crl_der
        with self.store.tx() as s:
            return self._regen_crl(s, institution_id, now)

    def _renew_responder(self, institution_id: str) -> _CA:
        """A new OCSP responder certificate before the old one ends (``responders.py``)."""
        info = self.clock.info()
        with self.store.tx() as s:
            row = s.get(InstitutionRow, institution_id)
            responders.renew(
                s,
                row,
                self.keys["ca-key-wrap"],
                now=info.now,
                # Not dated in the real future when the demo clock is ahead.
                not_before=min(info.now, info.real_now),
            )
        with self._ca_lock:
            self._ca_cache.pop(institution_id, None)
        return self._ca(institution_id)

    def root_crl(self, institution_id: str) -> bytes:
        """The institution root's CRL (DER), the issuing CA's revocation status
        (``rootcrl.py``); re-signed when missing or stale."""
        from mobileca_desktop.ca import rootcrl  # local: engine.py is about to be split

        # Dated by the real clock when the demo clock is ahead (see Clock.issue_now).
        now = self.clock.issue_now()
        with self.store.read() as s:
            if s.get(InstitutionRow, institution_id) is None:
                raise E.NotFound(what="CA institution", id=institution_id)
            der = rootcrl.current(self.store, s, institution_id, now)
        if der is not None:
            return der
        with self.store.tx() as s:
            row = s.get(InstitutionRow, institution_id)
            return rootcrl.regenerate(self.store, s, row, self.keys["ca-key-wrap"], now)

    def ocsp(self, institution_id: str, request_der: bytes) -> bytes:
        """RFC 6960 response for one request, signed by the institution's OCSP responder."""
        ca = self._ca(institution_id)
        now = self.clock.now()
        if responders.due(ca.ocsp, ca.issuing, now):
            ca = self._renew_responder(institution_id)

        def lookup(serial: int):
            # A Core query on a plain connection: an ORM session per request cost ~0.2 ms of
            # a ~0.4 ms response (bench/issuance.py's profile).
            with self.store.read_connection() as conn:
                row = conn.execute(
                    _OCSP_LOOKUP, {"serial": pki.serial_hex(serial), "inst": institution_id}
                ).first()
            if row is None:
                return None
            return pki.CertStatusRecord(
                revoked_at=row.revoked_at,
                reason=RevocationReason(row.revocation_reason) if row.revocation_reason else None,
            )

        return ca.responder.respond(request_der, lookup, now, issued_at=self.clock.issue_now())

    # --- activation (证书下载 / 激活) ---------------------------------------------------------

    def _activation_phone(self, s: DB, cert: CertificateRow) -> str:
        """The handbook: the code goes to the legal person's phone (also for an agent)."""
        return s.get(AccountRow, cert.account_id).phone

    def request_activation_code(self, session: Session, certificate_id: int) -> str:
        """Sends the activation SMS; returns the masked phone it went to."""
        self.sweep()
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, grant = self._cert_access(s, acc, certificate_id)
            status = self._cert_status(cert, self.clock.now())
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            phone = self._activation_phone(s, cert)
            who = f"经办人 {acc.display_name} " if grant else ""
            self.sms.send_code(
                s,
                phone=phone,
                purpose="activate",
                ref=str(cert.id),
                now=self.clock.now(),
                text=f"【移动CA】{who}正在下载证书「{cert.subject_name}」，"
                "验证码 {code}，5分钟内有效。",
            )
            audit.append(
                s,
                at=self.clock.now(),
                actor=self._actor(acc),
                action="activation.code",
                obj=f"certificate:{cert.id}",
            )
            return idcheck.mask_phone(phone)

    def activate(
        self,
        session: Session,
        certificate_id: int,
        *,
        csr_pem: bytes,
        transport_public_key_pem: bytes,
        sms_code: str,
        device_name: str,
        idempotency_key: str,
    ) -> ActivationResult:
        """激活: checks the CSR, issues this device's signing certificate and delivers every
        escrowed encryption key of the lineage, ECIES-wrapped to the transport key."""
        if not idempotency_key:
            raise E.InvalidInput(field="idempotency_key", reason="required")
        device_name = identity.require_text("device_name", device_name)
        public_key = pki.check_csr(csr_pem)
        transport = _load_transport_key(transport_public_key_pem)
        self.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            act_key = hashlib.sha256(f"{acc.id}:{idempotency_key}".encode()).hexdigest()
            prior = s.execute(
                select(IssuedCertRow).where(IssuedCertRow.activation_key == act_key)
            ).scalar()
            if prior is not None:
                cert = x509.load_der_x509_certificate(prior.der)
                if cert.public_key() != public_key or prior.certificate_id != certificate_id:
                    raise E.IdempotencyConflict(key=idempotency_key)
                return self._activation_result(s, prior, cert, transport)
            cert_row, _ = self._cert_access(s, acc, certificate_id)
            phone = self._activation_phone(s, cert_row)
        self._check_sms_counted(
            phone=phone, purpose="activate", ref=str(certificate_id), code=sms_code
        )
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert_row, grant = self._cert_access(s, acc, certificate_id)
            now = self.clock.now()
            status = self._cert_status(cert_row, now)
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            self.sms.check(
                s,
                phone=phone,
                purpose="activate",
                ref=str(cert_row.id),
                code=sms_code,
                now=now,
                consume=True,
            )
            ca = self._ca(cert_row.institution_id, s)
            subject = self._x509_subject(CertKind(cert_row.kind), cert_row.subject)
            not_after = cert_row.not_after
            if grant is not None:
                subject = pki.agent_subject(subject, acc.display_name)
                not_after = min(not_after, grant.valid_until)
            device = pki.make_device_cert(
                subject=subject,
                public_key=public_key,
                serial=pki.random_serial(),
                # Not in the real future when the demo clock is ahead: seals time-stamped
                # by the real clock must find the certificate already valid.
                not_before=self.clock.issue_now(),
                not_after=not_after,
                issuer_cert=ca.issuing,
                issuer_key=ca.issuing_key,
                urls=self.urls,
                institution_id=cert_row.institution_id,
                grant_id=grant.id if grant else None,
            )
            row = self._record_cert(
                s,
                device,
                role="device",
                institution_id=cert_row.institution_id,
                certificate_id=cert_row.id,
                device_name=device_name,
                holder=acc.id,
                grant_id=grant.id if grant else None,
                activation_key=act_key,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="activation.issue",
                obj=f"certificate:{cert_row.id}",
                details={
                    "device_serial": row.serial,
                    "device": device_name,
                    "grant": grant.id if grant else None,
                },
            )
            s.flush()
            return self._activation_result(s, row, device, transport)

    def _lineage(self, s: DB, certificate_id: int) -> list[CertificateRow]:
        out = []
        cur = s.get(CertificateRow, certificate_id)
        while cur is not None:
            out.append(cur)
            cur = s.get(CertificateRow, cur.predecessor_id) if cur.predecessor_id else None
        return out

    def _activation_result(
        self,
        s: DB,
        row: IssuedCertRow,
        device: x509.Certificate,
        transport: ec.EllipticCurvePublicKey,
    ) -> ActivationResult:
        ca = self._ca(row.institution_id, s)
        wrapped = []
        for c in self._lineage(s, row.certificate_id):
            for esc in s.execute(
                select(EscrowKeyRow).where(EscrowKeyRow.certificate_id == c.id)
            ).scalars():
                key = self._unwrap_kmc(esc.wrapped_key, f"kmc/{esc.serial}")
                der = key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                sealed = ecies.seal(
                    transport, der, ecies.aad_for(device.serial_number, int(esc.serial, 16))
                )
                enc_cert = x509.load_der_x509_certificate(s.get(IssuedCertRow, esc.serial).der)
                wrapped.append(
                    WrappedKey(
                        encryption_cert_pem=pki.to_pem(enc_cert),
                        encryption_serial_hex=esc.serial,
                        generation=esc.generation,
                        ephemeral_public_key=sealed.ephemeral_public_key,
                        nonce=sealed.nonce,
                        ciphertext=sealed.ciphertext,
                    )
                )
        wrapped.sort(key=lambda w: w.generation)
        return ActivationResult(
            certificate_id=row.certificate_id,
            device_cert_pem=pki.to_pem(device),
            device_serial_hex=row.serial,
            chain_pem=pki.chain_pem([ca.issuing, ca.root]),
            wrapped_keys=tuple(wrapped),
        )

    # --- grants (授权管理) ---------------------------------------------------------------------

    def grant(
        self, session: Session, certificate_id: int, agent: AgentDetails, valid_until: dt.datetime
    ) -> GrantInfo:
        name = identity.require_name("agent_name", agent.name)
        idn = idcheck.validate_id_number(agent.id_number)
        phone = idcheck.validate_phone(agent.phone)
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.kind != AccountKind.LEGAL.value:
                raise E.PermissionDenied(action="grant certificates without 法人登录")
            cert, _ = self._cert_access(s, acc, certificate_id, owner_only=True)
            if cert.kind == CertKind.PERSONAL.value:
                raise E.GrantNotAllowed(reason="个人证书不支持授权使用")
            now = self.clock.now()
            status = self._cert_status(cert, now)
            if status is not CertStatus.NORMAL:
                raise E.CertificateUnavailable(status=status.value)
            if valid_until.tzinfo is None:
                raise E.InvalidInput(field="valid_until", reason="needs a time zone")
            if valid_until <= now:
                raise E.InvalidInput(field="valid_until", reason="must be in the future")
            if idn == acc.id_number:
                raise E.GrantNotAllowed(reason="the legal person uses the certificate directly")
            valid_until = min(valid_until, cert.not_after)
            g = GrantRow(
                certificate_id=cert.id,
                grantor_account_id=acc.id,
                agent_name=name,
                agent_id_number=idn,
                agent_phone=phone,
                valid_from=now,
                valid_until=valid_until,
                status=GrantStatus.ACTIVE.value,
                created_at=now,
            )
            s.add(g)
            s.flush()
            smsmod.post(
                s,
                phone=phone,
                kind=MessageKind.SMS,
                title="证书授权通知",
                body=f"【移动CA】{acc.display_name} 已将「{cert.subject_name}」证书授权给您使用，"
                "请在移动CA中个人登录后查看授权管理。",
                now=now,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="grant.create",
                obj=f"grant:{g.id}",
                details={"certificate": cert.id, "until": valid_until.isoformat()},
            )
            return self._grant_info(s, g)

    def list_grants(self, session: Session) -> list[GrantInfo]:
        """Grants made (法人登录) or received (个人登录)."""
        self.sweep()
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind == AccountKind.LEGAL.value:
                q = select(GrantRow).where(GrantRow.grantor_account_id == acc.id)
            elif acc.kind == AccountKind.PERSONAL.value:
                q = select(GrantRow).where(GrantRow.agent_id_number == acc.id_number)
            else:
                raise E.PermissionDenied(action="list grants")
            return [self._grant_info(s, g) for g in s.execute(q.order_by(GrantRow.id)).scalars()]

    def withdraw_grant(self, session: Session, grant_id: int) -> GrantInfo:
        """Withdraws a grant and revokes the agent's device certificates made under it."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            g = s.get(GrantRow, grant_id)
            if g is None or g.grantor_account_id != acc.id:
                raise E.NotFound(what="grant", id=grant_id)
            if g.status != GrantStatus.ACTIVE.value:
                raise E.IllegalState(action="withdraw the grant", state=g.status)
            now = self.clock.now()
            g.status, g.ended_at = GrantStatus.WITHDRAWN.value, now
            self._revoke_grant_devices(s, g, now)
            audit.append(
                s, at=now, actor=self._actor(acc), action="grant.withdraw", obj=f"grant:{g.id}"
            )
            return self._grant_info(s, g)

    def _revoke_grant_devices(self, s: DB, g: GrantRow, now: dt.datetime) -> None:
        rows = s.execute(
            select(IssuedCertRow).where(
                IssuedCertRow.grant_id == g.id, IssuedCertRow.revoked_at.is_(None)
            )
        ).scalars()
        self._revoke_rows(s, list(rows), RevocationReason.AFFILIATION_CHANGED, now)

    def sweep(self) -> int:
        """Expires grants whose period ended and revokes their device certificates."""
        now = self.clock.now()
        with self.store.read() as s:
            due = s.execute(
                select(GrantRow.id).where(
                    GrantRow.status == GrantStatus.ACTIVE.value, GrantRow.valid_until < now
                )
            ).first()
        if due is None:
            return 0
        with self.store.tx() as s:
            rows = list(
                s.execute(
                    select(GrantRow).where(
                        GrantRow.status == GrantStatus.ACTIVE.value, GrantRow.valid_until < now
                    )
                ).scalars()
            )
            for g in rows:
                g.status, g.ended_at = GrantStatus.EXPIRED.value, now
                self._revoke_grant_devices(s, g, now)
                audit.append(s, at=now, actor="system", action="grant.expire", obj=f"grant:{g.id}")
            return len(rows)

    def _grant_info(self, s: DB, g: GrantRow) -> GrantInfo:
        cert = s.get(CertificateRow, g.certificate_id)
        grantor = s.get(AccountRow, g.grantor_account_id)
        return GrantInfo(
            id=g.id,
            certificate_id=g.certificate_id,
            certificate_kind=CertKind(cert.kind),
            company_name=grantor.company_name,
            agent_name=g.agent_name,
            agent_id_masked=idcheck.mask_id_number(g.agent_id_number),
            agent_phone_masked=idcheck.mask_phone(g.agent_phone),
            valid_from=g.valid_from,
            valid_until=g.valid_until,
            status=GrantStatus(g.status),
            granted_by=grantor.display_name,
        )

    # --- phones, clock, audit ------------------------------------------------------------

    def inbox(self, phone: str, after_id: int = 0) -> list[InboxMessage]:
        """The simulated phone's messages, newest first (demo and local mode)."""
        phone = idcheck.validate_phone(phone)
        with self.store.read() as s:
            return smsmod.messages(s, phone, after_id=after_id)

    def clock_info(self) -> ClockInfo:
        return self.clock.info()

    def advance_clock(self, session: Session, seconds: int) -> ClockInfo:
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.id != OPERATOR_ID:
                raise E.PermissionDenied(action="move the demo clock")
            old = self.clock.offset_seconds()
            new = max(0, old + int(seconds))
            before = self.clock.now()
            self.clock.set_offset(s, new)
            # A demo clock move is a trainer's jump through time, not time passing: the
            # logins open now stay open, so neither window is logged out mid-demo.
            shift = dt.timedelta(seconds=new - old)
            for row in s.execute(
                select(SessionRow).where(SessionRow.expires_at > before)
            ).scalars():
                row.expires_at = row.expires_at + shift
            audit.append(
                s,
                at=self.clock.now(),
                actor=self._actor(acc),
                action="clock.advance",
                obj="clock",
                details={"offset_seconds": new},
            )
        self.sweep()
        return self.clock.info()

    def reset_clock(self, session: Session) -> ClockInfo:
        return self.advance_clock(session, -self.clock.offset_seconds())

    def audit_verify(self) -> tuple[int, int | None]:
        with self.store.read() as s:
            return audit.verify(s)

    def audit_tail(self, limit: int = 50) -> list[AuditEntry]:
        from mobileca_desktop.ca.db import AuditRow

        with self.store.read() as s:
            rows = s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)).scalars()
            return [
                AuditEntry(
                    id=r.id,
                    at=r.at,
                    actor=r.actor,
                    action=r.action,
                    object=r.object,
                    details=r.details,
                )
                for r in rows
            ]

    def issue_service_certificate(
        self,
        session: Session,
        *,
        role: str,
        institution_id: str,
        public_key_pem: bytes,
        name: str,
        hostnames: list[str] = (),
        ip_addresses: list[str] = (),
        origin: str = "",
    ) -> str:
        """TLS server and trading-platform certificates from their own profiles (operator)."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            if acc.id != OPERATOR_ID:
                raise E.PermissionDenied(action="issue service certificates")
            try:
                key = serialization.load_pem_public_key(public_key_pem)
            except (ValueError, TypeError):
                raise E.InvalidInput(field="public_key", reason="not a PEM public key") from None
            ca = self._ca(institution_id, s)
            now = self.clock.now()
            if role == "tls":
                cert = pki.make_tls_server(
                    hostnames=list(hostnames),
                    ip_addresses=list(ip_addresses),
                    key=key,
                    issuer_cert=ca.issuing,
                    issuer_key=ca.issuing_key,
                    now=now,
                    urls=self.urls,
                    institution_id=institution_id,
                )
            elif role == "platform":
                cert = pki.make_platform(
                    platform_name=name,
                    org=name,
                    origin=origin,
                    key=key,
                    issuer_cert=ca.issuing,
                    issuer_key=ca.issuing_key,
                    now=now,
                    urls=self.urls,
                    institution_id=institution_id,
                )
            else:
                raise E.InvalidInput(field="role", reason="tls or platform")
            self._record_cert(s, cert, role=role, institution_id=institution_id)
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action=f"certificate.{role}",
                obj=f"serial:{pki.serial_hex(cert.serial_number)}",
                details={"name": name},
            )
            return pki.to_pem(cert)


_OCSP_LOOKUP = select(IssuedCertRow.revoked_at, IssuedCertRow.revocation_reason).where(
    IssuedCertRow.serial == bindparam("serial"), IssuedCertRow.institution_id == bindparam("inst")
)


def _successor_application(
    acc: AccountRow,
    cert: CertificateRow,
    orig: ApplicationRow,
    purpose: Purpose,
    state: AppState,
    subject: dict,
    now: dt.datetime,
) -> ApplicationRow:
    """The application behind a renewal or change: it keeps the verified method and handler
    of the application it follows, and points at the certificate it replaces."""
    return ApplicationRow(
        account_id=acc.id,
        kind=cert.kind,
        purpose=purpose.value,
        institution_id=cert.institution_id,
        state=state.value,
        method=orig.method,
        handler=orig.handler,
        agent_name=orig.agent_name,
        agent_id_number=orig.agent_id_number,
        agent_phone=orig.agent_phone,
        auth_code_confirmed=orig.auth_code_confirmed or orig.handler != Handler.AGENT.value,
        verification=VerificationState.PASSED.value,
        verification_data={"from": orig.id},
        subject=subject,
        previous_certificate_id=cert.id,
        created_at=now,
    )


def _parse_amount(text: str) -> int:
    """'0.37' / '0.37元' / '.37' -> 37 cents; anything else is a typed error."""
    t = (text or "").strip().removesuffix("元").strip()
    try:
        if not t or len(t) > 8:
            raise ValueError
        whole, _, frac = t.partition(".")
        if not (whole or "0").isdigit() or (frac and not frac.isdigit()) or len(frac) > 2:
            raise ValueError
        return int(whole or "0") * 100 + int((frac + "00")[:2])
    except ValueError:
        raise E.InvalidInput(field="amount", reason="enter the amount in yuan, e.g. 0.37") from None


def _doc_info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        id=row.id,
        kind=DocKind(row.kind),
        # Cleaned again when shown: rows stored before names were cleaned on upload.
        filename=clean_filename(row.filename, row.kind),
        mime=row.mime,
        size=row.size,
        sha256=row.sha256,
    )


def _load_transport_key(pem: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise E.CsrRejected(reason="the transport key is not a PEM public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise E.CsrRejected(reason="the transport key must be an EC P-256 key")
    return key
