#!/usr/bin/env python3
"""Posts a benchmark comparison as a pull request comment, or updates the one
it posted before (found by the marker scripts/bench_compare.py writes).

Usage: bench_pr_comment.py COMPARISON.md
Environment (set by GitHub Actions): GITHUB_TOKEN, GITHUB_REPOSITORY,
GITHUB_EVENT_PATH (the pull request's number), GITHUB_API_URL. Exits 0 even
when it cannot comment (a fork's token may not write): informational.
"""

import json
import os
import sys
import urllib.error
import urllib.request

MARKER = "<!-- roseyd-bench-comparison -->"


def call(method, url, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
        "Content-Type": "application/json", "User-Agent": "roseyd-bench"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        body = f.read()
    if MARKER not in body:
        body = MARKER + "\n" + body
    token = os.environ.get("GITHUB_TOKEN", "")
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    try:
        with open(os.environ.get("GITHUB_EVENT_PATH", ""), encoding="utf-8") as f:
            number = json.load(f)["pull_request"]["number"]
    except (OSError, ValueError, KeyError, TypeError):
        print("bench_pr_comment: not a pull request event: no comment")
        return
    if not token or not repo:
        print("bench_pr_comment: no GITHUB_TOKEN or GITHUB_REPOSITORY: no comment")
        return
    issue = f"{api}/repos/{repo}/issues/{number}/comments"
    try:
        mine = None
        page = 1
        while mine is None:
            comments = call("GET", f"{issue}?per_page=100&page={page}", token)
            if not comments:
                break
            mine = next((c for c in comments if MARKER in (c.get("body") or "")), None)
            page += 1
        if mine:
            call("PATCH", f"{api}/repos/{repo}/issues/comments/{mine['id']}", token, {"body": body})
            print(f"bench_pr_comment: updated comment {mine['id']} on #{number}")
        else:
            made = call("POST", issue, token, {"body": body})
            print(f"bench_pr_comment: commented on #{number} ({made.get('id')})")
    except (urllib.error.URLError, OSError, ValueError) as e:
        print(f"bench_pr_comment: could not comment on #{number}: {e} (informational; not a failure)")


if __name__ == "__main__":
    main()
