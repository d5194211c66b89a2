"""Benchmark the scoring engine: visits scored per second on one core.

Builds a 60-item checklist (6 sections, every item kind, N/A items, a `when` rule,
delighters, a critical item), generates random visits, and scores them all.

    .venv/bin/python bench/bench_scoring.py [--visits 50000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from app.scoring import Checklist, parse_checklist, score_visit

KINDS = ("check", "check", "rating", "choice", "measure", "measure", "check", "rating", "text")


def build_checklist(n_sections: int = 6, per_section: int = 10) -> Checklist:
    """A realistic mixed checklist with ``n_sections * per_section`` items."""
    sections = []
    for s in range(n_sections):
        items: list[dict[str, Any]] = []
        for i in range(per_section):
            n = s * per_section + i
            iid = f"s{s}-i{i}"
            if i == per_section - 1:
                items.append({"id": iid, "text": f"Photo {n}", "kind": "photo", "required": False})
                continue
            kind = KINDS[n % len(KINDS)]
            item: dict[str, Any] = {"id": iid, "text": f"Standard {n}", "kind": kind}
            if kind == "rating":
                item["scale"] = 5 if n % 2 else 10
            elif kind == "choice":
                item["options"] = [
                    {"id": "a", "text": "A", "score": 1},
                    {"id": "b", "text": "B", "score": 0.5},
                    {"id": "c", "text": "C", "score": 0},
                ]
            elif kind == "measure":
                lower = n % 2 == 0
                item.update(better="lower" if lower else "higher", target=30 if lower else 3)
                if n % 3:
                    item["limit"] = 90 if lower else 1
            if kind != "text":
                item["kano"] = ("must", "performance", "performance", "delight")[n % 4]
                item["dimension"] = ("core", "support", "promise", "interaction", "emotion")[n % 5]
                item["points"] = 1 + n % 3
                item["na"] = n % 5 == 0
            if i == 1 and s == 0:
                item["critical"] = True
                item["kano"] = "must"
            if i == 2 and items[0]["kind"] == "check":
                item["when"] = {"item": items[0]["id"], "in": ["yes"]}
            items.append(item)
        sections.append(
            {"id": f"s{s}", "title": f"Section {s}", "weight": 1 + s % 2, "items": items}
        )
    return parse_checklist({"format": 1, "code": "bench", "name": "Bench", "sections": sections})


def random_answers(checklist: Checklist, rng: random.Random) -> dict[str, Any]:
    """A plausible visit: mostly answered, some N/A, a few left blank."""
    answers: dict[str, Any] = {}
    for item in checklist.all_items():
        if item.kind == "photo" or rng.random() < 0.03:
            continue
        if item.na and rng.random() < 0.1:
            answers[item.id] = "na"
        elif item.kind == "check":
            answers[item.id] = "yes" if rng.random() < 0.8 else "no"
        elif item.kind == "rating":
            answers[item.id] = rng.randint(1, item.scale or 5)
        elif item.kind == "choice":
            answers[item.id] = rng.choice([o.id for o in item.options or ()])
        elif item.kind == "measure":
            answers[item.id] = round(rng.uniform(0, 2 * float(item.target or 1) + 60), 1)
        else:
            answers[item.id] = "The staff member was friendly and knew the products well."
    return answers


def main() -> None:
    """Score the generated visits and print the throughput."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    checklist = build_checklist()
    rng = random.Random(args.seed)
    visits = [random_answers(checklist, rng) for _ in range(args.visits)]
    score_visit(checklist, visits[0])  # compile the plan outside the timing
    start = time.perf_counter()
    scored = 0
    for answers in visits:
        if score_visit(checklist, answers).score is not None:
            scored += 1
    elapsed = time.perf_counter() - start
    n_items = sum(1 for _ in checklist.all_items())
    print(f"{args.visits} visits x {n_items} items in {elapsed:.3f} s ({scored} scorable)")
    print(f"{args.visits / elapsed:,.0f} visits/s on one core")


if __name__ == "__main__":
    main()
