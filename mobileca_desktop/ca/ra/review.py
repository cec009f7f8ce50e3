"""Review (CA 审核台): the queue, letters of authorisation, reject, cancel, and approve,
where an application becomes a certificate (the issuer signs: ``issuer/issue.py``)."""

from __future__ import annotations

from sqlalchemy.orm import Session as DB

from mobileca_desktop.ca import identity
from mobileca_desktop.ca.context import Part
from mobileca_desktop.ca.ra import signing, transitions
from mobileca_desktop.ca.store import AccountRow, ApplicationRow
from mobileca_desktop.ca.store import accounts as qa
from mobileca_desktop.ca.store import applications as q
from mobileca_desktop.ca.store import certificates as qc
from mobileca_desktop.domain import errors as E
from mobileca_desktop.domain.models import (
    AccountKind,
    ApplicationInfo,
    AppState,
    Method,
    ReviewItem,
    Session,
    VerificationState,
)


class Review(Part):
    def reviewer(self, s: DB, session: Session) -> AccountRow:
        acc = self._account(s, session)
        if acc.kind != AccountKind.REVIEWER.value:
            raise E.PermissionDenied(action="review applications")
        return acc

    def review_app(self, s: DB, acc: AccountRow, app_id: int) -> ApplicationRow:
        """An application the reviewer may see (their institution's, or any for the
        operator); another institution's is reported as absent."""
        app = q.application(s, app_id)
        if app is None or (acc.institution_id and app.institution_id != acc.institution_id):
            raise E.NotFound(what="application", id=app_id)
        return app

    def review_queue(self, session: Session) -> list[ReviewItem]:
        """Submitted applications and letters of authorisation waiting for acceptance."""
        with self.store.read() as s:
            acc = self.reviewer(s, session)
            rows = q.review_queue(
                s,
                submitted=AppState.SUBMITTED.value,
                draft=AppState.DRAFT.value,
                letter_method=Method.LETTER.value,
                pending=VerificationState.PENDING.value,
                institution_id=acc.institution_id,
            )
            return [self._review_item(s, a) for a in rows]

    def review_item(self, session: Session, app_id: int) -> ReviewItem:
        with self.store.read() as s:
            acc = self.reviewer(s, session)
            return self._review_item(s, self.review_app(s, acc, app_id))

    def _review_item(self, s: DB, app: ApplicationRow) -> ReviewItem:
        owner = qa.account(s, app.account_id)
        assert owner is not None
        return ReviewItem(
            application=self.ctx.applications.app_info(s, app),
            applicant=owner.display_name,
            signature=signing.signature_check(self.ctx, s, app),
            letter_pending=(
                app.state == AppState.DRAFT.value
                and app.verification == VerificationState.PENDING.value
            ),
        )

    def accept_letter(self, session: Session, app_id: int) -> ApplicationInfo:
        with self.store.tx() as s:
            rev = self.reviewer(s, session)
            app = self.review_app(s, rev, app_id)
            if (
                app.method != Method.LETTER.value
                or app.verification != VerificationState.PENDING.value
            ):
                raise E.IllegalState(action="accept a letter", state=app.verification)
            owner = qa.account(s, app.account_id)
            assert owner is not None
            self.ctx.verification.passed(s, app, owner, {"letter": "accepted"})
            self._audit(s, rev, "review.letter_accept", app)
            return self.ctx.applications.app_info(s, app)

    def reject_letter(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev = self.reviewer(s, session)
            app = self.review_app(s, rev, app_id)
            if (
                app.method != Method.LETTER.value
                or app.verification != VerificationState.PENDING.value
            ):
                raise E.IllegalState(action="reject a letter", state=app.verification)
            app.verification = VerificationState.FAILED.value
            app.verification_data = {"letter": "rejected", "reason": reason}
            self._audit(s, rev, "review.letter_reject", app, {"reason": reason})
            return self.ctx.applications.app_info(s, app)

    def _submitted(
        self, s: DB, session: Session, app_id: int, to: AppState, action: str
    ) -> tuple[AccountRow, ApplicationRow]:
        rev = self.reviewer(s, session)
        app = self.review_app(s, rev, app_id)
        transitions.check(app, to, action)
        return rev, app

    def reject(self, session: Session, app_id: int, reason: str) -> ApplicationInfo:
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev, app = self._submitted(s, session, app_id, AppState.REJECTED, "reject")
            transitions.move(app, AppState.REJECTED, "reject")
            app.reject_reason = reason
            app.reviewed_at = self.clock.now()
            self._audit(s, rev, "review.reject", app, {"reason": reason})
            return self.ctx.applications.app_info(s, app)

    def cancel(
        self, session: Session, app_id: int, reason: str = "被永久取消审核"
    ) -> ApplicationInfo:
        """被永久取消审核: 已失效 for good."""
        reason = identity.require_text("reason", reason, max_len=500)
        with self.store.tx() as s:
            rev = self.reviewer(s, session)
            app = self.review_app(s, rev, app_id)
            transitions.move(app, AppState.CANCELLED, "cancel")
            app.reject_reason = reason
            app.reviewed_at = self.clock.now()
            self._audit(s, rev, "review.cancel", app, {"reason": reason})
            return self.ctx.applications.app_info(s, app)

    def approve(self, session: Session, app_id: int) -> ApplicationInfo:
        """Approves and issues: the logical certificate, its encryption certificate (KMC key
        escrowed) and its seal images, all in one transaction."""
        with self.store.tx() as s:
            rev, app = self._submitted(s, session, app_id, AppState.ISSUED, "approve")
            check = signing.signature_check(self.ctx, s, app)
            if not check.valid:
                raise E.PreconditionFailed(
                    action="approve", missing=f"a valid 电子签名 ({check.detail})"
                )
            predecessor = (
                qc.certificate(s, app.previous_certificate_id)
                if app.previous_certificate_id
                else None
            )
            cert = self.ctx.issuer.issue(s, app, predecessor)
            app.reviewed_at = self.clock.now()
            self._audit(
                s,
                rev,
                "review.approve",
                app,
                {"certificate": cert.id, "encryption_serial": cert.encryption_serial},
            )
            return self.ctx.applications.app_info(s, app)
