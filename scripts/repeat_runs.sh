# Sourced by the scripts that repeat one slow integration test to report
# every run's figures (hung_leader_runs.sh, stream_leader_loss_runs.sh).
#
#   repeat_runs RUNS BINARY FILTER FIGURE_REGEX [VAR=VALUE...]
#
# Runs the gtest BINARY with --gtest_filter=FILTER RUNS times (with the
# VAR=VALUE settings in its environment), prints each run's lines matching
# FIGURE_REGEX as "run N passed|FAILED: ...", and the tail of a failed run's
# log. Adds the failed runs to $failed.
repeat_runs() {
  local runs=$1 binary=$2 filter=$3 figures=$4
  shift 4
  local run status log
  for ((run = 1; run <= runs; run++)); do
    log=$(mktemp)
    if env "$@" "$binary" --gtest_filter="$filter" >"$log" 2>&1; then
      status=passed
    else
      status=FAILED
      failed=$((failed + 1))
    fi
    grep -h "$figures" "$log" | sed "s/^/run $run $status: /"
    [[ $status == passed ]] || tail -50 "$log"
    rm -f "$log"
  done
}
