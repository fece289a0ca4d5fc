#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on loopback for the tests; sourced by scripts/test.sh.
#   start_services   starts both on free ports, exports CAREERAI_TEST_POSTGRES_URL and CAREERAI_TEST_REDIS_URL
#   stop_services    stops what start_services started and removes its files

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_services() {
  SERVICES_DIR=$(mktemp -d /tmp/careerai-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"
  local pg_bin
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$pg_bin/initdb" ] || { echo "services: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }

  # Tests run with durability off for speed; scripts/bench.sh sets CAREERAI_SERVICES_PG_OPTIONS="" so
  # that PostgreSQL runs on its defaults (fsync and synchronous_commit on), as in production.
  local pg_options="${CAREERAI_SERVICES_PG_OPTIONS--c fsync=off -c synchronous_commit=off}"
  PG_PORT=$(free_port)
  mkdir -p "$SERVICES_DIR/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$SERVICES_DIR/pg"
  as_postgres "$pg_bin/initdb" -D "$SERVICES_DIR/pg/data" -A trust -U postgres --no-sync >"$SERVICES_DIR/initdb.log" 2>&1 \
    || { cat "$SERVICES_DIR/initdb.log" >&2; return 1; }
  as_postgres "$pg_bin/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SERVICES_DIR/pg $pg_options -c max_connections=200" \
    start >/dev/null || { cat "$SERVICES_DIR/pg/log" >&2; return 1; }
  PG_CTL="$pg_bin/pg_ctl"
  export CAREERAI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export CAREERAI_TEST_POSTGRES_PORT="$PG_PORT"

  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log" --dir "$SERVICES_DIR" >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.05
  done
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || { echo "services: redis-server did not start" >&2; cat "$SERVICES_DIR/redis.log" >&2; return 1; }
  export CAREERAI_TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export CAREERAI_TEST_REDIS_PORT="$REDIS_PORT"
  echo "services: PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT" >&2
}

stop_services() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  if [ -n "${PG_CTL:-}" ] && [ -d "$SERVICES_DIR/pg/data" ]; then
    as_postgres "$PG_CTL" -D "$SERVICES_DIR/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$SERVICES_DIR/redis.pid" ]; then
    kill "$(cat "$SERVICES_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$SERVICES_DIR"
  SERVICES_DIR=
}
