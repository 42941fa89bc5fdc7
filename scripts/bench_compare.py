#!/usr/bin/env python3
"""Compares a benchmark run with the runs kept on main, for CI and developers.

Usage:
  bench_compare.py CURRENT.json [--baseline BASELINE.json] [--history DIR]
                   [--markdown OUT.md] [--summary FILE] [--trend-svg OUT.svg]
                   [--change-points-json OUT.json] [--tolerance PERCENT]

CURRENT and BASELINE are benchmark_results.json files of `roseyd bench`;
DIR holds the kept runs on main, DIR/<UTC time>-<commit>.json
(scripts/bench_baseline.sh fetches them; BASELINE is the last of them).
Writes Markdown (to OUT.md, appended to FILE, e.g. $GITHUB_STEP_SUMMARY, or
to stdout): the verdicts, "speed at a glance" beside the last kept run, the
change points of the key figures over the kept runs (the run where a figure
shifted and by how much: change_points.py), every judged figure with its
change (regressions beyond the tolerance marked), and the trend of the key
figures (a sparkline; --trend-svg draws it as a chart). --change-points-json
writes the change points as JSON. The comparison with the last kept run
stays, for the trend only: it was measured on another machine at another
time, so a change point over many runs is the better evidence. Exits 0
whatever the figures say: informational.
"""

import argparse
import glob
import json
import math
import os
import sys

import change_points

MARKER = "<!-- roseyd-bench-comparison -->"

# The figures "how fast" is answered with (README "Speed at a glance"):
# (scenario, metric, label, higher is better). Instruction counts first: they
# are deterministic, so they hold on a noisy machine where times do not.
KEY_FIGURES = [
    ("cost_events_sqlite", "instructions_per_event", "instructions per event (SQLite)", False),
    ("cost_queries_sqlite", "instructions_per_request", "instructions per query (SQLite)", False),
    ("cost_kv_get_sqlite", "instructions_per_request", "instructions per kv get (SQLite)", False),
    ("cost_row_search_sqlite", "instructions_per_request",
     "instructions per row search (SQLite)", False),
    ("cost_events_postgres", "instructions_per_event",
     "instructions per event (PostgreSQL)", False),
    ("cost_queries_postgres", "instructions_per_request",
     "instructions per query (PostgreSQL)", False),
    ("cost_kv_get_postgres", "instructions_per_request",
     "instructions per kv get (PostgreSQL)", False),
    ("cost_row_search_postgres", "instructions_per_request",
     "instructions per row search (PostgreSQL)", False),
    ("burst", "persisted_per_second", "burst: persisted ev/s", True),
    ("capacity", "capacity_events_per_second", "capacity: ev/s with p99 under target", True),
    ("request_reply_latency", "p50_latency_ms", "request round trip p50 (ms)", False),
    ("request_reply_latency", "p99_latency_ms", "request round trip p99 (ms)", False),
    ("single_event_latency", "p99_latency_ms", "event p99, intended send to commit (ms)", False),
    ("burst", "cpu_us_per_event", "CPU per event, burst (us)", False),
    ("memory_baseline", "rss_idle_mib", "RSS idle (MiB)", False),
]

SPARKS = "▁▂▃▄▅▆▇█"


def load(path):
    if not path or not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"bench_compare: cannot read {path}: {e}", file=sys.stderr)
        return None


def figures(report):
    """{(scenario, metric): figure dict} of a report (finite values only)."""
    out = {}
    for s in (report or {}).get("scenarios", []):
        for f in s.get("figures", []):
            if isinstance(f.get("value"), (int, float)) and math.isfinite(f["value"]):
                out[(s["name"], f["metric"])] = f
    return out


def num(v):
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return "inf"
    a = abs(v)
    if a >= 10000:
        return f"{v:,.0f}"
    if a >= 1000 or a == int(a):
        return f"{v:.0f}"
    return f"{v:.3g}"


def change(old, new):
    if old is None or new is None:
        return None
    if old == 0:
        return 0.0 if new == 0 else math.inf
    return 100.0 * (new - old) / abs(old)


def worse(pct, higher_is_better):
    return pct is not None and (-pct if higher_is_better else pct)


def change_text(pct):
    if pct is None:
        return "-"
    if math.isinf(pct):
        return "new"
    return f"{pct:+.1f} %"


def sparkline(values):
    vals = [v for v in values if v is not None]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    span = hi - lo or 1
    return "".join(" " if v is None else SPARKS[int((v - lo) / span * (len(SPARKS) - 1))]
                   for v in values)


