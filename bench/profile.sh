#!/usr/bin/env bash
# What bounds the data path: syscalls per request, where the CPU goes (perf), and the
# splice calls of a tunnel, for proxy-server beside Squid, tinyproxy and nginx direct,
# all on 127.0.0.1. Not part of CI or ctest: run it by hand, as root (strace and perf
# attach to the servers it starts).
#
#   bench/profile.sh [--build DIR] [--requests N] [--duration S] [--size-mib M]
#                    [--sample-mib M] [--pipe-rounds N] [--idle "N..."] [--keep DIR]
#                    [--steps "syscalls perf downloads pipes idle"]
#
# It runs the already built DIR/bin/proxy-server (build, else build-test; it does not
# build). On free loopback ports in a fresh temporary folder it starts nginx (a 100-byte
# file and an M MiB one, plain and TLS), proxy-server with http_parser only and with the
# six plugins of config/default.yaml (as bench/run.sh does), Squid and tinyproxy, then:
#   1. syscalls: `strace -c -f` attached to each server while bench/fixed_requests.py
#      sends exactly N requests (keep-alive, then Connection: close);
#   2. perf: `perf record -g` on each server during `wrk -t2 -c50 -dS` (keep-alive, then
#      Connection: close), with its user and system CPU from /proc;
#   3. downloads of M MiB through a CONNECT tunnel and as plain HTTP: perf and CPU-s per
#      GiB, then `strace -c` and `strace -e splice` over a --sample-mib download;
#   4. the same tunnel (plain HTTP inside) with 64 KiB and with 1 MiB splice pipes
#      (limits.buffer_bytes), alternating, without perf: CPU-s per GiB;
#   5. idle connections: RSS of fresh proxy-server processes at each count of --idle,
#      for the slope per connection (bench/idle_conns.py).
# It prints a Markdown summary (bench/profile_summary.py) on stdout; --keep DIR copies the
# raw strace and perf reports there. Every step is bounded (timeout, wrk durations, curl
# --max-time), and on exit it stops every process it started, by PID, and removes its
# temporary folder. See "What bounds the missed targets" in bench/README.md.
# shellcheck disable=SC2317  # cleanup and its helpers run from the EXIT trap
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/profile.sh [--build DIR] [--requests N] [--duration S] [--size-mib M]
                        [--sample-mib M] [--pipe-rounds N] [--idle "N..."] [--keep DIR]
                        [--steps "S..."]
  --build DIR       build folder holding bin/proxy-server and bin/plugins (build, else
                    build-test); the script does not build
  --requests N      requests per strace count (10000)
  --duration S      seconds of each wrk run under perf (10)
  --size-mib M      size of the downloads under perf (1024)
  --sample-mib M    size of the downloads under strace (256)
  --pipe-rounds N   rounds of the 64 KiB / 1 MiB pipe comparison, without perf (6)
  --idle "N..."     idle-connection counts, one fresh proxy each ("2500 5000 7500 10000";
                    "" skips the step)
  --keep DIR        copy the raw strace output and perf reports into DIR
  --steps "S..."    which steps to run, of "syscalls perf downloads pipes idle" (all)
EOF
}

build="" requests=10000 duration=10 size_mib=1024 sample_mib=256 idle_counts="2500 5000 7500 10000"
pipe_rounds=6 steps="syscalls perf downloads pipes idle"
keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --build | --requests | --duration | --size-mib | --sample-mib | --pipe-rounds | --idle | --keep | --steps)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      case $1 in
        --build) build=$2 ;;
        --requests) requests=$2 ;;
        --duration) duration=$2 ;;
        --size-mib) size_mib=$2 ;;
        --sample-mib) sample_mib=$2 ;;
        --pipe-rounds) pipe_rounds=$2 ;;
        --idle) idle_counts=$2 ;;
        --keep) keep=$2 ;;
        --steps) steps=$2 ;;
      esac
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

bench_name=profile
step() { [[ " $steps " == *" $1 "* ]]; } # STEP: asked for with --steps
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
find_build "$build"
for tool in nginx squid tinyproxy wrk curl strace perf openssl python3 /usr/bin/time; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing (bench/install-bench-deps.sh; Debian packages strace, linux-perf, time)"
done
[ "$(id -u)" = 0 ] || die "run as root: strace and perf attach to servers of other users"

