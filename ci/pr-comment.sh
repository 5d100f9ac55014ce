#!/usr/bin/env bash
# The `bench comment` workflow (workflow_run, runs with the base
# repository's code and token): posts or updates the one pull-request
# comment that holds benchgate's marker, from the artifact the `bench`
# run uploaded. The artifact was written by the pull request's code, so it
# is data only: the pull-request number must be digits and that pull
# request's head must be the commit the run measured, and the body is
# posted as text, never run.
# Needs GH_TOKEN, REPOSITORY (owner/name) and HEAD_SHA (the run's head).
# Usage: ci/pr-comment.sh ARTIFACT_DIR
set -euo pipefail

artifact=${1:?usage: ci/pr-comment.sh ARTIFACT_DIR}
marker='<!-- benchgate -->'
# GitHub refuses comments over 65536 characters.
max_bytes=60000

pr=$(cat "$artifact/pr-number")
if ! [[ $pr =~ ^[0-9]{1,9}$ ]]; then
  echo "ci/pr-comment.sh: pr-number is not a pull-request number" >&2
  exit 2
fi
head=$(gh api "repos/$REPOSITORY/pulls/$pr" --jq .head.sha)
if [ "$head" != "$HEAD_SHA" ]; then
  echo "ci/pr-comment.sh: pull request #$pr is at $head, the run measured $HEAD_SHA; not commenting" >&2
  exit 0
fi
body_file="$artifact/report/comment.md"
if [ "$(head -n 1 "$body_file")" != "$marker" ]; then
  echo "ci/pr-comment.sh: $body_file does not start with $marker" >&2
  exit 2
fi
body=$(head -c "$max_bytes" "$body_file")

existing=$(gh api --paginate "repos/$REPOSITORY/issues/$pr/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$marker\"))) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api -X PATCH "repos/$REPOSITORY/issues/comments/$existing" -f body="$body" --silent
  echo "updated comment $existing on #$pr"
else
  gh api -X POST "repos/$REPOSITORY/issues/$pr/comments" -f body="$body" --silent
  echo "commented on #$pr"
fi
