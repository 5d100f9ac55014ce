#!/usr/bin/env bash
# Record job of .github/workflows/bench.yml, on pushes to main only: the
# merged check's head side becomes this runner's committed baseline
# (baselines/<machine-id>/main.json) and its seconds per suite balance
# later shards (baselines/pr-check-durations.json), in one commit.
#
# Refresh policy: every push to main whose check finished (exit 0 or 1: a
# regression that reached main is main's truth now, and the pull-request
# check never reads these baselines) replaces the baseline of the machine
# it ran on; a check that errored (exit 2) records nothing. Only those two
# paths are committed, from a tree that must be clean before and after.
#
# The same run is then appended to the history's data branch
# (`benchgate-data`, one JSON file per run, written with git2 by
# `benchgate history push-data`) and pushed with git, which holds the
# job's credentials: on a non-fast-forward (another record job pushed
# first) the branch is fetched again and the run appended on top, up to
# five times. Reports rebuild their store from that branch with
# `benchgate history sync --remote origin` (or `git fetch` first where
# the remote is HTTPS, which benchgate's libgit2 cannot reach).
# Usage: ci/actions-record.sh ARTIFACT_DIR
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2

artifact=${1:?usage: ci/actions-record.sh ARTIFACT_DIR}
code=$(cat "$artifact/exit-code")
if [ "$code" != 0 ] && [ "$code" != 1 ]; then
  echo "ci/actions-record.sh: the check ended with exit $code; nothing recorded" >&2
  exit 0
fi
if [ ! -f "$artifact/report/head.json" ]; then
  echo "ci/actions-record.sh: the check measured no suite; nothing recorded"
  exit 0
fi
if [ -n "$(git status --porcelain)" ]; then
  git status --short >&2
  echo "ci/actions-record.sh: the checkout is not clean; refusing to commit a baseline from it" >&2
  exit 2
fi

cargo build --release --locked -p benchgate
saved=$("${CARGO_TARGET_DIR:-target}/release/benchgate" baseline save main --run "$artifact/report/head.json")
echo "$saved"
baseline=${saved##* as }
cp "$artifact/report/durations.json" baselines/pr-check-durations.json

benchgate="${CARGO_TARGET_DIR:-target}/release/benchgate"
data_branch="benchgate-data"
# The history first: it does not touch the work tree or the index.
recorded=0
for attempt in 1 2 3 4 5; do
  # A repository's first record creates the branch.
  git fetch -q origin "+refs/heads/$data_branch:refs/heads/$data_branch" 2>/dev/null || true
  "$benchgate" history push-data --branch "$data_branch" "$artifact/report/head.json"
  if git push -q origin "refs/heads/$data_branch:refs/heads/$data_branch"; then
    recorded=1
    break
  fi
  echo "ci/actions-record.sh: data branch push rejected (attempt $attempt); appending on top of the newer one" >&2
done
if [ "$recorded" -ne 1 ]; then
  echo "ci/actions-record.sh: could not push the run to the $data_branch branch" >&2
  exit 2
fi

git add -- "$baseline" baselines/pr-check-durations.json
if git diff --cached --quiet; then
  echo "ci/actions-record.sh: baseline unchanged"
  exit 0
fi
# Anything else changed means a step above wrote where it should not.
if ! git diff --quiet || [ -n "$(git ls-files --others --exclude-standard)" ]; then
  git status --short >&2
  echo "ci/actions-record.sh: files other than the baseline changed; refusing to commit" >&2
  exit 2
fi
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  commit -q -m "baselines: record main at ${GITHUB_SHA:-$(git rev-parse HEAD)} [skip ci]"
# Another push may have landed meanwhile: replay this commit on top.
for attempt in 1 2 3; do
  if git push -q origin HEAD:main; then
    exit 0
  fi
  echo "ci/actions-record.sh: push rejected (attempt $attempt); rebasing on the newer main" >&2
  git pull -q --rebase origin main
done
echo "ci/actions-record.sh: could not push the baseline" >&2
exit 2
