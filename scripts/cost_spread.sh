#!/usr/bin/env bash
# The run-to-run spread of the cost figures on this machine: runs the cost
# suite N times (default 10), on SQLite and on a PostgreSQL server of its own,
# and prints each figure's runs, median and spread ((max - min) / median).
#   scripts/cost_spread.sh [N] [OUT_DIR]
# Environment: ROSEYD (the binary, default build/daemon/app/roseyd).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
out=${2:-cost-spread}
roseyd=${ROSEYD:-build/daemon/app/roseyd}
[ -x "$roseyd" ] || bash scripts/setup.sh build
mkdir -p "$out"
out=$(cd "$out" && pwd)
trap 'build/tests/support/roseyd_test_postgres stop "$out/postgres" >/dev/null 2>&1 || true' EXIT
build/tests/support/roseyd_test_postgres start "$out/postgres"
port=$(cat "$out/postgres/port")
psql -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE cost"
for i in $(seq 1 "$n"); do
  "$roseyd" bench --suite cost --out "$out/run-$i" --log-level warn \
    --set "bench.store_url=postgresql://postgres@127.0.0.1:$port/cost" > /dev/null
  echo "cost_spread: run $i of $n done ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
done
python3 - "$out" "$n" <<'PY'
import json, statistics, sys
out, n = sys.argv[1], int(sys.argv[2])
values = {}
for i in range(1, n + 1):
    report = json.load(open(f"{out}/run-{i}/benchmark_results.json"))
    for s in report["scenarios"]:
        for f in s["figures"]:
            values.setdefault((s["name"], f["metric"]), []).append(f["value"])
print(f"| scenario | figure | median | min | max | spread (max-min)/median | runs |")
print("|---|---|---|---|---|---|---|")
for (name, metric), v in values.items():
    med = statistics.median(v)
    print(f"| {name} | {metric} | {med:,.0f} | {min(v):,.0f} | {max(v):,.0f} | "
          f"{100 * (max(v) - min(v)) / med:.3f} % | {len(v)} |")
PY
