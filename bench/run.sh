#!/usr/bin/env bash
# Benchmarks proxy-server side by side with Squid and tinyproxy, and with no proxy at all
# (direct), against an nginx origin, all on 127.0.0.1. One command:
#
#   bench/run.sh            full run (10 s wrk runs, 1 GiB downloads, 10,000 idle
#                           connections, a sweep of 1 to 1,000 connections, 100,000 idle
#                           connections on proxy-server); writes bench/RESULTS.md and
#                           the chart bench/RESULTS-connections.png
#   bench/run.sh --quick    smoke test (2 s, 64 MiB, 1,000, a 1 s sweep, no 100k step);
#                           prints the tables only
#
# It installs what is missing (bench/install-bench-deps.sh, scripts/install-deps.sh),
# builds the proxy (Release), starts every server it needs on free loopback ports in a
# temporary folder, measures, prints a Markdown table on stdout, and on exit stops every
# process it started (by PID) and removes the temporary folder. See bench/README.md.
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--quick] [--out FILE] [--no-wait]
  --quick     smoke test: 2 s wrk runs, 64 MiB downloads, 1,000 idle connections,
              10 fresh-request pairs, 1 s per sweep point and no 100k idle step;
              prints the tables but writes no results file unless --out is given
  --out FILE  where to write the Markdown report (full run: bench/RESULTS.md); the
              connections chart goes beside it (FILE without .md, -connections.png)
  --no-wait   do not wait for the machine's load average to settle before measuring
Environment: BENCH_MAX_LOAD (1.5) and BENCH_LOAD_WAIT (600 s): a full run first waits,
up to BENCH_LOAD_WAIT seconds, for the 1-minute load average to fall below BENCH_MAX_LOAD.
BENCH_MANY=N: run the idle-connection step of a full run (100,000) in a --quick run too,
with N connections.
BENCH_RAW_DIR: copy the raw figures (results.txt, meta.txt) there, for report.py and
plot_connections.py to be run on them again.
EOF
}

quick=0
out=""
wait_load=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --out)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      out=$2
      shift
      ;;
    --no-wait) wait_load=0 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  mode=quick wrk_duration=2 size_mib=64 idle_conns=1000 idle_pause=1 fresh_pairs=10
  sweep_duration=1 sweep_warmup=0 sweep_pause=0 many=${BENCH_MANY:-0}
  wait_load=0
else
  mode=full wrk_duration=10 size_mib=1024 idle_conns=10000 idle_pause=3 fresh_pairs=50
  sweep_duration=8 sweep_warmup=1 sweep_pause=1 many=100000
  out=${out:-$here/RESULTS.md}
fi
many_sources=8        # 127.0.0.1-8: eight ephemeral port ranges towards the proxy's port
wrk_threads=2
wrk_conns=50
sweep_conns=(1 10 50 200 1000) # keep-alive connections; 50 is the wrk_conns run itself
wrk_timeout=5         # seconds; a slower response counts as a wrk timeout error
warmup_duration=1     # an unmeasured wrk run before each measured one
curl_max_time=300     # seconds, per download
max_load=${BENCH_MAX_LOAD:-1.5}
load_wait=${BENCH_LOAD_WAIT:-600}
size_bytes=$((size_mib * 1024 * 1024))

log() { echo "bench: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# --- dependencies and build -------------------------------------------------------------
"$here/install-bench-deps.sh"
"$repo/scripts/install-deps.sh"
log "building proxy-server (Release)"
"$repo/scripts/build.sh" build -DCMAKE_BUILD_TYPE=Release -DPROXY_BUILD_TESTS=OFF >&2
proxy_bin=$repo/build/bin/proxy-server
plugin_dir=$repo/build/bin/plugins
[ -x "$proxy_bin" ] || die "no $proxy_bin after the build"

# Every process started here inherits this: 10,000 idle connections and wrk's 1,000
# need the descriptors. Only the soft limit: the 100k step raises its own further.
ulimit -Sn 65536 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -Sn)
nofile_hard=$(ulimit -Hn)
if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((idle_conns + 512)) ]; then
  log "warning: only $nofile descriptors per process; the idle-connection test may fall short"
fi

# --- temp dir, process bookkeeping, cleanup -----------------------------------------------
work=$(mktemp -d -t proxy-bench.XXXXXXXX)
chmod 755 "$work" # nginx, squid and tinyproxy drop root for their own users
pids=()

