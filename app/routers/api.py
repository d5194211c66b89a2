"""The agency import API (JSON, bearer tokens): deliver visits, read back their scores.

Documented at /docs. Errors are JSON: `{"detail": "...", "errors": ["answers.offer: ..."]}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from app.body_limit import MAX_BULK_BYTES
from app.deps import SessionDep
from app.errors import Invalid
from app.models import Agency
from app.models.base import row_id
from app.scoring import DocumentError
from app.scoring.source import load_json
from app.services import access, scoring
from app.services import agency as agencies
from app.services.agency_import import deliver_many, deliver_visit
from app.services.agency_zip import is_zip, read_bundle

router = APIRouter(prefix="/api/v1", tags=["Agency visits"])
bearer = HTTPBearer(auto_error=False, description="An agency API token (`smk_…`) from HQ.")

EXAMPLE = {
    "format": 1,
    "external_id": "ACME-2026-000123",
    "checklist": "retail-visit",
    "checklist_version": 1,
    "branch": "SH-001",
    "visited_at": "2026-11-20T10:15:00+08:00",
    "time_out": "2026-11-20T10:41:00+08:00",
    "answers": {
        "greet-time": {"value": 42},
        "greeting-words": {"value": "yes", "comment": "Big smile at the door"},
        "store-tidy": {"value": 4},
    },
}


# The visit document (formats.md) as the schema states it: the shape and types every delivery
# must have. What depends on stored data (the branch and checklist exist, the answers fit its
# items) cannot be written here; the handler answers 422 naming each path for that.
VISIT_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "title": "Visit document",
    "additionalProperties": False,
    "required": ["format", "external_id", "checklist", "branch", "visited_at"],
    "properties": {
        "format": {"type": "integer", "enum": [1]},
        "external_id": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
        "checklist": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"},
        "checklist_version": {"type": ["integer", "null"], "minimum": 1},
        "branch": {"type": "string", "minLength": 1, "pattern": "\\S"},
        "visited_at": {"type": "string", "format": "date-time"},
        "time_out": {"type": ["string", "null"], "format": "date-time"},
        "answers": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"value": {}, "comment": {"type": ["string", "null"]}},
            },
        },
    },
}


class ApiError(BaseModel):
    """Every refusal: `detail` for people, `errors` (when present) names each path."""

    detail: str
    errors: list[str] | None = None


def _refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "Missing, unknown or revoked API token",
        403: "HQ limited this agency to other branches; `detail` names the branch",
        404: "No visit of this agency has this id",
        409: "The external_id is already used by another agency",
        413: "The body is larger than the limit",
        422: "Invalid document or request; `errors` names each path",
    }
    return {s: {"model": ApiError, "description": described[s]} for s in statuses}


def current_agency(
    db: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Agency:
    agency = agencies.authenticate(db, secret=credentials.credentials if credentials else None)
    if agency is None:
        raise HTTPException(
            401, "Missing, unknown or revoked API token", headers={"WWW-Authenticate": "Bearer"}
        )
    return agency


AgencyDep = Annotated[Agency, Depends(current_agency)]


class Receipt(BaseModel):
    """What the system made of a delivered visit."""

    id: int
    external_id: str | None
    status: str
    created: bool
    wave_id: int | None
    score: dict[str, Any]


class ScoreReport(BaseModel):
    id: int
    external_id: str | None
    status: str
    approved_at: datetime | None
    score: dict[str, Any] | None


class DeliveryReport(BaseModel):
    """Where a delivered visit stands in HQ's review, and why when it was rejected."""

    id: int
    external_id: str
    status: str = Field(description="`submitted` (waiting for review), `approved` or `rejected`")
    reason: str | None = Field(description="The reviewer's reason, when `rejected`")
    decided_at: datetime | None = Field(description="When it was approved or rejected")
    wave_id: int | None
    score: dict[str, Any] | None = Field(description="The current score (it may change in review)")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 412,
                    "external_id": "ACME-2026-000123",
                    "status": "rejected",
                    "reason": "The receipt photo shows another store's name.",
                    "decided_at": "2026-11-21T03:12:00Z",
                    "wave_id": 7,
                    "score": {"score": 77.78, "band": "within"},
                }
            ]
        }
    }


class BulkLine(BaseModel):
    index: int
    external_id: str | None
    status: str
    visit_id: int | None
    errors: list[str]


class BulkReport(BaseModel):
    created: int
    existing: int
    invalid: int
    results: list[BulkLine]


def _invalid(errors: list[str]) -> JSONResponse:
    return JSONResponse({"detail": "; ".join(errors), "errors": errors}, status_code=422)


async def raw_body(request: Request) -> bytes:
    """The request body, read here so the handlers can run in the thread pool."""
    size = request.headers.get("content-length", "0")
    if size.isdigit() and int(size) > MAX_BULK_BYTES:
        raise Invalid("body: larger than 256 MB; split the delivery")
    return await request.body()


BodyDep = Annotated[bytes, Depends(raw_body)]


