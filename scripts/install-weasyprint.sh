#!/usr/bin/env bash
# Installs WeasyPrint (≥ 67, for --allowed-protocols) from PyPI into .build/weasyprint-venv, where
# careerai-server finds it (CAREERAI_WEASYPRINT overrides). Uses the system's pango
# (scripts/install-deps.sh installs it). Does nothing when the venv already has a recent WeasyPrint.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/weasyprint-venv"
if "$venv/bin/python" - 2>/dev/null <<'PY'
import weasyprint, sys
sys.exit(0 if int(weasyprint.__version__.split(".")[0]) >= 67 else 1)
PY
then exit 0; fi
echo "install-weasyprint: installing WeasyPrint into $venv" >&2
mkdir -p "$root/.build"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check 'weasyprint>=67,<80'
"$venv/bin/weasyprint" --version >&2
