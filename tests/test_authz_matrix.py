"""The authorization matrix: every route x every role x an object in and out of the user's scope.

`MATRIX` below is the one table: for each route of `app.routes` (method and path) it says how to
call it and which status each role gets, for an object in the caller's scope and for one outside
it. A route added to the app without a row here fails `test_every_route_has_a_row`, so nobody
ships a page whose access rules were never written down.

The world has two sides. Side A is what the callers own or manage: the shopper's visits, the
manager's region East (branch E1), agency A's deliveries. Side B mirrors it for someone else:
another shopper's visits, region South (branch S1), agency B. A cell is one status (the same for
both sides: the route has no object, or the role sees everything) or a pair (side A, side B).

Every request runs in a savepoint rolled back after it, so each cell sees the same world (built
once for the module) and cells are independent of their order. Requests carry a valid CSRF token:
what is tested here is who may reach what, not CSRF (tests/test_auth.py covers that).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import _IncludedRouter
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from app.deps import PRE_CSRF_COOKIE, SESSION_COOKIE
from app.main import APP_CSP
from app.models import (
    BackgroundJob,
    Branch,
    CorrectiveAction,
    Dispute,
    Region,
    ReportJob,
    UserSession,
    Visit,
    VisitStatus,
    utcnow,
)
from app.security import token_digest
from tests.admin.factories import make_visit, make_wave, mini_version
from tests.csp_check import OWN_POLICY, csp_problems

ROLES = ("anonymous", "shopper", "reviewer", "manager", "admin", "agency")

# Statuses by name, so that a row reads as what the caller meets.
OK, CREATED, SEE_OTHER, FOUND = 200, 201, 303, 302
LOGIN = FOUND  # a page asked for without a session: to the login form
NOT_FOUND = 404  # a role that may never reach the route, or an object outside its scope
FORBIDDEN = 403  # the object is visible, the action is not the role's
NO_TOKEN = 401  # the agency API without a valid bearer token (a session cookie is no token)
INVALID = 422  # reached the handler, which refused the (deliberately incomplete) form


def both(side_a: int, side_b: int) -> tuple[int, int]:
    return (side_a, side_b)


def admin_only(status: int) -> tuple[Any, ...]:
    """HQ's pages: other roles are told "not found", as if the page did not exist."""
    return (LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, status, LOGIN)


def everyone(status: int) -> tuple[Any, ...]:
    return (status,) * len(ROLES)


@dataclass(frozen=True)
class Row:
    """How to call one route and what each role gets (in the order of ROLES).

    `params`, `query` and `data` values that name an object kind (`"visit"`, `"@wave"` in
    query and form values) are replaced by that object's id on the side being tried.
    """

    expect: tuple[Any, ...]
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    json: Any = None
    photo: bool = False  # send a small JPEG as the form's `file`
    headers: dict[str, str] = field(default_factory=dict)


AGENCY_DOC = {
    "format": 1,
    "external_id": "MATRIX-1",
    "checklist": "mini",
    "checklist_version": 1,
    "branch": "E1",
    "visited_at": "2026-11-20T10:15:00+08:00",
    "time_out": "2026-11-20T10:41:00+08:00",
    "answers": {
        "greet": {"value": "yes"},
        "wait": {"value": 40},
        "receipt": {"value": "yes"},
        "name": {"value": "no"},
        "clean": {"value": "na"},
    },
}
ANSWER = {"item_id": "greet", "value": "yes", "client_id": "matrix-1"}
ACTION = {
    "wave": "@wave",
    "item_id": "greet",
    "what": "Greet",
    "owner": "Lead",
    "due_on": "2030-01-01",
}