alive() { # PID: running, and not a zombie waiting to be reaped
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

descendants() { # PID: its live descendants, children first
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

stop_pid() { # PID: SIGTERM, up to 5 s to exit, then SIGKILL (it and what it started)
  local pid=$1 kids i
  kids=$(descendants "$pid")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for i in $kids; do
    if alive "$i"; then
      kill -KILL "$i" 2>/dev/null || true
    fi
  done
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

# Free loopback ports, all held at once while chosen so that they differ.
read -r p_http p_tls p_squid p_tiny p_ours p_all p_many <<<"$(python3 - <<'EOF'
import socket
socks = []
for _ in range(7):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"

# --- origin: nginx ----------------------------------------------------------------------
mkdir -p "$work/www" "$work/nginx/tmp"
head -c 99 /dev/zero | tr '\0' 'x' >"$work/www/small"
echo >>"$work/www/small" # 100 bytes
fallocate -l "$size_bytes" "$work/www/big" 2>/dev/null || truncate -s "$size_bytes" "$work/www/big"
# Read it once so that every download, the first one included, is served from the page
# cache: otherwise whichever target goes first pays for filling it.
cat "$work/www/big" >/dev/null
chmod -R a+rX "$work/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" 2>/dev/null
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
worker_rlimit_nofile 20000;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
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
  server {
    listen 127.0.0.1:$p_tls ssl;
    ssl_certificate $work/nginx/cert.pem;
    ssl_certificate_key $work/nginx/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $work/www;
  }
}
EOF
nginx -p "$work/nginx/" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
  >"$work/nginx/stderr" 2>&1 &
pid_nginx=$!
pids+=("$pid_nginx")
wait_port "$p_http" "$pid_nginx" nginx "$work/nginx/error.log"
wait_port "$p_tls" "$pid_nginx" nginx "$work/nginx/error.log"

# --- Squid ------------------------------------------------------------------------------
# Debian 12's squid 5.7: foreground with -N, drops root for the `proxy` user, so its
# folder belongs to that user. No cache (cache deny all, no cache_dir), no access log, no
# pinger or netdb, loopback clients only, CONNECT only to the origin's TLS port.
mkdir -p "$work/squid"
cat >"$work/squid/squid.conf" <<EOF
http_port 127.0.0.1:$p_squid
visible_hostname bench-squid
workers 1
pid_filename $work/squid/squid.pid
cache_log $work/squid/cache.log
access_log none
cache_store_log none
netdb_filename none
pinger_enable off
coredump_dir $work/squid
cache deny all
shutdown_lifetime 1 seconds
max_filedescriptors $nofile
acl SSL_ports port $p_tls
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow localhost
http_access deny all
EOF
if [ "$(id -u)" = 0 ] && id proxy >/dev/null 2>&1; then
  chown -R proxy: "$work/squid"
fi
squid -N -f "$work/squid/squid.conf" >"$work/squid/stderr" 2>&1 &
pid_squid=$!
pids+=("$pid_squid")
wait_port "$p_squid" "$pid_squid" squid "$work/squid/cache.log"

# --- tinyproxy --------------------------------------------------------------------------
mkdir -p "$work/tinyproxy"
tiny_user=""
if [ "$(id -u)" = 0 ]; then
  tiny_user="User nobody
Group $(id -gn nobody 2>/dev/null || echo nogroup)"
  chown -R nobody: "$work/tinyproxy" 2>/dev/null || true
fi
cat >"$work/tinyproxy/tinyproxy.conf" <<EOF
$tiny_user
Port $p_tiny
Listen 127.0.0.1
Timeout 600
MaxClients $((idle_conns + 1000))
Allow 127.0.0.1
ConnectPort $p_tls
LogLevel Error
PidFile "$work/tinyproxy/tinyproxy.pid"
EOF
tinyproxy -d -c "$work/tinyproxy/tinyproxy.conf" >"$work/tinyproxy/stderr" 2>&1 &
pid_tiny=$!
pids+=("$pid_tiny")
wait_port "$p_tiny" "$pid_tiny" tinyproxy "$work/tinyproxy/stderr"

# --- ours -------------------------------------------------------------------------------
# header_read 60 s so that half-sent requests survive the idle-connection measurement.
mkdir -p "$work/ours"
cat >"$work/ours/proxy.yaml" <<EOF
server: {listen: 127.0.0.1, port: $p_ours, workers: 0, max_connections: 20000, max_connections_per_ip: 20000, shutdown_grace: 1}
timeouts: {header_read: 60}
plugins: {dirs: [$plugin_dir], enabled: [http_parser]}
logging: {level: warn}
EOF
"$proxy_bin" --config "$work/ours/proxy.yaml" >"$work/ours/stdout" 2>"$work/ours/stderr" &
pid_ours=$!
pids+=("$pid_ours")
wait_port "$p_ours" "$pid_ours" proxy-server "$work/ours/stderr"

# The same binary with all six shipped plugins, as config/default.yaml enables them,
# adjusted only so the load is not refused: the rate limit is out of reach, CONNECT may
# reach the origin's port, a tunnel without SNI (curl to an IP address) is allowed, and
# the access log goes to a file. What this row costs over the one above is the plugins.
mkdir -p "$work/ours_all"
cat >"$work/ours_all/overlay.yaml" <<EOF
server: {listen: 127.0.0.1, port: $p_all, workers: 0, max_connections: 20000, max_connections_per_ip: 20000, shutdown_grace: 1}
timeouts: {header_read: 60}
logging: {level: warn}
plugins:
  dirs: [$plugin_dir]
  settings:
    access_policy: {connect_ports: [$p_tls]}
    sni_policy: {on_missing_sni: allow}
    rate_limiter: {requests: 1000000, window: 1, max_tracked_clients: 100}
    json_log: {path: "$work/ours_all/access.log"}
EOF
"$proxy_bin" --config "$repo/config/default.yaml" --config "$work/ours_all/overlay.yaml" \
  >"$work/ours_all/stdout" 2>"$work/ours_all/stderr" &
pid_all=$!
pids+=("$pid_all")
wait_port "$p_all" "$pid_all" "proxy-server (all plugins)" "$work/ours_all/stderr"

log "origin http :$p_http, https :$p_tls; squid :$p_squid, tinyproxy :$p_tiny, ours :$p_ours, ours_all :$p_all"

# --- load --------------------------------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
if [ "$wait_load" = 1 ]; then
  waited=0
  while ! below "$(load1)" "$max_load" && [ "$waited" -lt "$load_wait" ]; do
    log "1-minute load average $(load1) >= $max_load; waiting (${waited}s of ${load_wait}s)"
    sleep 30
    waited=$((waited + 30))
  done
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
measure_start=$(date +%s)

# --- measurements -----------------------------------------------------------------------
results=$work/results.txt
: >"$results"
record() { echo "$1 $2 $3" >>"$results"; } # TARGET KEY VALUE
cpu() { python3 "$here/procstat.py" cpu "$1"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a - b }'; }

declare -A proxy_pid=([ours]=$pid_ours [ours_all]=$pid_all [squid]=$pid_squid [tinyproxy]=$pid_tiny)
declare -A proxy_port=([ours]=$p_ours [ours_all]=$p_all [squid]=$p_squid [tinyproxy]=$p_tiny)
proxies=(ours ours_all squid tinyproxy)
targets=(direct ours ours_all squid tinyproxy)

declare -A proxy_log=([ours]=$work/ours/stderr [ours_all]=$work/ours_all/stderr [squid]=$work/squid/cache.log
  [tinyproxy]=$work/tinyproxy/stderr)
declare -A dead=()

check_alive() { # TARGET PHASE: false, and noted once, when the proxy has died
  local name=$1 phase=$2
  [ "$name" = direct ] && return 0
  if alive "${proxy_pid[$name]}"; then
    return 0
  fi
  if [ -z "${dead[$name]:-}" ]; then
    dead[$name]=$phase
    log "$name is no longer running (before $phase); the end of its log:"
    tail -n 10 "${proxy_log[$name]}" >&2 || true
    record "$name" died_before "$phase"
  fi
  return 1
}

snapshot() { # PHASE: each live proxy's current and peak RSS, and the load, after it
  local name
  record machine "load_$1" "$(cut -d' ' -f1 /proc/loadavg)"
  for name in "${proxies[@]}"; do
    if alive "${proxy_pid[$name]}"; then
      record "$name" "rss_$1" "$(python3 "$here/procstat.py" rss "${proxy_pid[$name]}")"
      record "$name" "hwm_$1" "$(python3 "$here/procstat.py" hwm "${proxy_pid[$name]}")"
    fi
  done
}
snapshot start

# (d) RSS per idle connection, on fresh processes: quiet keep-alive clients (connected,
# nothing sent yet), then slow ones that sent half a request line and went quiet.
for name in "${proxies[@]}"; do
  check_alive "$name" idle || continue
  for payload in none half-request; do
    log "idle connections: $name ($idle_conns, payload $payload)"
    json=$(timeout 120 python3 "$here/idle_conns.py" --port "${proxy_port[$name]}" \
      --pid "${proxy_pid[$name]}" --count "$idle_conns" --payload "$payload") || json=""
    record "$name" "$([ "$payload" = none ] && echo idle_quiet || echo idle)" "${json:-null}"
    sleep "$idle_pause" # let the proxy notice the closes before the next test
  done
done
snapshot idle

# wrk: 100-byte responses, absolute-form through each proxy (wrk-proxy.lua).
small_url=http://127.0.0.1:$p_http/small
run_wrk() { # NAME PREFIX CONNS SECONDS WARMUP-SECONDS [WRK-ARGS...]: PREFIX_* recorded
  local name=$1 prefix=$2 conns=$3 secs=$4 warm=$5 url target threads c0="" out line kv
  shift 5
  threads=$((conns < wrk_threads ? conns : wrk_threads))
  if [ "$name" = direct ]; then
    url=$small_url target=""
  else
    url=http://127.0.0.1:${proxy_port[$name]}/ target=$small_url
  fi
  log "wrk $prefix: $name (${secs}s, $conns connections, $threads threads${*:+, $*})"
  if [ "$warm" -gt 0 ]; then
    BENCH_TARGET=$target timeout $((warm + 30)) wrk -t"$threads" -c"$conns" -d"${warm}s" \
      --timeout "${wrk_timeout}s" -s "$here/wrk-proxy.lua" "$@" "$url" >/dev/null 2>&1 || true
  fi
  [ "$name" = direct ] || c0=$(cpu "${proxy_pid[$name]}")
  out=$(BENCH_TARGET=$target timeout $((secs + 60)) wrk -t"$threads" -c"$conns" -d"${secs}s" \
    --timeout "${wrk_timeout}s" -s "$here/wrk-proxy.lua" "$@" "$url" 2>&1) || true
  if [ "$name" != direct ]; then
    record "$name" "${prefix}_cpu" "$(sub "$(cpu "${proxy_pid[$name]}")" "$c0")"
  fi
  line=$(grep '^BENCH ' <<<"$out" || true)
  if [ -z "$line" ]; then
    log "wrk $prefix through $name produced no summary:"
    echo "$out" | tail -n 5 >&2
    record "$name" "${prefix}_failed" 1
    return 0
  fi
  for kv in ${line#BENCH }; do
    record "$name" "${prefix}_${kv%%=*}" "${kv#*=}"
  done
}

# (a, e) keep-alive at 50 connections: req/s, CPU per 10k, p99.
for name in "${targets[@]}"; do
  check_alive "$name" wrk || continue
  run_wrk "$name" wrk "$wrk_conns" "$wrk_duration" "$warmup_duration"
  sleep 1
done
snapshot wrk

# A new connection per request: the client asks for it, wrk reconnects after each response.
for name in "${targets[@]}"; do
  check_alive "$name" close || continue
  run_wrk "$name" close "$wrk_conns" "$wrk_duration" "$warmup_duration" -H "Connection: close"
  sleep 1
done
snapshot close

# (b, c, e) big downloads: through a CONNECT tunnel to the TLS listener, and plain HTTP.
download() { # TARGET KIND PROXY-ARGS...: one curl download, its figures recorded
  local name=$1 kind=$2 url c0="" w
  shift 2
  if [ "$kind" = tunnel ]; then
    url=https://127.0.0.1:$p_tls/big
  else
    url=http://127.0.0.1:$p_http/big
  fi
  log "$kind download ($size_mib MiB): $name"
  [ "$name" = direct ] || c0=$(cpu "${proxy_pid[$name]}")
  w=$(timeout $((curl_max_time + 30)) curl -sS -k -o /dev/null --max-time "$curl_max_time" \
    -w '%{http_code} %{http_connect} %{size_download} %{speed_download} %{time_total}' \
    "$@" "$url" 2>"$work/curl.err") || true
  [ "$name" = direct ] || record "$name" "${kind}_cpu" "$(sub "$(cpu "${proxy_pid[$name]}")" "$c0")"
  read -r code connect_code bytes speed secs <<<"$w"
  record "$name" "${kind}_code" "${code:-0}"
  record "$name" "${kind}_connect_code" "${connect_code:-0}"
  record "$name" "${kind}_bytes" "${bytes:-0}"
  record "$name" "${kind}_speed" "${speed:-0}"
  record "$name" "${kind}_seconds" "${secs:-0}"
  if [ -s "$work/curl.err" ]; then
    log "curl ($kind, $name): $(head -c 300 "$work/curl.err")"
    record "$name" "${kind}_error" "$(head -n 1 "$work/curl.err" | tr -d '\r' | head -c 300)"
  fi
  sleep 1
}
for kind in tunnel plain; do
  for name in "${targets[@]}"; do
    check_alive "$name" "$kind" || continue
    if [ "$name" = direct ]; then
      download direct "$kind" --noproxy '*'
    else
      download "$name" "$kind" -x "http://127.0.0.1:${proxy_port[$name]}"
    fi
  done
  snapshot "$kind"
done

# One fresh request at a time (a new curl, a new connection): A/B pairs with direct.
for name in "${proxies[@]}"; do
  check_alive "$name" fresh || continue
  log "fresh requests: $name ($fresh_pairs pairs, each through it and direct)"
  json=$(timeout $((fresh_pairs * 20 + 60)) python3 "$here/fresh_latency.py" \
    --proxy "http://127.0.0.1:${proxy_port[$name]}" --url "$small_url" \
    --pairs "$fresh_pairs") || json=""
  record "$name" fresh "${json:-null}"
done
snapshot fresh

# req/s and p99 against keep-alive connections. The 50-connection point is the run above;
# the connection count is the outer loop so that a change in the machine's load between
# the start and the end of the sweep affects every peer alike.
sweep_run=()
for conns in "${sweep_conns[@]}"; do
  [ "$conns" = "$wrk_conns" ] && continue
  if [ "$nofile" != unlimited ] && [ "$nofile" -lt $((conns + 256)) ]; then
    log "sweep: skipping $conns connections, the open-file limit is $nofile"
    continue
  fi
  sweep_run+=("$conns")
  for name in "${targets[@]}"; do
    check_alive "$name" sweep || continue
    run_wrk "$name" "c$conns" "$conns" "$sweep_duration" "$sweep_warmup"
    sleep "$sweep_pause"
  done
done
snapshot sweep

for name in "${proxies[@]}"; do
  check_alive "$name" end || true
done

# (f) 100k idle connections held by one proxy-server process, full runs only. It is a
# fresh process of its own with the caps raised above the count. proxy-server budgets two
# descriptors per connection (client and upstream) plus 128, so it asks for about 200k
# descriptors; the clients connect from several 127.0.0.x addresses, each with its own
# ephemeral port range, in as many processes as their own descriptor limit needs.
if [ "$many" -gt 0 ]; then
  mkdir -p "$work/many"
  many_cap=$((many + 1000))
  many_nofile=$((2 * many_cap + 1024))
  sources=$(seq -s, -f '127.0.0.%g' 1 "$many_sources")
  cat >"$work/many/proxy.yaml" <<EOF
server: {listen: 127.0.0.1, port: $p_many, workers: 0, max_connections: $many_cap, max_connections_per_ip: $many_cap, shutdown_grace: 1}
timeouts: {header_read: 600}
plugins: {dirs: [$plugin_dir], enabled: [http_parser]}
logging: {level: warn}
EOF
  (
    ulimit -n "$many_nofile" 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
    exec "$proxy_bin" --config "$work/many/proxy.yaml"
  ) >"$work/many/stdout" 2>"$work/many/stderr" &
  pid_many=$!
  pids+=("$pid_many")
  wait_port "$p_many" "$pid_many" "proxy-server (100k)" "$work/many/stderr"
  read -r many_soft many_hard < <(awk '/^Max open files/ { print $4, $5 }' "/proc/$pid_many/limits")
  record ours many_nofile_soft "$many_soft"
  record ours many_nofile_hard "$many_hard"
  record ours many_nofile_wanted "$many_nofile"
  record ours many_mem_available_kib "$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)"
  log "idle connections: proxy-server, $many from $many_sources addresses (its open-file limit: $many_soft)"
  json=$(
    ulimit -n $((many + 1024)) 2>/dev/null || ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
    timeout 600 python3 "$here/idle_conns.py" --port "$p_many" --pid "$pid_many" \
      --count "$many" --sources "$sources" --deadline 240 --settle-max 30 --payload none
  ) || json=""
  record ours many "${json:-null}"
  if alive "$pid_many"; then
    record ours many_alive_after 1
  else
    record ours many_alive_after 0
    tail -n 10 "$work/many/stderr" >&2 || true
  fi
  warn_line=$(grep -m1 'serving at most' "$work/many/stderr" | tr -d '\r' | head -c 400 || true)
  [ -n "$warn_line" ] && record ours many_warn "$warn_line"
  stop_pid "$pid_many"
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# What our proxy logged (at warn and above) during the whole run.
record ours log_lines "$(wc -l <"$work/ours/stderr")"
if [ -s "$work/ours/stderr" ]; then
  record ours log_last "$(tail -n 1 "$work/ours/stderr" | tr -d '\r' | head -c 300)"
fi

# --- report -----------------------------------------------------------------------------
meta=$work/meta.txt
{
  echo "mode=$mode"
  echo "wrk_duration=$wrk_duration"
  echo "wrk_threads=$wrk_threads"
  echo "wrk_conns=$wrk_conns"
  echo "wrk_timeout=$wrk_timeout"
  echo "warmup_duration=$warmup_duration"
  echo "size_mib=$size_mib"
  echo "idle_conns=$idle_conns"
  echo "nofile=$nofile"
  echo "nofile_hard=$nofile_hard"
  echo "nr_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo unknown)"
  echo "port_range=$(tr -s '\t ' '-' </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo unknown)"
  # Whether this shell may raise a hard limit (CAP_SYS_RESOURCE, bit 24 of CapEff).
  cap_eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
  echo "cap_sys_resource=$(((0x${cap_eff:-0} >> 24) & 1))"
  echo "sweep_conns=${sweep_conns[*]}"
  echo "sweep_run=${sweep_run[*]}"
  echo "sweep_duration=$sweep_duration"
  echo "sweep_warmup=$sweep_warmup"
  echo "fresh_pairs=$fresh_pairs"
  echo "many=$many"
  echo "many_sources=$many_sources"
  echo "measure_seconds=$(($(date +%s) - measure_start))"
  echo "load_start=$load_start"
  echo "load_end=$load_end"
  echo "max_load=$max_load"
  echo "wait_load=$wait_load"
  echo "version_ours=$("$proxy_bin" --version 2>&1 | head -n 1)"
  rev=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$repo" diff --quiet HEAD -- . ':!bench' 2>/dev/null || rev="$rev with uncommitted changes"
  echo "git_rev=$rev"
  echo "version_squid=$(squid -v 2>&1 | head -n 1)"
  echo "version_tinyproxy=$(tinyproxy -v 2>&1 | head -n 1)"
  echo "version_nginx=$(nginx -v 2>&1 | head -n 1)"
  echo "version_wrk=$(wrk -v 2>&1 | head -n 1 || true)"
  echo "version_curl=$(curl --version 2>&1 | head -n 1)"
  echo "version_openssl=$(openssl version 2>&1 | head -n 1)"
} >"$meta"
if [ -n "${BENCH_RAW_DIR:-}" ]; then
  mkdir -p "$BENCH_RAW_DIR"
  cp "$results" "$meta" "$BENCH_RAW_DIR/"
fi
# The chart goes beside the report (RESULTS.md -> RESULTS-connections.png); a quick run
# without --out still draws it, into the temporary folder, so that the smoke test covers it.
if [ -n "$out" ]; then
  chart=${out%.md}-connections.png
else
  chart=$work/connections.png
fi
# matplotlib comes from Debian's python3-matplotlib: use the interpreter that has it (a
# python3 earlier in PATH, a pyenv one say, may not).
plot_python=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ]; then
  plot_python=/usr/bin/python3
fi
if "$plot_python" "$here/plot_connections.py" --results "$results" --meta "$meta" --out "$chart"; then
  echo "chart=$(basename "$chart")" >>"$meta"
  log "drew $chart"
else
  log "warning: the connections chart could not be drawn"
fi
report_args=(--results "$results" --meta "$meta")
[ -n "$out" ] && report_args+=(--out "$out")
python3 "$here/report.py" "${report_args[@]}"
[ -n "$out" ] && log "wrote $out"
exit 0
