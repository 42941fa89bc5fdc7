#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz) with clang, ASan and UBSan, and
# runs each for SECONDS (default 30) from its seed corpus in tests/fuzz/corpus.
# New inputs go to build-fuzz/corpus (not committed); a crash leaves its input
# in build-fuzz/ and fails the script.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
command -v clang++ >/dev/null || apt-get install -y -qq clang >/dev/null
dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1 || apt-get install -y -qq libclang-rt-14-dev >/dev/null
scripts/setup.sh build >/dev/null  # packages

flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
      -DROSEYD_BUILD_TESTS=OFF -DROSEYD_BUILD_BENCH=OFF -DROSEYD_BUILD_FUZZERS=ON \
      -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target event_payload_fuzz request_payload_fuzz config_fuzz \
  storage_api_fuzz

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
for name in event_payload request_payload config storage_api; do
  corpus="build-fuzz/corpus/$name"
  mkdir -p "$corpus"
  echo "== fuzzing ${name} for ${seconds} s"
  log="build-fuzz/$name.log"
  rc=0
  (cd build-fuzz && "tests/fuzz/${name}_fuzz" -max_total_time="$seconds" -max_len=4096 \
      -timeout=10 -print_final_stats=1 "corpus/$name" "../tests/fuzz/corpus/$name") >"$log" 2>&1 || rc=$?
  grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|Test unit written" "$log" || true
  [ "$rc" -eq 0 ] || { echo "fuzz: ${name} found a problem (full log: $log)"; exit 1; }
done
echo "fuzz: no findings"
