#!/usr/bin/env bash
# Starts a throw-away Prosody (Debian's package: apt-get install -y prosody) for `npm run bench
# -- … --compare prosody`, on free loopback ports with BOSH and WebSocket, plain-text accounts and
# PLAIN allowed without TLS, in a temporary directory. Never used in CI.
#
#   scripts/bench-prosody.sh start USERS [PREFIX] [PASSWORD]
#       prints one JSON line: {"pid":…,"c2sPort":…,"httpPort":…,"dir":"…"}
#   scripts/bench-prosody.sh stop DIR
#
# Two-step use without --compare:
#   eval "$(scripts/bench-prosody.sh start 1000 | node -e 'const j=JSON.parse(require("fs").readFileSync(0));console.log(`P=${j.dir} T=127.0.0.1:${j.c2sPort}:${j.httpPort}:${j.pid}`)')"
#   npm run bench -- messages --target "${T%:*}" --server-pid "${T##*:}"; scripts/bench-prosody.sh stop "$P"
set -euo pipefail

command=${1:-}
case "$command" in
  start)
    users=${2:?usage: $0 start USERS [PREFIX] [PASSWORD]}
    prefix=${3:-u}
    password=${4:-bench-pass}
    command -v prosody >/dev/null || { echo "prosody is not installed: apt-get install -y prosody" >&2; exit 1; }
    [[ "$users" =~ ^[0-9]+$ ]] || { echo "USERS must be a number" >&2; exit 2; }
    [[ "$prefix" =~ ^[a-z0-9._-]+$ ]] || { echo "PREFIX: lower-case letters, digits, . _ - only" >&2; exit 2; }
    [[ "$password" != *[\"\\]* ]] || { echo "PASSWORD must not contain quotes or backslashes" >&2; exit 2; }
    dir=$(mktemp -d "${TMPDIR:-/tmp}/deskchat-bench-prosody.XXXXXX")
    read -r c2s http < <(node -e '
      const net = require("net");
      const take = () => new Promise((r) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => r(p)); }); });
      Promise.all([take(), take()]).then((p) => console.log(p.join(" ")));')
    mkdir -p "$dir/data" "$dir/certs"
    cat > "$dir/prosody.cfg.lua" <<EOF
-- Written by scripts/bench-prosody.sh for a DeskChat bench run; deleted with "stop".
run_as_root = true
certificates = "certs"
pidfile = "$dir/prosody.pid"
data_path = "$dir/data"
log = { { levels = { min = "warn" }, to = "file", filename = "$dir/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_ports = { $c2s }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
component_ports = { }
http_ports = { $http }
http_interfaces = { "127.0.0.1" }
https_ports = { }
network_backend = "epoll"
modules_enabled = { "roster", "saslauth", "disco", "ping", "posix", "bosh", "websocket" }
modules_disabled = { "s2s", "tls" }
authentication = "internal_plain"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
consider_bosh_secure = true
consider_websocket_secure = true
bosh_max_inactivity = 120
-- XEP-0363 for the file-transfer scenario: files of any size the bench sends, as often as it runs.
http_file_share_size_limit = 1024*1024*1024
http_file_share_daily_quota = 1024*1024*1024*1024
VirtualHost "localhost"
Component "upload.localhost" "http_file_share"
EOF
    # One user through prosodyctl (checks the config and the account format), the rest written
    # directly in the same internal_plain format: prosodyctl costs ~0.3 s a user.
    prosodyctl --config "$dir/prosody.cfg.lua" register "${prefix}1" localhost "$password" >/dev/null
    accounts="$dir/data/localhost/accounts"
    mkdir -p "$accounts"
    for ((i = 2; i <= users; i++)); do
      printf 'return {\n\t["password"] = "%s";\n};\n' "$password" > "$accounts/${prefix}${i}.dat"
    done
    nohup prosody -F --config "$dir/prosody.cfg.lua" >>"$dir/prosody.out" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$c2s") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$http") 2>/dev/null; then
        echo "{\"pid\":$pid,\"c2sPort\":$c2s,\"httpPort\":$http,\"dir\":\"$dir\"}"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "prosody did not start:" >&2
    tail -20 "$dir/prosody.out" "$dir/prosody.log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  stop)
    dir=${2:?usage: $0 stop DIR}
    [[ "$dir" == */deskchat-bench-prosody.* && -f "$dir/prosody.cfg.lua" ]] || { echo "not a bench Prosody directory: $dir" >&2; exit 2; }
    if [[ -f "$dir/prosody.pid" ]]; then
      pid=$(cat "$dir/prosody.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start USERS [PREFIX] [PASSWORD] | stop DIR" >&2
    exit 2
    ;;
esac
