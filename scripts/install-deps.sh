#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, and promtool into .tools/.
# Idempotent: when everything is already present it returns at once without touching apt.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libc-ares-dev  # upstream name resolution (core/dns)
  libgtest-dev googletest
  clang-format clang-tidy
  clang libclang-rt-14-dev llvm  # scripts/fuzz.sh: libFuzzer, and llvm-symbolizer for its stacks
  python3 openssl libssl-dev curl procps iproute2
  libcrypt-dev  # proxy_auth: crypt_r verifies the users file's hashes
  libsystemd-dev  # sd_notify: READY/RELOADING/STOPPING for systemd's Type=notify
  systemd  # systemd-analyze verifies the unit; it needs no systemd running as PID 1
  help2man lintian  # the Debian packages: the man page from --help, and their check
  apache2-utils  # proxy_auth tests: htpasswd, as operators make the users file
  libhiredis-dev  # rate_limiter: the Redis client of backend: redis
  redis-server  # rate_limiter tests: a real Redis each test starts on a port of its own
  haproxy  # PROXY protocol tests: a real balancer sending v1 and v2 headers (run by the tests)
  squid  # parent proxy tests: a real Squid as the parent, each test starting its own
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  # redis-server's postinst would start a system Redis on port 6379, squid's a system
  # Squid on port 3128: the tests start their own, so service starts are refused for the
  # install (unless a policy-rc.d is already in place), and a Redis or Squid service
  # started anyway is stopped (and disabled) again.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  install_status=0
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    install_status=$?
  if [ "$made_policy" = 1 ]; then
    "${sudo_cmd[@]}" rm -f "$policy"
  fi
  [ "$install_status" = 0 ] || exit "$install_status"
  if command -v systemctl >/dev/null 2>&1; then
    for service in redis-server squid; do
      if [[ " ${missing[*]} " == *" $service "* ]]; then
        "${sudo_cmd[@]}" systemctl disable --now "$service" >/dev/null 2>&1 || true
      fi
    done
  fi
fi

# promtool checks the metrics plugin's output in the integration tests. Installing the
# `prometheus` package would also start a Prometheus daemon from its postinst, so only
# the promtool binary is taken out of the package, into .tools/bin/ (ignored by git).
tools_dir="$(cd "$(dirname "$0")/.." && pwd)/.tools"
promtool="$tools_dir/bin/promtool"
if [ ! -x "$promtool" ]; then
  echo "install-deps: extracting promtool from the prometheus package into $tools_dir" >&2
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download -qq prometheus 2>/dev/null); then
    "${sudo_cmd[@]}" apt-get update -qq
    (cd "$work" && apt-get download -qq prometheus)
  fi
  dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb | tar -x -C "$work" ./usr/bin/promtool
  mkdir -p "$tools_dir/bin"
  printf '*\n' >"$tools_dir/.gitignore"
  install -m 0755 "$work/usr/bin/promtool" "$promtool.tmp"
  mv "$promtool.tmp" "$promtool"  # never leave a half-written binary behind
  "$promtool" --version >/dev/null
fi
