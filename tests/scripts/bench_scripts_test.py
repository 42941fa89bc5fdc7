#!/usr/bin/env python3
"""The benchmark workflow's scripts, run as CI runs them, against local
stand-ins: a bare git repository for the remote, a loopback HTTP server for
the GitHub API, a fake roseyd. Also checks the workflow file itself."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import xml.dom.minidom

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(ROOT, "scripts")


def report(burst=100000.0, p99=0.5, status="PASS", started="2026-12-01T10:00:00Z"):
    def fig(metric, value, target=None, comparison="at_most"):
        return {"metric": metric, "value": value, "target": target, "comparison": comparison,
                "verdict": status if target is not None else "NOT RUN", "headroom": 1}
    return {
        "suite": "quick", "started_utc": started, "duration_s": 100,
        "environment": {"roseyd_version": "0.9", "roseyd_revision": "abc", "cores": 2,
                        "cpu_model": "Test CPU"},
        "scenarios": [
            {"name": "burst", "status": status, "note": "",
             "figures": [fig("persisted_per_second", burst), fig("cpu_us_per_event", 7.0),
                         fig("all_persisted_s", 2000 / burst, 1)]},
            {"name": "request_reply_latency", "status": status, "note": "",
             "figures": [fig("p50_latency_ms", 0.3), fig("p99_latency_ms", p99, 10)]},
            {"name": "cpu_overhead", "status": "NOT RUN", "note": "could not run: test", "figures": []},
        ]}


def write(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_marks_regressions_shows_the_baseline_and_the_trend(self):
        os.makedirs(self.path("history"))
        for i, burst in enumerate([90000, 95000, 80000]):
            write(self.path(f"history/2026-11-2{i}T03-00-00Z-abc.json"), report(burst=burst))
        write(self.path("base.json"), report(burst=80000, p99=0.5))
        write(self.path("now.json"), report(burst=100000, p99=0.8))
        summary = self.path("summary.md")
        with open(summary, "w") as f:
            f.write("earlier step\n")
        r = run([sys.executable, os.path.join(SCRIPTS, "bench_compare.py"), self.path("now.json"),
                 "--baseline", self.path("base.json"), "--history", self.path("history"),
                 "--markdown", self.path("out.md"), "--summary", summary,
                 "--trend-svg", self.path("trend.svg")])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("out.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("<!-- roseyd-bench-comparison -->", md)
        self.assertIn("Compared against the last kept run (another machine, another time: "
                      "for the trend only): 2026-12-01T10:00:00Z", md)
        self.assertIn("| burst: persisted ev/s | 100,000 | 80,000 | +25.0 % |", md)
        self.assertIn("| request round trip p99 (ms) | 0.8 | 0.5 | +60.0 % ⚠ |", md)
        self.assertIn("| request_reply_latency | PASS | p99_latency_ms | <= 10 | 0.8 | 0.5 | +60.0 % ⚠ |", md)
        self.assertIn("1 judged figure(s) worse than the last kept run by more than 10 %", md)
        # Too few kept runs for a change point (change_points_test.py tests them).
        self.assertIn("### Change points over the kept runs", md)
        self.assertIn("none found in 3 runs (too few to show one", md)
        self.assertIn("- cpu_overhead: could not run: test", md)
        self.assertIn("never blocks a merge", md)
        # The trend over the three kept runs and this one: lowest, then highest last.
        line = next(l for l in md.splitlines() if l.startswith("| burst: persisted"))
        self.assertTrue(line.rstrip(" |").endswith("▄▆▁█"), line)
        with open(summary, encoding="utf-8") as f:
            self.assertEqual(f.read(), "earlier step\n" + md)
        svg = xml.dom.minidom.parse(self.path("trend.svg"))
        # A panel per key figure; a line in those these reports measure (4 of 15).
        self.assertEqual(len(svg.getElementsByTagName("polyline")), 4)
        self.assertEqual(svg.getElementsByTagName("text")[0].firstChild.data,
                         "roseyd benchmarks on main: 3 kept runs and this one")

    def test_without_a_baseline_or_results_it_still_says_something(self):
        write(self.path("now.json"), report())
        r = run([sys.executable, os.path.join(SCRIPTS, "bench_compare.py"), self.path("now.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No run on main to compare with yet", r.stdout)
        r = run([sys.executable, os.path.join(SCRIPTS, "bench_compare.py"), self.path("missing.json")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("No results", r.stdout)


class HistoryTest(unittest.TestCase):
    """bench_history.sh keeps runs on a branch; bench_baseline.sh reads them back."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.repo = os.path.join(self.dir, "repo")
        self.remote = os.path.join(self.dir, "remote.git")
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
        self.env = env
        run(["git", "init", "-q", "--bare", self.remote], check=True)
        run(["git", "init", "-q", self.repo], check=True)
        shutil.copytree(SCRIPTS, os.path.join(self.repo, "scripts"))
        run(["git", "-C", self.repo, "add", "."], check=True)
        run(["git", "-C", self.repo, "commit", "-q", "-m", "code"], check=True, env=env)
        run(["git", "-C", self.repo, "remote", "add", "origin", self.remote], check=True)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def script(self, name, *args):
        return run(["bash", os.path.join(self.repo, "scripts", name), *args], env=self.env)

    def test_main_runs_are_kept_and_the_last_is_the_baseline(self):
        r = self.script("bench_baseline.sh", os.path.join(self.dir, "b0"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no baseline", r.stdout)
        for i, burst in enumerate([1000, 2000]):
            os.makedirs(os.path.join(self.dir, f"run{i}"))
            write(os.path.join(self.dir, f"run{i}", "benchmark_results.json"), report(burst=burst))
            r = self.script("bench_history.sh", os.path.join(self.dir, f"run{i}"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("kept history/", r.stdout)
            if i == 0:
                import time
                time.sleep(1.1)  # names are per second
        status = run(["git", "-C", self.repo, "status", "--porcelain"]).stdout
        self.assertEqual(status, "", "the checkout was not touched")
        log = run(["git", "-C", self.remote, "log", "--format=%s", "bench-history"]).stdout
        self.assertEqual(len(log.splitlines()), 2, log)
        dest = os.path.join(self.dir, "b1")
        r = self.script("bench_baseline.sh", dest)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("2 runs kept", r.stdout)
        self.assertEqual(len(os.listdir(os.path.join(dest, "history"))), 2)
        with open(os.path.join(dest, "benchmark_results.json")) as f:
            baseline = json.load(f)
        self.assertEqual(baseline["scenarios"][0]["figures"][0]["value"], 2000)

    def test_bench_run_records_the_exit_status_and_never_fails(self):
        fake = os.path.join(self.dir, "fake-roseyd")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho \"$@\" > \"$5.args\"\nmkdir -p \"$5\"\nexit 1\n")
        os.chmod(fake, 0o755)
        out = os.path.join(self.dir, "out")
        write(os.path.join(self.dir, "base.json"), report())
        r = run(["bash", os.path.join(self.repo, "scripts", "bench_run.sh"), out,
                 os.path.join(self.dir, "base.json")], env=dict(self.env, ROSEYD=fake))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "exit_status")) as f:
            self.assertEqual(f.read().strip(), "1")
        with open(out + ".args") as f:
            args = f.read()
        self.assertIn("bench --suite quick --out", args)
        self.assertIn("--baseline " + os.path.join(self.dir, "base.json"), args)


class CommentTest(unittest.TestCase):
    """bench_pr_comment.py posts once, then updates its own comment."""

    def test_posts_then_updates_and_never_fails(self):
        calls, comments = [], []

        class Api(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, obj):
                data = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                calls.append(("GET", self.path))
                self.reply(comments if "page=1" in self.path else [])

            def body(self):
                return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

            def do_POST(self):
                calls.append(("POST", self.path, self.headers["Authorization"]))
                comments.append({"id": 7, "body": self.body()["body"]})
                self.reply({"id": 7})

            def do_PATCH(self):
                calls.append(("PATCH", self.path))
                comments[0]["body"] = self.body()["body"]
                self.reply({"id": 7})

        server = http.server.HTTPServer(("127.0.0.1", 0), Api)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        d = tempfile.mkdtemp()
        try:
            event = os.path.join(d, "event.json")
            write(event, {"pull_request": {"number": 42}})
            md = os.path.join(d, "c.md")
            env = dict(os.environ, GITHUB_TOKEN="tok", GITHUB_REPOSITORY="o/r",
                       GITHUB_EVENT_PATH=event,
                       GITHUB_API_URL=f"http://127.0.0.1:{server.server_port}")
            for text in ("first", "second"):
                with open(md, "w") as f:
                    f.write("<!-- roseyd-bench-comparison -->\n" + text)
                r = run([sys.executable, os.path.join(SCRIPTS, "bench_pr_comment.py"), md], env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual([c[0] for c in calls], ["GET", "POST", "GET", "PATCH"])
            self.assertEqual(calls[1][1], "/repos/o/r/issues/42/comments")
            self.assertEqual(calls[1][2], "Bearer tok")
            self.assertEqual(calls[3][1], "/repos/o/r/issues/comments/7")
            self.assertTrue(comments[0]["body"].endswith("second"))
            server.shutdown()
            server.server_close()
            # The API gone (or a fork's read-only token): a message, exit 0.
            r = run([sys.executable, os.path.join(SCRIPTS, "bench_pr_comment.py"), md], env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("could not comment", r.stdout)
        finally:
            shutil.rmtree(d)


class WorkflowTest(unittest.TestCase):
    def test_triggers_steps_and_that_it_never_blocks(self):
        with open(os.path.join(ROOT, ".github", "workflows", "benchmarks.yml")) as f:
            wf = yaml.safe_load(f)
        on = wf[True]  # YAML 1.1 reads the key `on` as true
        self.assertEqual(on["pull_request"]["paths"], ["daemon/**", "config/**", "tests/**"])
        self.assertEqual(on["schedule"], [{"cron": "0 3 * * 0"}])
        self.assertIn("workflow_dispatch", on)
        # A pull request: its base and head built and compared on one runner.
        compare = wf["jobs"]["compare"]
        self.assertTrue(compare["continue-on-error"])
        self.assertEqual(compare["if"], "github.event_name == 'pull_request'")
        runs = " ".join(s.get("run", "") for s in compare["steps"])
        self.assertIn("scripts/bench_ab.sh \"${{ github.event.pull_request.base.sha }}\"", runs)
        self.assertIn("scripts/bench_pr_comment.py bench-compare/COMPARISON.md", runs)
        checkout = next(s for s in compare["steps"] if s.get("uses", "").startswith("actions/checkout"))
        self.assertEqual(checkout["with"]["fetch-depth"], 0)
        # The trend on main: the quick suite kept, change points over the kept runs.
        trend = wf["jobs"]["trend"]
        self.assertTrue(trend["continue-on-error"])
        runs = " ".join(s.get("run", "") for s in trend["steps"])
        for script in ("bench_baseline.sh", "bench_run.sh", "bench_compare.py", "bench_history.sh"):
            self.assertIn("scripts/" + script, runs)
            self.assertTrue(os.path.exists(os.path.join(SCRIPTS, script)), script)
        self.assertIn("--history bench-baseline/history", runs)
        self.assertIn("--change-points-json", runs)
        self.assertIn("$GITHUB_STEP_SUMMARY", runs)
        self.assertTrue(os.path.exists(os.path.join(SCRIPTS, "bench_ab.sh")))

if __name__ == "__main__":
    unittest.main(verbosity=2)
