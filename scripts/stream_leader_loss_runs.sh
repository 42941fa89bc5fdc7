#!/usr/bin/env bash
# Runs the stream-leader-loss test (tests/integration/nats_cluster_test.cc:
# a 3-node cluster, stream R3, 60,000 lines at 20,000/s, the node leading the
# stream SIGKILLed a third of the way in) several times and prints each
# run's figures: issue 18's "nothing lost", over 10 runs. About 20 s a run;
# a developer's check (CI runs the test once).
#
#   scripts/stream_leader_loss_runs.sh [BUILD_DIR] [RUNS]   (defaults: build, 10)
set -euo pipefail

build=${1:-build}
runs=${2:-10}
binary="$build/tests/integration/roseyd_integration_test"
[[ -x $binary ]] || { echo "no $binary: build first (cmake --build $build)" >&2; exit 2; }

filter='NatsClusterTest.KillingTheStreamLeadersNodeUnderLoadLosesNothing'
source "$(dirname "$0")/repeat_runs.sh"
failed=0
repeat_runs "$runs" "$binary" "$filter" '^\[figures\] nats cluster'
echo "failed runs: $failed"
[[ $failed -eq 0 ]]