def kept_runs(directory):
    """[(name, report)] of the kept runs, oldest first; name is the file's
    without .json: "<UTC time>-<commit>"."""
    runs = []
    if directory and os.path.isdir(directory):
        for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
            report = load(path)
            if report:
                runs.append((os.path.basename(path)[:-len(".json")], report))
    return runs


def key_figure_change_points(runs):
    """The change points of each key figure over `runs`, as dicts (the JSON of
    --change-points-json). A figure's series holds the runs that measured it;
    index is the run's position among all `runs`, oldest first (0-based)."""
    found = []
    run_figures = [figures(report) for _, report in runs]
    for scenario, metric, _, higher in KEY_FIGURES:
        measured = [(i, f[(scenario, metric)]["value"]) for i, f in enumerate(run_figures)
                    if (scenario, metric) in f]
        for shift in change_points.shifts([v for _, v in measured]):
            index = measured[shift.index][0]
            pct = change(shift.before, shift.after)
            found.append({"scenario": scenario, "metric": metric, "run": runs[index][0],
                          "index": index, "before": shift.before, "after": shift.after,
                          "change_percent": None if math.isinf(pct) else round(pct, 2),
                          "worse": bool(worse(pct, higher) > 0)})
    return found


def change_point_lines(points, kept):
    """The Markdown section of the change points over `kept` runs."""
    labels = {(s, m): label for s, m, label, _ in KEY_FIGURES}
    lines = ["### Change points over the kept runs", "",
             f"E-Divisive means (Matteson & James 2014; Apache Otava builds on it) over the "
             f"{kept} kept run(s) on main, oldest first, each key figure over the runs that "
             f"measured it; this run is not among them. A shift counts when both sides span "
             f"at least {change_points.MIN_SIZE} runs and a permutation test "
             f"({change_points.PERMUTATIONS} shuffles, fixed seed) gives "
             f"p <= {change_points.P_MAX:g}; before and after are the medians of the "
             "neighbouring segments.", ""]
    if not points:
        return lines + [f"Key figures: none found in {kept} runs"
                        + (" (too few to show one: a permutation test needs about 10 to 12)."
                           if kept < 12 else ".")]
    lines += ["| figure | run where it shifted | before -> after | change | worse or better |",
              "|---|---|---|---|---|"]
    for p in points:
        lines.append(f"| {labels[(p['scenario'], p['metric'])]} | `{p['run']}` | "
                     f"{num(p['before'])} -> {num(p['after'])} | "
                     f"{change_text(p['change_percent'])} | "
                     f"{'worse' if p['worse'] else 'better'} |")
    return lines


def markdown(current, baseline, runs, tolerance, points):
    cur, base = figures(current), figures(baseline)
    statuses = [s["status"] for s in current["scenarios"]]
    counts = ", ".join(f"{statuses.count(v)} {v}" for v in ("PASS", "WARN", "DISTURBED", "FAIL", "NOT RUN", "CANCELLED"))
    env = current.get("environment", {})
    lines = [MARKER, f"## roseyd benchmarks: {current.get('suite', '?')} suite", "",
             f"**{len(statuses)} scenarios: {counts}** in {current.get('duration_s', 0):.0f} s; "
             f"roseyd {env.get('roseyd_version', '?')} ({env.get('roseyd_revision', '?')}), "
             f"{env.get('cores', '?')} cores, {env.get('cpu_model', '?')}.", ""]
    if baseline:
        benv = baseline.get("environment", {})
        lines.append("Compared against the last kept run (another machine, another time: for "
                     f"the trend only): {baseline.get('started_utc', '?')}, revision "
                     f"{benv.get('roseyd_revision', '?')}. A figure worse by more than "
                     f"{tolerance:g} % is marked. Informational: shared CI runners are noisy, "
                     "and this check never blocks a merge; the change points over the kept "
                     "runs are the better evidence.")
    else:
        lines.append("No run on main to compare with yet. Informational: this check never "
                     "blocks a merge.")
    lines += ["", "### Speed at a glance", "",
              "| figure | this run | last kept run | change | trend on main |",
              "|---|---|---|---|---|"]
    for scenario, metric, label, higher in KEY_FIGURES:
        now = cur.get((scenario, metric), {}).get("value")
        old = base.get((scenario, metric), {}).get("value")
        pct = change(old, now)
        bad = worse(pct, higher)
        flag = " ⚠" if bad and bad > tolerance else ""
        trend = sparkline([figures(r).get((scenario, metric), {}).get("value") for _, r in runs])
        lines.append(f"| {label} | {num(now)} | {num(old)} | {change_text(pct)}{flag} | {trend} |")
    lines += [""] + change_point_lines(points, len(runs) - 1)
    lines += ["", "### Every judged figure", "",
              "| scenario | status | figure | target | this run | last kept run | change |",
              "|---|---|---|---|---|---|---|"]
    regressions = 0
    for s in current["scenarios"]:
        for f in s.get("figures", []):
            if f.get("target") is None:
                continue
            old = base.get((s["name"], f["metric"]), {}).get("value")
            pct = change(old, f.get("value"))
            bad = worse(pct, f.get("comparison") == "at_least")
            flag = ""
            if bad and bad > tolerance:
                flag = " ⚠"
                regressions += 1
            sign = "<=" if f.get("comparison") == "at_most" else ">="
            lines.append(f"| {s['name']} | {s['status']} | {f['metric']} | {sign} {num(f['target'])} "
                         f"| {num(f.get('value'))} | {num(old)} | {change_text(pct)}{flag} |")
    not_run = [f"{s['name']}: {s['note']}" for s in current["scenarios"]
               if s["status"] in ("NOT RUN", "CANCELLED")]
    if not_run:
        lines += ["", "Not run:", ""] + [f"- {n}" for n in not_run]
    lines += ["", f"{regressions} judged figure(s) worse than the last kept run by more than "
              f"{tolerance:g} %." if baseline else "",
              f"Trend: {len(runs) - 1} kept run(s) on main and this one; the full report and "
              "trend.svg are in the job's bench-report artifact.", ""]
    return "\n".join(lines)


