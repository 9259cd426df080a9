#!/usr/bin/env python3
"""How this host's two cores share work of several kinds, rfo's among them.

`ceiling.py` reads rfo's two threads against two one-thread runs at once,
the host's ceiling for rfo's own work. That ceiling moves from minute to
minute on a shared host (1.47x to 1.95x in session 32), and alone it does
not say why. This times, in alternating rounds, one run and two runs at
once (two processes) of:

  busy  a loop in registers (no memory): what the cores give;
  cat   the bundle's two largest files copied from the page cache, four
        times: the kernel's copy, as rfo's reads make it;
  mem8  an 8 MB array read again and again: a working set the two cores'
        shared cache holds for one run, not always for two;
  rfo   `rfo analyze BUNDLE --format json` on one thread;

and prints each kind's ceiling, `2 * one / pair` (2.0: the two runs do not
slow each other), as a median of per-round ratios with its quartiles. When
busy is near 2 and rfo's ceiling is not, the host's shared cache and
memory are what two threads lose, not rfo's serial part; ceiling.py's
share then says how much of what is left rfo takes.

    benches/host.py 31 target/release/rfo /tmp/d/b100

Needs gcc (the two small C programs are built in a temporary directory).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

BUSY = r"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    unsigned long n = strtoul(argv[1], 0, 10), x = 1, y = 3;
    for (unsigned long i = 0; i < n; i++) {
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        y ^= x >> 17;
    }
    printf("%lu\n", x ^ y);
    return 0;
}
"""

MEM = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    size_t n = (size_t)atoi(argv[1]) << 20;
    int reps = atoi(argv[2]);
    char *a = malloc(n);
    memset(a, 1, n);
    unsigned long s = 0;
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i += 64)
            s += a[i];
    printf("%lu\n", s);
    return 0;
}
"""


def build(tmp, name, source):
    c = os.path.join(tmp, name + ".c")
    with open(c, "w") as f:
        f.write(source)
    exe = os.path.join(tmp, name)
    subprocess.run(["gcc", "-O2", "-o", exe, c], check=True)
    return exe


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    rounds, rfo, bundle = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    files = sorted(
        (os.path.join(bundle, f) for f in os.listdir(bundle)),
        key=lambda p: os.path.getsize(p),
        reverse=True,
    )[:2]
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as tmp:
        busy, mem = build(tmp, "busy", BUSY), build(tmp, "mem", MEM)
        cat = os.path.join(tmp, "cat.sh")
        with open(cat, "w") as f:
            f.write("for i in 1 2 3 4; do cat " + " ".join(files) + " > /dev/null; done\n")
        kinds = {
            "busy": [busy, "200000000"],
            "cat": ["sh", cat],
            "mem8": [mem, "8", "1000"],
            "rfo": [rfo, "analyze", bundle, "--format", "json"],
        }

        def run(cmd, copies):
            t = time.perf_counter()
            procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL) for _ in range(copies)]
            for p in procs:
                if p.wait() != 0:
                    sys.exit(f"{' '.join(cmd)} failed")
            return time.perf_counter() - t

        for cmd in kinds.values():
            run(cmd, 1)
        times = {k: ([], []) for k in kinds}
        for _ in range(rounds):
            for k, cmd in kinds.items():
                times[k][0].append(run(cmd, 1))
                times[k][1].append(run(cmd, 2))
    for k, (one, pair) in times.items():
        r = sorted(2 * o / p for o, p in zip(one, pair))
        print(f"{k:5s} one {statistics.median(one) * 1000:7.1f} ms"
              f"  pair {statistics.median(pair) * 1000:7.1f} ms"
              f"  ceiling {statistics.median(r):.3f}"
              f"  (quartiles {r[len(r) // 4]:.3f} to {r[3 * len(r) // 4]:.3f})")


if __name__ == "__main__":
    main()
