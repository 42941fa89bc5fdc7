#!/usr/bin/env bash
# Sets everything up, builds, and runs the whole test suite (unit tests and
# integration tests against a real nats-server and real SQLite files).
# Benchmarks run separately: build/tests/bench/roseyd_core_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
scripts/setup.sh "$build_dir" ${CMAKE_ARGS:-}
cd "$build_dir"
ctest --output-on-failure -j2 --timeout 300 -LE 'benchmark|docker'
