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
empty), or NAME::ENV::COMMAND::BYTES with the bytes the command reads.
Output goes to /dev/null. Besides wall time, each line gives the
median of the child's user + system CPU time, steadier than wall time on
a shared machine ("Session 24"), and the CPU time's minimum and tenth
percentile: on a host whose other guests take its cores away (steal
time in /proc/stat), the median moves with them from round to round and
the least disturbed runs estimate the program's own cost ("Session 27").

Then, for every command after the first, its speed against the first's
round by round: the first's CPU time over its own, times its bytes over
the first's when both give BYTES (a ratio of MB/s), and the median of
those per-round ratios with a distribution-free 95 % interval for it
(order statistics of the binomial, no resampling, so the same times
give the same interval). A slow stretch of a shared host that spans a
round slows both runs of it: the paired ratio keeps what the two
commands' own medians lose to it ("Session 30").
"""
import math
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
    sizes = {}
    for arg in sys.argv[2:]:
        parts = arg.split("::")
        if len(parts) not in (3, 4):
            sys.exit(f"{arg}: want NAME::ENV::COMMAND or NAME::ENV::COMMAND::BYTES")
        name, env, cmd = parts[:3]
        e = dict(os.environ)
        for kv in env.split():
            k, v = kv.split("=", 1)
            e[k] = v
        specs.append((name, e, shlex.split(cmd)))
        sizes[name] = int(parts[3]) if len(parts) == 4 else None

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
    ref = specs[0][0]
    for name, _, _ in specs[1:]:
        scale, unit = 1.0, "CPU time"
        if sizes[ref] and sizes[name]:
            scale, unit = sizes[name] / sizes[ref], "MB/s"
        r = sorted(scale * a / b for a, b in zip(cpus[ref], cpus[name]))
        lo, hi = median_interval(len(r))
        print(f"{name} / {ref} by {unit}, paired by round: median {statistics.median(r):.3f}x"
              f"  95 % interval {r[lo]:.3f}x to {r[hi]:.3f}x"
              f"  min {r[0]:.3f}x  max {r[-1]:.3f}x")


def median_interval(n: int) -> tuple[int, int]:
    """0-based ranks (lo, hi) of sorted values between which the median
    lies with at least 95 % confidence, from the binomial: the number of
    values under the median is Binomial(n, 1/2). Under six values none
    reaches 95 %: the whole range."""
    tail, k = 0.0, 0
    while True:
        p = math.comb(n, k) / 2**n
        if tail + p > 0.025:
            break
        tail += p
        k += 1
    # P(fewer than k values under the median) <= 2.5 %: the k-th smallest
    # (rank k - 1) and, by symmetry, the k-th largest bound it.
    return max(k - 1, 0), min(n - k, n - 1)


if __name__ == "__main__":
    main()
