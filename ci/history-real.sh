#!/usr/bin/env bash
# The history store on this repository's own code: a clone of HEAD gets
# COMMITS (default 12) commits on top, the stats suite is measured at each
# one with `benchgate gate --quick` and the run ingested into a fresh SQLite
# history; commit INJECT_AT (default 7) turns on a real slowdown in the
# stats crate's one-shot summary (a redundant pass over 1/DIVISOR of the
# input, kept on by every later commit: DIVISOR 4, the default, adds about
# 10 % to its time, 1 about 40 %). `benchgate history changes` must
# then name that commit, and nothing else.
#
#   ci/history-real.sh [--commits N] [--inject-at K] [--divisor D] [--out DIR]
#
# Writes DIR (default target/history-real)/changes.txt, show.txt and one run
# file per commit. Takes about 2 minutes per commit on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

commits=12
inject_at=7
divisor=4
out="$root/target/history-real"
while [ $# -gt 0 ]; do
  case "$1" in
    --commits) commits=$2; shift 2 ;;
    --inject-at) inject_at=$2; shift 2 ;;
    --divisor) divisor=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see $0 --help)" >&2; exit 2 ;;
  esac
done
case "$commits$inject_at$divisor" in *[!0-9]*) echo "error: --commits, --inject-at and --divisor take whole numbers" >&2; exit 2 ;; esac
if [ "$divisor" -lt 1 ]; then echo "error: --divisor must be at least 1" >&2; exit 2; fi
if [ "$inject_at" -lt 6 ] || [ $((commits - inject_at + 1)) -lt 5 ]; then
  echo "error: change points need at least 5 runs on each side: use --inject-at >= 6 and --commits >= inject-at + 4" >&2
  exit 2
fi

cargo build --release -p benchgate || exit 2
benchgate="$root/target/release/benchgate"
rm -rf "$out" && mkdir -p "$out/runs" || exit 2
out=$(cd "$out" && pwd)
repo="$out/repo"
history="$out/history.sqlite"
git clone -q "$root" "$repo" || exit 2
git -C "$repo" config user.email history@benchgate.invalid
git -C "$repo" config user.name "benchgate history"
export CARGO_TARGET_DIR="$root/target"

shas=()
for i in $(seq 1 "$commits"); do
  echo "History note $i." >> "$repo/benches/stats/README.md"
  subject="stats: history note $i"
  if [ "$i" -eq "$inject_at" ]; then
    sed -i 's/^inject-small-regression = \[\]$/default = ["inject-small-regression"]\ninject-small-regression = []/' \
      "$repo/benches/stats/Cargo.toml"
    sed -i "s/const SMALL_SHARE_DIVISOR: usize = [0-9]*;/const SMALL_SHARE_DIVISOR: usize = $divisor;/" \
      "$repo/benches/stats/src/one_shot.rs"
    if ! grep -q '^default = \["inject-small-regression"\]' "$repo/benches/stats/Cargo.toml"; then
      echo "error: could not inject the slowdown (benches/stats/Cargo.toml changed?)" >&2
      exit 2
    fi
    subject="stats: one-shot summary makes an extra pass over 1/$divisor of its input (injected)"
  fi
  git -C "$repo" add -A && git -C "$repo" commit -qm "$subject" || exit 2
  shas+=("$(git -C "$repo" rev-parse HEAD)")
done
injected=${shas[$((inject_at - 1))]}
echo "history-real: injected slowdown at ${injected:0:7} (commit $inject_at of $commits)"

for i in $(seq 1 "$commits"); do
  sha=${shas[$((i - 1))]}
  git -C "$repo" checkout -q "$sha" || exit 2
  start=$(date +%s)
  (cd "$repo" && "$benchgate" gate --suite stats --quick --no-instruction-counts --no-confirm \
      --baselines-dir "$out/baselines" --report-dir "$out/reports/$i") > "$out/runs/$i.log" 2>&1
  code=$?
  if [ "$code" -eq 2 ]; then
    echo "error: the gate failed at commit $i (${sha:0:7}); see $out/runs/$i.log" >&2
    exit 2
  fi
  cp "$CARGO_TARGET_DIR/benchgate/run.json" "$out/runs/$i.json" || exit 2
  "$benchgate" history ingest --history "$history" --repo "$repo" "$out/runs/$i.json" >> "$out/ingest.log" 2>&1 || {
    echo "error: ingest failed at commit $i; see $out/ingest.log" >&2
    exit 2
  }
  echo "history-real: commit $i/$commits (${sha:0:7}) measured and ingested in $(( $(date +%s) - start )) s (gate exit $code)"
done

"$benchgate" history show --history "$history" summary_one_shot > "$out/show.txt" 2>&1
"$benchgate" history changes --history "$history" > "$out/changes.txt" 2>&1
cat "$out/changes.txt"
if ! grep -q "summary_one_shot.*since ${injected:0:7}" "$out/changes.txt"; then
  echo "history-real: FAIL: no change of stats/summary_one_shot named at ${injected:0:7}" >&2
  exit 1
fi
others=$(grep "since " "$out/changes.txt" | grep -vc "since ${injected:0:7}")
echo "history-real: PASS: the injected commit ${injected:0:7} is named; $others change point(s) at other commits"
