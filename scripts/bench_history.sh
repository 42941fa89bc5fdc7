#!/usr/bin/env bash
# Keeps a main run's results so the trend can be plotted: commits
# REPORT_DIR/benchmark_results.json to the branch bench-history as
# history/<UTC time>-<commit>.json (creating the branch the first time) and
# pushes it, trying again when another run pushed first. Git plumbing only:
# the checkout and its index are not touched.
#   scripts/bench_history.sh REPORT_DIR
# Environment: BENCH_REMOTE (default origin), BENCH_HISTORY_BRANCH (default
# bench-history), BENCH_COMMIT (default: HEAD's id).
set -euo pipefail
cd "$(dirname "$0")/.."
report=${1:?usage: scripts/bench_history.sh REPORT_DIR}/benchmark_results.json
[ -f "$report" ] || { echo "bench_history: no $report: nothing to keep"; exit 0; }
remote=${BENCH_REMOTE:-origin}
branch=${BENCH_HISTORY_BRANCH:-bench-history}
commit=${BENCH_COMMIT:-$(git rev-parse --short=12 HEAD)}
name="history/$(date -u +%Y-%m-%dT%H-%M-%SZ)-$commit.json"
index=$(mktemp)
trap 'rm -f "$index"' EXIT
export GIT_INDEX_FILE=$index GIT_AUTHOR_NAME="roseyd benchmarks" GIT_AUTHOR_EMAIL="bench@roseyd.invalid"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
blob=$(git hash-object -w "$report")
for attempt in 1 2 3; do
  parent=()
  if git fetch --quiet "$remote" "refs/heads/$branch" 2>/dev/null; then
    git read-tree FETCH_HEAD
    parent=(-p "$(git rev-parse FETCH_HEAD)")
  else
    git read-tree --empty
  fi
  git update-index --add --cacheinfo "100644,$blob,$name"
  new=$(git commit-tree "$(git write-tree)" "${parent[@]}" -m "benchmarks: $name")
  if git push --quiet "$remote" "$new:refs/heads/$branch"; then
    echo "bench_history: kept $name on $branch"
    exit 0
  fi
  echo "bench_history: push refused (attempt $attempt): another run was first; trying again"
done
echo "bench_history: could not push to $branch; this run's results are in the job's artifact only"
