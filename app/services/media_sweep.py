"""Photo files and rows agree again after a kill: the sweep of what an hour-old upload left.

A photo's files are staged before its commit and moved into place after it (`app.storage`).
A process killed in between leaves a staged file: before the commit it belongs to no row
and is removed; after the commit its row waits for it, so it is moved into place (nothing
acknowledged is lost). A file with no row (its row deleted, the deletion killed before the
file went) is removed; a row whose file is gone is reported for HQ to look at, never
deleted, since it is part of a visit's evidence. Only things older than `AGE` are touched:
a younger one may belong to an upload still in flight.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app import storage
from app.models import Photo, utcnow

AGE = timedelta(hours=1)
PREFIX = "visits/"  # where photos live; other stores (report cache, exports) are not swept
log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    restored: list[str] = field(default_factory=list)  # staged files moved into place
    discarded: list[str] = field(default_factory=list)  # staged files no row wanted
    orphans: list[str] = field(default_factory=list)  # finished files without a row
    missing: list[int] = field(default_factory=list)  # photo ids whose file is gone

    def __str__(self) -> str:
        return (
            f"{len(self.restored)} restored, {len(self.discarded)} staged files discarded, "
            f"{len(self.orphans)} orphan files removed, {len(self.missing)} rows without a file"
        )


def sweep(db: Session, *, now: datetime | None = None, wall: float | None = None) -> SweepReport:
    """Restore, remove and report what killed uploads left (read-only on the database).

    Files are aged by the real clock (`wall`, their modification times are), rows by the
    app's (`now`, their `uploaded_at` is): the two differ when SHOPMIRROR_CLOCK is set.
    """
    cutoff = (time.time() if wall is None else wall) - AGE.total_seconds()
    row_cutoff = (now or utcnow()) - AGE
    store = storage.backend()
    wanted: set[str] = set()
    for path, thumb in db.exec(select(Photo.path, Photo.thumb_path)):
        wanted.update((path, thumb))
    report = SweepReport()
    for left in list(store.leftovers(PREFIX)):
        if left.modified > cutoff:
            continue
        if left.target in wanted and not store.exists(left.target):
            data = store.get(left.key)
            if data is not None:
                store.put(left.target, data)
                report.restored.append(left.target)
        else:
            report.discarded.append(left.key)
        store.delete(left.key)
    present: set[str] = set()
    for stored in list(store.list(PREFIX)):
        present.add(stored.key)
        if stored.key not in wanted and stored.modified <= cutoff:
            store.delete(stored.key)
            report.orphans.append(stored.key)
    present.update(report.restored)
    for photo_id, path, thumb in db.exec(
        select(Photo.id, Photo.path, Photo.thumb_path).where(col(Photo.uploaded_at) <= row_cutoff)
    ):
        if path not in present or thumb not in present:
            report.missing.append(int(photo_id or 0))
    if report.missing:
        log.warning("photos without their file (ids): %s", report.missing)
    return report
