"""三晋通 accounts and login sessions: registration, login, who a session belongs to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import audit, idcheck, identity
from mobileca_desktop.ca import sms as smsmod
from mobileca_desktop.ca.context import OPERATOR_ID, Part
from mobileca_desktop.ca.store import AccountRow
from mobileca_desktop.ca.store import accounts as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    Account,
    AccountKind,
    LegalEntityRegistration,
    MessageKind,
    PersonalRegistration,
    Session,
)


class Accounts(Part):
    def account(self, s: DB, session: Session) -> AccountRow:
        """The caller's account; ``SessionExpired`` unless the session is valid now."""
        if not isinstance(session, Session):
            raise E.SessionExpired()
        if session.account_id == OPERATOR_ID:
            if not self.ctx.demo.is_operator_token(session.token):
                raise E.SessionExpired()
            return q.detached_account(
                id=OPERATOR_ID,
                kind=AccountKind.REVIEWER.value,
                login_name="operator",
                password_hash="",
                display_name="CA 操作员",
                phone="",
                institution_id=None,
            )
        row = q.session(s, identity.token_hash(session.token))
        if (
            row is None
            or row.expires_at <= self.clock.now()
            or row.account_id != session.account_id
        ):
            raise E.SessionExpired()
        acc = q.account(s, row.account_id)
        if acc is None:
            raise E.SessionExpired()
        return acc

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
            if q.login_name_taken(s, uscc):
                raise E.AlreadyExists(what="统一社会信用代码", value=uscc, field="uscc")
            acc = q.add_account(
                s,
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
            qr = identity.make_elicence(
                self.ctx.authorities.identity_key(s),
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
            return account_info(acc)

    def register_personal(self, reg: PersonalRegistration) -> Account:
        name = identity.require_name("name", reg.name)
        id_number = idcheck.validate_id_number(reg.id_number)
        phone = idcheck.validate_phone(reg.phone)
        identity.check_password_strength(reg.password)
        pw_hash = identity.hash_password(self.config.passwords, reg.password)
        with self.store.tx() as s:
            now = self.clock.now()
            if q.login_name_taken(s, id_number):
                raise E.AlreadyExists(
                    what="身份证号", value=idcheck.mask_id_number(id_number), field="id_number"
                )
            if q.personal_phone_taken(s, AccountKind.PERSONAL.value, phone):
                raise E.AlreadyExists(what="手机号", value=idcheck.mask_phone(phone), field="phone")
            acc = q.add_account(
                s,
                kind=AccountKind.PERSONAL.value,
                login_name=id_number,
                password_hash=pw_hash,
                display_name=name,
                phone=phone,
                id_number=id_number,
                created_at=now,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(acc),
                action="account.register",
                obj=f"account:{acc.id}",
                details={"kind": "personal"},
            )
            return account_info(acc)

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
            acc = q.add_account(
                s,
                kind=AccountKind.REVIEWER.value,
                login_name=login_name,
                password_hash=identity.hash_password(self.config.passwords, password),
                display_name=name,
                phone=phone,
                institution_id=institution_id,
                created_at=now,
            )
            audit.append(
                s,
                at=now,
                actor=self._actor(op),
                action="account.reviewer",
                obj=f"account:{acc.id}",
                details={"institution": institution_id},
            )
            return account_info(acc)

    def login(self, kind: AccountKind, login_name: str, password: str) -> Session:
        """法人登录 by 统一社会信用代码; 个人登录 by ID number or phone; reviewers by name."""
        login_name = identity.login_lookup_name(kind.value, login_name)
        with self.store.read() as s:
            if kind is AccountKind.PERSONAL and login_name.isdigit() and len(login_name) == 11:
                acc = q.for_login(s, kind.value, phone=login_name)
            else:
                acc = q.for_login(s, kind.value, login_name=login_name)
        ok = identity.verify_password(
            self.config.passwords, acc.password_hash if acc else None, password or ""
        )
        if not ok or acc is None:
            raise E.AuthenticationFailed()
        token, th = identity.new_token()
        with self.store.tx() as s:
            now = self.clock.now()
            expires = now + dt.timedelta(hours=self.config.session_hours)
            q.add_session(s, token_hash=th, account_id=acc.id, created_at=now, expires_at=expires)
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
            q.delete_session(s, identity.token_hash(session.token))

    def me(self, session: Session) -> Account:
        with self.store.read() as s:
            return account_info(self._account(s, session))

    def elicence_text(self, session: Session) -> str:
        """The logged-in company's e-licence QR text (what its 电子营业执照 shows)."""
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind != AccountKind.LEGAL.value:
                raise E.PermissionDenied(action="show an e-business licence without a legal login")
            # a legal account is registered with all three
            assert acc.uscc and acc.company_name and acc.legal_person_name
            return identity.make_elicence(
                self.ctx.authorities.identity_key(s),
                uscc=acc.uscc,
                company=acc.company_name,
                legal_person=acc.legal_person_name,
                issued=acc.created_at,
            )


def account_info(acc: AccountRow) -> Account:
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
