#!/usr/bin/env bash
# Requests per second through HAProxy (mode tcp, send-proxy-v2) to one and to two
# proxy-server instances, with the rate limiter's local and redis backends, against an
# nginx origin; plus one instance without a balancer, for what HAProxy itself costs.
# Everything on 127.0.0.1. Not part of CI or ctest: run it by hand, on a built tree.
#
#   bench/scale_out.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
#
# Each instance has one io thread (server.workers 1), http_parser + rate_limiter with a
# limit out of reach (every request decided, none refused), and PROXY protocol required
# from 127.0.0.1. Each run: fresh processes, a 1 s wrk warm-up, then `wrk -t2 -cC -dS`
# with absolute-form keep-alive requests (bench/wrk-proxy.lua). HAProxy balances
# connections (leastconn), so C connections spread over the instances. On a machine with
# fewer cores than wrk, HAProxy, nginx, Redis and the instances want, two instances cannot
# double anything: read the ratios within one run, and the load average it logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'USAGE'
Usage: bench/scale_out.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
  --duration S     seconds of each measured wrk run (10)
  --rounds N       times each setup is measured, alternating (2)
  --connections C  wrk's concurrent keep-alive connections (50)
  --build DIR      build folder holding bin/proxy-server and bin/plugins (build, else
                   build-test); the script does not build
USAGE
}

duration=10 rounds=2 connections=50 build=""
while [ $# -gt 0 ]; do
  case $1 in
    --duration | --rounds | --connections | --build)
      [ $# -ge 2 ] || { usage >&2; exit 2; }
      case $1 in
        --duration) duration=$2 ;;
        --rounds) rounds=$2 ;;
        --connections) connections=$2 ;;
        --build) build=$2 ;;
      esac
      shift
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

bench_name=scale_out
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
find_build "$build"
haproxy=$(command -v haproxy || echo /usr/sbin/haproxy)
[ -x "$haproxy" ] || die "haproxy is missing (scripts/install-deps.sh)"
for tool in nginx wrk redis-server python3; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing (bench/install-bench-deps.sh, scripts/install-deps.sh)"
done

