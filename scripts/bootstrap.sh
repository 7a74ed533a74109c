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

# The Docker engine: installed from Debian's docker.io and started when none answers.
apt_install() {
  [ "$(id -u)" = 0 ] || fail "installing $* needs root; install it yourself (e.g. sudo apt-get install $*)"
  command -v apt-get >/dev/null 2>&1 || fail "cannot install $*: no apt-get on this machine; install it yourself"
  echo "skiff bootstrap: installing $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } \
    || fail "apt-get install $* failed"
}

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if ! docker info >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || fail "the Docker engine is not running; start it (e.g. sudo systemctl start docker) and try again"
    echo "skiff bootstrap: starting dockerd" >&2
    nohup dockerd >/var/log/skiff-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || fail "dockerd did not start; see /var/log/skiff-dockerd.log"
  fi
fi

# Images the examples and tests use, built locally (no registry is needed).
command -v gcc >/dev/null 2>&1 || apt_install gcc libc6-dev
bash scripts/build-images.sh >&2 || fail "building the local images failed"

if [ "$mode" = test ]; then
  # The registry tests run Debian's registry with htpasswd authentication.
  command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
  command -v htpasswd >/dev/null 2>&1 || apt_install apache2-utils
  # The observability tests scrape with a real Prometheus and drive the dashboard in headless Chromium.
  command -v prometheus >/dev/null 2>&1 || apt_install prometheus
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  # The end-to-end tests drive the real kubectl; without it they cannot run.
  command -v kubectl >/dev/null 2>&1 || fail "kubectl is not installed; install kubectl (1.27 or newer) to run the end-to-end tests"
fi
