"""The application wizard walked as whole flows, without Qt, over the local services."""

from __future__ import annotations

import pytest
from conftest import jpeg_bytes, last_code, pdf_bytes
from helpers_flow import deposit_amount

from mobileca_desktop.domain.errors import (
    IllegalState,
    InvalidIDNumber,
    InvalidInput,
    PreconditionFailed,
    SmsCodeWrong,
    VerificationFailed,
)
from mobileca_desktop.domain.models import (
    AppState,
    CertKind,
    CertStatus,
    DocKind,
    Handler,
    MessageKind,
    Method,
    VerificationState,
)
from mobileca_desktop.services.wizard import COMPLETE_STEP, ApplicationWizard, Step, path_for


def upload_documents(wiz: ApplicationWizard) -> None:
    files = {
        DocKind.LICENCE: (pdf_bytes("营业执照"), "licence.pdf"),
        DocKind.ID_FRONT: (jpeg_bytes("front"), "front.jpg"),
        DocKind.ID_BACK: (jpeg_bytes("back"), "back.jpg"),
    }
    for kind, upload in wiz.document_slots():
        assert upload is None
        wiz.upload(kind, *files[kind])


def slot(wiz: ApplicationWizard, kind: DocKind):
    return dict(wiz.document_slots())[kind]


def sign(services, wiz: ApplicationWizard, phone: str) -> None:
    assert wiz.step is Step.SIGN
    wiz.request_sms_code()
    wiz.data.sms_code = last_code(services, phone)
    assert wiz.next() is Step.SUBMITTED
    assert wiz.application.state is AppState.SUBMITTED


def start(services, session, kind: CertKind, method: Method, handler: Handler) -> ApplicationWizard:
    wiz = ApplicationWizard(services.ca, session, kind)
    wiz.data.institution_id = "bjca"
    assert wiz.next() is Step.METHOD
    wiz.data.method = method
    assert wiz.next() is Step.HANDLER
    wiz.data.handler = handler
    return wiz


def fill_agent(wiz: ApplicationWizard, agent_reg) -> None:
    wiz.data.agent_name = agent_reg.name
    wiz.data.agent_id_number = agent_reg.id_number
    wiz.data.agent_phone = agent_reg.phone


def test_unit_certificate_legal_person_by_face(services, company, portrait):
    reg, s = company
    wiz = start(services, s, CertKind.UNIT, Method.FACE, Handler.LEGAL_PERSON)
    assert wiz.next() is Step.VERIFY
    assert wiz.steps() == path_for(CertKind.UNIT, Handler.LEGAL_PERSON)
    with pytest.raises(InvalidInput) as err:
        wiz.next()  # no photo yet
    assert err.value.params["field"] == "face_photo" and wiz.step is Step.VERIFY
    wiz.data.face_photo, wiz.data.face_filename = portrait, "face.png"
    assert wiz.next() is Step.CONFIRM
    assert wiz.verified
    assert wiz.next() is Step.DOCUMENTS
    wanted = [DocKind.ID_FRONT, DocKind.ID_BACK, DocKind.LICENCE]
    assert [k for k, _ in wiz.document_slots()] == wanted
    with pytest.raises(PreconditionFailed) as err:
        wiz.next()
    assert "doc:licence" in err.value.params["missing"]
    upload_documents(wiz)
    assert all(doc is not None for _, doc in wiz.document_slots())
    assert wiz.next() is Step.SIGN
    sign(services, wiz, reg.legal_person_phone)
    assert wiz.position == (len(wiz.steps()), len(wiz.steps()))
    assert not wiz.can_go_back
    with pytest.raises(IllegalState):
        wiz.next()


