#!/usr/bin/env bash
# clang-tidy over roseyd's own sources (checks in .clang-tidy), and a clang
# build with -Wthread-safety -Werror for the lock annotations.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-tidy >/dev/null || { apt-get install -y -qq clang-tidy clang >/dev/null; }
command -v clang++ >/dev/null || { apt-get install -y -qq clang >/dev/null; }
scripts/setup.sh build >/dev/null

echo "== clang -Wthread-safety"
cmake -S . -B build-clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
      -DROSEYD_THREAD_SAFETY=ON -DROSEYD_WERROR=ON -DROSEYD_BUILD_TESTS=OFF >/dev/null
cmake --build build-clang -j"$(nproc)"

echo "== clang-tidy"
mapfile -t files < <(git ls-files 'daemon/*.cc')
report=build-clang/clang-tidy.txt
if ! printf '%s\n' "${files[@]}" |
     xargs -P"$(nproc)" -n4 clang-tidy -p build-clang --quiet --warnings-as-errors='*' \
     >"$report" 2>&1; then
  grep -v "warnings generated" "$report"
  echo "lint: clang-tidy found problems (full report: $report)"
  exit 1
fi
echo "lint: clean"
