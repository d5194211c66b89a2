"""One ranking rule (app.scoring.rank_key): best score first, ties by branch code, naturally."""

from __future__ import annotations

from app.scoring import BranchAggregate, aggregate_region, code_key, rank_key, ranked


def branch(ident: object, score: float | None) -> BranchAggregate:
    return BranchAggregate(
        branch=ident,
        wave="W",
        visits=1 if score is not None else 0,
        score=score,
        sections={},
        dimensions={},
        delight=None,
        bands={},
        critical_failures=0,
        must_failure_counts={},
        weakest_section=None,
    )


def test_branch_codes_sort_naturally_digits_as_numbers() -> None:
    codes = ["SH-010", "sh-2", "SH-9", "BJ-001", "SH-009", "SH-10", "SH", "GZ-C01"]
    assert sorted(codes, key=code_key) == [
        "BJ-001",
        "GZ-C01",
        "SH",
        "sh-2",
        "SH-009",
        "SH-9",
        "SH-010",
        "SH-10",
    ]


def test_rank_key_puts_the_best_score_first_then_the_code_then_the_unscored() -> None:
    rows = [("B10", 80.0), ("B9", 80.0), ("A1", None), ("C2", 95.5), ("B11", 79.9)]
    order = sorted(rows, key=lambda r: rank_key(r[1], r[0]))
    assert [code for code, _score in order] == ["C2", "B9", "B10", "B11", "A1"]


def test_ranked_leaves_out_what_has_no_score() -> None:
    rows = [("B2", None), ("B1", 50.0)]
    assert ranked(rows, score=lambda r: r[1], code=lambda r: r[0]) == [("B1", 50.0)]


def test_a_region_ranks_tied_branches_by_code_not_by_their_ids_as_text() -> None:
    # Branch 10 used to sort before branch 9: ties went by str(id), and "10" < "9".
    nine, ten, best = branch(9, 70.0), branch(10, 70.0), branch(11, 90.0)
    region = aggregate_region([ten, nine, best], {}, [])
    assert [b.branch for b in region.ranking] == [11, 9, 10]
    codes = {9: "SH-020", 10: "SH-003", 11: "SH-100"}  # the code decides, not the id
    region = aggregate_region([nine, ten, best], {}, [], codes=codes)
    assert [b.branch for b in region.ranking] == [11, 10, 9]


def test_the_competitor_benchmark_follows_the_same_rule() -> None:
    rivals = [branch(10, 60.0), branch(9, 60.0)]
    region = aggregate_region(rivals, {9: True, 10: True}, [], codes={9: "R-9", 10: "R-10"})
    assert [b.branch for b in region.benchmark] == [9, 10] and region.ranking == []
