#!/usr/bin/env python3
"""Print the bytes of the logs in ../shared/corpora, ASCII letters folded to
lower case, most frequent first: the order `grammar::keywords::sieve`'s
`COMMON` holds, by which each prefilter word's three rarest adjacent bytes
become its fingerprint.

    benches/byte_order.py ../shared/corpora 48
"""
import collections
import os
import sys


def main() -> None:
    root, keep = sys.argv[1], int(sys.argv[2])
    freq = collections.Counter()
    for base, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".md"):
                continue
            with open(os.path.join(base, name), "rb") as f:
                freq.update(f.read().lower())
    order = sorted(freq, key=lambda b: (-freq[b], b))[:keep]
    text = "".join(chr(b) if 32 <= b < 127 and b not in b'"\\' else "\\x%02x" % b for b in order)
    print(f'b"{text}"')


if __name__ == "__main__":
    main()
