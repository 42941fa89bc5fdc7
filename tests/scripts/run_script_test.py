#!/usr/bin/env python3
"""scripts/run.sh, run as a user runs it, in a copy of the tree whose
scripts/setup.sh and build/daemon/app/roseyd are stand-ins: the build's
output is shown only when it fails, and the start-up benchmark is announced
with how to turn it off unless the command line already decides."""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# A build that prints what CMake prints, then succeeds or fails.
SETUP = """#!/usr/bin/env bash
for i in $(seq 1 35); do echo "[ $i%] Built target roseyd_part$i"; done
if [ -n "${FAIL_BUILD:-}" ]; then echo "error: it broke" >&2; exit 2; fi
"""
# roseyd: prints its arguments.
ROSEYD = """#!/usr/bin/env bash
echo "roseyd called with: $*"
"""


def executable(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)


class RunScriptTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        executable(os.path.join(self.dir, "scripts", "run.sh"),
                   open(os.path.join(ROOT, "scripts", "run.sh"), encoding="utf-8").read())
        executable(os.path.join(self.dir, "scripts", "setup.sh"), SETUP)
        executable(os.path.join(self.dir, "build", "daemon", "app", "roseyd"), ROSEYD)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_sh(self, *args, **env):
        environment = {k: v for k, v in os.environ.items() if k != "ROSEYD_BENCH_RUN_AT_START"}
        environment.update(env)
        environment["TMPDIR"] = self.dir
        return subprocess.run([os.path.join(self.dir, "scripts", "run.sh"), *args],
                              capture_output=True, text=True, timeout=60, env=environment)

    def test_a_good_build_is_quiet_and_the_benchmark_is_announced(self):
        out = self.run_sh("--log-level", "debug")
        self.assertEqual(out.returncode, 0, out.stderr)
        text = out.stdout + out.stderr
        self.assertNotIn("Built target", text)
        self.assertIn("run.sh: building roseyd", text)
        self.assertIn("runs the quick benchmark suite once after start-up", text)
        self.assertIn("scripts/run.sh --set bench.run_at_start=", text)
        self.assertIn("roseyd called with: run --config config/roseyd.yaml --log-level debug",
                      out.stdout)
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith("roseyd-build.")], [])

    def test_no_announcement_when_the_command_line_or_environment_decides(self):
        for args, env in ((("--set", "bench.run_at_start="), {}),
                          ((), {"ROSEYD_BENCH_RUN_AT_START": ""})):
            out = self.run_sh(*args, **env)
            self.assertEqual(out.returncode, 0, out.stderr)
            self.assertNotIn("benchmark suite", out.stdout + out.stderr, (args, env))

    def test_a_failed_build_shows_its_output_and_stops(self):
        out = self.run_sh(FAIL_BUILD="1")
        self.assertEqual(out.returncode, 1)
        self.assertIn("[ 35%] Built target roseyd_part35", out.stderr)
        self.assertIn("error: it broke", out.stderr)
        self.assertIn("run.sh: the build failed", out.stderr)
        self.assertNotIn("roseyd called with", out.stdout)


if __name__ == "__main__":
    unittest.main()
