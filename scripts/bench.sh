#!/usr/bin/env bash
# The production-settings benchmark: release builds; a throwaway PostgreSQL on its defaults (fsync
# and synchronous_commit on) and Redis; a health-check gauge of the machine's speed; then each
# careerai-bench runs case right after its peer on the same cluster — pgbench's debit transaction
# (UPDATE a wallet guarded against overdraft + INSERT a ledger row; 16 clients; a random wallet of
# `students`, or one hot wallet): StartJobPack with `students` students on their own wallets, and 16
# connections on one wallet, on SQLite and PostgreSQL; MOCK jobs end to end through Redis. Then the
# peer once more, and a summary line with each figure as a share of the peer measured before it.
# Every line is JSON with its settings. Usage: scripts/bench.sh [students] [seconds]
#
# scripts/bench.sh rest [seconds]: careerai-bench rest alone on the same kind of cluster — GET
# /v1/wallet through careerai-rest and careerai-server with 64 signed-in students, beside the same
# call over RPC to the same server in the same run, on SQLite and PostgreSQL — then a summary line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/services.sh

# start_production_services PRODUCT…: release builds of the products, then PostgreSQL on its defaults
# and Redis; sets bin, psql, fsync and sync_commit.
start_production_services() {
  # What a fresh machine lacks: PostgreSQL, Redis and pgbench; WeasyPrint, which the server checks at start.
  scripts/install-deps.sh
  scripts/install-weasyprint.sh
  echo "bench: building release binaries" >&2
  for product in "$@"; do swift build -c release --product "$product" >/dev/null; done
  bin=$(swift build -c release --show-bin-path)
  export CAREERAI_SERVICES_PG_OPTIONS=""
  trap stop_services EXIT
  start_services
  psql=(psql -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$CAREERAI_TEST_POSTGRES_PORT" -U postgres)
  fsync=$("${psql[@]}" -At -c "SHOW fsync")
  sync_commit=$("${psql[@]}" -At -c "SHOW synchronous_commit")
}

if [ "${1:-}" = "rest" ]; then
  seconds=${2:-10}
  start_production_services careerai-server careerai-rest careerai-bench
  "${psql[@]}" -d postgres -c "CREATE DATABASE bench_rest"
  out=$(mktemp)
  trap 'rm -f "$out"; stop_services' EXIT
  "$bin/careerai-bench" rest --seconds "$seconds" --server "$bin/careerai-server" --rest "$bin/careerai-rest" \
    --postgres-url "postgres://postgres@127.0.0.1:$CAREERAI_TEST_POSTGRES_PORT/bench_rest" \
    | sed "s/}\$/,\"postgres_fsync\":\"$fsync\",\"postgres_synchronous_commit\":\"$sync_commit\",\"cores\":$(nproc)}/" | tee -a "$out"
  python3 - "$out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{") and "calls_per_s" in l]
summary = {"bench": "rest_summary", "postgres": "defaults (fsync on, synchronous_commit on)"}
for engine in ("sqlite", "postgres"):
    rpc = [l for l in lines if l["engine"] == engine and l["path"] == "rpc"]
    rest = [l for l in lines if l["engine"] == engine and l["path"] == "rest"]
    if rpc and rest:
        summary[f"{engine}_rpc_calls_per_s"] = rpc[-1]["calls_per_s"]
        summary[f"{engine}_rest_calls_per_s"] = rest[-1]["calls_per_s"]
        summary[f"{engine}_rest_share_of_rpc_pct"] = round(100.0 * rest[-1]["calls_per_s"] / rpc[-1]["calls_per_s"], 1)
        summary[f"{engine}_rest_p99_ms"] = rest[-1]["p99_ms"]
        summary[f"{engine}_rpc_p99_ms"] = rpc[-1]["p99_ms"]
print(json.dumps(summary, sort_keys=True))
PY
  exit 0
fi

students=${1:-64}
seconds=${2:-10}
peer_clients=16

start_production_services careerai-server careerai-bench

"${psql[@]}" -d postgres -c "CREATE DATABASE peer"
"${psql[@]}" -d peer <<SQL
CREATE TABLE wallets (user_id INT PRIMARY KEY, silver BIGINT NOT NULL CHECK (silver >= 0));
CREATE TABLE ledger (id BIGSERIAL PRIMARY KEY, user_id INT NOT NULL, amount BIGINT NOT NULL, created_at BIGINT NOT NULL);
INSERT INTO wallets SELECT g, 1000000000 FROM generate_series(1, $students) g;
SQL
out=$(mktemp)
trap 'rm -f "$out"; stop_services' EXIT

