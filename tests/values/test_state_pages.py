"""Pages name states by their enum's label: the review trail, the decisions list, report jobs."""

from __future__ import annotations

from datetime import date

from app.models import AuditEvent, ReportJob, VisitStatus, Wave
from app.services.checklists import import_checklist
from tests.admin.factories import make_visit, mini_version
from tests.conftest import login
from tests.scorecards.conftest import CHECKLIST


def test_the_trail_names_every_action_and_the_queue_its_decisions(client, db, world):
    visit = make_visit(
        db, mini_version(db), world["branches"]["E1"], shopper=world["users"]["shopper"]
    )
    visit.status = VisitStatus.submitted
    reviewer = world["users"]["reviewer"]
    for action, item in [
        ("submitted", None),
        ("resubmitted", None),
        ("dispute_raised", "receipt"),
        ("corrected", "receipt"),
        ("dispute_accepted", "receipt"),
        ("approved", None),
    ]:
        db.add(AuditEvent(visit_id=visit.id, user_id=reviewer.id, action=action, item_id=item))
    db.flush()
    login(client, "reviewer", "reviewer-pass")
    trail = client.get(f"/review/{visit.id}").text.split('id="trail-title"')[1]
    for phrase in (
        "submitted the visit",
        "submitted the visit again",
        "raised a dispute of",
        "corrected",
        "accepted a dispute of",
        "approved the visit",
    ):
        assert phrase in trail
    assert "resubmitted" not in trail and "dispute_raised" not in trail
    queue = client.get("/review").text
    assert "Corrected <q>Receipt given</q>" in queue and "Approved" in queue

    client.cookies.set("sm_lang", "zh_CN")
    trail = client.get(f"/review/{visit.id}").text.split('id="trail-title"')[1]
    assert "再次提交了该访问记录" in trail and "对以下项目提出了申诉" in trail


def test_a_failed_report_export_says_so_in_both_languages(client, db, world):
    version, _ = import_checklist(db, source=CHECKLIST)
    wave = Wave(
        name="W",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 3, 27),
        checklist_version_id=version.id,
    )
    db.add(wave)
    db.flush()
    admin = world["users"]["admin"]
    db.add(ReportJob(wave_id=wave.id, status="failed", created_by_id=admin.id, total=1))
    db.flush()
    login(client, "admin", "admin-pass")
    assert "Export failed" in client.get(f"/reports?wave={wave.id}").text
    client.cookies.set("sm_lang", "zh_CN")
    page = client.get(f"/reports?wave={wave.id}").text
    assert "导出失败" in page and "不合格" not in page
