#!/bin/bash
# Fingerprint what a build of rfo prints, to show a change leaves output
# byte-identical (issue 16's "unchanged results"). For each run: exit
# code, md5 of stdout, md5 of stderr, one file per run in OUTDIR.
#
#   benches/ident.sh BASE_BIN /tmp/id.base
#   benches/ident.sh NEW_BIN  /tmp/id.new
#   diff -r /tmp/id.base /tmp/id.new && echo identical
#
# Covers every fixture (analyze in Markdown, JSON, HTML and --redact;
# windows and timeline, text and JSON; lint of its expected and published
# reports), `check fixtures`, parse and analyze of every corpus directory,
# and, for each bundle in BUNDLES (default: the bench bundle and the 25 MB
# storm under /tmp/d, made with ../shared/bench's generators), analyze in
# three forms, windows, timeline and a lint. Session 18: 686 runs.
set -u
B=$1; O=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
F=${FIXTURES:-$ROOT/fixtures}
C=${CORPORA:-$ROOT/../shared/corpora}
BUNDLES=${BUNDLES:-/tmp/d/b100 /tmp/d/flap25}
REPORT=${TMPDIR:-/tmp}/rfo-ident-report.md
rm -rf "$O"; mkdir -p "$O"
run() {
  local name=$1; shift
  "$@" > "$O/out" 2> "$O/err"
  echo "$? $(md5sum < "$O/out" | cut -c1-32) $(md5sum < "$O/err" | cut -c1-32)" > "$O/$name"
}
for d in "$F"/*/; do
  d=${d%/}; f=$(basename "$d"); [ -f "$d/bundle.toml" ] || continue
  run "$f.md" "$B" analyze "$d"
  run "$f.json" "$B" analyze "$d" --format json
  run "$f.html" "$B" analyze "$d" --format html
  run "$f.redact" "$B" analyze "$d" --redact
  run "$f.win" "$B" windows "$d"
  run "$f.winj" "$B" windows "$d" --format json
  run "$f.tl" "$B" timeline "$d"
  run "$f.tlj" "$B" timeline "$d" --format jsonl
  for r in "$d/expected/report.md" "$d/published-rfo.md"; do
    [ -f "$r" ] && run "$f.lint.$(basename "$r")" "$B" lint --bundle "$d" "$r"
  done
done
run check "$B" check "$F"
while read -r d; do
  n=$(echo "${d#"$C"}" | tr / _)
  run "c$n.parse" "$B" parse "$d"
  run "c$n.an" "$B" analyze "$d" --format json
done < <(find "$C" -type d | sort)
for b in $BUNDLES; do
  n=$(basename "$b")
  run "$n.json" "$B" analyze "$b" --format json
  run "$n.md" "$B" analyze "$b"
  run "$n.redact" "$B" analyze "$b" --redact
  run "$n.winj" "$B" windows "$b" --format json
  run "$n.tlj" "$B" timeline "$b" --format jsonl
  # The same report path for every build: lint names it.
  "$B" analyze "$b" > "$REPORT" 2>/dev/null
  run "$n.lint" "$B" lint --bundle "$b" "$REPORT"
done
rm -f "$O/out" "$O/err" "$REPORT"
ls "$O" | wc -l
