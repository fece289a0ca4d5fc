#!/usr/bin/env bash
# Starts careerai-server on the embedded defaults (SQLite, in-process queue, MOCK model, codes in
# the log), installing missing system packages and building first. Extra arguments go to the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/install-weasyprint.sh
echo "run: building (the first build fetches and compiles SwiftNIO and takes a few minutes)" >&2
swift build --product careerai-server
swift build --product careerai
bin=$(swift build --show-bin-path)
echo "run: starting careerai-server; in another terminal try: $bin/careerai health" >&2
exec "$bin/careerai-server" serve "$@"
