"""A small audit programme for report tests: two waves, approved visits, photos, follow-up.

Region E holds E1, E2 and a competitor EC; region S holds S1. Every branch gets two
approved visits per wave with deterministic answers; E1's current-wave visits carry
an N/A answer, a comment, a failed must-be standard and stored photos (a full-size
image and its thumbnail). The shopper has a distinctive name the reports must never show.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image
from sqlmodel import Session

from app import storage
from app.models import (
    Answer,
    Branch,
    CorrectiveAction,
    Photo,
    Region,
    User,
    Visit,
    VisitStatus,
    Wave,
    WaveBranch,
)
from app.scoring import Checklist as ChecklistDoc
from app.scoring import visible_items
from app.services.auth import create_user
from app.services.checklists import document_of, import_checklist
from app.services.demo import DEMO_CHECKLIST
from app.services.scoring import record_score

SHOPPER_NAME = "Quincy Hiddenshopper"
SHOPPER_LOGIN = "qhidden"
FAILING = {"E1": {"apology", "knowledge"}, "E2": {"greeting-words"}, "S1": {"warranty"}}
THUMB_PX, FULL_PX = (320, 240), (2048, 1536)


@dataclass
class Programme:
    regions: dict[str, Region]
    branches: dict[str, Branch]
    waves: list[Wave]
    document: ChecklistDoc
    visits: dict[str, list[Visit]]  # branch code -> visits of the current (last) wave
    photos: list[Photo]


def answer_values(document: ChecklistDoc, failing: set[str], *, na: bool) -> dict[str, Any]:
    """Good answers, except the `failing` items; `na` answers the N/A-able trade-in with N/A."""
    values: dict[str, Any] = {}
    for item in document.all_items():
        if item.kind == "photo" or (item.when and item.id not in visible_items(document, values)):
            continue
        bad = item.id in failing
        if item.kind == "check":
            values[item.id] = "no" if bad else "yes"
        elif item.kind == "rating":
            values[item.id] = 2 if bad else item.scale
        elif item.kind == "choice":
            ranked = sorted(item.options, key=lambda o: -o.score)
            values[item.id] = ranked[-1].id if bad else ranked[0].id
        elif item.kind == "measure":
            values[item.id] = item.target
        elif item.kind == "text":
            values[item.id] = "The assistant apologised and offered a cable at a discount."
    if na:
        values["trade-in"] = "na"
    return values


def _jpeg(size: tuple[int, int], color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def add_photo(db: Session, visit: Visit, item_id: str, n: int) -> Photo:
    """A stored photo with its thumbnail, as the upload service would leave them (in the
    configured store: the media directory or the S3 test server)."""
    store = storage.backend()
    full, thumb = (
        f"photos/{visit.id}/{item_id}-{n}.jpg",
        f"photos/{visit.id}/{item_id}-{n}-thumb.jpg",
    )
    image = _jpeg(FULL_PX, "navy")
    store.put(full, image)
    store.put(thumb, _jpeg(THUMB_PX, "teal"))
    photo = Photo(
        visit_id=visit.id,
        item_id=item_id,
        path=full,
        thumb_path=thumb,
        size=len(image),
        width=FULL_PX[0],
        height=FULL_PX[1],
        sha256=f"{visit.id:032d}{n:032d}",
    )
    db.add(photo)
    return photo


def _visit(db: Session, wave: Wave, branch: Branch, shopper: User, day: date, hour: int) -> Visit:
    time_in = datetime(day.year, day.month, day.day, hour, 5, tzinfo=UTC)
    visit = Visit(
        branch_id=branch.id,
        shopper_id=shopper.id,
        wave_id=wave.id,
        checklist_version_id=wave.checklist_version_id,
        status=VisitStatus.approved,
        scenario="Ask for a phone under 3000 RMB.",
        time_in=time_in,
        time_out=time_in + timedelta(minutes=31),
        submitted_at=time_in + timedelta(hours=1),
        approved_at=time_in + timedelta(hours=3),
    )
    db.add(visit)
    db.flush()
    return visit


def build_programme(db: Session, *, regions: dict[str, Region] | None = None) -> Programme:
    """Create the programme in `db` (flushes only; the caller commits or rolls back)."""
    version, _created = import_checklist(db, source=DEMO_CHECKLIST.read_text(encoding="utf-8"))
    document = document_of(version)
    if regions is None:
        regions = {"E": Region(code="E", name="East"), "S": Region(code="S", name="South")}
        db.add_all(regions.values())
        db.flush()
    branches = {
        key: Branch(code=f"R{key}", name=name, region_id=regions[r].id, competitor=key == "EC")
        for key, name, r in (
            ("E1", "Report East One", "E"),
            ("E2", "Report East Two", "E"),
            ("EC", "Rival East", "E"),
            ("S1", "Report South One", "S"),
        )
    }
    db.add_all(branches.values())
    shopper = create_user(
        db, username=SHOPPER_LOGIN, name=SHOPPER_NAME, role="shopper", password="x" * 12
    )
    db.flush()
    waves = []
    for name, start in (("R-2026-Q2", date(2026, 4, 6)), ("R-2026-Q3", date(2026, 7, 6))):
        wave = Wave(
            name=name,
            starts_on=start,
            ends_on=start + timedelta(days=80),
            checklist_version_id=version.id,
            visits_per_branch=2,
        )
        db.add(wave)
        db.flush()
        db.add_all(WaveBranch(wave_id=wave.id, branch_id=b.id) for b in branches.values())
        waves.append(wave)
    visits: dict[str, list[Visit]] = {}
    photos: list[Photo] = []
    for index, wave in enumerate(waves):
        current = index == len(waves) - 1
        for code, branch in branches.items():
            failing = FAILING.get(code, set()) if current else set()
            for n in range(2):
                visit = _visit(
                    db, wave, branch, shopper, wave.starts_on + timedelta(days=3 + n), 2 + n
                )
                values = answer_values(document, failing, na=current and code == "E1" and n == 0)
                for item_id, value in values.items():
                    comment = (
                        "Staff member looked away" if item_id == "apology" and code == "E1" else ""
                    )
                    db.add(
                        Answer(
                            visit_id=visit.id,
                            item_id=item_id,
                            na=value == "na",
                            value=None if value == "na" else value,
                            comment=comment,
                        )
                    )
                if current and code == "E1":
                    photos.append(add_photo(db, visit, "storefront", n))
                    photos.append(add_photo(db, visit, "store-tidy", n))
                db.flush()
                record_score(db, visit=visit)
                if current:
                    visits.setdefault(code, []).append(visit)
    db.add(
        CorrectiveAction(
            branch_id=branches["E1"].id,
            wave_id=waves[-1].id,
            item_id="apology",
            what="Role-play the apology script every Monday",
            owner="Store lead",
            due_on=date(2099, 1, 31),
        )
    )
    db.flush()
    return Programme(regions, branches, waves, document, visits, photos)
