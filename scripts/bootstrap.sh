#!/usr/bin/env bash
# Installs what `npm start` and `npm test` need when it is missing: npm packages and a fresh
# build. Safe to run repeatedly; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-start}"

fail() { echo "skiff bootstrap: $*" >&2; exit 1; }

major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 20 ] || fail "Node.js 20 or newer is required (found $(node --version 2>/dev/null || echo none))"

# npm packages: install when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "skiff bootstrap: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2 || fail "npm ci failed; see the output above"
fi

# Build: when dist is missing or any source is newer than the last build.
stamp=dist/.build-stamp
if [ ! -f "$stamp" ] || [ -n "$(find src scripts package.json tsconfig.json -newer "$stamp" -type f -print -quit)" ]; then
  echo "skiff bootstrap: building" >&2
  npm run --silent build >&2 || fail "build failed; see the output above"
  touch "$stamp"
fi

if [ "$mode" = test ]; then
  # The end-to-end tests drive the real kubectl; without it they cannot run.
  command -v kubectl >/dev/null 2>&1 || fail "kubectl is not installed; install kubectl (1.27 or newer) to run the end-to-end tests"
fi
