#!/usr/bin/env python3
"""The live view end to end, with real parts, on loopback only.

Starts a real nats-server, the built roseyd (the shipped config/roseyd.yaml,
pointed at that server) and Debian's prometheus (the repo's
deploy/prometheus/prometheus.yml with its target moved to roseyd's loopback
port, a 1 s scrape interval, and the repo's alerts.yml; Prometheus also scrapes
itself, as a second job); sends bot-like traffic over the NATS text protocol
(events on every subject, some malformed ones, requests with reply inboxes);
then runs every PromQL expression of every dashboard panel and every alert
rule against that Prometheus, dashboard variables substituted as Grafana does:
  - every expression must be valid (the query API answers success);
  - every dashboard variable must list values (job and instance: exactly
    roseyd's), and every dashboard expression must return data with a finite
    value; with job and instance set to values no series has, every variable
    must list nothing and every expression return nothing (each is filtered by
    the job and instance variables);
  - every metric an alert rule reads must have series (an alert's own
    expression is empty while it does not fire), every rule must evaluate
    without error, and RoseydEventsRejected must fire for the malformed events.
Expressions that read the load generator's metrics (LOADGEN_METRIC_PREFIXES)
get their data from a two-scenario suite roseyd runs at start-up
(TINY_SCENARIOS, bench.run_at_start); their absence is a failure.

Usage: live_view_e2e.py --roseyd BIN --nats-server BIN --prometheus BIN
                        --source-dir REPO
Exit 0 passed, 1 failed. Registered by tests/deploy/CMakeLists.txt.
"""
import argparse
import atexit
import ctypes
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

import promql

# ------------------------------------------------------------- children


