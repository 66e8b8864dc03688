"""Small, obviously correct reference solvers for the tests: plain Python, no numpy tricks."""

from __future__ import annotations

from collections import deque

import numpy as np

from emis.rounds.solver.engine import NO_MIN, Instance


def priority_key(instance: Instance, i: int):
    """The default tie-break chain written out directly: higher total, chinese+math+english, math, chinese,
    english first, then the smaller exam number (as text)."""
    total, chinese, math, english = (int(v) for v in instance.scores[i])
    return (-total, -(chinese + math + english), -math, -chinese, -english, str(instance.exam_no[i]))


def deferred_acceptance(lists: list[list[int]], priority: list, capacity: list[int]) -> list[int]:
    """Student-proposing deferred acceptance. lists[i]: the pools i finds acceptable, best first; priority[i]: a
    sortable key, smaller is better, the same at every pool. Returns the position in lists[i] i holds, or -1."""
    n = len(lists)
    proposals = [0] * n
    held: dict[int, list[int]] = {}
    free = deque(i for i in range(n) if lists[i])
    while free:
        i = free.popleft()
        if proposals[i] >= len(lists[i]):
            continue
        pool = lists[i][proposals[i]]
        proposals[i] += 1
        holders = held.setdefault(pool, [])
        holders.append(i)
        holders.sort(key=lambda a: priority[a])
        if len(holders) > capacity[pool]:
            free.append(holders.pop())
    position = [-1] * n
    for holders in held.values():
        for i in holders:
            position[i] = proposals[i] - 1
    return position


def reference_solve(instance: Instance):
    """Two phases, each by deferred acceptance, with the same rules as the engine (docs/admissions.md).

    Returns per applicant (school code or "", phase "quota"/"open"/"", preference rank or 0).
    """
    n, k = instance.prefs.shape
    priority = [priority_key(instance, i) for i in range(n)]
    quotas = instance.effective_quotas()
    pools = {}
    for s, j in zip(*np.nonzero(quotas), strict=True):
        pools[(int(s), int(j))] = len(pools)
    capacity = [0] * len(pools)
    for (s, j), p in pools.items():
        capacity[p] = int(quotas[s, j])
    quota_lists, quota_columns = [], []
    for i in range(n):
        lst, cols = [], []
        eligible = instance.quota_eligible is None or bool(instance.quota_eligible[i])
        for c in range(k):
            s = int(instance.prefs[i, c])
            if s < 0:
                break
            minimum = int(instance.quota_min[s])
            ok = minimum == NO_MIN or int(instance.scores[i, 0]) >= minimum
            p = pools.get((s, int(instance.junior[i])))
            if p is not None and eligible and ok:
                lst.append(p)
                cols.append(c)
        quota_lists.append(lst)
        quota_columns.append(cols)
    held = deferred_acceptance(quota_lists, priority, capacity)
    out = [("", "", 0)] * n
    used = [0] * len(instance.school_codes)
    for i, position in enumerate(held):
        if position >= 0:
            c = quota_columns[i][position]
            s = int(instance.prefs[i, c])
            used[s] += 1
            out[i] = (instance.school_codes[s], "quota", c + 1)
    open_capacity = [int(instance.open_seats[s]) + int(instance.quota_seats[s]) - used[s] for s in range(len(used))]
    open_lists = [[] if held[i] >= 0 else [int(s) for s in instance.prefs[i] if s >= 0] for i in range(n)]
    position = deferred_acceptance(open_lists, priority, open_capacity)
    for i, p in enumerate(position):
        if p >= 0:
            s = open_lists[i][p]
            out[i] = (instance.school_codes[s], "open", p + 1)
    return out


def serial_dictatorship_loop(order, choices, capacity) -> np.ndarray:
    """The serial dictatorship as a plain loop."""
    remaining = [int(c) for c in capacity]
    taken = np.full(len(choices), -1, dtype=np.int8)
    for i in order:
        for column, pool in enumerate(choices[i]):
            if pool >= 0 and remaining[pool] > 0:
                remaining[pool] -= 1
                taken[i] = column
                break
    return taken
