"""All tables, imported in one place so Alembic and the app see the same metadata."""

from app.models.agency import Agency, AgencyBranch, ApiToken
from app.models.aggregate import BranchWaveScore
from app.models.base import utcnow
from app.models.checklist import Checklist, ChecklistVersion
from app.models.followup import CorrectiveAction, Dispute
from app.models.org import Branch, Region
from app.models.report import BackgroundJob, ReportJob
from app.models.security import AdminChange, SecurityEvent
from app.models.states import (
    ActionStatus,
    AdminObjectKind,
    AuditAction,
    Band,
    ChangeAction,
    DisputeStatus,
    LabelledState,
    ReportJobStatus,
    SecurityEventKind,
    VisitStatus,
)
from app.models.user import (
    LoginThrottle,
    ManagerRegion,
    RecoveryCode,
    Role,
    User,
    UserSession,
)
from app.models.visit import Answer, AuditEvent, Photo, Visit, VisitScore
from app.models.wave import Wave, WaveBranch

__all__ = [
    "ActionStatus",
    "AdminChange",
    "AdminObjectKind",
    "Agency",
    "AgencyBranch",
    "Answer",
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "BackgroundJob",
    "Band",
    "Branch",
    "BranchWaveScore",
    "ChangeAction",
    "Checklist",
    "ChecklistVersion",
    "CorrectiveAction",
    "Dispute",
    "DisputeStatus",
    "LabelledState",
    "LoginThrottle",
    "ManagerRegion",
    "Photo",
    "RecoveryCode",
    "Region",
    "ReportJob",
    "ReportJobStatus",
    "Role",
    "SecurityEvent",
    "SecurityEventKind",
    "User",
    "UserSession",
    "Visit",
    "VisitScore",
    "VisitStatus",
    "Wave",
    "WaveBranch",
    "utcnow",
]