SHOPPER_PAGE = (LOGIN, both(OK, NOT_FOUND), NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN)
SHOPPER_POST = (LOGIN, both(SEE_OTHER, NOT_FOUND), NOT_FOUND, NOT_FOUND, NOT_FOUND, LOGIN)
REVIEWER_ONLY = (LOGIN, NOT_FOUND, OK, NOT_FOUND, OK, LOGIN)
REVIEWER_POST = (LOGIN, NOT_FOUND, SEE_OTHER, NOT_FOUND, SEE_OTHER, LOGIN)
# Managers see their regions' branches and approved visits; HQ sees every one.
MANAGER_PAGE = (LOGIN, NOT_FOUND, NOT_FOUND, both(OK, NOT_FOUND), OK, LOGIN)
MANAGER_POST = (LOGIN, NOT_FOUND, NOT_FOUND, both(SEE_OTHER, NOT_FOUND), SEE_OTHER, LOGIN)
# Waves are plans, not secrets: both sides' waves open, their figures limited to the region.
MANAGER_WAVE = (LOGIN, NOT_FOUND, NOT_FOUND, OK, OK, LOGIN)
# A photo is seen by whoever may see its visit: its shopper, reviewers, HQ, the region's manager.
PHOTO = (LOGIN, both(OK, NOT_FOUND), OK, both(OK, NOT_FOUND), OK, LOGIN)
API = (NO_TOKEN,) * 5

