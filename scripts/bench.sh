#!/usr/bin/env bash
# The production-settings benchmark: release builds; a throwaway PostgreSQL on its defaults (fsync
# and synchronous_commit on) and Redis; first the peer — pgbench running the same debit transaction
# a run start makes (wallet update guarded against overdraft, run row, ledger row) with as many
# clients as students — then careerai-bench runs with that many students on their own wallets.
# Every line is JSON with its settings. Usage: scripts/bench.sh [students] [seconds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
students=${1:-64}
seconds=${2:-10}
source scripts/services.sh

echo "bench: building release binaries" >&2
swift build -c release --product careerai-server >/dev/null
swift build -c release --product careerai-bench >/dev/null
bin=$(swift build -c release --show-bin-path)

export CAREERAI_SERVICES_PG_OPTIONS=""
trap stop_services EXIT
start_services
psql=(psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$CAREERAI_TEST_POSTGRES_PORT" -U postgres)
fsync=$("${psql[@]}" -At -c "SHOW fsync")
sync_commit=$("${psql[@]}" -At -c "SHOW synchronous_commit")

"${psql[@]}" -d postgres <<'SQL'
CREATE DATABASE peer;
SQL
"${psql[@]}" -d peer <<SQL
CREATE TABLE wallets (user_id INT PRIMARY KEY, silver BIGINT NOT NULL CHECK (silver >= 0));
CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, user_id INT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, user_id INT NOT NULL, amount BIGINT NOT NULL, run_id BIGINT, created_at BIGINT NOT NULL);
INSERT INTO wallets SELECT g, 1000000000 FROM generate_series(1, $students) g;
SQL
script=$(mktemp)
cat > "$script" <<SQL
\set uid random(1, $students)
BEGIN;
UPDATE wallets SET silver = silver - 1 WHERE user_id = :uid AND silver >= 1;
INSERT INTO runs (user_id, status, input, created_at) VALUES (:uid, 'queued', repeat('x', 1800), extract(epoch FROM now())::bigint);
INSERT INTO ledger (user_id, amount, run_id, created_at) VALUES (:uid, -1, lastval(), extract(epoch FROM now())::bigint);
END;
SQL
threads=$(nproc)
out=$(pgbench -n -h 127.0.0.1 -p "$CAREERAI_TEST_POSTGRES_PORT" -U postgres -c "$students" -j "$threads" -T "$seconds" -f "$script" peer 2>&1)
rm -f "$script"
tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
latency=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
echo "{\"bench\":\"pgbench_peer\",\"case_name\":\"debit_transaction\",\"clients\":$students,\"seconds\":$seconds,\"tps\":${tps:-0},\"latency_avg_ms\":${latency:-0},\"fsync\":\"$fsync\",\"synchronous_commit\":\"$sync_commit\"}"

"$bin/careerai-bench" runs --students "$students" --seconds "$seconds" --jobs 2000 --server "$bin/careerai-server" \
  | sed "s/}\$/,\"postgres_fsync\":\"$fsync\",\"postgres_synchronous_commit\":\"$sync_commit\"}/"
