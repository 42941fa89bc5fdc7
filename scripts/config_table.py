#!/usr/bin/env python3
"""The configuration table, generated from `roseyd config-keys`.

Usage: config_table.py ROSEYD [--write docs/CONFIGURATION.md | --check docs/CONFIGURATION.md]
Without an option, prints the table. --write replaces the table in docs/CONFIGURATION.md
(the block of lines starting with "| `" under "## Configuration reference");
--check exits 1, naming the first difference, if the table is stale.
"""
import re
import subprocess
import sys

LINE = re.compile(r"^(\S+) \((\S+), default '(.*)'\): (.*)$")


def table(roseyd):
    out = subprocess.run([roseyd, "config-keys"], check=True, capture_output=True, text=True).stdout
    rows = ["| key | environment variable | default | meaning |", "|---|---|---|---|"]
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            sys.exit(f"config-keys printed a line this script does not understand: {line!r}")
        key, env, default, meaning = m.groups()
        rows.append(f"| `{key}` | `{env}` | `{default}` | {meaning} |")
    return rows


def split(readme_lines):
    start = readme_lines.index("## Configuration reference")
    first = next(i for i in range(start, len(readme_lines)) if readme_lines[i].startswith("| key |"))
    end = first
    while end < len(readme_lines) and readme_lines[end].startswith("|"):
        end += 1
    return first, end


def main(argv):
    if len(argv) not in (2, 4):
        sys.exit(__doc__)
    rows = table(argv[1])
    if len(argv) == 2:
        print("\n".join(rows))
        return 0
    option, path = argv[2], argv[3]
    lines = open(path, encoding="utf-8").read().split("\n")
    first, end = split(lines)
    if option == "--write":
        lines[first:end] = rows
        open(path, "w", encoding="utf-8").write("\n".join(lines))
        return 0
    if option == "--check":
        current = lines[first:end]
        for want, have in zip(rows, current):
            if want != have:
                print(f"docs/CONFIGURATION.md config table is stale:\n  docs/CONFIGURATION.md: {have}\n  roseyd: {want}")
                return 1
        if len(rows) != len(current):
            print(f"docs/CONFIGURATION.md config table has {len(current)} lines, roseyd config-keys gives {len(rows)}")
            return 1
        print(f"docs/CONFIGURATION.md config table matches roseyd config-keys ({len(rows) - 2} keys)")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