work=$(mktemp -d -t proxy-profile.XXXXXXXX)
chmod 755 "$work" # nginx, squid and tinyproxy drop root for their own users
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
out=$work/out
mkdir -p "$out/syscalls" "$out/perf" "$out/download" "$out/idle"
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

# --- the machine --------------------------------------------------------------------------
{
  echo "nproc $(nproc)"
  echo "load_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nofile $(ulimit -Sn) $(ulimit -Hn)"
  echo "nr_open $(cat /proc/sys/fs/nr_open)"
  echo "pipe_max_size $(cat /proc/sys/fs/pipe-max-size)"
  echo "capeff $(awk '/^CapEff/ { print $2 }' /proc/self/status)"
  # CAP_SYS_RESOURCE is bit 24: without it no process here may raise its hard limit.
  echo "cap_sys_resource $(( (0x$(awk '/^CapEff/ { print $2 }' /proc/self/status) >> 24) & 1 ))"
  if prlimit --pid $$ --nofile="$(($(ulimit -Hn) + 1)):$(($(ulimit -Hn) + 1))" 2>/dev/null; then
    echo "raise_hard ok"
    prlimit --pid $$ --nofile="$(ulimit -Sn):$(ulimit -Hn)" 2>/dev/null || true
  else
    echo "raise_hard refused"
  fi
  echo "kernel $(uname -r)"
  echo "cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "strace $(strace -V | head -n 1)"
  echo "perf $(perf --version)"
} >"$out/machine.txt"

# --- servers ------------------------------------------------------------------------------
read -r p_http p_tls p_ours p_all p_squid p_tiny <<<"$(python3 - <<'EOF'
import socket
socks = []
for _ in range(6):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"
mkdir -p "$work/www" "$work/nginx/tmp"
head -c 99 /dev/zero | tr '\0' 'x' >"$work/www/small"
echo >>"$work/www/small" # 100 bytes
size_bytes=$((size_mib * 1024 * 1024))
fallocate -l "$size_bytes" "$work/www/big" 2>/dev/null || truncate -s "$size_bytes" "$work/www/big"
cat "$work/www/big" >/dev/null # into the page cache before the first download
chmod -R a+rX "$work/www"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" 2>/dev/null
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
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
small_url=http://127.0.0.1:$p_http/small

mkdir -p "$work/ours" "$work/ours_all"
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

# As bench/run.sh's all-plugins row: config/default.yaml, the load not refused.
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

# Parser only with 1 MiB splice pipes (limits.buffer_bytes, within fs.pipe-max-size):
# does a bigger pipe lower a tunnel's CPU per GiB?
mkdir -p "$work/ours_pipe1m"
p_pipe=$(free_port)
sed -e "s/port: $p_ours,/port: $p_pipe,/" -e '$a limits: {buffer_bytes: 1048576}' \
  "$work/ours/proxy.yaml" >"$work/ours_pipe1m/proxy.yaml"
"$proxy_bin" --config "$work/ours_pipe1m/proxy.yaml" >"$work/ours_pipe1m/stdout" \
  2>"$work/ours_pipe1m/stderr" &
pid_pipe=$!
pids+=("$pid_pipe")
wait_port "$p_pipe" "$pid_pipe" "proxy-server (1 MiB pipes)" "$work/ours_pipe1m/stderr"

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
max_filedescriptors $(ulimit -Sn)
acl SSL_ports port $p_tls
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports
http_access allow localhost
http_access deny all
EOF
if id proxy >/dev/null 2>&1; then
  chown -R proxy: "$work/squid"
fi
squid -N -f "$work/squid/squid.conf" >"$work/squid/stderr" 2>&1 &
pid_squid=$!
pids+=("$pid_squid")
wait_port "$p_squid" "$pid_squid" squid "$work/squid/cache.log"

mkdir -p "$work/tinyproxy"
chown -R nobody: "$work/tinyproxy" 2>/dev/null || true
cat >"$work/tinyproxy/tinyproxy.conf" <<EOF
User nobody
Group $(id -gn nobody 2>/dev/null || echo nogroup)
Port $p_tiny
Listen 127.0.0.1
Timeout 600
MaxClients 2000
Allow 127.0.0.1
ConnectPort $p_tls
LogLevel Error
PidFile "$work/tinyproxy/tinyproxy.pid"
EOF
tinyproxy -d -c "$work/tinyproxy/tinyproxy.conf" >"$work/tinyproxy/stderr" 2>&1 &
pid_tiny=$!
pids+=("$pid_tiny")
wait_port "$p_tiny" "$pid_tiny" tinyproxy "$work/tinyproxy/stderr"

