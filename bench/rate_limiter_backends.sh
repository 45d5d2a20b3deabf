#!/usr/bin/env bash
# What the shared rate limit costs: requests per second through one proxy-server with
# rate_limiter on backend: local, then on backend: redis (a redis-server this script
# starts), against an nginx origin, all on 127.0.0.1. Not part of CI or ctest: run it by
# hand, on an already built tree.
#
#   bench/rate_limiter_backends.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
#
# Each run gets a fresh proxy (http_parser + rate_limiter, server.workers 0, a limit out
# of reach so every request is admitted and forwarded), a 1 s wrk warm-up, then
# `wrk -t2 -cC -dS` (absolute-form keep-alive requests for a 100-byte file,
# bench/wrk-proxy.lua). Every request is one decision: with the redis backend that is one
# EVALSHA round trip to Redis on the plugin's own thread. The table shows, per backend, the
# median req/s, the p99 latency, the proxy's CPU and Redis's CPU per 10,000 requests.
# On exit it stops every process it started, by PID, and removes its temporary folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'USAGE'
Usage: bench/rate_limiter_backends.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
  --duration S     seconds of each measured wrk run (10)
  --rounds N       times each backend is measured, alternating (2)
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

bench_name=rate_limiter_backends
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
find_build "$build"
[ -e "$plugin_dir/librate_limiter.so" ] || die "no rate_limiter plugin in ${plugin_dir:-the build}"
for tool in nginx wrk redis-server python3; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing (bench/install-bench-deps.sh, scripts/install-deps.sh)"
done

work=$(mktemp -d -t proxy-rl-backends.XXXXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_small_origin
start_redis

# --- one run -----------------------------------------------------------------------------
measure() { # BACKEND: prints "REQUESTS P99_US PROXY_CPU_S REDIS_CPU_S" for one run
  local backend=$1 port dir pid c0 c1 r0 r1 line requests p99
  port=$(free_port)
  dir=$work/$backend
  mkdir -p "$dir"
  cat >"$dir/proxy.yaml" <<YAML
server: {listen: 127.0.0.1, port: $port, workers: 0, max_connections: 20000, max_connections_per_ip: 20000, shutdown_grace: 1}
logging: {level: warn}
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
  "$proxy_bin" --config "$dir/proxy.yaml" >"$dir/stdout" 2>"$dir/stderr" &
  pid=$!
  pids+=("$pid")
  wait_port "$port" "$pid" "proxy-server ($backend)" "$dir/stderr"
  sleep 0.5 # the Redis pool connects
  BENCH_TARGET=$target timeout 40 wrk -t2 -c"$connections" -d1s --timeout 5s \
    -s "$here/wrk-proxy.lua" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  c0=$(python3 "$here/procstat.py" cpu "$pid")
  r0=$(python3 "$here/procstat.py" cpu "$pid_redis")
  line=$(wrk_run "$port" "$duration" "$connections")
  c1=$(python3 "$here/procstat.py" cpu "$pid")
  r1=$(python3 "$here/procstat.py" cpu "$pid_redis")
  stop_pid "$pid"
  grep -q 'err_status=0 ' <<<"$line" || log "warning: $backend: non-2xx answers: $line"
  if [ "$backend" = redis ] && grep -q 'connecting again' "$dir/stderr"; then
    log "warning: the Redis pool lost its connection during the run: $(tail -n 2 "$dir/stderr")"
  fi
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")
  echo "$requests $p99 $(awk -v a="$c1" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')" \
    "$(awk -v a="$r1" -v b="$r0" 'BEGIN { printf "%.2f", a - b }')"
}

results=$work/results.txt
: >"$results"
log "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per run," \
  "$rounds rounds, $connections connections; redis-server $(redis-server --version | cut -d' ' -f3)"
for round in $(seq "$rounds"); do
  for backend in local redis; do
    read -r requests p99 cpu redis_cpu <<<"$(measure "$backend")"
    log "round $round: $backend: $requests requests, p99 ${p99} us, proxy ${cpu} CPU-s," \
      "redis ${redis_cpu} CPU-s"
    echo "$backend $requests $p99 $cpu $redis_cpu" >>"$results"
  done
done
log "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$duration" <<'PY'
import statistics
import sys

path, duration = sys.argv[1], float(sys.argv[2])
runs = {"local": [], "redis": []}
with open(path) as f:
    for line in f:
        backend, requests, p99, cpu, redis_cpu = line.split()
        runs[backend].append((int(requests), int(p99), float(cpu), float(redis_cpu)))


def per_10k(cpu, requests):
    return cpu / (requests / 10_000) if requests else float("nan")


print("| backend | req/s (median) | each round | p99 ms (median) | proxy CPU-s per 10k "
      "| Redis CPU-s per 10k |")
print("|---|---|---|---|---|---|")
for backend, rows in runs.items():
    rates = [r / duration for r, _, _, _ in rows]
    print(f"| {backend} | {statistics.median(rates):,.0f} | "
          + " / ".join(f"{r:,.0f}" for r in rates)
          + f" | {statistics.median(p / 1000 for _, p, _, _ in rows):.2f}"
          + f" | {statistics.median(per_10k(c, r) for r, _, c, _ in rows):.3f}"
          + f" | {statistics.median(per_10k(c, r) for r, _, _, c in rows):.3f} |")
PY
