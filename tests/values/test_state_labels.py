"""Every state has a label, translated into Chinese; stored values stay as they were."""

from __future__ import annotations

import pytest

from app.i18n import current_language
from app.models import (
    ActionStatus,
    AuditAction,
    Band,
    DisputeStatus,
    LabelledState,
    ReportJobStatus,
    VisitStatus,
)

ENUMS = [VisitStatus, DisputeStatus, ActionStatus, ReportJobStatus, AuditAction, Band]
MEMBERS = [member for enum in ENUMS for member in enum]


def _in(language: str, read):
    token = current_language.set(language)
    try:
        return read()
    finally:
        current_language.reset(token)


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.value}")
def test_every_state_has_an_english_label_and_a_chinese_one(member):
    english = _in("en", lambda: member.label)
    chinese = _in("zh_CN", lambda: member.label)
    assert english and english != member.value
    assert _has_han(chinese), (member, chinese)


@pytest.mark.parametrize("action", list(AuditAction), ids=lambda a: a.value)
def test_every_audit_action_reads_as_a_phrase_in_both_languages(action):
    assert _in("en", lambda: action.phrase)[0].islower()
    assert _has_han(_in("zh_CN", lambda: action.phrase))


def test_labels_of_one_enum_are_distinct_in_both_languages():
    for enum in ENUMS:
        for language in ("en", "zh_CN"):
            labels = _in(language, lambda e=enum: [m.label for m in e])
            assert len(set(labels)) == len(labels), (enum, language, labels)


def test_a_failed_export_is_not_called_a_failed_standard_in_chinese():
    assert _in("zh_CN", lambda: ReportJobStatus.failed.label) == "导出失败"


def test_label_of_takes_stored_strings_and_shows_unknown_values_as_they_are():
    assert _in("zh_CN", lambda: VisitStatus.label_of("approved")) == "已通过"
    assert VisitStatus.label_of("archived") == "archived"
    assert VisitStatus.label_of(None) == ""
    assert AuditAction.phrase_of("exported") == "exported"


def test_stored_values_are_unchanged():
    assert [m.value for m in VisitStatus] == [
        "assigned",
        "in_progress",
        "submitted",
        "returned",
        "approved",
        "rejected",
    ]
    assert [m.value for m in DisputeStatus] == ["open", "accepted", "rejected"]
    assert [m.value for m in ReportJobStatus] == ["queued", "running", "done", "failed"]
    assert {"open", "done"} <= {m.value for m in ActionStatus}
    assert all(issubclass(enum, LabelledState) for enum in ENUMS)


def test_the_check_constraints_allow_exactly_the_stored_states():
    from app.models import CorrectiveAction, Dispute, ReportJob, Visit

    def allowed(table) -> str:
        texts = [str(getattr(c, "sqltext", "")) for c in table.__table__.constraints]
        return next(t for t in texts if t.startswith("status IN"))

    for model, states in [
        (Visit, list(VisitStatus)),
        (Dispute, list(DisputeStatus)),
        (ReportJob, list(ReportJobStatus)),
        (CorrectiveAction, [ActionStatus.open, ActionStatus.done]),
    ]:
        assert allowed(model) == "status IN (" + ",".join(f"'{s}'" for s in states) + ")"
