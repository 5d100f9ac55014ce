#!/usr/bin/env bash
# End-to-end smoke of the gate on the stats suite, on real criterion output:
#   1. no baseline, --require-baseline -> records one, exit 2 (not a pass)
#   2. same code again    -> compares, exit 0
#   3. injected slowdown  -> exit 1, and the summary names the benchmark
#   4. broken criterion file -> exit 2, the message names the file
# Baselines and reports go to a scratch directory so the committed baselines
# are never touched.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

scratch=target/ci-smoke
rm -rf "$scratch"
mkdir -p "$scratch"
baselines="$scratch/baselines"
reports="$scratch/reports"

cargo build --release -p benchgate || exit 2
benchgate=target/release/benchgate
gate=("$benchgate" gate --quick --suite stats --baselines-dir "$baselines" --report-dir "$reports")

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

expect_exit() {
  local want=$1; shift
  "$@"
  local got=$?
  [ "$got" -eq "$want" ] || fail "expected exit $want, got $got from: $*"
}

echo "smoke: 1/4 first gate run records a baseline; with --require-baseline that is exit 2, not a pass"
expect_exit 2 "${gate[@]}" --require-baseline
grep -q "baseline recorded, nothing compared" "$reports/summary.md" || fail "summary does not say a baseline was recorded and nothing compared"
ls "$baselines"/*/quick.json >/dev/null || fail "no baseline file written"

echo "smoke: 2/4 same code against that baseline passes"
expect_exit 0 "${gate[@]}"
grep -q "no regression" "$reports/summary.md" || fail "summary does not report a pass"

echo "smoke: 3/4 an injected extra pass over the data is caught"
expect_exit 1 "${gate[@]}" --features stats/inject-regression
# The bullet list under "### Regressions", up to the blank line after it.
regressions=$(awk '/^### Regressions/ {on = 1; next} on && /^$/ && seen {exit} on && NF {seen = 1; print}' "$reports/summary.md")
echo "$regressions"
# Its wall time or its instruction count (or both) must be named: on a
# machine whose load changed since step 1, wall times may not show it.
grep -qE "stats/(summary_one_shot/|iai_summary/summary/one_shot/)" <<<"$regressions" \
  || fail "summary does not name stats/summary_one_shot"
if grep -qE "summary_streaming|summary/streaming" <<<"$regressions"; then
  fail "a streaming benchmark (untouched by the injection) was flagged"
fi
grep -q "summary_one_shot" "$reports/index.html" || fail "the HTML report does not name the regressed benchmark"
if ! { [ -s "$reports/charts/comparison-changed.png" ] && [ -s "$reports/charts/comparison-suite-stats.png" ]; }; then
  fail "no comparison charts (changed entries, stats suite) in the report"
fi
if ! { [ -s "$reports/comparison.csv" ] && [ -s "$reports/comparison.json" ]; }; then
  fail "no CSV/JSON export beside the report"
fi

echo "smoke: 4/4 a malformed criterion file is an error naming the file"
broken="$scratch/broken"
cp -r target/benchgate/criterion/stats "$broken"
victim=$(find "$broken" -path '*/new/estimates.json' | head -n 1)
echo '{"mean": ' > "$victim"
"$benchgate" collect --suite stats --criterion-dir "$broken" --output "$scratch/broken-run.json" 2> "$scratch/err.txt"
code=$?
cat "$scratch/err.txt"
[ "$code" -eq 2 ] || fail "expected exit 2 for a malformed file, got $code"
grep -qF "$victim" "$scratch/err.txt" || fail "error does not name $victim"

echo "smoke: PASS"
