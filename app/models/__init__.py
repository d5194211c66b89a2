"""All tables, imported in one place so Alembic and the app see the same metadata."""

from app.models.agency import Agency, ApiToken
from app.models.aggregate import BranchWaveScore
from app.models.base import utcnow
from app.models.checklist import Checklist, ChecklistVersion
from app.models.followup import CorrectiveAction, Dispute
from app.models.org import Branch, Region
from app.models.report import ReportJob
from app.models.states import (
    ActionStatus,
    AuditAction,
    Band,
    DisputeStatus,
    LabelledState,
    ReportJobStatus,
    VisitStatus,
)
from app.models.user import LoginThrottle, ManagerRegion, Role, User, UserSession
from app.models.visit import Answer, AuditEvent, Photo, Visit, VisitScore
from app.models.wave import Wave, WaveBranch

__all__ = [
    "ActionStatus",
    "Agency",
    "Answer",
    "ApiToken",
    "AuditAction",
    "AuditEvent",
    "Band",
    "Branch",
    "BranchWaveScore",
    "Checklist",
    "ChecklistVersion",
    "CorrectiveAction",
    "Dispute",
    "DisputeStatus",
    "LabelledState",
    "LoginThrottle",
    "ManagerRegion",
    "Photo",
    "Region",
    "ReportJob",
    "ReportJobStatus",
    "Role",
    "User",
    "UserSession",
    "Visit",
    "VisitScore",
    "VisitStatus",
    "Wave",
    "WaveBranch",
    "utcnow",
]