declare -A port_of=([ours]=$p_ours [ours_all]=$p_all [ours_pipe1m]=$p_pipe [squid]=$p_squid
  [tinyproxy]=$p_tiny [direct]=$p_http)
targets=(ours ours_all squid tinyproxy direct)
log "origin :$p_http (TLS :$p_tls); ours :$p_ours, ours_all :$p_all, squid :$p_squid, tinyproxy :$p_tiny"

traced_pids() { # NAME: the PIDs whose work is measured (nginx's: its workers, for direct)
  case $1 in
    ours) echo "$pid_ours" ;;
    ours_all) echo "$pid_all" ;;
    ours_pipe1m) echo "$pid_pipe" ;;
    squid) echo "$pid_squid" ;;
    tinyproxy) echo "$pid_tiny" ;;
    direct) ps -o pid= --ppid "$pid_nginx" | tr -s ' \n' ' ' ;;
  esac
}

cpu_of() { # KIND PIDS...: user or sys CPU seconds summed over the PIDs' trees
  local kind=$1 total=0 pid
  shift
  for pid in "$@"; do
    total=$(awk -v a="$total" -v b="$(python3 "$here/procstat.py" "$kind" "$pid")" \
      'BEGIN { printf "%.2f", a + b }')
  done
  echo "$total"
}

