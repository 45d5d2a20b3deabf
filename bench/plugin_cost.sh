#!/usr/bin/env bash
# What each bundled plugin costs on its own: proxy CPU-s per 10,000 keep-alive requests
# with http_parser alone, then with http_parser and one other plugin, against an nginx
# origin on 127.0.0.1. Not part of CI or ctest: run it by hand.
#
#   bench/plugin_cost.sh [--duration S] [--rounds N] [--only "NAME..."] [--build DIR]
#
# For every configuration a fresh proxy is started (the already built DIR/bin/proxy-server,
# server.workers 0), warmed up with a 1 s wrk run, then measured with
# `wrk -t2 -c50 -dS` (absolute-form requests for a 100-byte file, bench/wrk-proxy.lua);
# its CPU time (utime + stime of all threads, bench/procstat.py) over the measured run ÷
# (requests / 10,000) is the figure. Rounds go through every configuration in turn, so
# drift in the machine's load spreads over all of them; the table shows the median of the
# rounds and every round's value. sni_policy is left out: it has no hook on plain HTTP.
# On exit it stops every process it started, by PID, and removes its temporary folder.
# See bench/README.md.
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/plugin_cost.sh [--duration S] [--rounds N] [--only "NAME..."] [--build DIR]
  --duration S   seconds of each measured wrk run (10)
  --rounds N     times every configuration is measured (2)
  --only NAMES   the plugins to measure beside the parser-only baseline, space separated
                 (default: "json_log access_policy rate_limiter metrics")
  --build DIR    build folder holding bin/proxy-server and bin/plugins (build, else
                 build-test); the script does not build
EOF
}

duration=10 rounds=2 only="json_log access_policy rate_limiter metrics" build=""
while [ $# -gt 0 ]; do
  case $1 in
    --duration | --rounds | --only | --build)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      case $1 in
        --duration) duration=$2 ;;
        --rounds) rounds=$2 ;;
        --only) only=$2 ;;
        --build) build=$2 ;;
      esac
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

log() { echo "plugin_cost: $*" >&2; }
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
plugin_dir=$(cd "${build:-$repo/build}/bin/plugins" 2>/dev/null && pwd) || plugin_dir=""
[ -x "$proxy_bin" ] || die "no built proxy at $proxy_bin (build it first, or pass --build DIR)"
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (bench/install-bench-deps.sh)"
done
configs=(parser_only)
for name in $only; do
  case $name in
    json_log | access_policy | rate_limiter | metrics) ;;
    sni_policy) die "sni_policy has no hook on plain HTTP: nothing to measure here" ;;
    *) die "unknown plugin '$name'" ;;
  esac
  [ -e "$plugin_dir/lib$name.so" ] || die "no $name plugin in ${plugin_dir:-the build}"
  configs+=("$name")
done

# --- temp dir, process bookkeeping, cleanup -----------------------------------------------
work=$(mktemp -d -t proxy-plugin-cost.XXXXXXXX)
chmod 755 "$work" # nginx drops root for its own user
pids=()

alive() { # PID: running, and not a zombie waiting to be reaped
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

# --- origin: nginx ----------------------------------------------------------------------
p_http=$(free_port)
mkdir -p "$work/www" "$work/nginx/tmp"
head -c 99 /dev/zero | tr '\0' 'x' >"$work/www/small"
echo >>"$work/www/small" # 100 bytes
chmod -R a+rX "$work/www"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/octet-stream;
  keepalive_timeout 75s;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$p_http;
    root $work/www;
  }
}
EOF
nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
  >"$work/nginx/stderr" 2>&1 &
pid_nginx=$!
pids+=("$pid_nginx")
wait_port "$p_http" "$pid_nginx" nginx "$work/nginx/error.log"
target=http://127.0.0.1:$p_http/small

