#!/usr/bin/env bash
# Create .venv and install zpark with its test dependencies (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
# The optional compiled extension (native/: Rust via maturin, which pip fetches): without cargo, zpark
# runs the same on its pure-Python path.
if command -v cargo >/dev/null; then
  .venv/bin/python -m pip install -q ./native
else
  echo "cargo not found: zpark_native not built, the pure-Python path is used"
fi
# The browser tests drive Debian's Chromium; CI installs it (elsewhere they are skipped without it).
if [ "${CI:-}" = "true" ] && ! command -v chromedriver >/dev/null; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium chromium-driver >/dev/null
fi
# An editable install leaves out the .pth that a wheel carries (setup.py): put it beside the package.
.venv/bin/python - <<'PY'
import shutil, sysconfig
shutil.copy("zpark/compat/zpark-pyspark.pth", sysconfig.get_paths()["purelib"])
PY