# peer CASE UID_EXPRESSION: one JSON line for pgbench's debit transaction.
peer() {
  local case_name=$1 uid=$2 script
  script=$(mktemp)
  cat > "$script" <<SQL
\set uid $uid
BEGIN;
UPDATE wallets SET silver = silver - 1 WHERE user_id = :uid AND silver >= 1;
INSERT INTO ledger (user_id, amount, created_at) VALUES (:uid, -1, extract(epoch FROM now())::bigint);
END;
SQL
  local result tps latency
  result=$(pgbench -n -h 127.0.0.1 -p "$CAREERAI_TEST_POSTGRES_PORT" -U postgres -c "$peer_clients" -j "$(nproc)" \
    -T "$seconds" -f "$script" peer 2>&1)
  rm -f "$script"
  tps=$(echo "$result" | sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p')
  latency=$(echo "$result" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p')
  echo "{\"bench\":\"pgbench_peer\",\"case_name\":\"$case_name\",\"clients\":$peer_clients,\"wallets\":\"$uid\",\"seconds\":$seconds,\"tps\":${tps:-0},\"latency_avg_ms\":${latency:-0},\"fsync\":\"$fsync\",\"synchronous_commit\":\"$sync_commit\"}"
}
# The VM's speed drifts from one minute to the next, so each product case runs right after the peer it
# is compared with (its "peer_round" names that peer line), and the peer runs once more at the end.
round=0
# product CASES PEER_CASE PEER_WALLETS: the peer, then careerai-bench runs on those cases, on a fresh database.
product() {
  local cases=$1 peer_case=$2 peer_wallets=$3
  round=$((round + 1))
  peer "$peer_case" "$peer_wallets" | sed "s/}\$/,\"peer_round\":$round}/" | tee -a "$out"
  "${psql[@]}" -d postgres -c "CREATE DATABASE bench_runs_$round"
  "$bin/careerai-bench" runs --students "$students" --seconds "$seconds" --jobs 2000 --server "$bin/careerai-server" \
    --cases "$cases" --postgres-url "postgres://postgres@127.0.0.1:$CAREERAI_TEST_POSTGRES_PORT/bench_runs_$round" \
    | sed "s/}\$/,\"peer_round\":$round,\"postgres_fsync\":\"$fsync\",\"postgres_synchronous_commit\":\"$sync_commit\"}/" \
    | tee -a "$out"
}
# A gauge of the machine's speed, for the one absolute target (SQLite): health checks, no database.
"$bin/careerai-bench" rpc --cases 1x64 --seconds 5 --server "$bin/careerai-server" | tee -a "$out"
product start_job_pack debit_transaction "random(1, $students)"
product start_job_pack_one_wallet debit_transaction_one_wallet 1
product end_to_end debit_transaction "random(1, $students)"
peer debit_transaction "random(1, $students)" | sed 's/}$/,"peer_round":"last"}/' | tee -a "$out"

# The targets (issue 11): starts by 64 students >= 60 % of the peer, MOCK jobs end to end >= 30 %,
# SQLite starts >= 5,000/s; each share is of the peer measured just before the case.
python3 - "$out" <<'PY'
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def find(bench, case, **labels):
    for l in lines:
        if l.get("bench") == bench and l.get("case_name") == case and all(l.get(k) == v for k, v in labels.items()):
            return l
    return None
def peer_of(line):
    return next(l["tps"] for l in lines if l.get("bench") == "pgbench_peer" and l.get("peer_round") == line["peer_round"])
share = lambda x, p: round(100.0 * x / p, 1) if p else 0
pg = find("runs", "start_job_pack", engine="postgres")
pg_one = find("runs", "start_job_pack_one_wallet", engine="postgres")
sqlite = find("runs", "start_job_pack", engine="sqlite")
health = next(l for l in lines if l.get("bench") == "rpc")
e2e = max((l for l in lines if l.get("case_name") == "end_to_end_mock_skill_mapper"), key=lambda l: l["jobs_per_s"])
starts_pct = share(pg["calls_per_s"], peer_of(pg))
jobs_pct = share(e2e["jobs_per_s"], peer_of(e2e))
print(json.dumps({
    "bench": "summary", "postgres": "defaults (fsync on, synchronous_commit on)", "cores": os.cpu_count(),
    "peer_tps_all_rounds": [l["tps"] for l in lines if l.get("bench") == "pgbench_peer" and l["case_name"] == "debit_transaction"],
    "peer_tps_before_starts": peer_of(pg), "peer_one_wallet_tps": peer_of(pg_one), "peer_tps_before_end_to_end": peer_of(e2e),
    "starts_per_s_postgres": pg["calls_per_s"], "starts_share_of_peer_pct": starts_pct,
    "starts_target_pct": 60, "starts_met": starts_pct >= 60,
    "starts_one_wallet_per_s": pg_one["calls_per_s"],
    "starts_one_wallet_share_of_its_peer_pct": share(pg_one["calls_per_s"], peer_of(pg_one)),
    "jobs_per_s_end_to_end": e2e["jobs_per_s"], "jobs_workers": e2e["workers"],
    "jobs_share_of_peer_pct": jobs_pct, "jobs_target_pct": 30, "jobs_met": jobs_pct >= 30,
    "starts_per_s_sqlite": sqlite["calls_per_s"], "sqlite_target": 5000, "sqlite_met": sqlite["calls_per_s"] >= 5000,
    "health_checks_per_s_1x64": health["calls_per_s"],
    "sqlite_starts_per_health_check_pct": share(sqlite["calls_per_s"], health["calls_per_s"]),
}, sort_keys=True))
PY
