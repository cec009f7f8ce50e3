"""Applications (证书新办, 证书变更): drafts, their documents, signing and submission, and
what an application looks like to its applicant. State changes go through ``transitions``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import documents, idcheck, identity, policy
from mobileca_desktop.ca.context import Part
from mobileca_desktop.ca.ra import signing, transitions
from mobileca_desktop.ca.store import AccountRow, ApplicationRow, DocumentRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import applications as q
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.filenames import clean_filename
from mobileca_desktop.domain.models import (
    AccountKind,
    AgentDetails,
    ApplicationInfo,
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    DocumentInfo,
    Handler,
    Method,
    Purpose,
    Session,
    VerificationState,
)

# The reason a discarded draft shows (its state is ``AppState.DISCARDED``).
DISCARDED_REASON = "申请人已撤销"


def require_draft(app: ApplicationRow, action: str) -> None:
    if app.state != AppState.DRAFT.value:
        raise E.IllegalState(action=action, state=app.state)


class Applications(Part):
    def own_app(self, s: DB, acc: AccountRow, app_id: int) -> ApplicationRow:
        app = q.application(s, app_id)
        if app is None or app.account_id != acc.id:
            # Another account's application is reported as absent: no existence oracle.
            raise E.NotFound(what="application", id=app_id)
        return app

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
                prior = q.by_idempotency_key(s, acc.id, idempotency_key)
                if prior is not None:
                    return self.app_info(s, prior)
            self._ca(institution_id, s)
            now = self.clock.now()
            app = q.add_application(
                s,
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
                subject=policy.subject_for_account(acc, kind, self.keys["id-digest"]),
                idempotency_key=idempotency_key,
                created_at=now,
            )
            self._audit(
                s,
                acc,
                "application.create",
                app,
                {"kind": kind.value, "institution": institution_id},
            )
            return self.app_info(s, app)

    def get_application(self, session: Session, app_id: int) -> ApplicationInfo:
        with self.store.read() as s:
            acc = self._account(s, session)
            if acc.kind == AccountKind.REVIEWER.value:
                app = self.ctx.review.review_app(s, acc, app_id)
            else:
                app = self.own_app(s, acc, app_id)
            return self.app_info(s, app)

    def list_applications(self, session: Session) -> list[ApplicationInfo]:
        with self.store.read() as s:
            acc = self._account(s, session)
            return [self.app_info(s, r) for r in q.of_account(s, acc.id)]

    def application_agents(self, session: Session) -> list[AgentDetails]:
        """The agents (经办人) named in this account's applications, newest first, once per
        ID number, unmasked: the account entered them itself, and 新增授权 offers them so
        the legal person need not type them again. Discarded drafts are left out."""
        with self.store.read() as s:
            acc = self._account(s, session)
            out: list[AgentDetails] = []
            seen: set[str] = set()
            for app in q.with_handler_newest_first(s, acc.id, Handler.AGENT.value):
                if not app.agent_name or app.state == AppState.DISCARDED.value:
                    continue
                key = (app.agent_id_number or "").upper()
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    AgentDetails(
                        name=app.agent_name,
                        id_number=app.agent_id_number or "",
                        phone=app.agent_phone or "",
                    )
                )
            return out

    def set_method(self, session: Session, app_id: int, method: Method) -> ApplicationInfo:
        method = Method(method)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "choose the verification method")
            if app.kind == CertKind.PERSONAL.value and method is not Method.FACE:
                raise E.InvalidInput(field="method", reason="个人证书 are verified by face only")
            if app.method != method.value:
                app.method = method.value
                app.verification = VerificationState.NOT_STARTED.value
                app.verification_data = {}
                app.auth_code_hmac = None
                app.auth_code_confirmed = False
            self._audit(s, acc, "application.method", app, {"method": method.value})
            return self.app_info(s, app)

    def set_handler(
        self, session: Session, app_id: int, handler: Handler, agent: AgentDetails | None = None
    ) -> ApplicationInfo:
        handler = Handler(handler)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "choose the handler")
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
                    self.ctx.verification.issue_auth_code(s, app, acc)
            self._audit(s, acc, "application.handler", app, {"handler": handler.value})
            return self.app_info(s, app)

    # --- documents -----------------------------------------------------------------------

    def upload_document(
        self, session: Session, app_id: int, kind: DocKind, data: bytes, filename: str
    ) -> DocumentInfo:
        kind = DocKind(kind)
        filename = clean_filename(filename, kind.value)
        # The caller's own draft first: nothing is decoded for someone else's application.
        with self.store.read() as s:
            require_draft(self.own_app(s, self._account(s, session), app_id), "upload documents")
        limits: dict[str, Any] = {
            "max_bytes": self.config.max_document_bytes,
            "allow_pdf": kind in (DocKind.LETTER, DocKind.LICENCE),
        }
        documents.check_header(data, filename, **limits)  # pixel count from the header
        with self.ctx.verification.decode_slots:
            info = documents.validate_document(data, filename, **limits)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "upload documents")
            doc = self.put_document(s, app, kind, filename, data, info)
            if kind is DocKind.LETTER and app.method == Method.LETTER.value:
                # 上传授权书: the letter waits for the reviewer's acceptance.
                app.verification = VerificationState.PENDING.value
                app.auth_code_hmac = None
                app.auth_code_confirmed = False
            self._audit(
                s, acc, "application.upload", app, {"kind": kind.value, "sha256": info.sha256}
            )
            return doc

    def put_document(
        self,
        s: DB,
        app: ApplicationRow,
        kind: DocKind,
        filename: str,
        data: bytes,
        info: documents.ValidatedDocument,
    ) -> DocumentInfo:
        row = q.replace_document(
            s,
            application_id=app.id,
            kind=kind.value,
            filename=clean_filename(filename, kind.value),
            mime=info.mime,
            data=data,
            sha256=info.sha256,
            created_at=self.clock.now(),
        )
        return doc_info(row)

    def remove_document(self, session: Session, app_id: int, document_id: int) -> None:
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "remove documents")
            doc = q.document(s, document_id)
            if doc is None or doc.application_id != app.id:
                raise E.NotFound(what="document", id=document_id)
            q.delete_document(s, doc)
            self._audit(s, acc, "application.remove_document", app, {"kind": doc.kind})

    def get_document(self, session: Session, document_id: int) -> tuple[DocumentInfo, bytes]:
        with self.store.read() as s:
            acc = self._account(s, session)
            doc = q.document(s, document_id)
            if doc is None:
                raise E.NotFound(what="document", id=document_id)
            app = q.application(s, doc.application_id)
            assert app is not None  # a document's application is never deleted
            if acc.kind == AccountKind.REVIEWER.value:
                self.ctx.review.review_app(s, acc, app.id)
            elif app.account_id != acc.id:
                raise E.NotFound(what="document", id=document_id)
            return doc_info(doc), doc.data

    def missing(self, s: DB, app: ApplicationRow) -> list[str]:
        return policy.missing(app, q.document_kinds(s, app.id))

    # --- signing and submission ------------------------------------------------------------

    def signer_phone(self, s: DB, app: ApplicationRow) -> str:
        if app.handler == Handler.AGENT.value:
            return app.agent_phone or ""
        return legal_phone(s, app)

    def request_signing_code(self, session: Session, app_id: int) -> None:
        """The SMS code with which the handler signs the application (电子签名)."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "sign")
            missing = self.missing(s, app)
            if missing:
                raise E.PreconditionFailed(
                    action="sign the application", missing=", ".join(missing)
                )
            self.sms.send_code(
                s,
                phone=self.signer_phone(s, app),
                purpose="sign",
                ref=str(app.id),
                now=self.clock.now(),
                text="【移动CA】您正在对证书申请材料进行电子签名，验证码 {code}，5分钟内有效。",
            )
            self._audit(s, acc, "application.sign_code", app)

    def check_sms_counted(self, *, phone: str, purpose: str, ref: str, code: str) -> None:
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
            app = self.own_app(s, acc, app_id)
            if (
                app.state == AppState.SUBMITTED.value
                and idempotency_key
                and (app.signature or {}).get("idempotency_key") == idempotency_key
            ):
                return self.app_info(s, app)
            require_draft(app, "submit")
            phone = self.signer_phone(s, app)
        self.check_sms_counted(phone=phone, purpose="sign", ref=str(app_id), code=sms_code)
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            require_draft(app, "submit")
            missing = self.missing(s, app)
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
            app.signature = signing.event_sign(self.ctx, s, app, now)
            app.signature["idempotency_key"] = idempotency_key
            transitions.move(app, AppState.SUBMITTED, "submit")
            app.submitted_at = now
            app.reject_reason = None
            self._audit(s, acc, "application.submit", app, {"digest": app.signature["digest"]})
            return self.app_info(s, app)

    def continue_application(self, session: Session, app_id: int) -> ApplicationInfo:
        """继续 on a rejected application: back to draft, everything entered kept."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            transitions.move(app, AppState.DRAFT, "continue")
            app.signature = None
            if app.method == Method.LETTER.value and app.verification == "failed":
                app.verification = VerificationState.NOT_STARTED.value
            self._audit(s, acc, "application.continue", app)
            return self.app_info(s, app)

    def discard_draft(self, session: Session, app_id: int) -> None:
        with self.store.tx() as s:
            acc = self._account(s, session)
            app = self.own_app(s, acc, app_id)
            transitions.move(app, AppState.DISCARDED, "discard")
            app.reject_reason = DISCARDED_REASON
            self._audit(s, acc, "application.discard", app)

    def request_change(
        self, session: Session, certificate_id: int, changes: dict[str, str]
    ) -> ApplicationInfo:
        """证书变更: a draft application with the changed details, verified as the original
        was; it needs new documents, the handler's signature, and a new review."""
        with self.store.tx() as s:
            acc = self._account(s, session)
            cert, _ = self.ctx.certificates.cert_access(s, acc, certificate_id, owner_only=True)
            if (
                policy.cert_status(cert, self.clock.now()) is not CertStatus.NORMAL
                or cert.successor_id
            ):
                raise E.CertificateUnavailable(
                    status=policy.cert_status(cert, self.clock.now()).value
                )
            kind = CertKind(cert.kind)
            allowed = policy.CHANGEABLE[kind]
            subject = dict(cert.subject)
            for k, v in (changes or {}).items():
                if k not in allowed:
                    raise E.InvalidInput(field=k, reason="cannot be changed for this certificate")
                subject[k] = identity.require_name(k, v)
            if subject == cert.subject:
                raise E.InvalidInput(field="changes", reason="nothing changed")
            orig = q.application(s, cert.application_id)
            assert orig is not None  # every certificate was issued for an application
            now = self.clock.now()
            app = q.add_application(
                s,
                **policy.successor_application(
                    acc, cert, orig, Purpose.CHANGE, AppState.DRAFT, subject, now
                ),
            )
            self._audit(
                s,
                acc,
                "certificate.change_request",
                app,
                {"certificate": cert.id, "fields": sorted(changes)},
            )
            return self.app_info(s, app)

    def app_info(self, s: DB, app: ApplicationRow) -> ApplicationInfo:
        agent = None
        if app.handler == Handler.AGENT.value and app.agent_name:
            agent = AgentDetails(
                name=app.agent_name,
                id_number=idcheck.mask_id_number(app.agent_id_number or ""),
                phone=idcheck.mask_phone(app.agent_phone or ""),
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
            documents=tuple(doc_info(d) for d in q.documents(s, app.id)),
            signed=bool(app.signature),
            reject_reason=app.reject_reason,
            created_at=app.created_at,
            submitted_at=app.submitted_at,
            subject_name=policy.subject_name(kind, app.subject),
            certificate_id=app.certificate_id,
            previous_certificate_id=app.previous_certificate_id,
            missing=tuple(self.missing(s, app)) if app.state == AppState.DRAFT.value else (),
        )


def legal_phone(s: DB, app: ApplicationRow) -> str:
    """The phone of the account that applied (the legal person's, for a company)."""
    owner = qa.account(s, app.account_id)
    assert owner is not None
    return owner.phone


def doc_info(row: DocumentRow) -> DocumentInfo:
    return DocumentInfo(
        id=row.id,
        kind=DocKind(row.kind),
        # Cleaned again when shown: rows stored before names were cleaned on upload.
        filename=clean_filename(row.filename, row.kind),
        mime=row.mime,
        size=row.size,
        sha256=row.sha256,
    )
