#!/usr/bin/env bash
# Sets everything up, then runs roseyd on the shipped default config: its own
# nats-server on 127.0.0.1:4222, the SQLite file data/rosey.db, /metrics on
# 127.0.0.1:9464. Ctrl-C stops it gracefully. Extra arguments go to `roseyd run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/daemon/app/roseyd run --config config/roseyd.yaml "$@"
