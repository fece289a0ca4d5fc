#!/usr/bin/env bash
# Runs every test: installs what is missing, checks the generated code, starts a throwaway
# PostgreSQL and Redis on loopback, runs the Swift tests and the Python interoperability tests,
# and stops what it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/services.sh

scripts/install-deps.sh
scripts/generate-proto.sh --check

trap stop_services EXIT
start_services

echo "test: building" >&2
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Build)' || true
swift build --build-tests >/dev/null  # fails the run (set -e) if the build above did not succeed
export CAREERAI_BIN_DIR
CAREERAI_BIN_DIR=$(swift build --show-bin-path)

echo "test: Swift tests" >&2
swift test --skip-build --disable-xctest

echo "test: interoperability (Python's official protobuf runtime against careerai-server)" >&2
venv="$root/.build/interop-venv"
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r Tests/Interop/requirements.txt
fi
"$venv/bin/pytest" -q Tests/Interop
