#!/usr/bin/env bash
# Starts the DeskChat cluster of docker-compose.yml as local processes (there is no container
# engine on the build machines): one Redis with AOF persistence and two node pairs,
#   pair1: imp1a, imp1b      pair2: imp2a, imp2b
# Usage:
#   scripts/cluster.sh up [--base-port N] [--redis-port N] [--dir DIR] [--no-build] [--sentinel | --redis-cluster]   start (builds first)
#   scripts/cluster.sh down [--dir DIR]                                  stop every process (SIGTERM, then SIGKILL)
#   scripts/cluster.sh status [--dir DIR]                                processes, health, `deskchat cluster status`
#   scripts/cluster.sh topology [--base-port N]                          the nodes as JSON lines
# Node i (0..3) listens on 127.0.0.1: HTTP (BOSH, WebSocket, /chat/) base+10i, admin base+10i+1,
# c2s base+10i+2, direct TLS base+10i+3, the XEP-0065 file proxy base+10i+4. Redis on base+90 unless --redis-port. Logs, data and pids
# go to DIR (default ./cluster-data); the ports chosen are kept there, so that status and down need
# only --dir. Every node shares one admin token (DIR/admin-token). Each node runs in DIR/nodes/NAME
# (no certificates: plain loopback ports); DIR/deskchat.yaml, when present, is every node's config
# file (environment variables still win). If a node does not start, `up` stops everything it started.
# --sentinel: Redis behind Sentinel instead (docs/cluster.md, "Redis behind Sentinel"): the primary
# on the Redis port, a replica on +1 and three Sentinels on +2..+4 (master name `deskchat`,
# down after 1 s); the nodes get DESKCHAT_REDIS_SENTINELS and dead-after 12 s, so that a
# switch-over (`kill -9` the primary) does not fence them.
# --redis-cluster: a sharded Redis Cluster instead (docs/cluster.md, "On a Redis Cluster"): three
# primaries with AOF on the Redis port, +1 and +2 (no replicas), joined by `redis-cli --cluster
# create`; the nodes get DESKCHAT_REDIS_CLUSTER_NODES. An existing cluster in DIR is started again.
set -Eeuo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command="${1:-}"
shift || true
base=""
redis_port=""
dir="$root/cluster-data"
build=1
sentinel=0
rcluster=0
while [ $# -gt 0 ]; do
  case "$1" in
    --base-port) base="$2"; shift 2 ;;
    --redis-port) redis_port="$2"; shift 2 ;;
    --dir) dir="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --no-build) build=0; shift ;;
    --sentinel) sentinel=1; shift ;;
    --redis-cluster) rcluster=1; shift ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
# status and down find the ports of the last `up` in DIR.
if [ "$command" != "up" ] && [ "$command" != "topology" ] && [ -f "$dir/ports" ]; then
  # shellcheck disable=SC1091
  . "$dir/ports"
  base="${base:-$saved_base}"
  redis_port="${redis_port:-$saved_redis_port}"
  sentinel="${saved_sentinel:-0}"
  rcluster="${saved_rcluster:-0}"
fi
if [ "$sentinel" = 1 ] && [ "$rcluster" = 1 ]; then echo "cluster.sh: --sentinel or --redis-cluster, not both" >&2; exit 2; fi
base="${base:-7100}"
redis_port="${redis_port:-$((base + 90))}"
NODES=(imp1a imp1b imp2a imp2b)
PAIRS=(pair1 pair1 pair2 pair2)
SENTINELS=(sentinel1 sentinel2 sentinel3)
sentinel_list() { echo "127.0.0.1:$((redis_port + 2)),127.0.0.1:$((redis_port + 3)),127.0.0.1:$((redis_port + 4))"; }
# The Redis Cluster's primaries (--redis-cluster): `redis` on the Redis port, then +1, +2.
CLUSTER_REDIS=(redis redis2 redis3)
cluster_list() { echo "127.0.0.1:$redis_port,127.0.0.1:$((redis_port + 1)),127.0.0.1:$((redis_port + 2))"; }
# What the nodes and the CLI are given to find Redis.
redis_env() {
  if [ "$sentinel" = 1 ]; then
    echo "DESKCHAT_REDIS_SENTINELS=$(sentinel_list)" DESKCHAT_REDIS_MASTER_NAME=deskchat DESKCHAT_HEARTBEAT_SECONDS=1 DESKCHAT_DEAD_AFTER_SECONDS=12
  elif [ "$rcluster" = 1 ]; then
    echo "DESKCHAT_REDIS_CLUSTER_NODES=$(cluster_list)"
  else
    echo "DESKCHAT_REDIS_URL=redis://127.0.0.1:$redis_port"
  fi
}

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

