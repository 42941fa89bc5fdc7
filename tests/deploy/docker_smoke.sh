#!/usr/bin/env bash
# The live view for real, with Docker (ctest -L docker; minutes, so outside the
# default test command): builds the image through compose.yaml at the repo
# root, starts the stack under a project name of its own with its ports on free
# loopback ports, waits until every service is healthy, checks that Prometheus
# scrapes roseyd (up{job="roseyd"} == 1 through its HTTP API), publishes a
# rosey.db.user.joined event to the stack's NATS on loopback and finds its row
# in the SQLite file of roseyd's volume, reads roseyd's /metrics on its
# published loopback port, then `docker stop`s roseyd with the
# default 10 s timeout and wants exit status 0: roseyd runs the shipped config,
# so the stop lands in the middle of the quick benchmark suite it runs after
# start-up (bench.run_at_start), and must still be clean. The live view runs
# under the project its .env names, suffixed -test-PID, from a copy of the
# compose files (a user's real roseyd-live is never touched). Then the replicas
# stack starts beside it, under its own .env's project (suffixed likewise),
# with the image already built: both up at once, the live view's containers,
# NATS port and volumes unchanged; then the replicas stack's `down -v` removes
# its own volumes and leaves the live view's NATS (same container, same port,
# answering) and its volumes, with the row, in place. Prints the figures (image
# build, time to healthy, stop time, exit code, the second stack's up and down
# -v). On any exit it removes the stacks, their volumes and the images it
# built. Every wait is bounded.
#
#   tests/deploy/docker_smoke.sh            the smoke test: exit 0 passed, 1 failed
#   tests/deploy/docker_smoke.sh --replicas the replicas stack instead
#                                           (deploy/replicas/docker-compose.yml):
#                                           PostgreSQL and two roseyd in durable
#                                           mode; exactly one leads, events reach
#                                           PostgreSQL, the leader is killed
#                                           (SIGKILL) and the other takes over
#                                           with nothing lost
#   tests/deploy/docker_smoke.sh --engine   only make sure a Docker engine runs:
#                                           exit 0 ready, 3 not here (why on stdout)
#
# Docker must be "ready": an engine answering, Compose (v2 `docker compose` or
# v1 `docker-compose`), and the images the stack and Dockerfile start from.
# When it is not, ${ROSEYD_SHARED:-../shared}/tools/docker-offline.sh (relative
# to the repo) makes it so on a machine that reaches only Debian's mirror: it
# installs Debian's docker.io and docker-compose, starts dockerd, and builds
# debian:12 and stand-ins for the nats, prom/prometheus and grafana/grafana
# images (Grafana's only answers /api/health). Where a registry is reachable,
# `docker compose pull` first, to run the real images instead.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
# Debian's docker.io client where another `docker` comes first on PATH (as on
# these machines), for this script and for Compose v1's builds alike.
if [ -x /usr/bin/docker ]; then PATH=/usr/bin:$PATH; fi

