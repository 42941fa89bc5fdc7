#!/usr/bin/env bash
# Validates `roseyd bench --compare` on this machine, as docs/BENCHMARKS.md
# reports it ("A/B on one machine: validation"):
#   A/A       N comparisons of one binary with itself: how often does a
#             figure come out slower by chance?
#   injected  N comparisons with a copy made P % slower (an LD_PRELOAD shim,
#             tests/validation/slowdown_shim.c: it adds a fixed amount of
#             work to every sqlite3_bind_text64, calibrated so that the
#             events' instruction count grows by P %): how often is it caught?
# Then tallies the verdicts of every run into OUT/VALIDATION.md.
#
# Usage: scripts/validate_compare.sh [--out DIR] [--aa N] [--slower PERCENT:N[:SCENARIOS]]...
#                                    [--load] [--rounds N] [--no-postgres]
#   --aa N                 A/A comparisons (default 20)
#   --slower P:N[:S,...]   N comparisons against a copy P % slower, optionally only
#                          the scenarios S (e.g. 5:20:cost_events_sqlite); repeatable;
#                          `--slower none` runs none (default: 10:20 and
#                          5:20:cost_events_sqlite)
#   --load                 keep a build running beside the A/A runs (other work on the
#                          machine, as on a CI runner)
#   --rounds N             rounds of each comparison (default: roseyd's)
#   --no-postgres          without a PostgreSQL server (the PostgreSQL cost figures are
#                          then not run)
# Environment: ROSEYD, SLOWDOWN_SHIM (default: this build's; copy them away
# to keep building while it runs). Bounded: every comparison is bounded by
# roseyd's own limits; expect ~5 minutes a comparison of the compare suite.
# Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
out=validation
aa=20
load=0
postgres=1
rounds=()
slower=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --aa) aa=$2; shift 2 ;;
    --slower) slower+=("$2"); shift 2 ;;
    --load) load=1; shift ;;
    --rounds) rounds=(--rounds "$2"); shift 2 ;;
    --no-postgres) postgres=0; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "validate_compare: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#slower[@]} -gt 0 ] || slower=("10:20" "5:20:cost_events_sqlite")
[ "${slower[*]}" != none ] || slower=()

roseyd=${ROSEYD:-$PWD/build/daemon/app/roseyd}
shim=${SLOWDOWN_SHIM:-$PWD/build/tests/validation/slowdown_shim.so}
[ -x "$roseyd" ] && [ -f "$shim" ] || bash scripts/setup.sh build
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { echo "validate_compare: $(date -u +%H:%M:%S) $*"; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  if [ "$postgres" = 1 ] && [ -d "$out/postgres" ]; then
    build/tests/support/roseyd_test_postgres stop "$out/postgres" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

config=()
if [ "$postgres" = 1 ]; then
  build/tests/support/roseyd_test_postgres start "$out/postgres"
  port=$(cat "$out/postgres/port")
  runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE cost" 2>/dev/null ||
    psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE cost"
  config=(--set "bench.store_url=postgresql://postgres@127.0.0.1:$port/cost")
  log "PostgreSQL on 127.0.0.1:$port for the PostgreSQL cost figures"
fi

# Instructions per event of the events workload with `spins` in the shim.
count_events() {
  local dir=$out/calibrate-$1
  LD_PRELOAD=$shim SLOWDOWN_SHIM_SPINS=$1 "$roseyd" bench --scenario cost_events_sqlite \
    --suite cost --out "$dir" --log-level warn >/dev/null
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))
print([f['value'] for s in r['scenarios'] for f in s['figures']
       if f['metric'] == 'instructions_per_event'][0])" "$dir/benchmark_results.json"
}
base_count=$(count_events 0)
probe_count=$(count_events 100)
per_spin=$(python3 -c "print(($probe_count - $base_count) / 100)")
log "events: $base_count instructions each; the shim adds $per_spin a spin"

# A script that runs roseyd P % slower: the candidate of a comparison.
slow_copy() {
  local percent=$1 spins
  spins=$(python3 -c "print(round($percent / 100 * $base_count / $per_spin))")
  cat > "$out/slower-$percent.sh" <<EOF
#!/bin/sh
# roseyd with every sqlite3_bind_text64 made slower: +$percent % instructions an event ($spins spins)
LD_PRELOAD=$shim SLOWDOWN_SHIM_SPINS=$spins exec $roseyd "\$@"
EOF
  chmod +x "$out/slower-$percent.sh"
  echo "$out/slower-$percent.sh"
}

compare() {  # NAME [extra args...]
  local name=$1; shift
  local status=0
  "$roseyd" bench --compare "$roseyd" --out "$out/$name" --log-level warn "${rounds[@]}" \
    "${config[@]}" "$@" > "$out/$name.log" 2>&1 || status=$?
  log "$name: exit status $status, $(grep -c . "$out/$name/COMPARISON.md" 2>/dev/null || echo no) lines of report"
}

if [ "$load" = 1 ]; then
  # Other work on the machine: a build of roseyd, over and over, one job.
  cmake -S . -B "$out/load-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  setsid bash -c "while true; do cmake --build '$out/load-build' --clean-first -j1 >/dev/null 2>&1; done" &
  pids+=($!)
  log "a build runs beside the A/A comparisons (pid $!)"
fi
for i in $(seq 1 "$aa"); do compare "aa-$i"; done
if [ "$load" = 1 ]; then kill -- -"${pids[0]}" 2>/dev/null || true; pids=(); fi

for spec in ${slower[@]+"${slower[@]}"}; do
  IFS=: read -r percent n scenarios <<< "$spec"
  copy=$(slow_copy "$percent")
  extra=(--candidate "$copy")
  if [ -n "${scenarios:-}" ]; then
    for s in ${scenarios//,/ }; do extra+=(--scenario "$s"); done
  fi
  for i in $(seq 1 "$n"); do compare "slower$percent-$i" "${extra[@]}"; done
done

python3 scripts/validation_tally.py "$out" > "$out/VALIDATION.md"
log "tally: $out/VALIDATION.md"
cat "$out/VALIDATION.md"
