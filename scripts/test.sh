#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test.
# PROXY_SANITIZE=1 builds and tests with AddressSanitizer + UndefinedBehaviorSanitizer
# in build-asan/ instead. PROXY_SANITIZE=thread builds with ThreadSanitizer in
# build-tsan/ and runs the unit tests plus the integration suites labelled `threads`
# (tests/integration/CMakeLists.txt says which and why).
set -euo pipefail
cd "$(dirname "$0")/.."

case "${PROXY_SANITIZE:-0}" in
  1)
    build_dir=build-asan
    options=(-DCMAKE_BUILD_TYPE=Debug -DPROXY_SANITIZE=ON)
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # LeakSanitizer's scan of thread-local storage trips over plugin libraries that were
    # already unloaded at exit; without TLS roots it can only report more, never less.
    export LSAN_OPTIONS=${LSAN_OPTIONS:-use_tls=0}
    ;;
  thread)
    build_dir=build-tsan
    # Optimised: TSan slows code down 5-15x, and the integration suites have deadlines.
    options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROXY_SANITIZE_THREAD=ON)
    # Stop at the first report, like the ASan build: the test that hit it fails.
    export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
    ;;
  0)
    build_dir=build-test
    options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    ;;
  *)
    echo "test.sh: PROXY_SANITIZE must be 1 (ASan+UBSan) or thread (TSan)" >&2
    exit 2
    ;;
esac
scripts/install-deps.sh
scripts/build.sh "$build_dir" -DPROXY_WERROR=ON -DPROXY_BUILD_TESTS=ON "${options[@]}"
ctest_args=(--test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 300)
if [ "${PROXY_SANITIZE:-0}" = thread ]; then
  ctest "${ctest_args[@]}" --label-exclude integration
  ctest "${ctest_args[@]}" --label-regex "^threads$"
else
  ctest "${ctest_args[@]}"
fi
