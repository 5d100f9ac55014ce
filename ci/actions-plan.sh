#!/usr/bin/env bash
# Planning job of .github/workflows/bench.yml: which suites the change
# selects, and how many shard jobs to start (at most $BENCHGATE_SHARDS,
# default 2; never more than there are selected suites, at least one).
# Writes `count` and `matrix` to $GITHUB_OUTPUT (stdout outside Actions).
#
# $BENCHGATE_BASE: the base revision (a push to main passes the commit
# before the push); unset on pull requests, where the base is the
# merge-base with $GITHUB_BASE_REF. $BENCHGATE_ALL=1 runs every suite;
# $BENCHGATE_SUITES and $BENCHGATE_ROUNDS restrict the check (ci/actions-lib.sh).
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=ci/actions-lib.sh
. ci/actions-lib.sh

shards=${BENCHGATE_SHARDS:-2}
group "build benchgate"
cargo build --release --locked -p benchgate
endgroup

plan=$("$benchgate" pr-check --plan "$shards" "${check_args[@]}")
echo "$plan"
count=$(jq '[.shards[] | select(length > 0)] | length' <<<"$plan")
if [ "$count" -lt 1 ]; then
  count=1
fi
# The dry run starts every planned shard, an empty one too, so that the
# merge of several shard files is exercised on one small suite.
if [ "${BENCHGATE_EXACT_SHARDS:-}" = 1 ]; then
  count=$shards
fi
matrix=$(jq -cn --argjson n "$count" '{shard: [range(1; $n + 1)]}')
{
  echo "count=$count"
  echo "matrix=$matrix"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
