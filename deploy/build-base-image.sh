#!/usr/bin/env bash
# Build a local stand-in for python:3.11-slim from Debian's packages, for machines without a
# container registry: debootstrap a minimal bookworm with python3 + venv, then `docker import` it.
#
# The apt mirror is read from this machine's own apt sources at run time, and the sources list is
# removed from the image before import, so no host name ends up in the repository or the image.
#
# usage: deploy/build-base-image.sh [IMAGE_NAME]     (default: zpark-base:bookworm)
set -euo pipefail
IMAGE=${1:-zpark-base:bookworm}

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE already present"
  exit 0
fi

mirror() {
  # First Debian mirror named in deb822 sources, else in one-line sources.
  local uri
  uri=$(grep -hs -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | awk '{print $2}' | grep -v -- '-security' | grep -i debian | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hs -E '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
          | awk '{print $2}' | grep -v -- '-security' | grep -i debian | head -n1 || true)
  fi
  echo "$uri"
}

MIRROR=$(mirror)
if [ -z "$MIRROR" ]; then
  echo "no Debian mirror found in /etc/apt/sources*: cannot debootstrap a base image" >&2
  exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing debootstrap from Debian's packages"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y -q debootstrap >/dev/null || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q debootstrap >/dev/null; }
fi

ROOT=$(mktemp -d /tmp/zpark-rootfs.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
echo "debootstrapping bookworm (python3, venv) into $ROOT - about 2 minutes"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,tini \
  bookworm "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || { tail -20 "$ROOT.log" >&2; exit 1; }
rm -f "$ROOT.log"
rm -rf "$ROOT"/etc/apt/sources.list "$ROOT"/etc/apt/sources.list.d/* \
       "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
# python:3.11-slim puts `python3` on PATH; make `python` work as well, as it does there.
ln -sf python3 "$ROOT/usr/bin/python"
tar -C "$ROOT" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV LANG=C.UTF-8' \
  -c 'CMD ["python3"]' - "$IMAGE" >/dev/null
echo "built base image $IMAGE"
