#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test.
# PROXY_SANITIZE=1 builds and tests with AddressSanitizer + UndefinedBehaviorSanitizer
# in build-asan/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
if [ "${PROXY_SANITIZE:-0}" = "1" ]; then
  build_dir=build-asan
  options=(-DCMAKE_BUILD_TYPE=Debug -DPROXY_SANITIZE=ON)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # LeakSanitizer's scan of thread-local storage trips over plugin libraries that were
  # already unloaded at exit; without TLS roots it can only report more, never less.
  export LSAN_OPTIONS=${LSAN_OPTIONS:-use_tls=0}
else
  build_dir=build-test
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
scripts/build.sh "$build_dir" -DPROXY_WERROR=ON -DPROXY_BUILD_TESTS=ON "${options[@]}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 300
