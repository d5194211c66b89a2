"""Sharing a wave's visits among shoppers as evenly as the rules allow (pure, no database).

First every branch takes the least busy shoppers allowed there (the branches with
the fewest allowed shoppers choose first). Then loads are evened out: while a
busy shopper's visit can be passed along a chain of allowed swaps to a shopper
with at least two visits fewer, it is. Each such move lowers the sum of squared
loads, so the loop ends, and it leaves no shopper with two visits fewer than a
busier one who could hand something over.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence

Step = tuple[int, int, int]  # (taker, branch, giver)


def share(
    need: Mapping[int, int], eligible: Mapping[int, Sequence[int]], load: Mapping[int, int]
) -> dict[int, list[int]]:
    """Branch -> distinct shoppers, up to `need[branch]`; `load` counts earlier visits."""
    loads: Counter[int] = Counter(load)
    chosen: dict[int, list[int]] = {branch: [] for branch in need}
    holds: dict[int, list[int]] = defaultdict(list)
    for branch in sorted(need, key=lambda b: (len(eligible[b]), b)):
        for _ in range(need[branch]):
            free = [s for s in eligible[branch] if s not in chosen[branch]]
            if not free:
                break
            shopper = min(free, key=lambda s: (loads[s], s))
            chosen[branch].append(shopper)
            holds[shopper].append(branch)
            loads[shopper] += 1
    _even_out(chosen, holds, eligible, loads)
    return chosen


def _even_out(
    chosen: dict[int, list[int]],
    holds: dict[int, list[int]],
    eligible: Mapping[int, Sequence[int]],
    loads: Counter[int],
) -> None:
    improved = True
    while improved:
        improved = False
        for busy in sorted(holds, key=lambda s: (-loads[s], s)):
            path = _relief(busy, chosen, holds, eligible, loads)
            if path:
                for taker, branch, giver in path:
                    chosen[branch][chosen[branch].index(giver)] = taker
                    holds[giver].remove(branch)
                    holds[taker].append(branch)
                loads[busy] -= 1
                loads[path[0][0]] += 1
                improved = True
                break


def _relief(
    busy: int,
    chosen: dict[int, list[int]],
    holds: dict[int, list[int]],
    eligible: Mapping[int, Sequence[int]],
    loads: Counter[int],
) -> list[Step] | None:
    """The shortest chain of moves from `busy` to a shopper with two visits fewer, if any."""
    came_from: dict[int, tuple[int, int]] = {}
    seen = {busy}
    queue = deque([busy])
    while queue:
        giver = queue.popleft()
        for branch in holds[giver]:
            for taker in eligible[branch]:
                if taker in seen or taker in chosen[branch]:
                    continue
                seen.add(taker)
                came_from[taker] = (giver, branch)
                if loads[taker] <= loads[busy] - 2:
                    return _chain(taker, busy, came_from)
                queue.append(taker)
    return None


def _chain(end: int, start: int, came_from: dict[int, tuple[int, int]]) -> list[Step]:
    steps: list[Step] = []
    taker = end
    while taker != start:
        giver, branch = came_from[taker]
        steps.append((taker, branch, giver))
        taker = giver
    return steps
