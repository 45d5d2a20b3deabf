#!/usr/bin/env bash
# Does a slow password check stall the other clients? proxy_auth verifies bcrypt on a
# pool of its own, never on an io thread: 200 keep-alive clients whose credentials are
# cached should see the same p99 whether or not uncached bcrypt checks (cost 12, about a
# quarter of a second each) run meanwhile.
#
# Usage: bench/auth_p99.sh [SECONDS]   (default 10 per run; two runs, side by side)
#        BENCH_BUILD=build-test bench/auth_p99.sh   uses that build folder as it is
# Everything on 127.0.0.1, bounded in time; stops what it started, by PID. Prints one
# table; absolute figures on a shared machine are noise, compare the two rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
seconds=${1:-10}
conns=200

log() { echo "auth_p99: $*" >&2; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { # PORT: until it accepts, at most 15 s
  for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "auth_p99: port $1 never opened" >&2
  exit 1
}

build=${BENCH_BUILD:-build}
if [ -z "${BENCH_BUILD:-}" ]; then
  "$repo/scripts/build.sh" build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
command -v wrk nginx htpasswd >/dev/null || { echo "auth_p99: needs wrk, nginx, htpasswd (bench/install-bench-deps.sh)" >&2; exit 1; }

# Origin: nginx serving 100 bytes.
p_http=$(free_port)
mkdir -p "$work/www" "$work/nginx/tmp"
head -c 100 /dev/zero | tr '\0' 'x' >"$work/www/small"
chmod -R a+rX "$work"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp; uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  server { listen 127.0.0.1:$p_http; root $work/www; keepalive_requests 1000000; }
}
EOF
nginx -c "$work/nginx/nginx.conf" &
pids+=($!)
wait_port "$p_http"

# Users: one for the load (cached after its first request), and fresh ones for the
# slow checks, each verified once, at bcrypt cost 12.
log "making users (bcrypt cost 12)"
htpasswd -nbB -C 12 load "load pw" >"$work/users.htpasswd"
slow_users=40
for i in $(seq "$slow_users"); do
  htpasswd -nbB -C 12 "slow$i" "slow pw $i" >>"$work/users.htpasswd"
done

p_proxy=$(free_port)
cat >"$work/proxy.yaml" <<EOF
server: {port: $p_proxy, max_connections_per_ip: 1000}
plugins:
  dirs: [$repo/$build/bin/plugins]
  enabled: [http_parser, proxy_auth]
  settings:
    proxy_auth: {users_file: $work/users.htpasswd, max_failures: 0}
EOF
ulimit -n 4096 2>/dev/null || true
"$repo/$build/bin/proxy-server" -c "$work/proxy.yaml" 2>"$work/proxy.log" &
pids+=($!)
wait_port "$p_proxy"

auth="Proxy-Authorization: Basic $(printf 'load:load pw' | base64)"
target=http://127.0.0.1:$p_http/small
run_wrk() {
  BENCH_TARGET=$target wrk -t2 -c"$conns" -d"${seconds}s" -H "$auth" -s "$here/wrk-proxy.lua" \
    "http://127.0.0.1:$p_proxy" | grep '^BENCH'
}
# Warm the cache for the load user.
curl -s -o /dev/null --proxy "http://127.0.0.1:$p_proxy" --proxy-user "load:load pw" "$target"

log "run 1: $conns cached clients alone (${seconds} s)"
alone=$(run_wrk)

log "run 2: the same, while uncached bcrypt checks run one after another"
(
  end=$((SECONDS + seconds))
  i=1
  while [ $SECONDS -lt $end ] && [ $i -le $slow_users ]; do
    curl -s -o /dev/null --max-time 10 --proxy "http://127.0.0.1:$p_proxy" \
      --proxy-user "slow$i:slow pw $i" "$target" || true
    i=$((i + 1))
  done
  echo $((i - 1)) >"$work/checks"
) &
checker=$!
beside=$(run_wrk)
wait "$checker" || true

field() { sed -E "s/.*$1=([0-9]+).*/\1/" <<<"$2"; }
row() { # NAME BENCH-LINE
  local req dur p50 p99
  req=$(field requests "$2"); dur=$(field duration_us "$2")
  p50=$(field p50_us "$2"); p99=$(field p99_us "$2")
  printf '| %s | %s | %.2f | %.2f |\n' "$1" "$(awk -v r="$req" -v d="$dur" 'BEGIN{printf "%d", r/(d/1e6)}')" \
    "$(awk -v v="$p50" 'BEGIN{print v/1000}')" "$(awk -v v="$p99" 'BEGIN{print v/1000}')"
}
echo "| $conns cached clients, keep-alive | req/s | p50 ms | p99 ms |"
echo "|---|---:|---:|---:|"
row "alone" "$alone"
row "while $(cat "$work/checks") uncached bcrypt checks ran" "$beside"
