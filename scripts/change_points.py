"""Change points in a benchmark figure's history: E-Divisive means.

Why: comparing a run with the one before it cannot tell a shift from noise. On
a shared runner with 3 % noise, a 10 % tolerance between neighbouring runs
flags only half of the real 10 % shifts and raises a false alarm in a third
of the histories that never changed (measured below). A change point is a
run where the level of a figure moved and stayed moved; finding it needs the
runs on both sides, not the last one alone.

Method: E-Divisive means (Matteson & James 2014, "A nonparametric approach
for multiple change point analysis of multivariate data"; the method Apache
Otava, formerly Hunter, builds on), for one figure at a time:

- For a segment z_0..z_{n-1} and a split tau, X = z[:tau] (m values) and
  Y = z[tau:] (k values), the divergence with alpha = 1 is
      Q(tau) = m k / n * (2 mean|x - y| - mean_{i<j}|x_i - x_j| - mean_{i<j}|y_i - y_j|)
  (an energy distance: it grows with any difference between the two sides'
  distributions; one wild value on a side adds as much to the within term
  as to the cross term, so it does not make a split).
- The split with the largest Q, both sides at least MIN_SIZE runs long, is
  the candidate. It is significant when the same segment shuffled
  PERMUTATIONS times reaches the candidate's Q rarely enough:
  p = (1 + shuffles that reached it) / (PERMUTATIONS + 1) <= P_MAX. A clean
  step between two constant levels (a deterministic figure) gets its exact
  p without shuffles: 2 / C(n, m), the two orderings that keep the levels
  apart among all orderings of the values.
- Hierarchical bisection: both sides are searched the same way, until no
  segment holds a significant split.
- Weak candidates, as Hunter and Otava do: the bisection runs at the lenient
  P_WEAK, then every candidate is tested again between its neighbouring
  candidates at P_MAX; the weakest failing one is dropped (its neighbours'
  segments grow) and the rest retested, until all hold. The first split of
  a figure that went up and came back down compares one level with a mix of
  both, which is weak evidence; between its neighbours the same run is
  strong evidence. Measured: up-then-down found 91 in 100 series this way,
  31 in 100 with the bisection at P_MAX alone.

Choices, and why:

- Permutation test, not Otava's Student t-test. Benchmark noise on shared
  runners is not Gaussian (CPU steal gives one-sided spikes, a busy
  neighbour a run of slow ones); the permutation test assumes nothing about
  it and asks the statistic itself how often chance reaches it. The
  drawbacks the Hunter paper names are answered here: non-determinism by a
  fixed seed (every segment is shuffled by random.Random(SEED), so the same
  values always get the same answer), and cost by stopping a test once more
  shuffles than the threshold allows have reached Q (noise is rejected after
  a few shuffles; only real shifts pay for all of them). What it costs: a
  short history cannot reach P_MAX however clean the step: 3 runs against 3
  have 20 orderings (p = 0.1), 3 against 9 have 220 and 5 against 5 have
  252 (p < 0.01), so a clean step shows once the history has 10 to 12 runs.
  The t-test would call a step in a deterministic figure significant at
  once; until then the comparison with the last kept run shows it. Near
  P_MAX the 199 shuffles decide with some luck (a split of exact p 0.004 is
  kept in about 80 % of histories); the next run decides again.
- P_MAX = 0.01, not the textbook 0.05: a report tests ~15 figures, so 0.05
  would show a false shift in about half of the reports. With 199
  permutations, at most one shuffle may reach Q.
- Y runs to the end of its segment. Matteson & James (and Otava) also search
  where Y ends, which makes every evaluation O(n^2) Python steps instead of
  O(n); the weak candidates above recover the up-then-down pattern that
  search is for.
- MIN_SIZE = 3 runs a side: one or two odd runs are not a new level, and a
  shift is reported once three runs show it (in a long enough history: see
  above).
- Before and after are medians of the neighbouring segments, so one spike
  does not move them.

Cost: one evaluation of Q over all splits is O(n) Python steps plus O(n^2)
done by C (a sorted prefix, bisect and list sums; each value's sum of
distances to all others comes once per segment from the sorted values),
about 0.2 ms for 200 runs. 200 runs x 15 figures take 1 to 2 s on a 2-core
VM (2 s when ten of them shift twice).

Measured by tests/scripts/change_points_test.py (100 seeded series per
case, 30 runs, 3 % Gaussian noise): a 10 % shift found at its run (+-1) in
100 of 100 series (4 extra change points in all); pure noise gives a false
change point in 2 of 100 series; a 5x spike in one run in 1 of 100 (never at
the spike); two 10 % shifts in 40 runs both found in 97 (staircase) and 91
(up, then back) of 100; a deterministic 5 % step found exactly wherever it
is. On the same series, comparing each run with the one before at 10 %
tolerance flags the shift run in 48 of 100 and raises a false alarm in 36
of the 100 pure-noise series.
"""

