"""Every state name the app stores or shows, with its label in the reader's language.

The values are what the database holds (the tables' check constraints list them) and
what the engine returns for a band; `label` is what templates and exports show, so a
state is named in one place. Labels are translated when read, in the current language.
"""

from __future__ import annotations

from enum import StrEnum

from app.i18n import _


class LabelledState(StrEnum):
    """A state with a translated `label`; `label_of` also takes a plain stored string."""

    @property
    def label(self) -> str:
        """Each state enum overrides this with its translated labels; the raw value otherwise."""
        return str(self.value)

    @classmethod
    def label_of(cls, value: str | None) -> str:
        """The label of a stored value; a value that is no member is shown as it is."""
        if value is None:
            return ""
        try:
            return cls(value).label
        except ValueError:
            return str(value)


class VisitStatus(LabelledState):
    assigned = "assigned"
    in_progress = "in_progress"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"
    rejected = "rejected"  # an agency delivery the reviewer refused, with a reason

    @property
    def label(self) -> str:
        return {
            VisitStatus.assigned: _("Assigned"),
            VisitStatus.in_progress: _("In progress"),
            VisitStatus.submitted: _("Submitted"),
            VisitStatus.returned: _("Returned"),
            VisitStatus.approved: _("Approved"),
            VisitStatus.rejected: _("Rejected"),
        }[self]


class DisputeStatus(LabelledState):
    open = "open"
    accepted = "accepted"
    rejected = "rejected"

    @property
    def label(self) -> str:
        return {
            DisputeStatus.open: _("Waiting for a decision"),
            DisputeStatus.accepted: _("Accepted"),
            DisputeStatus.rejected: _("Rejected"),
        }[self]

    def decided_by(self, name: str) -> str:
        """Who decided a dispute, as the dispute's timeline says it ("" while open)."""
        if self is DisputeStatus.accepted:
            return _("Accepted by %(name)s", name=name)
        if self is DisputeStatus.rejected:
            return _("Rejected by %(name)s", name=name)
        return ""


class ActionStatus(LabelledState):
    """A corrective action's state; `overdue` (open past its due date) is shown, never stored."""

    open = "open"
    done = "done"
    overdue = "overdue"

    @property
    def label(self) -> str:
        return {
            ActionStatus.open: _("Open"),
            ActionStatus.done: _("Done"),
            ActionStatus.overdue: _("Overdue"),
        }[self]


class ReportJobStatus(LabelledState):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def label(self) -> str:
        return {
            ReportJobStatus.queued: _("Waiting to start"),
            ReportJobStatus.running: _("Running"),
            ReportJobStatus.done: _("Done"),
            ReportJobStatus.failed: _("Export failed"),
        }[self]


class BackgroundJobStatus(LabelledState):
    """A rescore's or a warm-up's state (the same four as an export's)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"

    @property
    def label(self) -> str:
        return {
            BackgroundJobStatus.queued: _("Waiting to start"),
            BackgroundJobStatus.running: _("Running"),
            BackgroundJobStatus.done: _("Done"),
            BackgroundJobStatus.failed: _("Failed"),
        }[self]


class AuditAction(LabelledState):
    """What an audit event records; `phrase` follows the actor's name in the trail."""

    submitted = "submitted"
    resubmitted = "resubmitted"
    approved = "approved"
    returned = "returned"
    corrected = "corrected"
    rejected = "rejected"
    dispute_raised = "dispute_raised"
    dispute_accepted = "dispute_accepted"
    dispute_rejected = "dispute_rejected"

    @property
    def label(self) -> str:
        return {
            AuditAction.submitted: _("Submitted"),
            AuditAction.resubmitted: _("Submitted again"),
            AuditAction.approved: _("Approved"),
            AuditAction.returned: _("Returned"),
            AuditAction.corrected: _("Corrected"),
            AuditAction.rejected: _("Rejected"),
            AuditAction.dispute_raised: _("Dispute raised"),
            AuditAction.dispute_accepted: _("Dispute accepted"),
            AuditAction.dispute_rejected: _("Dispute rejected"),
        }[self]

    @property
    def phrase(self) -> str:
        return {
            AuditAction.submitted: _("submitted the visit"),
            AuditAction.resubmitted: _("submitted the visit again"),
            AuditAction.approved: _("approved the visit"),
            AuditAction.returned: _("returned the visit"),
            AuditAction.corrected: _("corrected"),
            AuditAction.rejected: _("rejected the delivery"),
            AuditAction.dispute_raised: _("raised a dispute of"),
            AuditAction.dispute_accepted: _("accepted a dispute of"),
            AuditAction.dispute_rejected: _("rejected a dispute of"),
        }[self]

    @classmethod
    def phrase_of(cls, value: str) -> str:
        """The trail phrase of a stored action; an unknown action is shown as it is."""
        try:
            return cls(value).phrase
        except ValueError:
            return value


class Band(LabelledState):
    """The zone of tolerance a score falls in (scoring.md §5), as the engine names it."""

    below = "below"
    within = "within"
    delighted = "delighted"

    @property
    def label(self) -> str:
        return {
            Band.below: _("Below standard"),
            Band.within: _("Within tolerance"),
            Band.delighted: _("Delighted"),
        }[self]


class SecurityEventKind(LabelledState):
    """What the security event log records (`app.services.security_log`)."""

    login = "login"
    login_failed = "login_failed"
    denied = "denied"
    admin_change = "admin_change"
    two_factor = "two_factor"  # turned on or off (by the user, or by HQ for a lost phone)

    @property
    def label(self) -> str:
        return {
            SecurityEventKind.login: _("Login"),
            SecurityEventKind.login_failed: _("Failed login"),
            SecurityEventKind.denied: _("Access refused"),
            SecurityEventKind.admin_change: _("Admin change"),
            SecurityEventKind.two_factor: _("Two-factor login"),
        }[self]


class AdminObjectKind(LabelledState):
    """The kinds of object the audit trail of HQ's changes covers (`app.services.audit_trail`)."""

    user = "user"
    branch = "branch"
    region = "region"
    checklist = "checklist"
    wave = "wave"
    agency = "agency"
    token = "token"

    @property
    def label(self) -> str:
        return {
            AdminObjectKind.user: _("User"),
            AdminObjectKind.branch: _("Branch"),
            AdminObjectKind.region: _("Region"),
            AdminObjectKind.checklist: _("Checklist"),
            AdminObjectKind.wave: _("Wave"),
            AdminObjectKind.agency: _("Agency"),
            AdminObjectKind.token: _("API token"),
        }[self]


class ChangeAction(LabelledState):
    create = "create"
    update = "update"
    delete = "delete"

    @property
    def label(self) -> str:
        return {
            ChangeAction.create: _("Created"),
            ChangeAction.update: _("Changed"),
            ChangeAction.delete: _("Deleted"),
        }[self]
