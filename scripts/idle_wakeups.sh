#!/usr/bin/env bash
# How often an idle roseyd wakes: runs BINARY (default build/daemon/app/roseyd)
# with its own nats-server and a fresh SQLite file (extra arguments go to
# `roseyd run`, e.g. --set service.durability=jetstream), lets it settle for
# 5 s, then counts each thread's voluntary context switches (each is a wake
# from sleep) and the process's CPU time over SECONDS (default 60). Issue 20's
# "an idle roseyd in durable mode wakes at most a few times a second".
#
#   scripts/idle_wakeups.sh [BINARY] [SECONDS] [-- roseyd run arguments...]
set -euo pipefail

binary=${1:-build/daemon/app/roseyd}
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : $# ))
[[ ${1:-} == -- ]] && shift
[[ -x $binary ]] || { echo "no $binary: build first" >&2; exit 2; }

dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
# From the empty folder and without $ROSEYD_CONFIG: the built-in defaults,
# not a config/roseyd.yaml that may run a benchmark at start.
binary=$(realpath "$binary")
(cd "$dir" && exec env -u ROSEYD_CONFIG "$binary" run --data-dir "$dir" --metrics-listen "" "$@") \
  >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q " ready in " "$dir/log" && break; sleep 0.1; done
grep -q " ready in " "$dir/log" || { cat "$dir/log"; exit 1; }
sleep 5

# tid name voluntary_ctxt_switches, one line per thread
sample() {
  for task in /proc/"$pid"/task/*; do
    printf '%s %s %s\n' "${task##*/}" "$(tr ' ' '_' <"$task/comm")" \
      "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")"
  done | sort
}
cpu_ticks() { awk '{print $14 + $15}' /proc/"$pid"/stat; }

before=$(sample); ticks_before=$(cpu_ticks)
sleep "$seconds"
after=$(sample); ticks_after=$(cpu_ticks)

echo "idle ${seconds} s: $binary $*"
join <(echo "$before") <(echo "$after") |
  awk -v s="$seconds" '{ d = $5 - $3; total += d; printf "  %-16s %6d wakes  %6.2f/s\n", $2, d, d / s }
       END { printf "  %-16s %6d wakes  %6.2f/s\n", "all threads", total, total / s }'
hz=$(getconf CLK_TCK)
awk -v t=$((ticks_after - ticks_before)) -v hz="$hz" -v s="$seconds" \
  'BEGIN { printf "  cpu %.2f s (%.3f %% of one core)\n", t / hz, 100 * t / hz / s }'
