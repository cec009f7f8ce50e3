"""The application wizard (证书新办) as a plain state machine: no Qt, no widgets.

Qt pages render the current ``Step`` and write what the user entered into ``WizardData``;
``next()`` applies it through ``CAService`` and moves on, ``back()`` moves back and keeps
everything entered. The engine's application is the source of truth: a wizard can be
rebuilt from it after a restart (``resume``), starting at the first step its ``missing``
list still needs.

Every method that calls the service may be slow; views run them off the GUI thread, one
at a time per wizard (the wizard is not meant to be driven from two threads at once).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from mobileca_desktop.domain.errors import (
    IllegalState,
    InvalidInput,
    PreconditionFailed,
    VerificationFailed,
)
from mobileca_desktop.domain.models import (
    AgentDetails,
    ApplicationInfo,
    AppState,
    CertKind,
    DepositNotice,
    DocKind,
    DocumentInfo,
    Handler,
    Method,
    Session,
    VerificationState,
)
from mobileca_desktop.services.api import CAService


class Step(StrEnum):
    """The wizard's pages, in the handbook's order (四、证书新办)."""

    INSTITUTION = "institution"  # 选择证书办理 CA 机构
    METHOD = "method"  # 选择核验方式
    HANDLER = "handler"  # 信息确认及选择办理人员角色
    AGENT = "agent"  # 经办人信息 (agent only)
    VERIFY = "verify"  # the chosen method's page: 刷脸 / 电子营业执照 / 对公打款 / 授权书
    AUTH_CODE = "auth_code"  # 授权码 (agent only)
    CONFIRM = "confirm"  # 信息确认无误后, 下一步确认
    DOCUMENTS = "documents"  # 上传证件
    SIGN = "sign"  # 短信验证码电子签名
    SUBMITTED = "submitted"  # 已提交: 审核中


# Documents the user uploads on the DOCUMENTS page; the face photo and the letter belong to
# the verification step.
_VERIFICATION_DOCS = (DocKind.FACE, DocKind.LETTER)


def _new_key() -> str:
    return str(uuid.uuid4())


@dataclass
class WizardData:
    """What the user entered, kept across back and forward; ``application`` is the engine's
    latest answer (``None`` until the institution step created the draft)."""

    kind: CertKind
    institution_id: str | None = None
    method: Method | None = None
    handler: Handler | None = None
    agent_name: str = ""
    agent_id_number: str = ""
    agent_phone: str = ""
    face_photo: bytes | None = None
    face_filename: str = ""
    elicence_text: str = ""
    deposit: DepositNotice | None = None
    deposit_amount: str = ""
    auth_code: str = ""
    sms_code: str = ""
    application: ApplicationInfo | None = None
    # The agent the engine holds (masked after a resume), so an unchanged page is not re-sent.
    applied_agent: AgentDetails | None = None
    create_key: str = field(default_factory=_new_key)
    submit_key: str = field(default_factory=_new_key)

    @property
    def agent(self) -> AgentDetails:
        return AgentDetails(
            name=self.agent_name.strip(),
            id_number=self.agent_id_number.strip(),
            phone=self.agent_phone.strip(),
        )


def path_for(kind: CertKind, handler: Handler | None) -> list[Step]:
    """The steps of one application, given the handler role chosen so far."""
    if kind is CertKind.PERSONAL:
        # 个人证书: the person applies for themself and is verified by face only.
        return [
            Step.INSTITUTION,
            Step.VERIFY,
            Step.CONFIRM,
            Step.DOCUMENTS,
            Step.SIGN,
            Step.SUBMITTED,
        ]
    agent = handler is Handler.AGENT
    return [
        Step.INSTITUTION,
        Step.METHOD,
        Step.HANDLER,
        *([Step.AGENT] if agent else []),
        Step.VERIFY,
        *([Step.AUTH_CODE] if agent else []),
        Step.CONFIRM,
        Step.DOCUMENTS,
        Step.SIGN,
        Step.SUBMITTED,
    ]


def _required(field_name: str) -> InvalidInput:
    return InvalidInput(field=field_name, reason="required")


class ApplicationWizard:
    """One application, page by page. Service errors pass through unchanged (typed)."""

    def __init__(self, ca: CAService, session: Session, kind: CertKind) -> None:
        self.ca = ca
        self.session = session
        self.data = WizardData(kind=CertKind(kind))
        self.step = Step.INSTITUTION

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def resume(cls, ca: CAService, session: Session, app_id: int) -> ApplicationWizard:
        """The wizard of a draft kept by the engine, at the first step it still needs."""
        app = ca.get_application(session, app_id)
        wizard = cls(ca, session, app.kind)
        wizard._load(app)
        wizard.step = wizard._resume_step(app)
        return wizard

    @classmethod
    def continue_rejected(cls, ca: CAService, session: Session, app_id: int) -> ApplicationWizard:
        """继续 on a rejected application (已失效): back to a draft, everything kept."""
        ca.continue_application(session, app_id)
        return cls.resume(ca, session, app_id)

    @staticmethod
    def latest_draft(ca: CAService, session: Session, kind: CertKind) -> ApplicationInfo | None:
        """The newest draft of this kind, to offer 继续办理 instead of starting over."""
        drafts = [
            a
            for a in ca.list_applications(session)
            if a.state is AppState.DRAFT and a.kind is CertKind(kind)
        ]
        return max(drafts, key=lambda a: a.id, default=None)

    def _load(self, app: ApplicationInfo) -> None:
        d = self.data
        d.application = app
        d.institution_id = app.institution_id
        d.method = app.method
        d.handler = app.handler
        d.applied_agent = app.agent
        if app.agent is not None:
            d.agent_name, d.agent_id_number, d.agent_phone = (
                app.agent.name,
                app.agent.id_number,
                app.agent.phone,
            )

    def _resume_step(self, app: ApplicationInfo) -> Step:
        if app.state is not AppState.DRAFT:
            return Step.SUBMITTED
        missing = set(app.missing)
        for code, step in (
            ("method", Step.METHOD),
            ("handler", Step.HANDLER),
            ("verification", Step.VERIFY),
            ("auth_code", Step.AUTH_CODE),
        ):
            if code in missing and step in self.steps():
                return step
        if any(code.startswith("doc:") for code in missing):
            uploaded = [d for d in app.documents if d.kind not in _VERIFICATION_DOCS]
            return Step.DOCUMENTS if uploaded else Step.CONFIRM
        return Step.SIGN

    # --- where we are -----------------------------------------------------------------------

    @property
    def application(self) -> ApplicationInfo | None:
        return self.data.application

    def steps(self) -> list[Step]:
        return path_for(self.data.kind, self.data.handler)

    @property
    def position(self) -> tuple[int, int]:
        """(1-based index of the current step, number of steps), for a progress label."""
        path = self.steps()
        return path.index(self.step) + 1, len(path)

    @property
    def path_known(self) -> bool:
        """Whether the number of steps is settled: a company's path depends on the handler
        role (an agent adds 经办人信息 and 授权码), chosen on the HANDLER page."""
        return self.data.kind is CertKind.PERSONAL or self.data.handler is not None

    @property
    def total_range(self) -> tuple[int, int]:
        """The fewest and the most steps this application can have, whatever is chosen."""
        lengths = [len(path_for(self.data.kind, h)) for h in (Handler.LEGAL_PERSON, Handler.AGENT)]
        return min(lengths), max(lengths)

    @property
    def can_go_back(self) -> bool:
        return self.step not in (Step.INSTITUTION, Step.SUBMITTED)

    @property
    def verified(self) -> bool:
        app = self.application
        return app is not None and app.verification is VerificationState.PASSED

    def document_slots(self) -> list[tuple[DocKind, DocumentInfo | None]]:
        """The documents of the DOCUMENTS page: each required kind with its upload, if any.

        Derived from the engine's answer (uploaded documents and ``missing``), so the client
        does not keep its own copy of the rules."""
        app = self.application
        if app is None:
            return []
        uploaded = {d.kind: d for d in app.documents if d.kind not in _VERIFICATION_DOCS}
        kinds = list(uploaded)
        for code in app.missing:
            if code.startswith("doc:"):
                kind = DocKind(code.removeprefix("doc:"))
                if kind not in _VERIFICATION_DOCS and kind not in kinds:
                    kinds.append(kind)
        order = list(DocKind)
        return [(k, uploaded.get(k)) for k in sorted(kinds, key=order.index)]

    # --- moving -----------------------------------------------------------------------------

    def back(self) -> Step:
        if not self.can_go_back:
            raise IllegalState(action="go back", state=self.step.value)
        path = self.steps()
        self.step = path[path.index(self.step) - 1]
        return self.step

    def next(self) -> Step:
        """Applies the current page's data through the service, then moves forward."""
        if self.step is Step.SUBMITTED:
            raise IllegalState(action="go forward", state=self.step.value)
        COMPLETE_STEP[self.step](self)
        path = self.steps()
        self.step = path[path.index(self.step) + 1]
        return self.step

    def _set(self, app: ApplicationInfo) -> ApplicationInfo:
        self.data.application = app
        return app

    def _app(self) -> ApplicationInfo:
        if self.application is None:
            raise PreconditionFailed(action="continue", missing="institution")
        return self.application

    def _complete_institution(self) -> None:
        d = self.data
        if not d.institution_id:
            raise _required("institution")
        app = d.application
        if app is not None and app.institution_id != d.institution_id:
            # A draft belongs to one CA institution: choosing another starts a new draft.
            # What was entered stays in ``data`` and is applied again on the next pages.
            self.ca.discard_draft(self.session, app.id)
            d.application, d.applied_agent, d.deposit = None, None, None
            d.create_key = _new_key()
        if d.application is None:
            self._set(
                self.ca.create_application(
                    self.session, d.kind, d.institution_id, idempotency_key=d.create_key
                )
            )

    def _complete_method(self) -> None:
        d = self.data
        if d.method is None:
            raise _required("method")
        if self._app().method is not d.method:
            self._set(self.ca.set_method(self.session, self._app().id, d.method))
            d.deposit = None

    def _complete_handler(self) -> None:
        d = self.data
        if d.handler is None:
            raise _required("handler")
        # An agent's role is applied with the agent's details on the next page.
        if d.handler is Handler.LEGAL_PERSON and self._app().handler is not Handler.LEGAL_PERSON:
            self._set(self.ca.set_handler(self.session, self._app().id, Handler.LEGAL_PERSON))
            d.applied_agent = None

    def _complete_agent(self) -> None:
        d = self.data
        agent = d.agent
        for name in ("name", "id_number", "phone"):
            if not getattr(agent, name):
                raise _required(f"agent_{name}")
        app = self._app()
        if app.handler is Handler.AGENT and agent == d.applied_agent:
            return  # unchanged (after back, or after a resume with the engine's masked values)
        self._set(self.ca.set_handler(self.session, app.id, Handler.AGENT, agent))
        d.applied_agent = agent

    def _complete_verify(self) -> None:
        if self.verified:
            return
        d, app = self.data, self._app()
        method = app.method
        if method is Method.FACE:
            if not d.face_photo:
                raise _required("face_photo")
            self._set(
                self.ca.verify_face(
                    self.session, app.id, d.face_photo, d.face_filename or "face.jpg"
                )
            )
        elif method is Method.ELICENCE:
            if not d.elicence_text.strip():
                raise _required("elicence_text")
            self._set(self.ca.verify_elicence(self.session, app.id, d.elicence_text.strip()))
        elif method is Method.DEPOSIT:
            if app.verification is not VerificationState.PENDING:
                raise PreconditionFailed(action="confirm the amount", missing="deposit")
            if not d.deposit_amount.strip():
                raise _required("deposit_amount")
            self._set(self.ca.confirm_deposit(self.session, app.id, d.deposit_amount.strip()))
        elif method is Method.LETTER:
            self.refresh()
            state = self._app().verification
            if state is VerificationState.NOT_STARTED:
                raise _required("letter")
            if state is VerificationState.PENDING:
                raise PreconditionFailed(action="continue", missing="letter_review")
            if state is VerificationState.FAILED:
                raise VerificationFailed(method="letter", reason="the letter was not accepted")
        if not self.verified:
            raise PreconditionFailed(action="continue", missing="verification")

    def _complete_auth_code(self) -> None:
        d = self.data
        if self._app().auth_code_confirmed:
            return
        if not d.auth_code.strip():
            raise _required("auth_code")
        self._set(self.ca.confirm_auth_code(self.session, self._app().id, d.auth_code.strip()))

    def _complete_confirm(self) -> None:
        self._app()

    def _complete_documents(self) -> None:
        self.refresh()
        docs = [m for m in self._app().missing if m.startswith("doc:")]
        if docs:
            raise PreconditionFailed(action="continue", missing=", ".join(docs))

    def _complete_sign(self) -> None:
        d = self.data
        if not d.sms_code.strip():
            raise _required("sms_code")
        self._set(self.ca.submit(self.session, self._app().id, d.sms_code.strip(), d.submit_key))

    # --- actions within a page --------------------------------------------------------------

    def refresh(self) -> ApplicationInfo:
        """Re-reads the application (e.g. after the reviewer accepted a letter)."""
        return self._set(self.ca.get_application(self.session, self._app().id))

    def start_deposit(self) -> DepositNotice:
        """对公打款: the bank sends a small amount (and, for an agent, the 授权码 in its memo)."""
        notice = self.ca.start_deposit(self.session, self._app().id)
        self.data.deposit = notice
        self.data.deposit_amount = ""
        self.refresh()
        return notice

    def upload_letter(self, data: bytes, filename: str) -> DocumentInfo:
        """上传授权书: the letter then waits for the CA institution's acceptance."""
        return self._upload(DocKind.LETTER, data, filename)

    def upload(self, kind: DocKind, data: bytes, filename: str) -> DocumentInfo:
        """上传证件: one document of a kind (a new one replaces the old)."""
        return self._upload(DocKind(kind), data, filename)

    def _upload(self, kind: DocKind, data: bytes, filename: str) -> DocumentInfo:
        doc = self.ca.upload_document(self.session, self._app().id, kind, data, filename)
        self.refresh()
        return doc

    def remove(self, document_id: int) -> None:
        self.ca.remove_document(self.session, self._app().id, document_id)
        self.refresh()

    def request_sms_code(self) -> None:
        """Sends the signing code to the handler's phone (the agent's, or the legal person's)."""
        self.ca.request_signing_code(self.session, self._app().id)


# What 下一步 does on each page before the wizard moves on: an explicit table keyed by the
# step (已提交 has no 下一步); tests/test_wizard.py checks every other step has its entry.
COMPLETE_STEP: dict[Step, Callable[[ApplicationWizard], None]] = {
    Step.INSTITUTION: ApplicationWizard._complete_institution,
    Step.METHOD: ApplicationWizard._complete_method,
    Step.HANDLER: ApplicationWizard._complete_handler,
    Step.AGENT: ApplicationWizard._complete_agent,
    Step.VERIFY: ApplicationWizard._complete_verify,
    Step.AUTH_CODE: ApplicationWizard._complete_auth_code,
    Step.CONFIRM: ApplicationWizard._complete_confirm,
    Step.DOCUMENTS: ApplicationWizard._complete_documents,
    Step.SIGN: ApplicationWizard._complete_sign,
}