attached() { # PIDS...: until every thread of every PID has a tracer, at most 10 s
  local pid task i
  for i in $(seq 100); do
    local all=1
    for pid in "$@"; do
      for task in /proc/"$pid"/task/*; do
        [ "$(awk '/^TracerPid/ { print $2 }' "$task/status" 2>/dev/null)" != 0 ] || all=0
      done
    done
    [ "$all" = 1 ] && return 0
    sleep 0.1
  done
  die "strace did not attach to $* within 10 s"
}

start_strace() { # OUTFILE PIDS...: strace -f "${strace_extra[@]}" on the PIDs; sets strace_pid
  local file=$1 args=() pid
  shift
  for pid in "$@"; do
    args+=(-p "$pid")
  done
  timeout 600 strace -f -qq -o "$file" "${strace_extra[@]}" "${args[@]}" &
  strace_pid=$!
  pids+=("$strace_pid")
  attached "$@"
}

stop_strace() { # strace detaches and writes its summary on SIGINT
  kill -INT "$strace_pid" 2>/dev/null || true
  wait "$strace_pid" 2>/dev/null || true
}

url_args() { # NAME: fixed_requests.py / wrk arguments for it (direct: origin-form)
  if [ "$1" = direct ]; then
    echo "--port $p_http --target /small"
  else
    echo "--port ${port_of[$1]} --target $small_url"
  fi
}

# --- 1. syscalls per request ----------------------------------------------------------------
for mode in $(step syscalls && echo keepalive close); do # nothing unless asked for
  close_arg=()
  [ "$mode" = close ] && close_arg=(--close)
  for name in ours squid tinyproxy direct; do
    log "syscalls: $name, $mode, $requests requests"
    # shellcheck disable=SC2046
    timeout 60 python3 "$here/fixed_requests.py" $(url_args "$name") --count 200 \
      "${close_arg[@]}" >/dev/null || die "warm-up through $name failed"
    strace_extra=(-c)
    # shellcheck disable=SC2046
    start_strace "$out/syscalls/$name-$mode.strace" $(traced_pids "$name")
    # shellcheck disable=SC2046
    timeout 300 python3 "$here/fixed_requests.py" $(url_args "$name") --count "$requests" \
      --deadline 240 "${close_arg[@]}" >"$out/syscalls/$name-$mode.json" ||
      log "warning: $name $mode: $(cat "$out/syscalls/$name-$mode.json")"
    stop_strace
  done
done

# --- 2. perf under wrk ------------------------------------------------------------------------
perf_record() { # FILE SECONDS PIDS...: perf record -g in the background; sets perf_pid
  local file=$1 seconds=$2 list
  shift 2
  list=$(echo "$@" | tr ' ' ',')
  timeout $((seconds + 60)) perf record -q -e cpu-clock -F 999 -g -p "$list" -o "$file" \
    -- sleep "$seconds" >/dev/null 2>&1 &
  perf_pid=$!
  pids+=("$perf_pid")
}

perf_reports() { # FILE PREFIX: by DSO, by symbol (self), and inclusive kernel paths
  local file=$1 prefix=$2
  perf report -i "$file" --stdio --no-children --sort dso -g none 2>/dev/null >"$prefix.dso.txt"
  perf report -i "$file" --stdio --no-children --sort dso,sym -g none --percent-limit 0.5 \
    2>/dev/null >"$prefix.self.txt"
  perf report -i "$file" --stdio --children --sort sym -g none --percent-limit 0.5 \
    2>/dev/null >"$prefix.children.txt"
}

for mode in $(step perf && echo keepalive close); do
  header_arg=()
  [ "$mode" = close ] && header_arg=(-H "Connection: close")
  for name in "${targets[@]}"; do
    read -r -a tp <<<"$(traced_pids "$name")"
    if [ "$name" = direct ]; then
      url=$small_url bench_target=""
    else
      url=http://127.0.0.1:${port_of[$name]}/ bench_target=$small_url
    fi
    log "perf: $name, $mode, ${duration}s of wrk -t2 -c50"
    BENCH_TARGET=$bench_target timeout 40 wrk -t2 -c50 -d1s --timeout 5s \
      -s "$here/wrk-proxy.lua" "${header_arg[@]}" "$url" >/dev/null 2>&1 || true
    u0=$(cpu_of user "${tp[@]}") s0=$(cpu_of sys "${tp[@]}")
    perf_record "$work/perf-$name-$mode.data" "$duration" "${tp[@]}"
    # wrk's own CPU too: the load generator shares the cores with the proxy and nginx.
    wrk_out=$(BENCH_TARGET=$bench_target timeout $((duration + 60)) /usr/bin/time -f '%U %S' \
      -o "$work/wrk-time" wrk -t2 -c50 -d"${duration}s" --timeout 5s -s "$here/wrk-proxy.lua" \
      "${header_arg[@]}" "$url" 2>&1) || true
    u1=$(cpu_of user "${tp[@]}") s1=$(cpu_of sys "${tp[@]}")
    wait "$perf_pid" 2>/dev/null || true
    line=$(grep '^BENCH ' <<<"$wrk_out" || true)
    [ -n "$line" ] || die "wrk through $name produced no summary: $(tail -n 3 <<<"$wrk_out")"
    echo "$line user=$(awk -v a="$u1" -v b="$u0" 'BEGIN { printf "%.2f", a - b }')" \
      "sys=$(awk -v a="$s1" -v b="$s0" 'BEGIN { printf "%.2f", a - b }')" \
      "wrk_cpu=$(awk 'NF == 2 { printf "%.2f", $1 + $2 }' "$work/wrk-time")" \
      "load=$(cut -d' ' -f1 /proc/loadavg)" >"$out/perf/$name-$mode.cpu"
    perf_reports "$work/perf-$name-$mode.data" "$out/perf/$name-$mode"
    rm -f "$work/perf-$name-$mode.data"
    sleep 1
  done
done

# --- 3. downloads: a CONNECT tunnel and plain HTTP, through proxy-server and direct ---------
download() { # KIND NAME MIB: curl through the proxy NAME (direct: none); prints its figures
  local kind=$1 name=$2 url range=() via=()
  if [ "$kind" = tunnel ]; then
    url=https://127.0.0.1:$p_tls/big
  else
    url=http://127.0.0.1:$p_http/big
  fi
  [ "$name" = direct ] || via=(-x "http://127.0.0.1:${port_of[$name]}")
  [ "$3" -ge "$size_mib" ] || range=(-r "0-$(($3 * 1024 * 1024 - 1))") # the first MIB only
  timeout 330 curl -sS -k -o /dev/null --max-time 300 "${range[@]}" "${via[@]}" \
    -w '%{http_code} %{size_download} %{speed_download} %{time_total}' "$url" \
    2>>"$work/curl.err" || true
}

for kind in $(step downloads && echo tunnel plain); do
  for name in ours ours_all ours_pipe1m direct; do
    log "perf: $kind download of $size_mib MiB through $name"
    read -r -a tp <<<"$(traced_pids "$name")"
    u0=$(cpu_of user "${tp[@]}") s0=$(cpu_of sys "${tp[@]}")
    # perf stops at the end of the download: it samples a sleep that curl's end cuts short.
    timeout 400 perf record -q -e cpu-clock -F 999 -g -p "$(echo "${tp[@]}" | tr ' ' ',')" \
      -o "$work/perf-$kind-$name.data" >/dev/null 2>&1 &
    perf_pid=$!
    pids+=("$perf_pid")
    sleep 0.5
    figures=$(download "$kind" "$name" "$size_mib")
    [ -n "$figures" ] || figures="0 0 0 0"
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    u1=$(cpu_of user "${tp[@]}") s1=$(cpu_of sys "${tp[@]}")
    echo "$figures $(awk -v a="$u1" -v b="$u0" 'BEGIN { printf "%.2f", a - b }')" \
      "$(awk -v a="$s1" -v b="$s0" 'BEGIN { printf "%.2f", a - b }')" >"$out/download/$kind-$name.cpu"
    perf_reports "$work/perf-$kind-$name.data" "$out/download/$kind-$name"
    rm -f "$work/perf-$kind-$name.data"
  done
  for name in ours ours_pipe1m; do
    log "strace: $kind download of $sample_mib MiB through $name"
    strace_extra=(-c)
    start_strace "$out/download/$kind-$name.strace" "$(traced_pids "$name")"
    download "$kind" "$name" "$sample_mib" >"$out/download/$kind-$name.strace-curl"
    stop_strace
    # Every splice call with its result, for the sizes: a short sample, strace slows it.
    strace_extra=(-e trace=splice -e signal=none)
    start_strace "$out/download/$kind-$name.splice" "$(traced_pids "$name")"
    download "$kind" "$name" 64 >"$out/download/$kind-$name.splice-curl"
    stop_strace
  done
done

# --- 4. pipe size without perf: alternating rounds, 64 KiB against 1 MiB pipes --------------
# A CONNECT tunnel carrying plain HTTP (curl -p), so that only the splice loop differs from
# the plain download, and plain HTTP.
pipe_round() { # NAME KIND ROUND: one download, a line of pipe-rounds.txt
  local name=$1 kind=$2 round=$3 c0 c1 figures tunnel=()
  [ "$kind" = tunnel ] && tunnel=(-p)
  c0=$(python3 "$here/procstat.py" cpu "$(traced_pids "$name")")
  figures=$(timeout 330 curl -sS "${tunnel[@]}" -o /dev/null --max-time 300 \
    -w '%{http_code} %{size_download} %{speed_download}' -x "http://127.0.0.1:${port_of[$name]}" \
    "http://127.0.0.1:$p_http/big" 2>>"$work/curl.err") || figures="0 0 0"
  c1=$(python3 "$here/procstat.py" cpu "$(traced_pids "$name")")
  echo "$name $kind $round $figures $(awk -v a="$c1" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')" \
    "$(cut -d' ' -f1 /proc/loadavg)" >>"$out/download/pipe-rounds.txt"
  log "pipe rounds: $kind through $name, round $round: $(tail -n 1 "$out/download/pipe-rounds.txt")"
}
if step pipes; then
  for round in $(seq "$pipe_rounds"); do
    for kind in tunnel plain; do
      for name in ours ours_pipe1m; do
        pipe_round "$name" "$kind" "$round"
      done
    done
  done
fi

# --- 5. idle connections: RSS against the count, fresh processes ----------------------------
for count in $(step idle && echo "$idle_counts"); do
  port=$(free_port)
  dir=$work/idle-$count
  mkdir -p "$dir"
  cat >"$dir/proxy.yaml" <<EOF
server: {listen: 127.0.0.1, port: $port, workers: 0, max_connections: $((count + 100)), max_connections_per_ip: $((count + 100)), shutdown_grace: 1}
timeouts: {header_read: 600}
plugins: {dirs: [$plugin_dir], enabled: [http_parser]}
logging: {level: warn}
EOF
  "$proxy_bin" --config "$dir/proxy.yaml" >"$dir/stdout" 2>"$dir/stderr" &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "proxy-server (idle $count)" "$dir/stderr"
  log "idle connections: $count on a fresh proxy-server"
  timeout 180 python3 "$here/idle_conns.py" --port "$port" --pid "$pid" --count "$count" \
    --payload none >"$out/idle/$count.json" || log "warning: idle $count: $(cat "$out/idle/$count.json")"
  stop_pid "$pid"
done

echo "load_end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  cp -r "$out"/. "$keep"/
fi
python3 "$here/profile_summary.py" "$out" "$requests" "$duration"