def test_agent_by_deposit_with_a_wrong_amount_then_back_and_forward(services, company, agent):
    reg, s = company
    agent_reg, _ = agent
    wiz = start(services, s, CertKind.UNIT, Method.DEPOSIT, Handler.AGENT)
    assert wiz.steps() == path_for(CertKind.UNIT, Handler.AGENT)
    assert wiz.next() is Step.AGENT
    wiz.data.agent_name = agent_reg.name
    wiz.data.agent_id_number = "110101199003070000"  # wrong check character
    wiz.data.agent_phone = agent_reg.phone
    with pytest.raises(InvalidIDNumber):
        wiz.next()
    assert wiz.step is Step.AGENT and wiz.data.agent_name == agent_reg.name  # nothing lost
    fill_agent(wiz, agent_reg)
    assert wiz.next() is Step.VERIFY
    with pytest.raises(PreconditionFailed):
        wiz.next()  # the deposit has not been made
    notice = wiz.start_deposit()
    assert notice.tries_left == 3 and wiz.application.verification is VerificationState.PENDING
    wiz.data.deposit_amount = "9.99"  # never a 0.01–0.99 deposit
    with pytest.raises(VerificationFailed):
        wiz.next()
    assert wiz.step is Step.VERIFY and wiz.data.deposit_amount == "9.99"

    # Back to the agent page and forward again: what was entered is still there, and the
    # unchanged agent is not sent again (which would void the deposit's 授权码).
    assert wiz.back() is Step.AGENT
    assert wiz.data.agent_id_number == agent_reg.id_number
    assert wiz.next() is Step.VERIFY
    wiz.data.deposit_amount = deposit_amount(services, reg.legal_person_phone)
    assert wiz.next() is Step.AUTH_CODE
    deposit = next(
        m for m in services.inbox.messages(reg.legal_person_phone) if m.kind is MessageKind.DEPOSIT
    )
    wiz.data.auth_code = "000000" if deposit.code != "000000" else "111111"
    with pytest.raises(SmsCodeWrong):
        wiz.next()
    wiz.data.auth_code = deposit.code
    assert wiz.next() is Step.CONFIRM
    assert wiz.next() is Step.DOCUMENTS
    upload_documents(wiz)
    assert wiz.next() is Step.SIGN
    sign(services, wiz, agent_reg.phone)  # the agent signs with the agent's phone
    assert wiz.application.agent.name == agent_reg.name


def test_legal_rep_certificate_agent_by_elicence(services, company, agent):
    reg, s = company
    agent_reg, _ = agent
    wiz = start(services, s, CertKind.LEGAL_REP, Method.ELICENCE, Handler.AGENT)
    assert wiz.next() is Step.AGENT
    fill_agent(wiz, agent_reg)
    assert wiz.next() is Step.VERIFY
    wiz.data.elicence_text = services.ca.elicence_text(s)
    assert wiz.next() is Step.AUTH_CODE
    code = next(
        m.code
        for m in services.inbox.messages(reg.legal_person_phone)
        if m.kind is MessageKind.ELICENCE and m.code
    )
    wiz.data.auth_code = code
    assert wiz.next() is Step.CONFIRM
    wiz.next()
    upload_documents(wiz)
    wiz.next()
    sign(services, wiz, agent_reg.phone)


def test_letter_waits_for_the_reviewer(services, company):
    reg, s = company
    wiz = start(services, s, CertKind.UNIT, Method.LETTER, Handler.LEGAL_PERSON)
    assert wiz.next() is Step.VERIFY
    with pytest.raises(InvalidInput) as err:
        wiz.next()
    assert err.value.params["field"] == "letter"
    wiz.upload_letter(pdf_bytes("授权书 盖章"), "letter.pdf")
    with pytest.raises(PreconditionFailed) as err:
        wiz.next()
    assert err.value.params["missing"] == "letter_review" and wiz.step is Step.VERIFY
    services.review.accept_letter(services.review.operator_session(), wiz.application.id)
    assert wiz.next() is Step.CONFIRM  # next() re-reads the application
    wiz.next()
    upload_documents(wiz)
    wiz.next()
    sign(services, wiz, reg.legal_person_phone)


def test_personal_certificate_has_no_method_or_handler_pages(services, agent, portrait):
    reg, s = agent
    wiz = ApplicationWizard(services.ca, s, CertKind.PERSONAL)
    assert Step.METHOD not in wiz.steps() and Step.HANDLER not in wiz.steps()
    with pytest.raises(InvalidInput) as err:
        wiz.next()
    assert err.value.params["field"] == "institution"
    wiz.data.institution_id = "bjca"
    assert wiz.next() is Step.VERIFY
    assert wiz.application.method is Method.FACE
    wiz.data.face_photo = portrait
    assert wiz.next() is Step.CONFIRM
    wiz.next()
    assert [k for k, _ in wiz.document_slots()] == [DocKind.ID_FRONT, DocKind.ID_BACK]
    wiz.upload(DocKind.ID_FRONT, jpeg_bytes("front"), "front.jpg")
    wiz.upload(DocKind.ID_BACK, jpeg_bytes("back"), "back.jpg")
    wiz.next()
    sign(services, wiz, reg.phone)


