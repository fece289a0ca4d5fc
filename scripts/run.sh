#!/usr/bin/env bash
# Starts careerai-server and careerai-rest on the embedded defaults (SQLite, in-process queue, MOCK model, codes in
# the log), installing missing system packages and building first. Extra arguments go to the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/install-weasyprint.sh
echo "run: building (the first build fetches and compiles SwiftNIO and takes a few minutes)" >&2
swift build --product careerai-server
swift build --product careerai
swift build --product careerai-rest
bin=$(swift build --show-bin-path)
# The adapter calls the server from loopback and passes on each browser's address: trust it for that.
export CAREERAI_TRUSTED_PROXIES="${CAREERAI_TRUSTED_PROXIES:-127.0.0.1}"
"$bin/careerai-server" serve "$@" &
server=$!
"$bin/careerai-rest" &
rest=$!
trap 'kill -TERM $rest $server 2>/dev/null; wait $rest $server 2>/dev/null' EXIT INT TERM
rest_port=${CAREERAI_REST_ADDR:-127.0.0.1:8080}; echo "run: open http://demo.localhost:${rest_port##*:}/ (sign in as anyone@demo.edu; the code is in this log); CLI: $bin/careerai health" >&2
wait -n $server $rest
