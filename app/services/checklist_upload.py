"""HQ's checklist upload: a YAML/JSON document or an XLSForm, and what to show before storing.

An XLSForm may hold what a checklist cannot carry; its report is shown first and nothing
is stored until HQ asks to store the rest (``store_rest``). The upload's content travels
back with every answer (``Upload.kept``), so a page after an error keeps the chosen file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from app.models import ChecklistVersion, User
from app.scoring import Checklist, DocumentError, checklist_to_dict
from app.scoring.xlsform import Problem
from app.services.checklists import import_checklist
from app.services.xlsform import checklist_of, is_xlsform, read_xlsform


@dataclass(frozen=True)
class Upload:
    """An uploaded file (or pasted text: no name) with its bytes."""

    name: str
    data: bytes

    @property
    def xlsform(self) -> bool:
        return is_xlsform(self.name)


@dataclass
class Outcome:
    """Stored (``version``), waiting for HQ's word on what is left out (``problems`` and
    ``checklist``), or refused (``errors``)."""

    upload: Upload
    version: ChecklistVersion | None = None
    created: bool = False
    errors: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checklist: Checklist | None = None  # what storing the rest stores

    @property
    def pending(self) -> bool:
        return self.version is None and not self.errors


def upload_checklist(
    db: Session, *, upload: Upload, user: User | None, store_rest: bool = False
) -> Outcome:
    """Validate an upload; store it unless an XLSForm leaves something out and HQ has not
    yet agreed to store the rest."""
    outcome = Outcome(upload)
    try:
        if upload.xlsform:
            conversion = read_xlsform(upload.data, filename=upload.name)
            outcome.problems = conversion.problems
            outcome.checklist = checklist_of(conversion)
            if outcome.problems and not store_rest:
                return outcome
            source: bytes | dict[str, object] = checklist_to_dict(outcome.checklist)
        else:
            source = upload.data
        outcome.version, outcome.created = import_checklist(db, source=source, user=user)
    except DocumentError as exc:
        outcome.errors = exc.errors
    return outcome
