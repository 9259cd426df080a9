#!/usr/bin/env python3
"""Extract a large bundle in parallel on Dask distributed, analyze once.

Each Dask task runs `rfo extract BUNDLE --part K/N --out OUT` on a worker:
the part's sources are parsed where the logs are (shared storage) and
written as Parquet events files with JSON sidecars into OUT. When every
part is done, one `rfo analyze --events OUT` on the client merges the
small event sets and writes the analysis, byte for byte what
`rfo analyze BUNDLE` writes (docs/events.md).

    python3 extract_analyze.py BUNDLE --out /shared/events --parts 16 \
        [--scheduler tcp://scheduler:8786] [--rfo /path/to/rfo] \
        [-- --format json]

Without --scheduler a LocalCluster of --workers processes (default 2) is
started. The rfo binary must be on every worker's PATH, or named with
--rfo at the same path everywhere. Arguments after `--` go to
`rfo analyze`; the analysis goes to stdout.
"""

import argparse
import os
import subprocess
import sys


def extract_part(rfo, bundle, out, k, n, extra):
    """One task: extract part k of n. Returns the sidecars it wrote."""
    cmd = [rfo, "extract", bundle, "--part", f"{k}/{n}", "--out", out, "-q"]
    cmd += extra
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)}: exit {done.returncode}: "
            + done.stderr.decode(errors="replace").strip()
        )
    return k


def client_for(args):
    """A client of the cluster named, or of a local one."""
    from dask.distributed import Client, LocalCluster

    if args.scheduler:
        return Client(args.scheduler), None
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster), cluster


def main(argv):
    if "--" in argv:
        cut = argv.index("--")
        argv, analyze_args = argv[:cut], argv[cut + 1:]
    else:
        analyze_args = []
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundle", help="bundle directory on storage every worker sees")
    p.add_argument("--out", required=True, help="events directory (shared storage)")
    p.add_argument("--parts", type=int, default=16, help="tasks (default 16)")
    p.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--rfo", default="rfo", help="rfo binary (default: rfo on PATH)")
    p.add_argument("--all", action="store_true", help="extract every line (for rfo timeline)")
    args = p.parse_args(argv)
    if args.parts < 1:
        p.error("--parts must be at least 1")
    bundle, out = os.path.abspath(args.bundle), os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    # Events of an earlier run (another N) would be refused at the merge.
    if any(n.endswith((".events.json", ".events.parquet")) for n in os.listdir(out)):
        p.error(f"{out} already holds events files: remove them or choose another --out")
    extra = ["--all"] if args.all else []
    client, cluster = client_for(args)
    try:
        futures = client.map(
            extract_part,
            [args.rfo] * args.parts,
            [bundle] * args.parts,
            [out] * args.parts,
            range(1, args.parts + 1),
            [args.parts] * args.parts,
            [extra] * args.parts,
            pure=False,
        )
        client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    done = subprocess.run(
        [args.rfo, "analyze", "--events", out] + analyze_args, capture_output=True
    )
    sys.stderr.buffer.write(done.stderr)
    sys.stdout.buffer.write(done.stdout)
    sys.stdout.buffer.flush()
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