def _json(body: bytes) -> Any:
    return load_json(body, "body")


@router.post(
    "/visits",
    response_model=Receipt,
    status_code=201,
    responses={
        200: {"model": Receipt, "description": "Already delivered (same external_id)"},
        **_refusals(401, 403, 409, 413, 422),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": VISIT_DOCUMENT,
                    "example": EXAMPLE,
                }
            },
        }
    },
)
def post_visit(db: SessionDep, agency: AgencyDep, body: BodyDep) -> Response:
    """Deliver one finished visit (the visit document of formats.md plus `external_id`).

    The branch is found by `branch` code, the checklist by `checklist` and
    `checklist_version` (latest when left out). The visit is validated and scored
    and waits for HQ's review. Sending the same `external_id` again returns the
    first delivery with status 200 and changes nothing.

    The visit must fall in an open wave: a `visited_at` on a day (in the branch's time
    zone) that no wave of that branch and checklist version covers is refused with
    `visited_at: ...`. Every problem of a document comes in one 422: missing answers
    together with invalid values. Follow the review with `GET /api/v1/visits/{external_id}`.

    A checklist with `variants` needs the visit's `variant` (one of its ids); it decides
    which `{variant: [...]}` conditions hold. Answers whose `require_comment` applies need
    their `comment`, and `require_photo` its photo (`answers.<id>.comment: ...`).
    """
    try:
        done = deliver_visit(db, agency=agency, document=_json(body))
    except DocumentError as exc:
        return _invalid(exc.errors)
    receipt = Receipt(
        id=row_id(done.visit),
        external_id=done.visit.external_id,
        status=done.visit.status,
        created=done.created,
        wave_id=done.visit.wave_id,
        score=done.score,
    )
    return JSONResponse(receipt.model_dump(), status_code=201 if done.created else 200)


@router.get(
    "/visits/{visit_id:int}/score",
    response_model=ScoreReport,
    responses=_refusals(401, 403, 404, 422),
)
def visit_score(db: SessionDep, agency: AgencyDep, visit_id: int) -> ScoreReport:
    """The current score of a visit this agency delivered (it may change in review)."""
    visit = access.get_agency_visit(db, agency, visit_id)
    return ScoreReport(
        id=row_id(visit),
        external_id=visit.external_id,
        status=visit.status,
        approved_at=visit.approved_at,
        score=scoring.stored_result(db, visit=visit),
    )


@router.get(
    "/visits/{external_id}",
    response_model=DeliveryReport,
    responses=_refusals(401, 403, 404, 422)
    | {
        404: {"model": ApiError, "description": "No delivery of this agency has this `external_id`"}
    },
)
def get_delivery(db: SessionDep, agency: AgencyDep, external_id: str) -> DeliveryReport:
    """Follow one of your deliveries by your own `external_id`: its review state
    (`submitted`, `approved`, `rejected`), the reviewer's reason when rejected, and its
    current score. Another agency's `external_id` answers 404. A rejected visit is not
    delivered again under the same `external_id`: send the corrected visit under a new one.
    """
    state = agencies.delivery_state(db, visit=access.get_agency_delivery(db, agency, external_id))
    return DeliveryReport(
        id=row_id(state.visit),
        external_id=external_id,
        status=state.visit.status,
        reason=state.reason,
        decided_at=state.decided_at,
        wave_id=state.visit.wave_id,
        score=scoring.stored_result(db, visit=state.visit),
    )


@router.post(
    "/visits/bulk",
    response_model=BulkReport,
    responses=_refusals(401, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "A JSON array of visit documents, or a ZIP: `visits.json` plus "
            "photos at `photos/<external_id>/<item_id>/<file>`.",
            "content": {
                "application/json": {
                    # Each document is checked on its own: a bad one is reported by its index
                    # and does not refuse the others, so the items have no schema to break.
                    "schema": {
                        "type": "array",
                        "items": {"description": "A visit document, as POST /api/v1/visits"},
                    },
                    "example": [EXAMPLE],
                },
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def post_bulk(db: SessionDep, agency: AgencyDep, body: BodyDep) -> Response:
    """Deliver many visits at once; each is handled on its own and reported by index.

    `status` per visit: `created`, `existing` (already delivered) or `invalid` with
    `errors`. Invalid visits do not stop the others.
    """
    photos: dict[str, list[tuple[str, str, bytes]]] = {}
    if is_zip(body):
        documents, photos = read_bundle(body)
    else:
        try:
            documents = _json(body)
        except DocumentError as exc:
            return _invalid(exc.errors)
        if not isinstance(documents, list):
            return _invalid(["body: must be a JSON array of visit documents, or a ZIP"])
    results = deliver_many(db, agency=agency, documents=documents, photos=photos)
    lines = [BulkLine(**r.__dict__) for r in results]
    report = BulkReport(
        created=sum(r.status == "created" for r in results),
        existing=sum(r.status == "existing" for r in results),
        invalid=sum(r.status == "invalid" for r in results),
        results=lines,
    )
    return JSONResponse(report.model_dump())
