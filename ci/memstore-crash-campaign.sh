#!/usr/bin/env bash
# The memory store's full SIGKILL campaign (issue 18): 200 kills of a child
# process running a seeded mix of store / batch_store / flush / compaction,
# each followed by a reopen that must find every acknowledged episode and
# find it by search. Checks correctness, not timing: load does not matter.
# `cargo test` runs the same campaign at 20 kills.
#
# Usage: ci/memstore-crash-campaign.sh [KILLS]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."

kills="${1:-200}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
MEMSTORE_CRASH_KILLS="$kills" cargo test -p memstore --test crash_campaign \
  sigkill_campaign_loses_no_acknowledged_episode -- --nocapture --exact 2>&1 | tee "$log"
# The test asserts 0 lost, 0 unreadable, 0 not found; this checks it ran
# the full count.
grep "^crash campaign: $kills kills" "$log"
