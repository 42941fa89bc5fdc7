#!/usr/bin/env bash
# Did this change make the database path slower? Builds this checkout and a
# base (a git ref, built in a worktree beside it; or an executable given as
# is), starts a PostgreSQL server of its own for the PostgreSQL cost figures,
# and runs `roseyd bench --compare BASE` on this machine: both builds
# interleaved, round by round (docs/BENCHMARKS.md, "A/B on one machine").
#   scripts/bench_ab.sh BASE [OUT_DIR] [roseyd bench options...]
#     BASE     a git ref (origin/main, a commit) or a roseyd executable
#     OUT_DIR  where comparison.json and COMPARISON.md go (default bench-compare)
# The comparison's exit status (0 nothing judged slower beyond the tolerance,
# 1 something is, 2 it could not compare) goes to OUT_DIR/exit_status and is
# this script's, unless BENCH_AB_INFORMATIONAL=1 (CI's trend: exit 0 always).
# Environment: BUILD_DIR (default build), BASE_BUILD_DIR (default build-base).
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/bench_ab.sh BASE [OUT_DIR] [roseyd bench options...]}
out=${2:-bench-compare}
shift $(( $# >= 2 ? 2 : 1 ))
build=${BUILD_DIR:-build}
bash scripts/setup.sh "$build" >/dev/null

if [ -x "$base" ] && [ -f "$base" ]; then
  base_bin=$(cd "$(dirname "$base")" && pwd)/$(basename "$base")
else
  base_build=$(mkdir -p "${BASE_BUILD_DIR:-build-base}" && cd "${BASE_BUILD_DIR:-build-base}" && pwd)
  source_dir=$base_build/src
  rm -rf "$source_dir"
  git worktree prune
  git worktree add --detach --force "$source_dir" "$base" >/dev/null
  echo "bench_ab: building $base ($(git -C "$source_dir" rev-parse --short HEAD)) in $base_build"
  bash "$source_dir/scripts/setup.sh" "$base_build/build" >/dev/null
  base_bin=$base_build/build/daemon/app/roseyd
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
postgres=$out/postgres
trap '"$build"/tests/support/roseyd_test_postgres stop "$postgres" >/dev/null 2>&1 || true' EXIT
"$build"/tests/support/roseyd_test_postgres start "$postgres"
port=$(cat "$postgres/port")
psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE roseyd_cost"

status=0
"$build"/daemon/app/roseyd bench --compare "$base_bin" --out "$out" \
  --set "bench.store_url=postgresql://postgres@127.0.0.1:$port/roseyd_cost" "$@" || status=$?
echo "$status" > "$out/exit_status"
echo "bench_ab: roseyd bench --compare exited $status (0 nothing judged slower beyond the tolerance, 1 something is, 2 it could not compare)"
[ "${BENCH_AB_INFORMATIONAL:-0}" = 1 ] && exit 0
exit "$status"
