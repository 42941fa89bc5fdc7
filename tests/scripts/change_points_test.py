#!/usr/bin/env python3
"""Change point detection (scripts/change_points.py) on synthetic histories
with fixed seeds, beside the method it replaces (each run against the one
before it at 10 % tolerance), and end to end through bench_compare.py on a
history directory. Prints the measured rates at the end (docs/BENCHMARKS.md
quotes them)."""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts")
sys.path.insert(0, SCRIPTS)

import bench_compare  # noqa: E402
import change_points  # noqa: E402

SERIES = 100        # seeded series per case
NOISE = 0.03        # relative standard deviation of a timing figure
MEASURED = {}       # what the tests measured, printed at the end


def noisy(rng, levels):
    """A timing figure: each run's level with 3 % Gaussian noise."""
    return [level * (1 + rng.gauss(0, NOISE)) for level in levels]


def single_shift(seed, runs=30):
    """(series, index): a 10 % shift, up or down, somewhere in the middle."""
    rng = random.Random(seed)
    at = rng.randint(6, runs - 6)
    step = 1.10 if seed % 2 == 0 else 0.90
    return noisy(rng, [1000 * (step if i >= at else 1) for i in range(runs)]), at


def near(points, index):
    return any(abs(p - index) <= 1 for p in points)


