# Helpers the bench scripts share (sourced, not run): processes started and stopped by
# PID, free loopback ports, and an nginx origin serving a 100-byte file. The sourcing
# script sets `bench_name` (for log lines) and `work` (its temporary folder) first, and
# calls `bench_cleanup` from its EXIT trap.
# shellcheck shell=bash disable=SC2317  # functions run from traps

pids=()

log() { echo "$bench_name: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

alive() { # PID: running, and not a zombie
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

stop_pid() { # PID: SIGTERM, up to 10 s to exit, then SIGKILL
  local pid=$1 i
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
      alive "$pid" || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() { # stops every PID in `pids`, newest first, and removes `work`
  local rc=$? i
  set +e
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${pids[$i]}"
  done
  rm -rf "$work"
  exit "$rc"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # PORT PID NAME LOG: until PORT accepts, at most 15 s
  local port=$1 pid=$2 name=$3 logf=$4 i
  for i in $(seq 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! alive "$pid"; then
      tail -n 20 "$logf" >&2 || true
      die "$name exited during startup"
    fi
    sleep 0.1
  done
  tail -n 20 "$logf" >&2 || true
  die "$name is not listening on 127.0.0.1:$port after 15 s"
}

find_build() { # [DIR]: sets proxy_bin and plugin_dir from DIR, else build, else build-test
  local build=${1:-} candidate
  if [ -z "$build" ]; then
    for candidate in "$repo/build" "$repo/build-test"; do
      if [ -x "$candidate/bin/proxy-server" ]; then
        build=$candidate
        break
      fi
    done
  fi
  proxy_bin=${build:-$repo/build}/bin/proxy-server
  plugin_dir=$(cd "${build:-$repo/build}/bin/plugins" 2>/dev/null && pwd) || plugin_dir=""
  [ -x "$proxy_bin" ] || die "no built proxy at $proxy_bin (build it first, or pass --build DIR)"
}

start_small_origin() { # nginx on a free port serving $work/www/small (100 bytes); sets target
  local port
  port=$(free_port)
  mkdir -p "$work/www" "$work/nginx/tmp"
  head -c 99 /dev/zero | tr '\0' 'x' >"$work/www/small"
  echo >>"$work/www/small"
  chmod 755 "$work" # nginx drops root for its own user
  chmod -R a+rX "$work/www"
  cat >"$work/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
  }
}
NGINX
  nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
    >"$work/nginx/stderr" 2>&1 &
  pids+=($!)
  wait_port "$port" "$!" nginx "$work/nginx/error.log"
  target=http://127.0.0.1:$port/small
}

start_redis() { # redis-server on a free port; sets p_redis and pid_redis
  p_redis=$(free_port)
  mkdir -p "$work/redis"
  redis-server --port "$p_redis" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$work/redis" --logfile "$work/redis/redis.log" &
  pid_redis=$!
  pids+=("$pid_redis")
  wait_port "$p_redis" "$pid_redis" redis-server "$work/redis/redis.log"
}

wrk_run() { # PORT SECONDS CONNECTIONS: one wrk run through a proxy; prints its BENCH line
  local port=$1 seconds=$2 connections=$3 out line
  out=$(BENCH_TARGET=$target timeout $((seconds + 60)) wrk -t2 -c"$connections" \
    -d"${seconds}s" --timeout 5s -s "$here/wrk-proxy.lua" "http://127.0.0.1:$port/" 2>&1) || true
  line=$(grep '^BENCH ' <<<"$out" || true)
  [ -n "$line" ] || die "wrk through port $port produced no summary: $(tail -n 3 <<<"$out")"
  echo "$line"
}
