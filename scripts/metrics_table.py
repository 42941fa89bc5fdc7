#!/usr/bin/env python3
"""The metrics table, checked against (or rebuilt from) a live /metrics.

Usage: metrics_table.py ROSEYD [--nats-server BIN] [--write docs/METRICS.md | --check docs/METRICS.md]

Starts nats-server and the roseyd binary on loopback, in a temporary folder, with a
one-scenario benchmark suite at start-up so that the load generator's series exist;
sends traffic that gives every labelled family a sample (each event subject, a
malformed event, a status.update with an unknown key, each query, a refused request,
a request on an unknown subject); scrapes /metrics; and reads every family's name,
type and label names from it.

Without an option, prints the table. --check compares the table (under
"## Metrics reference", one metric a row) with the live families both ways: a metric
in one and not the other, or a different type or labels, exits 1 naming it.
--write rebuilds the table: the rows in their order with type and labels from
/metrics and their meaning kept, minus what is no longer served, then each new metric
with its HELP text as its meaning.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SECTION = "## Metrics reference"
HEADER = ["| metric | type | labels | meaning |", "|---|---|---|---|"]
# Labels that are part of a histogram's or summary's shape, not the family's.
SHAPE_LABELS = {"le", "quantile"}
# How long to wait, once every served family has a sample, for the other names.
EXPECTED_GRACE_S = 10

TINY_SUITE = """suites: {quick: [metrics_table]}
scenarios:
  - name: metrics_table
    kind: events
    category: latency
    priority: P2
    description: a few chat lines, so the load generator's series exist
    rate: 200
    events: 100
    publishers: 1
    targets: [{metric: lost, at_most: 0}]
"""


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


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def ready(port):
    """Whether roseyd serves (/ready 200): subscribed, so a publish reaches it."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as r:
            return r.status == 200
    except OSError:  # 503 (urllib's HTTPError is an OSError) or not listening yet
        return False


def publish(port, messages):
    """Sends (subject, payload, reply) over the NATS text protocol."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.recv(4096)  # INFO
        sock.sendall(b'CONNECT {"verbose":false,"name":"readme-metrics-table"}\r\n')
        for subject, payload, reply in messages:
            data = payload.encode()
            head = f"PUB {subject} {reply + ' ' if reply else ''}{len(data)}\r\n".encode()
            sock.sendall(head + data + b"\r\n")
        sock.sendall(b"PING\r\n")
        buf = b""
        while b"PONG" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk


TRAFFIC = [
    ("rosey.db.user.joined", '{"username":"table"}', None),
    ("rosey.db.message.log", '{"username":"table","message":"hello"}', None),
    ("rosey.db.user.left", '{"username":"table"}', None),
    ("rosey.db.stats.user_count", '{"chat_count":1,"connected_count":2}', None),
    ("rosey.db.stats.high_water", '{"chat_count":1,"connected_count":2}', None),
    ("rosey.db.status.update", '{"status_data":{"bot_name":"r","not_a_column":1}}', None),
    ("rosey.db.messages.outbound.mark_sent", '{"message_id":1}', None),
    ("rosey.db.messages.outbound.mark_failed",
     '{"message_id":1,"error":"x","is_permanent":false}', None),
    ("rosey.db.action.pm_command",
     '{"timestamp":1,"username":"table","command":"c","args":"","result":"success","error":null}',
     None),
    ("rosey.db.message.log", "{not json", None),
    ("rosey.db.query.user_stats", '{"username":"table"}', "_INBOX.table.1"),
    ("rosey.db.query.channel_stats", "{}", "_INBOX.table.2"),
    ("rosey.db.stats.recent_chat.get", '{"limit":-1}', "_INBOX.table.3"),
    ("rosey.db.messages.outbound.get", '{"limit":20,"max_retries":3}', "_INBOX.table.4"),
    ("rosey.db.query.no_such_thing", "{}", "_INBOX.table.5"),
]


def parse_families(text):
    """[(name, type, help, [label names in first-seen order])] in exposition order."""
    families, by_name = [], {}
    for line in text.splitlines():
        m = re.match(r"# (HELP|TYPE) (\S+) ?(.*)", line)
        if m:
            kind, name, rest = m.groups()
            if name not in by_name:
                by_name[name] = {"name": name, "type": "", "help": "", "labels": []}
                families.append(by_name[name])
            by_name[name]["type" if kind == "TYPE" else "help"] = rest
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
        if not m:
            continue
        sample, labels = m.groups()
        family = by_name.get(sample) or next(
            (by_name[sample[: -len(s)]] for s in ("_bucket", "_sum", "_count")
             if sample.endswith(s) and sample[: -len(s)] in by_name), None)
        if family is None:
            continue
        for label in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', labels or ""):
            if label not in SHAPE_LABELS and label not in family["labels"]:
                family["labels"].append(label)
        family["sampled"] = True
    return families


def live_families(roseyd, nats_server, expected=()):
    """The served families once every one has a sample, the bench status is out and each
    name in `expected` is served (a labelled family appears only with its first count, a
    moment after the traffic that causes it); after a grace period, whatever is served."""
    tmp = tempfile.mkdtemp(prefix="readme-metrics-")
    procs = []
    try:
        nats_port, metrics_port = free_ports(2)
        procs.append(subprocess.Popen(
            [nats_server, "-a", "127.0.0.1", "-p", str(nats_port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        suite = os.path.join(tmp, "scenarios.yaml")
        with open(suite, "w") as f:
            f.write(TINY_SUITE)
        log = open(os.path.join(tmp, "roseyd.log"), "w")
        procs.append(subprocess.Popen(
            [roseyd, "run", "--nats-url", f"nats://127.0.0.1:{nats_port}", "--data-dir", tmp,
             "--metrics-listen", f"127.0.0.1:{metrics_port}",
             "--set", "bench.run_at_start=quick", "--set", f"bench.scenarios_file={suite}"],
            stdout=log, stderr=subprocess.STDOUT, cwd=tmp))
        deadline = time.monotonic() + 60
        sent = False
        complete_at = None
        while time.monotonic() < deadline:
            if procs[-1].poll() is not None:
                sys.exit("roseyd exited early:\n" + open(log.name).read()[-3000:])
            try:
                text = scrape(metrics_port)
            except OSError:
                time.sleep(0.2)
                continue
            # /metrics answers before roseyd subscribes; core NATS drops what
            # is published before that, and its families would never show.
            if not sent and ready(metrics_port):
                publish(nats_port, TRAFFIC)
                sent = True
            families = parse_families(text)
            if sent and all(f.get("sampled") for f in families) and \
                    "roseyd_bench_status{" in text:
                served = {f["name"] for f in families}
                if complete_at is None:
                    complete_at = time.monotonic()
                if all(name in served for name in expected) or \
                        time.monotonic() - complete_at > EXPECTED_GRACE_S:
                    return families
            time.sleep(0.2)
        missing = [f["name"] for f in parse_families(text) if not f.get("sampled")]
        sys.exit(f"timed out waiting for a sample of every family; none for: {missing}")
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def split_table(lines):
    start = lines.index(SECTION)
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("| metric |"))
    end = first
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return first, end


def parse_row(line):
    """(name, type, [labels], meaning) of one docs/METRICS.md row."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) != 4:
        sys.exit(f"docs/METRICS.md metrics row without four cells: {line!r}")
    names = re.findall(r"`([^`]+)`", cells[0])
    if len(names) != 1:
        sys.exit(f"docs/METRICS.md metrics row must name one metric: {line!r}")
    labels = [l.strip() for l in cells[2].split(",") if l.strip()]
    return names[0], cells[1], labels, cells[3]


