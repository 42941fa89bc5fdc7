#!/usr/bin/env bash
# The Debian package for real (ctest -L docker): builds roseyd_<version>_amd64.deb
# with scripts/package.sh from BUILD_DIR, checks it with check_package.py
# (Depends: against docs/INSTALL.md's table and the README, the conffile, the
# files), then in a clean Debian 12 container
# running systemd as PID 1 (debian:12 with Debian's systemd package added):
#   apt install ./roseyd_<version>_amd64.deb, with its dependencies from the
#   mirror; nats-server (recommended) running, roseyd.service neither enabled
#   nor started;
#   roseyd --version and roseyd check-config /etc/roseyd/roseyd.yaml from PATH;
#   the system user roseyd, /var/lib/roseyd and the config's owners and modes,
#   the config a conffile, readable by roseyd;
#   systemd-analyze verify of the installed unit: no output, exit 0;
#   systemctl start roseyd: it runs as roseyd inside its sandbox (/ read-only,
#   /var/lib/roseyd writable, no capabilities, seccomp), connects to the
#   nats-server, persists a published event; systemctl stop: exit 0, timed;
#   a reinstall restarts the running service;
#   apt remove while it runs (prerm stops it; binary gone; config, data, user
#   kept), then apt purge (config and data gone).
# Prints what it measured. Every step is bounded; the container is removed.
# The image debian:12 + systemd is kept as roseyd-package-test:debian12-systemd,
# a cache like docker-offline.sh's stand-ins (docker image rm it to rebuild).
#
#   tests/deploy/package_test.sh BUILD_DIR     exit 0 passed, 1 failed
#
# scripts/package.sh builds roseyd in BUILD_DIR if needed. Docker must answer
# and have debian:12, and let a container with CAP_SYS_ADMIN run systemd (the
# unit's mount sandbox needs it; without it systemd skips the sandbox, which
# this test then reports as a failure). When Docker is not ready,
# ${ROSEYD_SHARED:-../shared}/tools/docker-offline.sh makes it so from Debian's
# mirror, as for docker_smoke.sh.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)
cd "$repo"
if [ -x /usr/bin/docker ]; then PATH=/usr/bin:$PATH; fi