import bisect
import collections
import functools
import math
import random
import statistics
from itertools import accumulate
from operator import add, mul, sub

MIN_SIZE = 3
PERMUTATIONS = 199
P_MAX = 0.01
P_WEAK = 0.1
SEED = 20140101  # any fixed value: the same history must give the same answer

Shift = collections.namedtuple("Shift", "index before after")


def row_sums(values):
    """For each value, the sum of its distances to all values: O(n log n)."""
    n, total = len(values), sum(values)
    out = [0.0] * n
    below = 0.0
    for rank, i in enumerate(sorted(range(n), key=values.__getitem__)):
        v = values[i]
        out[i] = (v * rank - below) + (total - below - v - v * (n - rank - 1))
        below += v
    return out


@functools.lru_cache(maxsize=None)
def split_weights(n, min_size):
    """1/(m-1) and 1/(k-1) for each admissible split of n values (m = tau, k = n - tau)."""
    taus = range(min_size, n - min_size + 1)
    return [1 / (tau - 1) for tau in taus], [1 / (n - tau - 1) for tau in taus]


def best_split(values, sums, total, min_size):
    """(tau, Q) of the split of `values` with the largest divergence.

    `sums` are row_sums(values) in the same order and `total` the sum of all
    pairwise distances: what only depends on the set of values is computed
    once per segment, not once per permutation. With W_x and W_y the sums of
    distances within each side, the cross sum is total - W_x - W_y and
        Q = 2 / n * (total - (n - 1) * (W_x / (m - 1) + W_y / (k - 1))),
    so the best split is the one with the smallest W_x/(m-1) + W_y/(k-1)."""
    n = len(values)
    seen, seen_sum = [], 0.0   # values[:t], sorted, and their sum
    earlier = []               # earlier[t]: sum of |values[t] - values[i]| for i < t
    for t, v in enumerate(values):
        i = bisect.bisect_left(seen, v)
        lower = sum(seen[:i]) if 2 * i <= t else seen_sum - sum(seen[i:])
        earlier.append(v * (2 * i - t) + seen_sum - 2 * lower)
        seen.insert(i, v)
        seen_sum += v
    within_x = list(accumulate(earlier, initial=0.0))  # [tau]: within values[:tau]
    within_y = list(accumulate(reversed(list(map(sub, sums, earlier)))))[::-1]  # values[tau:]
    x_weight, y_weight = split_weights(n, min_size)
    spread = list(map(add, map(mul, within_x[min_size:n - min_size + 1], x_weight),
                      map(mul, within_y[min_size:n - min_size + 1], y_weight)))
    least = min(spread)  # ties: the earliest split
    return spread.index(least) + min_size, 2 / n * (total - (n - 1) * least)


