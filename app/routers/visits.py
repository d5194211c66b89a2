"""The shopper's visit: the page, starting, autosaving answers, submitting.

`visit.js` sends one request per answer and reads JSON back (it asks with
`Accept: application/json`); without JavaScript each moment of truth is a plain
form that saves and comes back to the same place.

Changes are committed before the response leaves: FastAPI ends `yield` dependencies
(where `get_db` commits) only after the response is sent, and a phone that was told
"saved" drops its copy of the change.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response

from app.deps import SessionDep, ShopperUser
from app.errors import Invalid
from app.forms import FormDep, wants_json
from app.i18n import _, content_language
from app.models import Answer
from app.models.answer_codec import engine_value
from app.scoring import Problem
from app.services import access, submission, visit_page, visits
from app.web import flash, redirect, render

router = APIRouter(prefix="/visits")
OptionalForm = Annotated[str | None, Form()]


def answer_json(answer: Answer) -> dict:
    moment = answer.client_time
    return {
        "item_id": answer.item_id,
        "value": engine_value(answer),
        "comment": answer.comment,
        "client_id": answer.client_id,
        "client_time": int(moment.timestamp() * 1000) if moment else 0,
    }


def _float(raw: str | None, field: str) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        raise Invalid(_("This location is not valid."), field=field) from None


def _lang(request: Request) -> str:
    return content_language(request.state.language)


def _page(request: Request, db: SessionDep, user, visit, problems=None, status_code: int = 200):
    page = visit_page.build(db, user=user, visit=visit, lang=_lang(request), problems=problems)
    return render(request, "visit/visit.html", {"page": page}, status_code=status_code)


@router.get("/{visit_id:int}")
def show(
    request: Request, db: SessionDep, user: ShopperUser, visit_id: int, missing: str = ""
) -> Response:
    """The visit; `?missing=1` (where a refused no-JS submission lands) lists what blocks it now."""
    visit = access.get_visit(db, user, visit_id)
    problems = submission.submission_problems(db, visit=visit) if missing else None
    return _page(request, db, user, visit, problems=problems)


@router.post("/{visit_id:int}/start")
def start(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    latitude: OptionalForm = None,
    longitude: OptionalForm = None,
    client_time: OptionalForm = None,
) -> Response:
    visit = access.get_visit(db, user, visit_id)
    visit = visits.start(
        db,
        user=user,
        visit=visit,
        at=visits.parse_time(client_time, field="client_time"),
        latitude=_float(latitude, "latitude"),
        longitude=_float(longitude, "longitude"),
    )
    if wants_json(request):
        started = visit.time_in.isoformat() if visit.time_in else None
        return JSONResponse({"status": visit.status, "time_in": started})
    return redirect(request, f"/visits/{visit.id}")


@router.post("/{visit_id:int}/content-language")
def choose_content_language(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    language: Annotated[str, Form()],
) -> Response:
    """The language the shopper reads checklists in (kept on the account)."""
    visit = access.get_visit(db, user, visit_id)
    visits.choose_content_language(db, user=user, visit=visit, language=language)
    return redirect(request, f"/visits/{visit.id}")


@router.post("/{visit_id:int}/answers")
def save_answer(
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    item_id: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    value: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    client_time: OptionalForm = None,
    timer_started_at: OptionalForm = None,
) -> Response:
    """One autosaved answer; the same client id again (a retried sync) is harmless."""
    visit = access.get_visit(db, user, visit_id, lock=True)
    saved = visits.save_answer(
        db,
        user=user,
        visit=visit,
        item_id=item_id,
        value=value,
        comment=comment,
        client_id=client_id,
        client_time=visits.parse_time(client_time, field="client_time"),
        timer_started_at=visits.parse_time(timer_started_at, field="timer_started_at"),
    )
    body = {"state": saved.state, "answer": answer_json(saved.answer)}
    return JSONResponse(body | {"dropped": list(saved.dropped)})


@router.post("/{visit_id:int}/sections/{section_id}")
def save_section(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    section_id: str,
    form: FormDep,
) -> Response:
    """The no-JavaScript path: every item of one moment of truth in one form."""
    values = {k[2:]: str(v) for k, v in form.items() if k.startswith("v.")} | {
        k[3:]: "na" for k, v in form.items() if k.startswith("na.") and v
    }
    comments = {k[2:]: str(v) for k, v in form.items() if k.startswith("c.")}
    visit = access.get_visit(db, user, visit_id)
    errors = visits.save_form(
        db,
        user=user,
        visit=visit,
        section_id=section_id,
        values=values,
        comments=comments,
        lang=_lang(request),
    )
    response = redirect(request, f"/visits/{visit.id}#s-{section_id}")
    if errors:
        return flash(response, " ".join(errors), "error")
    return flash(response, _("Saved."), "success")


def _problem_json(problem: Problem) -> dict:
    return {
        "item_id": problem.item_id,
        "kind": problem.kind,
        "needed": problem.needed,
        "text": submission.problem_text(problem),
    }


@router.post("/{visit_id:int}/submit")
def submit(
    request: Request,
    db: SessionDep,
    user: ShopperUser,
    visit_id: int,
    time_out: OptionalForm = None,
    client_id: OptionalForm = None,
) -> Response:
    """Submit the visit: JSON for the phone's outbox, post/redirect/get for a plain form.

    The outbox sends its submission with a `client_id`, so a retry of one already applied
    answers "duplicate" instead of "already submitted". Nothing here renders a page in
    answer to the POST: a refused plain form goes to the visit with what is missing
    (`?missing=1`), so reloading never sends the submission again.
    """
    visit = access.get_visit(db, user, visit_id)
    try:
        done = submission.submit_once(
            db,
            user=user,
            visit=visit,
            client_id=client_id or None,
            time_out=visits.parse_time(time_out, field="time_out"),
        )
    except submission.Incomplete as exc:
        if wants_json(request):
            problems = [_problem_json(p) for p in exc.problems]
            return JSONResponse({"detail": exc.message, "problems": problems}, status_code=422)
        return flash(
            redirect(request, f"/visits/{visit.id}?missing=1#problems"), exc.message, "error"
        )
    if wants_json(request):
        state = "duplicate" if done.duplicate else "submitted"
        return JSONResponse({"state": state, "status": done.visit.status})
    return flash(
        redirect(request, f"/visits/{visit.id}"), _("Visit submitted. Thank you!"), "success"
    )
