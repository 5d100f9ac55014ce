#!/usr/bin/env bash
# Merge job of .github/workflows/bench.yml: `benchgate merge` over every
# shard's result file. Lays out the one artifact the run uploads,
# target/benchgate/artifact/:
#   report/     summary.md, comment.md, index.html, charts, exports
#               (JSON, CSV, Markdown, Bencher's BMF, github-action-benchmark),
#               durations.json, and on a push to main head.json (the
#               head side as one run)
#   shards/     every shard's raw result
#   pr-number   the pull request (read by ci/pr-comment.sh), if any
#   exit-code   the merge's exit code (read by ci/actions-record.sh)
# Appends the summary to the job summary and exits with the merge's code:
# 0 pass, 1 regression, 2 error.
# Usage: ci/actions-merge.sh SHARD_DIR
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=ci/actions-lib.sh
. ci/actions-lib.sh

shard_dir=${1:?usage: ci/actions-merge.sh SHARD_DIR}
artifact=target/benchgate/artifact
rm -rf "$artifact"
mkdir -p "$artifact/shards"

group "build benchgate"
cargo build --release --locked -p benchgate || exit 2
endgroup

shopt -s nullglob
shards=("$shard_dir"/shard-*.json)
if [ "${#shards[@]}" -eq 0 ]; then
  echo "ci/actions-merge.sh: no shard result in $shard_dir" >&2
  exit 2
fi
cp "${shards[@]}" "$artifact/shards/"

# A push to main records its head side (ci/actions-record.sh).
record=()
if [ "${BENCHGATE_RECORD:-}" = 1 ]; then
  record=(--head-run "$artifact/report/head.json")
fi
"$benchgate" merge "${shards[@]}" --report-dir "$artifact/report" \
  --format bmf --format gab --format gab-bigger "${record[@]}"
code=$?
echo "$code" > "$artifact/exit-code"
if [ -n "${PR_NUMBER:-}" ]; then
  echo "$PR_NUMBER" > "$artifact/pr-number"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$artifact/report/summary.md" ]; then
  cat "$artifact/report/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
exit "$code"
