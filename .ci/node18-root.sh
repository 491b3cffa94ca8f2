#!/usr/bin/env bash
# Makes, or reuses, a minimal Debian bookworm root with Debian's own `nodejs` (Node 18), where
# tests run the device-side bundle with `chroot <root> node <file>` (the flashed agent
# runs on Raspberry Pi OS, which is bookworm with Node 18.20).
#
# Usage: .ci/node18-root.sh [root]   (default: $STEAD_NODE18_ROOT or /var/cache/stead-node18-root)
# Built once (a few minutes) and reused: a root is ready when its marker file exists and its node
# answers v18. A build goes into a temporary folder beside the root and is renamed into place, so
# a build cut short never leaves a root that looks ready. Needs root (debootstrap, chroot).
# Exit status: 0 ready, 2 cannot build here (not root, no debootstrap), 1 the build failed.
set -euo pipefail

root="${1:-${STEAD_NODE18_ROOT:-/var/cache/stead-node18-root}}"
mirror="${STEAD_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
marker="$root/.stead-node18-root"

ready() {
  [ -f "$marker" ] && chroot "$root" node --version 2>/dev/null | grep -q '^v18\.'
}

if [ "$(id -u)" != 0 ]; then
  echo "node18-root: needs root for debootstrap and chroot (running as $(id -un))" >&2
  exit 2
fi
if ready; then
  echo "node18-root: reusing $root ($(chroot "$root" node --version))"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  echo "node18-root: debootstrap is missing; installing it" >&2
  apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap; } \
    || { echo "node18-root: could not install debootstrap" >&2; exit 2; }
fi

mkdir -p "$(dirname "$root")"
# One build at a time: a second caller waits for the first and then reuses its root.
exec 9>"$root.lock"
flock 9
if ready; then
  echo "node18-root: reusing $root ($(chroot "$root" node --version))"
  exit 0
fi

building="$root.building"
rm -rf "$building" "$root"
echo "node18-root: debootstrap --variant=minbase --include=nodejs bookworm $root ($mirror)"
if ! debootstrap --variant=minbase --include=nodejs bookworm "$building" "$mirror" >"$root.log" 2>&1; then
  echo "node18-root: debootstrap failed; the end of its log ($root.log):" >&2
  tail -n 20 "$root.log" >&2
  tail -n 20 "$building/debootstrap/debootstrap.log" >&2 2>/dev/null || true
  exit 1
fi
version="$(chroot "$building" node --version)"
case "$version" in
  v18.*) ;;
  *) echo "node18-root: the root's node is $version, not 18" >&2; exit 1 ;;
esac
echo "$version" >"$building/.stead-node18-root"
mv "$building" "$root"
echo "node18-root: made $root ($version)"
