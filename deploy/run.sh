#!/usr/bin/env bash
# Starts the scale-out deployment on loopback: one redis-server, two proxy-server
# instances sharing its rate limit, and HAProxy in front sending PROXY v2. Everything it
# starts it stops by PID when it ends.
#
#   deploy/run.sh smoke   start, wait until HAProxy sees both instances up, run
#                         deploy/smoke.py through the front port, stop; exit 0 if it passed
#   deploy/run.sh up      start and keep running until Ctrl-C
#
# Environment (defaults in brackets): PROXY_BIN [build/bin/proxy-server], FRONT_PORT [3128],
# INSTANCE_1_PORT [3201], INSTANCE_2_PORT [3202], REDIS_PORT [6390], DEPLOY_WORK [a new
# temporary folder: logs, the HAProxy stats socket, per-run config].
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mode=${1:-smoke}
case $mode in smoke | up) ;; *)
  echo "usage: deploy/run.sh [smoke|up]" >&2
  exit 2
  ;;
esac

proxy_bin=${PROXY_BIN:-$here/../build/bin/proxy-server}
export FRONT_PORT=${FRONT_PORT:-3128}
export INSTANCE_1_PORT=${INSTANCE_1_PORT:-3201}
export INSTANCE_2_PORT=${INSTANCE_2_PORT:-3202}
redis_port=${REDIS_PORT:-6390}
export DEPLOY_WORK=${DEPLOY_WORK:-$(mktemp -d -t proxy-deploy-XXXXXX)}
mkdir -p "$DEPLOY_WORK"

find_tool() { # on PATH, else where Debian puts daemons (not on a user's PATH)
  command -v "$1" 2>/dev/null || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } ||
    { [ -x "/usr/bin/$1" ] && echo "/usr/bin/$1"; } || {
    echo "deploy/run.sh: $1 not found (scripts/install-deps.sh installs it)" >&2
    exit 2
  }
}
haproxy=$(find_tool haproxy)
redis_server=$(find_tool redis-server)
[ -x "$proxy_bin" ] || {
  echo "deploy/run.sh: no proxy-server at $proxy_bin (build it, or set PROXY_BIN)" >&2
  exit 2
}

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

"$redis_server" "$here/redis.conf" --port "$redis_port" --dir "$DEPLOY_WORK" \
  --logfile "$DEPLOY_WORK/redis.log" --daemonize no &
pids+=($!)

for n in 1 2; do
  port_var=INSTANCE_${n}_PORT
  # The per-run layer: this run's ports and files; policy stays in the shipped files.
  cat >"$DEPLOY_WORK/instance-$n.run.yaml" <<YAML
server:
  port: ${!port_var}
plugins:
  settings:
    rate_limiter:
      redis:
        address: 127.0.0.1:$redis_port
    json_log:
      path: $DEPLOY_WORK/instance-$n.log
YAML
  "$proxy_bin" --config "$here/proxy-server.yaml" --config "$here/instance-$n.yaml" \
    --config "$DEPLOY_WORK/instance-$n.run.yaml" 2>"$DEPLOY_WORK/instance-$n.stderr" &
  pids+=($!)
done

"$haproxy" -db -f "$here/haproxy.cfg" >"$DEPLOY_WORK/haproxy.log" 2>&1 &
pids+=($!)

# Up when HAProxy's own health checks (GET /_ready behind PROXY v2 LOCAL) pass on both.
python3 "$here/smoke.py" wait-up --stats "$DEPLOY_WORK/haproxy.sock" --timeout 30 || {
  echo "deploy/run.sh: the deployment did not come up; logs in $DEPLOY_WORK" >&2
  exit 1
}
echo "up: clients connect to 127.0.0.1:$FRONT_PORT (instances :$INSTANCE_1_PORT and" \
  ":$INSTANCE_2_PORT, redis :$redis_port); logs in $DEPLOY_WORK"

if [ "$mode" = smoke ]; then
  python3 "$here/smoke.py" check --front "$FRONT_PORT" \
    --logs "$DEPLOY_WORK/instance-1.log" "$DEPLOY_WORK/instance-2.log" --limit 1200
else
  echo "Ctrl-C stops everything"
  wait
fi