log() { printf '%s\n' "package test: $*"; }
fail() { log "FAILED: $*"; exit 1; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/roseyd-package-test-XXXXXX")
container="roseyd-package-test-$$"
cleanup() {
  local status=$?
  docker rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! timeout 20 docker info >/dev/null 2>&1 || ! docker image inspect debian:12 >/dev/null 2>&1; then
  shared=${ROSEYD_SHARED:-../shared}
  case $shared in /*) ;; *) shared=$repo/$shared ;; esac
  tool=$shared/tools/docker-offline.sh
  [ -f "$tool" ] || fail "Docker with debian:12 is not ready and $tool is missing"
  log "Docker with debian:12 is not ready: running $tool"
  timeout 900 bash "$tool" deploy/docker-compose.yml >"$tmp/offline.log" 2>&1 ||
    { tail -n 15 "$tmp/offline.log"; fail "$tool failed"; }
fi

started=$EPOCHREALTIME
timeout 900 bash scripts/package.sh --build-dir "$build_dir" --out "$tmp/dist" >"$tmp/package.log" 2>&1 ||
  { tail -n 30 "$tmp/package.log"; fail "scripts/package.sh failed"; }
deb=$(sed -n 's/^package: //p' "$tmp/package.log")
[ -f "$deb" ] || fail "scripts/package.sh printed no package"
version=$(dpkg-deb --field "$deb" Version)
[ "$(basename "$deb")" = "roseyd_${version}_amd64.deb" ] || fail "package named $(basename "$deb")"
log "$(basename "$deb") built in $(elapsed "$started") s, $(du -k "$deb" | cut -f1) KiB"
log "Depends: $(dpkg-deb --field "$deb" Depends)"
log "Recommends: $(dpkg-deb --field "$deb" Recommends)"

# Depends: against docs/INSTALL.md's table and the README, the conffile, the
# maintainer scripts, the files (as Deploy.InstallAndPackage checks them).
python3 tests/deploy/check_package.py "$deb" --root "$repo" || fail "the package (above)"

# In the container: set -e, one check a line; `check WHAT COMMAND...` says what failed.
cat >"$tmp/in-container.sh" <<'SH'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
say() { printf '%s\n' "package test: $*"; }
check() { local what=$1; shift; "$@" || { say "FAILED: $what"; exit 1; }; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
started=$EPOCHREALTIME
apt-get update -qq
cd /tmp && cp /pkg/roseyd_*.deb . && chmod 0644 roseyd_*.deb
deb=$(ls roseyd_*.deb)
apt install -y -q "./$deb" >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }
say "apt install ./$deb in $(elapsed "$started") s, with $(grep -c '^Setting up' /tmp/apt.log) packages"
check "nats-server (Recommends) installed and running" systemctl is-active --quiet nats-server
check "roseyd.service not enabled" [ "$(systemctl is-enabled roseyd)" = disabled ]
check "roseyd.service not started" [ "$(systemctl is-active roseyd)" = inactive ]
say "nats-server.service active; roseyd.service installed, disabled, inactive"
check "roseyd on PATH is /usr/bin/roseyd" [ "$(command -v roseyd)" = /usr/bin/roseyd ]
say "roseyd --version: $(roseyd --version | head -n 1)"
roseyd check-config /etc/roseyd/roseyd.yaml >/tmp/check.txt
say "roseyd check-config /etc/roseyd/roseyd.yaml: $(head -n 4 /tmp/check.txt | tr -s ' \n' ' ')"
check "check-config: no benchmark at start" grep -qx 'bench.run_at_start: ""' /tmp/check.txt
check "check-config: data_dir" grep -qx 'data_dir: "/var/lib/roseyd"' /tmp/check.txt
user=$(getent passwd roseyd) || { say "FAILED: no user roseyd"; exit 1; }
uid=$(echo "$user" | cut -d: -f3)
check "roseyd is a system user (uid $uid)" [ "$uid" -lt 1000 ]
check "roseyd's group is roseyd" [ "$(id -gn roseyd)" = roseyd ]
check "roseyd has no login shell" [ "$(echo "$user" | cut -d: -f7)" = /usr/sbin/nologin ]
check "/var/lib/roseyd roseyd:roseyd 750" [ "$(stat -c '%U:%G %a' /var/lib/roseyd)" = "roseyd:roseyd 750" ]
check "config root:roseyd 640" [ "$(stat -c '%U:%G %a' /etc/roseyd/roseyd.yaml)" = "root:roseyd 640" ]
check "config a conffile" grep -q '/etc/roseyd/roseyd.yaml [0-9a-f]' \
  <(dpkg-query -W -f='${Conffiles}\n' roseyd)
check "config readable by roseyd" setpriv --reuid=roseyd --regid=roseyd --init-groups \
  roseyd check-config /etc/roseyd/roseyd.yaml >/dev/null
ls /usr/share/roseyd/dashboards/*.json /usr/share/roseyd/prometheus/alerts.yml >/dev/null
say "user roseyd (uid $uid, group roseyd, nologin); /var/lib/roseyd roseyd:roseyd 750;" \
    "/etc/roseyd/roseyd.yaml root:roseyd 640, a conffile, readable by roseyd"

unit=/usr/lib/systemd/system/roseyd.service
check "ExecStart" grep -qx 'ExecStart=/usr/bin/roseyd run --config /etc/roseyd/roseyd.yaml' "$unit"
systemd-analyze verify "$unit" >/tmp/verify.txt 2>&1 || { cat /tmp/verify.txt; say "FAILED: verify exit"; exit 1; }
[ ! -s /tmp/verify.txt ] || { cat /tmp/verify.txt; say "FAILED: systemd-analyze verify printed the above"; exit 1; }
say "systemd-analyze verify $unit: exit 0, no output"

metrics() {  # roseyd's /metrics, or nothing
  exec 3<>/dev/tcp/127.0.0.1/9464 || return 1
  printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
  cat <&3
  exec 3>&-
}
wait_metric() {  # wait_metric REGEX WHAT: a /metrics line matching REGEX within 30 s
  local deadline=$((SECONDS + 30))
  until metrics 2>/dev/null | grep -Eq "$1"; do
    if [ $SECONDS -ge $deadline ]; then
      journalctl -u roseyd -o cat --no-pager | tail -n 20; say "FAILED: $2 within 30 s"; exit 1
    fi
    sleep 0.5
  done
}
started=$EPOCHREALTIME
systemctl start roseyd
wait_metric '^roseyd_nats_connected 1$' "roseyd connected to NATS on /metrics"
say "systemctl start roseyd: NATS connected on /metrics $(elapsed "$started") s later"
pid=$(systemctl show -p MainPID --value roseyd)
check "runs as roseyd" [ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = "$uid" ]
check "no capabilities" grep -qx 'CapEff:	0000000000000000' "/proc/$pid/status"
check "no new privileges" grep -qx 'NoNewPrivs:	1' "/proc/$pid/status"
check "a seccomp filter" grep -qx 'Seccomp:	2' "/proc/$pid/status"
mount_of() { awk -v m="$1" '$5 == m { print $6 }' "/proc/$pid/mountinfo" | tail -n 1; }
check "/ read-only for roseyd (ProtectSystem=strict; was: $(mount_of /))" \
  grep -q '^ro,' <<<"$(mount_of /)"
check "/var/lib/roseyd writable (was: $(mount_of /var/lib/roseyd))" \
  grep -q '^rw,' <<<"$(mount_of /var/lib/roseyd)"
say "roseyd (pid $pid) runs as roseyd: no capabilities, NoNewPrivs, seccomp, / read-only," \
    "/var/lib/roseyd writable"
# One bot's join over the NATS text protocol; PING/PONG: the server has it.
exec 4<>/dev/tcp/127.0.0.1/4222
read -r -t 5 line <&4
payload='{"username":"package-test"}'
printf 'CONNECT {"verbose":false}\r\nPUB rosey.db.user.joined %d\r\n%s\r\nPING\r\n' \
  "${#payload}" "$payload" >&4
until [[ ${line:-} == PONG* ]]; do read -r -t 5 line <&4; done
exec 4>&-
wait_metric '^roseyd_events_persisted_total\{subject="[a-z.]*user.joined"\} 1$' "the join persisted"
check "the database written by roseyd" [ "$(stat -c %U /var/lib/roseyd/rosey.db)" = roseyd ]
say "a published rosey.db.user.joined persisted (roseyd_events_persisted_total 1)"
started=$EPOCHREALTIME
systemctl stop roseyd
stop_s=$(elapsed "$started")
check "stopped with exit 0" [ "$(systemctl show -p ExecMainStatus --value roseyd)" = 0 ]
check "stop result success" [ "$(systemctl show -p Result --value roseyd)" = success ]
check "systemctl stop within 5 s (took $stop_s s)" awk -v s="$stop_s" 'BEGIN { exit !(s < 5) }'
say "systemctl stop roseyd: $stop_s s, exit status 0, Result=success"

systemctl start roseyd
wait_metric '^roseyd_nats_connected 1$' "roseyd connected again"
before=$(systemctl show -p MainPID --value roseyd)
apt-get install -y -q --reinstall "./$deb" >/tmp/reinstall.log 2>&1 || { tail -n 20 /tmp/reinstall.log; exit 1; }
wait_metric '^roseyd_nats_connected 1$' "roseyd connected after the reinstall"
after=$(systemctl show -p MainPID --value roseyd)
check "a reinstall restarts the running service ($before, now $after)" [ "$after" != "$before" ]
check "config root:roseyd 640 after the reinstall" \
  [ "$(stat -c '%U:%G %a' /etc/roseyd/roseyd.yaml)" = "root:roseyd 640" ]
say "apt install --reinstall: the running roseyd restarted (pid $before, now $after)"

apt-get remove -y -q roseyd >/tmp/remove.log 2>&1 || { tail -n 20 /tmp/remove.log; exit 1; }
check "remove: roseyd stopped" [ ! -e "/proc/$after" ]
check "remove: binary gone" [ ! -e /usr/bin/roseyd ]
check "remove: config kept" [ -f /etc/roseyd/roseyd.yaml ]
check "remove: data kept" [ -f /var/lib/roseyd/rosey.db ]
check "remove: user kept" getent passwd roseyd >/dev/null
say "apt remove while running: roseyd stopped, /usr/bin/roseyd gone; /etc/roseyd/roseyd.yaml," \
    "/var/lib/roseyd/rosey.db and the user kept"
apt-get purge -y -q roseyd >/tmp/purge.log 2>&1 || { tail -n 20 /tmp/purge.log; exit 1; }
check "purge: config gone" [ ! -e /etc/roseyd/roseyd.yaml ]
check "purge: data gone" [ ! -e /var/lib/roseyd ]
check "purge: nothing of roseyd left in dpkg" [ -z "$(dpkg-query -W -f='${Status}' roseyd 2>/dev/null |
  grep -E ' (installed|config-files|half-installed|half-configured|unpacked)$')" ]
say "apt purge: /etc/roseyd/roseyd.yaml and /var/lib/roseyd gone, no roseyd state left in dpkg" \
    "(user kept)"
SH

base=roseyd-package-test:debian12-systemd
if ! docker image inspect "$base" >/dev/null 2>&1; then
  started=$EPOCHREALTIME
  timeout 600 docker build -q -t "$base" - >"$tmp/base.log" 2>&1 <<'DF' ||
FROM debian:12
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends systemd \
 && rm -rf /var/lib/apt/lists/*
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
DF
    { tail -n 20 "$tmp/base.log"; fail "the image debian:12 + systemd did not build"; }
  log "image $base (debian:12 + systemd) built in $(elapsed "$started") s"
fi

started=$EPOCHREALTIME
timeout 120 docker run -d --name "$container" --cap-add SYS_ADMIN --tmpfs /run --tmpfs /run/lock \
  -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v "$(dirname "$deb"):/pkg:ro" "$base" >/dev/null ||
  fail "the container did not start"
deadline=$((SECONDS + 60))
until state=$(docker exec "$container" systemctl is-system-running 2>/dev/null) ||
      [ "$state" = degraded ]; do
  if [ $SECONDS -ge $deadline ]; then
    docker logs --tail 20 "$container" 2>&1
    fail "systemd in the container is '$state' after 60 s, not running"
  fi
  sleep 0.5
done
log "systemd runs in the container ($state) $(elapsed "$started") s after docker run"
timeout 900 docker exec -i "$container" bash -s <"$tmp/in-container.sh" ||
  fail "in the debian:12 container (above)"
log "container part took $(elapsed "$started") s"
log "PASSED"