def test_a_draft_resumes_after_a_restart(services, company, agent, portrait):
    reg, s = company
    agent_reg, _ = agent
    wiz = start(services, s, CertKind.UNIT, Method.FACE, Handler.AGENT)
    wiz.next()
    fill_agent(wiz, agent_reg)
    wiz.next()
    wiz.data.face_photo = portrait
    assert wiz.next() is Step.AUTH_CODE
    app_id = wiz.application.id
    del wiz  # the window was closed here

    assert ApplicationWizard.latest_draft(services.ca, s, CertKind.UNIT).id == app_id
    assert ApplicationWizard.latest_draft(services.ca, s, CertKind.LEGAL_REP) is None
    again = ApplicationWizard.resume(services.ca, s, app_id)
    assert again.step is Step.AUTH_CODE
    assert (again.data.institution_id, again.data.method, again.data.handler) == (
        "bjca",
        Method.FACE,
        Handler.AGENT,
    )
    assert again.data.agent_name == agent_reg.name  # the engine's (masked) agent
    # Back over the agent page and forward: the masked values are not sent back.
    assert again.back() is Step.VERIFY and again.back() is Step.AGENT
    assert again.next() is Step.VERIFY and again.next() is Step.AUTH_CODE
    again.data.auth_code = last_code(services, reg.legal_person_phone)
    assert again.next() is Step.CONFIRM
    again.next()
    again.upload(DocKind.LICENCE, pdf_bytes("营业执照"), "licence.pdf")
    third = ApplicationWizard.resume(services.ca, s, app_id)
    assert third.step is Step.DOCUMENTS  # one document uploaded: straight to the uploads
    front = slot(third, DocKind.LICENCE)
    third.remove(front.id)
    assert ApplicationWizard.resume(services.ca, s, app_id).step is Step.CONFIRM
    upload_documents(third)
    assert ApplicationWizard.resume(services.ca, s, app_id).step is Step.SIGN
    third.next()
    sign(services, third, agent_reg.phone)
    assert ApplicationWizard.resume(services.ca, s, app_id).step is Step.SUBMITTED


def test_choosing_another_institution_starts_a_new_draft(services, company):
    _, s = company
    wiz = start(services, s, CertKind.UNIT, Method.FACE, Handler.LEGAL_PERSON)
    first = wiz.application.id
    assert wiz.back() is Step.METHOD and wiz.back() is Step.INSTITUTION
    assert not wiz.can_go_back
    with pytest.raises(IllegalState):
        wiz.back()
    other = next(i.id for i in services.ca.institutions() if i.id != "bjca")
    wiz.data.institution_id = other
    assert wiz.next() is Step.METHOD
    assert wiz.application.id != first and wiz.application.institution_id == other
    assert wiz.data.method is Method.FACE  # kept; applied again on this page
    assert wiz.next() is Step.HANDLER and wiz.application.method is Method.FACE
    rows = services.ca.list_certificates(s)
    assert [r.application_id for r in rows if r.status is CertStatus.DRAFT] == [wiz.application.id]


def test_rejected_application_continues_at_the_signature(services, company, portrait):
    reg, s = company
    wiz = start(services, s, CertKind.UNIT, Method.FACE, Handler.LEGAL_PERSON)
    wiz.next()
    wiz.data.face_photo = portrait
    wiz.next()
    wiz.next()
    upload_documents(wiz)
    wiz.next()
    sign(services, wiz, reg.legal_person_phone)
    op = services.review.operator_session()
    services.review.reject(op, wiz.application.id, "营业执照不清晰")
    again = ApplicationWizard.continue_rejected(services.ca, s, wiz.application.id)
    assert again.step is Step.SIGN
    assert again.back() is Step.DOCUMENTS
    licence = slot(again, DocKind.LICENCE)
    again.upload(DocKind.LICENCE, pdf_bytes("营业执照 清晰"), "licence2.pdf")
    assert slot(again, DocKind.LICENCE).id != licence.id
    again.next()
    sign(services, again, reg.legal_person_phone)


def test_every_step_but_submitted_says_what_next_does():
    """下一步 dispatches through an explicit table keyed by the step, not by method names."""
    assert set(COMPLETE_STEP) == set(Step) - {Step.SUBMITTED}
    assert all(callable(complete) for complete in COMPLETE_STEP.values())
