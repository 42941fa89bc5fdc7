#!/usr/bin/env bash
# The quick benchmark suite as CI runs it, and as a developer can:
#   scripts/bench_run.sh OUT_DIR [BASELINE_JSON]
# runs `roseyd bench --suite quick --out OUT_DIR` (with --baseline when the
# file exists), building first if there is no binary. The bench's exit status
# (0 passed, 1 a P0 failed or a figure regressed, 2 a P0 could not run) goes
# to OUT_DIR/exit_status; this script exits 0: the figures of a shared runner
# are information, not a gate.
# Environment: ROSEYD (the binary, default build/daemon/app/roseyd),
# BENCH_SUITE (default quick).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/bench_run.sh OUT_DIR [BASELINE_JSON]}
baseline=${2:-}
roseyd=${ROSEYD:-build/daemon/app/roseyd}
[ -x "$roseyd" ] || bash scripts/setup.sh build
args=(bench --suite "${BENCH_SUITE:-quick}" --out "$out" --log-level warn)
if [ -n "$baseline" ] && [ -f "$baseline" ]; then
  args+=(--baseline "$baseline")
  echo "bench_run: comparing with $baseline"
else
  echo "bench_run: no baseline"
fi
status=0
"$roseyd" "${args[@]}" || status=$?
mkdir -p "$out"
echo "$status" > "$out/exit_status"
echo "bench_run: roseyd bench exited $status (0 passed, 1 a P0 failed or a figure regressed, 2 a P0 could not run)"