def row(name, type_, labels, meaning):
    return f"| `{name}` | {type_} | {', '.join(labels)} | {meaning} |"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("roseyd")
    parser.add_argument("--nats-server", default=shutil.which("nats-server") or "nats-server")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", metavar="docs/METRICS.md")
    mode.add_argument("--check", metavar="docs/METRICS.md")
    args = parser.parse_args(argv[1:])
    path = args.write or args.check
    documented = {}
    if path:
        lines = open(path, encoding="utf-8").read().split("\n")
        first, end = split_table(lines)
        for line in lines[first + 2:end]:
            name, type_, labels, meaning = parse_row(line)
            documented[name] = (type_, labels, meaning)
    live = live_families(os.path.abspath(args.roseyd), args.nats_server, documented)
    if not path:
        print("\n".join(HEADER + [row(f["name"], f["type"], sorted(f["labels"]), f["help"])
                                  for f in live]))
        return 0
    if args.write:
        by_name = {f["name"]: f for f in live}
        # The order first (it groups related metrics), then new ones.
        order = [n for n in documented if n in by_name]
        order += [f["name"] for f in live if f["name"] not in documented]
        rows = []
        for name in order:
            f = by_name[name]
            _, labels, meaning = documented.get(name, ("", [], f["help"]))
            ordered = [l for l in labels if l in f["labels"]]
            ordered += sorted(l for l in f["labels"] if l not in ordered)
            rows.append(row(name, f["type"], ordered, meaning))
        lines[first:end] = HEADER + rows
        open(path, "w", encoding="utf-8").write("\n".join(lines))
        return 0
    problems = []
    live_names = {f["name"] for f in live}
    for f in live:
        if f["name"] not in documented:
            problems.append(f"{f['name']} ({f['type']}) is served but not in docs/METRICS.md")
            continue
        type_, labels, _ = documented[f["name"]]
        if type_ != f["type"]:
            problems.append(f"{f['name']}: docs/METRICS.md says {type_!r}, /metrics says {f['type']!r}")
        if sorted(labels) != sorted(f["labels"]):
            problems.append(f"{f['name']}: docs/METRICS.md labels {labels}, /metrics labels {f['labels']}")
    for name in documented:
        if name not in live_names:
            problems.append(f"{name} is in the docs/METRICS.md but not served")
    if problems:
        print("docs/METRICS.md metrics table is stale (scripts/metrics_table.py ROSEYD "
              "--write docs/METRICS.md rebuilds it):\n  " + "\n  ".join(problems))
        return 1
    print(f"docs/METRICS.md metrics table matches /metrics ({len(live)} metrics)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
