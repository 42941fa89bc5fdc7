#!/usr/bin/env bash
# Installs what roseyd needs to build, run and test on Debian 12, then builds
# it into build/. Idempotent: a second run only rebuilds what changed.
# Usage: scripts/setup.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config git
  libnats-dev nats-server            # NATS C client and server (embedded default, tests)
  libsqlite3-dev sqlite3             # the store
  libssl-dev                         # libcrypto: SHA-256 of plugin migration files
  prometheus-cpp-dev                 # /metrics
  libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libasio-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus                         # promtool and the real-server tests
  python3 python3-yaml               # tests/deploy: stack checks, live-view end-to-end test
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's prometheus package starts a server on :9090 as a service; roseyd
# does not need it running.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi

build_dir="${1:-build}"
shift || true
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
