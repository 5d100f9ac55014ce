#!/usr/bin/env bash
# The README's test command, plus the lint gates CI enforces.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2

# The README's test command.
cargo test --workspace

# Lints, where the toolchain has the components (rustup component add
# rustfmt clippy); a machine without them still runs every test.
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
else
  echo "ci/test.sh: rustfmt not installed; skipping the format check" >&2
fi
if cargo clippy --version >/dev/null 2>&1; then
  cargo clippy --workspace --all-targets -- -D warnings
else
  echo "ci/test.sh: clippy not installed; skipping lints" >&2
fi
