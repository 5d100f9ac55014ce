#!/usr/bin/env bash
# End-to-end smoke of the pull-request check on the stats suite, in a clone
# of this checkout with two real commits on top:
#   1. a commit that changes no code, checked with --all (A/A)  -> exit 0
#   2. a commit that injects a slowdown into the stats workload  -> exit 1,
#      and the summary names the benchmark and says which suites ran
# Both sides are built and measured on this machine; no stored baseline.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)

scratch="$root/target/ci-pr-check"
rm -rf "$scratch"
mkdir -p "$scratch"

cargo build --release -p benchgate || exit 2
benchgate="$root/target/release/benchgate"

fail() { echo "pr-check smoke: FAIL: $*" >&2; exit 1; }

repo="$scratch/repo"
git clone -q "$root" "$repo" || exit 2
cd "$repo" || exit 2
git config user.email ci@benchgate.invalid
git config user.name "benchgate CI"
# One target directory with the checkout: registry crates built by the
# tests and the smoke gate are reused, only the workspace crates rebuild.
export CARGO_TARGET_DIR="$root/target"

check=("$benchgate" pr-check --suite stats --rounds 6 --layouts 2 --base HEAD~1)

echo "pr-check smoke: 1/2 a commit without code changes (A/A, --all) passes"
echo "A/A commit for the pull-request check smoke test." >> README.md
git commit -qam "docs only" || exit 2
"${check[@]}" --all --report-dir "$scratch/aa"
code=$?
[ "$code" -eq 0 ] || fail "A/A: expected exit 0, got $code"

echo "pr-check smoke: 2/2 a commit that slows the stats workload fails"
# The crate's own switch for a real extra pass over the data, turned on by
# default in a commit, as a pull request would change the code.
sed -i 's/^inject-regression = \[\]$/default = ["inject-regression"]\ninject-regression = []/' benches/stats/Cargo.toml
grep -q '^default = \["inject-regression"\]' benches/stats/Cargo.toml || fail "could not inject the slowdown"
git commit -qam "stats: a slower summary" || exit 2
"${check[@]}" --report-dir "$scratch/injected"
code=$?
[ "$code" -eq 1 ] || fail "injected slowdown: expected exit 1, got $code"
summary="$scratch/injected/summary.md"
regressions=$(awk '/^### Regressions/ {on = 1; next} on && /^$/ && seen {exit} on && NF {seen = 1; print}' "$summary")
echo "$regressions"
grep -qE "stats/(summary_one_shot/|iai_summary/summary/one_shot/)" <<<"$regressions" \
  || fail "the summary does not name stats/summary_one_shot"
if grep -qE "summary_streaming|summary/streaming" <<<"$regressions"; then
  fail "a streaming benchmark (untouched by the injection) was flagged"
fi
grep -q "\*\*stats\*\* ran: its own file benches/stats/Cargo.toml changed" "$summary" \
  || fail "the summary does not say why the stats suite ran"

echo "pr-check smoke: PASS"
