#!/usr/bin/env bash
# One command: make bench/.venv (zpark from this checkout, PySpark, Dask), then run the suite.
#   bash bench/run.sh [--scale 1.0] [--runs 3] [--engines zpark,pyspark,dask,plain] [--workloads ...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
bench/.venv/bin/python -m pip install -q --upgrade pip >/dev/null
bench/.venv/bin/python -m pip install -q -e . "pyspark==3.5.*" "dask[bag,distributed]" psutil
# zpark's optional compiled extension, as scripts/setup.sh builds it (ZPARK_NATIVE=0 measures without it)
if command -v cargo >/dev/null; then bench/.venv/bin/python -m pip install -q ./native; fi
exec bench/.venv/bin/python bench/run.py "$@"