class Children:
    """Processes this test started; all of them are stopped on any exit."""

    def __init__(self):
        self.procs = []
        atexit.register(self.stop_all)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        self.stop_all()
        sys.exit(128 + signum)

    def start(self, name, argv, log_dir, cwd=None):
        log = open(os.path.join(log_dir, f"{name}.log"), "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                                start_new_session=True, preexec_fn=die_with_parent)
        proc.name = name
        proc.log_path = log.name
        self.procs.append(proc)
        return proc

    def stop_all(self):
        """SIGTERM to every child, SIGKILL to any still running 40 s later (roseyd's
        drain takes at most service.drain_timeout, 30 s). Returns name -> exit status,
        None for a child that had to be killed."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 40
        status = {}
        for proc in reversed(self.procs):
            try:
                status[proc.name] = proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                status[proc.name] = None
        self.procs = []
        return status

    def check_alive(self):
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.returncode}; log:\n"
                                   + tail(proc.log_path))


def die_with_parent():
    """In the child: get SIGTERM when this test dies, even by SIGKILL (ctest's timeout)."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def tail(path, lines=30):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def free_ports(n):
    """n distinct free loopback ports: all bound at once, or the kernel may repeat one."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(what, predicate, timeout, children):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children.check_alive()
        try:
            if predicate():
                return
        except (OSError, ValueError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


# ------------------------------------------------------------- NATS traffic


class NatsClient:
    """Just enough of the NATS text protocol: CONNECT, PUB, SUB, MSG, PING/PONG."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        info = self._line()
        if not info.startswith(b"INFO "):
            raise RuntimeError(f"NATS greeting was {info!r}")
        self.sock.sendall(b'CONNECT {"verbose":false,"pedantic":false,'
                          b'"name":"live-view-e2e","lang":"python","version":"0"}\r\n'
                          b"PING\r\n")
        if self._line() != b"PONG":
            raise RuntimeError("NATS CONNECT not answered")
        self.replies = {}
        self.lock = threading.Lock()
        self.sock.sendall(b"SUB _INBOX.e2e.* 1\r\n")
        self.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("NATS connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read_loop(self):
        try:
            while True:
                line = self._line()
                if line.startswith(b"MSG "):
                    parts = line.split()
                    size = int(parts[-1])
                    while len(self.buf) < size + 2:
                        chunk = self.sock.recv(65536)
                        if not chunk:
                            return
                        self.buf += chunk
                    payload, self.buf = self.buf[:size], self.buf[size + 2:]
                    with self.lock:
                        self.replies[parts[1].decode()] = payload.decode()
                elif line == b"PING":
                    self.sock.sendall(b"PONG\r\n")
                elif line.startswith(b"-ERR"):
                    print(f"NATS error: {line.decode()}", flush=True)
        except (OSError, EOFError):
            return

    def pub(self, subject, payload, reply=None):
        data = payload.encode()
        head = f"PUB {subject} {reply + ' ' if reply else ''}{len(data)}\r\n".encode()
        self.sock.sendall(head + data + b"\r\n")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def bot_like_traffic(nats, stop, stats):
    """Runs until stop is set (at most 150 s): about 60 events/s over every event
    subject, two requests a second with reply inboxes, and a few malformed events."""
    p = "rosey.db"
    users = [f"viewer{i}" for i in range(8)]
    for u in users:
        nats.pub(f"{p}.user.joined", json.dumps({"username": u}))
    tick = 0
    started = time.monotonic()
    while not stop.is_set() and time.monotonic() - started < 150:
        u = users[tick % len(users)]
        for i in range(5):
            nats.pub(f"{p}.message.log",
                     json.dumps({"username": u, "message": f"line {tick}.{i} ☺"}))
        stats["events"] += 5
        if tick % 5 == 0:
            nats.pub(f"{p}.status.update", json.dumps(
                {"status_data": {"bot_name": "rosey", "current_chat_users": len(users),
                                 "bot_connected": True}}))
            nats.pub(f"{p}.stats.user_count",
                     json.dumps({"chat_count": len(users), "connected_count": len(users) + 2}))
            nats.pub(f"{p}.stats.high_water",
                     json.dumps({"chat_count": len(users), "connected_count": len(users) + 2}))
            nats.pub(f"{p}.action.pm_command", json.dumps(
                {"timestamp": time.time(), "username": u, "command": "stats", "args": "",
                 "result": "success", "error": None}))
            nats.pub(f"{p}.user.left", json.dumps({"username": u}))
            nats.pub(f"{p}.user.joined", json.dumps({"username": u}))
            nats.pub(f"{p}.messages.outbound.mark_sent", json.dumps({"message_id": tick}))
            stats["events"] += 7
            for subject, payload in (("query.user_stats", {"username": u}),
                                     ("stats.recent_chat.get", {"limit": 5}),
                                     ("query.channel_stats", {}),
                                     ("messages.outbound.get", {"limit": 20,
                                                                "max_retries": 3})):
                inbox = f"_INBOX.e2e.{stats['requests']}"
                stats.setdefault("inboxes", {})[inbox] = subject
                nats.pub(f"{p}.{subject}", json.dumps(payload), reply=inbox)
                stats["requests"] += 1
        if tick % 20 == 0:
            nats.pub(f"{p}.message.log", "{not json")
            nats.pub(f"{p}.user.joined", "{}")
            nats.pub(f"{p}.stats.user_count", '{"chat_count": "many"}')
            stats["malformed"] += 3
        tick += 1
        stop.wait(0.1)


# ------------------------------------------------------------- Prometheus


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def api(self, path, **params):
        url = f"{self.base}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.loads(r.read().decode())
        except urllib.error.HTTPError as e:  # 400/422 carry the error as JSON
            return json.loads(e.read().decode())

    def query(self, expr):
        return self.api("query", query=expr, time=f"{time.time():.3f}")

    def query_range(self, expr, seconds=30, step=1):
        end = time.time()
        return self.api("query_range", query=expr, start=f"{end - seconds:.3f}",
                        end=f"{end:.3f}", step=str(step))

    def scalar(self, expr):
        r = self.query(expr)
        result = r.get("data", {}).get("result", [])
        return float(result[0]["value"][1]) if result else None


def prometheus_config(source_dir, metrics_port, prom_port, tmp):
    """The repo's prometheus.yml, pointed at roseyd on loopback, scraping every second;
    and a second job, Prometheus itself, whose process_* series the dashboards'
    job variable must keep out."""
    src = os.path.join(source_dir, "deploy", "prometheus", "prometheus.yml")
    with open(src) as f:
        cfg = yaml.safe_load(f)
    cfg["global"]["scrape_interval"] = "1s"
    cfg["global"]["evaluation_interval"] = "1s"
    cfg["rule_files"] = [os.path.join(os.path.dirname(src), r) for r in cfg["rule_files"]]
    for job in cfg["scrape_configs"]:
        for sc in job.get("static_configs", []):
            sc["targets"] = [f"127.0.0.1:{metrics_port}" for _ in sc["targets"]]
    cfg["scrape_configs"].append({"job_name": "prometheus-itself",
                                  "static_configs": [{"targets": [f"127.0.0.1:{prom_port}"]}]})
    path = os.path.join(tmp, "prometheus.yml")
    with open(path, "w") as f:
        yaml.safe_dump(cfg, f)
    return path, cfg


# ------------------------------------------------------------- expressions

# Grafana's built-in variables, as Grafana would substitute them for a short
# dashboard range; dashboard variables come from their definitions below.
GRAFANA_BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m",
                    "__range_s": "300", "__interval_ms": "15000"}

# Metrics that only the load generator (`roseyd bench`) produces.
LOADGEN_METRIC_PREFIXES = ("roseyd_loadgen_", "roseyd_bench_")


def needs_load_generator(expr):
    return any(p in expr for p in LOADGEN_METRIC_PREFIXES)


def substitute(expr, variables):
    def value(name):
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if name not in variables:
            raise KeyError(f"unknown variable ${name}")
        return variables[name]
    expr = re.sub(r"\$\{(\w+)(?::\w+)?\}", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\[\[(\w+)\]\]", lambda m: value(m.group(1)), expr)
    return re.sub(r"\$(\w+)", lambda m: value(m.group(1)), expr)


def regex_escape(value):
    """A value as Grafana writes a multi-value variable into a Prometheus query:
    regex-escaped, backslashes doubled for the PromQL string."""
    return re.sub(r"([$^*{}\[\]'+?.()|])", r"\\\\\1", value.replace("\\", "\\\\\\\\"))


LABEL_VALUES = re.compile(r"label_values\((.*),\s*(\w+)\)$")


def label_values(prom, definition, variables):
    """The values a label_values(selector, label) variable offers, as Grafana lists
    them (series of the last 5 minutes), once earlier variables are substituted."""
    m = LABEL_VALUES.match(definition)
    if not m:
        raise ValueError(f"cannot read {definition}")
    selector, label = substitute(m.group(1), variables), m.group(2)
    r = prom.api("series", **{"match[]": selector, "start": f"{time.time() - 300:.3f}"})
    if r.get("status") != "success":
        raise ValueError(f"invalid selector {selector}: {r.get('error')}")
    return sorted({s[label] for s in r["data"] if label in s})


def resolve_variables(d, prom, pinned=None):
    """What Grafana substitutes for a dashboard's variables, in their order (a
    variable may read the ones before it): a query variable set to All becomes its
    allValue or the regex of every value listed, one with no current value takes
    the first; custom and interval ones their current value. Variables in pinned
    take the value given. Returns (name -> text, name -> values listed)."""
    out, listed = {}, {}
    for v in d.get("templating", {}).get("list", []):
        name = v["name"]
        if pinned and name in pinned:
            out[name] = pinned[name]
        elif v["type"] == "query":
            values = label_values(prom, v["definition"], out)
            listed[name] = values
            current = (v.get("current") or {}).get("value")
            if v.get("includeAll") and current in (["$__all"], "$__all"):
                out[name] = v.get("allValue") or \
                    "(" + "|".join(regex_escape(x) for x in values) + ")"
            else:
                out[name] = regex_escape(values[0]) if values else ""
        elif v["type"] in ("custom", "interval", "constant", "textbox"):
            cur = v.get("current", {}).get("value")
            out[name] = cur if isinstance(cur, str) else v.get("query", "").split(",")[0]
        elif v["type"] == "datasource":
            out[name] = "prometheus"
    return out, listed


# Values of job and instance that no series has: every query filtered by the
# dashboard's job and instance variables returns nothing with them.
ABSENT_SCOPE = {"job": "no-such-job", "instance": "no-such-instance"}


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def load_dashboards(source_dir):
    folder = os.path.join(source_dir, "dashboards")
    for name in sorted(f for f in os.listdir(folder) if f.endswith(".json")):
        with open(os.path.join(folder, name)) as f:
            yield name, json.load(f)


def panel_exprs(name, d):
    for p in walk_panels(d.get("panels", [])):
        for t in p.get("targets") or []:
            yield {"where": f"{name} / {p.get('title')} / {t.get('refId')}", "raw": t["expr"],
                   "instant": bool(t.get("instant")) and not t.get("range")}


def alert_rules(source_dir):
    with open(os.path.join(source_dir, "deploy", "prometheus", "alerts.yml")) as f:
        return [r for g in yaml.safe_load(f)["groups"] for r in g["rules"]]


def finite_values(result):
    """Finite sample values of an instant query's data."""
    kind, res = result["resultType"], result["result"]
    if kind == "scalar":
        values = [res[1]]
    elif kind == "vector":
        values = [s["value"][1] for s in res]
    elif kind == "matrix":
        values = [v[1] for s in res for v in s["values"]]
    else:
        values = []
    return [float(v) for v in values if math.isfinite(float(v))]


# ------------------------------------------------------------- the load generator hook


# A suite of two small scenarios that roseyd runs at start-up
# (bench.run_at_start), so the roseyd_loadgen_* and roseyd_bench_* series
# reach this test's Prometheus through roseyd's own /metrics.
TINY_SCENARIOS = """
suites: {quick: [e2e_events, e2e_requests, memory_stability]}
scenarios:
  - name: e2e_events
    kind: events
    category: latency
    priority: P0
    description: chat lines for the live-view test
    rate: 200
    duration: 10s
    publishers: 2
    targets: [{metric: p95_latency_ms, at_most: 10}, {metric: lost, at_most: 0}]
  - name: e2e_requests
    kind: requests
    category: latency
    priority: P0
    description: queries for the live-view test
    rate: 100
    events: 300
    targets: [{metric: p95_latency_ms, at_most: 10}]
  - name: memory_stability
    kind: memory_stability
    category: memory
    priority: P1
    description: a short RSS slope, for the soak dashboard's verdict panels
    rate: 100
    duration: 8s
    warmup: 2s
    targets: [{metric: rss_slope_mib_per_hour, at_most: 5}]
"""


def write_tiny_scenarios(tmp):
    path = os.path.join(tmp, "scenarios.yaml")
    with open(path, "w") as f:
        f.write(TINY_SCENARIOS)
    return path


def run_load_generator(nats_url, metrics_port, tmp):
    """roseyd runs TINY_SCENARIOS at start-up; wait until its first scenario
    is running, so live and result series both get scraped. True if so."""
    del nats_url, tmp
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    deadline = time.time() + 30
    while time.time() < deadline:
        if re.search(r'^roseyd_loadgen_running\{scenario="e2e_events"\} 1', http_get(url), re.M):
            return True
        time.sleep(0.2)
    return False


def loadgen_series_present(prom):
    """Whether Prometheus has any load-generator series to check expressions against."""
    regex = "|".join(p + ".+" for p in LOADGEN_METRIC_PREFIXES)
    n = prom.scalar(f'count({{__name__=~"{regex}"}})')
    return bool(n)


# ------------------------------------------------------------- dashboards


def only_fallback_zeros(data):
    """Whether an instant query's result is empty but for label-less zeros, which
    is what `... or vector(0)` gives when nothing matched."""
    if data["resultType"] == "scalar":
        return float(data["result"][1]) == 0
    return all(not s["metric"] and float(s["value"][1]) == 0 for s in data["result"])


def check_dashboards(src, prom, loadgen_present, scope, failures):
    """Every dashboard's variables and panel queries, as Grafana would send them:
    each variable lists values (job and instance exactly those of scope), each
    query is valid and returns finite data (load-generator ones only when its series
    exist); and with job and instance set to ABSENT_SCOPE every variable lists
    nothing and every query returns nothing: all of them are filtered by the
    dashboard's job and instance variables. Returns (checked for data, not checked)."""
    checked, not_checked = [], []
    for name, d in load_dashboards(src):
        try:
            variables, listed = resolve_variables(d, prom)
            _, absent_listed = resolve_variables(d, prom, ABSENT_SCOPE)
        except (KeyError, ValueError) as e:
            failures.add(f"{name} variables", str(e))
            continue
        absent = dict(variables, **ABSENT_SCOPE)
        definitions = {v["name"]: v.get("definition", "") for v in d["templating"]["list"]}
        for var, values in listed.items():
            where = f"{name} / variable {var}"
            print(f"  ok   {where} = {values}")
            if absent_listed.get(var):
                failures.add(where, f"lists {absent_listed[var]} for {ABSENT_SCOPE}")
            if needs_load_generator(definitions[var]) and not loadgen_present:
                not_checked.append(where)
                continue
            checked.append(where)
            if not values:
                failures.add(where, f"lists nothing [{definitions[var]}]")
            elif var in scope and values != scope[var]:
                failures.add(where, f"lists {values}, not {scope[var]}")
        for e in panel_exprs(name, d):
            where, expr = e["where"], substitute(e["raw"], variables)
            r = prom.query(expr)
            if r.get("status") != "success":
                failures.add(where, f"invalid: {r.get('error')}  [{expr}]")
                continue
            if not e["instant"]:
                rr = prom.query_range(expr)
                if rr.get("status") != "success":
                    failures.add(where, f"range query invalid: {rr.get('error')}")
                    continue
            ra = prom.query(substitute(e["raw"], absent))
            if ra.get("status") != "success" or not only_fallback_zeros(ra["data"]):
                failures.add(where, f"returns data for {ABSENT_SCOPE}: not filtered by the "
                             f"job and instance variables [{e['raw']}]")
            if needs_load_generator(e["raw"]) and not loadgen_present:
                not_checked.append(where)
                print(f"  valid, data NOT CHECKED (no load generator) {where}")
                continue
            checked.append(where)
            values = finite_values(r["data"])
            if not values:
                failures.add(where, f"no finite data ({len(r['data']['result'])} series) "
                             f"[{expr}]")
            else:
                print(f"  ok   {where} = {values[0]:.6g}"
                      f"{' (+%d more)' % (len(values) - 1) if len(values) > 1 else ''}")
    return checked, not_checked


# ------------------------------------------------------------- the test


class Failures:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        self.items.append(f"{where}: {what}")
        print(f"  FAIL {where}: {what}", flush=True)


def main():
    parser = argparse.ArgumentParser(description="live view end to end")
    parser.add_argument("--roseyd", required=True)
    parser.add_argument("--nats-server", default="nats-server")
    parser.add_argument("--prometheus", default="prometheus")
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args()
    src = os.path.abspath(args.source_dir)
    roseyd = os.path.abspath(args.roseyd)

    children = Children()
    tmp = tempfile.mkdtemp(prefix="roseyd-live-view-")
    nats_port, metrics_port, prom_port = free_ports(3)
    print(f"temp folder {tmp}; NATS 127.0.0.1:{nats_port}, roseyd /metrics "
          f"127.0.0.1:{metrics_port}, Prometheus 127.0.0.1:{prom_port}", flush=True)
    failures = Failures()
    nats = None
    stop = threading.Event()
    try:
        children.start("nats-server", [args.nats_server, "-a", "127.0.0.1", "-p",
                                       str(nats_port)], tmp)
        wait_for("nats-server", lambda: socket.create_connection(
            ("127.0.0.1", nats_port), timeout=1).close() is None, 15, children)

        data_dir = os.path.join(tmp, "data")
        nats_url = f"nats://127.0.0.1:{nats_port}"
        children.start("roseyd", [roseyd, "run", "--config",
                                  os.path.join(src, "config", "roseyd.yaml"),
                                  "--set", "bench.run_at_start=quick",
                                  "--set", f"bench.scenarios_file={write_tiny_scenarios(tmp)}",
                                  "--nats-url", nats_url, "--data-dir", data_dir,
                                  "--metrics-listen", f"127.0.0.1:{metrics_port}"], tmp, cwd=tmp)
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_for("roseyd connected to NATS",
                 lambda: re.search(r"^roseyd_nats_connected\S* 1", http_get(metrics_url),
                                   re.M), 20, children)

        config_path, cfg = prometheus_config(src, metrics_port, prom_port, tmp)
        children.start("prometheus", [args.prometheus, f"--config.file={config_path}",
                                      f"--storage.tsdb.path={os.path.join(tmp, 'tsdb')}",
                                      f"--web.listen-address=127.0.0.1:{prom_port}"], tmp)
        prom = Prometheus(prom_port)
        wait_for("Prometheus ready", lambda: http_get(f"{prom.base}/-/ready"), 30, children)

        nats = NatsClient(nats_port)
        stats = {"events": 0, "requests": 0, "malformed": 0}
        traffic = threading.Thread(target=bot_like_traffic, args=(nats, stop, stats),
                                   daemon=True)
        traffic.start()
        ran_loadgen = run_load_generator(nats_url, metrics_port, tmp)

        # Several scrapes with traffic in them, so rates and histograms have data.
        job = cfg["scrape_configs"][0]["job_name"]
        wait_for("12 scrapes of roseyd, with events persisted",
                 lambda: (prom.scalar(f'count_over_time(up{{job="{job}"}}[5m])') or 0) >= 12
                 and (prom.scalar("sum(roseyd_events_persisted_total)") or 0) > 100
                 and (prom.scalar("sum(roseyd_events_rejected_total)") or 0) > 0,
                 60, children)
        up = prom.scalar(f'up{{job="{job}"}}')
        if up != 1:
            failures.add("Prometheus target", f"up{{job={job}}} is {up}")
        print(f"traffic so far: {stats['events']} events, {stats['requests']} requests, "
              f"{stats['malformed']} malformed", flush=True)
        with nats.lock:
            answered = {stats["inboxes"][i] for i in nats.replies}
            reply = next((v for k, v in nats.replies.items()
                          if stats["inboxes"][k] == "query.user_stats"), None)
        if answered != {"query.user_stats", "stats.recent_chat.get", "query.channel_stats",
                        "messages.outbound.get"}:
            failures.add("requests", f"replies only for {sorted(answered)}")
        if not reply or '"found":true' not in reply.replace(" ", ""):
            failures.add("requests", f"user_stats reply {reply!r}")

        if not ran_loadgen:
            failures.add("load generator", "the start-up suite did not start within 30 s")
        else:
            wait_for("the three start-up scenarios judged and scraped",
                     lambda: (prom.scalar("count(roseyd_bench_status)") or 0) >= 3, 120, children)

        # Wait for the rule evaluations to settle on the current data.
        time.sleep(3)
        loadgen_present = loadgen_series_present(prom)

        print("\n== dashboard variables and expressions", flush=True)
        scope = {"job": [job], "instance": [f"127.0.0.1:{metrics_port}"]}
        checked_data, not_checked = check_dashboards(src, prom, loadgen_present, scope,
                                                     failures)

        print("\n== alert rules", flush=True)
        rules = alert_rules(src)
        for rule in rules:
            where = f"alert {rule['alert']}"
            r = prom.query(rule["expr"])
            if r.get("status") != "success":
                failures.add(where, f"invalid: {r.get('error')}")
                continue
            missing = []
            for name in sorted(promql.metric_names(rule["expr"])):
                n = prom.scalar(f'count({{__name__="{name}"}})')
                if not n:
                    missing.append(name)
            if missing:
                failures.add(where, f"no series for {missing}")
            else:
                print(f"  ok   {where}: valid, reads {sorted(promql.metric_names(rule['expr']))}, "
                      f"{len(r['data']['result'])} series past the threshold now")
        loaded = prom.api("rules")
        states = {}
        for g in loaded["data"]["groups"]:
            for r in g["rules"]:
                states[r["name"]] = r
                if r.get("health") != "ok":
                    failures.add(f"alert {r['name']}", f"evaluation: {r.get('lastError')}")
        if set(states) != {r["alert"] for r in rules}:
            failures.add("rules", f"Prometheus loaded {sorted(states)}")
        for name, want in (("RoseydEventsRejected", "firing"), ("RoseydDown", "inactive"),
                           ("RoseydNatsDisconnected", "inactive"),
                           ("RoseydEventsLost", "inactive")):
            got = states.get(name, {}).get("state")
            if got != want:
                failures.add(f"alert {name}", f"state {got}, expected {want}")
            else:
                print(f"  ok   alert {name} is {got}")
        stop.set()

        print("\n== summary")
        print(f"dashboard expressions and variables checked for data: {len(checked_data)}")
        if not_checked:
            print("!" * 72)
            print(f"NOT CHECKED for data: {len(not_checked)} load-generator expressions "
                  f"(no roseyd_loadgen_*/roseyd_bench_* series; load generator ran: "
                  f"{ran_loadgen}). They were checked for validity only:")
            for w in not_checked:
                print(f"  - {w}")
            print("!" * 72)
            failures.add("load generator", "roseyd's start-up suite left no series")
        print(f"alert rules checked: {len(rules)}")
    except Exception as e:  # report, then clean up below
        failures.add("setup", f"{type(e).__name__}: {e}")
    finally:
        stop.set()
        if nats:
            nats.close()
        exit_status = children.stop_all()
        if exit_status.get("roseyd", 0) != 0:
            failures.add("roseyd", f"did not stop cleanly on SIGTERM: exit status "
                         f"{exit_status['roseyd']} (None: killed after 40 s)")
    if failures.items:
        print(f"\n{len(failures.items)} failures:")
        for f in failures.items:
            print(f"  {f}")
        for name in ("nats-server", "roseyd", "prometheus"):
            print(f"--- {name}.log (tail)\n{tail(os.path.join(tmp, name + '.log'))}")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASSED" if not failures.items else "FAILED")
    return 1 if failures.items else 0


if __name__ == "__main__":
    sys.exit(main())
