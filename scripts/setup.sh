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
  libpq-dev postgresql               # the PostgreSQL store (libpq) and the tests' own server
  libssl-dev                         # libcrypto: SHA-256 of plugin migration files
  prometheus-cpp-dev                 # /metrics
  libcivetweb-dev                    # the HTTP server under /metrics, where /ready is answered
  libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev libsimdjson-dev libasio-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  prometheus                         # promtool and the real-server tests
  python3 python3-yaml               # tests/deploy: stack checks, live-view end-to-end test
  valgrind                           # the cost figures: instructions counted by callgrind
  dpkg-dev file                      # scripts/package.sh: CPack's dpkg-shlibdeps, and file
  systemd                            # systemd-analyze verify of the unit (Deploy.InstallAndPackage)
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
# Debian's postgresql package starts a cluster on :5432 as a service; the
# tests start servers of their own (initdb into a temporary folder), so stop
# it and keep it from starting at boot. An operator's own cluster is theirs:
# only the package's default 15/main, and only if it holds no databases of
# its own beyond the three initdb makes, is touched.
if command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
  own=$(runuser -u postgres -- psql -p "$(pg_lsclusters -h | awk '$1==15 && $2=="main" {print $3}')" \
          -Atc "SELECT count(*) FROM pg_database WHERE datname NOT IN ('postgres','template0','template1')" 2>/dev/null || echo 1)
  if [ "$own" = "0" ]; then
    echo "setup: stopping Debian's default PostgreSQL cluster 15/main (the tests start their own)"
    pg_ctlcluster 15 main stop || true
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now postgresql 2>/dev/null || true; fi
    sed -i 's/^auto/manual/' /etc/postgresql/15/main/start.conf 2>/dev/null || true
  fi
fi

build_dir="${1:-build}"
shift || true
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
