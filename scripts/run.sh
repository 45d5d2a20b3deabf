#!/usr/bin/env bash
# Installs what is missing, builds, and runs the proxy on config/default.yaml.
# Extra arguments go to proxy-server, e.g. scripts/run.sh --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DPROXY_BUILD_TESTS=OFF
exec build/bin/proxy-server --config config/default.yaml "$@"
