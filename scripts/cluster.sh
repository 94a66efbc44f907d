#!/usr/bin/env bash
# Starts the DeskChat cluster of docker-compose.yml as local processes (there is no container
# engine on the build machines): one Redis with AOF persistence and two node pairs,
#   pair1: imp1a, imp1b      pair2: imp2a, imp2b
# Usage:
#   scripts/cluster.sh up [--base-port N] [--redis-port N] [--dir DIR]   start (builds first)
#   scripts/cluster.sh down [--dir DIR]                                  stop every process (SIGTERM)
#   scripts/cluster.sh status [--dir DIR]                                processes and `deskchat cluster status`
#   scripts/cluster.sh topology [--base-port N]                          the nodes as JSON lines
# Node i (0..3) listens on 127.0.0.1: HTTP (BOSH, WebSocket, /chat/) base+10i, admin base+10i+1,
# c2s base+10i+2, direct TLS base+10i+3, the XEP-0065 file proxy base+10i+4. Redis on base+90 unless --redis-port. Logs, data and pids
# go to DIR (default ./cluster-data). Every node shares one admin token (DIR/admin-token).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command="${1:-}"
shift || true
base=7100
redis_port=""
dir="$root/cluster-data"
while [ $# -gt 0 ]; do
  case "$1" in
    --base-port) base="$2"; shift 2 ;;
    --redis-port) redis_port="$2"; shift 2 ;;
    --dir) dir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
redis_port="${redis_port:-$((base + 90))}"
NODES=(imp1a imp1b imp2a imp2b)
PAIRS=(pair1 pair1 pair2 pair2)

http_port() { echo $((base + 10 * $1)); }

topology() {
  for i in "${!NODES[@]}"; do
    printf '{"node":"%s","pair":"%s","publicUrl":"http://127.0.0.1:%s","c2sPort":%s,"adminPort":%s}\n' \
      "${NODES[$i]}" "${PAIRS[$i]}" "$(http_port "$i")" $((base + 10 * i + 2)) $((base + 10 * i + 1))
  done
}

wait_for() { # url seconds
  for _ in $(seq 1 $(($2 * 10))); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

up() {
  mkdir -p "$dir/logs" "$dir/pids" "$dir/redis"
  (cd "$root" && npm run build --silent)
  [ -f "$dir/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/admin-token"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --save "" \
    --daemonize yes --pidfile "$dir/pids/redis.pid" --logfile "$dir/logs/redis.log"
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  for i in "${!NODES[@]}"; do
    local name="${NODES[$i]}" http
    http="$(http_port "$i")"
    mkdir -p "$dir/nodes/$name"
    DESKCHAT_REDIS_URL="redis://127.0.0.1:$redis_port" DESKCHAT_NODE="$name" DESKCHAT_PAIR="${PAIRS[$i]}" \
      DESKCHAT_PUBLIC_URL="http://127.0.0.1:$http" DESKCHAT_DATA_DIR="$dir/nodes/$name" \
      DESKCHAT_HTTP_HOST=127.0.0.1 DESKCHAT_HTTP_PORT="$http" DESKCHAT_ADMIN_PORT=$((http + 1)) \
      DESKCHAT_C2S_HOST=127.0.0.1 DESKCHAT_C2S_PORT=$((http + 2)) DESKCHAT_C2S_TLS_PORT=$((http + 3)) \
      DESKCHAT_FILES_PROXY_PORT=$((http + 4)) \
      DESKCHAT_ADMIN_TOKEN="$(cat "$dir/admin-token")" DESKCHAT_CORS_ORIGINS='*' \
      nohup node "$root/packages/server/dist/cli.js" start >"$dir/logs/$name.log" 2>&1 &
    echo $! >"$dir/pids/$name.pid"
  done
  for i in "${!NODES[@]}"; do
    if ! wait_for "http://127.0.0.1:$(($(http_port "$i") + 1))/healthz" 30; then
      echo "cluster.sh: ${NODES[$i]} did not start; see $dir/logs/${NODES[$i]}.log" >&2
      tail -20 "$dir/logs/${NODES[$i]}.log" >&2 || true
      exit 1
    fi
  done
  echo "cluster up: Redis on 127.0.0.1:$redis_port, logs in $dir/logs, admin token in $dir/admin-token"
  topology
}

down() {
  for name in "${NODES[@]}"; do
    [ -f "$dir/pids/$name.pid" ] && kill "$(cat "$dir/pids/$name.pid")" 2>/dev/null || true
  done
  for name in "${NODES[@]}"; do
    local pid
    pid="$(cat "$dir/pids/$name.pid" 2>/dev/null || true)"
    for _ in $(seq 1 50); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && sleep 0.1 || break; done
    rm -f "$dir/pids/$name.pid"
  done
  if [ -f "$dir/pids/redis.pid" ]; then
    kill "$(cat "$dir/pids/redis.pid")" 2>/dev/null || true
    rm -f "$dir/pids/redis.pid"
  fi
  echo "cluster down"
}

status() {
  for name in "${NODES[@]}" redis; do
    local pid state="stopped"
    pid="$(cat "$dir/pids/$name.pid" 2>/dev/null || true)"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && state="running (pid $pid)"
    echo "$name: $state"
  done
  if [ -f "$dir/pids/redis.pid" ]; then
    DESKCHAT_REDIS_URL="redis://127.0.0.1:$redis_port" DESKCHAT_NODE=cli DESKCHAT_PAIR=cli DESKCHAT_PUBLIC_URL=http://127.0.0.1 \
      DESKCHAT_DATA_DIR="$dir/nodes/imp1a" node "$root/packages/server/dist/cli.js" cluster status || true
  fi
}

case "$command" in
  up) up ;;
  down) down ;;
  status) status ;;
  topology) topology ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
