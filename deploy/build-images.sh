#!/usr/bin/env bash
# Build the zpark image on any machine, including one with no container registry.
#
#  1. base image: $ZPARK_BASE_IMAGE if set; else python:3.11-slim if present or pullable; else a
#     stand-in built from Debian's packages (deploy/build-base-image.sh).
#  2. wheels: zpark and its dependencies (and zpark_native, when cargo is here) are prepared on the host
#     into deploy/wheels, so the image installs them offline (driver and executors run the same cloudpickle).
#  3. docker build -f deploy/Dockerfile -t $ZPARK_IMAGE (default zpark:latest).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${ZPARK_IMAGE:-zpark:latest}
STANDIN=zpark-base:bookworm
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}

base=${ZPARK_BASE_IMAGE:-}
if [ -z "$base" ]; then
  if docker image inspect python:3.11-slim >/dev/null 2>&1; then
    base=python:3.11-slim
  elif docker image inspect "$STANDIN" >/dev/null 2>&1; then
    base=$STANDIN
  elif timeout 60 docker pull -q python:3.11-slim >/dev/null 2>&1; then
    base=python:3.11-slim
  else
    echo "python:3.11-slim cannot be pulled here: building a stand-in base image from Debian's packages"
    bash deploy/build-base-image.sh "$STANDIN"
    base=$STANDIN
  fi
fi

echo "preparing wheels in deploy/wheels"
find deploy/wheels -name '*.whl' -delete
"$PYTHON" -m pip wheel -q --wheel-dir deploy/wheels . >/dev/null
if command -v cargo >/dev/null; then   # the optional compiled extension, built here so the image needs no Rust
  "$PYTHON" -m pip wheel -q --no-deps --wheel-dir deploy/wheels ./native >/dev/null
fi

echo "building $IMAGE on $base"
docker build -q -f deploy/Dockerfile --build-arg BASE_IMAGE="$base" -t "$IMAGE" . >/dev/null
echo "built $IMAGE"
