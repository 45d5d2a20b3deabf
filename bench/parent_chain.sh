#!/usr/bin/env bash
# What a parent proxy costs: requests per second through one proxy-server straight to an
# nginx origin ("direct"), and through one proxy-server whose upstream_router sends
# everything through a second proxy-server, the parent ("parent": ours -> ours), all on
# 127.0.0.1. Not part of CI or ctest: run it by hand, on an already built tree.
#
#   bench/parent_chain.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
#
# Each run gets fresh proxies (server.workers 0), a 1 s wrk warm-up, then
# `wrk -t2 -cC -dS` (absolute-form keep-alive requests for a 100-byte file,
# bench/wrk-proxy.lua). Through the parent, each client connection keeps one connection
# to the parent alive, and the parent one to nginx. The table shows, per setup, the
# median req/s, the p99 latency and the CPU of the proxies per 10,000 requests (the
# parent's included). Both setups share the machine's cores with wrk and nginx: on a
# small machine the second proxy takes CPU from the first, which is part of what the
# row measures. On exit it stops every process it started, by PID, and removes its
# temporary folder.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<'USAGE'
Usage: bench/parent_chain.sh [--duration S] [--rounds N] [--connections C] [--build DIR]
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

bench_name=parent_chain
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
find_build "$build"
[ -e "$plugin_dir/libupstream_router.so" ] || die "no upstream_router plugin in ${plugin_dir:-the build}"
for tool in nginx wrk python3; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "$tool is missing (bench/install-bench-deps.sh, scripts/install-deps.sh)"
done

work=$(mktemp -d -t proxy-parent-chain.XXXXXXXX)
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_small_origin

# --- one run -----------------------------------------------------------------------------
started_pid="" started_log=""
start_proxy() { # NAME PORT PLUGINS SETTINGS: starts proxy-server; sets started_pid, started_log
  local name=$1 port=$2 plugins=$3 settings=$4 dir=$work/$1
  mkdir -p "$dir"
  cat >"$dir/proxy.yaml" <<YAML
server: {listen: 127.0.0.1, port: $port, workers: 0, max_connections: 20000, max_connections_per_ip: 20000, shutdown_grace: 1}
logging: {level: warn}
plugins:
  dirs: [$plugin_dir]
  enabled: [$plugins]
  settings: $settings
YAML
  "$proxy_bin" --config "$dir/proxy.yaml" >"$dir/stdout" 2>"$dir/stderr" &
  started_pid=$!
  started_log=$dir/stderr
  pids+=("$started_pid")
  wait_port "$port" "$started_pid" "proxy-server ($name)" "$started_log"
}

measure() { # SETUP: prints "REQUESTS P99_US PROXIES_CPU_S" for one run
  local setup=$1 port parent_port pid parent_pid="" c0 c1 line requests p99
  port=$(free_port)
  if [ "$setup" = parent ]; then
    parent_port=$(free_port)
    start_proxy "parent-$RANDOM" "$parent_port" http_parser "{}"
    parent_pid=$started_pid
    start_proxy "child-$RANDOM" "$port" "http_parser, upstream_router" \
      "{upstream_router: {parents: {ours: {address: \"127.0.0.1:$parent_port\"}}, routes: [{domains: [\"*\"], via: [ours]}]}}"
  else
    start_proxy "direct-$RANDOM" "$port" http_parser "{}"
  fi
  pid=$started_pid
  BENCH_TARGET=$target timeout 40 wrk -t2 -c"$connections" -d1s --timeout 5s \
    -s "$here/wrk-proxy.lua" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
  cpu() { # the proxies' CPU seconds so far
    local total
    total=$(python3 "$here/procstat.py" cpu "$pid")
    if [ -n "$parent_pid" ]; then
      total=$(awk -v a="$total" -v b="$(python3 "$here/procstat.py" cpu "$parent_pid")" \
        'BEGIN { printf "%.3f", a + b }')
    fi
    echo "$total"
  }
  c0=$(cpu)
  line=$(wrk_run "$port" "$duration" "$connections")
  c1=$(cpu)
  stop_pid "$pid"
  [ -z "$parent_pid" ] || stop_pid "$parent_pid"
  grep -q 'err_status=0 ' <<<"$line" || log "warning: $setup: non-2xx answers: $line"
  requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$line")
  echo "$requests $p99 $(awk -v a="$c1" -v b="$c0" 'BEGIN { printf "%.2f", a - b }')"
}

results=$work/results.txt
: >"$results"
log "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ${duration}s per run," \
  "$rounds rounds, $connections connections"
for round in $(seq "$rounds"); do
  for setup in direct parent; do
    read -r requests p99 cpu <<<"$(measure "$setup")"
    log "round $round: $setup: $requests requests, p99 ${p99} us, proxies ${cpu} CPU-s"
    echo "$setup $requests $p99 $cpu" >>"$results"
  done
done
log "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" "$duration" <<'PY'
import statistics
import sys

path, duration = sys.argv[1], float(sys.argv[2])
runs = {"direct": [], "parent": []}
with open(path) as f:
    for line in f:
        setup, requests, p99, cpu = line.split()
        runs[setup].append((int(requests), int(p99), float(cpu)))

names = {"direct": "ours, direct", "parent": "ours -> ours (parent)"}
print("| path | req/s (median) | each round | p99 ms (median) | proxies' CPU-s per 10k |")
print("|---|---|---|---|---|")
for setup, rows in runs.items():
    rates = [r / duration for r, _, _ in rows]
    per_10k = [c / (r / 10_000) if r else float("nan") for r, _, c in rows]
    print(f"| {names[setup]} | {statistics.median(rates):,.0f} | "
          + " / ".join(f"{r:,.0f}" for r in rates)
          + f" | {statistics.median(p / 1000 for _, p, _ in rows):.2f}"
          + f" | {statistics.median(per_10k):.3f} |")
PY
