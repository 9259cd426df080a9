#!/bin/bash
# A profile-guided build of rfo: the release profile, laid out and inlined
# by what a training run did (issue 16; docs/performance.md, "Session 23").
#
#   benches/pgo.sh OUT_BIN
#
# Trains on data the benchmarks never read: a 20 MB bundle and a 5 MB
# flapping storm from ../shared/bench's generators with their own seeds
# (the New Year window, not the bench bundle's DST one), every fixture,
# and `parse` of every corpus directory. The same source, the same tests:
# only the machine code's layout and inlining differ, so output is
# byte-identical (benches/ident.sh shows it). Needs the `llvm-tools`
# component (rustup component add llvm-tools) for llvm-profdata; about
# three release builds' time on two cores.
set -euo pipefail
OUT=${1:?usage: benches/pgo.sh OUT_BIN}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
WORK=${PGO_WORK:-${TMPDIR:-/tmp}/rfo-pgo}
PROFDATA=$(find "$(rustc --print sysroot)" -name llvm-profdata -type f | head -1)
[ -x "$PROFDATA" ] || { echo "no llvm-profdata: rustup component add llvm-tools" >&2; exit 2; }
rm -rf "$WORK/profiles"; mkdir -p "$WORK/profiles" "$WORK/train"
cd "$ROOT"

# 1. An instrumented build.
RUSTFLAGS="-Cprofile-generate=$WORK/profiles" CARGO_TARGET_DIR="$WORK/gen" \
  cargo build --release --quiet
BIN=$WORK/gen/release/rfo

# 2. Training data of its own.
[ -d "$WORK/train/bundle" ] || python3 "$SHARED/bench/gen_bundle.py" \
  --size-mb 20 --seed train-7 --cross-year --out "$WORK/train/bundle" > /dev/null
[ -d "$WORK/train/flap" ] || python3 "$SHARED/bench/gen_nagios_flap.py" \
  --size-mb 5 --seed 3 --out "$WORK/train/flap" > /dev/null

# 3. Training runs: what users run, on one thread and on two.
for t in 1 2; do
  for b in "$WORK/train/bundle" "$WORK/train/flap"; do
    RAYON_NUM_THREADS=$t "$BIN" analyze "$b" --format json > /dev/null
    RAYON_NUM_THREADS=$t "$BIN" analyze "$b" > /dev/null
  done
done
"$BIN" windows "$WORK/train/bundle" --format json > /dev/null
"$BIN" timeline "$WORK/train/bundle" --format jsonl > /dev/null
"$BIN" check fixtures > /dev/null || true
for d in fixtures/*/; do
  "$BIN" analyze "$d" --format html > /dev/null 2>&1 || true
done
if [ -d "$SHARED/corpora" ]; then
  find "$SHARED/corpora" -mindepth 1 -type d | sort | while read -r d; do
    "$BIN" parse "$d" > /dev/null 2>&1 || true
  done
fi

# 4. The profile, and the build that uses it.
"$PROFDATA" merge -o "$WORK/rfo.profdata" "$WORK/profiles"
RUSTFLAGS="-Cprofile-use=$WORK/rfo.profdata" CARGO_TARGET_DIR="$WORK/use" \
  cargo build --release --quiet
cp "$WORK/use/release/rfo" "$OUT"
echo "$OUT"
