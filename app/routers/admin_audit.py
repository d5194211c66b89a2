"""HQ only: the audit trail of admin changes and the security event log."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import SessionDep, require_role
from app.models import AdminObjectKind, Role, SecurityEventKind
from app.services import audit_trail, security_log
from app.web import render

router = APIRouter(include_in_schema=False, dependencies=[require_role(Role.admin)])


@router.get("/admin/audit")
def audit(request: Request, db: SessionDep, kind: str = "", page: int = 1) -> Response:
    found = audit_trail.changes(db, kind=kind, page=page)
    context = {"found": found, "kinds": list(AdminObjectKind), "kind": kind}
    return render(request, "admin/audit.html", context, block="results")


@router.get("/admin/security")
def security(request: Request, db: SessionDep, kind: str = "", page: int = 1) -> Response:
    found = security_log.events(db, kind=kind, page=page)
    context = {"found": found, "kinds": list(SecurityEventKind), "kind": kind}
    return render(request, "admin/security.html", context, block="results")