# --- one configuration ------------------------------------------------------------------
settings_of() { # PLUGIN: its settings, as run.sh's all-plugins row has them
  case $1 in
    json_log) echo "json_log: {path: \"$work/access.log\"}" ;;
    access_policy) echo "access_policy: {}" ;; # the defaults: loopback clients, port 443
    rate_limiter) echo "rate_limiter: {requests: 1000000000, window: 1}" ;; # out of reach
    metrics) echo "metrics: {path: /_metrics}" ;;
    *) echo "{}" ;;
  esac
}

measure() { # CONFIG: prints "REQUESTS CPU_SECONDS" for one measured run on a fresh proxy
  local config=$1 port dir enabled settings pid out c0 c1 line requests
  port=$(free_port)
  dir=$work/$config
  mkdir -p "$dir"
  enabled="[http_parser]" settings="{}"
  if [ "$config" != parser_only ]; then
    enabled="[http_parser, $config]" settings="{$(settings_of "$config")}"
  fi
  cat >"$dir/proxy.yaml" <<EOF
server: {listen: 127.0.0.1, port: $port, workers: 0, max_connections: 20000, max_connections_per_ip: 20000, shutdown_grace: 1}
logging: {level: warn}
plugins:
  dirs: [$plugin_dir]
  enabled: $enabled
  settings: $settings
EOF
  rm -f "$work/access.log"
  "$proxy_bin" --config "$dir/proxy.yaml" >"$dir/stdout" 2>"$dir/stderr" &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "proxy-server ($config)" "$dir/stderr"
  BENCH_TARGET=$target timeout 40 wrk -t2 -c50 -d1s --timeout 5s -s "$here/wrk-proxy.lua" \
    "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  c0=$(python3 "$here/procstat.py" cpu "$pid")
  out=$(BENCH_TARGET=$target timeout $((duration + 60)) wrk -t2 -c50 -d"${duration}s" \
    --timeout 5s -s "$here/wrk-proxy.lua" "http://127.0.0.1:$port/" 2>&1) || true
  c1=$(python3 "$here/procstat.py" cpu "$pid")
  stop_pid "$pid"
  line=$(grep '^BENCH ' <<<"$out" || true)
  [ -n "$line" ] || die "wrk through $config produced no summary: $(tail -n 3 <<<"$out")"
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  grep -q 'err_status=0 ' <<<"$line" || log "warning: $config: non-2xx answers: $line"
  echo "$requests $(awk -v a="$c1" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')"
}

# --- rounds -----------------------------------------------------------------------------
results=$work/results.txt
: >"$results"
log "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per run, $rounds rounds"
for round in $(seq "$rounds"); do
  for config in "${configs[@]}"; do
    read -r requests cpu_s <<<"$(measure "$config")"
    log "round $round: $config: $requests requests, ${cpu_s} CPU-s"
    echo "$config $requests $cpu_s" >>"$results"
  done
done
log "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$duration" "${configs[@]}" <<'EOF'
import statistics
import sys

path, duration, configs = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
runs = {name: [] for name in configs}
with open(path) as f:
    for line in f:
        name, requests, cpu = line.split()
        runs[name].append((int(requests), float(cpu)))


def per_10k(requests, cpu):
    return cpu / (requests / 10_000) if requests else float("nan")


base = statistics.median(per_10k(*run) for run in runs["parser_only"])
print("| plugins | req/s (median) | CPU-s per 10k requests (median) | each round | over parser only |")
print("|---|---|---|---|---|")
for name in configs:
    costs = [per_10k(*run) for run in runs[name]]
    rates = [requests / duration for requests, _ in runs[name]]
    cost = statistics.median(costs)
    label = "http_parser" if name == "parser_only" else f"http_parser + {name}"
    extra = "" if name == "parser_only" else f"{cost - base:+.3f}"
    each = " / ".join(f"{c:.3f}" for c in costs)
    print(f"| {label} | {statistics.median(rates):,.0f} | {cost:.3f} | {each} | {extra} |")
EOF
