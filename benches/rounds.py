#!/usr/bin/env python3
"""Time commands in alternating rounds and print each one's median.

Each round runs every command once, in the order given, so a slow stretch
of a noisy machine touches them all alike; medians and quartiles, not
means, because that noise comes in episodes (docs/performance.md,
"Session 16"). One warm-up run of each first.

    benches/rounds.py 21 \
      'one::RAYON_NUM_THREADS=1::target/release/rfo analyze /tmp/b100 --format json' \
      'two::::target/release/rfo analyze /tmp/b100 --format json'

Each argument is NAME::ENV::COMMAND (ENV: space-separated K=V, may be
empty). Output goes to /dev/null. Besides wall time, each line gives the
median of the child's user + system CPU time, steadier than wall time on
a shared machine ("Session 24"), and the CPU time's minimum and tenth
percentile: on a host whose other guests take its cores away (steal
time in /proc/stat), the median moves with them from round to round and
the least disturbed runs estimate the program's own cost ("Session 27").
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    specs = []
    for arg in sys.argv[2:]:
        name, env, cmd = arg.split("::")
        e = dict(os.environ)
        for kv in env.split():
            k, v = kv.split("=", 1)
            e[k] = v
        specs.append((name, e, shlex.split(cmd)))

    def once(e, c):
        t = time.perf_counter()
        p = subprocess.Popen(c, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit(f"{c}: exit {code}")
        return wall, ru.ru_utime + ru.ru_stime

    for _, e, c in specs:
        once(e, c)
    times = {name: [] for name, _, _ in specs}
    cpus = {name: [] for name, _, _ in specs}
    for _ in range(rounds):
        for name, e, c in specs:
            wall, cpu = once(e, c)
            times[name].append(wall)
            cpus[name].append(cpu)
    for name, _, _ in specs:
        v = sorted(times[name])
        q1, q3 = v[len(v) // 4], v[3 * len(v) // 4]
        c = sorted(cpus[name])
        print(f"{name:30s} median {statistics.median(v) * 1000:7.1f} ms"
              f"  q1 {q1 * 1000:7.1f}  q3 {q3 * 1000:7.1f}"
              f"  cpu {statistics.median(c) * 1000:7.1f} ms"
              f"  cpu min {c[0] * 1000:7.1f}  p10 {c[len(c) // 10] * 1000:7.1f}")


if __name__ == "__main__":
    main()
