#!/usr/bin/env bash
# The bench workflow's pull-request path, step by step on this machine, in
# the order .github/workflows/bench.yml and bench-comment.yml run them,
# against a commit with an injected regression (the stats suite's own
# `inject-regression` feature turned on by default, as ci/pr-check-smoke.sh
# does), restricted to the stats suite so it stays a few minutes:
#   plan -> shard 1/2, shard 2/2 -> "upload"/"download" -> merge (exit 1,
#   job summary, annotations, one artifact) -> PR comment (ci/pr-comment.sh
#   against a stand-in `gh` that records the API calls).
# Checks: exit 1; the summary's and the comment's first benchmark is the
# slowed one; an ::error annotation points at its bench source file.
# Runs as GitHub Actions would (GITHUB_ACTIONS=true, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY set to files under target/ci-actions-dry-run).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$(pwd)
started=$(date +%s)

scratch="$root/target/ci-actions-dry-run"
rm -rf "$scratch"
mkdir -p "$scratch/download" "$scratch/bin"

fail() { echo "actions dry run: FAIL: $*" >&2; exit 1; }
step() { echo; echo "actions dry run: == $* ($(($(date +%s) - started)) s)"; }

repo="$scratch/repo"
git clone -q "$root" "$repo" || exit 2
cd "$repo" || exit 2
git config user.email ci@benchgate.invalid
git config user.name "benchgate CI"
# The clone's scripts are the committed ones; run this checkout's instead,
# so that a dry run tests the scripts being changed.
cp "$root"/ci/*.sh ci/
sed -i 's/^inject-regression = \[\]$/default = ["inject-regression"]\ninject-regression = []/' benches/stats/Cargo.toml
grep -q '^default = \["inject-regression"\]' benches/stats/Cargo.toml || fail "could not inject the slowdown"
git add -A && git commit -qm "stats: a slower summary" || exit 2

# What the workflow's `env:` and GitHub set. The copy builds into its own
# target directory: its workspace packages hash like this checkout's, so a
# shared one left this checkout's `target/release/benchgate` built from the
# copy's sources, and later edits here read as fresh to cargo (their
# fingerprints name the copy's files).
export CARGO_TARGET_DIR="$scratch/target"
export GITHUB_ACTIONS=true
export GITHUB_OUTPUT="$scratch/github-output"
export GITHUB_STEP_SUMMARY="$scratch/step-summary.md"
export GITHUB_SERVER_URL=https://github.invalid GITHUB_REPOSITORY=team/benchgate GITHUB_RUN_ID=1
export BENCHGATE_SHARDS=2 BENCHGATE_EXACT_SHARDS=1 BENCHGATE_BASE=HEAD~1
export BENCHGATE_SUITES=stats BENCHGATE_ROUNDS=6
: > "$GITHUB_OUTPUT"

step "plan"
bash ci/actions-plan.sh > "$scratch/plan.log" || { cat "$scratch/plan.log"; fail "plan job failed"; }
count=$(sed -n 's/^count=//p' "$GITHUB_OUTPUT")
matrix=$(sed -n 's/^matrix=//p' "$GITHUB_OUTPUT")
echo "matrix: $matrix"
[ "$count" = 2 ] || fail "expected 2 shards, the plan gave $count"

for shard in $(seq 1 "$count"); do
  step "shard $shard/$count"
  bash ci/actions-shard.sh "$shard" "$count" > "$scratch/shard-$shard.log" 2>&1 \
    || { tail -n 40 "$scratch/shard-$shard.log"; fail "shard $shard failed"; }
  grep -c '^::group::' "$scratch/shard-$shard.log" | sed 's/^/folded log groups: /'
  # upload-artifact (shard-K) and download-artifact (pattern shard-*, merged).
  cp target/benchgate/pr-check/shards/shard-"$shard"-of-"$count".json "$scratch/download/" || fail "shard $shard wrote no result"
done

step "merge"
PR_NUMBER=7 bash ci/actions-merge.sh "$scratch/download" > "$scratch/merge.log" 2>&1
code=$?
grep -E '^::(error|warning)' "$scratch/merge.log" || true
[ "$code" -eq 1 ] || { tail -n 40 "$scratch/merge.log"; fail "merge: expected exit 1, got $code"; }
artifact=target/benchgate/artifact
find "$artifact" -maxdepth 2 -not -path '*/charts/*' | sort

step "job summary"
head -n 12 "$GITHUB_STEP_SUMMARY"
echo "($(wc -c < "$GITHUB_STEP_SUMMARY") bytes)"
head -n 1 "$GITHUB_STEP_SUMMARY" | grep -q '^## ❌ benchgate: FAIL' || fail "the summary does not start with the verdict"
first_summary=$(grep -m 1 -oE '^\| stats/[^ |]+' "$GITHUB_STEP_SUMMARY" | sed 's/^| //')
echo "first benchmark in the summary: $first_summary"
grep -qE '^stats/(summary_one_shot/|iai_summary/summary/one_shot)' <<<"$first_summary" \
  || fail "the summary does not name stats/summary_one_shot first"

step "annotations"
error=$(grep -m 1 -E '^::error file=benches/stats/benches/(summary|iai_summary)\.rs,line=[0-9]+,' "$scratch/merge.log") \
  || fail "no ::error annotation at a stats bench source file"
echo "$error"
grep -q 'one_shot' <<<"$error" || fail "the first error annotation is not the slowed benchmark"

step "pull-request comment (bench-comment.yml)"
head -n 8 "$artifact/report/comment.md"
first_comment=$(grep -m 1 -oE '^\| stats/[^ |]+' "$artifact/report/comment.md" | sed 's/^| //')
echo "first benchmark in the comment: $first_comment"
grep -qE '^stats/(summary_one_shot/|iai_summary/summary/one_shot)' <<<"$first_comment" \
  || fail "the comment does not name stats/summary_one_shot first"
# A stand-in `gh`: the pull request's head is the measured commit, no
# comment exists yet; every call is recorded.
head_sha=$(git rev-parse HEAD)
cat > "$scratch/bin/gh" <<GH
#!/usr/bin/env bash
echo "gh \$*" >> "$scratch/gh-calls.log"
case "\$*" in
  *"/pulls/7 "*) echo "$head_sha" ;;
  *"/issues/7/comments --jq"*) ;;
esac
GH
chmod +x "$scratch/bin/gh"
PATH="$scratch/bin:$PATH" GH_TOKEN=stand-in REPOSITORY=team/benchgate HEAD_SHA="$head_sha" \
  bash ci/pr-comment.sh "$artifact" || fail "ci/pr-comment.sh failed"
grep -q -- "-X POST repos/team/benchgate/issues/7/comments -f body=<!-- benchgate -->" "$scratch/gh-calls.log" \
  || { cat "$scratch/gh-calls.log"; fail "no comment was posted"; }

step "done"
echo "actions dry run: PASS in $(($(date +%s) - started)) s (load average now: $(cut -d ' ' -f 1-3 /proc/loadavg))"