def trend_svg(runs):
    """Small multiples: each key figure over the kept runs, this run last."""
    w, panel_h, left, right = 800, 120, 70, 20
    h = 40 + panel_h * len(KEY_FIGURES)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{w / 2}" y="22" text-anchor="middle" font-size="15">'
           f'roseyd benchmarks on main: {len(runs) - 1} kept runs and this one</text>']
    n = len(runs)
    for k, (scenario, metric, label, _) in enumerate(KEY_FIGURES):
        top = 40 + k * panel_h
        y0, y1 = top + panel_h - 30, top + 18
        vals = [figures(r).get((scenario, metric), {}).get("value") for _, r in runs]
        known = [v for v in vals if v is not None]
        hi = max(known) * 1.1 if known and max(known) > 0 else 1
        out.append(f'<text x="{left}" y="{top + 12}" fill="#222">{label}</text>')
        out.append(f'<rect x="{left}" y="{y1}" width="{w - left - right}" height="{y0 - y1}" '
                   'fill="none" stroke="#444"/>')
        out.append(f'<text x="{left - 6}" y="{y1 + 4}" text-anchor="end">{num(hi)}</text>')
        out.append(f'<text x="{left - 6}" y="{y0 + 4}" text-anchor="end">0</text>')
        pts = []
        for i, v in enumerate(vals):
            if v is None:
                continue
            x = left + (w - left - right) * (0.5 if n == 1 else i / (n - 1))
            pts.append((x, y0 - (y0 - y1) * v / hi))
        if pts:
            out.append('<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
            x, y = pts[-1]
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#d62728"/>')
    out.append(f'<text x="{w - right}" y="{h - 8}" text-anchor="end" fill="#d62728">'
               "red dot: this run</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("current")
    ap.add_argument("--baseline")
    ap.add_argument("--history")
    ap.add_argument("--markdown")
    ap.add_argument("--summary")
    ap.add_argument("--trend-svg")
    ap.add_argument("--change-points-json")
    ap.add_argument("--tolerance", type=float, default=10)
    args = ap.parse_args()
    current = load(args.current)
    kept = kept_runs(args.history)
    points = key_figure_change_points(kept)
    if current is None:
        text = f"{MARKER}\n## roseyd benchmarks\n\nNo results: {args.current} is missing or unreadable.\n"
        runs = []
    else:
        runs = kept + [("this run", current)]
        text = markdown(current, load(args.baseline), runs, args.tolerance, points)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as f:
            f.write(text)
    if not args.markdown and not args.summary:
        print(text)
    if args.change_points_json:
        with open(args.change_points_json, "w", encoding="utf-8") as f:
            json.dump(points, f, indent=1)
            f.write("\n")
    if args.trend_svg and runs:
        with open(args.trend_svg, "w", encoding="utf-8") as f:
            f.write(trend_svg(runs))


if __name__ == "__main__":
    main()