# fmt: off
MATRIX: dict[tuple[str, str], Row] = {
    # The API's documentation and the static files are public.
    ("GET", "/openapi.json"): Row(everyone(OK)),
    ("GET", "/docs"): Row(everyone(OK)),
    ("GET", "/redoc"): Row(everyone(OK)),
    ("GET", "/static"): Row(everyone(OK), params={"path": "app.css"}),
    ("GET", "/healthz"): Row(everyone(OK)),
    ("GET", "/sw.js"): Row(everyone(OK)),
    ("GET", "/favicon.ico"): Row(everyone(OK)),
    ("GET", "/manifest.webmanifest"): Row(everyone(OK)),
    ("GET", "/offline"): Row(everyone(OK)),
    # Lists the open visits of a shopper only; everyone else gets empty lists.
    ("GET", "/visits/offline.json"): Row(everyone(OK)),
    # Account.
    ("GET", "/login"): Row((OK, SEE_OTHER, SEE_OTHER, SEE_OTHER, SEE_OTHER, OK)),
    ("POST", "/login"): Row(everyone(400), data={"username": "shopper", "password": "wrong"}),
    ("GET", "/account/password"): Row((LOGIN, OK, OK, OK, OK, LOGIN)),
    ("POST", "/account/password"): Row((LOGIN, INVALID, INVALID, INVALID, INVALID, LOGIN)),
    # The login's second step: without a right password a moment ago, back to the login.
    ("GET", "/login/code"): Row(everyone(SEE_OTHER)),
    ("POST", "/login/code"): Row(everyone(SEE_OTHER), data={"code": "123456"}),
    # Two-factor login: office accounts only; shoppers are told "not found".
    ("GET", "/account/two-factor"): Row((LOGIN, NOT_FOUND, OK, OK, OK, LOGIN)),
    ("POST", "/account/two-factor/enable"): Row(
        (LOGIN, NOT_FOUND, INVALID, INVALID, INVALID, LOGIN)
    ),
    ("POST", "/account/two-factor/recovery-codes"): Row(
        (LOGIN, NOT_FOUND, SEE_OTHER, SEE_OTHER, SEE_OTHER, LOGIN)
    ),
    ("POST", "/account/two-factor/disable"): Row(
        (LOGIN, NOT_FOUND, INVALID, INVALID, INVALID, LOGIN)
    ),
    ("POST", "/logout"): Row(everyone(SEE_OTHER)),
    ("POST", "/language"): Row(everyone(SEE_OTHER), data={"language": "zh-CN"}),
    ("GET", "/"): Row((LOGIN, OK, OK, OK, OK, LOGIN)),
    # The shopper's visit: only its own shopper, and only shoppers.
    ("GET", "/visits/{visit_id:int}"): Row(SHOPPER_PAGE, {"visit_id": "open_visit"}),
    ("POST", "/visits/{visit_id:int}/start"): Row(SHOPPER_POST, {"visit_id": "open_visit"}),
    ("POST", "/visits/{visit_id:int}/answers"): Row(
        SHOPPER_PAGE, {"visit_id": "open_visit"}, data=ANSWER
    ),
    ("POST", "/visits/{visit_id:int}/sections/{section_id}"): Row(
        SHOPPER_POST, {"visit_id": "open_visit", "section_id": "=arrival"}, data={"v.greet": "yes"}
    ),
    ("POST", "/visits/{visit_id:int}/submit"): Row(SHOPPER_POST, {"visit_id": "open_visit"}),
    ("POST", "/visits/{visit_id:int}/content-language"): Row(
        SHOPPER_POST, {"visit_id": "open_visit"}, data={"language": "en"}
    ),
    ("POST", "/visits/{visit_id:int}/photos"): Row(
        SHOPPER_POST, {"visit_id": "open_visit"}, data={"item_id": "shelf"}, photo=True
    ),
    ("GET", "/visits/{visit_id:int}/photos/{photo_id:int}"): Row(
        PHOTO, {"visit_id": "approved_visit", "photo_id": "approved_photo"}
    ),
    ("GET", "/visits/{visit_id:int}/photos/{photo_id:int}/thumb"): Row(
        PHOTO, {"visit_id": "approved_visit", "photo_id": "approved_photo"}
    ),
    ("POST", "/visits/{visit_id:int}/photos/{photo_id:int}/delete"): Row(
        SHOPPER_POST, {"visit_id": "open_visit", "photo_id": "open_photo"}
    ),
    # HQ: checklists.
    ("GET", "/admin/checklists"): Row(admin_only(OK)),
    ("POST", "/admin/checklists"): Row(admin_only(INVALID)),
    ("GET", "/admin/checklists/{code}"): Row(admin_only(OK), {"code": "=mini"}),
    ("GET", "/admin/checklists/{code}/{number}"): Row(
        admin_only(OK), {"code": "=mini", "number": "=1"}
    ),
    ("GET", "/admin/checklists/{code}/{number}/download"): Row(
        admin_only(OK), {"code": "=mini", "number": "=1"}
    ),
    # HQ: branches and regions.
    ("GET", "/admin/branches"): Row(admin_only(OK)),
    ("GET", "/admin/branches/new"): Row(admin_only(OK)),
    ("POST", "/admin/branches/new"): Row(admin_only(INVALID)),
    ("GET", "/admin/branches/import"): Row(admin_only(OK)),
    ("POST", "/admin/branches/import"): Row(admin_only(INVALID)),
    ("GET", "/admin/branches/import/jobs/{job_id:int}"): Row(
        admin_only(OK), {"job_id": "branch_import"}
    ),
    ("GET", "/admin/branches/{branch_id:int}"): Row(admin_only(OK), {"branch_id": "branch"}),
    ("POST", "/admin/branches/{branch_id:int}"): Row(admin_only(INVALID), {"branch_id": "branch"}),
    ("POST", "/admin/branches/{branch_id:int}/active"): Row(
        admin_only(SEE_OTHER), {"branch_id": "branch"}
    ),
    ("POST", "/admin/branches/{branch_id:int}/staff-informed"): Row(
        admin_only(SEE_OTHER), {"branch_id": "branch"}
    ),
    ("GET", "/admin/regions"): Row(admin_only(OK)),
    ("POST", "/admin/regions"): Row(admin_only(INVALID)),
    ("GET", "/admin/regions/{region_id:int}"): Row(admin_only(OK), {"region_id": "region"}),
    ("POST", "/admin/regions/{region_id:int}"): Row(admin_only(INVALID), {"region_id": "region"}),
    # HQ: users.
    # HQ: the audit trail and the security log.
    ("GET", "/admin/audit"): Row(admin_only(OK)),
    ("GET", "/admin/security"): Row(admin_only(OK)),
    ("GET", "/admin/users"): Row(admin_only(OK)),
    ("GET", "/admin/users/new"): Row(admin_only(OK)),
    ("POST", "/admin/users/new"): Row(admin_only(INVALID)),
    ("GET", "/admin/users/import"): Row(admin_only(OK)),
    ("POST", "/admin/users/import"): Row(admin_only(INVALID)),
    ("GET", "/admin/users/import/jobs/{job_id:int}"): Row(
        admin_only(OK), {"job_id": "user_import"}
    ),
    ("GET", "/admin/users/{user_id:int}"): Row(admin_only(OK), {"user_id": "user"}),
    ("POST", "/admin/users/{user_id:int}"): Row(admin_only(INVALID), {"user_id": "user"}),
    ("POST", "/admin/users/{user_id:int}/active"): Row(
        admin_only(SEE_OTHER), {"user_id": "user"}
    ),
    ("POST", "/admin/users/{user_id:int}/two-factor/reset"): Row(
        admin_only(SEE_OTHER), {"user_id": "user"}
    ),
    # HQ: waves and single visits.
    ("GET", "/admin/waves"): Row(admin_only(OK)),
    ("GET", "/admin/waves/new"): Row(admin_only(OK)),
    ("POST", "/admin/waves/new"): Row(admin_only(INVALID)),
    ("GET", "/admin/waves/{wave_id:int}"): Row(admin_only(OK), {"wave_id": "wave"}),
    ("POST", "/admin/waves/{wave_id:int}/generate"): Row(
        admin_only(SEE_OTHER), {"wave_id": "wave"}
    ),
    ("POST", "/admin/waves/{wave_id:int}/visits/{visit_id:int}/reassign"): Row(
        admin_only(SEE_OTHER), {"wave_id": "wave", "visit_id": "open_visit"}
    ),
    ("POST", "/admin/waves/{wave_id:int}/visits/{visit_id:int}/cancel"): Row(
        admin_only(SEE_OTHER), {"wave_id": "wave", "visit_id": "open_visit"}
    ),
    # HQ: agencies and their tokens.
    ("GET", "/admin/agencies"): Row(admin_only(OK)),
    ("POST", "/admin/agencies"): Row(admin_only(INVALID)),
    ("POST", "/admin/agencies/{agency_id:int}/tokens"): Row(
        admin_only(OK), {"agency_id": "agency"}, data={"name": "new"}
    ),
    ("POST", "/admin/agencies/{agency_id:int}/active"): Row(
        admin_only(SEE_OTHER), {"agency_id": "agency"}
    ),
    ("POST", "/admin/agencies/{agency_id:int}/branches"): Row(
        admin_only(SEE_OTHER), {"agency_id": "agency"}, data={"branches": ""}
    ),
    ("POST", "/admin/agencies/tokens/{token_id:int}/revoke"): Row(
        admin_only(SEE_OTHER), {"token_id": "token"}
    ),
    # Review: reviewers and HQ, every visit.
    ("GET", "/review"): Row(REVIEWER_ONLY),
    ("GET", "/review/{visit_id:int}"): Row(REVIEWER_ONLY, {"visit_id": "submitted_visit"}),
    ("POST", "/review/{visit_id:int}/approve"): Row(
        REVIEWER_POST, {"visit_id": "submitted_visit"}
    ),
    # Rejecting an agency delivery: reviewers and HQ only.
    ("POST", "/review/{visit_id:int}/reject"): Row(
        REVIEWER_POST,
        {"visit_id": "agency_visit"},
        data={"reason": "Photos from another branch."},
    ),
    ("POST", "/review/{visit_id:int}/return"): Row(
        REVIEWER_POST, {"visit_id": "submitted_visit"}, data={"note-greet": "Say how."}
    ),
    ("POST", "/review/{visit_id:int}/content-language"): Row(
        REVIEWER_POST, {"visit_id": "submitted_visit"}, data={"language": "en"}
    ),
    ("POST", "/review/{visit_id:int}/correct"): Row(
        REVIEWER_POST,
        {"visit_id": "submitted_visit"},
        data={"item_id": "greet", "value": "no", "reason": "Photo shows it."},
    ),
    # The agency API: a bearer token of the agency that delivered the visit, nothing else.
    ("POST", "/api/v1/visits"): Row((*API, CREATED), json=AGENCY_DOC),
    ("GET", "/api/v1/visits/{visit_id:int}/score"): Row(
        (*API, both(OK, NOT_FOUND)), {"visit_id": "agency_visit"}
    ),
    ("POST", "/api/v1/visits/bulk"): Row((*API, OK), json=[AGENCY_DOC]),
    # An agency follows its own deliveries by its own id; another agency's is not found.
    ("GET", "/api/v1/visits/{external_id}"): Row(
        (*API, both(OK, NOT_FOUND)), {"external_id": "delivery"}
    ),
    # Scorecards: managers (their regions) and HQ.
    ("GET", "/scorecards"): Row(MANAGER_WAVE),
    ("GET", "/scorecards/branches/{branch_id:int}"): Row(
        MANAGER_PAGE, {"branch_id": "branch"}, query={"wave": "@wave"}
    ),
    ("GET", "/scorecards/branches/{branch_id:int}/standards/{item_id}"): Row(
        MANAGER_PAGE, {"branch_id": "branch", "item_id": "=greet"}, query={"wave": "@wave"}
    ),
    ("POST", "/scorecards/branches/{branch_id:int}/actions"): Row(
        MANAGER_POST, {"branch_id": "branch"}, data=ACTION
    ),
    ("POST", "/scorecards/actions/{action_id:int}"): Row(MANAGER_POST, {"action_id": "action"}),
    ("GET", "/scorecards/visits/{visit_id:int}"): Row(MANAGER_PAGE, {"visit_id": "approved_visit"}),
    # Disputes: managers raise them in their regions, reviewers and HQ decide.
    ("GET", "/disputes"): Row((LOGIN, NOT_FOUND, OK, OK, OK, LOGIN)),
    ("GET", "/disputes/new"): Row(
        MANAGER_PAGE, query={"visit": "@approved_visit", "item": "greet"}
    ),
    ("POST", "/disputes"): Row(
        MANAGER_POST, data={"visit": "@approved_visit", "item": "greet", "reason": "It was said."}
    ),
    ("GET", "/disputes/{dispute_id:int}"): Row(
        (LOGIN, NOT_FOUND, OK, both(OK, NOT_FOUND), OK, LOGIN), {"dispute_id": "dispute"}
    ),
    ("POST", "/disputes/{dispute_id:int}/decision"): Row(
        (LOGIN, NOT_FOUND, SEE_OTHER, both(FORBIDDEN, NOT_FOUND), SEE_OTHER, LOGIN),
        {"dispute_id": "dispute"},
        data={"decision": "reject", "explanation": "The photo shows no greeting."},
    ),
    # Spreadsheets and reports.
    ("GET", "/exports/waves/{wave_id:int}.xlsx"): Row(MANAGER_WAVE, {"wave_id": "wave"}),
    ("GET", "/exports/waves/{wave_id:int}.csv"): Row(MANAGER_WAVE, {"wave_id": "wave"}),
    ("GET", "/reports"): Row(admin_only(OK)),
    ("GET", "/reports/branches/{branch_id:int}/waves/{wave_id:int}.pdf"): Row(
        MANAGER_PAGE, {"branch_id": "branch", "wave_id": "wave"}
    ),
    ("POST", "/reports/exports"): Row(admin_only(SEE_OTHER), data={"wave_id": "@wave"}),
    ("GET", "/reports/exports/{job_id:int}"): Row(admin_only(SEE_OTHER), {"job_id": "job"}),
    ("GET", "/reports/exports/{job_id:int}/download"): Row(admin_only(OK), {"job_id": "job"}),
    ("POST", "/reports/jobs"): Row(
        admin_only(SEE_OTHER), data={"wave_id": "@wave", "kind": "warm_reports"}
    ),
    ("GET", "/reports/jobs/{job_id:int}"): Row(admin_only(SEE_OTHER), {"job_id": "task"}),
}
# fmt: on


