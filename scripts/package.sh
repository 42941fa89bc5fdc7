#!/usr/bin/env bash
# Builds the Debian package roseyd_<version>_amd64.deb (CPack, cmake/package.cmake)
# and prints its path. Install it with: apt install ./roseyd_<version>_amd64.deb
#
#   scripts/package.sh [--build-dir DIR] [--out DIR]
#
# --build-dir  a build folder of this tree (default build-package). Without a
#              CMakeCache.txt it is configured first: RelWithDebInfo, as the
#              README's figures were measured, without tests and benchmarks.
#              Only roseyd is built (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY), so
#              the folder the tests run in does as well.
# --out        where the .deb is written (default dist/)
# Needs cmake, a compiler and the -dev packages (scripts/setup.sh), dpkg-dev
# (dpkg-shlibdeps derives the Depends: line) and file (CPack finds the
# binaries with it).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build_dir=build-package
out_dir=dist
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
  esac
done
cd "$repo"
for tool in dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null ||
    { echo "package.sh: $tool is missing (apt-get install dpkg-dev file)" >&2; exit 1; }
done
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DROSEYD_BUILD_TESTS=OFF -DROSEYD_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target roseyd
work="$build_dir/cpack"
rm -rf "$work"
cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$work" >"$build_dir/cpack.log" 2>&1 ||
  { tail -n 30 "$build_dir/cpack.log"; echo "package.sh: cpack failed ($build_dir/cpack.log)" >&2; exit 1; }
debs=("$work"/roseyd_*.deb)
[ -f "${debs[0]}" ] || { echo "package.sh: cpack wrote no roseyd_*.deb into $work" >&2; exit 1; }
mkdir -p "$out_dir"
cp "${debs[0]}" "$out_dir/"
deb="$(cd "$out_dir" && pwd)/$(basename "${debs[0]}")"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends
echo "package: $deb"
