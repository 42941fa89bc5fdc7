#!/usr/bin/env python3
"""Tallies the verdicts of the comparisons scripts/validate_compare.sh ran.

Usage: validation_tally.py DIR   (prints Markdown)

DIR holds aa-<i>/comparison.json (A/A: one binary against itself) and
slower<P>-<i>/comparison.json (against a copy P % slower). For each group and
each figure (judged ones first): how many runs called it slower, faster,
same or disturbed, and the median ratio and detectable change. Reading it: in A/A,
"slower" is a false alarm; against a slower copy, it is a catch.
"""

import collections
import glob
import json
import os
import re
import statistics
import sys

VERDICTS = ("slower", "faster", "same", "disturbed")


def groups(directory):
    """{group name: [comparison dicts]}: "A/A", "10 % slower", ..."""
    out = collections.defaultdict(list)
    for path in sorted(glob.glob(os.path.join(directory, "*", "comparison.json"))):
        name = os.path.basename(os.path.dirname(path))
        m = re.fullmatch(r"(aa|slower(\d+))-\d+", name)
        if not m:
            continue
        with open(path, encoding="utf-8") as f:
            out["A/A" if m.group(1) == "aa" else f"{m.group(2)} % slower"].append(json.load(f))
    return out


def tally(runs):
    """[(scenario, metric, judged, Counter of verdicts, median ratio, median
    detectable)] over every figure of `runs`, judged ones first."""
    figures = collections.defaultdict(list)
    for run in runs:
        for f in run["figures"]:
            figures[(not f["judged"], f["scenario"], f["metric"])].append(f)
    rows = []
    for (unjudged, scenario, metric), fs in sorted(figures.items(), key=lambda kv: kv[0][0]):
        ratios = [f["ratio"] for f in fs if f["ratio"] is not None]
        detectable = [f["detectable"] for f in fs if f["detectable"] is not None]
        rows.append((scenario, metric, not unjudged, collections.Counter(f["verdict"] for f in fs),
                     statistics.median(ratios) if ratios else None,
                     statistics.median(detectable) if detectable else None))
    return rows


def main():
    directory = sys.argv[1]
    print("# Validation of roseyd bench --compare\n")
    for name, runs in sorted(groups(directory).items()):
        minutes = statistics.median(r["duration_s"] for r in runs) / 60
        statuses = collections.Counter(r["exit_status"] for r in runs)
        print(f"## {name}: {len(runs)} comparisons\n")
        print(f"Median duration {minutes:.1f} min; exit statuses "
              + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())) + ".\n")
        print("| scenario | figure | judged | " + " | ".join(VERDICTS) +
              " | median ratio | median detectable |")
        print("|---|---|---|" + "---|" * len(VERDICTS) + "---|---|")
        for scenario, metric, judged, counts, ratio, detectable in tally(runs):
            cells = " | ".join(str(counts.get(v, 0)) for v in VERDICTS)
            r = f"{ratio:.4f}" if ratio is not None else "-"
            d = f"{100 * detectable:.1f} %" if detectable is not None else "-"
            print(f"| {scenario} | {metric} | {'yes' if judged else 'no'} | {cells} | {r} | {d} |")
        print()


if __name__ == "__main__":
    main()
