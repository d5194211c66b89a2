"""Outside agencies and their API tokens: created and revoked by HQ, kept only as sha256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from app.errors import Conflict, Invalid, NotFound
from app.i18n import _
from app.models import (
    AdminObjectKind,
    Agency,
    AgencyBranch,
    ApiToken,
    AuditEvent,
    Branch,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from app.models.base import row_id
from app.services import audit_trail

TOKEN_PREFIX = "smk_"


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class AgencyRow:
    agency: Agency
    tokens: list[ApiToken]
    branch_codes: list[str]  # the branches it is limited to; empty: every branch


def list_agencies(db: Session) -> list[AgencyRow]:
    """Agencies with their tokens (newest first) and branches, for the admin page."""
    tokens: dict[int, list[ApiToken]] = {}
    for token in db.exec(select(ApiToken).order_by(col(ApiToken.created_at).desc())):
        tokens.setdefault(token.agency_id, []).append(token)
    codes: dict[int, list[str]] = {}
    for agency_id, code in db.exec(
        select(AgencyBranch.agency_id, Branch.code)
        .join(Branch, col(Branch.id) == AgencyBranch.branch_id)
        .order_by(col(Branch.code))
    ):
        codes.setdefault(agency_id, []).append(code)
    return [
        AgencyRow(agency, tokens.get(row_id(agency), []), codes.get(row_id(agency), []))
        for agency in db.exec(select(Agency).order_by(col(Agency.name)))
    ]


def branch_codes_of(db: Session, agency: Agency) -> list[str]:
    """The codes of the branches an agency is limited to (empty: every branch)."""
    return list(
        db.exec(
            select(Branch.code)
            .join(AgencyBranch, col(AgencyBranch.branch_id) == Branch.id)
            .where(AgencyBranch.agency_id == agency.id)
            .order_by(col(Branch.code))
        )
    )


def set_agency_branches(db: Session, *, agency: Agency, codes: str) -> list[str]:
    """Limit an agency to these branches (codes, comma- or space-separated; empty: every
    branch). Its API then refuses deliveries and reads elsewhere
    (`access.require_agency_branch`)."""
    wanted = sorted({code for code in codes.replace(",", " ").split() if code})
    found = {b.code: b for b in db.exec(select(Branch).where(col(Branch.code).in_(wanted)))}
    unknown = [code for code in wanted if code not in found]
    if unknown:
        raise Invalid(
            _("Unknown branch code: %(codes)s", codes=", ".join(unknown)), field="branches"
        )
    before = branch_codes_of(db, agency)
    db.exec(delete(AgencyBranch).where(col(AgencyBranch.agency_id) == agency.id))
    db.add_all(AgencyBranch(agency_id=row_id(agency), branch_id=row_id(found[c])) for c in wanted)
    db.flush()
    audit_trail.note(
        db, kind=AdminObjectKind.agency, obj=agency, field="branches", before=before, after=wanted
    )
    return wanted


def get_agency(db: Session, *, agency_id: int) -> Agency:
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("Not found."))
    return agency


def create_agency(db: Session, *, name: str) -> Agency:
    """An agency account; visits it delivers carry its id."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid(_("A name is required (at most 200 characters)."), field="name")
    if db.exec(select(Agency).where(Agency.name == name)).first():
        raise Invalid(_("An agency with this name exists."), field="name")
    agency = Agency(name=name)
    db.add(agency)
    db.flush()
    return agency


def agency_named(db: Session, *, name: str) -> Agency:
    """The agency with this name, created when it does not exist yet (for the CLI)."""
    found = db.exec(select(Agency).where(Agency.name == name.strip())).first()
    return found or create_agency(db, name=name)


def set_agency_active(db: Session, *, agency: Agency, active: bool) -> Agency:
    """An inactive agency's tokens stop working; its delivered visits stay."""
    agency.active = active
    db.add(agency)
    return agency


def create_token(
    db: Session, *, agency: Agency, name: str, user: User | None = None
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its sha256 is stored."""
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid(_("A name is required (at most 200 characters)."), field="name")
    if not agency.active:
        raise Conflict(_("The agency is inactive."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        agency_id=row_id(agency),
        name=name,
        token_hash=token_hash(secret),
        prefix=secret[:12],
        created_by_id=user.id if user else None,
    )
    db.add(token)
    db.flush()
    return token, secret


def revoke_token(db: Session, *, token_id: int) -> ApiToken:
    """Revoke at once; a revoked token is kept so the list shows what existed."""
    token = db.get(ApiToken, token_id)
    if token is None:
        raise NotFound(_("Not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.add(token)
    return token


def authenticate(db: Session, *, secret: str | None) -> Agency | None:
    """The active agency behind a live bearer token, else None (and notes the token's use)."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    row = db.exec(
        select(ApiToken, Agency)
        .join(Agency, col(Agency.id) == ApiToken.agency_id)
        .where(ApiToken.token_hash == token_hash(secret))
    ).first()
    if row is None or row[0].revoked_at is not None or not row[1].active:
        return None
    token, agency = row
    token.last_used_at = utcnow()
    db.add(token)
    return agency


@dataclass
class DeliveryState:
    """What an agency reads about one of its deliveries: where it stands in review and why."""

    visit: Visit
    reason: str | None  # the reviewer's reason, once rejected
    decided_at: datetime | None  # when it was approved or rejected


def delivery_state(db: Session, *, visit: Visit) -> DeliveryState:
    """A delivery's review state (submitted, approved or rejected), with a rejection's reason."""
    if visit.status == VisitStatus.approved:
        return DeliveryState(visit, None, visit.approved_at)
    if visit.status != VisitStatus.rejected:
        return DeliveryState(visit, None, None)
    event = db.exec(
        select(AuditEvent)
        .where(AuditEvent.visit_id == visit.id, AuditEvent.action == "rejected")
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).first()
    reason = event.reason if event else str((visit.review_notes or {}).get("", ""))
    return DeliveryState(visit, reason or None, event.at if event else None)