def app_routes(app) -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers unpacked."""

    def walk(routes):
        for route in routes:
            if isinstance(route, _IncludedRouter):
                yield from walk(route.effective_candidates())
            else:
                yield route

    for route in walk(app.routes):
        methods = getattr(route, "methods", None) or {"GET"}  # a mount serves GET
        for method in sorted(methods - {"HEAD"}):
            yield method, route.path


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


@dataclass
class World:
    sides: dict[str, dict[str, int]]  # "A"/"B" -> object kind -> id
    cookies: dict[str, str]  # role -> Cookie header
    csrf: dict[str, str]  # role -> CSRF token
    bearer: str  # agency A's token
    holder: dict[str, Session]


def _build(db: Session) -> World:
    from app.services import agency as agencies
    from app.services.auth import create_user, start_session
    from app.services.photos import clean_image, record_photo

    east, south = Region(code="E", name="East"), Region(code="S", name="South")
    db.add_all([east, south])
    db.flush()
    e1 = Branch(code="E1", name="East One", region_id=east.id)
    s1 = Branch(code="S1", name="South One", region_id=south.id)
    db.add_all([e1, s1])
    db.flush()
    users = {
        name: create_user(
            db,
            username=name,
            name=name.title(),
            role=role,
            password=f"{name}-pass-2026",
            region_ids=regions,
        )
        for name, role, regions in (
            ("admin", "admin", []),
            ("manager", "manager", [east.id]),
            ("reviewer", "reviewer", []),
            ("shopper", "shopper", []),
            ("shopper2", "shopper", []),
        )
    }
    db.flush()
    version = mini_version(db)
    image = clean_image(_jpeg(), tz=None)
    window = {
        "due_from": datetime(2026, 1, 1, tzinfo=UTC),
        "due_until": datetime(2030, 1, 1, tzinfo=UTC),
    }
    secrets: dict[str, str] = {}
    sides: dict[str, dict[str, int]] = {}
    for side, region, branch, shopper in (("A", east, e1, "shopper"), ("B", south, s1, "shopper2")):
        owner = users[shopper]
        wave = make_wave(db, version, [branch], name=f"Wave {side}", starts=date(2026, 11, 1))
        open_visit = Visit(
            branch_id=branch.id,
            shopper_id=owner.id,
            wave_id=wave.id,
            checklist_version_id=version.id,
            status=VisitStatus.in_progress,
            time_in=datetime(2026, 11, 2, 9, tzinfo=UTC),
            **window,
        )
        db.add(open_visit)
        db.flush()
        submitted = make_visit(db, version, branch, shopper=owner, wave=wave)
        approved = make_visit(
            db, version, branch, shopper=owner, wave=wave, status=VisitStatus.approved
        )
        approved.approved_at = utcnow() - timedelta(days=1)
        db.add(approved)
        open_photo = record_photo(
            db, visit=open_visit, item_id="shelf", processed=image, source_sha256="a" * 64
        )
        approved_photo = record_photo(
            db, visit=approved, item_id="shelf", processed=image, source_sha256="b" * 64
        )
        dispute = Dispute(
            visit_id=approved.id, item_id="receipt", reason="Given.", raised_by_id=None
        )
        action = CorrectiveAction(
            branch_id=branch.id,
            wave_id=wave.id,
            item_id="greet",
            what="Greet",
            owner="Lead",
            due_on=date(2030, 1, 1),
        )
        agency = agencies.create_agency(db, name=f"Agency {side}")
        token, secrets[side] = agencies.create_token(db, agency=agency, name="main")
        delivered = make_visit(db, version, branch, wave=wave)
        delivered.agency_id = agency.id
        delivered.external_id = f"EXT-{side}"
        job = ReportJob(
            wave_id=wave.id, status="done", total=1, done=1, path=f"exports/matrix-{side}.zip"
        )
        task = BackgroundJob(kind="rescore_wave", wave_id=wave.id, status="done", total=1, done=1)
        done = {"status": "done", "total": 2, "done": 2}
        counts = {"create": 1, "update": 0, "unchanged": 0}
        branch_import = BackgroundJob(kind="import_branches", result=counts, **done)
        user_import = BackgroundJob(kind="import_users", result=counts, **done)
        db.add_all([dispute, action, delivered, job, task, branch_import, user_import])
        db.flush()
        from app import storage

        storage.write(db, job.path or "", b"PK\x05\x06" + b"\0" * 18)  # an empty ZIP
        sides[side] = {
            "branch": branch.id, "region": region.id, "wave": wave.id, "open_visit": open_visit.id,
            "submitted_visit": submitted.id, "approved_visit": approved.id,
            "open_photo": open_photo.id, "approved_photo": approved_photo.id,
            "dispute": dispute.id, "action": action.id, "agency": agency.id, "token": token.id,
            "agency_visit": delivered.id, "job": job.id, "task": task.id, "user": owner.id,
            "delivery": delivered.external_id, "branch_import": branch_import.id,
            "user_import": user_import.id,
        }  # fmt: skip
    cookies, csrf = {}, {}
    for role in ROLES:
        if role in ("anonymous", "agency"):
            csrf[role] = "pre-session-csrf-token"
            cookies[role] = f"{PRE_CSRF_COOKIE}={csrf[role]}"
            continue
        token = start_session(db, user=users[role])
        db.flush()
        row = db.exec(select(UserSession).where(UserSession.id == token_digest(token))).one()
        csrf[role] = row.csrf_token
        cookies[role] = f"{SESSION_COOKIE}={token}"
    db.commit()
    return World(sides, cookies, csrf, secrets["A"], {})


@pytest.fixture(scope="module")
def matrix(engine) -> Iterator[tuple[TestClient, World, Any]]:
    """One world for the module, inside a transaction that is rolled back at the end."""
    from contextlib import nullcontext

    from app.deps import get_auth_db, get_db, get_log_db
    from app.main import create_app
    from app.reports import jobs

    connection = engine.connect()
    outer = connection.begin()
    setup = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    world = _build(setup)
    setup.close()
    app = create_app()

    def request_db():
        db = world.holder["db"]
        try:
            yield db
            db.commit()
        except Exception:
            db.rollback()
            raise

    app.dependency_overrides[get_db] = request_db
    app.dependency_overrides[get_auth_db] = lambda: lambda: nullcontext(world.holder["db"])
    # refusals are logged in the cell's own session (rolled back with it), not a second one
    # that would wait for this module's open transaction
    app.dependency_overrides[get_log_db] = lambda: lambda: nullcontext(world.holder["db"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jobs.dispatcher, "kick", lambda: None)  # no export runs in this module
        client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
        try:
            yield client, world, connection
        finally:
            outer.rollback()
            connection.close()


def _fill(value: str, ids: dict[str, int]) -> str:
    if value.startswith("="):
        return value[1:]
    if value.startswith("@"):
        return str(ids[value[1:]])
    return str(ids[value]) if value in ids else value


def _call(client: TestClient, world: World, connection, method, path, row: Row, role, side):
    ids = world.sides[side]
    url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: _fill(row.params.get(m[1], m[1]), ids), path)
    if path == "/static":
        url = f"/static/{row.params['path']}"
    headers = {"cookie": world.cookies[role], "x-csrf-token": world.csrf[role], **row.headers}
    if role == "agency":
        headers["authorization"] = f"Bearer {world.bearer}"
    query = {k: _fill(v, ids) for k, v in row.query.items()}
    data = {k: _fill(v, ids) for k, v in row.data.items()}
    files = {"file": ("p.jpg", _jpeg(), "image/jpeg")} if row.photo else None
    nested = connection.begin_nested()
    world.holder["db"] = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    client.cookies.clear()
    try:
        if row.json is not None:
            response = client.request(method, url, headers=headers, params=query, json=row.json)
        else:
            response = client.request(
                method, url, headers=headers, params=query, data=data or None, files=files
            )
    finally:
        world.holder["db"].close()
        nested.rollback()
    return response


def test_every_route_has_a_row(matrix):
    """A route without a row in MATRIX (or a row for a route that is gone) fails here."""
    client, _world, _connection = matrix
    served = set(app_routes(client.app))
    assert served - MATRIX.keys() == set(), "routes with no row in MATRIX"
    assert MATRIX.keys() - served == set(), "rows in MATRIX for routes the app does not serve"


def _expected(cell: Any, side: str) -> int:
    if isinstance(cell, tuple):
        return cell[0] if side == "A" else cell[1]
    return cell


def _has_object(row: Row, kinds: dict[str, int]) -> bool:
    """Whether the call names an object of the world (then both sides are tried)."""
    values = [*row.params.values(), *row.query.values(), *row.data.values()]
    return any(not v.startswith("=") and v.lstrip("@") in kinds for v in values)


@pytest.mark.parametrize(
    ("method", "path"), sorted(MATRIX), ids=[f"{m} {p}" for m, p in sorted(MATRIX)]
)
def test_route_by_role_and_scope(matrix, method, path):
    """Each role gets its declared status, in scope (side A) and out of it (side B)."""
    client, world, connection = matrix
    row = MATRIX[(method, path)]
    assert len(row.expect) == len(ROLES)
    wrong = []
    for role, cell in zip(ROLES, row.expect, strict=True):
        for side in ("A", "B") if _has_object(row, world.sides["A"]) else ("A",):
            response = _call(client, world, connection, method, path, row, role, side)
            expected = _expected(cell, side)
            if response.headers.get("content-type", "").startswith("text/html") and not (
                path.startswith(OWN_POLICY)
            ):
                assert response.headers["content-security-policy"] == APP_CSP, role
                blocked = csp_problems(response.text)
                assert not blocked, f"{role} side {side}: the CSP would refuse {blocked}"
            if response.status_code != expected:
                wrong.append(
                    f"{role} side {side}: {response.status_code} (expected {expected}) "
                    f"{response.text[:160]!r}"
                )
            elif expected == LOGIN:
                assert response.headers["location"].startswith("/login"), role
    assert not wrong, "\n".join(wrong)
