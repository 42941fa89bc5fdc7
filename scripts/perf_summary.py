#!/usr/bin/env python3
"""Summarises `perf script` output for one command (default: roseyd).

Reads `perf script -F comm,tid,ip,sym,dso` on stdin and prints, as shares of
that command's samples:
  - the top symbols by self time, each with the group it belongs to;
  - the groups: cnats, JSON decode (simdjson), SQLite, roseyd, C/C++ runtime,
    kernel (split by the system call the sample was in, or "no syscall");
  - the kernel time by system call;
  - each thread's share and role (cnats reader, delivery, GC; the writer);
  - with DWARF call graphs (perf record --call-graph dwarf), the time by what
    the code was doing, counting a sample's whole stack, kernel time included.
Used by scripts/cpu_profile.sh; see docs/CPU_OVERHEAD_ANALYSIS.md.
"""

import argparse
import collections
import re
import sys

FRAME = re.compile(r"^\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


def group_of(dso, sym):
    if dso == "[kernel.kallsyms]":
        return "kernel"
    if "libnats" in dso:
        return "cnats"
    if "simdjson" in dso:
        return "JSON decode (simdjson)"
    if "libsqlite3" in dso:
        return "SQLite"
    if dso.endswith("/roseyd") or dso == "roseyd":
        return "roseyd"
    if "prometheus" in dso or "civetweb" in dso:
        return "metrics (prometheus-cpp)"
    return "C/C++ runtime (libc, libstdc++)"


def samples(stream):
    """Yields (comm, tid, frames) with frames as [(sym, dso)], leaf first."""
    comm, tid, frames = None, None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None:
                yield comm, tid, frames
            comm, tid, frames = None, None, []
            continue
        if not line.startswith((" ", "\t")):
            parts = line.split()
            comm, tid, frames = " ".join(parts[:-1]), parts[-1], []
            continue
        m = FRAME.match(line)
        if m:
            sym, dso = m.group(2), m.group(3).rsplit("/", 1)[-1]
            frames.append((re.sub(r"\+0x[0-9a-f]+$", "", sym), dso))
    if comm is not None:
        yield comm, tid, frames


# Thread roles, from a symbol seen on any of the thread's stacks; first match wins.
ROLES = [
    ("natsSock_Read", "cnats reader"),
    ("natsSub_deliverMsgs", "cnats delivery (runs roseyd's handler)"),
    ("EventWriter::Impl::Run", "roseyd writer"),
    ("natsMsg_free", "cnats GC"),
    ("natsCondition_Wait", "cnats GC"),  # the other cnats threads are all but idle
]

# What a sample was doing, from the symbols on its stack (or its thread's
# role); first match wins.
PURPOSES = [
    ("natsGC_collect", "cnats: natsMsg_Destroy hands the message to the GC thread (wakes it)"),
    ("natsSock_Read", "cnats: socket read (recv)"),
    ("natsConn_processMsg", "cnats: parse, queue, wake the delivery thread"),
    ("natsParser_Parse", "cnats: parse, queue, wake the delivery thread"),
    ("EventQueue::WaitFor", "writer: waiting for / woken by events"),
    ("sqlite3WalFrames", "SQLite: WAL append at commit (pwrite)"),
    ("sqlite3WalCheckpoint", "SQLite: WAL checkpoint (pwrite, fdatasync)"),
    ("sqlite3", "SQLite: statements, B-tree, pager"),
    ("simdjson", "roseyd: JSON decode (simdjson) and validation"),
    ("DecodeEvent", "roseyd: JSON decode (simdjson) and validation"),
    ("EventWriter::Submit", "roseyd: hand-off to the writer (EventQueue)"),
    ("roseyd::", "roseyd: other (handler, writer batching)"),
    ("natsSub_deliverMsgs", "cnats: delivery thread waiting / woken"),
]


def syscall_of(frames):
    for sym, dso in frames:
        if dso == "[kernel.kallsyms]" and sym.startswith(("__x64_sys_", "__do_sys_")):
            return sym.replace("__x64_sys_", "").replace("__do_sys_", "")
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comm", default="roseyd")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()

    total = 0
    by_sym = collections.Counter()
    by_group = collections.Counter()
    by_syscall = collections.Counter()
    by_tid = collections.Counter()
    tid_user = collections.defaultdict(collections.Counter)
    tid_syms = collections.defaultdict(set)
    tid_purpose = collections.defaultdict(collections.Counter)
    deep = 0  # samples with user-space callers beyond the leaf
    for comm, tid, frames in samples(sys.stdin):
        if comm != args.comm or not frames:
            continue
        total += 1
        sym, dso = frames[0]
        group = group_of(dso, sym)
        by_sym[(sym, dso, group)] += 1
        if group == "kernel":
            call = syscall_of(frames)
            by_syscall[call or "(no syscall: interrupts, faults, preemption)"] += 1
        by_group[group] += 1
        by_tid[tid] += 1
        user = next(((s, d) for s, d in frames if d != "[kernel.kallsyms]" and s != "[unknown]"), None)
        if user:
            tid_user[tid][f"{user[0]} ({group_of(user[1], user[0])})"] += 1
        syms = [s for s, _ in frames]
        if sum(1 for _, d in frames if d != "[kernel.kallsyms]") > 3:
            deep += 1
        tid_syms[tid].update(syms)
        tid_purpose[tid][next((p for key, p in PURPOSES if any(key in x for x in syms)), None)] += 1
    if total == 0:
        sys.exit(f"no samples for command {args.comm!r}")
    tid_role = {}
    for tid, syms in tid_syms.items():
        tid_role[tid] = next((r for key, r in ROLES if any(key in x for x in syms)), "?")

    pct = lambda n: f"{100.0 * n / total:5.1f} %"
    print(f"{total} samples of {args.comm}; shares of its CPU time\n")
    print(f"top {args.top} symbols by self time:")
    for (sym, dso, group), n in by_sym.most_common(args.top):
        print(f"  {pct(n)}  {sym:<44} {dso:<24} {group}")
    print("\nby group:")
    for group, n in by_group.most_common():
        print(f"  {pct(n)}  {group}")
    print("\nkernel time by system call (including time switched out and back in):")
    for call, n in by_syscall.most_common(8):
        print(f"  {pct(n)}  {call}")
    print("\nby thread (role; busiest user-space symbols on its stacks):")
    for tid, n in by_tid.most_common(6):
        top = ", ".join(f"{s} {100.0 * c / n:.0f}%" for s, c in tid_user[tid].most_common(3))
        print(f"  {pct(n)}  tid {tid} ({tid_role.get(tid, '?')}): {top}")
    if deep < total / 2:
        print("\n(no breakdown by purpose: record with --call-graph dwarf for whole stacks)")
        return
    by_purpose = collections.Counter()
    for tid, counts in tid_purpose.items():
        for purpose, n in counts.items():
            if purpose is None:
                role = tid_role.get(tid, "other thread")
                purpose = f"{role}: other" if role != "cnats GC" else \
                    "cnats: GC thread (woken, frees messages)"
            by_purpose[purpose] += n
    print("\nby what the code was doing (whole stack, kernel time included):")
    for purpose, n in by_purpose.most_common():
        print(f"  {pct(n)}  {purpose}")


if __name__ == "__main__":
    main()
