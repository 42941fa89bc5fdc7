#!/usr/bin/env bash
# Sets everything up, then runs roseyd on the demo config (config/roseyd.yaml):
# its own nats-server on 127.0.0.1:4222, the SQLite file data/rosey.db,
# /metrics and /ready on 127.0.0.1:9464, and the quick benchmark suite once
# after start-up. Ctrl-C stops it gracefully. Extra arguments go to
# `roseyd run` (e.g. --set bench.run_at_start= for no benchmark).
# The build is quiet: its output is shown only when it fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp "${TMPDIR:-/tmp}/roseyd-build.XXXXXX")
echo "run.sh: building roseyd into build/ (the first time also installs packages) ..."
if ! scripts/setup.sh build >"$log" 2>&1; then
  cat "$log" >&2
  echo "run.sh: the build failed (its output above is also in $log)" >&2
  exit 1
fi
rm -f "$log"

# Say so when the demo's start-up benchmark will run, and how to turn it off,
# unless the command line or the environment already decides.
case " $* " in
  *bench.run_at_start*) ;;
  *)
    if [ -z "${ROSEYD_BENCH_RUN_AT_START+set}" ]; then
      echo "run.sh: this demo config runs the quick benchmark suite once after start-up" \
           "(about 2 minutes, on a scratch service of its own; report in data/bench/latest/)." \
           "No benchmark: scripts/run.sh --set bench.run_at_start="
    fi
    ;;
esac
exec build/daemon/app/roseyd run --config config/roseyd.yaml "$@"
