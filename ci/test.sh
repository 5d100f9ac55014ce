#!/usr/bin/env bash
# The README's test command, plus the lint gates CI enforces.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo test --workspace
cargo clippy --workspace --all-targets -- -D warnings
