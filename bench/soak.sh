#!/usr/bin/env bash
# Soak test: proxy-server under a Slowloris crowd while normal keep-alive clients keep
# using it, everything on 127.0.0.1. Not part of CI or ctest: run it by hand.
#
#   bench/soak.sh [--duration S] [--slowloris N] [--interval S] [--clients N]
#                 [--build DIR]
#
# Starts, on free loopback ports in a temporary folder: an origin (nginx when installed,
# else the Python OriginServer from tests/integration/origins.py), the already built
# proxy (DIR/bin/proxy-server with the http_parser and metrics plugins), N Slowloris
# connections (bench/slowloris.py: each sends a request head one byte every S seconds,
# reopened whenever the proxy closes it), and normal clients (wrk -c10 when installed,
# else bench/soak_clients.py), for --duration seconds; meanwhile bench/soak_sampler.py
# records the proxy's RSS, descriptors and proxy_connections_active every second. Prints
# the normal clients' p50/p99 latency, RSS at start/middle/end and what happened to the
# Slowloris connections. On exit it stops every process it started, by PID, and removes
# its temporary folder. See bench/README.md.
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/soak.sh [--duration S] [--slowloris N] [--interval S] [--clients N] [--build DIR]
  --duration S   how long the load runs (60)
  --slowloris N  Slowloris connections kept open (2000)
  --interval S   seconds between two bytes of one Slowloris connection (3)
  --clients N    normal keep-alive clients (10)
  --build DIR    build folder holding bin/proxy-server and bin/plugins (build, else
                 build-test); the script does not build
Environment: SOAK_HEADER_READ (10) sets timeouts.header_read, the proxy's Slowloris
defence; SOAK_WORKERS (0 = one per core) sets server.workers.
EOF
}

duration=60 slowloris=2000 interval=3 clients=10 build=""
while [ $# -gt 0 ]; do
  case $1 in
    --duration | --slowloris | --interval | --clients | --build)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      case $1 in
        --duration) duration=$2 ;;
        --slowloris) slowloris=$2 ;;
        --interval) interval=$2 ;;
        --clients) clients=$2 ;;
        --build) build=$2 ;;
      esac
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
header_read=${SOAK_HEADER_READ:-10}
workers=${SOAK_WORKERS:-0}

log() { echo "soak: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

if [ -z "$build" ]; then
  for candidate in "$repo/build" "$repo/build-test"; do
    if [ -x "$candidate/bin/proxy-server" ]; then
      build=$candidate
      break
    fi
  done
fi
proxy_bin=${build:-$repo/build}/bin/proxy-server
plugin_dir=${build:-$repo/build}/bin/plugins
[ -x "$proxy_bin" ] || die "no built proxy at $proxy_bin (build it first, or pass --build DIR)"
for plugin in http_parser metrics; do
  [ -e "$plugin_dir/lib$plugin.so" ] || die "no $plugin plugin in $plugin_dir"
done

# Slowloris connections, the proxy's side of each and the clients' all need descriptors.
need=$((2 * slowloris + 1024))
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt "$need" ]; then
  ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt "$need" ]; then
  log "warning: only $nofile descriptors per process, $need wanted; figures may fall short"
fi

# --- temp dir, process bookkeeping, cleanup -----------------------------------------------
work=$(mktemp -d -t proxy-soak.XXXXXXXX)
chmod 755 "$work" # nginx drops root for its own user
pids=()

