#!/usr/bin/env bash
# One shard job of .github/workflows/bench.yml: `benchgate pr-check
# --shard K/N` (both sides built and measured on this runner), its raw
# result written to target/benchgate/pr-check/shards/shard-K-of-N.json.
# Usage: ci/actions-shard.sh K N
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
# shellcheck source=ci/actions-lib.sh
. ci/actions-lib.sh

index=${1:?usage: ci/actions-shard.sh K N}
count=${2:?usage: ci/actions-shard.sh K N}

# Instruction counts need valgrind; hosted runners do not have it.
if ! command -v valgrind >/dev/null 2>&1; then
  group "install valgrind"
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends valgrind
  endgroup
fi

group "build benchgate"
cargo build --release --locked -p benchgate
endgroup

out=target/benchgate/pr-check/shards
mkdir -p "$out"
"$benchgate" pr-check --shard "$index/$count" "${check_args[@]}" \
  --output "$out/shard-$index-of-$count.json"
