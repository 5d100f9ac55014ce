#!/usr/bin/env bash
# Measures how sensitive and how quiet benchgate is on this machine
# (issue 8's "must show"). Not part of CI: it takes most of an hour.
#
#   A/A:  one gate run records a scratch baseline, then N more gate runs of
#         the same code must report no regression.
#   A/B:  N `benchgate ab` runs with a ~3 % slowdown injected into the stats
#         suite's one-shot summary (feature stats/inject-small-regression)
#         must flag it, and only the one-shot benchmarks.
#   Ir:   instruction counts with and without the injection: flagged every
#         time, never without.
#
# Usage: bash ci/noise-check.sh [aa|ab|ir|all] [N]   (default: all 10)
# Results go to target/noise-check/results.md.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

what=${1:-all}
n=${2:-10}
out=target/noise-check
mkdir -p "$out"
results="$out/results.md"
suites=(--suite stats)
[ -d benches/tokenization ] && suites+=(--suite tokenization)

cargo build --release -p benchgate || exit 2
benchgate=target/release/benchgate
machine=$(uname -n)
echo "# benchgate noise check on $(date -u +%F) ($machine, $(nproc) cores)" > "$results"

if [ "$what" = aa ] || [ "$what" = all ]; then
  rm -rf "$out/aa-baselines"
  gate=("$benchgate" gate --quick "${suites[@]}" --baselines-dir "$out/aa-baselines" --report-dir "$out/aa-reports")
  "${gate[@]}" > "$out/aa-0.log" 2>&1 || { echo "recording the A/A baseline failed; see $out/aa-0.log"; exit 2; }
  regressions=0
  cleared=0
  for i in $(seq 1 "$n"); do
    start=$(date +%s)
    "${gate[@]}" > "$out/aa-$i.log" 2>&1
    code=$?
    [ "$code" -eq 2 ] && { echo "A/A run $i errored; see $out/aa-$i.log"; exit 2; }
    [ "$code" -eq 1 ] && regressions=$((regressions + 1))
    grep -q "^note: Not confirmed" "$out/aa-$i.log" && cleared=$((cleared + 1))
    echo "A/A run $i: exit $code in $(( $(date +%s) - start )) s ($(grep -E '^(PASS|FAIL)' "$out/aa-$i.log" | head -n 1))"
    grep -E "^note: Not confirmed" "$out/aa-$i.log" | sed 's/^/    /'
  done
  echo "- A/A: $regressions of $n quick gate runs of identical code (${suites[*]}) reported a regression; in $cleared of them the first comparison flagged a wall-time change that the confirmation step then cleared" | tee -a "$results"
fi

if [ "$what" = ab ] || [ "$what" = all ]; then
  flagged=0
  exact=0
  for i in $(seq 1 "$n"); do
    "$benchgate" ab --suite stats --head-features stats/inject-small-regression --report-dir "$out/ab-reports-$i" > "$out/ab-$i.log" 2>&1
    code=$?
    [ "$code" -eq 2 ] && { echo "A/B run $i errored; see $out/ab-$i.log"; exit 2; }
    failed=$(grep -E '^FAIL' "$out/ab-$i.log" | head -n 1)
    [ "$code" -eq 1 ] && flagged=$((flagged + 1))
    # Only one-shot benchmarks may be named among the failures.
    if [ "$code" -eq 1 ] && ! grep -oE 'stats/[a-z_]+/[0-9]+' <<<"$failed" | grep -qv 'summary_one_shot'; then
      exact=$((exact + 1))
    fi
    echo "A/B run $i: exit $code $failed"
  done
  echo "- A/B: the injected ~3 % slowdown was flagged in $flagged of $n \`benchgate ab\` runs; in $exact of them only one-shot benchmarks were flagged" | tee -a "$results"
fi

if [ "$what" = ir ] || [ "$what" = all ]; then
  rm -rf "$out/ir-baselines"
  irgate=("$benchgate" gate --quick --rounds 1 --no-confirm --suite stats --baselines-dir "$out/ir-baselines" --report-dir "$out/ir-reports")
  "${irgate[@]}" > "$out/ir-0.log" 2>&1 || { echo "recording the Ir baseline failed; see $out/ir-0.log"; exit 2; }
  irbase=$(ls "$out"/ir-baselines/*/quick.json)
  # Rows of the compare CSV whose metric is callgrind.Ir (column 3), as
  # "benchmark change verdict".
  ir_rows() {
    "$benchgate" compare --run target/benchgate/run.json --baseline "$irbase" --format csv 2>/dev/null \
      | awk -F, '$3 == "callgrind.Ir" { printf "%s %+.3f%% %s\n", $2, $8 * 100, $16 }'
  }
  same=0; caught=0; runs=5
  for i in $(seq 1 "$runs"); do
    "${irgate[@]}" > "$out/ir-same-$i.log" 2>&1
    ir_rows > "$out/ir-same-$i.txt"
    grep -q " regressed$" "$out/ir-same-$i.txt" && same=$((same + 1))
    "${irgate[@]}" --features stats/inject-small-regression > "$out/ir-slow-$i.log" 2>&1
    ir_rows > "$out/ir-slow-$i.txt"
    grep -q "one_shot.* regressed$" "$out/ir-slow-$i.txt" && caught=$((caught + 1))
    echo "Ir run $i: unchanged code: $(tr '\n' ';' < "$out/ir-same-$i.txt")"
    echo "Ir run $i: injected: $(tr '\n' ';' < "$out/ir-slow-$i.txt")"
  done
  echo "- Instruction counts: unchanged code flagged in $same of $runs runs; the injected change flagged in $caught of $runs. Ir changes with the injection (run 1):" | tee -a "$results"
  sed 's/^/    /' "$out/ir-slow-1.txt" | tee -a "$results"
fi
cat "$results"
