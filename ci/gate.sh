#!/usr/bin/env bash
# The main job: run every suite, gate against this machine's baseline, and
# publish reports/summary.md as the GitHub job summary when there is one.
# Exit 0 = pass, 1 = regression, 2 = error. Extra arguments go to
# `benchgate gate` (e.g. --quick, --suite stats).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

cargo run --release -p benchgate -- gate "$@"
code=$?
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f reports/summary.md ]; then
  cat reports/summary.md >> "$GITHUB_STEP_SUMMARY"
fi
exit $code
