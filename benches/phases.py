#!/usr/bin/env python3
"""Where a run's wall time goes, phase by phase, by uprobes.

Two threads lose to one what runs on one thread alone: the start before
the parse and the work after it. Sampling profilers blur those few
milliseconds (perf at 20 kHz doubled them); a uprobe on a function's
first instruction costs a few microseconds and gives its exact time. This
puts one on each phase's entry (see NAMES), runs `rfo analyze BUNDLE
--format json` in alternating rounds for each binary, and prints each
phase's median start and duration (docs/performance.md, "Session 31").

    sudo benches/phases.py 21 2 /tmp/d/b100 target/release/rfo /tmp/rfo.old

Arguments: rounds, RAYON_NUM_THREADS, bundle, binaries. Needs perf, root
and tracefs at /sys/kernel/tracing; the probes are removed at the end.
A symbol the build inlined has no probe: its phase joins the one before.
"""
import os
import re
import statistics
import subprocess
import sys

TRACING = "/sys/kernel/tracing"
NAMES = [
    ("main", "rfo::main"),
    ("read_dir", "rfo::bundle::Bundle::read_dir"),
    ("plan", "rfo::ingest::plan::plan"),
    ("parse", "rfo::ingest::parse"),
    ("merged", "rfo::pipeline::merged"),
    ("windows", "rfo::window::windows"),
    ("write", "rfo::report::analysis_json::write"),
]


def text_segment(binary):
    """(file offset, address) of the executable segment."""
    out = subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD" and "E" in f[6:8]:
            return int(f[1], 16), int(f[2], 16)
    sys.exit(f"{binary}: no executable segment")


def define(line):
    """One probe defined or removed: a write of its own, without the seek
    to the end that Python's append mode makes (tracefs refuses it)."""
    fd = os.open(f"{TRACING}/uprobe_events", os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def add_probes(binary, group):
    offset, addr = text_segment(binary)
    syms = {}
    nm = subprocess.run(["nm", "-C", binary], capture_output=True, text=True).stdout
    for line in nm.splitlines():
        f = line.split(" ", 2)
        if len(f) == 3 and f[1] in ("t", "T") and f[2] not in syms:
            syms[f[2]] = int(f[0], 16)
    for name, sym in NAMES:
        if sym in syms:
            define(f"p:{group}/{name} {binary}:{hex(syms[sym] - addr + offset)}")


def remove_probes(groups):
    with open(f"{TRACING}/uprobe_events") as ev:
        lines = ev.read().splitlines()
    for line in lines:
        group, name = line.split()[0].split(":")[1].split("/")
        if group in groups:
            define(f"-:{group}/{name}")


def run(binary, group, threads, bundle):
    data = "/tmp/rfo-phases.data"
    env = dict(os.environ, RAYON_NUM_THREADS=threads)
    subprocess.run(
        ["perf", "record", "-q", "-e", f"{group}:*", "-e", "sched:sched_process_exec",
         "-e", "sched:sched_process_exit", "-o", data,
         binary, "analyze", bundle, "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    out = subprocess.run(["perf", "script", "-i", data, "-F", "pid,tid,time,event"],
                         capture_output=True, text=True).stdout
    seen = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)/(\d+)\s+([\d.]+):\s+(\S+):", line)
        if m:
            ev = m.group(4).split(":")[-1]
            ev = {"sched_process_exec": "exec", "sched_process_exit": "exit"}.get(ev, ev)
            # The process's exit is its main thread's, not a helper's.
            if ev == "exit" and m.group(1) != m.group(2):
                continue
            seen.setdefault(ev, float(m.group(3)))
    return {k: (v - seen["exec"]) * 1000 for k, v in seen.items()}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rounds, threads, bundle, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    groups = [f"rfophase{k}" for k in range(len(binaries))]
    try:
        for b, g in zip(binaries, groups):
            add_probes(os.path.abspath(b), g)
        times = {b: [] for b in binaries}
        for _ in range(rounds):
            for b, g in zip(binaries, groups):
                times[b].append(run(os.path.abspath(b), g, threads, bundle))
    finally:
        remove_probes(set(groups))
    order = ["exec"] + [n for n, _ in NAMES] + ["exit"]
    for b in binaries:
        print(f"{b} (RAYON_NUM_THREADS={threads}, medians of {rounds})")
        # From each phase to the next one probed (an inlined one has none).
        present = [n for n in order if all(n in t for t in times[b])]
        for a, z in zip(present, present[1:]):
            d = statistics.median(t[z] - t[a] for t in times[b])
            at = statistics.median(t[z] for t in times[b])
            print(f"  {a:>9} -> {z:<9} {d:8.2f} ms   (at {at:8.2f} ms)")

if __name__ == "__main__":
    main()
