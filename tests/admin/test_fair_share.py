"""The sharing of visits among shoppers: full coverage, only allowed shoppers, even loads."""

from __future__ import annotations

import random
from collections import Counter

from app.services.fair_share import share


def _loads(chosen, base=None):
    loads = Counter(base or {})
    for shoppers in chosen.values():
        loads.update(shoppers)
    return loads


def test_a_chain_of_swaps_fixes_what_a_greedy_pass_leaves_uneven():
    eligible = {"A": [1, 2], "B": [0, 2], "C": [0, 1]}
    chosen = share({"A": 1, "B": 1, "C": 1}, eligible, {})
    assert sorted(_loads(chosen).values()) == [1, 1, 1]
    assert all(chosen[b][0] in eligible[b] for b in chosen)


def test_earlier_visits_count_towards_a_shopper_share():
    chosen = share({"A": 1, "B": 1}, {"A": [1, 2], "B": [1, 2]}, {1: 3})
    assert chosen == {"A": [2], "B": [2]}


def test_random_programmes_are_covered_and_evened_out():
    rng = random.Random(7)
    checked = 0
    for _ in range(40):
        branches, shoppers, regions = rng.randint(3, 40), rng.randint(2, 15), rng.randint(1, 4)
        region = {b: rng.randrange(regions) for b in range(branches)}
        home = {s: rng.choice([None, rng.randrange(regions)]) for s in range(shoppers)}
        need = {b: rng.randint(1, 3) for b in range(branches)}
        # shoppers without a home region may go anywhere; others are also blocked now and then
        eligible = {
            b: [
                s
                for s in range(shoppers)
                if home[s] is None or (home[s] == region[b] and rng.random() > 0.15)
            ]
            for b in range(branches)
        }
        chosen = share(need, eligible, {})
        for b, picked in chosen.items():
            assert len(picked) == len(set(picked)) == min(need[b], len(eligible[b]))
            assert set(picked) <= set(eligible[b])
        loads = _loads(chosen)
        free = [s for s in range(shoppers) if home[s] is None]
        if len(free) > 1:
            checked += 1
            assert max(loads[s] for s in free) - min(loads[s] for s in free) <= 1
        # a region-bound shopper never has two visits more than a free one
        if free:
            assert max(loads.values(), default=0) - min(loads[s] for s in free) <= 1
    assert checked > 20
