#!/usr/bin/env python3
"""Two threads against one, and against what two cores give at all.

Issue 16 asks that `rfo analyze` on two threads run 1.8x or more as fast
as on one. How fast two threads can be is a property of the machine as
well as of rfo: on a virtual machine whose two cores share a physical one,
or a busy host, even two independent programs do not run twice as fast
as one. This times, in alternating rounds (one warm-up run each first):

  one   rfo on one thread (RAYON_NUM_THREADS=1);
  pair  two such one-thread runs at once, as two processes: the machine's
        own ceiling for two threads of this very work (nothing shared, no
        serial part, no imbalance);
  two   rfo on two threads (RAYON_NUM_THREADS=2).

and prints each median, `two / one` (the issue's ratio), the ceiling
`2 * one / pair`, and the share of the ceiling rfo reaches. A share near
1 says what is left is the machine's; well under 1, rfo's (a serial part,
an idle thread).

    benches/ceiling.py 31 target/release/rfo /tmp/b100
    benches/ceiling.py 31 target/release/rfo /tmp/b100 --format md

Arguments after the bundle replace the default `--format json`: the
default Markdown report, for one, adds the template's render to the
serial part after the parse.
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rounds import median_interval  # noqa: E402


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rounds, rfo, bundle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    cmd = [rfo, "analyze", bundle] + (sys.argv[4:] or ["--format", "json"])

    def env(threads):
        e = dict(os.environ)
        e["RAYON_NUM_THREADS"] = str(threads)
        return e

    def run(copies, threads):
        t = time.perf_counter()
        procs = [
            subprocess.Popen(cmd, env=env(threads), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
            for _ in range(copies)
        ]
        for p in procs:
            if p.wait() != 0:
                sys.exit(f"{' '.join(cmd)} failed")
        return time.perf_counter() - t

    kinds = {"one": (1, 1), "pair": (2, 1), "two": (1, 2)}
    for copies, threads in kinds.values():
        run(copies, threads)
    times = {k: [] for k in kinds}
    for _ in range(rounds):
        for k, (copies, threads) in kinds.items():
            times[k].append(run(copies, threads))
    paired = {
        "two threads / one": [o / t for o, t in zip(times["one"], times["two"])],
        "ceiling (2 one / pair)": [2 * o / p for o, p in zip(times["one"], times["pair"])],
        "share of the ceiling": [p / (2 * t) for p, t in zip(times["pair"], times["two"])],
    }
    med = {}
    for k, v in times.items():
        v = sorted(v)
        med[k] = statistics.median(v)
        q1, q3 = v[len(v) // 4], v[3 * len(v) // 4]
        print(f"{k:5s} median {med[k] * 1000:7.1f} ms  q1 {q1 * 1000:7.1f}  q3 {q3 * 1000:7.1f}")
    ratio = med["one"] / med["two"]
    ceiling = 2 * med["one"] / med["pair"]
    print(f"two threads / one   {ratio:.2f}x")
    print(f"ceiling (2 one / pair) {ceiling:.2f}x")
    print(f"share of the ceiling {ratio / ceiling:.2f}")
    # The same, round by round (rounds.py's paired ratios): a slow stretch
    # of the host that spans a round touches all three of its timings.
    for label, r in paired.items():
        r.sort()
        lo, hi = median_interval(len(r))
        print(f"paired: {label} median {statistics.median(r):.3f}"
              f"  95 % interval {r[lo]:.3f} to {r[hi]:.3f}")


if __name__ == "__main__":
    main()
