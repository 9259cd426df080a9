#!/usr/bin/env python3
"""A deterministic nginx access log for throughput benchmarks.

Combined format with $request_time $upstream_response_time at +0100, five
virtual hosts' worth of paths, 2% 5xx, one 20-minute 30% 5xx spike in the
middle. Python standard library only; no clock, no randomness but the seed.

    python3 benches/gen_access.py --size-mb 100 --out /tmp/access-100/access.log
"""
import argparse
import datetime as dt
import os
import random

p = argparse.ArgumentParser()
p.add_argument("--size-mb", type=float, default=100)
p.add_argument("--out", required=True)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()

rnd = random.Random(a.seed)
tz = dt.timezone(dt.timedelta(hours=1))
t = dt.datetime(2019, 5, 14, 0, 0, tzinfo=tz)
paths = ["/", "/cart", "/api/cart", "/api/items?id=", "/static/app.%d.js", "/checkout", "/login"]
agents = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:65.0) Gecko/20100101 Firefox/65.0",
    "curl/7.58.0",
]
target = int(a.size_mb * 1_000_000)
os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
written = 0
n = 0
with open(a.out, "w") as f:
    buf = []
    while written < target:
        n += 1
        t += dt.timedelta(milliseconds=rnd.randint(1, 40))
        spike = 12 * 60 <= (t.hour * 60 + t.minute) < 12 * 60 + 20
        bad = rnd.random() < (0.3 if spike else 0.02)
        status = rnd.choice([500, 502, 503, 504]) if bad else rnd.choice([200, 200, 200, 301, 304, 404])
        path = rnd.choice(paths)
        if path.endswith("="):
            path += str(rnd.randint(1, 99999))
        elif "%d" in path:
            path = path % rnd.randint(1, 50)
        rt = rnd.uniform(0.5, 3.0) if bad else rnd.uniform(0.002, 0.2)
        line = '%d.%d.%d.%d - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" %.3f %.3f\n' % (
            rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254),
            t.strftime("%d/%b/%Y:%H:%M:%S %z"), rnd.choice(["GET", "GET", "POST"]), path, status,
            rnd.randint(100, 90000), rnd.choice(agents), rt, max(rt - 0.001, 0),
        )
        buf.append(line)
        written += len(line)
        if len(buf) >= 10000:
            f.write("".join(buf))
            buf = []
    f.write("".join(buf))
print('{"lines": %d, "bytes": %d}' % (n, written))
