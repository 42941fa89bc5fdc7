#!/usr/bin/env bash
# Reproduces docs/CPU_OVERHEAD_ANALYSIS.md: roseyd's CPU per persisted event
# through NATS against the same writes through the store API, at 100 and
# 20,000 ev/s, and a perf profile of roseyd under a sustained NATS load.
# Everything runs on loopback (its own nats-server on 127.0.0.1) and is
# bounded: about 4 minutes with the defaults, each step under a timeout.
#
#   scripts/cpu_profile.sh [OUT_DIR]     default /tmp/roseyd-cpu-profile
#   RUNS=3 RATE=20000 BUILD_DIR=build scripts/cpu_profile.sh
#   SEND_ASAP=0 ...   profile with the publisher's writes coalesced by cnats
#                     (default 1: one write per event, as a bot at chat rates)
#
# perf needs kernel.perf_event_paranoid <= 1 to see kernel time (or root);
# without perf the profile step is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/roseyd-cpu-profile}"
build_dir="${BUILD_DIR:-build}"
runs="${RUNS:-3}"
rate="${RATE:-20000}"
profile_flag="--send-asap"
[[ "${SEND_ASAP:-1}" == 0 ]] && profile_flag=""
roseyd="$build_dir/daemon/app/roseyd"
core_bench="$build_dir/tests/bench/roseyd_core_bench"
mkdir -p "$out"

if [[ ! -x "$roseyd" || ! -x "$core_bench" ]]; then
  echo "== building roseyd and roseyd_core_bench in $build_dir"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build_dir" -j2 --target roseyd roseyd_core_bench
fi
"$roseyd" version

median() { sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }

echo "== 1. cpu_overhead at 100 and $rate ev/s, in process ($runs runs)"
scenarios="$out/cpu_overhead_scenarios.yaml"
sed "s/rate: 20000/rate: $rate/" config/cpu_overhead_scenarios.yaml >"$scenarios"
for i in $(seq 1 "$runs"); do
  timeout 180 "$roseyd" bench --scenarios "$scenarios" --suite cpu --out "$out/scenario-$i" \
    >"$out/scenario-$i.log" 2>&1
  python3 - "$out/scenario-$i/benchmark_results.json" <<'PY' | tee -a "$out/scenario.tsv"
import json, sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    f = {x["metric"]: x["value"] for x in s["figures"]}
    print(f'{s["name"]}\t{s["target_rate"]:.0f}\tsent={s["sent"]}\tlost={s["lost"]}'
          f'\tnats_us={f["cpu_us_per_event_nats"]:.2f}\tstore_us={f["cpu_us_per_event_store_api"]:.2f}'
          f'\tratio={f["cpu_per_event_ratio_nats_to_store"]:.2f}\tpoints_over_idle={f["cpu_points_over_idle"]:.2f}')
PY
done

echo "== 2. separate roseyd process, $rate ev/s for 5 s ($runs runs each)"
for mode in coalesced send-asap; do
  flag=""
  [[ $mode == send-asap ]] && flag="--send-asap"
  for i in $(seq 1 "$runs"); do
    timeout 120 "$core_bench" --events 2000 --trials 1 --rate "$rate" --seconds 5 --requests 100 \
      $flag >"$out/core-$mode-$i.log" 2>&1
    grep -A3 '^sustained' "$out/core-$mode-$i.log" | grep -o '[0-9.]* us per event' |
      sed "s/^/$mode\t/" | tee -a "$out/core.tsv"
  done
done

echo "== 3. perf: roseyd's sustained phase at $rate ev/s ${profile_flag:-coalesced}, 5 s, DWARF call graphs"
profile_ok=0
if command -v perf >/dev/null; then
  "$core_bench" --events 2000 --trials 1 --rate "$rate" --seconds 12 --requests 100 \
    $profile_flag >"$out/core-profiled.log" 2>&1 &
  bench_pid=$!
  # The second roseyd the bench starts is the sustained one (the first runs the burst).
  pids=()
  for _ in $(seq 1 600); do
    for c in $(pgrep -P "$bench_pid" -x roseyd || true); do
      [[ " ${pids[*]} " == *" $c "* ]] || pids+=("$c")
    done
    ((${#pids[@]} >= 2)) && break
    sleep 0.05
  done
  if ((${#pids[@]} >= 2)); then
    sleep 2  # past the users joining, into the steady rate
    if timeout 60 perf record -F 999 --call-graph dwarf,16384 -p "${pids[1]}" -o "$out/perf.data" \
      -- sleep 5 >"$out/perf-record.log" 2>&1; then
      profile_ok=1
    else
      echo "perf record failed (see $out/perf-record.log); try: sysctl kernel.perf_event_paranoid=-1"
    fi
  else
    echo "did not find the sustained roseyd process; no profile"
  fi
  wait "$bench_pid" || true
  grep -A3 '^sustained' "$out/core-profiled.log" || true
else
  echo "perf not found (apt-get install linux-perf); no profile"
fi
if ((profile_ok)); then
  perf script --no-inline -i "$out/perf.data" -F comm,tid,ip,sym,dso 2>/dev/null |
    python3 scripts/perf_summary.py --comm roseyd >"$out/profile.txt"
fi

echo
echo "== summary (medians of $runs runs; CPU of roseyd only, per persisted event)"
for r in 100 "$rate"; do
  for k in nats_us store_us ratio; do
    printf '%s ev/s in process  %-9s %s\n' "$r" "$k" "$(awk -F'\t' -v r="$r" '$2 == r' "$out/scenario.tsv" |
      tr '\t' '\n' | sed -n "s/^$k=//p" | median)"
  done
done
for mode in coalesced send-asap; do
  printf '%s ev/s separate process, %-9s NATS us/event %s\n' "$rate" "$mode" \
    "$(awk -F'\t' -v m="$mode" '$1 == m {print $2}' "$out/core.tsv" | awk '{print $1}' | median)"
done
if ((profile_ok)); then
  echo
  cat "$out/profile.txt"
fi
echo
echo "everything is in $out"
