"""Reports are served from the cache until something they show changes."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from sqlmodel import select

from app.models import Answer, CorrectiveAction, Dispute
from app.reports.cache import cached_key, content_key
from app.reports.service import branch_report
from app.services import review
from app.services.scoring import record_score
from tests.conftest import stored_bytes
from tests.reports.conftest import pdf_images, pdf_text

pytestmark = pytest.mark.usefixtures("media_backend")  # the media directory, then S3


def _key(db, programme, code="E1", lang="en"):
    return content_key(db, branch=programme.branches[code], wave=programme.waves[-1], language=lang)


def _get(db, programme, code="E1", lang="en"):
    branch, wave = programme.branches[code], programme.waves[-1]
    return branch_report(db, user=None, branch=branch, wave=wave, lang=lang)


def test_second_download_comes_from_the_cache(db, programme):
    first, second = _get(db, programme), _get(db, programme)
    assert (first.cached, second.cached) == (False, True)
    assert first.pdf == second.pdf
    assert stored_bytes(cached_key(_key(db, programme))) == first.pdf


def test_a_correction_regenerates_the_report(db, programme, world):
    before = _get(db, programme)
    assert "Staff apologised sincerely Must-be No Not met" in pdf_text(before.pdf)
    key = _key(db, programme)
    visit = programme.visits["E1"][0]
    review.correct_answer(
        db,
        user=world["users"]["reviewer"],
        visit=visit,
        item_id="apology",
        value="yes",
        reason="The video shows an apology",
    )
    assert _key(db, programme) != key
    after = _get(db, programme)
    assert not after.cached
    text = pdf_text(after.pdf)
    corrected = "Staff apologised sincerely Must-be · corrected on review Yes"
    assert f"{corrected} “Staff member looked away” 1 / 1" in text
    assert _get(db, programme).cached


def test_language_actions_and_disputes_are_part_of_the_key(db, programme, world):
    key = _key(db, programme)
    assert _key(db, programme, lang="zh_CN") != key
    action = db.exec(select(CorrectiveAction)).first()
    action.status = "done"
    db.add(action)
    db.flush()
    assert _key(db, programme) != key
    key = _key(db, programme)
    db.add(Dispute(visit_id=programme.visits["E1"][1].id, item_id="apology", reason="We did"))
    db.flush()
    assert _key(db, programme) != key


def test_region_figures_depend_on_the_regions_other_branches_only(db, programme):
    key = _key(db, programme)
    other_region = programme.visits["S1"][0]
    answer = db.exec(
        select(Answer).where(Answer.visit_id == other_region.id, Answer.item_id == "goodbye")
    ).one()
    answer.value = "no"
    db.add(answer)
    db.flush()
    record_score(db, visit=other_region)
    assert _key(db, programme) == key, "another region's visit does not touch this report"
    same_region = programme.visits["E2"][0]
    answer = db.exec(
        select(Answer).where(Answer.visit_id == same_region.id, Answer.item_id == "goodbye")
    ).one()
    answer.value = "no"
    db.add(answer)
    db.flush()
    record_score(db, visit=same_region)
    assert _key(db, programme) != key, "the region average moved"


def test_user_text_is_printed_never_interpreted(db, programme):
    visit = programme.visits["E1"][0]
    answer = db.exec(
        select(Answer).where(Answer.visit_id == visit.id, Answer.item_id == "goodbye")
    ).one()
    answer.comment = '<img src="file:///etc/hostname"> <b>bold</b>'
    db.add(answer)
    db.flush()
    pdf = _get(db, programme).pdf
    squeezed = "".join(pdf_text(pdf).split())  # the narrow cell may wrap the text anywhere
    assert '<imgsrc="file:///etc/hostname"><b>bold</b>' in squeezed
    assert len(pdf_images(pdf)) == len(programme.photos)


def test_an_overdue_action_shows_as_overdue(db, programme):
    action = db.exec(select(CorrectiveAction)).first()
    action.due_on = date(2020, 1, 1)
    db.add(action)
    db.flush()
    assert "Overdue" in pdf_text(_get(db, programme).pdf)


def test_unused_cached_reports_are_pruned(db, programme):
    from datetime import UTC, datetime, timedelta

    from app.reports.cache import prune

    _get(db, programme)
    key = cached_key(_key(db, programme))
    now = datetime.now(UTC)
    assert prune(now=now + timedelta(days=29)) == 0 and stored_bytes(key)
    assert prune(now=now + timedelta(days=31)) == 1 and stored_bytes(key) is None
    assert not _get(db, programme).cached


def test_reading_a_cached_report_marks_it_as_used(db, programme):
    """Pruning goes by last use: a hit renews the file's time (S3: a copy onto itself)."""
    import time

    from app import storage

    def modified(key: str) -> float:
        return next(s.modified for s in storage.backend().list(key) if s.key == key)

    _get(db, programme)
    key = cached_key(_key(db, programme))
    before = modified(key)
    time.sleep(1.1)  # S3 keeps LastModified to the second
    assert _get(db, programme).cached
    assert modified(key) > before
    assert stored_bytes(key) is not None  # renewed in place, not lost


def test_an_upgrade_that_draws_charts_differently_is_not_served_old_pdfs(tmp_path, monkeypatch):
    """The key covers the drawing code (charts, templates, translations), not only the data."""
    from app.reports import cache

    app_copy = tmp_path / "app"
    for part in ("templates/reports", "charts", "reports", "locales"):
        shutil.copytree(cache.APP_DIR / part, app_copy / part)
    (app_copy / "static").mkdir()
    shutil.copy(cache.APP_DIR / "static" / "report.css", app_copy / "static")
    monkeypatch.setattr(cache, "APP_DIR", app_copy)
    cache.template_version.cache_clear()
    try:
        before = cache.template_version()
        chart_code = app_copy / "charts" / "svg.py"
        chart_code.write_text(chart_code.read_text().replace("#1c2430", "#000000"))
        cache.template_version.cache_clear()
        assert cache.template_version() != before
    finally:
        cache.template_version.cache_clear()


def test_a_full_cache_folder_still_answers_with_the_pdf(db, programme, media_backend, monkeypatch):
    """The disk (or the bucket) refuses the cache entry: the reader still gets the report,
    rendered again the next time, and nothing half-written is left to be served."""
    import errno

    from botocore.exceptions import ClientError

    from app import storage

    def refuse(self, key, data):
        if media_backend == "s3":
            raise ClientError({"Error": {"Code": "QuotaExceeded"}}, "PutObject")
        raise OSError(errno.ENOSPC, "No space left on device")

    backend = storage.S3Backend if media_backend == "s3" else storage.LocalBackend
    monkeypatch.setattr(backend, "put", refuse)
    first = _get(db, programme)
    assert first.pdf.startswith(b"%PDF") and not first.cached
    assert stored_bytes(cached_key(_key(db, programme))) is None
    again = _get(db, programme)
    assert again.pdf.startswith(b"%PDF") and not again.cached
