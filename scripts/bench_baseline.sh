#!/usr/bin/env bash
# Fetches the results of every benchmark run on main that CI kept (the branch
# bench-history, written by scripts/bench_history.sh) into DEST:
#   DEST/history/<time>-<commit>.json   every kept run, oldest first by name
#   DEST/benchmark_results.json         the last of them: the baseline
# Exits 0 with a message when there is none yet.
#   scripts/bench_baseline.sh DEST
# Environment: BENCH_REMOTE (default origin), BENCH_HISTORY_BRANCH (default bench-history).
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:?usage: scripts/bench_baseline.sh DEST}
remote=${BENCH_REMOTE:-origin}
branch=${BENCH_HISTORY_BRANCH:-bench-history}
mkdir -p "$dest/history"
if ! git fetch --quiet "$remote" "refs/heads/$branch" 2>/dev/null; then
  echo "bench_baseline: no branch $branch on $remote yet: no baseline"
  exit 0
fi
git archive FETCH_HEAD history | tar -x -C "$dest"
latest=$(find "$dest/history" -name '*.json' | sort | tail -n 1)
if [ -z "$latest" ]; then
  echo "bench_baseline: $branch holds no results yet: no baseline"
  exit 0
fi
cp "$latest" "$dest/benchmark_results.json"
echo "bench_baseline: $(find "$dest/history" -name '*.json' | wc -l) runs kept; baseline: $(basename "$latest")"