class SyntheticTest(unittest.TestCase):
    def test_a_single_shift_is_found_at_its_run(self):
        found = extra = naive_found = 0
        for seed in range(SERIES):
            values, at = single_shift(1000 + seed)
            points = change_points.change_points(values)
            found += near(points, at)
            extra += sum(not near([p], at) for p in points)
            naive_found += at in change_points.naive_alarms(values)
        MEASURED["10 % shift found at its run (+-1)"] = f"{found}/{SERIES}"
        MEASURED["  extra change points in those series"] = f"{extra}"
        MEASURED["  naive (vs previous run, 10 %) flags the shift run"] = f"{naive_found}/{SERIES}"
        self.assertGreaterEqual(found, 95)
        self.assertGreater(found, naive_found)

    def test_b_pure_noise_rarely_gives_a_change_point(self):
        false = naive_false = 0
        for seed in range(SERIES):
            values = noisy(random.Random(2000 + seed), [1000] * 30)
            false += bool(change_points.change_points(values))
            naive_false += bool(change_points.naive_alarms(values))
        MEASURED["pure noise: series with a false change point"] = f"{false}/{SERIES}"
        MEASURED["  naive (vs previous run, 10 %): series with a false alarm"] = \
            f"{naive_false}/{SERIES}"
        self.assertLessEqual(false, 5)
        self.assertLess(false, naive_false)

    def test_c_two_shifts_are_both_found(self):
        patterns = {
            "10 % up twice (staircase)": lambda i: 1.1 ** ((i >= 13) + (i >= 27)),
            "10 % up, then back (a regression fixed)": lambda i: 1.1 if 13 <= i < 27 else 1}
        for k, (name, level) in enumerate(patterns.items()):
            found = exact = naive_found = 0
            for seed in range(SERIES):
                values = noisy(random.Random(3000 + 100 * k + seed),
                               [1000 * level(i) for i in range(40)])
                points = change_points.change_points(values)
                found += near(points, 13) and near(points, 27)
                exact += near(points, 13) and near(points, 27) and len(points) == 2
                alarms = change_points.naive_alarms(values)
                naive_found += 13 in alarms and 27 in alarms
            MEASURED[f"two shifts in 40 runs, {name}: both found (+-1)"] = (
                f"{found}/{SERIES} ({exact} with no other); "
                f"naive flags both: {naive_found}/{SERIES}")
            self.assertGreaterEqual(found, 90, name)
        # And without noise, exactly.
        steps = [100.0] * 10 + [110.0] * 10 + [95.0] * 10
        self.assertEqual(change_points.change_points(steps), [10, 20])

    def test_d_one_outlier_run_is_not_a_change_point(self):
        reported = at_spike = naive = 0
        for seed in range(SERIES):
            rng = random.Random(4000 + seed)
            spike = rng.randint(0, 29)
            values = noisy(rng, [1000 * (5 if i == spike else 1) for i in range(30)])
            points = change_points.change_points(values)
            reported += bool(points)
            at_spike += spike in points or spike + 1 in points
            naive += bool(change_points.naive_alarms(values))
        MEASURED["one 5x spike: series with a change point"] = f"{reported}/{SERIES}"
        MEASURED["  naive (vs previous run, 10 %): series with an alarm"] = f"{naive}/{SERIES}"
        self.assertLessEqual(reported, 5)
        self.assertEqual(at_spike, 0)
        # A spike in a deterministic series: the energy distance cannot see it.
        self.assertEqual(change_points.change_points([5e6] * 12 + [25e6] + [5e6] * 12), [])

    def test_e_a_deterministic_step_is_found_exactly(self):
        for at in range(change_points.MIN_SIZE, 30 - change_points.MIN_SIZE + 1):
            for step in (1.05, 0.95):
                values = [1234567] * at + [round(1234567 * step)] * (30 - at)
                shifts = change_points.shifts(values)
                self.assertEqual([s.index for s in shifts], [at], (at, step))
                self.assertEqual((shifts[0].before, shifts[0].after), (values[0], values[-1]))
        self.assertEqual(change_points.change_points([7] * 30), [])
        # Fewer than MIN_SIZE runs at the new level: not yet a change point.
        self.assertEqual(change_points.change_points([100] * 28 + [105] * 2), [])
        # A short history: a clean step has its exact p, 2 / C(n, m); 3 against 3
        # (p = 0.1) is not enough, 5 against 5 (0.008) and 9 against 3 (0.009) are.
        self.assertEqual(change_points.change_points([100] * 3 + [105] * 3), [])
        self.assertEqual(change_points.change_points([100] * 5 + [105] * 5), [5])
        self.assertEqual(change_points.change_points([100] * 9 + [105] * 3), [9])

    def test_the_same_history_gives_the_same_answer(self):
        values, _ = single_shift(1)
        first = change_points.change_points(values)
        random.seed(12345)  # the global generator does not matter
        self.assertEqual(change_points.change_points(list(values)), first)

    def test_200_runs_of_15_figures_take_seconds(self):
        rng = random.Random(5000)
        runs = []
        shifted = {}
        for i in range(200):
            scenarios = {}
            for k, (scenario, metric, _, _) in enumerate(bench_compare.KEY_FIGURES):
                level = 1000 * (1.1 if k % 3 == 1 and 60 <= i < 140 else 1)
                value = level * (1 + rng.gauss(0, NOISE))
                if metric.startswith("instructions"):  # deterministic, a 5 % step at run 100
                    value = 50000 * (1.05 if k % 2 and i >= 100 else 1)
                scenarios.setdefault(scenario, []).append({"metric": metric, "value": value})
            runs.append((f"run{i:03d}", {"scenarios": [{"name": s, "figures": f}
                                                       for s, f in scenarios.items()]}))
        started = time.perf_counter()
        points = bench_compare.key_figure_change_points(runs)
        took = time.perf_counter() - started
        MEASURED["200 runs x 15 key figures"] = f"{took:.1f} s, {len(points)} change points"
        for p in points:
            shifted.setdefault((p["scenario"], p["metric"]), []).append(p["index"])
        for k, (scenario, metric, _, _) in enumerate(bench_compare.KEY_FIGURES):
            if metric.startswith("instructions"):
                self.assertEqual(shifted.get((scenario, metric), []), [100] if k % 2 else [])
        self.assertLess(took, 20)  # about 2 s on an idle 2-core VM


def report(figures, started):
    """A benchmark_results.json with {(scenario, metric): value}."""
    scenarios = {}
    for (scenario, metric), value in figures.items():
        scenarios.setdefault(scenario, []).append({"metric": metric, "value": value,
                                                   "target": None, "comparison": "at_most"})
    return {"suite": "quick", "started_utc": started, "duration_s": 100,
            "environment": {"roseyd_version": "0.9", "roseyd_revision": "abc"},
            "scenarios": [{"name": s, "status": "PASS", "note": "", "figures": f}
                          for s, f in scenarios.items()]}


class EndToEndTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_the_script_names_the_run_where_a_figure_shifted(self):
        history = os.path.join(self.dir, "history")
        os.makedirs(history)
        names = []
        for i in range(16):
            figures = {("burst", "persisted_per_second"): [100000, 101000, 99000][i % 3]
                       * (0.8 if i >= 8 else 1),
                       ("burst", "cpu_us_per_event"): 7.0}
            if i >= 2:  # instruction counts were measured from the third run on
                instructions = 50000 if i < 9 else 52500
                figures[("cost_events_sqlite", "instructions_per_event")] = instructions
            names.append(f"2026-11-{i + 1:02d}T03-00-00Z-c{i:011d}")
            with open(os.path.join(history, names[-1] + ".json"), "w", encoding="utf-8") as f:
                json.dump(report(figures, f"2026-11-{i + 1:02d}T03:00:00Z"), f)
        shutil.copy(os.path.join(history, names[-1] + ".json"), os.path.join(self.dir, "base.json"))
        with open(os.path.join(self.dir, "now.json"), "w", encoding="utf-8") as f:
            json.dump(report({("burst", "persisted_per_second"): 80000}, "2026-12-01T10:00:00Z"), f)
        out_md, out_json = os.path.join(self.dir, "out.md"), os.path.join(self.dir, "cp.json")
        r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "bench_compare.py"),
                            os.path.join(self.dir, "now.json"),
                            "--baseline", os.path.join(self.dir, "base.json"),
                            "--history", history, "--markdown", out_md,
                            "--change-points-json", out_json],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out_md, encoding="utf-8") as f:
            md = f.read()
        self.assertIn("### Change points over the kept runs", md)
        self.assertIn("over the 16 kept run(s) on main", md)
        self.assertIn("Compared against the last kept run (another machine, another time: "
                      "for the trend only)", md)
        self.assertIn(f"| instructions per event (SQLite) | `{names[9]}` | 50,000 -> 52,500 "
                      "| +5.0 % | worse |", md)
        self.assertIn(f"| burst: persisted ev/s | `{names[8]}` | 100,000 -> 80,000 "
                      "| -20.0 % | worse |", md)
        # The instruction figures come first in speed at a glance.
        glance = [l for l in md.splitlines() if l.startswith("| instructions per")
                  or l.startswith("| burst: persisted")]
        self.assertTrue(glance[0].startswith("| instructions per event (SQLite)"), glance)
        with open(out_json, encoding="utf-8") as f:
            points = json.load(f)
        self.assertEqual(points, [
            {"scenario": "cost_events_sqlite", "metric": "instructions_per_event",
             "run": names[9], "index": 9, "before": 50000, "after": 52500,
             "change_percent": 5.0, "worse": True},
            {"scenario": "burst", "metric": "persisted_per_second", "run": names[8], "index": 8,
             "before": 100000, "after": 80000, "change_percent": -20.0, "worse": True}])

    def test_no_change_point_says_so_with_the_number_of_runs(self):
        history = os.path.join(self.dir, "history")
        os.makedirs(history)
        for i in range(14):
            with open(os.path.join(history, f"2026-11-{i + 1:02d}T03-00-00Z-c{i}.json"), "w",
                      encoding="utf-8") as f:
                json.dump(report({("burst", "persisted_per_second"): 100000 + 500 * (i % 2)},
                                 "t"), f)
        out_json = os.path.join(self.dir, "cp.json")
        r = subprocess.run([sys.executable, os.path.join(SCRIPTS, "bench_compare.py"),
                            os.path.join(history, "2026-11-14T03-00-00Z-c13.json"),
                            "--history", history, "--change-points-json", out_json],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Key figures: none found in 14 runs.", r.stdout)
        with open(out_json, encoding="utf-8") as f:
            self.assertEqual(json.load(f), [])


def tearDownModule():
    print("\nMeasured (fixed seeds, 30 runs, 3 % Gaussian noise unless said):", file=sys.stderr)
    for name, value in MEASURED.items():
        print(f"  {name}: {value}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
