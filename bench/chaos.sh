#!/usr/bin/env bash
# The live-updates chaos soak: two release instances on a fresh Postgres
# database, their bus a Redis server that `bench fanout` stops for
# CHAOS_DOWN seconds in every 30, 500 subscribers, steady writes.
#   bash bench/chaos.sh            # 10 minutes
#   DURATION=120 bash bench/chaos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${CARGO_TARGET_DIR:-target}/release"
DURATION="${DURATION:-600}"
CLIENTS="${CLIENTS:-500}"
RATE="${RATE:-5}"
CHAOS_DOWN="${CHAOS_DOWN:-10}"
REDIS_PORT="${REDIS_PORT:-16399}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
DB="hearth_chaos_$(date +%s)"
psql "$PG/test" -qc "CREATE DATABASE $DB"
export DATABASE_URL="$PG/$DB"
export HEARTH_JWT_SECRET="$(head -c 48 /dev/urandom | base64)"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
# The benchmark registers its members from one address.
export HEARTH_LIMIT_REGISTER_ADDRESS=1000/1h
ulimit -n 20000
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
"$BIN/hearth" migrate
pids=()
for port in 18180 18181; do
  HEARTH_ADDR=127.0.0.1:$port HEARTH_METRICS_ADDR=off HEARTH_DATA_DIR=$(mktemp -d) \
    "$BIN/hearth" serve >/tmp/hearth-chaos-$port.log 2>&1 &
  pids+=($!)
done
trap 'kill ${pids[*]} 2>/dev/null; redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true' EXIT
for port in 18180 18181; do
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
done
"$BIN/bench" fanout --url http://127.0.0.1:18180 --url http://127.0.0.1:18181 \
  --clients "$CLIENTS" --rate "$RATE" --duration "$DURATION" \
  --pid "${pids[0]}" --pid "${pids[1]}" \
  --chaos-redis-port "$REDIS_PORT" --chaos-down "$CHAOS_DOWN"
