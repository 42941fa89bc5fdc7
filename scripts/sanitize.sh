#!/usr/bin/env bash
# Builds the suite with AddressSanitizer + UndefinedBehaviorSanitizer, then
# with ThreadSanitizer, and runs the tests under each. Any report fails.
#
# Usage: scripts/sanitize.sh [--core] [asan|tsan]...   (default: both, everything)
#   --core  only the parts with threads and the decoders of untrusted input:
#           the base, config, bus, store, writer, service and storage_api test binaries
#           (unit and integration, against a real nats-server and SQLite
#           files), not the load generator, the report or the roseyd binary's
#           own tests. Half the build: what .ci/run uses to stay in its time.
set -euo pipefail
cd "$(dirname "$0")/.."
core=0
if [ "${1:-}" = "--core" ]; then
  core=1
  shift
fi
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(asan tsan)
scripts/setup.sh build >/dev/null  # packages; the plain build is reused by nothing here

core_targets=(roseyd_config_test roseyd_bus_test roseyd_bus_integration_test roseyd_store_test
              roseyd_writer_test roseyd_service_test roseyd_service_integration_test
              roseyd_storage_api_test)
core_tests='^(Config|Bus|Store|Writer|Service|StorageApi)\.'

for kind in "${kinds[@]}"; do
  case "$kind" in
    asan) flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
          export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
          export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" ;;
    tsan) flags="-fsanitize=thread -fno-omit-frame-pointer"
          # cnats and SQLite are not instrumented; their own internal
          # synchronisation is invisible to TSan (see tests/tsan.supp).
          export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" ;;
    *) echo "sanitize.sh: unknown kind '$kind' (asan or tsan)" >&2; exit 2 ;;
  esac
  dir="build-$kind"
  # -O1 -g1: line numbers in the reports, at a fraction of -O0 -g's build time.
  echo "== $kind: building in $dir$([ "$core" -eq 1 ] && echo ' (--core)')"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=None -DROSEYD_BUILD_BENCH=OFF \
        -DCMAKE_CXX_FLAGS="-O1 -g1 $flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
  echo "== $kind: testing"
  if [ "$core" -eq 1 ]; then
    cmake --build "$dir" -j"$(nproc)" --target "${core_targets[@]}"
    # Binaries not built (the PostgreSQL store's, say) have only a
    # <target>_NOT_BUILT placeholder, which the pattern leaves out.
    (cd "$dir" && ctest --output-on-failure -j2 --timeout 300 -LE 'benchmark|docker' \
                        -R "$core_tests")
  else
    cmake --build "$dir" -j"$(nproc)"
    (cd "$dir" && ctest --output-on-failure -j2 --timeout 300 -LE 'benchmark|docker')
  fi
done