work=$(mktemp -d -t proxy-scale-out.XXXXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_small_origin
start_redis

start_instance() { # BACKEND PROXY_PROTOCOL_MODE DIR: one instance; sets port and pid
  local backend=$1 mode=$2 dir=$3
  port=$(free_port)
  mkdir -p "$dir"
  cat >"$dir/proxy-$port.yaml" <<YAML
server:
  listen: 127.0.0.1
  port: $port
  workers: 1
  max_connections: 5000
  max_connections_per_ip: 5000
  shutdown_grace: 1
  proxy_protocol: {mode: $mode, trusted: [127.0.0.1/32]}
logging: {level: warn}
upstream: {local_destinations: any}
plugins:
  dirs: [$plugin_dir]
  enabled: [http_parser, rate_limiter]
  settings:
    rate_limiter:
      requests: 4000000000   # out of reach: every request is admitted, and decided
      window: 60
      backend: $backend
      redis: {address: "127.0.0.1:$p_redis", timeout_ms: 50, on_error: allow}
YAML
  "$proxy_bin" --config "$dir/proxy-$port.yaml" >/dev/null 2>"$dir/proxy-$port.stderr" &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "proxy-server ($backend)" "$dir/proxy-$port.stderr"
}

start_haproxy() { # DIR PORT...: HAProxy in front of the instances; sets port and pid
  local dir=$1 i=0
  shift
  port=$(free_port)
  {
    printf 'global\n    maxconn 5000\ndefaults\n    mode tcp\n    timeout connect 5s\n'
    printf '    timeout client 60s\n    timeout server 60s\n'
    printf 'frontend front\n    bind 127.0.0.1:%s\n    default_backend instances\n' "$port"
    printf 'backend instances\n    balance leastconn\n'
    for instance in "$@"; do
      i=$((i + 1))
      printf '    server i%s 127.0.0.1:%s send-proxy-v2\n' "$i" "$instance"
    done
  } >"$dir/haproxy.cfg"
  "$haproxy" -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" haproxy "$dir/haproxy.log"
}

cpu_of() { # PID...: their CPU seconds, summed
  local total=0 pid
  for pid in "$@"; do
    total=$(awk -v a="$total" -v b="$(python3 "$here/procstat.py" cpu "$pid")" \
      'BEGIN { printf "%.3f", a + b }')
  done
  echo "$total"
}

measure() { # SETUP: appends "SETUP REQUESTS P99_US PROXIES_CPU_S HAPROXY_CPU_S" to results
  local setup=$1 backend instances balancer dir port pid front hpid line c0 c1 h0 h1
  local -a ports=() ppids=()
  backend=${setup#*-}
  instances=${setup%%-*}
  balancer=haproxy
  [ "$instances" = alone ] && balancer=none && instances=1
  dir=$work/$setup
  mkdir -p "$dir"
  for _ in $(seq "$instances"); do
    start_instance "$backend" "$([ $balancer = none ] && echo off || echo required)" "$dir"
    ports+=("$port")
    ppids+=("$pid")
  done
  front=${ports[0]} hpid=""
  if [ $balancer = haproxy ]; then
    start_haproxy "$dir" "${ports[@]}"
    front=$port hpid=$pid
  fi
  sleep 0.5 # the Redis pools connect
  wrk_run "$front" 1 "$connections" >/dev/null
  c0=$(cpu_of "${ppids[@]}")
  h0=$([ -n "$hpid" ] && cpu_of "$hpid" || echo 0)
  line=$(wrk_run "$front" "$duration" "$connections")
  c1=$(cpu_of "${ppids[@]}")
  h1=$([ -n "$hpid" ] && cpu_of "$hpid" || echo 0)
  [ -n "$hpid" ] && stop_pid "$hpid"
  for pid in "${ppids[@]}"; do stop_pid "$pid"; done
  grep -q 'err_status=0 ' <<<"$line" || log "warning: $setup: non-2xx answers: $line"
  echo "$setup $(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")" \
    "$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")" \
    "$(awk -v a="$c1" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')" \
    "$(awk -v a="$h1" -v b="$h0" 'BEGIN { printf "%.2f", a - b }')" >>"$results"
}

setups=(alone-local 1-local 2-local 1-redis 2-redis)
results=$work/results.txt
: >"$results"
log "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per run," \
  "$rounds rounds, $connections connections; $("$haproxy" -v | head -n 1 | cut -d' ' -f1-3)"
for round in $(seq "$rounds"); do
  for setup in "${setups[@]}"; do
    measure "$setup"
    read -r _ requests p99 cpu hcpu <<<"$(tail -n 1 "$results")"
    log "round $round: $setup: $requests requests, p99 ${p99} us, instances ${cpu} CPU-s," \
      "haproxy ${hcpu} CPU-s"
  done
done
log "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$duration" <<'PY'
import statistics
import sys

path, duration = sys.argv[1], float(sys.argv[2])
names = {"alone-local": "one instance, no balancer, local",
         "1-local": "HAProxy -> 1 instance, local", "2-local": "HAProxy -> 2 instances, local",
         "1-redis": "HAProxy -> 1 instance, redis", "2-redis": "HAProxy -> 2 instances, redis"}
runs = {name: [] for name in names}
with open(path) as f:
    for line in f:
        setup, requests, p99, cpu, hcpu = line.split()
        runs[setup].append((int(requests), int(p99), float(cpu), float(hcpu)))
base = statistics.median(r for r, _, _, _ in runs["1-local"]) / duration


def per_10k(cpu, requests):
    return cpu / (requests / 10_000) if requests else float("nan")


print("| setup | req/s (median) | each round | vs HAProxy -> 1, local | p99 ms | "
      "instances' CPU-s per 10k | HAProxy CPU-s per 10k |")
print("|---|---|---|---|---|---|---|")
for setup, rows in runs.items():
    rates = [r / duration for r, _, _, _ in rows]
    print(f"| {names[setup]} | {statistics.median(rates):,.0f} | "
          + " / ".join(f"{r:,.0f}" for r in rates)
          + f" | {statistics.median(rates) / base:.2f}x"
          + f" | {statistics.median(p / 1000 for _, p, _, _ in rows):.2f}"
          + f" | {statistics.median(per_10k(c, r) for r, _, c, _ in rows):.3f}"
          + f" | {statistics.median(per_10k(h, r) for r, _, _, h in rows):.3f} |")
PY
