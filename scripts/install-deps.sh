#!/usr/bin/env bash
# Installs the system packages CareerAI builds and tests with (Debian 12), only those missing.
#   scripts/install-deps.sh          build and run: C libraries, protobuf-c, Redis, PostgreSQL,
#                                    python3-protobuf for the Swift code generator (scripts/protogen),
#                                    pango, fonts and a venv for WeasyPrint (scripts/install-weasyprint.sh),
#                                    poppler-utils (pdftotext, for the PDF tests)
#   scripts/install-deps.sh --browser  also Debian's chromium and chromedriver (the web app's tests)
set -euo pipefail

packages=(
  pkg-config libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libpq-dev libsqlite3-dev libhiredis-dev libcurl4-openssl-dev
  postgresql redis-server python3-protobuf
  python3-venv libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils
)
if [ "${1:-}" = "--browser" ]; then
  packages+=(chromium chromium-driver)
fi

command -v swift >/dev/null || { echo "install-deps: Swift is not on PATH; install Swift 6 first (https://www.swift.org/install/)" >&2; exit 1; }

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null; then
  apt_get=(sudo apt-get)
else
  echo "install-deps: run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${apt_get[@]}" update -qq
"${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
