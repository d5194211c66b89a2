"""How the reports' pages are filled, measured on the laid-out pages (WeasyPrint's boxes)."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from sqlmodel import select

from app.models import Branch, CorrectiveAction, Wave
from app.reports.service import layout_branch
from tests.reports.layout import cells, ink_right, page_fill, tables_with, text_of

# The demo's one-visit branch in the running wave, a branch with two visits in a closed wave,
# a branch of the running wave with no approved visit yet, and a competitor.
DEMO_REPORTS = (
    ("SH-001", "2026 Q4"),
    ("GZ-001", "2026 Q3"),
    ("BJ-002", "2026 Q4"),
    ("SH-C01", "2026 Q1"),
)


def test_no_page_but_the_last_is_less_than_a_quarter_filled(demo_db):
    db = demo_db
    thin = []
    for code, wave_name in DEMO_REPORTS:
        branch = db.exec(select(Branch).where(Branch.code == code)).one()
        wave = db.exec(select(Wave).where(Wave.name == wave_name)).one()
        for lang in ("en", "zh_CN"):
            fills = page_fill(layout_branch(db, branch=branch, wave=wave, lang=lang))
            assert len(fills) >= 3, (code, lang, fills)
            thin += [
                f"{code} {wave_name} {lang}: page {n} of {len(fills)} is {fill:.0%} filled"
                for n, fill in enumerate(fills[:-1], start=1)
                if fill < 0.25
            ]
    assert not thin, thin


def test_chinese_action_table_keeps_every_cell_inside_its_column(db, programme):
    branch, wave = programme.branches["E1"], programme.waves[-1]
    db.add_all(
        CorrectiveAction(
            branch_id=branch.id,
            wave_id=wave.id,
            item_id=item_id,
            what=what,
            owner=owner,
            due_on=due_on,
        )
        for item_id, what, owner, due_on in (
            (
                "apology",
                "每周一晨会演练道歉话术，并由店长抽查三名店员",
                "门店店长王晓明",
                date(2026, 10, 15),
            ),
            (
                "knowledge",
                "产品知识培训：电池、摄像头与5G套餐对比讲解",
                "区域培训经理",
                date(2099, 12, 31),
            ),
        )
    )
    db.flush()
    document = layout_branch(db, branch=branch, wave=wave, lang="zh_CN")
    tables = tables_with(document, "将采取的措施")  # "What will be done"
    assert tables, "no corrective-action table in the Chinese report"
    rows = [row for table in tables for row in cells(table)]
    assert len(rows) >= 4  # the header and the three open actions
    assert any("2026年10月15日" in "".join(text_of(c).split()) for row in rows for c in row)
    for row in rows:
        assert len(row) == 5, [text_of(c) for c in row]
        for left, right in pairwise(row):
            assert left.border_box_x() + left.border_width() <= right.border_box_x() + 0.01
        for cell in row:
            edge = cell.border_box_x() + cell.border_width() - cell.padding_right
            assert ink_right(cell) <= edge + 0.5, (text_of(cell), ink_right(cell), edge)