log() { printf '%s\n' "docker smoke: $*"; }
fail() { log "FAILED: $*"; exit 1; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

compose=()
find_compose() {
  compose=()
  if docker compose version >/dev/null 2>&1; then compose=(docker compose)
  elif command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
  fi
}

# The images the stack runs (but roseyd's, built here) and the Dockerfile starts from.
base_images() {
  awk '/^[[:space:]]*image:/ && !/\$/ { print $2 }' compose.yaml | tr -d "\"'"
  awk 'toupper($1) == "FROM" { print $2 }' Dockerfile
}

# Sets why to the reason Docker is not ready, or to nothing (and compose).
why=""
check_ready() {
  why=""
  if ! timeout 20 docker info >/dev/null 2>&1; then why="no Docker engine answers"; return; fi
  find_compose
  if [ ${#compose[@]} -eq 0 ]; then why="no Docker Compose (v2 or v1)"; return; fi
  local missing=() image
  for image in $(base_images); do
    docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image")
  done
  if [ ${#missing[@]} -gt 0 ]; then why="images missing: ${missing[*]}"; fi
}

offline_tool() {
  local shared=${ROSEYD_SHARED:-../shared}
  case $shared in /*) ;; *) shared=$repo/$shared ;; esac
  echo "$shared/tools/docker-offline.sh"
}

# Runs the offline tool when Docker is not ready; fails when it still is not.
make_ready() {
  local tool started
  check_ready
  [ -z "$why" ] && return 0
  tool=$(offline_tool)
  [ -f "$tool" ] || fail "Docker is not ready ($why), and $tool is missing: set" \
    "ROSEYD_SHARED to the shared/ folder that holds tools/docker-offline.sh, or install" \
    "Docker, Compose and the images yourself"
  log "Docker is not ready ($why): running $tool"
  started=$EPOCHREALTIME
  if ! timeout 900 bash "$tool" deploy/docker-compose.yml >"$tool_log" 2>&1; then
    tail -n 15 "$tool_log"
    fail "$tool failed (its last lines above)"
  fi
  log "docker-offline.sh took $(elapsed "$started") s"
  check_ready
  [ -z "$why" ] || fail "Docker still not ready after $tool: $why"
}

tool_log=$(mktemp "${TMPDIR:-/tmp}/docker-offline-XXXXXX.log")
trap 'rm -f "$tool_log"' EXIT

if [ "${1:-}" = "--engine" ]; then
  # Only the engine: an install that cannot be done here is a reason to skip;
  # stand-ins that fail to build are the smoke test's failure, not a skip.
  if ! timeout 20 docker info >/dev/null 2>&1; then
    tool=$(offline_tool)
    [ -f "$tool" ] || { echo "no Docker engine answers and $tool is missing"; exit 3; }
    timeout 900 bash "$tool" deploy/docker-compose.yml >"$tool_log" 2>&1 || true
    if ! timeout 20 docker info >/dev/null 2>&1; then
      echo "Docker cannot be installed or started here; docker-offline.sh's last lines:"
      tail -n 15 "$tool_log"
      exit 3
    fi
  fi
  echo "a Docker engine runs: $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
  exit 0
fi

replicas=""
[ "${1:-}" = "--replicas" ] && replicas=yes

make_ready
log "compose: ${compose[*]} ($("${compose[@]}" version --short 2>/dev/null || echo '?'))"

# The official postgres image where a registry answers; else a stand-in from
# Debian's package with the same interface (tests/deploy/standins/postgres).
# Both modes run the replicas stack.
postgres_image=postgres:15-bookworm
if ! docker image inspect "$postgres_image" >/dev/null 2>&1; then
  if ! timeout 120 docker pull -q "$postgres_image" >/dev/null 2>&1; then
    log "no registry for $postgres_image: building its stand-in from Debian's postgresql-15"
    timeout 600 docker build -q -t "$postgres_image" tests/deploy/standins/postgres >/dev/null ||
      fail "the PostgreSQL stand-in did not build"
  fi
fi

id="roseyd-smoke-$$-$(date +%s)"
image="roseyd-smoke:$id"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$id-XXXXXX")
# Compose on the stack, its ports on free loopback ports (empty *_PORT).
if [ -n "$replicas" ]; then
  stack=(env ROSEYD_IMAGE="$image" NATS_PORT= ROSEYD_A_PORT= ROSEYD_B_PORT=
         "${compose[@]}" -p "$id" -f deploy/replicas/docker-compose.yml)
  built_service=roseyd-a
else
  stack=(env ROSEYD_IMAGE="$image" NATS_PORT= ROSEYD_METRICS_PORT= PROMETHEUS_PORT=
         GRAFANA_PORT= "${compose[@]}" -p "$id" -f compose.yaml)
  built_service=roseyd
fi
# The live view, after the build (which needs the whole tree as its context),
# and the replicas stack beside it (coexist_checks): Compose on a copy of the
# compose files, without -p, so each project is the one its own .env names,
# with a test suffix.
copy="$tmp/copy"
live=(env -u COMPOSE_PROJECT_NAME ROSEYD_IMAGE="$image" NATS_PORT= ROSEYD_METRICS_PORT=
      PROMETHEUS_PORT= GRAFANA_PORT= "${compose[@]}" -f "$copy/compose.yaml")
pair=(env -u COMPOSE_PROJECT_NAME ROSEYD_IMAGE="$image" NATS_PORT= ROSEYD_A_PORT=
      ROSEYD_B_PORT= "${compose[@]}" -f "$copy/deploy/replicas/docker-compose.yml")
if [ -z "$replicas" ]; then
  mkdir -p "$copy"
  cp -r compose.yaml .env deploy dashboards "$copy/"
  sed -i "s/^COMPOSE_PROJECT_NAME=.*/&-test-$$/" "$copy/.env" "$copy/deploy/.env" \
    "$copy/deploy/replicas/.env"
  live_name="$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' .env)-test-$$"
  pair_name="$(sed -n 's/^COMPOSE_PROJECT_NAME=//p' deploy/replicas/.env)-test-$$"
  [ "$live_name" != "$pair_name" ] || fail "both .env files name the project $live_name"
fi

dangling() { docker images -q -f dangling=true | sort; }
dangling_before=$(dangling)
stack_started=""
coexist_started=""
cleanup() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ] && [ -n "$stack_started" ]; then
    log "the stack's last log lines:"
    timeout 60 "${stack[@]}" logs --tail 25 2>&1 | tail -n 100
  fi
  if [ -n "$stack_started" ]; then
    timeout 180 "${stack[@]}" down -v --remove-orphans -t 10 >"$tmp/down.log" 2>&1 ||
      { log "compose down failed:"; tail -n 20 "$tmp/down.log"; }
  fi
  if [ "$status" -ne 0 ] && [ -n "$coexist_started" ]; then
    log "the replicas stack's last log lines:"
    timeout 60 "${pair[@]}" logs --tail 15 2>&1 | tail -n 60
  fi
  if [ -n "$coexist_started" ]; then
    timeout 180 "${pair[@]}" down -v -t 10 >"$tmp/down-pair.log" 2>&1 ||
      { log "compose down of the replicas stack failed:"; tail -n 20 "$tmp/down-pair.log"; }
  fi
  docker image rm -f "$image" >/dev/null 2>&1
  # The build stage's images, which the legacy builder leaves untagged: the
  # build, then its copy of the source (each pass uncovers the next). The
  # package layers below them stay, as the next build's cache.
  for _ in 1 2; do
    comm -13 <(echo "$dangling_before") <(dangling) |
      xargs -r docker image rm --no-prune >/dev/null 2>&1
  done
  rm -rf "$tmp" "$tool_log"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "project $id, image $image"
started=$EPOCHREALTIME
if ! timeout 1500 "${stack[@]}" build "$built_service" >"$tmp/build.log" 2>&1; then
  tail -n 40 "$tmp/build.log"
  fail "the image did not build (or not within 25 minutes)"
fi
build_s=$(elapsed "$started")
log "image built in $build_s s"
if [ -z "$replicas" ]; then
  stack=("${live[@]}")
  log "the live view runs as project $live_name"
fi

started=$EPOCHREALTIME
stack_started=yes
timeout 300 "${stack[@]}" up -d --no-build >"$tmp/up.log" 2>&1 ||
  { cat "$tmp/up.log"; fail "compose up failed"; }
health() {  # health STACK: one line per container of the stack (an array's name): name status
  local -n of=$1
  local ids
  ids=$("${of[@]}" ps -q)
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086
  docker inspect -f \
    '{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' $ids
}
wait_healthy() {  # wait_healthy STACK: its four services healthy within 240 s
  local deadline=$((SECONDS + 240)) states
  while :; do
    states=$(health "$1")
    if [ "$(grep -c ' healthy$' <<<"$states")" -eq 4 ]; then return 0; fi
    if [ $SECONDS -ge $deadline ]; then echo "$states"; fail "not all services healthy in 240 s"; fi
    sleep 1
  done
}
wait_healthy stack
healthy_s=$(elapsed "$started")
log "all four services healthy $healthy_s s after compose up"

# Bots' joins (usernames PREFIX-1 .. PREFIX-N), over the NATS text protocol
# on the published loopback port; PING/PONG makes sure the server has taken
# every PUB before the socket closes.
publish_joins() {  # publish_joins PORT PREFIX N
  local payload line i
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  IFS= read -r -t 5 line <&3 && [[ $line == INFO* ]] || return 1
  printf 'CONNECT {"verbose":false,"pedantic":false,"name":"roseyd-smoke"}\r\n' >&3
  for ((i = 1; i <= $3; i++)); do
    payload="{\"username\":\"$2-$i\"}"
    printf 'PUB rosey.db.user.joined %d\r\n%s\r\n' "${#payload}" "$payload" >&3
  done
  printf 'PING\r\n' >&3
  while IFS= read -r -t 5 line <&3; do
    case $line in PONG*) exec 3>&-; return 0 ;; -ERR*) echo "$line"; return 1 ;; esac
  done
  return 1
}

# The replicas stack: one leader, events in PostgreSQL, the leader killed,
# the other leading, nothing lost.
replicas_checks() {
  local a_port b_port nats_port leader follower_port started failover_s n=200
  a_port=$("${stack[@]}" port roseyd-a 9464 | awk -F: 'END { print $NF }')
  b_port=$("${stack[@]}" port roseyd-b 9464 | awk -F: 'END { print $NF }')
  nats_port=$("${stack[@]}" port replicas-nats 4222 | awk -F: 'END { print $NF }')
  [ -n "$a_port" ] && [ -n "$b_port" ] && [ -n "$nats_port" ] || fail "no published ports"
  leads() {  # leads PORT: prints roseyd_store_leader of that replica's /metrics
    python3 - "$1" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5) as r:
    for line in r.read().decode().splitlines():
        if line.startswith("roseyd_store_leader "):
            print(int(float(line.split()[1])))
PY
  }
  local deadline=$((SECONDS + 60))
  until [ "$(leads "$a_port" 2>/dev/null)$(leads "$b_port" 2>/dev/null)" = 10 ] ||
        [ "$(leads "$a_port" 2>/dev/null)$(leads "$b_port" 2>/dev/null)" = 01 ]; do
    [ $SECONDS -lt $deadline ] || fail "not exactly one leader within 60 s"
    sleep 1
  done
  if [ "$(leads "$a_port")" = 1 ]; then leader=roseyd-a follower_port=$b_port
  else leader=roseyd-b follower_port=$a_port; fi
  log "$leader leads (roseyd_store_leader 1), the other follows"
  rows() {
    timeout 20 "${stack[@]}" exec -T replicas-postgres psql -U rosey -d rosey -tAc \
      "SELECT count(*) FROM user_stats WHERE username LIKE 'replica-$$-%'" 2>/dev/null | tr -d '[:space:]'
  }
  wait_rows() {  # wait_rows N
    local deadline=$((SECONDS + 60))
    until [ "$(rows)" = "$1" ]; do
      [ $SECONDS -lt $deadline ] || fail "PostgreSQL holds $(rows) of $1 users after 60 s"
      sleep 0.5
    done
  }
  publish_joins "$nats_port" "replica-$$-before" "$n" || fail "could not publish to NATS"
  wait_rows "$n"
  log "$n joins in PostgreSQL"
  started=$EPOCHREALTIME
  docker kill "$("${stack[@]}" ps -q "$leader")" >/dev/null || fail "docker kill $leader failed"
  deadline=$((SECONDS + 30))
  until [ "$(leads "$follower_port" 2>/dev/null)" = 1 ]; do
    [ $SECONDS -lt $deadline ] || fail "the other replica did not lead within 30 s of the kill"
    sleep 0.1
  done
  failover_s=$(elapsed "$started")
  publish_joins "$nats_port" "replica-$$-after" "$n" || fail "could not publish to NATS"
  wait_rows $((2 * n))
  log "figures: image build $build_s s, compose up to all healthy $healthy_s s," \
      "docker kill of the leader to the other's roseyd_store_leader 1 $failover_s s" \
      "(polled every 0.1 s), users in PostgreSQL $((2 * n)) of $((2 * n))"
  log "PASSED"
}

if [ -n "$replicas" ]; then
  replicas_checks
  exit 0
fi

prom_port=$("${stack[@]}" port prometheus 9090 | awk -F: 'END { print $NF }')
nats_port=$("${stack[@]}" port nats 4222 | awk -F: 'END { print $NF }')
if [ -z "$prom_port" ] || [ -z "$nats_port" ]; then fail "no published Prometheus or NATS port"; fi

# Prometheus's instant query API: the number of series `up{job="roseyd"} == 1` has.
roseyd_up() {
  python3 - "$prom_port" <<'PY'
import json, sys, urllib.parse, urllib.request
q = urllib.parse.urlencode({"query": 'up{job="roseyd"} == 1'})
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/query?{q}", timeout=5) as r:
    print(len(json.load(r)["data"]["result"]))
PY
}
deadline=$((SECONDS + 60))
until [ "$(roseyd_up 2>/dev/null)" = 1 ]; do
  [ $SECONDS -lt $deadline ] || fail 'Prometheus did not see up{job="roseyd"} == 1 within 60 s'
  sleep 1
done
log 'Prometheus scrapes roseyd: up{job="roseyd"} == 1'

user="smoke-$$-$RANDOM"
publish_joins "$nats_port" "$user" 1 ||
  fail "could not publish rosey.db.user.joined to 127.0.0.1:$nats_port"
user="$user-1"
log "published rosey.db.user.joined for $user"

# The SQLite file in the volume a stack's roseyd keeps /var/lib/roseyd in.
db_of() {  # db_of CONTAINER
  local volume
  volume=$(docker inspect "$1" \
    -f '{{range .Mounts}}{{if eq .Destination "/var/lib/roseyd"}}{{.Name}}{{end}}{{end}}')
  [ -n "$volume" ] && echo "$(docker volume inspect -f '{{.Mountpoint}}' "$volume")/rosey.db"
}
# Read-only, beside the running roseyd (WAL mode lets a reader in).
user_rows() {  # user_rows DB USER
  python3 - "$1" "$2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
rows = db.execute("SELECT count(*) FROM user_stats WHERE username = ?", (sys.argv[2],))
print(rows.fetchone()[0])
PY
}
wait_row() {  # wait_row DB USER: its user_stats row within 30 s
  local deadline=$((SECONDS + 30))
  until [ "$(user_rows "$1" "$2" 2>/dev/null)" = 1 ]; do
    [ $SECONDS -lt $deadline ] || fail "no user_stats row for $2 in $1 within 30 s"
    sleep 0.5
  done
}
roseyd_id=$("${stack[@]}" ps -q roseyd)
db=$(db_of "$roseyd_id") || fail "no volume on roseyd's /var/lib/roseyd"
wait_row "$db" "$user"
log "user_stats has the row for $user ($db)"

# roseyd's /metrics on its published loopback port, as the README's curl reads it.
metrics_port=$("${stack[@]}" port roseyd 9464 | awk -F: 'END { print $NF }')
[ -n "$metrics_port" ] || fail "roseyd's /metrics port 9464 is not published"
python3 - "$metrics_port" <<'PY' || fail "no roseyd_build_info on 127.0.0.1:$metrics_port/metrics"
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5) as r:
    sys.exit(0 if "\nroseyd_build_info{" in "\n" + r.read().decode() else 1)
PY
log "roseyd's /metrics answers on its published port 127.0.0.1:$metrics_port"

started=$EPOCHREALTIME
timeout 60 docker stop "$roseyd_id" >/dev/null || fail "docker stop did not return"
stop_s=$(elapsed "$started")
exit_code=$(docker inspect -f '{{.State.ExitCode}}' "$roseyd_id")
[ "$exit_code" = 0 ] || fail "roseyd exited with $exit_code on docker stop (137: killed after 10 s)"
log "docker stop of roseyd: $stop_s s, exit code 0"

# The replicas stack beside the live view, each under the project its own
# .env names (a copy's, suffixed: a user's real roseyd-live and
# roseyd-replicas are out of reach of this test's `down -v`). roseyd of the
# live view has stopped above; its NATS, Prometheus and Grafana run on, and
# its volume holds the row.
project_of() { docker inspect -f '{{index .Config.Labels "com.docker.compose.project"}}' "$1"; }
containers_of() {  # containers_of PROJECT: its containers' ids and states, sorted
  docker ps -a -q --no-trunc --filter "label=com.docker.compose.project=$1" |
    xargs -r docker inspect -f '{{.Id}} {{.State.Status}}' | sort
}
volumes_of() {  # volumes_of PROJECT: its volumes, sorted
  docker volume ls -q --filter "label=com.docker.compose.project=$1" | sort
}
live_unchanged() {  # live_unchanged WHEN: the live view as it was before the replicas stack
  local containers port
  containers=$(containers_of "$live_name")
  [ "$containers" = "$live_containers" ] ||
    fail "$1: the live view's containers were"$'\n'"$live_containers"$'\n'"now"$'\n'"$containers"
  port=$("${stack[@]}" port nats 4222 | awk -F: 'END { print $NF }')
  [ "$port" = "$nats_port" ] || fail "$1: the live view's NATS moved from $nats_port to '$port'"
  [ "$(volumes_of "$live_name")" = "$live_volumes" ] ||
    fail "$1: the live view's volumes were $live_volumes, now $(volumes_of "$live_name")"
  publish_joins "$nats_port" "coexist-$$" 1 || fail "$1: the live view's NATS does not answer"
  [ "$(user_rows "$db" "$user" 2>/dev/null)" = 1 ] || fail "$1: the row for $user is gone from $db"
}
coexist_checks() {
  local nats_id
  nats_id=$("${stack[@]}" ps -q nats)
  [ "$(project_of "$nats_id")" = "$live_name" ] ||
    fail "the live view runs as project '$(project_of "$nats_id")', not $live_name (its .env)"
  live_containers=$(containers_of "$live_name")
  live_volumes=$(volumes_of "$live_name")
  [ "$(wc -l <<<"$live_volumes")" -eq 4 ] || fail "the live view has volumes: $live_volumes"
  grep -q "^$nats_id running$" <<<"$live_containers" || fail "the live view's NATS does not run"

  coexist_started=yes
  started=$EPOCHREALTIME
  timeout 300 "${pair[@]}" up -d --no-build >"$tmp/up-pair.log" 2>&1 ||
    { cat "$tmp/up-pair.log"; fail "compose up of the replicas stack failed"; }
  wait_healthy pair
  pair_up_s=$(elapsed "$started")
  [ "$(project_of "$("${pair[@]}" ps -q roseyd-a)")" = "$pair_name" ] ||
    fail "the replicas stack does not run as project $pair_name (its .env)"
  [ -n "$(volumes_of "$pair_name")" ] || fail "the replicas stack has no volumes"
  live_unchanged "with both stacks up"
  log "both stacks up at once: $pair_name healthy $pair_up_s s after its up, beside" \
      "$live_name, whose containers, NATS port $nats_port and volumes did not change"

  started=$EPOCHREALTIME
  timeout 180 "${pair[@]}" down -v -t 10 >"$tmp/down-pair.log" 2>&1 ||
    { cat "$tmp/down-pair.log"; fail "compose down -v of the replicas stack failed"; }
  pair_down_s=$(elapsed "$started")
  coexist_started=""
  [ -z "$(volumes_of "$pair_name")" ] || fail "down -v left the replicas stack's volumes"
  [ -z "$(containers_of "$pair_name")" ] || fail "down -v left the replicas stack's containers"
  live_unchanged "after the replicas stack's down -v"
  log "down -v of $pair_name ($pair_down_s s) removed its own volumes only: $live_name's" \
      "NATS is the same container on the same port and answers, its 4 volumes and the row are there"
}
coexist_checks

log "figures: image build $build_s s, compose up to all healthy $healthy_s s," \
    "docker stop (default 10 s timeout) $stop_s s, roseyd exit code $exit_code;" \
    "the replicas stack beside it: up to healthy $pair_up_s s, down -v $pair_down_s s"
log "PASSED"