def split_test(values, min_size=MIN_SIZE, permutations=PERMUTATIONS, p_stop=P_MAX):
    """(tau, p): the best split of `values` (None when no split divides them)
    and its permutation p-value.

    p is exact when it is at most p_stop. Beyond that the test stops as soon
    as more shuffles reached the candidate's divergence than p_stop allows,
    and p is an estimate (shuffles that reached it / shuffles made), above
    p_stop: enough to reject the split, and to tell the weaker of two."""
    n = len(values)
    if n < 2 * min_size or min(values) == max(values):
        return None, 1.0
    sums = row_sums(values)
    total = sum(sums) / 2
    tau, q = best_split(values, sums, total, min_size)
    if q <= 0:
        return None, 1.0
    if min(values[:tau]) == max(values[:tau]) and min(values[tau:]) == max(values[tau:]):
        # A clean step between two constant levels (a deterministic figure):
        # only the two orderings that keep the levels apart reach its Q.
        return tau, 2 / math.comb(n, tau)
    allowed = int(p_stop * (permutations + 1) + 1e-9) - 1
    reached = 0
    rng = random.Random(SEED)
    order = list(range(n))
    for made in range(1, permutations + 1):
        rng.shuffle(order)
        _, shuffled_q = best_split([values[i] for i in order], [sums[i] for i in order],
                                   total, min_size)
        if shuffled_q >= q * (1 - 1e-9):
            reached += 1
            if reached > allowed:
                return tau, max(reached / made, math.nextafter(p_stop, 1))
    return tau, (1 + reached) / (permutations + 1)


def change_points(values, min_size=MIN_SIZE, permutations=PERMUTATIONS, p_max=P_MAX,
                  p_weak=P_WEAK):
    """Indices (ascending) where a new level starts.

    Hierarchical bisection at p_weak gives the candidates. Then each is
    tested again on the segment between its neighbours at p_max: the weakest
    failing one is dropped (its neighbours' segments grow), or one that is
    not the best split between its neighbours is moved there, until every
    candidate is the significant best split between its neighbours."""
    values = [float(v) for v in values]
    tests = {}

    def split(lo, hi, p_limit):
        """(index or None, p) of the segment values[lo:hi] at p_limit; a
        segment is shuffled again only if an earlier test stopped short."""
        known = tests.get((lo, hi))
        if known is None or (known[1] > known[2] and p_limit > known[2]):
            known = split_test(values[lo:hi], min_size, permutations, p_limit) + (p_limit,)
            tests[(lo, hi)] = known
        tau, p, _ = known
        return (lo + tau if tau is not None and p <= p_limit else None), p

    points, segments = [], [(0, len(values))]
    while segments:
        lo, hi = segments.pop()
        point, _ = split(lo, hi, p_weak)
        if point is not None:
            points.append(point)
            segments += [(lo, point), (point, hi)]
    points.sort()
    for _ in range(4 * len(values)):  # a bound: it settles in a few rounds
        bounds = [0] + points + [len(values)]
        best = [split(bounds[j], bounds[j + 2], p_max) for j in range(len(points))]
        failing = [(p, -j) for j, (point, p) in enumerate(best) if point is None]
        if failing:
            del points[-max(failing)[1]]
            continue
        moved = [j for j, (point, _) in enumerate(best) if point != points[j]]
        if not moved:
            break
        points[moved[0]] = best[moved[0]][0]
    return points


def shifts(values, **options):
    """Each change point with the medians of its neighbouring segments."""
    points = change_points(values, **options)
    bounds = [0] + points + [len(values)]
    return [Shift(p, statistics.median(values[bounds[j]:p]),
                  statistics.median(values[p:bounds[j + 2]]))
            for j, p in enumerate(points)]


def naive_alarms(values, tolerance_percent=10.0):
    """The method this replaces, for comparison: each run against the one before
    it; the indices of runs that differ from their predecessor by more than the
    tolerance."""
    return [i for i in range(1, len(values))
            if values[i - 1] and abs(values[i] - values[i - 1]) / abs(values[i - 1]) * 100
            > tolerance_percent]