# Whether the process of a pid file runs (and is what we started: not a recycled pid).
running_pid() { # name
  local pid
  pid="$(cat "$dir/pids/$1.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa -e cli.js -e redis-server "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

up() {
  mkdir -p "$dir/logs" "$dir/pids" "$dir/redis"
  for name in "${NODES[@]}" redis redis-replica "${SENTINELS[@]}" redis2 redis3; do
    if running_pid "$name" >/dev/null; then echo "cluster.sh: $name is already running in $dir (scripts/cluster.sh down --dir $dir)" >&2; exit 1; fi
  done
  [ "$build" = 1 ] && (cd "$root" && npm run build --silent)
  printf 'saved_base=%s\nsaved_redis_port=%s\nsaved_sentinel=%s\nsaved_rcluster=%s\n' "$base" "$redis_port" "$sentinel" "$rcluster" > "$dir/ports"
  [ -f "$dir/admin-token" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$dir/admin-token"
  chmod 600 "$dir/admin-token"
  # From here on, a failure stops whatever was started.
  trap 'echo "cluster.sh: start failed; stopping what was started" >&2; down >/dev/null 2>&1 || true' ERR
  if [ "$rcluster" = 1 ]; then start_redis_cluster; else start_redis; fi
  [ "$sentinel" = 1 ] && start_sentinels
  local config=()
  [ -f "$dir/deskchat.yaml" ] && config=(DESKCHAT_CONFIG="$dir/deskchat.yaml")
  for i in "${!NODES[@]}"; do
    local name="${NODES[$i]}" http
    http="$(http_port "$i")"
    mkdir -p "$dir/nodes/$name"
    (cd "$dir/nodes/$name"
     env "${config[@]}" \
      $(redis_env) DESKCHAT_NODE="$name" DESKCHAT_PAIR="${PAIRS[$i]}" \
      DESKCHAT_PUBLIC_URL="http://127.0.0.1:$http" DESKCHAT_DATA_DIR="$dir/nodes/$name" \
      DESKCHAT_HTTP_HOST=127.0.0.1 DESKCHAT_HTTP_PORT="$http" DESKCHAT_ADMIN_HOST=127.0.0.1 DESKCHAT_ADMIN_PORT=$((http + 1)) \
      DESKCHAT_C2S_HOST=127.0.0.1 DESKCHAT_C2S_PORT=$((http + 2)) DESKCHAT_C2S_TLS_PORT=$((http + 3)) \
      DESKCHAT_FILES_PROXY_PORT=$((http + 4)) \
      DESKCHAT_ADMIN_TOKEN="$(cat "$dir/admin-token")" DESKCHAT_CORS_ORIGINS="${DESKCHAT_CORS_ORIGINS:-*}" \
      nohup node "$root/packages/server/dist/cli.js" start >"$dir/logs/$name.log" 2>&1 &
      echo $! >"$dir/pids/$name.pid")
  done
  for i in "${!NODES[@]}"; do
    if ! wait_for "http://127.0.0.1:$(($(http_port "$i") + 1))/healthz" 60; then
      echo "cluster.sh: ${NODES[$i]} did not start; see $dir/logs/${NODES[$i]}.log" >&2
      tail -20 "$dir/logs/${NODES[$i]}.log" >&2 || true
      false
    fi
  done
  trap - ERR
  [ "$rcluster" = 1 ] && echo "Redis Cluster: primaries $(cluster_list)"
  [ "$sentinel" = 1 ] && echo "Redis behind Sentinel: primary $redis_port, replica $((redis_port + 1)), Sentinels $(sentinel_list) (master name deskchat)"
  echo "cluster up: Redis on 127.0.0.1:$redis_port, logs in $dir/logs, admin token in $dir/admin-token"
  echo "gadget: http://127.0.0.1:$base/chat/   admin page: http://127.0.0.1:$((base + 1))/"
  topology
}

# One Redis with AOF on the Redis port.
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --save "" \
    --daemonize yes --pidfile "$dir/pids/redis.pid" --logfile "$dir/logs/redis.log"
  local pong=""
  for _ in $(seq 1 50); do pong="$(redis-cli -p "$redis_port" ping 2>/dev/null || true)"; [ "$pong" = PONG ] && break; sleep 0.1; done
  if [ "$pong" != PONG ]; then
    echo "cluster.sh: Redis did not start on port $redis_port; see $dir/logs/redis.log" >&2
    tail -5 "$dir/logs/redis.log" >&2 || true
    false
  fi
}

# Three cluster-enabled primaries with AOF (redis, redis2, redis3 on the Redis port, +1, +2; data in
# DIR/redis-cluster/NAME, apart from the single Redis's DIR/redis), joined
# into one Redis Cluster unless they already are one (slots assigned: a cluster started before in
# DIR, from each node's nodes.conf), then cluster_state:ok on each.
start_redis_cluster() {
  local i name port slots
  for i in 0 1 2; do
    name="${CLUSTER_REDIS[$i]}"; port=$((redis_port + i))
    mkdir -p "$dir/redis-cluster/$name"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis-cluster/$name" --appendonly yes --save "" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
      --daemonize yes --pidfile "$dir/pids/$name.pid" --logfile "$dir/logs/$name.log"
  done
  for i in 0 1 2; do
    local pong=""
    for _ in $(seq 1 50); do pong="$(redis-cli -p $((redis_port + i)) ping 2>/dev/null || true)"; [ "$pong" = PONG ] && break; sleep 0.1; done
    if [ "$pong" != PONG ]; then echo "cluster.sh: Redis did not start on port $((redis_port + i)); see $dir/logs/${CLUSTER_REDIS[$i]}.log" >&2; false; fi
  done
  slots="$(redis-cli -p "$redis_port" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')"
  if [ "${slots:-0}" = 0 ]; then
    redis-cli --cluster create $(cluster_list | tr ',' ' ') --cluster-replicas 0 --cluster-yes >"$dir/logs/redis-cluster-create.log" 2>&1 \
      || { echo "cluster.sh: redis-cli --cluster create failed; see $dir/logs/redis-cluster-create.log" >&2; false; }
  fi
  for i in 0 1 2; do
    local state=""
    for _ in $(seq 1 200); do state="$(redis-cli -p $((redis_port + i)) cluster info 2>/dev/null | tr -d '\r' | grep '^cluster_state:' || true)"; [ "$state" = cluster_state:ok ] && break; sleep 0.1; done
    if [ "$state" != cluster_state:ok ]; then echo "cluster.sh: the Redis Cluster is not ok on port $((redis_port + i)) ($state)" >&2; false; fi
  done
}

# A replica of the primary and three Sentinels watching it (quorum 2, down after 1 s).
start_sentinels() {
  mkdir -p "$dir/redis-replica"
  redis-server --port $((redis_port + 1)) --bind 127.0.0.1 --dir "$dir/redis-replica" --appendonly yes --save "" \
    --replicaof 127.0.0.1 "$redis_port" --daemonize yes --pidfile "$dir/pids/redis-replica.pid" --logfile "$dir/logs/redis-replica.log"
  local n=2 name
  for name in "${SENTINELS[@]}"; do
    mkdir -p "$dir/$name"
    printf '%s\n' "port $((redis_port + n))" "bind 127.0.0.1" "dir $dir/$name" "daemonize yes" \
      "pidfile $dir/pids/$name.pid" "logfile $dir/logs/$name.log" \
      "sentinel monitor deskchat 127.0.0.1 $redis_port 2" "sentinel down-after-milliseconds deskchat 1000" \
      "sentinel failover-timeout deskchat 5000" "sentinel parallel-syncs deskchat 1" > "$dir/$name/sentinel.conf"
    redis-server "$dir/$name/sentinel.conf" --sentinel
    n=$((n + 1))
  done
  local ok=""
  for _ in $(seq 1 100); do
    ok="$(redis-cli -p $((redis_port + 2)) sentinel master deskchat 2>/dev/null | grep -A1 -x num-other-sentinels | tail -1 || true)"
    [ "$ok" = 2 ] && break
    sleep 0.1
  done
  if [ "$ok" != 2 ]; then echo "cluster.sh: the Sentinels did not find each other; see $dir/logs/sentinel*.log" >&2; false; fi
}

# SIGTERM (a graceful stop hands each node's clients to its peer), SIGKILL after 10 s.
stop_pid() { # name
  local pid
  pid="$(running_pid "$1" || true)"
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: $1 (pid $pid) did not stop in 10 s; killing it" >&2
      kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$dir/pids/$1.pid"
}

down() {
  local name
  for name in "${NODES[@]}"; do stop_pid "$name" & done
  wait
  for name in "${SENTINELS[@]}" redis-replica redis2 redis3; do stop_pid "$name"; done
  stop_pid redis
  echo "cluster down"
}

status() {
  local name pid state
  for i in "${!NODES[@]}"; do
    name="${NODES[$i]}"
    state="stopped"
    if pid="$(running_pid "$name")"; then
      state="running (pid $pid), http://127.0.0.1:$(http_port "$i")"
      if curl -fsS -o /dev/null "http://127.0.0.1:$(($(http_port "$i") + 1))/healthz" 2>/dev/null; then state="$state, healthy"; else state="$state, not answering"; fi
    fi
    echo "$name: $state"
  done
  state="stopped"
  if pid="$(running_pid redis)"; then state="running (pid $pid), port $redis_port"; fi
  echo "redis: $state"
  if [ "$sentinel" = 1 ]; then
    for name in redis-replica "${SENTINELS[@]}"; do
      state="stopped"; if pid="$(running_pid "$name")"; then state="running (pid $pid)"; fi
      echo "$name: $state"
    done
    echo "primary according to Sentinel: $(redis-cli -p $((redis_port + 2)) sentinel get-master-addr-by-name deskchat 2>/dev/null | tr '\n' ' ')"
  fi
  if [ "$rcluster" = 1 ]; then
    for name in redis2 redis3; do
      state="stopped"; if pid="$(running_pid "$name")"; then state="running (pid $pid)"; fi
      echo "$name: $state"
    done
    if running_pid redis >/dev/null; then echo "redis cluster: $(redis-cli -p "$redis_port" cluster info 2>/dev/null | tr -d '\r' | grep '^cluster_state:' || true)"; fi
  fi
  if running_pid redis >/dev/null || [ "$sentinel" = 1 ]; then
    (cd "$dir" && env $(redis_env) DESKCHAT_NODE=cli DESKCHAT_PAIR=cli DESKCHAT_PUBLIC_URL=http://127.0.0.1 \
      DESKCHAT_DATA_DIR="$dir/nodes/imp1a" node "$root/packages/server/dist/cli.js" cluster status 2>/dev/null) || true
  fi
}

case "$command" in
  up) up ;;
  down) down ;;
  status) status ;;
  topology) topology ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
