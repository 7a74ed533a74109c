#!/usr/bin/env bash
# Builds the images skiff runs pods with, locally (no registry needed): skiff/sandbox:0.1 (the
# pod sandbox, a static C program) and skiff/busybox:1.36 (Debian's static busybox). Idempotent:
# an image is rebuilt only when its inputs changed (their hash is kept in an image label).
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "build-images: $*" >&2; exit 1; }

command -v docker >/dev/null 2>&1 || fail "the docker CLI is not installed"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
  || fail "cannot reach the Docker engine (is dockerd running and /var/run/docker.sock accessible?)"

SANDBOX_IMAGE=skiff/sandbox:0.1
BUSYBOX_IMAGE=skiff/busybox:1.36
HASH_LABEL=io.skiff.source-hash

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

current_hash() { docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null || true; }

# --- sandbox -------------------------------------------------------------------------------
sandbox_hash=$(cat images/sandbox/sandbox.c images/sandbox/Dockerfile | sha256sum | cut -c1-16)
if [ "$(current_hash "$SANDBOX_IMAGE")" != "$sandbox_hash" ]; then
  command -v gcc >/dev/null 2>&1 || fail "gcc is needed to compile images/sandbox/sandbox.c"
  mkdir -p "$tmp/sandbox"
  cp images/sandbox/Dockerfile "$tmp/sandbox/"
  gcc -static -Os -s -o "$tmp/sandbox/sandbox" images/sandbox/sandbox.c || fail "compiling sandbox.c failed"
  docker build -q --label "$HASH_LABEL=$sandbox_hash" -t "$SANDBOX_IMAGE" "$tmp/sandbox" >"$tmp/log" 2>&1 \
    || { cat "$tmp/log" >&2; fail "building $SANDBOX_IMAGE failed"; }
  echo "build-images: built $SANDBOX_IMAGE" >&2
fi

# --- busybox -------------------------------------------------------------------------------
# Only a static busybox runs in a FROM-scratch image (Debian's dynamic `busybox` package would not).
static_busybox() { [ -x /usr/bin/busybox ] && case "$(LC_ALL=C ldd /usr/bin/busybox 2>&1 || true)" in *'not a dynamic'*) true ;; *) false ;; esac; }
if ! static_busybox; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q busybox-static >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q busybox-static >/dev/null 2>&1; } \
    || fail "installing busybox-static with apt-get failed"
fi
version=$(/usr/bin/busybox 2>&1 | sed -n '1p' | sed -n 's/^BusyBox v\([0-9][0-9.]*\).*/\1/p')
[ -n "$version" ] || fail "cannot read the busybox version"
busybox_hash=$( { sha256sum /usr/bin/busybox; cat images/busybox/Dockerfile; } | sha256sum | cut -c1-16)
if [ "$(current_hash "$BUSYBOX_IMAGE")" != "$busybox_hash" ]; then
  ctx="$tmp/busybox"
  mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/rootfs/root" "$ctx/rootfs/dev/shm"
  cp images/busybox/Dockerfile "$ctx/"
  cp /usr/bin/busybox "$ctx/rootfs/bin/busybox"
  for applet in $(/usr/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$ctx/rootfs/bin/$applet"
  done
  chmod 1777 "$ctx/rootfs/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$ctx/rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$ctx/rootfs/etc/group"
  docker build -q --label "$HASH_LABEL=$busybox_hash" -t "$BUSYBOX_IMAGE" "$ctx" >"$tmp/log" 2>&1 \
    || { cat "$tmp/log" >&2; fail "building $BUSYBOX_IMAGE failed"; }
  echo "build-images: built $BUSYBOX_IMAGE (busybox $version)" >&2
fi
# Also tag the exact upstream version busybox reports, so both names resolve.
docker tag "$BUSYBOX_IMAGE" "skiff/busybox:$version"
