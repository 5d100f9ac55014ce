#!/usr/bin/env bash
# Shared by the ci/actions-*.sh scripts (sourced, not run): log folding in
# GitHub Actions and the pull-request check's arguments from the
# environment the workflow sets.

# Fold a block of the log in Actions; a plain heading elsewhere.
group() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::group::$*"
  else
    echo "== $*"
  fi
}

endgroup() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    echo "::endgroup::"
  fi
}

# Where cargo puts the binary (the dry run shares one target dir).
target_dir=${CARGO_TARGET_DIR:-target}
export benchgate="$target_dir/release/benchgate"

# Arguments every `benchgate pr-check` call of one check shares, so that
# the plan and every shard select and split the same suites.
check_args=()
if [ -n "${BENCHGATE_BASE:-}" ]; then
  check_args+=(--base "$BENCHGATE_BASE")
fi
if [ "${BENCHGATE_ALL:-}" = 1 ]; then
  check_args+=(--all)
fi
if [ -n "${BENCHGATE_SUITES:-}" ]; then
  for suite in $BENCHGATE_SUITES; do
    check_args+=(--suite "$suite")
  done
fi
if [ -n "${BENCHGATE_ROUNDS:-}" ]; then
  check_args+=(--rounds "$BENCHGATE_ROUNDS")
fi
