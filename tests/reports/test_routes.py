"""Who may download which report, and HQ's reports page."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.models import ReportJob
from tests.conftest import csrf_of, login
from tests.reports.conftest import pdf_text


def _url(programme, code, lang=None):
    branch, wave = programme.branches[code], programme.waves[-1]
    query = f"?lang={lang}" if lang else ""
    return f"/reports/branches/{branch.id}/waves/{wave.id}.pdf{query}"


@pytest.mark.usefixtures("media_backend")
def test_manager_downloads_a_report_of_their_region(client, programme):
    login(client, "manager", "manager-pass")
    response = client.get(_url(programme, "E1"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="RE1_R-2026-Q3_en.pdf"' in response.headers["content-disposition"]
    assert "Report East One" in pdf_text(response.content)


@pytest.mark.parametrize("role", ["manager", "shopper", "reviewer"])
def test_other_regions_and_other_roles_get_404(client, programme, role):
    login(client, role, f"{role}-pass")
    code = "S1" if role == "manager" else "E1"
    response = client.get(_url(programme, code))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_anonymous_is_sent_to_the_login_page(client, programme):
    response = client.get(_url(programme, "E1"))
    assert response.status_code == 302 and response.headers["location"].startswith("/login")


def test_unknown_branch_or_wave_is_404(client, programme):
    login(client, "admin", "admin-pass")
    wave = programme.waves[-1]
    assert client.get(f"/reports/branches/999999/waves/{wave.id}.pdf").status_code == 404
    branch = programme.branches["E1"]
    assert client.get(f"/reports/branches/{branch.id}/waves/999999.pdf").status_code == 404


def test_report_language_follows_the_reader_or_the_link(client, programme):
    login(client, "admin", "admin-pass")
    client.cookies.set("sm_lang", "zh_CN")
    assert "摘要" in pdf_text(client.get(_url(programme, "S1")).content)
    english = client.get(_url(programme, "S1", lang="en"))
    assert (
        "Summary" in pdf_text(english.content)
        and "_en.pdf" in english.headers["content-disposition"]
    )


def test_hq_reports_page_lists_branches_and_exports(client, programme, db):
    login(client, "admin", "admin-pass")
    wave = programme.waves[-1]
    page = client.get(f"/reports?wave={wave.id}")
    assert page.status_code == 200
    assert _url(programme, "E1", "en") in page.text
    assert _url(programme, "E1", "zh_CN") in page.text
    assert 'action="/reports/exports"' in page.text
    assert 'href="/reports"' in page.text  # the admin's nav entry


@pytest.mark.parametrize("role", ["manager", "reviewer", "shopper"])
def test_only_hq_sees_the_reports_page_and_exports(client, programme, role):
    login(client, role, f"{role}-pass")
    assert client.get("/reports").status_code == 404
    token = csrf_of(client, "/")
    response = client.post(
        "/reports/exports", data={"wave_id": programme.waves[-1].id, "csrf_token": token}
    )
    assert response.status_code == 404


@pytest.mark.usefixtures("media_backend")  # a missing ZIP is a 404 on both backends
def test_queueing_an_export_and_polling_its_progress(client, programme, db, monkeypatch):
    from app.reports import jobs

    monkeypatch.setattr(jobs.dispatcher, "kick", lambda: None)  # run nothing in this test
    login(client, "admin", "admin-pass")
    wave = programme.waves[-1]
    token = csrf_of(client, f"/reports?wave={wave.id}")
    response = client.post(
        "/reports/exports",
        data={
            "wave_id": wave.id,
            "region_id": str(programme.regions["E"].id),
            "language": "zh_CN",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    job = db.exec(select(ReportJob)).one()
    # the wave's own branches in region E (the competitor is left to the summary)
    assert (job.status, job.total, job.language) == ("queued", 2, "zh_CN")
    fragment = client.get(f"/reports/exports/{job.id}", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in fragment.text and "<html" not in fragment.text
    job.status, job.done, job.path = "done", 2, f"report-exports/job-{job.id}.zip"
    db.add(job)
    db.flush()
    fragment = client.get(f"/reports/exports/{job.id}", headers={"HX-Request": "true"})
    assert "hx-trigger" not in fragment.text
    assert f"/reports/exports/{job.id}/download" in fragment.text
    # done, but its file is gone: a clear 404, never a server error
    assert client.get(f"/reports/exports/{job.id}/download").status_code == 404


def test_the_branch_scorecard_links_to_its_report(client, programme):
    login(client, "manager", "manager-pass")
    branch, wave = programme.branches["E1"], programme.waves[-1]
    page = client.get(f"/scorecards/branches/{branch.id}?wave={wave.id}")
    assert page.status_code == 200
    assert _url(programme, "E1") in page.text
