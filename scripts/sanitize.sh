#!/usr/bin/env bash
# Builds the suite with AddressSanitizer + UndefinedBehaviorSanitizer, then
# with ThreadSanitizer, and runs the tests under each. Any report fails.
# Usage: scripts/sanitize.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(asan tsan)
scripts/setup.sh build >/dev/null  # packages; the plain build is reused by nothing here

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
  echo "== $kind: building in $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DROSEYD_BUILD_BENCH=OFF \
        -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  echo "== $kind: testing"
  (cd "$dir" && ctest --output-on-failure -j2 --timeout 300 -LE 'benchmark|docker')
done
