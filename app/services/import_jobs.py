"""CSV imports of many rows, applied by a background job instead of the request.

HQ's dry run stays in the request (it shows every line's change). Applying a file of more
than IMPORT_INLINE_ROWS lines is queued instead (`app.tasks.queue_job`), because a users
file hashes one password per line (tens of ms each: a thousand users take tens of
seconds) and a request must not hold a browser, or SQLite's write lock, that long.

The job checks the file again (the data may have changed since the dry run), hashes the
passwords outside any write transaction while it reports progress, then applies every
line in one short transaction, all or nothing as in the request. That transaction also
clears the file from the job's row and stores the counts, so a run after it (a worker
killed before it said "done", a duplicate message) finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from app.db import new_session, session_scope
from app.errors import Invalid, NotFound
from app.i18n import _
from app.models import BackgroundJob, User
from app.services import audit_trail, branches, users
from app.services.csv_import import ImportPlan

Progress = Callable[[int, int], None]
KINDS = {"branches": "import_branches", "users": "import_users"}  # page kind -> job kind
PASSWORD = "password"


def _plan(db: Session, what: str, source: bytes, **extra: Any) -> ImportPlan:
    if what == "users":
        return users.import_users(db, source=source, **extra)
    extra.pop("acting", None)
    extra.pop("password_hashes", None)
    return branches.import_branches(db, source=source, **extra)


def _refused(plan: ImportPlan) -> Invalid:
    problems = "; ".join(str(error) for error in plan.errors[:3])
    return Invalid(_("The file no longer applies: %(problems)s", problems=problems), field="file")


def counts(plan: ImportPlan) -> dict[str, int]:
    return {action: plan.count(action) for action in ("create", "update", "unchanged")}


def apply_import(what: str, job_id: int, *, progress: Progress) -> dict[str, Any]:
    """Check, hash, then apply the job's file; what an earlier run applied is not redone."""
    with new_session(write=False) as db:
        job = db.get(BackgroundJob, job_id)
        if job is None:
            raise NotFound(_("Not found."))
        if job.payload is None:  # applied by an earlier run of this job
            return dict(job.result or {})
        source, acting_id = bytes(job.payload), job.created_by_id
        plan = _plan(db, what, source, apply=False)
    if not plan.ok:
        raise _refused(plan)
    hashed = sum(1 for c in plan.changes if any(f[0] == PASSWORD for f in c.fields))
    total = hashed + 2  # the check, each password, the write
    progress(1, total)
    hashes: dict[str, str] = {}
    if what == "users":
        hashes = users.hash_import_passwords(
            source, progress=lambda done, _all: progress(1 + done, total)
        )
    with session_scope() as db:
        job = db.get(BackgroundJob, job_id, with_for_update=True)
        if job is None or job.payload is None:  # another run applied it meanwhile
            return dict(job.result or {}) if job else {}
        acting = db.get(User, acting_id) if acting_id else None
        audit_trail.set_actor(db, user=acting, address=job.requested_from or "")
        plan = _plan(db, what, source, apply=True, acting=acting, password_hashes=hashes)
        if not plan.applied:
            raise _refused(plan)
        result: dict[str, Any] = counts(plan)
        job.payload, job.result = None, result
        db.add(job)
    progress(total, total)
    return result