alive() { # PID: running, and not a zombie waiting to be reaped
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

stop_pid() { # PID: SIGTERM, up to 5 s to exit, then SIGKILL
  local pid=$1 i
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$? i
  set +e
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    stop_pid "${pids[$i]}"
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

read -r p_origin p_proxy <<<"$(python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"

# --- origin -------------------------------------------------------------------------------
if command -v nginx >/dev/null 2>&1; then
  origin_kind=nginx
  mkdir -p "$work/www" "$work/nginx/tmp"
  head -c 99 /dev/zero | tr '\0' 'x' >"$work/www/small"
  echo >>"$work/www/small" # 100 bytes
  chmod -R a+rX "$work/www"
  cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
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
  server { listen 127.0.0.1:$p_origin; root $work/www; }
}
EOF
  nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
    >"$work/nginx/stderr" 2>&1 &
  pid_origin=$!
  origin_log=$work/nginx/error.log
  origin_url=http://127.0.0.1:$p_origin/small
else
  origin_kind="python (tests/integration/origins.py)"
  timeout $((duration + 120)) python3 "$here/soak_origin.py" --max-seconds $((duration + 90)) \
    >"$work/origin.port" 2>"$work/origin.stderr" &
  pid_origin=$!
  origin_log=$work/origin.stderr
  for _ in $(seq 150); do
    [ -s "$work/origin.port" ] && break
    sleep 0.1
  done
  p_origin=$(head -n1 "$work/origin.port")
  [ -n "$p_origin" ] || die "the Python origin did not start: $(cat "$origin_log")"
  origin_url=http://127.0.0.1:$p_origin/fixed
fi
pids+=("$pid_origin")
wait_port "$p_origin" "$pid_origin" origin "$origin_log"

# --- proxy --------------------------------------------------------------------------------
# Every client is 127.0.0.1, so the per-IP cap is raised out of the way: the point is how
# the core holds up with thousands of half-sent heads, not that the cap refuses them.
cat >"$work/proxy.yaml" <<EOF
server: {listen: 127.0.0.1, port: $p_proxy, workers: $workers, max_connections: $((slowloris + 1000)), max_connections_per_ip: $((slowloris + 1000)), shutdown_grace: 2}
timeouts: {header_read: $header_read}
plugins: {dirs: [$plugin_dir], enabled: [http_parser, metrics]}
logging: {level: warn}
EOF
"$proxy_bin" --config "$work/proxy.yaml" >"$work/proxy.stdout" 2>"$work/proxy.stderr" &
pid_proxy=$!
pids+=("$pid_proxy")
wait_port "$p_proxy" "$pid_proxy" proxy-server "$work/proxy.stderr"
log "origin $origin_kind :$p_origin, proxy :$p_proxy (pid $pid_proxy)"

# --- load ---------------------------------------------------------------------------------
# The sampler starts first and runs 3 s longer, so that its first sample is the idle
# proxy and its last one comes after the load stopped.
timeout $((duration + 30)) python3 "$here/soak_sampler.py" --pid "$pid_proxy" \
  --port "$p_proxy" --duration $((duration + 4)) --load-from 1 --load-for "$duration" \
  --csv "$work/samples.csv" \
  >"$work/sampler.json" 2>"$work/sampler.stderr" &
pid_sampler=$!
pids+=("$pid_sampler")
sleep 1

log "load: $slowloris Slowloris connections (a byte every ${interval}s) and $clients normal" \
  "clients for ${duration}s; header_read ${header_read}s"
timeout $((duration + 30)) python3 "$here/slowloris.py" --port "$p_proxy" \
  --authority "127.0.0.1:$p_origin" --count "$slowloris" --interval "$interval" \
  --duration "$duration" >"$work/slowloris.json" 2>"$work/slowloris.stderr" &
pid_slow=$!
pids+=("$pid_slow")

if command -v wrk >/dev/null 2>&1; then
  client_kind="wrk -t1 -c$clients (closed loop)"
  BENCH_TARGET=$origin_url timeout $((duration + 30)) wrk -t1 -c"$clients" -d"${duration}s" \
    --timeout 10s -s "$here/wrk-proxy.lua" "http://127.0.0.1:$p_proxy/" \
    >"$work/clients.out" 2>&1 &
else
  client_kind="soak_clients.py, $clients clients, one request per 50 ms each"
  timeout $((duration + 30)) python3 "$here/soak_clients.py" --port "$p_proxy" \
    --url "$origin_url" --clients "$clients" --duration "$duration" \
    >"$work/clients.out" 2>"$work/clients.stderr" &
fi
pid_clients=$!
pids+=("$pid_clients")

wait "$pid_clients" || log "normal clients exited with $?"
wait "$pid_slow" || log "slowloris exited with $?"
wait "$pid_sampler" || log "sampler exited with $?"
alive "$pid_proxy" || log "proxy-server is no longer running: $(tail -n 5 "$work/proxy.stderr")"

# --- report -------------------------------------------------------------------------------
python3 - "$work" "$client_kind" "$origin_kind" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  <<'EOF'
import json
import re
import sys

work, client_kind, origin_kind, cores, load = sys.argv[1:]


def load_json(name):
    try:
        with open(f"{work}/{name}") as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


with open(f"{work}/clients.out") as f:
    clients_text = f.read()
bench = re.search(r"^BENCH (.*)$", clients_text, re.M)
if bench:  # wrk through bench/wrk-proxy.lua
    fields = dict(kv.split("=") for kv in bench.group(1).split())
    errors = sum(int(v) for k, v in fields.items() if k.startswith("err_"))
    clients = {"requests": int(fields["requests"]), "errors": errors,
               "p50_ms": int(fields["p50_us"]) / 1000, "p99_ms": int(fields["p99_us"]) / 1000,
               "max_ms": int(fields["max_us"]) / 1000}
else:
    clients = load_json("clients.out")
slow = load_json("slowloris.json")
sampler = load_json("sampler.json")

print(f"machine: {cores} cores, load average at the end {load} (shared: the load "
      "generators, the origin and the proxy all run here)")
print(f"origin: {origin_kind}; normal clients: {client_kind}")
if clients:
    print(f"normal clients: {clients['requests']} requests, errors {clients['errors']}, "
          f"p50 {clients['p50_ms']} ms, p99 {clients['p99_ms']} ms, max {clients['max_ms']} ms")
else:
    print("normal clients: no summary\n" + clients_text[-2000:])
if slow:
    print(f"slowloris: target {slow['target']}, held at the end {slow['held_end']}, "
          f"held at least {slow['held_min_after_rampup']} after the ramp-up, at most "
          f"{slow['held_max']}; opened {slow['opened']}, closed by the proxy "
          f"{slow['closed_by_proxy']} ({slow['answered']} with a response first), connect "
          f"failures {slow['connect_failed']}; closed ones lived p50 "
          f"{slow['lifetime_p50_s']} s, max {slow['lifetime_max_s']} s")
else:
    print("slowloris: no summary")
if sampler:
    rss, fds, active = sampler["rss_kib"], sampler["fds"], sampler["connections_active"]
    print(f"proxy samples, one a second ({sampler['samples']}): start = before the load, "
          "middle and end = of the load, after = 3 s after it stopped")

    def row(name, values, note=""):
        print(f"  {name}: start {values['start']}, middle {values['middle']}, end "
              f"{values['end']}, after {values['after']}, peak {values['peak']}{note}")

    row("RSS KiB", rss)
    row("descriptors", fds)
    row("proxy_connections_active", active,
        f" ({active['unreadable_samples']} scrapes failed)")
else:
    print("sampler: no summary")
EOF
